"""Benchmark: the public site (/public/, cached, no sign-in) under anonymous visitors beside signed-in users on the
comparable pages, in one run on the production server (issue 18).

It reuses the load benchmark's machinery (bench/load/run.py: the scratch installation, the servers, the simulated
users, the measured windows, the CPU accounting) and adds:

  installation  the load benchmark's scratch PostgreSQL database and demo data, plus ``duikou demo-public`` (the
                信阳–苏州 plan summary, the demo projects and the demo evaluation's reviewed reports published), with
                DUIKOU_PUBLIC_API_PER_MINUTE set very high (the downloads are counted per address in the database
                and would otherwise answer 429) and DUIKOU_TRUSTED_PROXY=yes so that each visitor's X-Forwarded-For
                is its address (one counter row each, as behind the proxy, instead of one row for 127.0.0.1);
  servers       ``duikou web`` (gunicorn, --workers × --threads) with the public cache as deployed (Django's
                default per-process memory cache), and, as the reference, the same command with Django's cache
                turned off (bench/public_load/nocache_settings.py: every public page built on every request);
  visitors      anonymous: /public/, /public/pairings/, /public/pairings/<id>/ for the six pairings of the demo
                evaluation in turn, /public/data/, figures.csv and projects.json; beside them as many signed-in
                province viewers on the comparable pages: home (/), the pairing list (/pairings/) and their
                pairing's hub (/pairings/<id>/);
  phases        think (--users visitors + --users signed-in users, 1–3 s pauses, --duration s after --warmup s) on
                the cached server; saturation (--saturation-users of each, no pause, --saturation-duration s) on the
                cached server, then on the reference server; then a sequential probe on an otherwise idle server:
                for --rounds rounds the public generation is raised in the database (as a publication does) and
                each public page is fetched once (cold: built) and --repeat times more (warm: from the cache), the
                same pages --repeat times per round from the reference server, and a static file served by
                whitenoise as the floor.

The client is this process, pinned to CPU 0 after the servers have started, its CPU time printed beside the wall
time. Printed: per phase and page requests, rps, p50/p95/p99 ms, errors; the machine's CPU per server and
PostgreSQL; the probe's cold/warm/no-cache/static table; the load average and ``uptime`` before and after. Exit
status 1 when a request failed. No pass/fail goals: issue 18 asks for the figures.

    .venv/bin/python bench/public_load/run.py [--users 25] [--duration 60] [--warmup 15] [--saturation-users 8]
        [--saturation-duration 30] [--rounds 10] [--repeat 5] [--workers 3] [--threads 4] [--db NAME] [--quick]
"""

import argparse
import importlib.util
import itertools
import json
import os
import random
import resource
import secrets
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import requests

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_load", HERE.parent / "load" / "run.py")
load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load)

HOST, PYTHON = load.HOST, load.PYTHON
NOCACHE_SETTINGS = "bench.public_load.nocache_settings"
RATE = 1_000_000  # DUIKOU_PUBLIC_API_PER_MINUTE for the run
CSV_TABLE, JSON_TABLE = "figures", "projects"
PUBLIC_PAGES = ["pub index", "pub pairings", "pub pairing", "pub data", "pub csv", "pub json"]
SIGNED_IN_PAGES = ["in home", "in pairings", "in pairing"]

# Run inside the scratch installation (python -c) after demo-public: what the visitors open, and a check that the
# public site has the published content.
PUBLIC_SETUP = r"""
import json
import django
django.setup()
from django.contrib.staticfiles.storage import staticfiles_storage
from duikou.evaluation import demo
from duikou.publication import site
from duikou.publication.models import Publication

pairings = list(site.public_pairings().filter(code__in=list(demo.PROFILES)).order_by("code").values_list("pk", "code"))
published = {}
for kind in Publication.objects.filter(status=Publication.Status.PUBLISHED).values_list("kind", flat=True):
    published[kind] = published.get(kind, 0) + 1
print(json.dumps({
    "pairings": [pk for pk, _code in pairings],
    "codes": [code for _pk, code in pairings],
    "featured": next(pk for pk, code in pairings if code == "N09"),
    "static": staticfiles_storage.url("duikou/duikou.css"),
    "published": published,
}))
"""


class Visitor(load.User):
    """An anonymous visitor of the public site, from an address of its own (X-Forwarded-For, believed with
    DUIKOU_TRUSTED_PROXY=yes): the home page, the pairings, one pairing after another, the open data and two
    downloads in turn."""

    signs_in = False

    def __init__(self, base: str, spec: dict, plan: dict, password: str):
        self.base, self.spec, self.plan, self.password = base, spec, plan, password
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "duikou-bench-public"
        self.session.headers["X-Forwarded-For"] = spec["address"]
        self.version = None
        ids = plan["public"]["pairings"]
        shift = spec["n"] % len(ids)
        pairings = itertools.cycle(ids[shift:] + ids[:shift])
        self.pages = [
            ("pub index", lambda: self.get("/public/")),
            ("pub pairings", lambda: self.get("/public/pairings/")),
            ("pub pairing", lambda: self.get(f"/public/pairings/{next(pairings)}/")),
            ("pub data", lambda: self.get("/public/data/")),
            ("pub csv", lambda: self.get(f"/public/data/{CSV_TABLE}.csv")),
            ("pub json", lambda: self.get(f"/public/data/{JSON_TABLE}.json")),
        ]
        self.step = random.randrange(len(self.pages))


class Member(load.User):
    """A signed-in province viewer (the load benchmark's account) on the pages comparable to the public ones."""

    def __init__(self, base: str, spec: dict, plan: dict, password: str):
        super().__init__(base, spec, plan, password)
        self.pages = [
            ("in home", lambda: self.get("/")),
            ("in pairings", lambda: self.get("/pairings/")),
            ("in pairing", lambda: self.get(f"/pairings/{spec['pairing']}/")),
        ]
        self.step = random.randrange(len(self.pages))


def make_user(base: str, spec: dict, plan: dict, password: str):
    return (Visitor if spec["role"] == "visitor" else Member)(base, spec, plan, password)


# ---- the probe: cold, warm, no cache, static ------------------------------------------------------------------


def probe_paths(plan: dict) -> dict[str, str]:
    return {
        "pub index": "/public/",
        "pub pairings": "/public/pairings/",
        "pub pairing": f"/public/pairings/{plan['public']['featured']}/",
        "pub data": "/public/data/",
        "pub csv": f"/public/data/{CSV_TABLE}.csv",
        "pub json": f"/public/data/{JSON_TABLE}.json",
    }


def probe(cached: str, nocache: str, plan: dict, db_url: str, rounds: int, repeat: int) -> tuple[dict, list, list]:
    """One request at a time. Each round raises the public generation (as a publication does, in the database),
    then fetches each public page once — the first request after the raise builds it — and ``repeat`` times more
    (from the cache); one keep-alive connection, so one server process, whose cache the first request filled. Then
    the same pages ``repeat`` times from the reference server and a static file from the cached one. Returns
    {page: {"cold": [ms], "warm": [ms], "nocache": [ms]}}, the static file's ms and the errors."""
    paths = probe_paths(plan)
    figures = {page: {"cold": [], "warm": [], "nocache": []} for page in paths}
    static, errors = [], []
    sessions = {}
    for name in ("cached", "nocache"):
        session = sessions[name] = requests.Session()
        session.headers.update({"User-Agent": "duikou-bench-public", "X-Forwarded-For": "10.99.0.1"})

    def fetch(name: str, url: str) -> float:
        start = time.perf_counter()
        response = sessions[name].get(url, allow_redirects=False, timeout=30)
        ms = (time.perf_counter() - start) * 1000
        error = load._check(response) or (None if response.status_code == 200 else f"HTTP {response.status_code} {url}")
        if error:
            errors.append(error)
        return ms

    pages = list(paths)
    with psycopg.connect(db_url, autocommit=True) as db:
        for r in range(rounds):
            db.execute("UPDATE publication_generation SET number = number + 1 WHERE name = 'public'")
            order = pages[r % len(pages) :] + pages[: r % len(pages)]  # the first page also builds the demo notice
            for page in order:
                figures[page]["cold"].append(fetch("cached", cached + paths[page]))
                figures[page]["warm"] += [fetch("cached", cached + paths[page]) for _ in range(repeat)]
            for page in order:
                figures[page]["nocache"] += [fetch("nocache", nocache + paths[page]) for _ in range(repeat)]
            static += [fetch("cached", cached + plan["public"]["static"]) for _ in range(repeat)]
    return figures, static, errors


# ---- reporting ------------------------------------------------------------------------------------------------


def report(title: str, results, wall: float, cpu: float, duration: float) -> dict:
    pct = load.percentile
    print(f"\n{title}")
    print(f"  {'page':<12} {'requests':>8} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
    summary = {"pages": {}, "requests": 0, "errors": results.login_errors}
    for group, pages in (("public", PUBLIC_PAGES), ("signed-in", SIGNED_IN_PAGES)):
        together = []
        for page in pages:
            values = results.latency.get(page, [])
            together += values
            errors = results.errors.get(page, 0)
            p50, p95, p99 = (pct(values, q) for q in (0.5, 0.95, 0.99))
            rps = len(values) / duration
            print(f"  {page:<12} {len(values):>8} {rps:>7.1f} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f} {errors:>6}")
            summary["pages"][page] = {"requests": len(values), "rps": rps, "p50": p50, "p95": p95, "p99": p99}
            summary["errors"] += errors
        p50, p95, p99 = (pct(together, q) for q in (0.5, 0.95, 0.99))
        rps = len(together) / duration
        print(f"  {'all ' + group:<12} {len(together):>8} {rps:>7.1f} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f}")
        summary[group] = {"requests": len(together), "rps": rps, "p50": p50, "p95": p95, "p99": p99}
        summary["requests"] += len(together)
    print(f"  {'all':<12} {summary['requests']:>8} {summary['requests'] / duration:>7.1f}")
    if results.logins:
        print(
            f"  sign-ins before the window: {len(results.logins)}, p50 {pct(results.logins, 0.5):.0f} ms, "
            f"refused {results.login_errors}"
        )
    print(f"  client: {cpu:.1f} s CPU over {wall:.1f} s wall = {100 * cpu / wall:.0f} % of its one core")
    for sample in results.samples:
        print(f"  error: {sample}")
    summary["rps"] = summary["requests"] / duration
    summary["client_cpu"] = cpu / wall if wall else 0
    return summary


def report_probe(figures: dict, static: list, errors: list, rounds: int, repeat: int) -> None:
    pct = load.percentile
    print(
        f"\n== probe, one request at a time: {rounds} rounds, each raising the generation, then per page 1 cold + "
        f"{repeat} warm requests on the cached server, {repeat} on the reference server without cache =="
    )
    print(
        f"  {'page':<12} {'cold p50':>9} {'cold max':>9} {'warm p50':>9} {'warm p95':>9} "
        f"{'no-cache p50':>13} {'no-cache p95':>13} {'cold/warm':>10}"
    )
    for page, f in figures.items():
        cold, warm, nocache = f["cold"], f["warm"], f["nocache"]
        ratio = pct(cold, 0.5) / pct(warm, 0.5) if warm else float("nan")
        print(
            f"  {page:<12} {pct(cold, 0.5):>9.1f} {max(cold):>9.1f} {pct(warm, 0.5):>9.1f} {pct(warm, 0.95):>9.1f} "
            f"{pct(nocache, 0.5):>13.1f} {pct(nocache, 0.95):>13.1f} {ratio:>9.1f}×"
        )
    print(
        f"  {'static file':<12} {'':>9} {'':>9} {pct(static, 0.5):>9.1f} {pct(static, 0.95):>9.1f}"
        "   (whitenoise, the floor: the server and client round trip without Django's views)"
    )
    for error in errors[:5]:
        print(f"  error: {error}")
    if len(errors) > 5:
        print(f"  … {len(errors) - 5} more errors")


def uptime() -> str:
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---- main -----------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=25, help="anonymous visitors, and as many signed-in users")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds of the think-time phase")
    parser.add_argument("--warmup", type=float, default=15, help="seconds before the window (sign-ins, first pages)")
    parser.add_argument("--saturation-users", type=int, default=8, help="visitors, and as many signed-in users")
    parser.add_argument("--saturation-duration", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=10, help="probe: generation raises")
    parser.add_argument("--repeat", type=int, default=5, help="probe: warm requests per page and round")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes of each server")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (DUIKOU_WEB_THREADS)")
    parser.add_argument("--seed-levels", default="province,prefecture,county", help="region levels `duikou seed` loads")
    parser.add_argument("--db", default=f"duikou_bench_public_{os.getpid()}", help="scratch database (dropped)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 4+4 users 10 s, saturation 2+2 users 10 s, probe 3×3"
    )
    args = parser.parse_args()
    if args.quick:
        args.users, args.duration, args.warmup = 4, 10, 6
        args.saturation_users, args.saturation_duration = 2, 10
        args.rounds, args.repeat = 3, 3
    if not 1 <= args.workers <= 16 or args.users < 1 or args.saturation_users < 1 or args.rounds < 1:
        parser.error("--workers 1–16; --users, --saturation-users, --rounds at least 1")

    print(f"public load benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"  before: {uptime()}")
    scratch = load.Scratch()
    scratch.db = args.db
    scratch.env["DUIKOU_DATABASE_URL"] = f"postgresql://postgres@{HOST}:5432/{args.db}"
    scratch.env["DUIKOU_WEB_THREADS"] = str(args.threads)
    scratch.env["DUIKOU_ANALYTICS_MODE"] = "published"
    scratch.env["DUIKOU_PUBLIC_API_PER_MINUTE"] = str(RATE)
    scratch.env["DUIKOU_TRUSTED_PROXY"] = "yes"
    for name in ("DUIKOU_PUBLIC_CACHE_SECONDS",):
        scratch.env.pop(name, None)  # the default 300 s: longer than any phase
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # cleanup runs in the finally below
    try:
        t = time.monotonic()
        scratch.create_database()
        scratch.duikou("migrate", "--noinput", "-v0")
        scratch.duikou("seed", "--levels", args.seed_levels, "-v0")
        for command in [*load.DEMO_COMMANDS, "demo-public"]:
            scratch.duikou(command, "-v0")
        scratch.duikou("collectstatic", "--noinput", "-v0")
        scratch.duikou("analytics-sync", "--once")
        scratch.start("analytics-sync", [PYTHON, "-m", "duikou", "analytics-sync"])
        password = f"Bench-{secrets.token_urlsafe(12)}-9a"
        members = max(args.users, args.saturation_users)
        plan = scratch.setup_users({"editor": 0, "province": members, "national": 0}, password)
        done = subprocess.run(
            [PYTHON, "-c", PUBLIC_SETUP], cwd=load.ROOT, env=scratch.env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"reading the public site's content failed:\n{done.stderr[-4000:]}")
        plan["public"] = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"scratch database {scratch.db} prepared in {time.monotonic() - t:.0f} s; published: "
            f"{plan['public']['published']}; public pairings visited: {', '.join(plan['public']['codes'])}; "
            f"DUIKOU_PUBLIC_API_PER_MINUTE={RATE}, DUIKOU_TRUSTED_PROXY=yes (one address per visitor)"
        )

        ports = {"cached": load.free_port(), "nocache": load.free_port()}
        web = [PYTHON, "-m", "duikou", "web"]
        commands = {
            "cached": [*web, f"{HOST}:{ports['cached']}", "--workers", str(args.workers)],
            "nocache": [
                "env",
                f"DJANGO_SETTINGS_MODULE={NOCACHE_SETTINGS}",
                *web,
                f"{HOST}:{ports['nocache']}",
                "--workers",
                str(args.workers),
            ],
        }
        processes, bases = {}, {}
        for name, command in commands.items():
            processes[name] = scratch.start(name, command)
            bases[name] = f"http://{HOST}:{ports[name]}"
            load.wait_ready(processes[name], bases[name])
            print(f"{name}: {shlex.join(command)} ({args.threads} threads a worker)")
        featured = requests.get(f"{bases['cached']}/public/pairings/{plan['public']['featured']}/", timeout=60)
        # the 信阳–苏州 page has what demo-public published: the demo notice, the plan, projects, figures
        for needle in ("示例数据", 'id="plan-', 'id="project-', "dk-figure-sources"):
            if featured.status_code != 200 or needle not in featured.text:
                raise RuntimeError(f"the 信阳–苏州 public page lacks {needle!r} (HTTP {featured.status_code})")
        figures, projects = featured.text.count("dk-figure-sources"), featured.text.count('id="project-')
        print(f"信阳–苏州 public page: {figures} figures, {projects} projects, {len(featured.content) // 1024} KiB")
        os.sched_setaffinity(0, {0})  # the client only; the servers started above keep both cores
        print(f"client pinned to CPU {sorted(os.sched_getaffinity(0))}; load average {os.getloadavg()[0]:.2f}")

        visitors = [{"role": "visitor", "n": n, "address": f"10.18.{n // 250}.{n % 250 + 1}"} for n in range(members)]
        signed_in = plan["users"]
        measured = {}
        for phase, server, n, think, warmup, duration in [
            ("think", "cached", args.users, True, args.warmup, args.duration),
            ("saturation", "cached", args.saturation_users, False, 0.0, args.saturation_duration),
            ("saturation", "nocache", args.saturation_users, False, 0.0, args.saturation_duration),
        ]:
            specs = [spec for pair in zip(visitors[:n], signed_in[:n], strict=True) for spec in pair]
            results, wall, cpu, window, used = load.run_phase(
                bases[server], plan, specs, password, warmup=warmup, duration=duration, think=think, make_user=make_user
            )
            pause = "1–3 s pause" if think else "no pause"
            label = "public cache on" if server == "cached" else "reference: cache off"
            title = (
                f"== {label}, {phase}: {n} visitors + {n} signed-in users, {pause}, {window:.0f} s measured; "
                f"load average {os.getloadavg()[0]:.2f} after =="
            )
            summary = report(title, results, wall, cpu, window)
            summary["cpu"] = load.cpu_report(*used, processes[server].pid, summary["requests"], window)
            measured[f"{server}/{phase}"] = summary

        figures, static, probe_errors = probe(
            bases["cached"], bases["nocache"], plan, scratch.env["DUIKOU_DATABASE_URL"], args.rounds, args.repeat
        )
        report_probe(figures, static, probe_errors, args.rounds, args.repeat)

        on, off = measured["cached/saturation"], measured["nocache/saturation"]
        print("\nSummary (this machine, this run):")
        think = measured["cached/think"]
        print(
            f"  think, cache on: public p50/p95 {think['public']['p50']:.0f}/{think['public']['p95']:.0f} ms at "
            f"{think['public']['rps']:.1f} rps; signed-in p50/p95 {think['signed-in']['p50']:.0f}/"
            f"{think['signed-in']['p95']:.0f} ms at {think['signed-in']['rps']:.1f} rps"
        )
        for group in ("public", "signed-in"):
            a, b = on[group], off[group]
            print(
                f"  saturation, {group}: {a['rps']:.1f} rps (p50 {a['p50']:.0f} ms) with the cache, "
                f"{b['rps']:.1f} rps (p50 {b['p50']:.0f} ms) without"
            )
        errors = sum(m["errors"] for m in measured.values()) + len(probe_errors)
        print(f"  errors: {errors}")
        busiest = max(m["client_cpu"] for m in measured.values())
        if busiest > 0.8:
            print(f"  NOTE  the client used {100 * busiest:.0f} % of its core in one phase: it may have been the limit")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(f"\nclient total: {usage.ru_utime + usage.ru_stime:.1f} s CPU")
        print(f"  after: {uptime()}")
        return 0 if errors == 0 else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        scratch.close()


if __name__ == "__main__":
    sys.exit(main())
