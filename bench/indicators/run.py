"""Benchmark: importing indicator data values, and a national pivot on the analytics store vs the ORM.

Volume: every active national pairing plus synthetic province-internal/county pairings (scratch database only,
marked BENCH), all 11 starter indicators reported monthly for ten years (2016–2025, 120 periods): with the
default 760 pairings that is 1,003,200 data values, imported from a CSV (dataElement, period, orgUnit, value):

  import     transfer.import_values(): read, check every row (indicator, period, pairing scope, number, lock,
             duplicate), write in one transaction (bulk INSERT on SQLite, COPY on PostgreSQL), then refresh
             the DuckDB analytics store for what it touched;
  re-import  the same file again: nothing written (checked);
  reference  in another fresh database the same CSV read with the csv module, codes resolved with dicts, and the
             rows written by psycopg COPY (PostgreSQL) or sqlite3 executemany (SQLite) in one transaction.

Then, scaled to --pivot-rows data values (default 10,000,000; extra synthetic pairings written straight by COPY),
the national pivot (old area × key task × year × indicator, SUM) on PostgreSQL:

  ORM        DataValue.objects.values(old area, key task, year, indicator).annotate(Sum("value"));
  DuckDB     the same GROUP BY on the analytics store (after a full build of the store, timed separately).

    .venv/bin/python bench/indicators/run.py [--pairings N] [--pivot-rows N] [--engine sqlite|postgres|both]
"""

import argparse
import csv
import datetime
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _common  # noqa: E402
from _common import MARK, setup_django  # noqa: E402

YEARS = range(2016, 2026)
PERIODS = [f"{y}{m:02d}" for y in YEARS for m in range(1, 13)]


# ---- worker side ----------------------------------------------------------------------------------------


def add_pairings(total: int, start: int = 0) -> list[str]:
    """Synthetic pairings (county of an old-area city ↔ an eastern prefecture) until there are ``total``."""
    from duikou.geo.models import Region
    from duikou.pairings.models import Pairing

    have = Pairing.objects.filter(status="active").count()
    counties = list(Region.objects.filter(level="county").order_by("code").values_list("code", flat=True))
    partners = list(
        Region.objects.filter(level="prefecture", code__regex=r"^(11|12|31|32|33|35|37|44)").values_list(
            "code", flat=True
        )
    )
    rows, n = [], start
    offset = Pairing.objects.filter(note="BENCH synthetic pairing").count()
    for i in range(offset, offset + total - have):
        n += 1
        rows.append(
            Pairing(
                code=f"B{n:05d}",
                old_region_id=counties[i % len(counties)],
                partner_region_id=partners[(i // len(counties)) % len(partners)],
                level="sub",
                start_year=2016,
                end_year=2030,
                valid_from=datetime.date(2016, 1, 1),
                note="BENCH synthetic pairing",
            )
        )
    Pairing.objects.bulk_create(rows, batch_size=2000)
    return [r.code for r in rows]


INTEGER = {"labour_coop_persons", "training_persons", "coop_parks", "signed_projects", "cadre_exchange_persons",
           "study_tour_persons", "hospital_pairs", "school_pairs"}  # fmt: skip


def values_for(codes: list[str], indicators: list[str], rng: random.Random):
    for code in codes:
        for ind in indicators:
            base = rng.randrange(1, 90)
            for period in PERIODS:
                whole = base + rng.randrange(0, 10)
                yield ind, period, code, str(whole) if ind in INTEGER else f"{whole * 100}.{rng.randrange(0, 100):02d}"


def worker(mode: str, path: str, args) -> dict:
    setup_django()
    from django.db import connection

    from duikou.indicators.models import DataSet, DataValue, Indicator
    from duikou.pairings.models import Pairing

    if mode == "prepare":
        from django.core.management import call_command

        from duikou.seeding import seed_reference_data

        call_command("migrate", interactive=False, verbosity=0)
        seed_reference_data(levels=["province", "prefecture", "county"])
        Indicator.objects.update(period_type="month")  # monthly reporting for the benchmark
        DataSet.objects.update(period_type="month")
        add_pairings(args.pairings)
        if not os.path.exists(path):
            codes = list(Pairing.objects.filter(status="active").order_by("code").values_list("code", flat=True))
            indicators = list(DataSet.objects.get(pk="quarterly").indicators.values_list("code", flat=True))
            with open(path, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["dataElement", "period", "orgUnit", "value"])
                writer.writerows(values_for(codes, indicators, random.Random(2026)))
        return {}

    from duikou.accounts.models import User

    data = Path(path).read_bytes()
    connection.ensure_connection()
    if mode == "import":
        from duikou.core.errors import UserFacingError
        from duikou.indicators.transfer import import_values

        admin = User.objects.create_superuser("bench", password="x")
        try:
            dry, dry_s = _common.timed(import_values, user=admin, data=data, filename="bench.csv", dry_run=True)
        except UserFacingError as exc:
            raise SystemExit(f"{exc}: {exc.details['errors'][:3]}") from exc
        marks = _common.Marks()
        result, import_s = _common.timed(import_values, user=admin, data=data, filename="bench.csv", progress=marks)
        analytics_s = time.perf_counter() - marks.get("更新分析库", time.perf_counter())
        again, rerun_s = _common.timed(import_values, user=admin, data=data, filename="bench.csv")
        return {
            "dry_s": dry_s,
            "import_s": import_s,
            "check_s": marks.after("写入中"),
            "analytics_s": analytics_s,
            "rerun_s": rerun_s,
            "dry_new": dry["new"],
            "new": result["new"],
            "rerun_unchanged": again["unchanged"],
            "rerun_written": again["new"] + again["changed"],
            "in_table": DataValue.objects.count(),
        }
    if mode == "reference":
        return reference(data, connection)
    if mode == "pivot":
        return pivot(path, args, connection)
    raise SystemExit(f"unknown worker mode {mode}")


def reference(data: bytes, connection) -> dict:
    from django.utils import timezone

    from duikou.indicators.models import DataValue
    from duikou.pairings.models import Pairing

    pairing_ids = dict(Pairing.objects.values_list("code", "pk"))
    now = timezone.now()
    started = time.perf_counter()
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    next(reader)
    rows = [(pairing_ids[r[2]], r[0], r[1], r[3], "", "draft", 1, now) for r in reader]
    if connection.vendor == "sqlite":
        rows = [r[:7] + (now.isoformat(),) for r in rows]  # the stdlib sqlite3 module adapts no datetimes
    read_s = time.perf_counter() - started
    columns = "pairing_id, indicator_id, period, value, comment, status, version, updated"
    written = _common.reference_write(connection, DataValue._meta.db_table, columns, rows)
    return {"read_s": read_s, **written, "rows": len(rows)}


def pivot(path: str, args, connection) -> dict:
    import psycopg
    from django.db.models import Sum
    from django.db.models.functions import Substr
    from django.utils import timezone

    from duikou.indicators import analytics
    from duikou.indicators.models import DataSet, DataValue
    from duikou.pairings.models import Pairing

    # scale: more synthetic pairings, their values written straight by COPY (this is set-up, not measured)
    indicators = list(DataSet.objects.get(pk="quarterly").indicators.values_list("code", flat=True))
    per_pairing = len(indicators) * len(PERIODS)
    have = DataValue.objects.count()
    extra = max(0, (args.pivot_rows - have + per_pairing - 1) // per_pairing)
    total_pairings = Pairing.objects.filter(status="active").count() + extra
    started = time.perf_counter()
    codes = add_pairings(total_pairings, start=100_000)
    ids = dict(Pairing.objects.filter(code__in=codes).values_list("code", "pk"))
    now = timezone.now()
    connection.close()
    with psycopg.connect(os.environ["DUIKOU_DATABASE_URL"]) as db:
        columns = "pairing_id, indicator_id, period, value, comment, status, version, updated"
        with (
            db.transaction(),
            db.cursor() as cursor,
            cursor.copy(f"COPY {DataValue._meta.db_table} ({columns}) FROM STDIN") as copy,
        ):
            for ind, period, code, value in values_for(codes, indicators, random.Random(7)):
                copy.write_row((ids[code], ind, period, value, "", "approved", 1, now))
        db.execute("ANALYZE")
    scale_s = time.perf_counter() - started
    rows = DataValue.objects.count()

    def orm():
        return {
            (
                r["pairing__old_area__name"] or "（未归属老区）",
                r["indicator__key_task__name"] or "（未归属重点任务）",
                int(r["year"]),
                r["indicator_id"],
            ): r["total"]
            for r in DataValue.objects.filter(value__isnull=False)
            .annotate(year=Substr("period", 1, 4))
            .values("pairing__old_area__name", "indicator__key_task__name", "year", "indicator_id")
            .annotate(total=Sum("value"))
        }

    sql = "SELECT old_area, key_task, year, indicator, SUM(value) FROM facts GROUP BY ALL"

    def duck(con):
        return {(a, t, y, i): v for a, t, y, i, v in con.execute(sql).fetchall()}

    started = time.perf_counter()
    analytics.refresh(full=True)
    build_s = time.perf_counter() - started
    orm_runs, duck_runs = [], []
    con = analytics._connect()
    try:
        for _ in range(args.repeat):
            t = time.perf_counter()
            ours = orm()
            orm_runs.append(time.perf_counter() - t)
            t = time.perf_counter()
            theirs = duck(con)
            duck_runs.append(time.perf_counter() - t)
    finally:
        con.close()
    same = ours.keys() == theirs.keys() and all(ours[k] == theirs[k] for k in ours)
    return {
        "rows": rows,
        "scale_s": scale_s,
        "build_s": build_s,
        "orm_s": min(orm_runs),
        "duck_s": min(duck_runs),
        "groups": len(ours),
        "same": same,
    }


# ---- driver side ----------------------------------------------------------------------------------------


class Scratch(_common.Scratch):
    """A fresh database for one measurement, migrated and seeded with the pairings, with the CSV made on first use."""

    script = __file__
    tmp_prefix = "duikou-bench-ind-"

    def __init__(self, engine: str, args, csv_path: str, label: str):
        self.db_prefix = f"duikou_bench_ind_{label}"
        self.args, self.csv_path = args, csv_path
        super().__init__(engine, args.pg_admin_url, args.tmpdir)
        self.run("prepare")

    def worker_args(self) -> list[str]:
        return [
            *("--path", self.csv_path),
            *("--pairings", str(self.args.pairings)),
            *("--pivot-rows", str(self.args.pivot_rows)),
            *("--repeat", str(self.args.repeat)),
        ]


def main() -> None:
    parser = _common.argument_parser(__doc__)
    parser.add_argument("--pairings", type=int, default=760, help="pairings reporting (national + synthetic)")
    parser.add_argument("--pivot-rows", type=int, default=10_000_000, help="data values for the pivot (0: skip)")
    parser.add_argument("--repeat", type=int, default=3, help="pivot runs per side; the fastest counts")
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(MARK + json.dumps(worker(args.worker, args.path, args)), flush=True)
        return

    _common.print_heading("indicators", args)
    workdir = tempfile.mkdtemp(prefix="duikou-bench-ind-csv-", dir=args.tmpdir)
    csv_path = str(Path(workdir, "values.csv"))
    table = [
        [
            "engine",
            "data values",
            "import s",
            "rows/s",
            "re-import s",
            "dry run s",
            "reference s",
            "ref rows/s",
            "import / reference speed",
        ]
    ]
    pivot_line = None
    try:
        for engine in _common.engines(args):
            scratch = Scratch(engine, args, csv_path, "imp")
            try:
                ours = scratch.run("import")
                if engine == "postgres" and args.pivot_rows:
                    pivot_line = scratch.run("pivot")
            finally:
                scratch.drop()
            scratch = Scratch(engine, args, csv_path, "ref")
            try:
                ref = scratch.run("reference")
            finally:
                scratch.drop()
            n = ours["new"]
            checks = {
                "dry run would add every row": ours["dry_new"] == n,
                "import wrote every row": ours["in_table"] == n == ref["rows"] == ref["in_table"],
                "re-import wrote nothing": ours["rerun_written"] == 0 and ours["rerun_unchanged"] == n,
            }
            failed = [k for k, ok in checks.items() if not ok]
            if failed:
                raise SystemExit(f"{engine}: check failed: {failed} {ours} {ref}")
            ref_s = ref["read_s"] + ref["write_s"]
            print(f"  {engine}: ours {ours} reference {ref}", flush=True)
            ref_name = "COPY" if engine == "postgres" else "executemany"
            table.append(
                [
                    engine,
                    f"{n:,}",
                    f"{ours['import_s']:.2f} ({ours['check_s']:.2f} / "
                    f"{ours['import_s'] - ours['check_s'] - ours['analytics_s']:.2f} / {ours['analytics_s']:.2f})",
                    f"{n / ours['import_s']:,.0f}",
                    f"{ours['rerun_s']:.2f}",
                    f"{ours['dry_s']:.2f}",
                    f"{ref_s:.2f} ({ref_name})",
                    f"{n / ref_s:,.0f}",
                    f"{ref_s / ours['import_s']:.2f}",
                ]
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print("Import (reference = csv read + dict resolve + raw write on the same engine; speed 1.00 = as fast):")
    print(_common.table(table))
    if pivot_line:
        p = pivot_line
        print()
        print(
            f"National pivot on PostgreSQL, {p['rows']:,} data values, {p['groups']:,} groups, "
            f"results identical: {p['same']}"
        )
        print(
            _common.table(
                [
                    ["side", f"seconds (best of {args.repeat})"],
                    ["ORM on PostgreSQL", f"{p['orm_s']:.3f}"],
                    ["DuckDB analytics store", f"{p['duck_s']:.3f}"],
                    ["speed-up", f"{p['orm_s'] / p['duck_s']:.1f}×"],
                    ["(store full build)", f"{p['build_s']:.1f}"],
                    ["(scale-up COPY set-up)", f"{p['scale_s']:.1f}"],
                ]
            )
        )
    print(f"load average at end: {_common.load_average()}")


if __name__ == "__main__":
    main()
