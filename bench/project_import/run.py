"""Benchmark: importing major projects from an .xlsx (`duikou import-projects`, `excel.import_projects()`).

A generated workbook of N project rows (default 20,000) over the 20 national pairings, each row a county of its
pairing's old-area city, is imported on each engine into a fresh, migrated and seeded (regions to county level,
policy, pairings) database:

  dry run    import_projects(dry_run=True): read + check every row, write nothing;
  import     import_projects(): the same and write every row in one transaction, with one audit entry per row;
             split at the moment the service reports the start of writing (its progress callback);
  re-import  the same file again: every row matches its stored one, nothing is written (checked);
  reference  in another fresh database, the same file read with openpyxl alone (read_only, values_only), the
             references resolved with plain dicts, and the rows written by hand-written SQL on the same engine:
             SQLite executemany(INSERT) through the stdlib sqlite3 module in one BEGIN IMMEDIATE transaction with
             Django's PRAGMAs; PostgreSQL psycopg COPY ... FROM STDIN in one transaction. No checks, no audit.

Every measurement runs in its own subprocess (a worker mode of this script) with DUIKOU_DATABASE_URL and
DUIKOU_VAR_DIR pointing at the scratch database.

    .venv/bin/python bench/project_import/run.py [--rows N] [--engine sqlite|postgres|both] [--repeat N]
"""

import argparse
import datetime
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _common  # noqa: E402
from _common import MARK, table  # noqa: E402

INDUSTRIES = ["清洁能源", "有色金属", "装备制造", "纺织服装", "生物医药", "电子信息", "农产品加工", "其他"]
STATUSES = ["储备", "签约", "在建", "建成投产", "终止"]
SOURCES = ["中央预算内投资", "地方政府专项债", "社会资本", "东部城市财政资金"]


# ---- worker side: runs inside a subprocess with Django set up against the scratch database -------------


def worker(mode: str, path: str, rows: int) -> dict:
    _common.setup_django()
    from django.core.management import call_command
    from django.db import connection

    if mode == "prepare":
        call_command("migrate", interactive=False, verbosity=0)
        from duikou.seeding import seed_reference_data

        seed_reference_data(levels=["province", "prefecture", "county"])
        if rows:
            generate(path, rows)
        return {}

    from duikou.core.actors import Operator
    from duikou.projects.models import Project
    from duikou.projects.tables import import_projects

    data = Path(path).read_bytes()
    connection.ensure_connection()  # connecting is not part of any figure
    if mode == "import":
        dry, dry_s = _common.timed(import_projects, user=Operator(), data=data, filename="bench.xlsx", dry_run=True)
        marks = _common.Marks()
        result, import_s = _common.timed(
            import_projects, user=Operator(), data=data, filename="bench.xlsx", progress=marks
        )
        again, rerun_s = _common.timed(import_projects, user=Operator(), data=data, filename="bench.xlsx")
        from auditlog.models import LogEntry

        return {
            "dry_s": dry_s,
            "import_s": import_s,
            "check_s": marks.after("写入中"),
            "rerun_s": rerun_s,
            "dry_created": dry["created"],
            "created": result["created"],
            "rerun_unchanged": again["unchanged"],
            "rerun_written": again["created"] + again["updated"],
            "in_table": Project.objects.count(),
            "audit_entries": LogEntry.objects.filter(content_type__model="project").count(),
        }

    if mode == "reference":
        return reference(data, connection)
    raise SystemExit(f"unknown worker mode {mode}")


def generate(path: str, rows: int) -> None:
    from openpyxl import Workbook

    from duikou.geo.models import Region
    from duikou.pairings.models import Pairing
    from duikou.projects.tables import PROJECT_COLUMNS

    rng = random.Random(2026)
    pairings = list(Pairing.objects.filter(level="national", status="active").select_related("old_region"))
    counties = {
        p.code: list(Region.objects.filter(level="county", parent=p.old_region).values_list("code", "name"))
        for p in pairings
    }
    book = Workbook(write_only=True)
    sheet = book.create_sheet("重大项目")
    sheet.append([c.header for c in PROJECT_COLUMNS])
    for i in range(rows):
        pairing = pairings[i % len(pairings)]
        code, name = rng.choice(counties[pairing.code])
        signed = rng.randrange(0, 200_000) / 4
        sheet.append(
            [
                f"{pairing.code} {pairing.old_region.name}",
                f"基准项目{i:06d}",
                rng.choice(INDUSTRIES),
                f"KT{rng.randint(1, 5)}",
                f"{code} {name}",
                rng.choice(["", "合作产业园", "高新区"]),
                signed + rng.randrange(0, 10_000),
                signed,
                round(signed * rng.random(), 2),
                "、".join(rng.sample(SOURCES, rng.randint(1, 2))),
                rng.choice(["是", "否"]),
                rng.choice(STATUSES),
                "",
            ]
        )
    book.save(path)


def reference(data: bytes, connection) -> dict:
    """openpyxl read alone, references resolved with dicts, the rows written by hand-written SQL."""
    import io

    from openpyxl import load_workbook

    from duikou.pairings.models import Pairing
    from duikou.projects.models import FundingSource, Industry, Project

    industries = {str(label): value for value, label in Industry.choices}
    statuses = {str(label): value for value, label in Project.Status.choices}
    sources = {str(label): value for value, label in FundingSource.choices}
    pairing_ids = dict(Pairing.objects.filter(status="active").values_list("code", "pk"))
    started = time.perf_counter()
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = list(book["重大项目"].iter_rows(min_row=2, values_only=True))
    book.close()
    read_s = time.perf_counter() - started
    now = datetime.datetime.now(datetime.UTC).isoformat()
    rows = [
        (
            pairing_ids[c[0].split()[0]],
            c[1],
            industries[c[2]],
            c[3],
            c[4].split()[0],
            c[5] or "",
            str(c[6]),
            str(c[7]),
            str(c[8]),
            json.dumps([sources[s] for s in c[9].split("、")]),
            c[10] == "是",
            statuses[c[11]],
            "",
            1,
            now,
            now,
        )
        for c in cells
    ]
    resolve_s = time.perf_counter() - started - read_s
    columns = (
        "pairing_id, name, industry, key_task_id, location_id, park, investment_planned, investment_signed, "
        "investment_in_place, funding_sources, land_quota_guarantee, status, note, version, created, updated"
    )
    written = _common.reference_write(connection, Project._meta.db_table, columns, rows)
    return {"read_s": read_s, "resolve_s": resolve_s, **written, "rows": len(rows)}


# ---- driver side ----------------------------------------------------------------------------------------


class Scratch(_common.Scratch):
    """A fresh database for one measurement, migrated and seeded, with the workbook made on first use."""

    script = __file__
    db_prefix = "duikou_bench_projects"

    def __init__(self, engine: str, pg_admin_url: str, tmp_root: str | None, workbook: str, rows: int):
        super().__init__(engine, pg_admin_url, tmp_root)
        self.workbook = workbook
        self.run("prepare", rows=0 if os.path.exists(workbook) else rows)

    def run(self, mode: str, rows: int = 0) -> dict:
        return super().run(mode, "--path", self.workbook, "--rows", str(rows))


def measure(engine: str, args, workbook: str) -> dict:
    scratch = Scratch(engine, args.pg_admin_url, args.tmpdir, workbook, args.rows)
    try:
        ours = scratch.run("import")
    finally:
        scratch.drop()
    scratch = Scratch(engine, args.pg_admin_url, args.tmpdir, workbook, args.rows)
    try:
        ref = scratch.run("reference")
    finally:
        scratch.drop()
    checks = {
        "dry run would create every row": ours["dry_created"] == args.rows,
        "import created every row": ours["created"] == ours["in_table"] == args.rows,
        "one audit entry per row": ours["audit_entries"] == args.rows,
        "re-import wrote nothing": ours["rerun_written"] == 0 and ours["rerun_unchanged"] == args.rows,
        "reference wrote every row": ref["in_table"] == ref["rows"] == args.rows,
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise SystemExit(f"{engine}: check failed: {', '.join(failed)} — {ours} {ref}")
    ref_s = ref["read_s"] + ref["resolve_s"] + ref["write_s"]
    return {
        "import_s": ours["import_s"],
        "check_s": ours["check_s"],
        "write_s": ours["import_s"] - ours["check_s"],
        "ref_s": ref_s,
        "ref_read_s": ref["read_s"],
        "ref_write_s": ref["write_s"],
        "ratio": ours["import_s"] / ref_s,
        "dry_s": ours["dry_s"],
        "rerun_s": ours["rerun_s"],
    }


HEADER = [
    "engine",
    "rows",
    "our import s",
    "of which read+check s",
    "of which write+audit s",
    "reference s (read / write)",
    "ratio",
    "dry run s",
    "re-import s",
]


def line(engine: str, rows: int, m: dict) -> list[str]:
    seconds = _common.seconds
    return [
        engine,
        f"{rows:,}",
        *seconds(m, "import_s", "check_s", "write_s"),
        "{} ({} / {})".format(*seconds(m, "ref_s", "ref_read_s", "ref_write_s")),
        f"{m['ratio']:.2f}×",
        *seconds(m, "dry_s", "rerun_s"),
    ]


def main() -> None:
    parser = _common.argument_parser(__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1, help="measurements per engine; the table shows medians")
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(MARK + json.dumps(worker(args.worker, args.path, args.rows)), flush=True)
        return

    _common.print_heading("project_import", args)
    print()
    workdir = tempfile.mkdtemp(prefix="duikou-bench-xlsx-", dir=args.tmpdir)
    workbook = str(Path(workdir, "projects.xlsx"))
    runs: dict[str, list[dict]] = {}
    try:
        for engine in _common.engines(args):
            for i in range(args.repeat):
                m = measure(engine, args, workbook)
                runs.setdefault(engine, []).append(m)
                figures = ", ".join(f"{k}={v:.3f}" for k, v in m.items())
                print(f"  {engine} run {i + 1}/{args.repeat}: {figures}", flush=True)
        size = os.path.getsize(workbook)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    rows = [HEADER]
    for engine, ms in runs.items():
        rows.append(line(engine, args.rows, {k: statistics.median(m[k] for m in ms) for k in ms[0]}))
    runs_note = f"median of {args.repeat} runs" if args.repeat > 1 else "one run"
    print(
        f"Seconds, {runs_note} per engine; workbook {size / 1024 / 1024:.1f} MiB; "
        "ratio = our import / reference (read + resolve + write)."
    )
    print(table(rows))
    print(f"load average at end: {_common.load_average()}")


if __name__ == "__main__":
    main()
