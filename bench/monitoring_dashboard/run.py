"""Benchmark: the monitoring dashboard's counts at 10 million households — the scoped GROUP BY beside the same
counts as hand-written SQL on the same PostgreSQL.

In one run, on a scratch PostgreSQL database (created, migrated, seeded to county level plus the townships and
villages of 河南 (41), dropped at the end unless --keep):

  load       N households over 河南's real village codes and cases for about 6 % of them (statuses, ways in, dates
             spread over the year, some overdue), written by INSERT … SELECT generate_series inside PostgreSQL;
  counts     ``queries.dashboard_counts`` (the dashboard's one GROUP BY through the scoping layer) for a national,
             a province and a county user — beside one hand-written SQL statement computing the same six counts
             by the same regions, checked equal; best of --repeat, taken in turns;
  channels   ``queries.channel_counts`` and ``queries.step_timeliness`` for the same users (the dashboard's two other
             queries), beside hand-written GROUP BYs of the same rows.

    .venv/bin/python bench/monitoring_dashboard/run.py [--households N] [--repeat N] [--keep]
"""

import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _common  # noqa: E402

DB = "duikou_bench_dashboard"
YEAR = 2026
CASE_EVERY = 17  # one household in 17 has a case (about 6 %)


def load(n: int) -> dict:
    """Households and cases by set-based SQL inside PostgreSQL; returns counts."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE v AS SELECT row_number() OVER (ORDER BY code) - 1 AS k, code, parent_id "
            "FROM geo_region WHERE level = 'village' AND code LIKE '41%%'"
        )
        cursor.execute("SELECT count(*) FROM v")
        villages = cursor.fetchone()[0]
        cursor.execute("SET session_replication_role = replica")  # foreign keys right by construction
        step = 2_000_000
        for start in range(0, n, step):
            stop = min(n, start + step)
            cursor.execute(
                """
                INSERT INTO monitoring_household (id, township_id, village_id, number, head_name, address, category,
                    food_clothing_ok, education_ok, medical_ok, housing_ok, water_ok, pending, labour_capacity,
                    social_assistance, version, created, updated)
                SELECT g, v.parent_id, v.code, 'B' || g, '合成户主', '演示数据（合成），非真实住户', '',
                    true, true, true, true, g %% 211 <> 0, false, true, false, 1, now(), now()
                FROM generate_series(%s::bigint, %s::bigint) g JOIN v ON v.k = (g * 7919) %% %s
                """,
                [start + 1, stop, villages],
            )
            print(f"  loaded {stop:,} households", flush=True)
        cursor.execute(
            f"""
            INSERT INTO monitoring_alert (id, household_id, run_id, ruleset_id, channel, rules, "values", status,
                deadline, overdue_flagged, category, outcome, created, version, publicity_start, publicity_end,
                announce_start, announce_end)
            SELECT h.id, h.id, NULL, NULL,
                (ARRAY['screening','screening','screening','self','hotline','counter','visit'])[1 + h.id %% 7],
                '[]', '{{}}',
                (ARRAY['verifying','consenting','deliberating','publicising','township_review','county_decision',
                       'monitored','monitored','monitored','el_township','closed','closed'])[1 + (h.id / 7) %% 12],
                DATE '{YEAR}-12-31' - ((h.id / 3) %% 60)::int, NULL, '', '', TIMESTAMPTZ '{YEAR}-01-01'
                    + ((h.id * 37) %% 360) * INTERVAL '1 day', 1, NULL, NULL, NULL, NULL
            FROM monitoring_household h WHERE h.id %% {CASE_EVERY} = 0
            """,
            [],
        )
        cursor.execute(
            "UPDATE monitoring_alert SET outcome = CASE WHEN id %% 2 = 0 THEN 'eliminated' ELSE 'dismissed' END, "
            "deadline = NULL WHERE status = 'closed'",
            [],
        )
        cursor.execute("SET session_replication_role = origin")
        for table in ("monitoring_household", "monitoring_alert"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE monitoring_household; ANALYZE monitoring_alert")
        cursor.execute("SELECT count(*) FROM monitoring_alert")
        cases = cursor.fetchone()[0]
    return {"households": n, "cases": cases}


# the same six counts by hand: regions one level below the area, as the dashboard defines them
REFERENCE = """
SELECT substr(h.village_id, 1, %(length)s) AS key,
       count(*) FILTER (WHERE a.created >= %(lo)s AND a.created < %(hi)s) AS new,
       count(*) FILTER (WHERE a.status IN ('verifying','consenting','deliberating','publicising','township_review',
                                           'county_decision')) AS verifying,
       count(*) FILTER (WHERE a.status IN ('monitored','safety_net','el_deliberating','el_publicising',
                                           'el_township','el_county')) AS monitored,
       count(*) FILTER (WHERE a.outcome = 'eliminated' AND c.closed_at >= %(lo)s AND c.closed_at < %(hi)s),
       count(*) FILTER (WHERE a.outcome = 'dismissed' AND c.closed_at >= %(lo)s AND c.closed_at < %(hi)s),
       count(*) FILTER (WHERE a.status <> 'closed' AND a.deadline < %(today)s) AS overdue
FROM monitoring_alert a
JOIN monitoring_household h ON h.id = a.household_id
LEFT JOIN LATERAL (SELECT max(s.created) AS closed_at FROM monitoring_alertstep s
                   WHERE s.alert_id = a.id AND s.step IN ('eliminate','dismiss','township_dismiss')) c ON true
WHERE h.village_id LIKE %(area)s
GROUP BY 1 ORDER BY 1
"""
CHANNELS = """
SELECT a.channel, count(*) FROM monitoring_alert a JOIN monitoring_household h ON h.id = a.household_id
WHERE h.village_id LIKE %(area)s AND a.created >= %(lo)s AND a.created < %(hi)s GROUP BY 1
"""


def worker(args) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from duikou import testing
    from duikou.accounts.services import ensure_organisation
    from duikou.geo.models import Region
    from duikou.geo.services import load_regions_under
    from duikou.monitoring import queries
    from duikou.seeding import seed_reference_data

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    seed_reference_data(levels=["province", "prefecture", "county"])
    load_regions_under("41")
    setup_s = time.perf_counter() - started
    counts, load_s = _common.timed(load, args.households)
    print(f"set-up {setup_s:.0f} s; {counts['households']:,} households, {counts['cases']:,} cases in {load_s:.0f} s")

    national = ensure_organisation(name="国家发展改革委（振兴司）", kind="national", region=None)
    province = ensure_organisation(name="河南省人民政府", kind="province", region=Region.objects.get(code="410000"))
    county = ensure_organisation(name="潢川县人民政府", kind="county", region=Region.objects.get(code="411526"))
    users = {
        "national": testing.user("bench_national", national, "viewer"),
        "province (河南)": testing.user("bench_province", province, "viewer"),
        "county (潢川县)": testing.user("bench_county", county, "viewer"),
    }
    start, end = queries.period_bounds(YEAR)
    lo, hi = (timezone.make_aware(datetime.datetime.combine(d, datetime.time.min)) for d in (start, end))
    today = timezone.localdate()
    rows = []
    for label, user in users.items():
        area = queries.dashboard_area(user, "")
        length = queries.CHILD_PREFIX[len(area)]

        def ours(user=user, area=area):
            return list(queries.dashboard_counts(user, area=area, start=start, end=end))

        def reference(area=area, length=length):
            with connection.cursor() as cursor:
                cursor.execute(REFERENCE, {"length": length, "lo": lo, "hi": hi, "today": today, "area": area + "%"})
                return cursor.fetchall()

        def channels_ours(user=user, area=area):
            return queries.channel_counts(user, area=area, start=start, end=end)

        def channels_reference(area=area):
            with connection.cursor() as cursor:
                cursor.execute(CHANNELS, {"lo": lo, "hi": hi, "area": area + "%"})
                return dict(cursor.fetchall())

        def timeliness(user=user, area=area):
            return queries.step_timeliness(user, area=area, start=start, end=end)

        best = {"ours": [], "reference": [], "channels": [], "channels_ref": [], "timeliness": []}
        for _round in range(args.repeat):
            got, t = _common.timed(ours)
            best["ours"].append(t)
            want, t = _common.timed(reference)
            best["reference"].append(t)
            chan, t = _common.timed(channels_ours)
            best["channels"].append(t)
            chan_ref, t = _common.timed(channels_reference)
            best["channels_ref"].append(t)
            _steps, t = _common.timed(timeliness)
            best["timeliness"].append(t)
        keys = ("new", "verifying", "monitored", "eliminated", "dismissed", "overdue")
        mine = [(r["key"], *(r[k] for k in keys)) for r in got]
        if mine != [tuple(r) for r in want] or chan != chan_ref:
            raise SystemExit(f"{label}: the dashboard and the hand-written SQL disagree")
        cases = sum(r[1] + r[2] + r[3] for r in mine)
        rows.append(
            {
                "user": label,
                "regions": len(mine),
                "cases": cases,
                **{k: min(v) for k, v in best.items()},
            }
        )
        print(f"  {label}: {len(mine)} regions, ours {min(best['ours']):.2f} s, SQL {min(best['reference']):.2f} s")
    print(
        _common.MARK + __import__("json").dumps({"counts": counts, "setup_s": setup_s, "load_s": load_s, "rows": rows})
    )


def main() -> None:
    parser = _common.argument_parser(__doc__)
    parser.add_argument("--households", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if args.worker:
        _common.setup_django()
        worker(args)
        return
    _common.print_heading("Monitoring dashboard", args)

    class Scratch(_common.Scratch):
        script = __file__
        db_prefix = DB

        def worker_args(self):
            return ["--households", str(args.households), "--repeat", str(args.repeat)]

    scratch = Scratch("postgres", args.pg_admin_url, args.tmpdir)
    try:
        result = scratch.run("measure")
    finally:
        if not args.keep:
            scratch.drop()
    c = result["counts"]
    print(f"\n{c['households']:,} households, {c['cases']:,} cases; load {result['load_s']:.0f} s")
    table = [
        [
            "user (area)",
            "regions",
            "dashboard counts (s)",
            "hand-written SQL (s)",
            "ratio",
            "channels (s)",
            "channels SQL (s)",
            "step timeliness (s)",
        ]
    ]
    for r in result["rows"]:
        table.append(
            [
                r["user"],
                str(r["regions"]),
                f"{r['ours']:.3f}",
                f"{r['reference']:.3f}",
                f"{r['ours'] / r['reference']:.2f}",
                f"{r['channels']:.3f}",
                f"{r['channels_ref']:.3f}",
                f"{r['timeliness']:.3f}",
            ]
        )
    print(_common.table(table))
    print(f"load average at end: {_common.load_average()}")


if __name__ == "__main__":
    main()
