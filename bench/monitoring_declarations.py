"""Benchmark: a county's paper records of 农户自主申报 imported from a file (`monitoring.tables.import_declarations`).

A generated CSV of N declarations (default 10,000; each a different person, none registered yet, spread over ten
villages of one township of 潢川县; counter and 12317 hotline alternating, signed consent) is imported by a township
editor into a fresh, migrated database seeded to county level:

  dry run    import_declarations(dry_run=True): read and check every row (the declaration rules, the villages in the
             user's area, duplicates), look up what was imported before; write nothing;
  import     import_declarations(): the same, then every row through services.declare in one transaction — a
             pending household, its member, the case (with its first lead step) and the declaration, with their
             audit entries; split at the moment the import reports the start of writing;
  re-import  the same file again: every row is found imported already, nothing is written (checked);
  reference  in another fresh database prepared the same way, the same rows' household, member, case, step and
             declaration rows (identifiers encrypted, digested and masked as ours) built in Python and written by
             hand-written SQL into the same five tables: SQLite executemany(INSERT) through the stdlib sqlite3
             module in one BEGIN IMMEDIATE transaction per table with Django's PRAGMAs; PostgreSQL psycopg COPY ...
             FROM STDIN. No checks, no audit, no case rules; the time to build the rows is reported beside the write.

Every measurement runs in its own subprocess with DUIKOU_DATABASE_URL and DUIKOU_VAR_DIR pointing at the scratch
database (``bench/_common.py``).

    .venv/bin/python bench/monitoring_declarations.py [--rows N] [--engine sqlite|postgres|both]
"""

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
from _common import MARK, table  # noqa: E402

TOWNSHIP = ("411526001", "春申街道")
VILLAGES = [f"411526001{n:03d}" for n in range(1, 11)]
DIFFICULTIES = ["因病（大病、慢性病）", "因残", "因意外事故", "因自然灾害", "因失业或务工收入减少", "因学"]
USERNAME = "bench_township"


def person(i: int) -> tuple[str, str]:
    """The ID number and phone of the i-th declarant (valid GB 11643 check digits, all different)."""
    from duikou.core import pii

    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=i // 999)
    first = f"411526{born:%Y%m%d}{i % 999 + 1:03d}"
    return first + pii.id_check_digit(first), f"139{i:08d}"


# ---- worker side ----------------------------------------------------------------------------------------


def worker(mode: str, path: str, rows: int) -> dict:
    _common.setup_django()
    from django.core.management import call_command
    from django.db import connection

    if mode == "prepare":
        call_command("migrate", interactive=False, verbosity=0)
        from duikou.seeding import seed_reference_data

        seed_reference_data(levels=["province", "prefecture", "county"])
        prepare_places()
        if rows:
            generate(path, rows)
        return {}

    from duikou.accounts.models import User
    from duikou.monitoring.models import Alert, Declaration, Household
    from duikou.monitoring.tables import import_declarations

    user = User.objects.get(username=USERNAME)
    data = Path(path).read_bytes()
    connection.ensure_connection()
    if mode == "import":
        dry, dry_s = _common.timed(import_declarations, user=user, data=data, filename="bench.csv", dry_run=True)
        marks = _common.Marks()
        result, import_s = _common.timed(
            import_declarations, user=user, data=data, filename="bench.csv", progress=marks
        )
        again, rerun_s = _common.timed(import_declarations, user=user, data=data, filename="bench.csv")
        from auditlog.models import LogEntry

        return {
            "dry_s": dry_s,
            "import_s": import_s,
            "check_s": marks.after("写入中"),
            "rerun_s": rerun_s,
            "dry_created": dry["created"],
            "created": result["created"],
            "cases_opened": result["cases_opened"],
            "rerun_unchanged": again["unchanged"],
            "rerun_written": again["created"],
            "declarations": Declaration.objects.count(),
            "households": Household.objects.filter(pending=True).count(),
            "cases": Alert.objects.count(),
            "audit_entries": LogEntry.objects.count(),
        }
    if mode == "reference":
        return reference(data, connection, user)
    raise SystemExit(f"unknown worker mode {mode}")


def prepare_places() -> None:
    from duikou import testing
    from duikou.accounts.models import Organisation
    from duikou.geo.models import Region

    township = Region.objects.create(code=TOWNSHIP[0], name=TOWNSHIP[1], level="township", parent_id="411526")
    for n, code in enumerate(VILLAGES, start=1):
        Region.objects.create(code=code, name=f"基准村{n:02d}", level="village", parent=township)
    org = Organisation.objects.create(
        name=TOWNSHIP[1], region=township, kind="township", parent=testing.county_org("411526")
    )
    testing.user(USERNAME, org, "editor")


def generate(path: str, rows: int) -> None:
    import csv

    from duikou.monitoring.tables import DECLARATION_COLUMNS

    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header for c in DECLARATION_COLUMNS])
        start = datetime.date(2026, 1, 5)
        for i in range(rows):
            id_number, phone = person(i)
            writer.writerow(
                [
                    VILLAGES[i % len(VILLAGES)],
                    f"申报人{i:05d}",
                    id_number,
                    phone,
                    DIFFICULTIES[i % len(DIFFICULTIES)],
                    "纸质申报表登记的困难情况",
                    (start + datetime.timedelta(days=i % 200)).isoformat(),
                    "窗口受理" if i % 2 else "12317 热线",
                    "是",
                ]
            )


def reference(data: bytes, connection, user) -> dict:
    """The same rows built by hand (csv module, pii for the identifiers) and written by hand-written SQL."""
    import csv
    import io

    from django.utils import timezone

    from duikou.core import pii
    from duikou.monitoring.models import Alert, AlertStep, Declaration, Difficulty, Household, Member
    from duikou.monitoring.services import new_ack
    from duikou.monitoring.tables import CHANNELS

    started = time.perf_counter()
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    difficulty = {str(label): value for value, label in Difficulty.choices}
    channel = {label: value for value, label in CHANNELS}
    now = timezone.now()
    objects: dict[type, list] = {Household: [], Member: [], Alert: [], AlertStep: [], Declaration: []}
    for pk, (village, head, id_number, phone, kind, text, day, way, _consent) in enumerate(lines, start=1):
        ids, phones = pii.id_number_columns(id_number), pii.phone_columns(phone)
        consent_at = timezone.make_aware(datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time()))
        objects[Household].append(
            Household(
                pk=pk,
                township_id=TOWNSHIP[0],
                village_id=village,
                number=f"申报{new_ack('SB')}",
                head_name=head,
                pending=True,
                created=now,
                updated=now,
            )
        )
        objects[Member].append(Member(pk=pk, household_id=pk, name=head, relation="户主", **ids, **phones))
        objects[Alert].append(
            Alert(pk=pk, household_id=pk, channel=channel[way], status=Alert.Status.VERIFYING, created=now)
        )
        objects[AlertStep].append(
            AlertStep(
                pk=pk,
                alert_id=pk,
                step=AlertStep.Step.LEAD,
                from_status=Alert.Status.VERIFYING,
                to_status=Alert.Status.VERIFYING,
                note=kind,
                actor=user,
                actor_name=str(user),
                created=now,
            )
        )
        objects[Declaration].append(
            Declaration(
                pk=pk,
                ack_number=new_ack("SB"),
                channel=channel[way],
                village_id=village,
                household_id=pk,
                case_id=pk,
                head_name=head,
                **ids,
                **phones,
                difficulty=difficulty[kind],
                description=text,
                consent_at=consent_at,
                recorded_by=user,
                created=now,
            )
        )
    tables = []
    for model, items in objects.items():
        fields = model._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in items]
        tables.append((model._meta.db_table, columns, rows))
    build_s = time.perf_counter() - started
    write_s, counts = 0.0, []
    for name, columns, rows in tables:
        written = _common.reference_write(connection, name, columns, rows)
        write_s += written["write_s"]
        counts.append(written["in_table"])
    return {"build_s": build_s, "write_s": write_s, "rows": len(lines), "in_tables": counts}


# ---- driver side ----------------------------------------------------------------------------------------


class Scratch(_common.Scratch):
    script = __file__
    db_prefix = "duikou_bench_declarations"

    def __init__(self, engine: str, pg_admin_url: str, tmp_root: str | None, path: str, rows: int):
        super().__init__(engine, pg_admin_url, tmp_root)
        self.path = path
        self.run("prepare", rows=0 if os.path.exists(path) else rows)

    def run(self, mode: str, rows: int = 0) -> dict:
        return super().run(mode, "--path", self.path, "--rows", str(rows))


def measure(engine: str, args, path: str) -> dict:
    scratch = Scratch(engine, args.pg_admin_url, args.tmpdir, path, args.rows)
    try:
        ours = scratch.run("import")
    finally:
        scratch.drop()
    scratch = Scratch(engine, args.pg_admin_url, args.tmpdir, path, args.rows)
    try:
        ref = scratch.run("reference")
    finally:
        scratch.drop()
    n = args.rows
    checks = {
        "dry run would create every row": ours["dry_created"] == n,
        "import declared every row": ours["created"] == ours["declarations"] == n,
        "one pending household and one case per person": ours["households"]
        == ours["cases"]
        == ours["cases_opened"]
        == n,
        "re-import wrote nothing": ours["rerun_written"] == 0 and ours["rerun_unchanged"] == n,
        "reference wrote every row": ref["in_tables"] == [n] * 5,
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise SystemExit(f"{engine}: check failed: {', '.join(failed)} — {ours} {ref}")
    ref_s = ref["build_s"] + ref["write_s"]
    return {
        "dry_s": ours["dry_s"],
        "import_s": ours["import_s"],
        "check_s": ours["check_s"],
        "write_s": ours["import_s"] - ours["check_s"],
        "rerun_s": ours["rerun_s"],
        "ref_s": ref_s,
        "ref_build_s": ref["build_s"],
        "ref_write_s": ref["write_s"],
        "ratio": ours["import_s"] / ref_s,
        "audit_entries": ours["audit_entries"],
    }


HEADER = [
    "engine",
    "rows",
    "dry run s",
    "import s",
    "of which check s",
    "of which declare+audit s",
    "reference s (build / write)",
    "ratio",
    "re-import s",
]


def main() -> None:
    parser = _common.argument_parser(__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(MARK + json.dumps(worker(args.worker, args.path, args.rows)), flush=True)
        return

    _common.print_heading("monitoring_declarations", args)
    print()
    workdir = tempfile.mkdtemp(prefix="duikou-bench-declarations-", dir=args.tmpdir)
    path = str(Path(workdir, "declarations.csv"))
    results = []
    try:
        for engine in _common.engines(args):
            m = measure(engine, args, path)
            results.append((engine, m))
            print(f"  {engine}: " + ", ".join(f"{k}={v:.3f}" for k, v in m.items()), flush=True)
        size = os.path.getsize(path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    seconds = _common.seconds
    rows = [HEADER]
    for engine, m in results:
        rows.append(
            [
                engine,
                f"{args.rows:,}",
                *seconds(m, "dry_s", "import_s", "check_s", "write_s"),
                "{} ({} / {})".format(*seconds(m, "ref_s", "ref_build_s", "ref_write_s")),
                f"{m['ratio']:.1f}×",
                *seconds(m, "rerun_s"),
            ]
        )
    print(f"Seconds, one run per engine; CSV {size / 1024:.0f} KiB; ratio = our import / reference (build + write).")
    print(table(rows))
    print(f"load average at end: {_common.load_average()}")


if __name__ == "__main__":
    main()
