"""Side measurement for the alerts' write: what each of an alert's four foreign keys costs a ``COPY``.

A scratch PostgreSQL database with a 4,000,000-row household table and one-row run, rule-set and user tables; 660,000
alert-shaped rows (a sixth of the households, as screening flags) copied in one transaction into a table with the
alerts' household index and no foreign key, each key alone or in groups, and all four — deferred, as Django declares
them. Each case is run twice; the database is dropped at the end. Every case must store every row (checked).

    .venv/bin/python bench/screening/foreign_keys.py
"""

import sys
import time

import psycopg

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NAME = "duikou_bench_foreign_keys"
HOUSEHOLDS, ALERTS = 4_000_000, 660_000
KEYS = {"household": ("household_id", "h"), "run": ("run_id", "r"), "ruleset": ("ruleset_id", "s")}
KEYS["responsible (NULL)"] = ("responsible_id", "u")
CASES = [
    [],
    ["household"],
    ["run", "ruleset"],
    ["responsible (NULL)"],
    ["household", "run", "ruleset", "responsible (NULL)"],
]


def main() -> int:
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {NAME}")
        admin.execute(f"CREATE DATABASE {NAME}")
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{NAME}", autocommit=True) as con:
            return measure(con)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {NAME}")


def measure(con) -> int:
    con.execute(f"CREATE TABLE h (id bigint PRIMARY KEY); INSERT INTO h SELECT generate_series(1, {HOUSEHOLDS})")
    for table in "rsu":
        con.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY); INSERT INTO {table} VALUES (1)")
    for table in "hrsu":
        con.execute(f"VACUUM ANALYZE {table}")
    rows = "".join(f"{i * 6 + 1}\t1\t1\t\\N\n" for i in range(ALERTS)).encode()
    print(f"{ALERTS:,} alert rows into a table beside {HOUSEHOLDS:,} households; seconds per COPY (two runs)")
    for _round in range(2):
        for case in CASES:
            con.execute("DROP TABLE IF EXISTS a")
            con.execute(
                "CREATE TABLE a (id bigserial PRIMARY KEY, household_id bigint NOT NULL, run_id bigint, "
                "ruleset_id bigint, responsible_id bigint)"
            )
            for name in case:
                column, table = KEYS[name]
                con.execute(
                    f"ALTER TABLE a ADD FOREIGN KEY ({column}) REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED"
                )
            con.execute("CREATE INDEX ON a (household_id)")
            started = time.perf_counter()
            with (
                con.transaction(),
                con.cursor().copy("COPY a (household_id, run_id, ruleset_id, responsible_id) FROM STDIN") as copy,
            ):
                copy.write(rows)
            seconds = time.perf_counter() - started
            stored = con.execute("SELECT count(*) FROM a").fetchone()[0]
            if stored != ALERTS:
                print(f"stored {stored} rows, expected {ALERTS}")
                return 1
            print(f"  {' + '.join(case) or 'no foreign key':<45} {seconds:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
