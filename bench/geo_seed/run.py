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

import argparse
import datetime
import gc
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MARK = "BENCH-RESULT "
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON")


# ---- worker side: runs inside a subprocess with Django set up against the scratch database -------------


def worker(mode: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duikou.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
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
        table = Region._meta.db_table
        columns = "code, name, level, parent_id"
        if connection.vendor == "sqlite":
            connection.close()
            db = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
            for pragma in SQLITE_PRAGMAS:
                db.execute(pragma)
            started = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")  # Django's transaction_mode for this project
            db.executemany(f"INSERT INTO {table} ({columns}) VALUES (?,?,?,?)", rows)
            db.execute("COMMIT")
            write_s = time.perf_counter() - started
            in_table = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            db.close()
        else:
            import psycopg

            connection.close()
            with psycopg.connect(os.environ["DUIKOU_DATABASE_URL"]) as db:
                db.execute(f"TRUNCATE {table} CASCADE")  # empty (it is already: fresh database), committed
                db.commit()
                started = time.perf_counter()
                with db.transaction():
                    with db.cursor() as cursor:
                        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
                write_s = time.perf_counter() - started
                in_table = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return {"write_s": write_s, "rows": len(rows), "in_table": in_table}

    raise SystemExit(f"unknown worker mode {mode}")


# ---- driver side ----------------------------------------------------------------------------------------


class Scratch:
    """A fresh empty database for one measurement: a temp SQLite file, or a PostgreSQL database made for it."""

    def __init__(self, engine: str, pg_admin_url: str, tmp_root: str | None):
        self.engine = engine
        self.pg_admin_url = pg_admin_url
        self.tmp = tempfile.mkdtemp(prefix="duikou-bench-", dir=tmp_root)
        if engine == "sqlite":
            self.url = f"sqlite:///{Path(self.tmp, 'bench.sqlite3')}"
        else:
            self.dbname = f"duikou_bench_{os.getpid()}"
            self._admin(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)', f'CREATE DATABASE "{self.dbname}"')
            base = pg_admin_url.rsplit("/", 1)[0]
            self.url = f"{base}/{self.dbname}"
        self.run("migrate")

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as admin:
            for statement in statements:
                admin.execute(statement)

    def run(self, mode: str) -> dict:
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="duikou.settings",
            DUIKOU_DATABASE_URL=self.url,
            DUIKOU_VAR_DIR=str(Path(self.tmp, "var")),
            DUIKOU_DATA_DIR=str(ROOT / "data"),
            DUIKOU_SECRET_KEY="bench",
        )
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", mode], env=env, cwd=ROOT, capture_output=True, text=True
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
        if proc.returncode != 0 or not lines:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"worker {mode} failed on {self.engine} (exit {proc.returncode})")
        return json.loads(lines[-1][len(MARK) :])

    def drop(self) -> None:
        if self.engine == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)


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


def _first(path: str, prefix: str) -> str:
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def _fs_type(path: str) -> str:
    best, kind = "", "?"
    try:
        with open("/proc/mounts") as handle:
            for line in handle:
                _dev, mount, fstype, *_ = line.split()
                if (path == mount or path.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
                    best, kind = mount, fstype
    except OSError:
        pass
    return kind


def machine(pg_admin_url: str, tmp_root: str | None) -> list[tuple[str, str]]:
    import django
    import psycopg

    mem_kb = _first("/proc/meminfo", "MemTotal").split()[0]
    try:
        with psycopg.connect(pg_admin_url, connect_timeout=3) as pg:
            settings = ", ".join(
                f"{name}={pg.execute(f'SHOW {name}').fetchone()[0]}"
                for name in ("fsync", "synchronous_commit", "wal_level", "shared_buffers")
            )
            pg_version = f"{pg.execute('SHOW server_version').fetchone()[0]} ({settings})"
    except psycopg.Error as exc:
        pg_version = f"unreachable ({exc.__class__.__name__})"
    tmp = os.path.realpath(tmp_root or tempfile.gettempdir())
    return [
        ("load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("CPU", f"{_first('/proc/cpuinfo', 'model name')}, {os.cpu_count()} cores"),
        ("RAM", f"{int(mem_kb) / 1024 / 1024:.1f} GiB" if mem_kb.isdigit() else "?"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("Django", django.get_version()),
        ("SQLite", f"{sqlite3.sqlite_version} (scratch files in {tmp}, {_fs_type(tmp)})"),
        ("PostgreSQL", f"{pg_version}; psycopg {psycopg.__version__}, libpq {psycopg.pq.version()}"),
    ]


def table(rows: list[list[str]]) -> str:
    """A Markdown table: first column left-aligned, the figures right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def cells(r: list[str]) -> str:
        return (
            "| "
            + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            + " |"
        )

    rule = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([cells(rows[0]), rule, *map(cells, rows[1:])])


HEADER = ["engine", "rows", "our load s", "of which read+validate s", "reference write s", "ratio", "re-run s"]


def line(engine: str, m: dict) -> list[str]:
    return [
        engine,
        f"{m['rows']:,}",
        f"{m['load_s']:.2f}",
        f"{m['read_s']:.2f}",
        f"{m['ref_s']:.2f}",
        f"{m['ratio']:.2f}×",
        f"{m['rerun_s']:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=1, help="measurements per engine; the table shows medians")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="where to create the scratch database")
    parser.add_argument("--tmpdir", default=None, help="where the SQLite scratch files go (default: system temp)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(MARK + json.dumps(worker(args.worker)), flush=True)
        return

    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    print(f"geo_seed benchmark, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    for key, value in machine(args.pg_admin_url, args.tmpdir):
        print(f"  {key}: {value}")
    print()

    runs: dict[str, list[dict]] = {}
    for engine in engines:
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
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
