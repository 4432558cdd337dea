"""Benchmark: screening rule evaluation on DuckDB — the Ibis expression vs the same rules as hand-written DuckDB SQL.

Scope (the foundation of issue 6): rule evaluation only, over a generated columnar snapshot of N households
(default 1,000,000) with plausible incomes, year-on-year falls, rigid expenditure and check failures; the snapshot
has the exact schema of ``duikou.monitoring.engine.snapshot()``. Both sides read the same Arrow table in an
in-memory DuckDB and return the flagged household ids with their four rule flags; the script checks they agree.
Not yet measured: snapshot from the database, alert persistence, PostgreSQL and Spark engines, 10 million households.

    .venv/bin/python bench/monitoring/run.py [--households N] [--repeat N]
"""

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duikou.settings")

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
import ibis  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from duikou.monitoring import engine  # noqa: E402
from duikou.monitoring.services import DEFAULT_THRESHOLDS  # noqa: E402

THRESHOLDS = {str(k): Decimal(v) for k, (v, _source) in DEFAULT_THRESHOLDS.items()}
ENABLED = {"income_low", "income_fall", "rigid_expense", "check_failed"}

SQL = """
SELECT household_id,
       net_income < {bound} * persons AS r_income_low,
       coalesce(prev_net_income IS NOT NULL AND prev_net_income > 0
                AND prev_net_income - net_income > {fall} * prev_net_income, false) AS r_income_fall,
       coalesce(rigid_expense > 0 AND rigid_expense > {rigid} * net_income, false) AS r_rigid_expense,
       NOT (food_clothing_ok AND education_ok AND medical_ok AND housing_ok AND water_ok) AS r_check_failed
FROM snapshot
WHERE net_income < {bound} * persons
   OR coalesce(prev_net_income IS NOT NULL AND prev_net_income > 0
               AND prev_net_income - net_income > {fall} * prev_net_income, false)
   OR coalesce(rigid_expense > 0 AND rigid_expense > {rigid} * net_income, false)
   OR NOT (food_clothing_ok AND education_ok AND medical_ok AND housing_ok AND water_ok)
ORDER BY household_id
"""


def generate(n: int, seed: int = 2026) -> pa.Table:
    rng = np.random.default_rng(seed)
    persons = rng.integers(1, 7, n)
    per_capita = rng.lognormal(mean=np.log(16000), sigma=0.55, size=n)
    net = np.round(per_capita * persons, 2)
    prev = np.round(net * rng.normal(1.05, 0.15, n), 2)
    prev_mask = rng.random(n) < 0.05  # new households: no record for last year
    rigid = np.round(np.where(rng.random(n) < 0.2, net * rng.uniform(0, 0.9, n), 0), 2)

    def money(values, mask=None):
        return pa.array(values, type=pa.float64(), mask=mask).cast(pa.decimal128(14, 2))

    columns = {
        "household_id": pa.array(np.arange(1, n + 1), pa.int64()),
        "persons": pa.array(persons, pa.int32()),
        "net_income": money(net),
        "prev_net_income": money(prev, prev_mask),
        "rigid_expense": money(rigid),
    }
    for check, share in zip(
        ("food_clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok"),
        (0.002, 0.004, 0.003, 0.006, 0.01),
        strict=True,
    ):
        columns[check] = pa.array(rng.random(n) >= share)
    for column, (_kind, amount) in engine.SIGNALS.items():  # no departmental signals: the four rules only
        columns[column] = pa.array(np.zeros(n), pa.float64()).cast(pa.decimal128(14, 2) if amount else pa.int32())
    return pa.table(columns, schema=engine.SCHEMA)


def best(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    table = generate(args.households)
    print(f"generated {table.num_rows:,} households in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    digest = engine.snapshot_digest(table)
    digest_s = time.perf_counter() - start

    con = ibis.duckdb.connect()
    expr = engine.screen_expr(ibis.memtable(table), THRESHOLDS, ENABLED)
    ibis_s, ibis_rows = best(lambda: con.to_pyarrow(expr), args.repeat)

    raw = duckdb.connect()
    raw.register("snapshot", table)
    bound = THRESHOLDS["income_line"] * (1 + THRESHOLDS["margin_share"])
    sql = SQL.format(bound=bound, fall=THRESHOLDS["income_fall_share"], rigid=THRESHOLDS["rigid_share"])
    sql_s, sql_rows = best(lambda: raw.execute(sql).to_arrow_table(), args.repeat)

    cols = ["household_id", *[f"r_{c}" for c in ("income_low", "income_fall", "rigid_expense", "check_failed")]]
    assert ibis_rows.select(cols).to_pydict() == sql_rows.select(cols).to_pydict(), "Ibis and SQL disagree"
    n = ibis_rows.num_rows
    print(f"snapshot SM3 digest: {digest_s:.2f} s ({digest[:16]}…)")
    print("| households | flagged | Ibis on DuckDB s | hand-written DuckDB SQL s | Ibis / SQL |")
    print(f"| {table.num_rows:,} | {n:,} | {ibis_s:.3f} | {sql_s:.3f} | {ibis_s / sql_s:.2f} |")


if __name__ == "__main__":
    main()
