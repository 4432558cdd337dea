"""Benchmark: importing indicator data values, and a national pivot on the analytics store vs the ORM.

Volume: every active national pairing plus synthetic province-internal/county pairings (scratch database only,
marked BENCH), all 11 starter indicators reported monthly for ten years (2016–2025, 120 periods): with the
default 760 pairings that is 1,003,200 data values, imported from a CSV (dataElement, period, orgUnit, value):

  import     transfer.import_values(): read, check every row (indicator, period, pairing scope, number, lock,
             duplicate), write the values and their value history in one transaction (executemany on SQLite, COPY
             and INSERT ... SELECT on PostgreSQL), to its commit; the analytics store's background job it leaves
             (more than 10,000 values) is run and timed apart, and the store checked to hold every value;
  re-import  the same file again: nothing written (checked);
  overwrite  every 20th value changed, with a note, by another user;
  check      the stored values and every history row (kind, before, after, notes, which import, whose) equal what
             a recomputation from the files alone gives; any difference exits non-zero;
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
import resource
import shutil
import sys
import tempfile
import time
from decimal import Decimal
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
        # a large import leaves the analytics store to a background job after its commit (not run here: no worker);
        # its work is timed on its own below, as the job would do it
        analytics_s = max(0.0, time.perf_counter() - marks.get("更新分析库", time.perf_counter()))
        history_s = marks.get("更新分析库", marks.started + import_s) - marks.get("写入历史", marks.started + import_s)
        from duikou.indicators import analytics
        from duikou.indicators.transfer import store_job

        _store, store_s = _common.timed(store_job, user=admin, progress=lambda *a, **k: None)
        if not _store_matches(analytics):
            raise SystemExit("the analytics store does not hold the imported values after the background job")
        created_problems = check_history(data, None, admin, "bench.csv")
        again, rerun_s = _common.timed(import_values, user=admin, data=data, filename="bench.csv")
        # an overwrite: every 20th value changed (and given a note), imported by another user
        changed_data = changed_file(data)
        editor = User.objects.create_superuser("bench2", password="x")
        update, update_s = _common.timed(import_values, user=editor, data=changed_data, filename="changed.csv")
        updated_problems = check_history(changed_data, data, editor, "changed.csv")
        return {
            "dry_s": dry_s,
            "import_s": import_s,
            "check_s": marks.after("写入中"),
            "history_s": history_s,
            "analytics_s": analytics_s,
            "store_s": store_s,
            "rerun_s": rerun_s,
            "update_s": update_s,
            "dry_new": dry["new"],
            "new": result["new"],
            "changed": update["changed"],
            "rerun_unchanged": again["unchanged"],
            "rerun_written": again["new"] + again["changed"],
            "in_table": DataValue.objects.count(),
            "history_problems": created_problems + updated_problems,
        }
    if mode == "reference":
        return reference(data, connection)
    if mode == "pivot":
        return pivot(path, args, connection)
    raise SystemExit(f"unknown worker mode {mode}")


def _store_matches(analytics) -> bool:
    """Whether the store holds every stored value, as the database does (count and sum per indicator)."""
    from duikou.indicators.models import DataValue

    ours: dict[str, list] = {}
    for code, value in DataValue.objects.values_list("indicator_id", "value").iterator(chunk_size=20000):
        count_sum = ours.setdefault(code, [0, Decimal(0)])
        count_sum[0] += 1
        count_sum[1] += value  # exact: SQLite's SUM of decimals goes through floats
    con = analytics._connect()
    try:
        theirs = {
            i: (n, t)
            for i, n, t in con.execute("SELECT indicator, count(*), sum(value) FROM facts GROUP BY 1").fetchall()
        }
    finally:
        con.close()
    same = ours.keys() == theirs.keys() and all(tuple(ours[k]) == tuple(theirs[k]) for k in ours)
    if not same:
        print(f"store differs: database {sorted(ours.items())[:3]} store {sorted(theirs.items())[:3]}", flush=True)
    return same


def changed_file(data: bytes) -> bytes:
    """The file with every 20th value one more, with a note: what an overwrite by import does."""
    lines = data.decode("utf-8").splitlines()
    out = [lines[0] + ",comment"]
    for n, line in enumerate(lines[1:]):
        if n % 20 == 0:
            ind, period, org, value = line.split(",")
            out.append(f"{ind},{period},{org},{Decimal(value) + 1},bench overwrite")
    return ("\n".join(out) + "\n").encode()


def check_history(data: bytes, before: bytes | None, user, filename: str) -> list[str]:
    """Recompute from the file(s) alone what the import must have left, and compare with what is stored: every value
    of ``data`` stored as given, and exactly one history row of the import named ``filename`` for each value it
    created (``before`` None: old value none) or changed (old value from ``before``), by ``user``; nothing else.
    Returns the differences (empty: the same)."""
    from duikou.indicators.models import DataValue, DataValueHistory, ValueImport
    from duikou.pairings.models import Pairing

    pairing_ids = dict(Pairing.objects.values_list("code", "pk"))

    def parsed(raw: bytes) -> dict:
        reader = csv.reader(io.StringIO(raw.decode("utf-8")))
        next(reader)
        return {(pairing_ids[r[2]], r[0], r[1]): (Decimal(r[3]), r[4] if len(r) > 4 else "") for r in reader}

    given = parsed(data)
    old = parsed(before) if before is not None else {}
    problems = []
    record = ValueImport.objects.get(filename=filename)
    if record.user_id != user.pk or (record.new, record.changed) != ((0, len(given)) if old else (len(given), 0)):
        problems.append(f"import record {record.filename}: user {record.user_id}, {record.new}/{record.changed}")
    stored = {
        (p, i, per): (v, c)
        for p, i, per, v, c in DataValue.objects.filter(option=None).values_list(
            "pairing_id", "indicator_id", "period", "value", "comment"
        )
    }
    wrong = [k for k, v in given.items() if stored.get(k) != v]
    problems += [f"stored value differs from the file at {k}: {stored.get(k)} vs {given[k]}" for k in wrong[:5]]
    values_of = dict(DataValue.objects.values_list("pk", "pairing_id"))
    rows = list(
        DataValueHistory.objects.filter(value_import=record).values_list(
            "value_id",
            "pairing_id",
            "indicator_id",
            "period",
            "option_id",
            "kind",
            "old_value",
            "new_value",
            "old_comment",
            "new_comment",
        )
    )
    kind = "updated" if old else "created"
    expected = sorted(
        (p, i, per, None, kind, old[(p, i, per)][0] if old else None, v, old.get((p, i, per), (None, ""))[1], c)
        for (p, i, per), (v, c) in given.items()
    )
    got = sorted(r[1:] for r in rows)
    if got != expected:
        diff = [(a, b) for a, b in zip(got, expected, strict=False) if a != b][:3]
        problems.append(f"history rows differ: {len(got)} rows, {len(expected)} expected, e.g. {diff}")
    key_of = {
        pk: (p, i, per) for pk, p, i, per in DataValue.objects.values_list("pk", "pairing_id", "indicator_id", "period")
    }
    misnamed = [r for r in rows if key_of.get(r[0]) != r[1:4] or values_of.get(r[0]) is None]
    if misnamed or len({r[0] for r in rows}) != len(rows):
        problems.append(f"history rows naming the wrong or the same value twice: {misnamed[:3]}")
    total = DataValueHistory.objects.count()
    if not old and total != len(rows):
        problems.append(f"{total} history rows in all, {len(rows)} of the import")
    return problems


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

    # the file is one import of every value: past the upload limit an operator sets for the pages (100,000 rows)
    os.environ["DUIKOU_UPLOAD_MAX_ROWS"] = str(max(100_000, args.pairings * 11 * len(PERIODS) + 1))
    _common.print_heading("indicators", args)
    workdir = tempfile.mkdtemp(prefix="duikou-bench-ind-csv-", dir=args.tmpdir)
    csv_path = str(Path(workdir, "values.csv"))
    table = [
        [
            "engine",
            "data values",
            "import s (check / write / history, to commit)",
            "rows/s",
            "re-import s",
            "dry run s",
            "overwrite s (values)",
            "reference s",
            "ref rows/s",
            "import / reference speed",
            "store s (background job)",
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
                "overwrite changed every 20th value": ours["changed"] == (n + 19) // 20,
                "re-import wrote nothing": ours["rerun_written"] == 0 and ours["rerun_unchanged"] == n,
                "values and history as recomputed from the files": not ours["history_problems"],
            }
            failed = [k for k, ok in checks.items() if not ok]
            if failed:
                raise SystemExit(f"{engine}: check failed: {failed} {ours} {ref}")
            ref_s = ref["read_s"] + ref["write_s"]
            print(f"  {engine}: ours {ours} reference {ref}", flush=True)
            ref_name = "COPY" if engine == "postgres" else "executemany"
            write_s = ours["import_s"] - ours["check_s"] - ours["history_s"] - ours["analytics_s"]
            table.append(
                [
                    engine,
                    f"{n:,}",
                    f"{ours['import_s']:.2f} ({ours['check_s']:.2f} / {write_s:.2f} / {ours['history_s']:.2f})",
                    f"{n / ours['import_s']:,.0f}",
                    f"{ours['rerun_s']:.2f}",
                    f"{ours['dry_s']:.2f}",
                    f"{ours['update_s']:.2f} ({ours['changed']:,})",
                    f"{ref_s:.2f} ({ref_name})",
                    f"{n / ref_s:,.0f}",
                    f"{ref_s / ours['import_s']:.2f}",
                    f"{ours['store_s']:.2f}",
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
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(f"peak memory (largest of this process and its workers): {peak / 1024 / 1024:.2f} GiB (goal ≤ 8 GiB)")


if __name__ == "__main__":
    main()
