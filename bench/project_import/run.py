"""Benchmark: importing major projects and cooperation activities from an .xlsx (`duikou import-projects`,
`import-activities`; `projects.tables.import_projects()` / `import_activities()`).

A generated workbook of N rows (default 20,000) of each kind over the 20 national pairings — projects each in a
county of its pairing's old-area city, activities of every kind with the columns of their kind — is imported on
each engine into a fresh, migrated and seeded (regions to county level, policy, pairings) database:

  dry run    import_*(dry_run=True): read + check every row, write nothing;
  import     import_*(): the same and write every row in one transaction, with one audit entry per row;
             split at the moment the service reports the start of writing (its progress callback);
  re-import  the same file again: every row matches its stored one, nothing is written (checked);
  reference  in another fresh database, the same file read with the same reader (python-calamine) alone, the
             references resolved with plain dicts, and the rows written by hand-written SQL on the same engine:
             SQLite executemany(INSERT) through the stdlib sqlite3 module in one BEGIN IMMEDIATE transaction with
             Django's PRAGMAs; PostgreSQL psycopg COPY ... FROM STDIN in one transaction. No checks, no audit.

Checked, or the script exits non-zero: the rows stored by the import equal the rows stored by the reference (every
field, compared by a digest of the stored rows read back through the ORM); the reader gives the cells openpyxl
gives for the same workbook (the old reader, as the slow path); the dry run, import, audit entries and re-import
counts. Peak memory (ru_maxrss of the driver and of its worker subprocesses) is printed at the end.

Every measurement runs in its own subprocess (a worker mode of this script) with DUIKOU_DATABASE_URL and
DUIKOU_VAR_DIR pointing at the scratch database.

    .venv/bin/python bench/project_import/run.py [--rows N] [--engine sqlite|postgres|both] [--repeat N]
        [--kind projects|activities|both]
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import resource
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


def worker(mode: str, path: str, rows: int, kind: str) -> dict:
    _common.setup_django()
    from django.core.management import call_command
    from django.db import connection

    if mode == "prepare":
        call_command("migrate", interactive=False, verbosity=0)
        from duikou.seeding import seed_reference_data

        seed_reference_data(levels=["province", "prefecture", "county"])
        return {}
    if mode == "workbook":
        (generate_projects if kind == "projects" else generate_activities)(path, rows)
        return {}

    from auditlog.models import LogEntry

    from duikou.core.actors import Operator
    from duikou.projects.models import Activity, Project
    from duikou.projects.tables import import_activities, import_projects

    model = Project if kind == "projects" else Activity
    run = import_projects if kind == "projects" else import_activities
    data = Path(path).read_bytes()
    connection.ensure_connection()  # connecting is not part of any figure
    if mode == "import":
        dry, dry_s = _common.timed(run, user=Operator(), data=data, filename="bench.xlsx", dry_run=True)
        marks = _common.Marks()
        result, import_s = _common.timed(run, user=Operator(), data=data, filename="bench.xlsx", progress=marks)
        again, rerun_s = _common.timed(run, user=Operator(), data=data, filename="bench.xlsx")
        return {
            "dry_s": dry_s,
            "import_s": import_s,
            "check_s": marks.after("写入中"),
            "rerun_s": rerun_s,
            "dry_created": dry["created"],
            "created": result["created"],
            "rerun_unchanged": again["unchanged"],
            "rerun_written": again["created"] + again["updated"],
            "in_table": model.objects.count(),
            "audit_entries": LogEntry.objects.filter(content_type__model=model._meta.model_name).count(),
            "stored": stored_digest(model),
            "reader_as_openpyxl": reader_as_openpyxl(data, SHEETS[kind]),
        }

    if mode == "reference":
        written = (reference_projects if kind == "projects" else reference_activities)(data, connection)
        connection.connect()
        return {**written, "stored": stored_digest(model)}
    raise SystemExit(f"unknown worker mode {mode}")


SHEETS = {"projects": "重大项目", "activities": "合作活动"}


def stored_digest(model) -> str:
    """A digest of every stored row's fields (references by their code), in natural-key order."""
    from duikou.projects.services import ACTIVITY_FIELDS, PROJECT_FIELDS

    names = ["pairing__code", *(PROJECT_FIELDS if model.__name__ == "Project" else ACTIVITY_FIELDS)]
    rows = model.objects.order_by(*names).values_list(*names)
    text = json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def reader_as_openpyxl(data: bytes, sheet: str) -> bool:
    """The product's reader (calamine) gives the cells the old reader (openpyxl) gives for the same workbook (its
    rows as wide as the sheet, where openpyxl gives a row of a sheet without a ``<dimension>`` as far as its last
    cell: blanks either way)."""
    from duikou.core.uploads import clean_cell, open_workbook, read_table

    header, body = read_table(data, "bench.xlsx", sheet)
    book = open_workbook(data, "bench.xlsx")
    slow = [[clean_cell(v) for v in row] for row in book[sheet].iter_rows(values_only=True)]
    book.close()
    fast = [header, *(cells for _n, cells in body)]
    width = max(map(len, fast))
    return fast == [row + [None] * (width - len(row)) for row in slow]


def generate_projects(path: str, rows: int) -> None:
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
        start = datetime.datetime(2021 + i % 4, 1 + i % 12, 1) if i % 3 else None  # noqa: DTZ001 (a cell)
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
                start,
                start.replace(year=start.year + 5) if start else None,
            ]
        )
    book.save(path)


def activity_cells(kind: str, rng) -> dict[str, object]:
    """The typed columns of one activity of ``kind``, by field."""
    return {
        "visit": lambda: {"delegation_size": rng.randint(3, 40), "delegation_level": rng.choice(["市级", "省级"])},
        "exchange": lambda: {
            "exchange_people": rng.randint(1, 12),
            "exchange_direction": rng.choice(["东部→老区", "老区→东部"]),
            "exchange_months": rng.randint(3, 24),
        },
        "training": lambda: {"training_sessions": rng.randint(1, 5), "trainees": rng.randint(20, 300)},
        "consumption": lambda: {
            "sales_amount": rng.randrange(100, 100_000) / 4,
            "product_category": rng.choice(["茶叶", "粮油", "果蔬"]),
            "sales_channel": rng.choice(["电商平台", "商超", "食堂"]),
        },
        "labour": lambda: {"people_placed": rng.randint(1, 500)},
        "school_pair": lambda: {"institution_old": "老区第一中学", "institution_partner": "东部实验学校"},
        "hospital_pair": lambda: {"institution_old": "老区人民医院", "institution_partner": "东部第一医院"},
        "study_trip": lambda: {"participants": rng.randint(10, 200)},
    }[kind]()


def generate_activities(path: str, rows: int) -> None:
    from openpyxl import Workbook

    from duikou.pairings.models import Pairing
    from duikou.projects.models import KIND_FIELDS, Activity
    from duikou.projects.tables import ACTIVITY_COLUMNS

    rng = random.Random(2026)
    pairings = list(Pairing.objects.filter(level="national", status="active").select_related("old_region"))
    kinds = list(KIND_FIELDS)
    labels = {value: str(label) for value, label in Activity.Kind.choices}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("合作活动")
    sheet.append([c.header for c in ACTIVITY_COLUMNS])
    for i in range(rows):
        pairing, kind = pairings[i % len(pairings)], kinds[i % len(kinds)]
        typed = activity_cells(kind, rng)
        day = datetime.datetime(2021, 1, 1) + datetime.timedelta(days=i % 1500)  # noqa: DTZ001 (a cell)
        values = {
            "pairing": f"{pairing.code} {pairing.old_region.name}",
            "kind": labels[kind],
            "key_task": f"KT{rng.randint(1, 5)}",
            "date": day,
            "title": f"基准活动{i:06d}",
            "note": rng.choice(["", "", "备注"]),
            **typed,
        }
        sheet.append([values.get(c.field) for c in ACTIVITY_COLUMNS])
    book.save(path)


def read_cells(data: bytes, sheet: str) -> list[list]:
    """The reference's read: the same reader as the product, the data rows of one sheet."""
    import io

    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()[1:]


def reference_projects(data: bytes, connection) -> dict:
    """calamine read alone, references resolved with dicts, the rows written by hand-written SQL."""
    from duikou.pairings.models import Pairing
    from duikou.projects.models import FundingSource, Industry, Project

    industries = {str(label): value for value, label in Industry.choices}
    statuses = {str(label): value for value, label in Project.Status.choices}
    sources = {str(label): value for value, label in FundingSource.choices}
    order = {value: i for i, value in enumerate(FundingSource.values)}
    pairing_ids = dict(Pairing.objects.filter(status="active").values_list("code", "pk"))
    started = time.perf_counter()
    cells = read_cells(data, "重大项目")
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
            f"{c[6]:.2f}",
            f"{c[7]:.2f}",
            f"{c[8]:.2f}",
            json.dumps(sorted((sources[s] for s in c[9].split("、")), key=order.get)),
            c[10] == "是",
            statuses[c[11]],
            c[12] or "",
            c[13].isoformat() if c[13] else None,
            c[14].isoformat() if c[14] else None,
            1,
            now,
            now,
        )
        for c in cells
    ]
    resolve_s = time.perf_counter() - started - read_s
    columns = (
        "pairing_id, name, industry, key_task_id, location_id, park, investment_planned, investment_signed, "
        "investment_in_place, funding_sources, land_quota_guarantee, status, note, start_date, end_date, version, "
        "created, updated"
    )
    written = _common.reference_write(connection, Project._meta.db_table, columns, rows)
    return {"read_s": read_s, "resolve_s": resolve_s, **written, "rows": len(rows)}


def reference_activities(data: bytes, connection) -> dict:
    """calamine read alone, references and labels resolved with dicts, the rows written by hand-written SQL."""
    from duikou.pairings.models import Pairing
    from duikou.projects.models import TYPED_FIELDS, Activity
    from duikou.projects.tables import ACTIVITY_COLUMNS

    kinds = {str(label): value for value, label in Activity.Kind.choices}
    labels = {
        name: {str(label): value for value, label in Activity._meta.get_field(name).choices}
        for name in TYPED_FIELDS
        if Activity._meta.get_field(name).choices
    }
    pairing_ids = dict(Pairing.objects.filter(status="active").values_list("code", "pk"))
    at = {c.field: i for i, c in enumerate(ACTIVITY_COLUMNS)}
    started = time.perf_counter()
    cells = read_cells(data, "合作活动")
    read_s = time.perf_counter() - started
    now = datetime.datetime.now(datetime.UTC).isoformat()

    def typed(c, name):
        value = c[at[name]]
        if value == "":
            return None
        if name in labels:
            return labels[name][value]
        if isinstance(value, float):
            return f"{value:.2f}" if name == "sales_amount" else int(value)
        return value

    rows = [
        (
            pairing_ids[c[at["pairing"]].split()[0]],
            kinds[c[at["kind"]]],
            c[at["key_task"]],
            c[at["date"]].isoformat(),
            c[at["title"]],
            *(typed(c, name) for name in TYPED_FIELDS),
            c[at["note"]] or "",
            1,
            now,
            now,
        )
        for c in cells
    ]
    resolve_s = time.perf_counter() - started - read_s
    columns = ", ".join(
        ["pairing_id", "kind", "key_task_id", "date", "title", *TYPED_FIELDS, "note", "version", "created", "updated"]
    )
    written = _common.reference_write(connection, Activity._meta.db_table, columns, rows)
    return {"read_s": read_s, "resolve_s": resolve_s, **written, "rows": len(rows)}


# ---- driver side ----------------------------------------------------------------------------------------


class Seeded(_common.Scratch):
    """A database migrated and seeded once per engine, which every measurement's database is a copy of."""

    script = __file__
    db_prefix = "duikou_bench_projects_seeded"
    made: dict[str, "Seeded"] = {}

    @classmethod
    def of(cls, engine: str, args) -> "Seeded":
        if engine not in cls.made:
            seeded = cls(engine, args.pg_admin_url, args.tmpdir)
            seeded.run("prepare", "--rows", "0")
            cls.made[engine] = seeded
        return cls.made[engine]


class Scratch(_common.Scratch):
    """A fresh database for one measurement: a copy of the engine's migrated and seeded one (a file copy; a
    PostgreSQL database made from it as a template), with the workbook made on first use."""

    script = __file__
    db_prefix = "duikou_bench_projects"

    def __init__(self, engine: str, args, workbook: str, kind: str):
        super().__init__(engine, args.pg_admin_url, args.tmpdir)
        seeded = Seeded.of(engine, args)
        if engine == "sqlite":
            shutil.copyfile(seeded.url.removeprefix("sqlite:///"), self.url.removeprefix("sqlite:///"))
        else:
            self._admin(
                f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)',
                f'CREATE DATABASE "{self.dbname}" TEMPLATE "{seeded.dbname}"',
            )
        self.workbook, self.kind = workbook, kind
        if not os.path.exists(workbook):
            self.run("workbook", rows=args.rows)

    def run(self, mode: str, rows: int = 0) -> dict:
        return super().run(mode, "--path", self.workbook, "--rows", str(rows), "--kind", self.kind)


def measure(engine: str, kind: str, args, workbook: str) -> dict:
    scratch = Scratch(engine, args, workbook, kind)
    try:
        ours = scratch.run("import")
    finally:
        scratch.drop()
    scratch = Scratch(engine, args, workbook, kind)
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
        "the import stored the rows the reference stored": ours["stored"] == ref["stored"],
        "calamine read the cells openpyxl reads": ours["reader_as_openpyxl"],
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise SystemExit(f"{engine} {kind}: check failed: {', '.join(failed)} — {ours} {ref}")
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
    "table",
    "rows",
    "our import s",
    "of which read+check s",
    "of which write+audit s",
    "reference s (read / write)",
    "ratio",
    "dry run s",
    "re-import s",
]


def line(engine: str, kind: str, rows: int, m: dict) -> list[str]:
    seconds = _common.seconds
    return [
        engine,
        kind,
        f"{rows:,}",
        *seconds(m, "import_s", "check_s", "write_s"),
        "{} ({} / {})".format(*seconds(m, "ref_s", "ref_read_s", "ref_write_s")),
        f"{m['ratio']:.2f}×",
        *seconds(m, "dry_s", "rerun_s"),
    ]


def peak_memory_mib() -> tuple[float, float]:
    """The peak resident memory of this process and of the largest of its finished subprocesses (ru_maxrss, KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    parser = _common.argument_parser(__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1, help="measurements per engine; the table shows medians")
    parser.add_argument("--kind", choices=["projects", "activities", "both"], default="both")
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(MARK + json.dumps(worker(args.worker, args.path, args.rows, args.kind)), flush=True)
        return

    _common.print_heading("project_import", args)
    print()
    kinds = ["projects", "activities"] if args.kind == "both" else [args.kind]
    workdir = tempfile.mkdtemp(prefix="duikou-bench-xlsx-", dir=args.tmpdir)
    workbooks = {kind: str(Path(workdir, f"{kind}.xlsx")) for kind in kinds}
    runs: dict[tuple[str, str], list[dict]] = {}
    sizes = {}
    try:
        for engine in _common.engines(args):
            for kind in kinds:
                for i in range(args.repeat):
                    m = measure(engine, kind, args, workbooks[kind])
                    runs.setdefault((engine, kind), []).append(m)
                    figures = ", ".join(f"{k}={v:.3f}" for k, v in m.items())
                    print(f"  {engine} {kind} run {i + 1}/{args.repeat}: {figures}", flush=True)
                sizes[kind] = os.path.getsize(workbooks[kind])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        for seeded in Seeded.made.values():
            seeded.drop()
    print()
    rows = [HEADER]
    for (engine, kind), ms in runs.items():
        rows.append(line(engine, kind, args.rows, {k: statistics.median(m[k] for m in ms) for k in ms[0]}))
    runs_note = f"median of {args.repeat} runs" if args.repeat > 1 else "one run"
    books = ", ".join(f"{kind} {size / 1024 / 1024:.1f} MiB" for kind, size in sizes.items())
    print(
        f"Seconds, {runs_note} per engine and table; workbooks {books}; "
        "ratio = our import / reference (read + resolve + write)."
    )
    print(table(rows))
    own, children = peak_memory_mib()
    print(f"peak memory: driver {own:.0f} MiB, largest worker {children:.0f} MiB")
    print(f"load average at end: {_common.load_average()}")


if __name__ == "__main__":
    main()
