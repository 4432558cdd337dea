"""Benchmark: loading the region tree (`duikou seed`, `duikou.geo.services.load_regions()`).

For each engine, in a fresh, freshly migrated database every time, it measures

  load      load_regions() for all five levels on an empty table (total), and read_region_files() alone
            (reading + validating data/geo), so that the write part (load - read) is visible;
  reference the same rows (taken from read_region_files(), so parsing is excluded) written into the same
            table by hand-written SQL on the same engine: SQLite executemany(INSERT) through the stdlib sqlite3
            module with Django's PRAGMAs in one transaction; PostgreSQL psycopg COPY ... FROM STDIN in one
            transaction;
  re-run    a second load_regions() on the loaded database (the idempotent path; it must change nothing).

Each measurement runs in its own subprocess (a worker mode of this script) with DUIKOU_DATABASE_URL and
DUIKOU_VAR_DIR pointing at the scratch database and a temporary directory.

    .venv/bin/python bench/geo_seed/run.py [--engine sqlite|postgres|both] [--repeat N]
"""

import gc
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import _common  # noqa: E402
from _common import MARK, table  # noqa: E402

# ---- worker side: runs inside a subprocess with Django set up against the scratch database -------------


def worker(mode: str) -> dict:
    _common.setup_django()
    from django.core.management import call_command
    from django.db import connection

    from duikou.geo.models import Region
    from duikou.geo.services import load_regions, read_region_files

    if mode == "migrate":
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        return {"migrate_s": time.perf_counter() - started}

    connection.ensure_connection()  # connecting is not part of any figure
    if mode == "load":
        started = time.perf_counter()
        rows = read_region_files()
        read_s = time.perf_counter() - started
        n_rows = len(rows)
        del rows
        gc.collect()
        started = time.perf_counter()
        report = load_regions()
        load_s = time.perf_counter() - started
        return {
            "read_s": read_s,
            "load_s": load_s,
            "rows": n_rows,
            "created": sum(report.created.values()),
            "in_table": Region.objects.count(),
        }

    if mode == "rerun":
        started = time.perf_counter()
        report = load_regions()
        return {"rerun_s": time.perf_counter() - started, "changed": report.changed}

    if mode == "reference":
        rows = read_region_files()
        written = _common.reference_write(
            connection, Region._meta.db_table, "code, name, level, parent_id", rows, truncate=True
        )
        return {**written, "rows": len(rows)}

    raise SystemExit(f"unknown worker mode {mode}")


# ---- driver side ----------------------------------------------------------------------------------------


class Scratch(_common.Scratch):
    """A fresh, migrated empty database for one measurement."""

    script = __file__

    def __init__(self, engine: str, pg_admin_url: str, tmp_root: str | None):
        super().__init__(engine, pg_admin_url, tmp_root)
        self.run("migrate")


def measure(engine: str, pg_admin_url: str, tmp_root: str | None) -> dict:
    scratch = Scratch(engine, pg_admin_url, tmp_root)
    try:
        load = scratch.run("load")
        rerun = scratch.run("rerun")
    finally:
        scratch.drop()
    scratch = Scratch(engine, pg_admin_url, tmp_root)
    try:
        ref = scratch.run("reference")
    finally:
        scratch.drop()
    checks = {
        "load created every row": load["created"] == load["rows"] == load["in_table"],
        "reference wrote every row": ref["in_table"] == ref["rows"] == load["rows"],
        "re-run changed nothing": rerun["changed"] == 0,
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise SystemExit(f"{engine}: check failed: {', '.join(failed)} — {load} {ref} {rerun}")
    write_s = load["load_s"] - load["read_s"]
    return {
        "rows": load["rows"],
        "load_s": load["load_s"],
        "read_s": load["read_s"],
        "write_s": write_s,
        "ref_s": ref["write_s"],
        "ratio": write_s / ref["write_s"],
        "rerun_s": rerun["rerun_s"],
    }


HEADER = ["engine", "rows", "our load s", "of which read+validate s", "reference write s", "ratio", "re-run s"]


def line(engine: str, m: dict) -> list[str]:
    seconds = _common.seconds
    return [
        engine,
        f"{m['rows']:,}",
        *seconds(m, "load_s", "read_s", "ref_s"),
        f"{m['ratio']:.2f}×",
        *seconds(m, "rerun_s"),
    ]


def main() -> None:
    parser = _common.argument_parser(__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="measurements per engine; the table shows medians")
    args = parser.parse_args()

    if args.worker:
        print(MARK + json.dumps(worker(args.worker)), flush=True)
        return

    _common.print_heading("geo_seed", args)
    print()

    runs: dict[str, list[dict]] = {}
    for engine in _common.engines(args):
        for i in range(args.repeat):
            m = measure(engine, args.pg_admin_url, args.tmpdir)
            runs.setdefault(engine, []).append(m)
            figures = ", ".join(f"{k}={v:.3f}" for k, v in m.items() if k != "rows")
            print(f"  {engine} run {i + 1}/{args.repeat}: rows={m['rows']}, {figures}", flush=True)
    print()

    rows = [HEADER]
    for engine, ms in runs.items():
        median = {k: statistics.median(m[k] for m in ms) for k in ms[0]}
        median["rows"] = ms[0]["rows"]
        rows.append(line(engine, median))
    runs_note = f"median of {args.repeat} runs" if args.repeat > 1 else "one run"
    print(f"Seconds, {runs_note} per engine; write part = our load - read+validate; ratio = write part / reference.")
    print(table(rows))
    print(f"load average at end: {_common.load_average()}")


if __name__ == "__main__":
    main()
