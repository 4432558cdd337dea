"""Benchmark: the web pages under load — the production server (gunicorn) beside the development server, same run.

In one run, on a scratch PostgreSQL database (``duikou_bench_<pid>``: created, migrated, seeded, loaded with the demo
data of ``make run``, dropped at the end whatever happens) and a temporary DUIKOU_VAR_DIR:

  servers     the production server (``duikou web``: gunicorn with duikou/gunicorn_conf.py, --workers processes of
              --threads threads each, or --web-cmd) and the
              development server (``duikou runserver --noreload``, threaded, or --dev-cmd), both against the same
              database, DUIKOU_DEBUG off, a generated secret key, bound to 127.0.0.1 only;
  users       benchmark accounts with a known password (no forced password change, roles without a second
              factor): editors of the old-area cities of the six pairings with demo evaluation values, viewers of
              their provinces, viewers of 国家发展改革委 (the national overseer);
  think time  --users simulated users, each signing in through the sign-in form (during the --warmup seconds, not
              measured), then, for --duration seconds, one request after another with a uniform 1–3 s pause between
              them: a city editor reads its report grid (indicators/entry/…) and saves cells through the endpoint
              the grid posts to (…/cell/, with the CSRF token and the cell's version); a province viewer opens the
              pivot (indicators/analytics/), the home page with the pairing map and the map's data; the national
              overseer opens the published evaluation ranking (evaluation/runs/<pk>/);
  saturation  --saturation-users users of the same mix in a closed loop (no pause), --saturation-duration seconds,
              for the throughput of each server at saturation.

The client is this process: threads with one ``requests.Session`` each, pinned to CPU 0 after both servers have
started (the servers are not pinned; they and PostgreSQL use both cores), its own CPU time reported beside the wall
time. Traffic goes to 127.0.0.1 only; the number of users and the time are bounded.

Printed per server and page: requests, requests per second, p50/p95/p99 latency, errors (HTTP status ≥ 400, a
redirect to the sign-in, password or second-factor page, a cell the server refused, or an exception; the first few
shown), then the goals of issue 14 as pass/fail lines measured in this run.

    .venv/bin/python bench/load/run.py [--users 50] [--duration 60] [--warmup 15] [--workers 3]
        [--saturation-users 16] [--saturation-duration 30] [--quick] [--web-cmd CMD] [--dev-cmd CMD]
"""

import argparse
import json
import os
import random
import re
import resource
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HOST = "127.0.0.1"
PIVOT_GOAL_MS, PAGE_GOAL_MS, SPEEDUP_GOAL = 1000, 300, 2.0
# share of the simulated users in each role (at least one of each when there are three users or more)
MIX = {"editor": 0.5, "province": 0.4, "national": 0.1}
# the demo commands of `make run`, in its order (demo-evaluation enters the indicator values the pivot shows)
DEMO_COMMANDS = ["demo", "demo-plans", "demo-projects", "demo-evaluation", "load-pairing-data", "demo-markets"]

# Run inside the scratch installation (python -c): creates the benchmark accounts and prints, as JSON, what the
# simulated users visit. The pairings are those of the demo evaluation (their 2025 values fill the pivot).
SETUP = r"""
import json, os
import django
django.setup()
from django.db import transaction
from duikou.accounts.models import Organisation, User
from duikou.evaluation import demo
from duikou.evaluation.models import Run
from duikou.indicators import services
from duikou.indicators.models import DataSet
from duikou.pairings.models import Pairing

password = os.environ["BENCH_PASSWORD"]
counts = json.loads(os.environ["BENCH_COUNTS"])
pairings = list(Pairing.objects.filter(code__in=list(demo.PROFILES)).select_related("old_region").order_by("code"))
dataset = DataSet.objects.filter(indicators__code=demo.CODES[0]).order_by("code").first()
period = services.recent_periods(dataset)[0].id
inputs = list(dataset.indicators.filter(formula="").order_by("code").values_list("code", flat=True))
run = Run.objects.filter(status=Run.Status.PUBLISHED).order_by("-pk").first()
national = Organisation.objects.get(kind="national", name__startswith="国家发展改革委")


def city_org(pairing):
    return Organisation.objects.filter(kind="city", region=pairing.old_region).order_by("pk").first()


def province_org(pairing):
    code = pairing.old_region.code[:2] + "0000"
    return Organisation.objects.filter(kind="province", region_id=code).order_by("pk").first()


def account(username, organisation, role):
    user, _new = User.objects.get_or_create(username=username, defaults={"organisation": organisation, "role": role})
    user.organisation, user.role, user.must_change_password = organisation, role, False
    user.set_password(password)
    user.save()
    return user


users = []
with transaction.atomic():
    for n in range(counts["editor"]):
        pairing = pairings[n % len(pairings)]
        cell = inputs[(n // len(pairings)) % len(inputs)]
        name = f"bench_editor_{n:03d}"
        account(name, city_org(pairing), "editor")
        users.append({"username": name, "role": "editor", "pairing": pairing.pk, "indicator": cell})
    for n in range(counts["province"]):
        pairing = pairings[n % len(pairings)]
        name = f"bench_province_{n:03d}"
        account(name, province_org(pairing), "viewer")
        users.append({"username": name, "role": "province", "pairing": pairing.pk})
    for n in range(counts["national"]):
        name = f"bench_national_{n:03d}"
        account(name, national, "viewer")
        users.append({"username": name, "role": "national"})
print(json.dumps({
    "users": users,
    "dataset": dataset.code,
    "period": period,
    "pivot_indicator": demo.CODES[0],
    "run": run.pk if run else None,
    "cities": sorted({str(city_org(p)) for p in pairings}),
}))
"""


# ---- the scratch installation ---------------------------------------------------------------------------------


class Scratch:
    """The scratch database, var directory and servers; ``close()`` undoes all of it and may be called twice."""

    def __init__(self):
        self.db = f"duikou_bench_{os.getpid()}"
        self.var = Path(tempfile.mkdtemp(prefix="duikou-bench-load-"))
        self.servers: list[subprocess.Popen] = []
        self.db_created = False
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "duikou.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
            "DUIKOU_DATABASE_URL": f"postgresql://postgres@{HOST}:5432/{self.db}",
            "DUIKOU_VAR_DIR": str(self.var),
            "DUIKOU_SECRET_KEY": secrets.token_urlsafe(50),
            "DUIKOU_DEBUG": "no",
            "DUIKOU_ALLOWED_HOSTS": HOST,
            "DUIKOU_LOG_LEVEL": "WARNING",
        }
        for name in (
            "DUIKOU_JOBS_INLINE",
            "DUIKOU_HTTPS",
            "DUIKOU_ANALYTICS_PATH",
            "DUIKOU_MEDIA_ROOT",
            "DUIKOU_ANALYTICS_MODE",
        ):
            self.env.pop(name, None)

    def create_database(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.db}")
            admin.execute(f"CREATE DATABASE {self.db}")
        self.db_created = True

    def duikou(self, *args: str) -> str:
        done = subprocess.run(
            [PYTHON, "-m", "duikou", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"duikou {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return done.stdout

    def setup_users(self, counts: dict, password: str) -> dict:
        env = {**self.env, "BENCH_PASSWORD": password, "BENCH_COUNTS": json.dumps(counts)}
        done = subprocess.run([PYTHON, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"creating the benchmark users failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def stored_versions(self, period: str) -> int:
        """The saves of the period's cells the database holds: each save of a cell raises its version by one."""
        with psycopg.connect(self.env["DUIKOU_DATABASE_URL"]) as db:
            query = "SELECT coalesce(sum(version), 0) FROM indicators_datavalue WHERE period = %s"
            return int(db.execute(query, (period,)).fetchone()[0])

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.var / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        process.log_path = self.var / f"{name}.log"
        self.servers.append(process)
        return process

    def close(self) -> None:
        for process in self.servers:
            _stop(process)
        self.servers = []
        if self.db_created:
            for attempt in range(5):
                try:
                    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                        admin.execute(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
                    self.db_created = False
                    break
                except psycopg.Error as exc:
                    if attempt == 4:
                        print(f"could not drop {self.db}: {exc}", file=sys.stderr)
                    time.sleep(1)
        subprocess.run(["rm", "-rf", str(self.var)], check=False)


def _stop(process: subprocess.Popen) -> None:
    """Terminate the server's process group (gunicorn's workers with it), then kill what is left after 10 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_ready(process: subprocess.Popen, base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{_tail(process.log_path)}")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server not answering on {base} after {timeout:.0f} s:\n{_tail(process.log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---- the simulated users --------------------------------------------------------------------------------------


class Results:
    """Latencies and errors per page, kept only for requests that start inside the measured window."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []
        self.logins: list[float] = []
        self.login_errors = 0
        self.saved = 0  # cells the server accepted, in the window or not

    def add(self, page: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latency[page].append(ms)
            if error:
                self.errors[page] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{page}: {error}")


def _first_line(response: requests.Response) -> str:
    text = response.text or ""
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    if title:
        return " ".join(title.group(1).split())[:200]
    return next((line.strip()[:200] for line in text.splitlines() if line.strip()), "(empty body)")


def _check(response: requests.Response) -> str | None:
    """What is wrong with a page's answer, or None."""
    if response.status_code >= 400:
        return f"HTTP {response.status_code} {response.request.method} {response.url}: {_first_line(response)}"
    if 300 <= response.status_code < 400:
        where = response.headers.get("Location", "")
        if any(p in where for p in ("/accounts/login/", "password", "two-factor", "two_factor")):
            return f"HTTP {response.status_code} {response.request.method} {response.url} → {where}"
    return None


class User:
    """One simulated user: a session, a role, and the pages that role visits in turn."""

    signs_in = True

    def __init__(self, base: str, spec: dict, plan: dict, password: str):
        self.base, self.spec, self.plan, self.password = base, spec, plan, password
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "duikou-bench-load"
        self.version = None
        self.step = random.randrange(3)
        role = spec["role"]
        if role == "editor":
            grid = f"/indicators/entry/{spec['pairing']}/{plan['dataset']}/{plan['period']}/"
            self.grid = grid
            self.pages = [("grid", self.get_grid), ("cell", self.post_cell), ("cell", self.post_cell)]
        elif role == "province":
            pivot = f"/indicators/analytics/?indicator={plan['pivot_indicator']}&rows=city&cols=period"
            self.pages = [
                ("pivot", lambda: self.get(pivot)),
                ("home", lambda: self.get("/")),
                ("map-data", lambda: self.get("/pairings/map-data.json")),
            ]
        else:
            self.pages = [("ranking", lambda: self.get(f"/evaluation/runs/{plan['run']}/"))]

    def login(self) -> str | None:
        url = f"{self.base}/accounts/login/"
        self.session.get(url, timeout=30)
        token = self.session.cookies.get("csrftoken", "")
        data = {"username": self.spec["username"], "password": self.password, "next": "/", "csrfmiddlewaretoken": token}
        response = self.session.post(url, data=data, headers={"Referer": url}, allow_redirects=False, timeout=30)
        if response.status_code != 302 or "/accounts/" in response.headers.get("Location", "/accounts/"):
            return f"sign-in of {self.spec['username']} refused: HTTP {response.status_code} {_first_line(response)}"
        return None

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.base + path, allow_redirects=False, timeout=30)

    def get_grid(self) -> requests.Response:
        response = self.get(self.grid)
        self._read_version(response.text)
        return response

    def _read_version(self, html: str) -> None:
        code = re.escape(self.spec["indicator"])
        found = re.search(rf'<tr id="row-{code}"[^>]*\sdata-version="(\d+)"', html)
        if found:
            self.version = int(found.group(1))

    def post_cell(self) -> requests.Response:
        if self.version is None:
            return self.get_grid()  # the grid first: the cell's version comes from it
        data = {
            "indicator": self.spec["indicator"],
            "value": str(random.randint(1, 900)),
            "comment": "",
            "version": str(self.version),
        }
        headers = {
            "X-CSRFToken": self.session.cookies.get("csrftoken", ""),
            "HX-Request": "true",
            "Referer": self.base + self.grid,
        }
        response = self.session.post(
            f"{self.base}{self.grid}cell/", data=data, headers=headers, allow_redirects=False, timeout=30
        )
        # the cell answers JSON: saved and the cell's new version, or (409 stale, 422 refused, 403 locked) why not
        answer = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        if response.status_code == 200 and answer.get("saved"):
            response.saved = True
            self.version = answer.get("version")
        else:
            if response.status_code == 200:
                response.refused = (answer.get("detail") or "not saved")[:200]
            self.version = None  # read the grid again
        return response

    def act(self) -> tuple[str, float, str | None, bool]:
        page, call = self.pages[self.step % len(self.pages)]
        self.step += 1
        start, saved = time.perf_counter(), False
        try:
            response = call()
            saved = getattr(response, "saved", False)
            error = _check(response)
            if error is None and getattr(response, "refused", None):
                error = f"cell refused: {response.refused}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        return page, (time.perf_counter() - start) * 1000, error, saved


def run_phase(
    base: str,
    plan: dict,
    specs: list[dict],
    password: str,
    *,
    warmup: float,
    duration: float,
    think: bool,
    make_user=User,
):
    """Every user signs in (during the warm-up), then acts until the end; requests started inside the measured
    window [warm-up end, end) are kept. Returns the results, the client's wall and CPU seconds over the window, and
    the machine's CPU use by process group at the window's start and end. ``make_user(base, spec, plan, password)``
    makes each user (an object with ``signs_in``, ``login()`` and ``act()``; one whose ``signs_in`` is false starts
    without signing in: bench/public_load's anonymous visitors)."""
    results = Results()
    start = time.monotonic() + 0.5
    window = [start + warmup, start + warmup + duration]

    def open_window() -> None:  # saturation: the window opens when every user has signed in
        window[:] = [time.monotonic(), time.monotonic() + duration]

    ready = threading.Barrier(len(specs) + 1, action=open_window)

    def simulate(spec: dict) -> None:
        user = make_user(base, spec, plan, password)
        error = "not signed in"
        try:
            if think:
                time.sleep(max(0.0, start - time.monotonic()) + random.uniform(0, warmup * 0.6))
            if not user.signs_in:
                error = None
            else:
                t = time.perf_counter()
                try:
                    error = user.login()
                except requests.RequestException as exc:
                    error = f"sign-in of {spec['username']}: {type(exc).__name__}: {exc}"
                with results.lock:
                    results.logins.append((time.perf_counter() - t) * 1000)
                    if error:
                        results.login_errors += 1
                        if len(results.samples) < 5:
                            results.samples.append(f"login: {error}")
        finally:
            if not think:
                ready.wait()
        if error:
            return
        while True:
            now = time.monotonic()
            if now >= window[1]:
                return
            page, ms, error, saved = user.act()
            if saved:
                with results.lock:
                    results.saved += 1
            if window[0] <= now:
                results.add(page, ms, error)
            if think:
                time.sleep(min(random.uniform(1, 3), max(0.0, window[1] - time.monotonic())))

    threads = [threading.Thread(target=simulate, args=(spec,), daemon=True) for spec in specs]
    for thread in threads:
        thread.start()
    if not think:
        ready.wait()
    while time.monotonic() < window[0]:
        time.sleep(0.05)
    cpu0, wall0 = time.process_time(), time.monotonic()
    used0 = cpu_by_process()
    time.sleep(max(0.0, window[1] - time.monotonic()))
    used1 = cpu_by_process()  # the machine's CPU over the window, as the requests counted
    for thread in threads:
        thread.join(timeout=max(0.0, window[1] - time.monotonic()) + 35)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return results, wall, cpu, duration, (used0, used1)


# ---- reporting ------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_process() -> dict:
    """CPU seconds used so far (user + system) by every process on the machine: {pid: (group, seconds)}, the group
    being "postgres" for PostgreSQL's processes and the process group otherwise (the servers run in groups of their
    own). Read from /proc."""
    used = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                text = f.read()
        except OSError:
            continue  # ended meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        group = "postgres" if name.startswith("postgres") else int(fields[2])
        used[int(entry.name)] = (group, (int(fields[11]) + int(fields[12])) / TICK)
    return used


def cpu_report(before: dict, after: dict, server_group: int, requests: int, wall: float) -> dict:
    """What the server's processes and PostgreSQL used in a phase: seconds, share of the cores, ms per request.
    A process that started in the window counts whole; one that ended in it is not counted."""
    spent: dict = defaultdict(float)
    for pid, (group, seconds) in after.items():
        spent[group] += seconds - (before[pid][1] if pid in before else 0.0)
    server, postgres = spent.pop(server_group, 0.0), spent.pop("postgres", 0.0)
    other = sum(spent.values())
    cores = os.cpu_count() or 1
    per = (lambda sec: 1000 * sec / requests) if requests else (lambda sec: 0.0)
    busy = (server + postgres + other) / (cores * wall)
    print(
        f"  machine CPU in the window: server {server:.1f} s ({per(server):.1f} ms a request), PostgreSQL "
        f"{postgres:.1f} s ({per(postgres):.1f} ms a request), everything else {other:.1f} s; "
        f"{100 * busy:.0f} % of {cores} cores"
    )
    return {"server_ms": per(server), "postgres_ms": per(postgres), "other_s": other, "busy": busy}


def report(title: str, results: Results, wall: float, cpu: float, duration: float) -> dict:
    print(f"\n{title}")
    print(f"  {'page':<10} {'requests':>8} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
    summary = {"pages": {}, "requests": 0, "errors": results.login_errors}
    for page in sorted(results.latency):
        values = results.latency[page]
        p50, p95, p99 = (percentile(values, q) for q in (0.5, 0.95, 0.99))
        errors = results.errors[page]
        rps = len(values) / duration
        print(f"  {page:<10} {len(values):>8} {rps:>7.1f} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f} {errors:>6}")
        summary["pages"][page] = {"requests": len(values), "p95": p95}
        summary["requests"] += len(values)
        summary["errors"] += errors
    total = summary["requests"]
    print(f"  {'all':<10} {total:>8} {total / duration:>7.1f}")
    if results.logins:
        print(
            f"  sign-ins before the window: {len(results.logins)}, p50 {percentile(results.logins, 0.5):.0f} ms, "
            f"max {max(results.logins):.0f} ms, refused {results.login_errors}"
        )
    print(f"  client: {cpu:.1f} s CPU over {wall:.1f} s wall = {100 * cpu / wall:.0f} % of its one core")
    for sample in results.samples:
        print(f"  error: {sample}")
    summary["saved"] = results.saved
    summary["rps"] = total / duration
    summary["client_cpu"] = cpu / wall if wall else 0
    return summary


CATCH_UP_GOAL_S = 60
PENDING = re.compile(r'data-pending="(\d+)"')


def catch_up(base: str, spec: dict, plan: dict, password: str) -> tuple[int, float | None]:
    """Right after the load: how many committed values the pivot says are pending, and how many seconds until it
    says none (the analytics writer has published them); None if not within twice the goal."""
    viewer = User(base, spec, plan, password)
    if viewer.login():
        return -1, None
    pivot = f"/indicators/analytics/?indicator={plan['pivot_indicator']}&rows=city&cols=period"
    start, first = time.monotonic(), None
    while time.monotonic() - start <= 2 * CATCH_UP_GOAL_S:
        found = PENDING.search(viewer.get(pivot).text)
        pending = int(found.group(1)) if found else -1
        first = pending if first is None else first
        if pending == 0:
            return first, time.monotonic() - start
        time.sleep(0.5)
    return first or -1, None


def goals(measured: dict) -> bool:
    print("\nGoals (issue 14, this machine, this run):")
    ok = True

    def line(passed: bool, text: str) -> None:
        nonlocal ok
        ok &= passed
        print(f"  {'PASS' if passed else 'FAIL'}  {text}")

    stored = measured.pop("stored_versions")
    caught = measured.pop("catch_up", None)
    if caught is not None:
        pending, seconds = caught
        line(
            seconds is not None and seconds <= CATCH_UP_GOAL_S,
            f"pivot after the load: {pending} values pending at first, none after "
            f"{'—' if seconds is None else f'{seconds:.1f}'} s (goal ≤ {CATCH_UP_GOAL_S} s)",
        )
    prod = measured["production/think"]
    for page, figures in sorted(prod["pages"].items()):
        limit = PIVOT_GOAL_MS if page == "pivot" else PAGE_GOAL_MS
        line(figures["p95"] <= limit, f"production {page}: p95 {figures['p95']:.0f} ms ≤ {limit} ms")
    errors = sum(m["errors"] for m in measured.values())
    line(errors == 0, f"errors in every phase on both servers: {errors} (goal 0)")
    dev, prod_sat = measured.get("development/saturation"), measured.get("production/saturation")
    if dev and prod_sat:
        ratio = prod_sat["rps"] / dev["rps"] if dev["rps"] else float("inf")
        line(
            ratio >= SPEEDUP_GOAL,
            f"throughput at saturation: production {prod_sat['rps']:.1f} rps / development {dev['rps']:.1f} rps "
            f"= {ratio:.2f}× (goal ≥ {SPEEDUP_GOAL:.0f}×)",
        )
        # what this machine allows: the development server is one process (one core for its Python, the GIL), the
        # production server's processes share all cores with PostgreSQL; CPU per request as measured above
        cores = os.cpu_count() or 1
        dev_ms, prod_cpu = dev["cpu"]["server_ms"], prod_sat["cpu"]
        if dev_ms and prod_cpu["server_ms"]:
            dev_cap = 1000 / dev_ms
            prod_cap = cores * 1000 / (prod_cpu["server_ms"] + prod_cpu["postgres_ms"])
            print(
                f"  NOTE  CPU bound on this machine: development ≤ {dev_cap:.0f} rps (one core at {dev_ms:.1f} ms a "
                f"request), production ≤ {prod_cap:.0f} rps ({cores} cores at {prod_cpu['server_ms']:.1f} + "
                f"{prod_cpu['postgres_ms']:.1f} ms of PostgreSQL a request): at most {prod_cap / dev_cap:.2f}×"
            )
    saved = sum(m["saved"] for m in measured.values())
    line(
        saved == stored and saved > 0,
        f"cell saves the servers accepted: {saved}; versions stored in the database: {stored} (goal equal)",
    )
    busiest = max(m["client_cpu"] for m in measured.values())
    if busiest > 0.8:
        print(f"  NOTE  the client used {100 * busiest:.0f} % of its core in one phase: it may have been the limit")
    return ok


# ---- main -----------------------------------------------------------------------------------------------------


def role_counts(users: int) -> dict:
    counts = {role: int(users * share) for role, share in MIX.items()}
    if users >= len(MIX):
        for role in counts:
            counts[role] = max(counts[role], 1)
    while sum(counts.values()) < users:
        counts["editor"] += 1
    while sum(counts.values()) > users:
        counts["editor" if counts["editor"] > 1 else "province"] -= 1
    return counts


def pick(specs: list[dict], n: int) -> list[dict]:
    """n users of the same mix for the saturation phase (the first of each role in turn)."""
    by_role = defaultdict(list)
    for spec in specs:
        by_role[spec["role"]].append(spec)
    counts = role_counts(n)
    return [spec for role, count in counts.items() for spec in by_role[role][:count]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="measured seconds of the think-time phase")
    parser.add_argument("--warmup", type=float, default=15, help="seconds for the sign-ins before the window")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (2–4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (DUIKOU_WEB_THREADS)")
    parser.add_argument("--saturation-users", type=int, default=16)
    parser.add_argument("--saturation-duration", type=float, default=30)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 users, 10 s, saturation 4 users 10 s")
    parser.add_argument("--seed-levels", default="province,prefecture,county", help="region levels `duikou seed` loads")
    parser.add_argument(
        "--analytics-mode",
        choices=("published", "embedded"),
        default="published",
        help="published: one analytics-sync process writes the store, the servers read its copy (as deployed)",
    )
    parser.add_argument("--web-cmd", help="production server command; {port} and {workers} are filled in")
    parser.add_argument("--dev-cmd", help="development server command; {port} is filled in")
    args = parser.parse_args()
    if args.quick:
        args.users, args.duration, args.warmup = 5, 10, 8
        args.saturation_users, args.saturation_duration = 4, 10
    if not 1 <= args.workers <= 16:
        parser.error("--workers: 1–16")
    total_users = max(args.users, args.saturation_users)

    scratch = Scratch()
    scratch.env["DUIKOU_WEB_THREADS"] = str(args.threads)  # read by duikou/gunicorn_conf.py
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # cleanup runs in the finally below
    try:
        t = time.monotonic()
        scratch.env["DUIKOU_ANALYTICS_MODE"] = args.analytics_mode
        scratch.create_database()
        scratch.duikou("migrate", "--noinput", "-v0")
        scratch.duikou("seed", "--levels", args.seed_levels, "-v0")
        for command in DEMO_COMMANDS:
            scratch.duikou(command, "-v0")
        scratch.duikou("collectstatic", "--noinput", "-v0")
        if args.analytics_mode == "published":
            scratch.duikou("analytics-sync", "--once")  # the first copy; then one writer keeps it in step
            scratch.start("analytics-sync", [PYTHON, "-m", "duikou", "analytics-sync"])
        password = f"Bench-{secrets.token_urlsafe(12)}-9a"
        plan = scratch.setup_users(role_counts(total_users), password)
        if plan["run"] is None:
            raise RuntimeError("no published evaluation run: demo-evaluation did not publish one")
        print(
            f"scratch database {scratch.db} prepared in {time.monotonic() - t:.0f} s: {len(plan['users'])} users, "
            f"editors of {', '.join(plan['cities'])}; grid {plan['dataset']} {plan['period']}; run {plan['run']}"
        )

        prod_port, dev_port = free_port(), free_port()
        web = args.web_cmd or f"{PYTHON} -m duikou web {HOST}:{{port}} --workers {{workers}}"
        dev = args.dev_cmd or f"{PYTHON} -m duikou runserver {HOST}:{{port}} --noreload"
        servers = {
            "production": (shlex.split(web.format(port=prod_port, workers=args.workers)), prod_port),
            "development": (shlex.split(dev.format(port=dev_port)), dev_port),
        }
        processes = {}
        for name, (command, port) in servers.items():
            process = processes[name] = scratch.start(name, command)
            wait_ready(process, f"http://{HOST}:{port}")
            print(f"{name}: {shlex.join(command)}")
        stored_before = scratch.stored_versions(plan["period"])
        os.sched_setaffinity(0, {0})  # the client only; the servers started above keep both cores
        print(f"client pinned to CPU {sorted(os.sched_getaffinity(0))}; load average {os.getloadavg()[0]:.1f}")

        specs = plan["users"]
        think_specs = pick(specs, args.users)
        sat_specs = pick(specs, args.saturation_users)
        measured = {}
        for phase, chosen, think, warmup, duration in [
            ("think", think_specs, True, args.warmup, args.duration),
            ("saturation", sat_specs, False, 0.0, args.saturation_duration),
        ]:
            for name, (_command, port) in servers.items():
                results, wall, cpu, window, used = run_phase(
                    f"http://{HOST}:{port}", plan, chosen, password, warmup=warmup, duration=duration, think=think
                )
                roles = ", ".join(f"{r} {c}" for r, c in role_counts(len(chosen)).items())
                pause = "1–3 s pause" if think else "no pause"
                title = f"== {name}, {phase}: {len(chosen)} users ({roles}), {pause}, {window:.0f} s measured =="
                summary = report(title, results, wall, cpu, window)
                summary["cpu"] = cpu_report(*used, processes[name].pid, summary["requests"], window)
                measured[f"{name}/{phase}"] = summary
        measured["stored_versions"] = scratch.stored_versions(plan["period"]) - stored_before
        if args.analytics_mode == "published":
            viewer = next(spec for spec in specs if spec["role"] == "province")
            measured["catch_up"] = catch_up(f"http://{HOST}:{prod_port}", viewer, plan, password)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(f"\nclient total: {usage.ru_utime + usage.ru_stime:.1f} s CPU; load average {os.getloadavg()[0]:.1f}")
        return 0 if goals(measured) else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        scratch.close()


if __name__ == "__main__":
    sys.exit(main())
