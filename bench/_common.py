"""What the database benchmarks share: the scratch database each measurement runs in (a worker subprocess of the
script), the hand-written reference write (SQLite executemany / PostgreSQL COPY), and the report's machine lines
and Markdown table.

A benchmark imports it after putting ``bench/`` on the path:

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import _common
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MARK = "BENCH-RESULT "
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON")


# ---- worker side ----------------------------------------------------------------------------------------


def setup_django() -> None:
    """Django set up against the scratch database the driver named in the environment."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duikou.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Marks:
    """A progress callback that notes when each message was first reported: where an import's phases begin."""

    def __init__(self):
        self.started = time.perf_counter()
        self.first: dict[str, float] = {}

    def __call__(self, done, total=None, message=""):
        self.first.setdefault(message, time.perf_counter())

    def __getitem__(self, message: str) -> float:
        return self.first[message]

    def get(self, message: str, default: float) -> float:
        return self.first.get(message, default)

    def after(self, message: str) -> float:
        """Seconds from making the callback to the first report of ``message``."""
        return self.first[message] - self.started


def timed(fn, /, *args, **kwargs):
    """``fn``'s result and the seconds it took."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def reference_write(connection, table: str, columns: str, rows: list, *, truncate: bool = False) -> dict:
    """Write ``rows`` into ``table`` by hand, in one transaction, as fast as the engine allows: the stdlib sqlite3
    module's executemany(INSERT) with Django's PRAGMAs, or psycopg's COPY ... FROM STDIN. Django's own connection
    is closed first. Returns the seconds the write took and the rows then in the table."""
    connection.close()
    if connection.vendor == "sqlite":
        db = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            db.execute(pragma)
        placeholders = ", ".join("?" * len(columns.split(",")))
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")  # Django's transaction_mode for this project
        db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
        db.execute("COMMIT")
        write_s = time.perf_counter() - started
        in_table = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        db.close()
    else:
        import psycopg

        with psycopg.connect(os.environ["DUIKOU_DATABASE_URL"]) as db:
            if truncate:
                db.execute(f"TRUNCATE {table} CASCADE")  # empty (it is already: fresh database), committed
                db.commit()
            started = time.perf_counter()
            with db.transaction(), db.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            write_s = time.perf_counter() - started
            in_table = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return {"write_s": write_s, "in_table": in_table}


# ---- driver side ----------------------------------------------------------------------------------------


class Scratch:
    """A fresh empty database for one measurement: a temp SQLite file, or a PostgreSQL database made for it.

    ``run(mode)`` runs ``script --worker mode`` (plus ``worker_args()``) against it and returns the JSON the worker
    printed after ``MARK``."""

    script = ""  # the benchmark's run.py, whose worker mode does the measuring
    tmp_prefix = "duikou-bench-"
    db_prefix = "duikou_bench"

    def __init__(self, engine: str, pg_admin_url: str, tmp_root: str | None):
        self.engine = engine
        self.pg_admin_url = pg_admin_url
        self.tmp = tempfile.mkdtemp(prefix=self.tmp_prefix, dir=tmp_root)
        if engine == "sqlite":
            self.url = f"sqlite:///{Path(self.tmp, 'bench.sqlite3')}"
        else:
            self.dbname = f"{self.db_prefix}_{os.getpid()}"
            self._admin(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)', f'CREATE DATABASE "{self.dbname}"')
            self.url = f"{pg_admin_url.rsplit('/', 1)[0]}/{self.dbname}"

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as admin:
            for statement in statements:
                admin.execute(statement)

    def worker_args(self) -> list[str]:
        return []

    def run(self, mode: str, *args: str) -> dict:
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="duikou.settings",
            DUIKOU_DATABASE_URL=self.url,
            DUIKOU_VAR_DIR=str(Path(self.tmp, "var")),
            DUIKOU_DATA_DIR=str(ROOT / "data"),
            DUIKOU_SECRET_KEY="bench",
        )
        command = [sys.executable, self.script, "--worker", mode, *self.worker_args(), *args]
        proc = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
        if proc.returncode != 0 or not lines:
            sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
            raise SystemExit(f"worker {mode} failed on {self.engine} (exit {proc.returncode})")
        return json.loads(lines[-1][len(MARK) :])

    def drop(self) -> None:
        if self.engine == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """The options of every database benchmark: the engines, where the scratch databases go, the worker mode."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="where to create the scratch database")
    parser.add_argument("--tmpdir", default=None, help="where the SQLite scratch files go (default: system temp)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    return parser


def engines(args) -> list[str]:
    return ["sqlite", "postgres"] if args.engine == "both" else [args.engine]


# ---- the report -----------------------------------------------------------------------------------------


def print_heading(name: str, args) -> None:
    """The report's first lines: the benchmark, when, and the machine it runs on."""
    print(f"{name} benchmark, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    for key, value in machine(args.pg_admin_url, args.tmpdir):
        print(f"  {key}: {value}")


def seconds(m: dict, *keys: str) -> list[str]:
    """The figures ``keys`` of a measurement as table cells: seconds to two decimals."""
    return [f"{m[key]:.2f}" for key in keys]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


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
        ("load average at start", load_average()),
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
