"""Benchmark: the analytics store's full build beside a raw read of the same data values into Arrow.

In one run, on a scratch database (PostgreSQL: created, migrated, seeded to county level, dropped at the end;
SQLite: a temp file), each measurement in a worker subprocess of its own:

  load       synthetic pairings on old-side regions of every level (province, city, county; some without an old
             area) and N data values written by INSERT … SELECT inside the database (generate_series on PostgreSQL,
             a recursive CTE on SQLite): every non-derived starter indicator, its breakdown's sub-rows (option)
             beside the totals, yearly, quarterly and monthly periods, statuses draft / submitted / approved, one
             value in 97 empty (not in the store);
  raw read   the non-empty values' own columns (pairing, indicator, period, value, status, option) read into
             Arrow by the bulk path alone: ADBC's ``fetch_arrow_table`` on PostgreSQL, the stdlib sqlite3 module
             fetched in batches into Arrow columns on SQLite; no conversion, no labels;
  build      ``analytics.refresh(full=True)``: the same values read through ``core.arrow``, labelled by joins in
             DuckDB and written to the store from Arrow;
  per-row    (unless --no-per-row) the path the store was built by before: ORM rows labelled in Python one by one,
             written to a second DuckDB file; timed, and the check below compares its rows.

The raw read and the build are taken in turns, best of --repeat. Then the check, which exits non-zero on any
difference: the store holds exactly the per-row path's rows (EXCEPT ALL both ways), and its sums and counts per
pivot cell (old area × key task × year × indicator × status × option) equal PostgreSQL's / SQLite's own GROUP BY
through the ORM. Peak memory (ru_maxrss) is printed per measurement; a build above 8 GiB fails the run.

    .venv/bin/python bench/analytics_build/run.py [--values N] [--sqlite-values N] [--engine sqlite|postgres|both]
        [--repeat N] [--no-per-row]
"""

import datetime
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _common  # noqa: E402
from _common import MARK, setup_django  # noqa: E402

PERIODS = (
    [str(y) for y in range(2016, 2026)]
    + [f"{y}Q{q}" for y in range(2016, 2026) for q in range(1, 5)]
    + [f"2025{m:02d}" for m in range(1, 13)]
)
MEMORY_LIMIT_GIB = 8
RAW_COLUMNS = "pairing_id, indicator_id, period, value, status, option_id"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- worker side ----------------------------------------------------------------------------------------


def slots() -> list[tuple[str, int | None]]:
    """(indicator, option id or None): every non-derived starter indicator's total and its breakdown's options."""
    from duikou.indicators.models import BreakdownOption, Indicator

    out = []
    for code, breakdown in Indicator.objects.filter(formula="").order_by("code").values_list("code", "breakdown_id"):
        out.append((code, None))
        if breakdown:
            options = BreakdownOption.objects.filter(breakdown_id=breakdown).order_by("pk").values_list("pk", flat=True)
            out.extend((code, pk) for pk in options)
    return out


def add_pairings(count: int) -> None:
    """Synthetic pairings of old-side regions of every level (1 in 10 a province, 2 a city, the rest counties) with
    eastern prefectures; one in four without an old area."""
    from duikou.geo.models import Region
    from duikou.pairings.models import OldArea, Pairing

    partners = list(
        Region.objects.filter(level="prefecture", code__regex=r"^(11|12|31|32|33|35|37|44)").values_list(
            "code", flat=True
        )
    )
    by_level = {
        level: list(
            Region.objects.filter(level=level)
            .exclude(code__in=partners)
            .order_by("code")
            .values_list("code", flat=True)
        )
        for level in ("province", "prefecture", "county")
    }
    areas = list(OldArea.objects.order_by("pk").values_list("pk", flat=True))
    rows, seen = [], dict.fromkeys(by_level, 0)
    for i in range(count):
        level = "province" if i % 10 == 0 else "prefecture" if i % 10 in (1, 2) else "county"
        olds, j = by_level[level], seen[level]  # the j-th of its level: each (old, partner) once
        seen[level] += 1
        rows.append(
            Pairing(
                code=f"B{i:06d}",
                old_region_id=olds[j % len(olds)],
                old_area_id=areas[i % len(areas)] if i % 4 else None,
                partner_region_id=partners[(j // len(olds)) % len(partners)],
                level="sub",
                start_year=2016,
                end_year=2030,
                valid_from=datetime.date(2016, 1, 1),
                note="BENCH synthetic pairing",
            )
        )
    Pairing.objects.bulk_create(rows, batch_size=2000)


def load(n: int) -> dict:
    """N data values by one set-based INSERT … SELECT inside the database."""
    from django.db import connection

    from duikou.indicators.models import DataValue
    from duikou.pairings.models import Pairing

    cells = [(i, code, option, period) for i, ((code, option), period) in enumerate(
        (s, p) for s in slots() for p in PERIODS
    )]  # fmt: skip
    per_pairing = len(cells)
    have = Pairing.objects.filter(status="active").count()
    add_pairings(max(0, (n + per_pairing - 1) // per_pairing - have))
    table = DataValue._meta.db_table
    status = "CASE (p.k + c.k) % 3 WHEN 0 THEN 'approved' WHEN 1 THEN 'draft' ELSE 'submitted' END"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_cells (k integer, indicator varchar(40), option_id bigint, period varchar(7))"
        )
        cursor.executemany("INSERT INTO bench_cells VALUES (%s, %s, %s, %s)", cells)
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMP TABLE bench_pairings AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS k, id "
                "FROM pairings_pairing WHERE status = 'active'"
            )
            cursor.execute(
                f"""
                INSERT INTO {table} (pairing_id, indicator_id, period, option_id, value, comment, status, version,
                    updated)
                SELECT p.id, c.indicator, c.period, c.option_id,
                    CASE WHEN (g * 31) %% 97 = 0 THEN NULL
                         ELSE ((p.id * 7919 + c.k * 104729) %% 1000000)::numeric / 100 END,
                    '', {status.replace("%", "%%")}, 1, now()
                FROM generate_series(0, %s - 1) g
                JOIN bench_pairings p ON p.k = g / %s
                JOIN bench_cells c ON c.k = g %% %s
                """,
                [n, per_pairing, per_pairing],
            )
            cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute(
                "CREATE TEMP TABLE bench_pairings AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id "
                "FROM pairings_pairing WHERE status = 'active'"
            )
            now = datetime.datetime.now(datetime.UTC).isoformat(sep=" ")
            cursor.execute(
                f"""
                WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < %s - 1)
                INSERT INTO {table} (pairing_id, indicator_id, period, option_id, value, comment, status, version,
                    updated)
                SELECT p.id, c.indicator, c.period, c.option_id,
                    CASE WHEN (g.n * 31) %% 97 = 0 THEN NULL
                         ELSE ((p.id * 7919 + c.k * 104729) %% 1000000) / 100.0 END,
                    '', {status.replace("%", "%%")}, 1, %s
                FROM g JOIN bench_pairings p ON p.k = g.n / %s JOIN bench_cells c ON c.k = g.n %% %s
                """,
                [n, now, per_pairing, per_pairing],
            )
        cursor.execute(
            f"SELECT count(*), count(value), count(option_id), count(DISTINCT status), count(DISTINCT pairing_id) "
            f"FROM {table}"
        )
        rows, present, options, statuses, pairings = cursor.fetchone()
    return {"rows": rows, "present": present, "sub_rows": options, "statuses": statuses, "pairings": pairings}


def raw_read() -> dict:
    """The values' own columns into Arrow by the engine's bulk path, nothing else."""
    import pyarrow as pa
    from django.db import connection

    from duikou.indicators.models import DataValue

    sql = f"SELECT {RAW_COLUMNS} FROM {DataValue._meta.db_table} WHERE value IS NOT NULL"
    if connection.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi

        from duikou.core.arrow import postgres_uri

        uri = postgres_uri(connection)
        started = time.perf_counter()
        with adbc_driver_postgresql.dbapi.connect(uri) as con, con.cursor() as cursor:
            cursor.execute(sql)
            table = cursor.fetch_arrow_table()
        read_s = time.perf_counter() - started
    else:
        import sqlite3

        db = sqlite3.connect(connection.settings_dict["NAME"])
        started = time.perf_counter()
        cursor = db.execute(sql)
        pieces = []
        while rows := cursor.fetchmany(50000):
            columns = [pa.array(c) for c in zip(*rows, strict=True)]
            pieces.append(pa.Table.from_arrays(columns, names=RAW_COLUMNS.split(", ")))
        table = pa.concat_tables(pieces, promote_options="permissive")
        read_s = time.perf_counter() - started
        db.close()
    return {"read_s": read_s, "rows": table.num_rows, "peak_mib": peak_mib()}


def build() -> dict:
    from duikou.indicators import analytics

    started = time.perf_counter()
    count = analytics.refresh(full=True)
    return {"build_s": time.perf_counter() - started, "rows": count, "peak_mib": peak_mib()}


def per_row_build(path: str) -> dict:
    """The store as it was built before: the ORM's rows, each labelled in Python (its pairing's labels from a dict,
    its period parsed, its key task looked up), written in batches to a DuckDB file of the store's shape."""
    import duckdb
    import pyarrow as pa

    from duikou.indicators import analytics
    from duikou.indicators.models import DataValue, Indicator
    from duikou.indicators.periods import parse_period
    from duikou.pairings.models import Pairing

    started = time.perf_counter()
    labels = {}
    for p in Pairing.objects.select_related("old_region__parent__parent", "partner_region__parent__parent", "old_area"):
        province, city, city_code, county = analytics._place(p.old_region)
        partner_province, partner_city, _code, _county = analytics._place(p.partner_region)
        old_area = p.old_area.name if p.old_area_id else "（未归属老区）"
        labels[p.pk] = (str(p), old_area, province, city, city_code, county, partner_province, partner_city)
    tasks = dict(Indicator.objects.values_list("code", "key_task__name"))
    types = {
        "INTEGER": pa.int32(),
        "VARCHAR": pa.string(),
        "DECIMAL(18, 4)": pa.decimal128(18, 4),
    }
    schema = pa.schema([(c, types[t]) for c, t in analytics.COLUMN_TYPES.items()])
    con = duckdb.connect(path)
    con.execute("CREATE TABLE facts ({})".format(", ".join(f"{c} {t}" for c, t in analytics.COLUMN_TYPES.items())))

    def write(batch):
        part = pa.Table.from_arrays(
            [pa.array(c, f.type) for c, f in zip(zip(*batch, strict=True), schema, strict=True)], schema=schema
        )
        con.register("part", part)
        con.execute("INSERT INTO facts SELECT * FROM part")
        con.unregister("part")

    fields = ("pairing_id", "indicator_id", "period", "value", "status", "option__name")
    batch, count = [], 0
    for pairing_id, code, period_id, value, status, option in (
        DataValue.objects.filter(value__isnull=False).values_list(*fields).iterator(chunk_size=20000)
    ):
        period = parse_period(period_id)
        batch.append(
            (
                pairing_id,
                *labels[pairing_id],
                code,
                tasks.get(code) or "（未归属重点任务）",
                period_id,
                period.year,
                period.quarter,
                value,
                status,
                option or "",
            )
        )
        if len(batch) >= 200000:
            write(batch)
            count += len(batch)
            batch = []
    if batch:
        write(batch)
        count += len(batch)
    con.close()
    return {"per_row_s": time.perf_counter() - started, "rows": count, "peak_mib": peak_mib()}


def check(per_row_path: str | None) -> dict:
    """The store against the per-row path's rows and against the database's own sums per pivot cell."""
    from decimal import Decimal

    from django.db.models import Count, Sum
    from django.db.models.functions import Substr

    from duikou.indicators import analytics
    from duikou.indicators.models import DataValue

    out = {}
    con = analytics._connect()
    try:
        con.execute("SET memory_limit = '3GB'")
        con.execute(f"SET temp_directory = '{analytics.store_path().parent / 'duck-tmp'}'")
        out["store_rows"] = con.execute("SELECT count(*) FROM facts").fetchone()[0]
        if per_row_path:
            con.execute(f"ATTACH '{per_row_path}' AS slow (READ_ONLY)")
            out["per_row_rows"] = con.execute("SELECT count(*) FROM slow.facts").fetchone()[0]
            out["only_in_store"] = con.execute(
                "SELECT count(*) FROM (SELECT * FROM facts EXCEPT ALL SELECT * FROM slow.facts)"
            ).fetchone()[0]
            out["only_in_per_row"] = con.execute(
                "SELECT count(*) FROM (SELECT * FROM slow.facts EXCEPT ALL SELECT * FROM facts)"
            ).fetchone()[0]
        store = {
            tuple(r[:6]): (r[6], r[7])
            for r in con.execute(
                "SELECT old_area, key_task, year, indicator, status, option, sum(value), count(*) FROM facts "
                "GROUP BY ALL"
            ).fetchall()
        }
    finally:
        con.close()
    quantum = Decimal("0.0001")
    database = {
        (
            r["pairing__old_area__name"] or "（未归属老区）",
            r["indicator__key_task__name"] or "（未归属重点任务）",
            int(r["year"]),
            r["indicator_id"],
            r["status"],
            r["option__name"] or "",
        ): (r["total"].quantize(quantum), r["n"])
        for r in DataValue.objects.filter(value__isnull=False)
        .annotate(year=Substr("period", 1, 4))
        .values(
            "pairing__old_area__name", "indicator__key_task__name", "year", "indicator_id", "status", "option__name"
        )
        .annotate(total=Sum("value"), n=Count("pk"))
    }
    store = {k: (Decimal(v).quantize(quantum), n) for k, (v, n) in store.items()}
    out["cells"] = len(database)
    out["cells_differing"] = len(set(store) ^ set(database)) + sum(
        1 for k in store.keys() & database.keys() if store[k] != database[k]
    )
    out["database_rows"] = sum(n for _t, n in database.values())
    return out


def worker(mode: str, args) -> dict:
    setup_django()
    if mode == "prepare":
        from django.core.management import call_command

        from duikou.seeding import seed_reference_data

        call_command("migrate", interactive=False, verbosity=0)
        seed_reference_data(levels=["province", "prefecture", "county"])
        started = time.perf_counter()
        loaded = load(args.values)
        return {**loaded, "load_s": time.perf_counter() - started}
    if mode == "raw":
        return raw_read()
    if mode == "build":
        return build()
    per_row_path = str(Path(os.environ["DUIKOU_VAR_DIR"], "per-row.duckdb"))
    if mode == "per-row":
        return per_row_build(per_row_path)
    if mode == "check":
        return check(per_row_path if args.per_row else None)
    raise SystemExit(f"unknown worker mode {mode}")


# ---- driver side ----------------------------------------------------------------------------------------


class Scratch(_common.Scratch):
    script = __file__
    tmp_prefix = "duikou-bench-abuild-"
    db_prefix = "duikou_bench_abuild"

    def __init__(self, engine: str, args, values: int):
        self.values = values
        self.args = args
        super().__init__(engine, args.pg_admin_url, args.tmpdir)

    def worker_args(self) -> list[str]:
        return ["--values", str(self.values), *([] if self.args.per_row else ["--no-per-row"])]


def measure(engine: str, args) -> dict:
    values = args.values if engine == "postgres" else args.sqlite_values
    scratch = Scratch(engine, args, values)
    try:
        loaded = scratch.run("prepare")
        print(f"  {engine}: loaded {loaded}", flush=True)
        raws, builds = [], []
        for _ in range(args.repeat):
            raws.append(scratch.run("raw"))
            builds.append(scratch.run("build"))
            print(f"  {engine}: raw {raws[-1]} build {builds[-1]}", flush=True)
        slow = scratch.run("per-row") if args.per_row else None
        if slow:
            print(f"  {engine}: per-row {slow}", flush=True)
        checked = scratch.run("check")
        print(f"  {engine}: check {checked}", flush=True)
    finally:
        scratch.drop()
    raw = min(raws, key=lambda m: m["read_s"])
    built = min(builds, key=lambda m: m["build_s"])
    present = loaded["present"]
    checks = {
        "raw read got every non-empty value": all(m["rows"] == present for m in raws),
        "build stored every non-empty value": all(m["rows"] == present for m in builds)
        and checked["store_rows"] == present == checked["database_rows"],
        "sums and counts per pivot cell equal the database's": checked["cells_differing"] == 0,
        f"build peak memory ≤ {MEMORY_LIMIT_GIB} GiB": max(m["peak_mib"] for m in builds) <= MEMORY_LIMIT_GIB * 1024,
    }
    if slow:
        checks["same rows as the per-row path"] = (
            slow["rows"] == present
            and checked["per_row_rows"] == present
            and checked["only_in_store"] == 0
            and checked["only_in_per_row"] == 0
        )
    failed = [k for k, ok in checks.items() if not ok]
    if failed:
        raise SystemExit(f"{engine}: check failed: {failed}")
    return {"engine": engine, "loaded": loaded, "raw": raw, "build": built, "slow": slow, "checked": checked}


def main() -> None:
    parser = _common.argument_parser(__doc__)
    parser.add_argument("--values", type=int, default=10_000_000, help="data values on PostgreSQL")
    parser.add_argument("--sqlite-values", type=int, default=1_000_000, help="data values on SQLite")
    parser.add_argument("--repeat", type=int, default=2, help="raw reads and builds, in turns; the fastest counts")
    parser.add_argument("--no-per-row", dest="per_row", action="store_false", help="skip the per-row path")
    args = parser.parse_args()
    if args.worker:
        print(MARK + json.dumps(worker(args.worker, args), default=str), flush=True)
        return

    _common.print_heading("analytics_build", args)
    results = [measure(engine, args) for engine in _common.engines(args)]
    table = [
        [
            "engine",
            "data values (stored)",
            "sub-rows",
            "pairings",
            f"raw read s (best of {args.repeat})",
            f"full build s (best of {args.repeat})",
            "build / raw read",
            "per-row path s",
            "peak MiB raw / build / per-row",
        ]
    ]
    for r in results:
        slow = r["slow"]
        table.append(
            [
                f"{r['engine']} ({'ADBC' if r['engine'] == 'postgres' else 'sqlite3'} raw read)",
                f"{r['loaded']['present']:,}",
                f"{r['loaded']['sub_rows']:,}",
                f"{r['loaded']['pairings']:,}",
                f"{r['raw']['read_s']:.2f}",
                f"{r['build']['build_s']:.2f}",
                f"{r['build']['build_s'] / r['raw']['read_s']:.2f}×",
                f"{slow['per_row_s']:.1f}" if slow else "—",
                f"{r['raw']['peak_mib']:,.0f} / {r['build']['peak_mib']:,.0f} / "
                + (f"{slow['peak_mib']:,.0f}" if slow else "—"),
            ]
        )
    print()
    print(
        "Full build of the analytics store (read through core.arrow, written to DuckDB from Arrow) beside "
        "a raw read of the same values into Arrow; checked: same rows as the per-row path, same sums and counts per "
        "pivot cell as the database's GROUP BY:"
    )
    print(_common.table(table))
    for r in results:
        ratio = r["build"]["build_s"] / r["raw"]["read_s"]
        print(f"  goal {r['engine']}: full build ≤ 3× raw read: {'met' if ratio <= 3 else 'NOT met'} ({ratio:.2f}×)")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of any worker: {children:,.0f} MiB; load average at end: {_common.load_average()}")


if __name__ == "__main__":
    main()
