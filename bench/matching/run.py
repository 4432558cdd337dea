"""Benchmark: labour matching at national scale — job seekers × job postings, top-10 each way and a
capacity-respecting assignment.

Sides, in one run on the same generated data (real city and county codes from data/geo, the 20 national pairings
from data/pairings for the pairing term):
  * the engine: ``engine.top_k`` with the production labour scorer (``scorers.labour_scorer``) over every pair,
    then ``engine.assign`` (min-cost flow, OR-Tools) on the candidate pairs of both top-10 lists, each seeker at
    most once and each posting at most its headcount;
  * a straightforward Python loop (sets and dicts, the same seven terms and the same rounding) on a sample of the
    seekers against every posting, scaled up to all seekers: what a naive system costs; it must find the same
    scores and the same top-10 of each sampled seeker as the engine;
  * the solver alone: OR-Tools' ``SimpleMinCostFlow.solve()`` on the same graph, already built (the limit for the
    assignment step);
  * the stored run (``--part stored``, on a scratch SQLite file and a scratch PostgreSQL database): the same records
    written as job seekers and postings (``bulk_create``), then ``labour.runs.run_labour_matching`` — read the open
    records, ``engine.top_k``, write every top-10 slot (COPY on PostgreSQL, executemany on SQLite) in one
    transaction — beside ``engine.top_k`` alone on the same records in the same process (the in-memory time; goal:
    the run within 1.5× of it). The stored rows must equal the in-memory top-10 (same pairs, same scores, same
    order), else exit 1. Then a match page's read for one listing: the stored rows (``matches_for_posting`` /
    ``matches_for_seeker``) beside the old per-request scoring of that listing against every open one, checked to
    show the same matches.

    .venv/bin/python bench/matching/run.py [--seekers 200000] [--postings 20000] [--sample 0.01] [--workers 2]
        [--part all|engine|stored] [--engine sqlite|postgres|both]
"""

import csv
import heapq
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duikou.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from duikou.markets import engine, scorers  # noqa: E402

OCCUPATIONS, SKILLS = scorers.OCCUPATIONS, scorers.SKILLS


def city_codes() -> tuple[dict[str, str], dict[str, list[str]]]:
    """City name → 4-digit code, and city code → its county codes (6-digit), from data/geo."""
    names, counties = {}, {}
    with open(ROOT / "data/geo/cities.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names[row["name"]] = row["code"]
    with open(ROOT / "data/geo/provinces.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):  # a municipality's districts sit under its "市辖区" city code
            names.setdefault(row["name"], row["code"] + "01")
    with open(ROOT / "data/geo/areas.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            counties.setdefault(row["cityCode"], []).append(row["code"])
    return names, counties


def national_pairings(names: dict[str, str]) -> list[tuple[str, str]]:
    def code(name: str) -> str:
        if name in names:
            return names[name]
        (found,) = {c for full, c in names.items() if full.startswith(name.rstrip("市州"))}  # 恩施州 → 恩施…自治州
        return found

    with open(ROOT / "data/pairings/national_2022.csv", encoding="utf-8") as f:
        return [(code(r["old_region"]), code(r["partner_region"])) for r in csv.DictReader(f)]


def generate(n: int, m: int, seed: int = 2026):
    """Seekers from the old-area cities' counties, postings in the supporting cities' counties (plus Shanghai's),
    with plausible occupations, skills, wages, housing and preferences."""
    rng = np.random.default_rng(seed)
    names, counties = city_codes()
    pairs = national_pairings(names)
    old = sorted({a for a, _ in pairs})
    east = sorted({b for _, b in pairs} | {"3101"})
    old_counties = [c for city in old for c in counties.get(city, [])]
    east_counties = [c for city in east for c in counties.get(city, [])]
    east_provinces = sorted({c[:2] + "0000" for c in east})

    def some(vocabulary, low, high, size):
        counts = rng.integers(low, high + 1, size)
        return [list(rng.choice(vocabulary, k, replace=False)) if k else [] for k in counts]

    occupations = some(OCCUPATIONS, 0, 2, n)
    skills = some(SKILLS, 0, 4, n)
    trainings = [list(rng.choice(s, rng.integers(0, len(s) + 1), replace=False)) if s else [] for s in skills]
    pref_pool = east_provinces + [c + "00" for c in east]
    prefs = some(pref_pool, 0, 2, n)
    homes = rng.choice(old_counties, n)
    wages = np.round(rng.lognormal(np.log(5500), 0.2, n), -2).astype(int)
    housing = rng.random(n) < 0.45
    seekers = [
        {
            "occupations": occupations[i],
            "skills": skills[i],
            "trainings": trainings[i],
            "preferred_regions": prefs[i],
            "expected_wage": int(wages[i]),
            "needs_housing": bool(housing[i]),
            "home": str(homes[i]),
        }
        for i in range(n)
    ]
    required = some(SKILLS, 0, 3, m)
    posting_occ = rng.choice(OCCUPATIONS, m)
    wage_min = np.round(rng.uniform(4000, 7000, m), -2).astype(int)
    wage_max = wage_min + np.round(rng.uniform(0, 2500, m), -2).astype(int)
    places = rng.choice(east_counties, m)
    posting_housing = rng.random(m) < 0.6
    headcount = rng.integers(1, 21, m)
    postings = [
        {
            "occupation": str(posting_occ[j]),
            "skills": required[j],
            "wage_max": int(wage_max[j]),
            "housing": bool(posting_housing[j]),
            "region": str(places[j]),
            "headcount": int(headcount[j]),
        }
        for j in range(m)
    ]
    pair_ints = [(int(a), int(b)) for a, b in pairs]
    return seekers, postings, pair_ints


# ---- the straightforward implementation: the same terms, one pair at a time --------------------------------------


def naive_points(s: dict, p: dict, partners: dict[int, set[int]]) -> int:
    total = 0
    # occupation (20): no wish, or the posting's occupation wished
    if not s["occupations"] or p["occupation"] in s["occupations"]:
        total += 2000
    required = set(p["skills"])
    have = set(s["skills"]) | set(s["trainings"])
    # skills (30): the share of required skills held (every one if none is required)
    if required:
        total += round(len(required & have) * (1.0 / len(required)) * 3000.0)
    else:
        total += 3000
    # training (10): trained in a required skill (or none required)
    if not required or required & set(s["trainings"]):
        total += 1000
    # wage (20): the posting's top wage over the expected, at most 1
    expected = s["expected_wage"]
    per_yuan = 1.0 / expected if expected > 0 else 1e9
    total += round(min(per_yuan * p["wage_max"], 1.0) * 2000.0)
    # housing (5)
    if not (s["needs_housing"] and not p["housing"]):
        total += 500
    # region (10): no preference, or the work place's province or city preferred
    province, city = int(p["region"][:2]), int(p["region"][:4])
    prefs = [scorers.region_int(c) for c in s["preferred_regions"]]
    if not prefs or province in prefs or city in prefs:
        total += 1000
    # pairing (5): the work place's city is paired with the home city
    if city in partners.get(int(s["home"][:4]), ()):
        total += 500
    return total


def naive_top(seekers, postings, pairs, k: int):
    partners: dict[int, set[int]] = {}
    for a, b in pairs:
        partners.setdefault(a, set()).add(b)
    seeker_top, posting_heaps = [], [[] for _ in postings]
    scores = np.zeros((len(seekers), len(postings)), dtype=np.int32)
    for i, s in enumerate(seekers):
        mine = []
        for j, p in enumerate(postings):
            score = naive_points(s, p, partners)
            scores[i, j] = score
            mine.append((score, -j))
            heap = posting_heaps[j]
            if len(heap) < k:
                heapq.heappush(heap, (score, -i))
            else:
                heapq.heappushpop(heap, (score, -i))
        seeker_top.append([-j for _score, j in heapq.nlargest(k, mine)])
    return seeker_top, scores


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> int:
    import _common

    parser = _common.argument_parser(__doc__)
    parser.add_argument("--seekers", type=int, default=200_000)
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--sample", type=float, default=0.01, help="share of the seekers the Python loop scores")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--part", choices=["all", "engine", "stored"], default="all")
    parser.add_argument("--pages", type=int, default=3, help="listings whose page read is timed, per side")
    args = parser.parse_args()
    if args.worker:
        return stored_worker(args)
    ok = True
    if args.part in ("all", "engine"):
        ok = in_memory(args) == 0
    if args.part in ("all", "stored"):
        ok = stored(args) == 0 and ok
    return 0 if ok else 1


def in_memory(args) -> int:
    print(f"load average before: {os.getloadavg()}")

    t = time.perf_counter()
    seekers, postings, pairs = generate(args.seekers, args.postings)
    print(f"generated {len(seekers):,} seekers and {len(postings):,} postings in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    left, right = scorers.seeker_side(seekers), scorers.posting_side(postings)
    scorer = scorers.labour_scorer(pairs)
    t_sides = time.perf_counter() - t

    t = time.perf_counter()
    top = engine.top_k(scorer, left, right, args.k, workers=args.workers)
    t_top = time.perf_counter() - t

    # candidate pairs: both top-k lists
    n, m = args.seekers, args.postings
    li = np.repeat(np.arange(n), top.left_index.shape[1])
    lj, ls = top.left_index.ravel(), top.left_score.ravel()
    rj = np.repeat(np.arange(m), top.right_index.shape[1])
    ri, rs = top.right_index.ravel(), top.right_score.ravel()
    ci, cj, cs = np.concatenate([li, ri]), np.concatenate([lj, rj]), np.concatenate([ls, rs])
    ok = (ci >= 0) & (cj >= 0)
    key, first = np.unique(ci[ok] * m + cj[ok], return_index=True)
    ci, cj, cs = key // m, key % m, cs[ok][first]
    headcount = np.array([p["headcount"] for p in postings], dtype=np.int64)
    t = time.perf_counter()
    plan = engine.assign(ci, cj, cs, np.ones(n, dtype=np.int64), headcount)
    t_assign = time.perf_counter() - t
    assert (np.bincount(plan.right, minlength=m) <= headcount).all() and np.bincount(plan.left).max() <= 1

    # the solver alone on the same graph (what engine.assign adds is building it)
    from ortools.graph.python import min_cost_flow

    keep = cs > 0
    a, b, c = ci[keep], cj[keep], cs[keep].astype(np.int64)
    source, sink = n + m, n + m + 1
    tails = np.concatenate([np.full(n, source), a, n + np.arange(m), [source]])
    heads = np.concatenate([np.arange(n), n + b, np.full(m, sink), [sink]])
    caps = np.concatenate([np.ones(n, dtype=np.int64), np.ones(len(a), dtype=np.int64), headcount, [n]])
    costs = np.concatenate([np.zeros(n, dtype=np.int64), -c, np.zeros(m + 1, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps, costs)
    supplies = np.zeros(n + m + 2, dtype=np.int64)
    supplies[source], supplies[sink] = n, -n
    flow.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int32), supplies)
    t = time.perf_counter()
    status = flow.solve()
    t_solver = time.perf_counter() - t
    assert status == flow.OPTIMAL and -flow.optimal_cost() == plan.total, "the solver alone found another optimum"

    # the Python loop on a sample of seekers, against every posting
    sample = max(1, int(round(n * args.sample)))
    t = time.perf_counter()
    naive_seeker_top, naive_scores = naive_top(seekers[:sample], postings, pairs, args.k)
    t_naive = time.perf_counter() - t
    engine_scores = engine.points(scorer, engine.take(left, slice(0, sample)), right)
    mismatched = int((engine_scores != naive_scores).sum())
    same_top = all(top.left_index[i].tolist() == naive_seeker_top[i] for i in range(sample))
    scale = n / sample

    pairs_scored = n * m
    print()
    print(f"{n:,} seekers × {m:,} postings = {pairs_scored:,} pairs; top-{args.k} each way; workers {args.workers}")
    print(f"{'step':<58}{'seconds':>12}")
    print(f"{'build the columns from the records (seeker_side, posting_side)':<58}{t_sides:>12.2f}")
    print(f"{'engine: score every pair, top-10 both ways':<58}{t_top:>12.2f}")
    print(f"{'engine: assignment (build graph + min-cost flow)':<58}{t_assign:>12.2f}")
    print(f"{'engine total':<58}{t_sides + t_top + t_assign:>12.2f}")
    print(f"{f'Python loop on {sample:,} seekers (1 in {scale:.0f}), measured':<58}{t_naive:>12.2f}")
    print(f"{'Python loop scaled to all seekers (top-10 both ways)':<58}{t_naive * scale:>12.0f}")
    print(f"{'solver alone: SimpleMinCostFlow.solve() on the same graph':<58}{t_solver:>12.2f}")
    print()
    print(f"engine pairs/s: {pairs_scored / t_top:,.0f}; Python loop pairs/s: {sample * m / t_naive:,.0f}")
    print(f"speed-up of the engine over the loop (scoring + top-10): {t_naive * scale / t_top:,.0f}×")
    print(f"assignment: {len(ci):,} candidate pairs, {len(plan.left):,} placed, total score {plan.total / 100:,.2f}")
    print(f"  engine.assign / solver alone: {t_assign / t_solver:.2f}×")
    print(f"sample check: {mismatched} of {sample * m:,} pair scores differ; same top-{args.k} per seeker: {same_top}")
    print(f"peak RSS: {rss_gib():.2f} GiB; load average after: {os.getloadavg()}")
    return 0 if mismatched == 0 and same_top else 1


# ---- the stored run: a scratch database per engine, measured in a worker subprocess ------------------------------


def stored(args) -> int:
    import _common

    class MatchingScratch(_common.Scratch):
        script = str(Path(__file__).resolve())
        db_prefix = "duikou_bench_matching"

        def worker_args(self) -> list[str]:
            return [
                *("--seekers", str(args.seekers), "--postings", str(args.postings)),
                *("--workers", str(args.workers), "--k", str(args.k), "--pages", str(args.pages)),
            ]

    _common.print_heading("matching (stored run)", args)
    results, ok = {}, True
    for name in _common.engines(args):
        scratch = MatchingScratch(name, args.pg_admin_url, args.tmpdir)
        try:
            results[name] = m = scratch.run("stored")
        finally:
            scratch.drop()
        ok = ok and m["same"] and m["pages_same"]
        print(f"{name}: {m['log']}")
    rows = [["step (seconds)", *results]]
    for label, key in (
        ("load the records (bulk_create, set-up)", "load_s"),
        ("in memory: engine.top_k on the same records", "top_s"),
        ("stored run: run_labour_matching (read + top_k + write)", "run_s"),
        ("  of which: read the open records and pairings", "read_s"),
        ("  of which: write the rows (one transaction)", "write_s"),
        ("stored run / in memory", "ratio"),
        ("posting page read, stored (median)", "posting_stored_s"),
        ("posting page read, scored per request (median)", "posting_live_s"),
        ("seeker page read, stored (median)", "seeker_stored_s"),
        ("seeker page read, scored per request (median)", "seeker_live_s"),
    ):
        fmt = "{:.2f}×" if key == "ratio" else ("{:.4f}" if key.endswith("stored_s") else "{:.2f}")
        rows.append([label, *(fmt.format(results[e][key]) for e in results)])
    rows.append(["rows stored", *(f"{results[e]['rows']:,}" for e in results)])
    rows.append(["stored = in-memory top-k", *(str(results[e]["same"]) for e in results)])
    rows.append(["peak RSS of the worker (GiB)", *(f"{results[e]['rss_gib']:.2f}" for e in results)])
    print()
    print(_common.table(rows))
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    print(f"peak RSS: this process {rss_gib():.2f} GiB, its workers {children:.2f} GiB (goal ≤ 8 GiB)")
    print(f"load average after: {_common.load_average()}")
    for e in results:
        goal = "met" if results[e]["ratio"] <= 1.5 else "NOT met"
        print(f"{e}: stored run {results[e]['ratio']:.2f}× the in-memory top-k (goal ≤ 1.5×: {goal})")
    return 0 if ok and children <= 8 else 1


def _load(seekers: list[dict], postings: list[dict]) -> tuple[list[int], list[int]]:
    """The generated records as job seekers and postings (ids in generated order); what a seeker carries that the
    scorer does not read is filler (a unique digest stands in for the encrypted ID number)."""
    import datetime

    from duikou.markets.models import JobPosting, JobSeeker

    JobSeeker.objects.bulk_create(
        (
            JobSeeker(
                name="求职者",
                home_id=s["home"],
                id_number_enc=b"-",
                id_number_digest=f"{i:064d}",
                id_number_masked="4*****************",
                occupations=[str(c) for c in s["occupations"]],
                skills=[str(c) for c in s["skills"]],
                trainings=[str(c) for c in s["trainings"]],
                preferred_regions=[str(c) for c in s["preferred_regions"]],
                expected_wage=s["expected_wage"],
                needs_housing=s["needs_housing"],
            )
            for i, s in enumerate(seekers)
        ),
        batch_size=5000,
    )
    JobPosting.objects.bulk_create(
        (
            JobPosting(
                employer=f"用工单位{j}",
                region_id=p["region"],
                title="岗位",
                occupation=p["occupation"],
                skills=[str(c) for c in p["skills"]],
                wage_min=min(4000, p["wage_max"]),
                wage_max=p["wage_max"],
                housing=p["housing"],
                headcount=p["headcount"],
                valid_until=datetime.date(2099, 12, 31),
            )
            for j, p in enumerate(postings)
        ),
        batch_size=5000,
    )
    return (
        list(JobSeeker.objects.order_by("pk").values_list("pk", flat=True)),
        list(JobPosting.objects.order_by("pk").values_list("pk", flat=True)),
    )


def _expected(top, seeker_ids, posting_ids) -> list[tuple]:
    """Every stored slot the in-memory top-k implies, as (side, listing, rank, counterpart, score), sorted."""
    out = []
    for side, index, score, mine, theirs in (
        (1, top.left_index, top.left_score, seeker_ids, posting_ids),
        (2, top.right_index, top.right_score, posting_ids, seeker_ids),
    ):
        for i, (row, points) in enumerate(zip(index.tolist(), score.tolist(), strict=True)):
            pairs = enumerate(zip(row, points, strict=True), 1)
            out += [(side, mine[i], r, theirs[j], s) for r, (j, s) in pairs if j >= 0]
    return out


def _median_read(fn, listings) -> tuple[float, list]:
    times, shown = [], []
    for listing in listings:
        started = time.perf_counter()
        matches = fn(listing)
        times.append(time.perf_counter() - started)
        shown.append([(m.rank, m.seeker.pk, m.posting.pk, m.score) for m in matches])
    return float(np.median(times)), shown


def stored_worker(args) -> int:
    import json

    import _common
    from django.core.management import call_command
    from django.db import connection

    from duikou import testing
    from duikou.accounts.services import ensure_organisation
    from duikou.markets.labour import matching, runs
    from duikou.markets.models import JobPosting, JobSeeker, MatchRun
    from duikou.seeding import seed_reference_data

    call_command("migrate", interactive=False, verbosity=0)
    seed_reference_data(levels=["province", "prefecture", "county"])
    seekers, postings, _pairs = generate(args.seekers, args.postings)
    (seeker_ids, posting_ids), load_s = _common.timed(_load, seekers, postings)

    # the in-memory reference: the engine on the same records, the pairings read as the run reads them
    pairs = matching.scorer_pairs()
    left, right = scorers.seeker_side(seekers), scorers.posting_side(postings)
    top, top_s = _common.timed(engine.top_k, scorers.labour_scorer(pairs), left, right, args.k, workers=args.workers)
    del left, right

    marks = _common.Marks()
    run, run_s = _common.timed(
        runs.run_labour_matching, trigger=MatchRun.Trigger.MANUAL, progress=marks, k=args.k, workers=args.workers
    )
    read_s = marks.after("计算匹配得分")  # reported once the records are read, before the first block
    write_s = run_s - marks.after("保存匹配结果")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT side, listing_id, rank, counterpart_id, score FROM markets_storedmatch WHERE run_id = %s",
            [run.pk],
        )
        got = sorted(tuple(r) for r in cursor.fetchall())
    same = got == sorted(_expected(top, seeker_ids, posting_ids))

    # a match page's read of one listing: stored rows vs scoring it against every open listing
    national = ensure_organisation(name="国家发展改革委（振兴司）", kind="national", region=None)
    user = testing.user("bench_national", national, "viewer")
    some_postings = list(JobPosting.objects.filter(pk__in=posting_ids[:: max(1, len(posting_ids) // args.pages)]))
    some_seekers = list(JobSeeker.objects.filter(pk__in=seeker_ids[:: max(1, len(seeker_ids) // args.pages)]))
    some_postings, some_seekers = some_postings[: args.pages], some_seekers[: args.pages]
    posting_stored_s, a = _median_read(lambda p: matching.matches_for_posting(user, p, args.k), some_postings)
    posting_live_s, b = _median_read(lambda p: matching._live_for_posting(user, p, args.k), some_postings)
    seeker_stored_s, c = _median_read(lambda s: matching.matches_for_seeker(user, s, args.k), some_seekers)
    seeker_live_s, d = _median_read(lambda s: matching._live_for_seeker(user, s, args.k), some_seekers)
    pages_same = a == b and c == d and all(a) and all(c)
    log = (
        f"{run.left_count:,} seekers × {run.right_count:,} postings, {run.stored:,} rows; "
        f"stored = in-memory: {same}; page reads stored = per request: {pages_same}"
    )
    result = {
        "load_s": load_s,
        "top_s": top_s,
        "run_s": run_s,
        "read_s": read_s,
        "write_s": write_s,
        "ratio": run_s / top_s,
        "rows": run.stored,
        "same": same,
        "pages_same": pages_same,
        "posting_stored_s": posting_stored_s,
        "posting_live_s": posting_live_s,
        "seeker_stored_s": seeker_stored_s,
        "seeker_live_s": seeker_live_s,
        "rss_gib": rss_gib(),
        "log": log,
    }
    print(_common.MARK + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
