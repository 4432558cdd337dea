"""Benchmark: screening N households end to end on PostgreSQL + DuckDB, beside hand-written SQL, pandas, COPY and Spark.

In one run, on a scratch PostgreSQL database (``duikou_bench_screening``: created, migrated, seeded to county level
plus the townships and villages of 河南 (41), dropped at the end unless --keep):

  load       N synthetic households over the province's real village codes (ids in village order, as a registry
             numbers them), with income records for the year and the year before (the distributions of
             ``monitoring/demo.py``: log-normal per-capita income, 3 % income shocks, 8 % / 12 % with medical /
             education spending, 2 % without last year's record), check failures at demo.py's shares, and a small
             share with departmental signals (one member each, the only members generated) — all by COPY, not the ORM;
  snapshot   ``engine.snapshot()`` of the province's households (the scoped queryset the service builds), beside the
             raw read of the same statement into Arrow by ADBC (``adbc-driver-postgresql``, the binary COPY stream:
             execute, fetch the Arrow table, nothing else), best of --repeat taken in turns;
  rules      the five rules on that Arrow table: ``engine.evaluate`` (Ibis on DuckDB) vs the same rules as one
             hand-written DuckDB SQL query (both: connect, register the table, run, fetch Arrow, disconnect) vs pandas
             vectorised (money as integer cents, exact), best of --repeat taken in turns; and the fixed per-call cost
             on 1,000 rows;
  alerts     ``services.persist_alerts`` (the service's write step: open cases read and taken out set-based, the
             alerts explained column by column, ``COPY`` of Arrow-written CSV) vs a plain ``COPY`` of the very rows
             it wrote, ready-made as COPY text, into a scratch table with the same columns, indexes and foreign keys,
             into one with the indexes alerts had before (run and responsible indexed), and into one with the same
             indexes but no foreign keys (what their checks cost); all committed;
  end to end ``services.screen_households`` (snapshot → digest → rules → alerts), after the alerts above are removed;
  Spark      ``engine.evaluate(..., engine="spark")`` on the first --spark-households rows of the snapshot,
             with and without the session start-up (skipped with --spark-households 0).

Every side must flag the same households with the same rule flags, the alerts written end to end must carry the
same rules (all of them) and the same values as ``engine.explain()`` row by row (a sample of 20,000), and the raw
read must return the snapshot's households; the script exits non-zero if not, or if this process's peak memory
passes 8 GiB. The generator's shares are settings chosen to look like a rural registry, not statistics.

    .venv/bin/python bench/screening/run.py [--households N] [--spark-households N] [--repeat N] [--keep]
"""

import argparse
import datetime
import io
import os
import resource
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[2]
DB = "duikou_bench_screening"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PROVINCE, YEAR = "410000", 2025
CHUNK = 1_000_000  # households generated and copied at a time
# departmental signals a household has in a year (share of households), amounts log-normal (median 元, sigma)
SIGNAL_SHARES = {
    "hospital": 0.008,
    "disaster": 0.003,
    "disability": 0.001,
    "job_loss": 0.003,
    "education": 0.0005,
    "housing": 0.001,
    "water": 0.001,
}
SIGNAL_AMOUNTS = {"hospital": (6000, 0.9), "disaster": (5000, 1.0)}
NO_PREVIOUS_SHARE = 0.02  # households new to the registry: no record for last year
MEMORY_LIMIT_GIB = 8
# the alerts' reference tables: the alerts' own shape, the former one (run and responsible indexed), and the alerts'
# own without foreign keys (None)
SCRATCH_SHAPES = (("bench_alert_copy", False), ("bench_alert_old", True), ("bench_alert_nofk", None))


def fresh_database() -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.execute(f"CREATE DATABASE {DB}")


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")


# ---- the generator --------------------------------------------------------------------------------------------


def _csv(columns: dict) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(pa.table(columns), sink, write_options=pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


def _money(values: np.ndarray) -> pa.Array:
    return pa.array(np.round(np.maximum(values, 0), 2)).cast(pa.decimal128(14, 2))


def _copy(cursor, table: str, columns: list[str], data: bytes) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(data)


def generate(n: int, seed: int = 2026) -> dict:
    """N households with income records and signals, written by COPY; returns counts."""
    from django.db import connection

    from duikou.geo.models import Region
    from duikou.monitoring import demo
    from duikou.monitoring.models import DepartmentImport, DepartmentSignal, Household, IncomeRecord, Member

    villages = list(
        Region.objects.filter(level="village", code__startswith=PROVINCE[:2])
        .order_by("code")
        .values_list("code", "parent_id")
    )
    batches = {
        kind: DepartmentImport.objects.create(
            kind=kind, filename=f"BENCH-{kind}.csv", source_digest="0" * 64, status="loaded"
        ).pk
        for kind in SIGNAL_SHARES
    }
    rng = np.random.default_rng(seed)
    # households per village: ids in village order, numbered within their village
    village_of = np.sort(rng.integers(0, len(villages), n))
    codes = np.array([v for v, _t in villages], dtype=object)
    parents = np.array([t for _v, t in villages], dtype=object)
    first_in_village = np.searchsorted(village_of, village_of, side="left")
    now = "2026-01-01 00:00:00+00"
    checks = dict(demo.CHECK_FAIL_SHARE)
    weights = np.array(demo.PERSONS_WEIGHTS) / sum(demo.PERSONS_WEIGHTS)
    counts = {"households": 0, "incomes": 0, "members": 0, "signals": 0}
    h_cols = ["id", "township_id", "village_id", "number", "head_name", "address", "category", *Household.CHECKS]
    h_cols += ["pending", "social_assistance", "version", "created", "updated"]
    i_cols = ["id", "household_id", "year", "period_kind", "period", "persons", "net_income", "wage_income"]
    i_cols += ["business_income"]
    i_cols += ["transfer_income", "property_income", "medical_expense", "education_expense", "version"]
    m_cols = ["id", "household_id", "name", "relation", "id_number_enc", "id_number_digest", "id_number_masked"]
    m_cols += ["phone_digest", "phone_masked", "version"]
    s_cols = ["id", "member_id", "household_id", "kind", "date", "amount", "note", "source_digest", "batch_id"]
    s_cols += ["created"]
    tables = {m: m._meta.db_table for m in (Household, IncomeRecord, Member, DepartmentSignal)}
    income_id = member_id = signal_id = 0
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("SET session_replication_role = replica")  # foreign keys are right by construction
        for start in range(0, n, CHUNK):
            m = min(CHUNK, n - start)
            ids = np.arange(start + 1, start + m + 1)
            vill = village_of[start : start + m]
            household = {
                "id": ids,
                "township_id": parents[vill],
                "village_id": codes[vill],
                "number": [f"B{x:07d}" for x in (np.arange(start, start + m) - first_in_village[start : start + m])],
                "head_name": np.full(m, "合成户主", dtype=object),
                "address": np.full(m, demo.DEMO_ADDRESS, dtype=object),
                "category": np.full(m, "", dtype=object),
                **{name: rng.random(m) >= share for name, share in checks.items()},
                "pending": np.zeros(m, dtype=bool),
                "social_assistance": np.zeros(m, dtype=bool),
                "version": np.ones(m, dtype=np.int32),
                "created": np.full(m, now, dtype=object),
                "updated": np.full(m, now, dtype=object),
            }
            _copy(cursor, tables[Household], h_cols, _csv({c: household[c] for c in h_cols}))
            # incomes: demo.py's distributions, vectorised
            persons = rng.choice(np.array(demo.PERSONS), m, p=weights)
            per_capita = rng.lognormal(np.log(demo.INCOME_MEDIAN), demo.INCOME_SIGMA, m)
            previous = per_capita / (1 + rng.normal(0.06, 0.08, m))
            shock = rng.random(m) < demo.INCOME_SHOCK_SHARE
            per_capita = np.where(shock, per_capita * rng.uniform(0.35, 0.65, m), per_capita)
            has_previous = rng.random(m) >= NO_PREVIOUS_SHARE
            for year, pc_values, keep in ((YEAR - 1, previous, has_previous), (YEAR, per_capita, np.ones(m, bool))):
                k = int(keep.sum())
                net = (pc_values * persons)[keep]
                wage, business, prop = rng.uniform(0.45, 0.7, k), rng.uniform(0.1, 0.3, k), rng.uniform(0, 0.05, k)
                medical = np.where(rng.random(k) < demo.MEDICAL_SHARE, rng.lognormal(np.log(6000), 0.8, k), 0)
                education = np.where(rng.random(k) < demo.EDUCATION_SHARE, rng.lognormal(np.log(2500), 0.6, k), 0)
                income = {
                    "id": np.arange(income_id + 1, income_id + k + 1),
                    "household_id": ids[keep],
                    "year": np.full(k, year, dtype=np.int32),
                    "period_kind": np.full(k, "year", dtype=object),
                    "period": np.zeros(k, dtype=np.int32),
                    "persons": persons[keep],
                    "net_income": _money(net),
                    "wage_income": _money(net * wage),
                    "business_income": _money(net * business),
                    "transfer_income": _money(net * np.maximum(0, 1 - wage - business - prop)),
                    "property_income": _money(net * prop),
                    "medical_expense": _money(medical),
                    "education_expense": _money(education),
                    "version": np.ones(k, dtype=np.int32),
                }
                income_id += k
                _copy(cursor, tables[IncomeRecord], i_cols, _csv(income))
            # departmental signals, with one member for each household that has any
            kinds = {kind: rng.random(m) < share for kind, share in SIGNAL_SHARES.items()}
            any_signal = np.logical_or.reduce(list(kinds.values()))
            k = int(any_signal.sum())
            member_of = np.zeros(m, dtype=np.int64)
            member_of[any_signal] = np.arange(member_id + 1, member_id + k + 1)
            member = {
                "id": member_of[any_signal],
                "household_id": ids[any_signal],
                "name": np.full(k, "合成成员", dtype=object),
                "relation": np.full(k, "户主", dtype=object),
                "id_number_enc": np.full(k, "\\x00", dtype=object),
                "id_number_digest": [f"bench-{x:058d}" for x in ids[any_signal]],
                "id_number_masked": np.full(k, "BENCH", dtype=object),
                "phone_digest": np.full(k, "", dtype=object),
                "phone_masked": np.full(k, "", dtype=object),
                "version": np.ones(k, dtype=np.int32),
            }
            member_id += k
            _copy(cursor, tables[Member], m_cols, _csv(member))
            counts["members"] += k
            for kind, has in kinds.items():
                # one report each, a fifth of them dated last year (outside the screened year)
                j = int(has.sum())
                days = rng.integers(0, 365, j)
                last_year = rng.random(j) < 0.2
                dates = np.datetime64(f"{YEAR}-01-01") + days - np.where(last_year, 365, 0)
                amount = None
                if kind in SIGNAL_AMOUNTS:
                    median, sigma = SIGNAL_AMOUNTS[kind]
                    amount = _money(rng.lognormal(np.log(median), sigma, j))
                signal = {
                    "id": np.arange(signal_id + 1, signal_id + j + 1),
                    "member_id": member_of[has],
                    "household_id": ids[has],
                    "kind": np.full(j, kind, dtype=object),
                    "date": pa.array(dates.astype("datetime64[D]")),
                    "amount": amount if amount is not None else pa.nulls(j, pa.decimal128(14, 2)),
                    "note": np.full(j, "", dtype=object),
                    "source_digest": np.full(j, "0" * 64, dtype=object),
                    "batch_id": np.full(j, batches[kind]),
                    "created": np.full(j, now, dtype=object),
                }
                signal_id += j
                _copy(cursor, tables[DepartmentSignal], s_cols, _csv(signal))
            counts["households"] += m
            print(f"  loaded {start + m:,} households", flush=True)
        cursor.execute("SET session_replication_role = origin")
        for model, last in (
            (Household, n),
            (IncomeRecord, income_id),
            (Member, member_id),
            (DepartmentSignal, signal_id),
        ):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {max(last, 1)})")
        for table in tables.values():
            cursor.execute(f"VACUUM (ANALYZE) {table}")  # hint bits set, as in a registry at rest
    counts.update(incomes=income_id, signals=signal_id)
    return counts


# ---- the reference sides --------------------------------------------------------------------------------------

CODES = ("income_low", "income_fall", "rigid_expense", "check_failed", "department_signal")


def sql_rules(thresholds: dict) -> str:
    """The five rules as one hand-written DuckDB query over ``snapshot``, returning what the Ibis side returns."""
    from duikou.monitoring import engine
    from duikou.monitoring.models import Household

    t = {k: Decimal(v) for k, v in thresholds.items()}
    bound = t["income_line"] * (1 + t["margin_share"])
    counts = " OR ".join(f"{c} > 0" for c, (_k, amount) in engine.SIGNALS.items() if not amount)
    return f"""
        WITH f AS (
            SELECT *,
                coalesce(net_income < {bound} * persons, false) AS r_income_low,
                coalesce(prev_net_income > 0
                         AND prev_net_income - net_income > {t["income_fall_share"]} * prev_net_income, false)
                    AS r_income_fall,
                coalesce(rigid_expense > 0 AND rigid_expense > {t["rigid_share"]} * net_income, false)
                    AS r_rigid_expense,
                coalesce(NOT ({" AND ".join(Household.CHECKS)}), false) AS r_check_failed,
                coalesce(sig_hospital >= {t["hospital_oop"]} OR sig_disaster >= {t["disaster_loss"]} OR {counts},
                         false) AS r_department_signal
            FROM snapshot
        )
        SELECT *, {bound} AS income_bound FROM f
        WHERE r_income_low OR r_income_fall OR r_rigid_expense OR r_check_failed OR r_department_signal
        ORDER BY household_id"""


def run_sql(table: pa.Table, sql: str) -> pa.Table:
    import duckdb

    con = duckdb.connect()
    try:
        con.register("snapshot", table)
        return con.execute(sql).to_arrow_table()
    finally:
        con.close()


def run_pandas(table: pa.Table, thresholds: dict):
    """The five rules in pandas, vectorised; money as int64 cents and thresholds as exact fractions."""
    import pandas as pd

    from duikou.monitoring import engine
    from duikou.monitoring.models import Household

    df = pd.DataFrame({"household_id": table["household_id"].to_numpy()})
    for name in ("net_income", "prev_net_income", "rigid_expense", "sig_hospital", "sig_disaster"):
        column = table[name]
        df[name] = pc.cast(pc.multiply(pc.fill_null(column, 0), pa.scalar(100)), pa.int64()).to_numpy()
        df[f"{name}_ok"] = pc.is_valid(column).to_numpy(zero_copy_only=False)
    df["persons"] = pc.fill_null(table["persons"], 0).to_numpy()
    for name in (*Household.CHECKS, *[c for c, (_k, amount) in engine.SIGNALS.items() if not amount]):
        df[name] = table[name].to_numpy(zero_copy_only=False)

    def ratio(key):
        f = Fraction(Decimal(thresholds[key]))
        return f.numerator, f.denominator

    t = {k: Decimal(v) for k, v in thresholds.items()}
    bound = Fraction(t["income_line"] * (1 + t["margin_share"]) * 100)  # cents a person
    fall_n, fall_d = ratio("income_fall_share")
    rigid_n, rigid_d = ratio("rigid_share")
    hosp, disaster = int(t["hospital_oop"] * 100), int(t["disaster_loss"] * 100)
    net, prev, rigid = df.net_income, df.prev_net_income, df.rigid_expense
    flags = pd.DataFrame({"household_id": df.household_id})
    flags["r_income_low"] = (
        df.net_income_ok & df.persons.gt(0) & (net * bound.denominator < bound.numerator * df.persons)
    )
    flags["r_income_fall"] = (
        df.net_income_ok & df.prev_net_income_ok & (prev > 0) & ((prev - net) * fall_d > fall_n * prev)
    )
    flags["r_rigid_expense"] = df.net_income_ok & df.rigid_expense_ok & (rigid > 0) & (rigid * rigid_d > rigid_n * net)
    flags["r_check_failed"] = ~df[list(Household.CHECKS)].all(axis=1)
    counted = [c for c, (_k, amount) in engine.SIGNALS.items() if not amount]
    flags["r_department_signal"] = (
        (df.sig_hospital >= hosp) | (df.sig_disaster >= disaster) | df[counted].gt(0).any(axis=1)
    )
    fired = flags[[f"r_{c}" for c in CODES]].any(axis=1)
    return flags[fired].reset_index(drop=True)


def flags_of(result) -> dict:
    """household ids and rule flags as numpy arrays, from an Arrow table or a pandas frame."""
    names = ["household_id", *[f"r_{c}" for c in CODES]]
    if isinstance(result, pa.Table):
        return {name: result[name].to_numpy(zero_copy_only=False) for name in names}
    return {name: result[name].to_numpy() for name in names}


def same(a: dict, b: dict) -> bool:
    return all(len(a[k]) == len(b[k]) and bool(np.array_equal(a[k], b[k])) for k in a)


def best(fn, repeat: int):
    return best_of({"only": fn}, repeat)["only"]


def best_of(sides: dict, repeat: int) -> dict:
    """Each side's best time of ``repeat`` and its last result; the sides take turns, so that a burst of other work
    on the shared machine falls on all of them rather than on one."""
    times = {name: [] for name in sides}
    results = {}
    for _ in range(repeat):
        for name, fn in sides.items():
            started = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - started)
    return {name: (min(times[name]), results[name]) for name in sides}


def peak_rss_gib() -> tuple[float, float]:
    """This process's peak resident memory, and that of its children still running (the Spark JVM), in GiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

    def below(pid: int) -> float:
        total = 0.0
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                status = Path(f"/proc/{child}/status").read_text().splitlines()
                total += sum(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 2**20
                total += below(int(child))
        return total

    return own, below(os.getpid())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000_000)
    parser.add_argument("--spark-households", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    fresh_database()
    os.environ["DUIKOU_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duikou.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from auditlog.models import LogEntry
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from duikou.accounts import scoping
    from duikou.core.actors import Operator
    from duikou.geo.models import Region
    from duikou.geo.services import load_regions_under
    from duikou.monitoring import engine, services
    from duikou.monitoring.models import Alert, Household, RuleSet, ScreeningRun
    from duikou.seeding import seed_reference_data

    try:
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        seed_reference_data(levels=["province", "prefecture", "county"])
        load_regions_under(PROVINCE[:2])
        setup_s = time.perf_counter() - started
        started = time.perf_counter()
        counts = generate(args.households)
        load_s = time.perf_counter() - started
        print(
            f"set-up {setup_s:.0f} s; loaded {counts['households']:,} households, {counts['incomes']:,} income "
            f"records, {counts['members']:,} members, {counts['signals']:,} signals by COPY in {load_s:.0f} s"
        )
        user = Operator()
        ruleset = services.create_ruleset(user=user, province=Region.objects.get(code=PROVINCE), year=YEAR)
        thresholds = ruleset.values()
        enabled = set(ruleset.rules.filter(enabled=True).values_list("code", flat=True))
        households = scoping.scope(user, Household, scoping.Action.CHANGE).filter(
            village__code__startswith=ruleset.province.prefix
        )
        figures = {}

        # snapshot, beside the raw ADBC read of the same statement
        sql_text, sql_params = engine._snapshot_sql(households, YEAR, connection)
        statement = connection.ops.compose_sql(sql_text, sql_params)
        sides = {"snapshot": lambda: engine.snapshot(households, YEAR), "raw": lambda: raw_read(statement)}
        (figures["snapshot"], table), (figures["raw"], raw_rows) = best_of(sides, args.repeat).values()
        agree = {"raw read": bool(np.array_equal(raw_rows, table["household_id"].to_numpy()))}
        del raw_rows
        started = time.perf_counter()
        engine.snapshot_digest(table)
        figures["digest"] = time.perf_counter() - started
        print(
            f"snapshot {table.num_rows:,} rows in {figures['snapshot']:.1f} s ({table.nbytes / 2**30:.2f} GiB); "
            f"raw ADBC read {figures['raw']:.1f} s"
        )

        # rules: Ibis vs SQL vs pandas, and the fixed cost per call
        sql = sql_rules(thresholds)
        sides = {
            "ibis": lambda: engine.evaluate(table, thresholds, enabled),
            "sql": lambda: run_sql(table, sql),
            "pandas": lambda: run_pandas(table, thresholds),
        }
        results = best_of(sides, args.repeat)
        (figures["ibis"], flagged), (figures["sql"], by_sql), (figures["pandas"], by_pandas) = results.values()
        small = table.slice(0, 1000)
        sides = {"ibis": lambda: engine.evaluate(small, thresholds, enabled), "sql": lambda: run_sql(small, sql)}
        (figures["ibis_small"], _), (figures["sql_small"], _) = best_of(sides, 10).values()
        reference = flags_of(flagged)
        agree |= {"SQL": same(reference, flags_of(by_sql)), "pandas": same(reference, flags_of(by_pandas))}
        print(f"rules: flagged {flagged.num_rows:,}; Ibis {figures['ibis']:.2f} s, SQL {figures['sql']:.2f} s")

        # alerts: the service's write step vs COPY of the same rows
        deadline = timezone.localdate() + datetime.timedelta(days=services.verify_days(ruleset))

        class Undo(Exception):
            pass

        # untimed, rolled back: the first write after the load is the first to lock the flagged households for the
        # foreign-key checks, which also clears their pages' all-visible marks left by VACUUM; every timed write
        # below (ours and the references) then finds the households as a registry in use has them
        try:
            with transaction.atomic():
                warm = ScreeningRun.objects.create(
                    ruleset=ruleset, ruleset_version=1, year=YEAR, engine="duckdb", snapshot_digest="bench",
                    households=table.num_rows, flagged=flagged.num_rows, started_by="bench",
                )  # fmt: skip
                services.persist_alerts(
                    run=warm, flagged=flagged, households=households, thresholds=thresholds, deadline=deadline
                )
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks run now, not at commit
                raise Undo
        except Undo:
            pass
        logged_before = LogEntry.objects.count()
        started = time.perf_counter()
        with transaction.atomic():
            run = ScreeningRun.objects.create(
                ruleset=ruleset, ruleset_version=1, year=YEAR, engine="duckdb", snapshot_digest="bench",
                households=table.num_rows, flagged=flagged.num_rows, started_by="bench",
            )  # fmt: skip
            written = services.persist_alerts(
                run=run, flagged=flagged, households=households, thresholds=thresholds, deadline=deadline
            )
        figures["persist"] = time.perf_counter() - started
        audit_rows = LogEntry.objects.count() - logged_before
        started = time.perf_counter()
        engine.explain_columns(flagged, thresholds)  # what persist_alerts does before its COPY
        figures["explain"] = time.perf_counter() - started
        started = time.perf_counter()
        for batch in flagged.to_batches(max_chunksize=10000):
            for row in batch.to_pylist():
                engine.explain(row, thresholds)
        figures["explain_rows"] = time.perf_counter() - started
        fields = [f for f in Alert._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        alert_table = Alert._meta.db_table
        with connection.cursor() as cursor:
            # the very rows written, as COPY text, ready-made: the reference is the database's own COPY
            text = io.BytesIO()
            query = f"SELECT {columns} FROM {alert_table} WHERE run_id = {int(run.pk)} ORDER BY id"
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
                for piece in copy:
                    text.write(piece)
            for scratch, old_shape in SCRATCH_SHAPES:
                cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
                cursor.execute(f"CREATE TABLE {scratch} (LIKE {alert_table} INCLUDING ALL)")
                foreign = (("household_id", Household), ("run_id", ScreeningRun), ("ruleset_id", RuleSet))
                for column, target in foreign if old_shape is not None else ():
                    cursor.execute(
                        f"ALTER TABLE {scratch} ADD FOREIGN KEY ({column}) REFERENCES {target._meta.db_table} (id)"
                        " DEFERRABLE INITIALLY DEFERRED"
                    )
                if old_shape:  # the indexes alerts had before: run, and responsible on every row
                    cursor.execute(f"CREATE INDEX ON {scratch} (run_id)")
                    cursor.execute(f"CREATE INDEX ON {scratch} (responsible_id)")
        for scratch, key in zip([t for t, _shape in SCRATCH_SHAPES], ("copy", "copy_old", "nofk"), strict=True):
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {scratch} ({columns}) FROM STDIN") as copy:
                    copy.write(text.getbuffer())
            figures[key] = time.perf_counter() - started
        del text
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_alert_copy")
            cursor.execute("DROP TABLE bench_alert_old")
            cursor.execute("DROP TABLE bench_alert_nofk")
            cursor.execute(f"TRUNCATE {alert_table} CASCADE")
        print(f"alerts: {written:,} written in {figures['persist']:.1f} s; plain COPY {figures['copy']:.1f} s")

        # end to end
        marks = {}

        def progress(done, total=None, message=""):
            marks.setdefault(message, time.perf_counter())

        started = time.perf_counter()
        end_run = services.screen_households(user=user, ruleset=ruleset, progress=progress)
        finished = time.perf_counter()
        figures["e2e"] = finished - started
        ruling = next(t for message, t in marks.items() if message.startswith("规则计算"))
        figures["e2e_snapshot"] = ruling - started
        writing = next(t for message, t in marks.items() if message.startswith("写入预警"))
        figures["e2e_rules"] = writing - ruling
        figures["e2e_alerts"] = finished - writing
        e2e_ok = end_run.flagged == flagged.num_rows and end_run.alerts_created == flagged.num_rows
        e2e_ok = e2e_ok and alerts_agree(flagged, thresholds, Alert)
        print(f"end to end: {end_run.households:,} screened, {end_run.alerts_created:,} alerts, {figures['e2e']:.1f} s")

        part = table.slice(0, min(args.spark_households, table.num_rows))
        if part.num_rows:  # Spark on the first households of the same snapshot
            last_id = part["household_id"][-1].as_py()
            in_part = flagged.filter(pc.less_equal(flagged["household_id"], last_id))
            started = time.perf_counter()
            engine.spark_backend()
            figures["spark_start"] = time.perf_counter() - started
            started = time.perf_counter()
            by_spark = engine.evaluate(part, thresholds, enabled, engine="spark")
            figures["spark_first"] = time.perf_counter() - started
            figures["spark"], again = best(lambda: engine.evaluate(part, thresholds, enabled, engine="spark"), 2)
            figures["ibis_part"], _ = best(lambda: engine.evaluate(part, thresholds, enabled), args.repeat)
            agree["Spark"] = same(flags_of(in_part), flags_of(by_spark)) and same(flags_of(in_part), flags_of(again))
        own_rss, child_rss = peak_rss_gib()
    finally:
        if not args.keep:
            drop_database()
    agree["end to end"] = e2e_ok
    report(args, figures, table.num_rows, flagged.num_rows, written, part.num_rows, (own_rss, child_rss))
    print(f"audit entries written by alert persistence: {audit_rows}")
    print(
        "agreement (flagged set, rule flags, alerts' rules and values, raw read's households): "
        + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in agree.items())
    )
    if not all(agree.values()):
        raise SystemExit("the sides disagree")
    if own_rss > MEMORY_LIMIT_GIB:
        raise SystemExit(f"peak memory {own_rss:.2f} GiB passes {MEMORY_LIMIT_GIB} GiB")


def raw_read(statement: str) -> list:
    """The reference read: the snapshot's statement through ADBC into an Arrow table (the binary COPY stream), with
    nothing done to it; returns its household ids (to check) once the time is taken."""
    import adbc_driver_postgresql.dbapi
    from django.db import connection

    from duikou.core import arrow

    with adbc_driver_postgresql.dbapi.connect(arrow.postgres_uri(connection)) as con, con.cursor() as cursor:
        cursor.execute(statement)
        raw = cursor.fetch_arrow_table()
    return raw.column(0).to_numpy()


def alerts_agree(flagged: pa.Table, thresholds: dict, Alert, sample: int = 20_000) -> bool:
    """The alerts written end to end are the flagged households, each with the rules that fired for it (all of them)
    and, on an even sample, the values ``engine.explain()`` gives row by row."""
    import json

    from django.db import connection

    from duikou.monitoring import engine

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT household_id, rules::text FROM {Alert._meta.db_table} ORDER BY household_id")
        written = cursor.fetchall()
    ids = flagged["household_id"].to_pylist()
    if [h for h, _r in written] != ids:
        return False
    flags = {code: flagged[f"r_{code}"].to_pylist() for code in CODES}
    expected = [[code for code in CODES if flags[code][i]] for i in range(len(ids))]
    if any(json.loads(text) != fired for (_h, text), fired in zip(written, expected, strict=True)):
        return False
    step = max(1, len(ids) // sample)
    picked = flagged.take(pa.array(range(0, len(ids), step)))
    by_household = dict(Alert.objects.filter(household_id__in=picked["household_id"].to_pylist()).values_list(
        "household_id", "values"
    ))  # fmt: skip
    return all(
        by_household[row["household_id"]] == json.loads(json.dumps(engine.explain(row, thresholds)[1]))
        for row in picked.to_pylist()
    )


def report(args, figures: dict, n: int, f: int, written: int, spark_rows: int, rss: tuple[float, float]) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(f"households screened {n:,}; flagged {f:,}; load average at end: {load}")
    print("| step | rows | seconds | rows/s | beside | ratio |")
    print("|---|--:|--:|--:|---|--:|")
    print(f"| snapshot from PostgreSQL (`engine.snapshot`), best of {args.repeat} | {n:,} | "
          f"{figures['snapshot']:.2f} | {n / figures['snapshot']:,.0f} | raw ADBC read of the same statement "
          f"{figures['raw']:.2f} s | **{figures['raw'] / figures['snapshot']:.2f}** of its speed |")  # fmt: skip
    print(f"| snapshot SM3 digest | {n:,} | {figures['digest']:.2f} | | | |")
    print(f"| rules: Ibis on DuckDB, best of {args.repeat} | {n:,} | {figures['ibis']:.3f} | "
          f"{n / figures['ibis']:,.0f} | hand-written DuckDB SQL {figures['sql']:.3f} s | "
          f"**{figures['ibis'] / figures['sql']:.2f}×** |")  # fmt: skip
    print(f"| rules: pandas vectorised, best of {args.repeat} | {n:,} | {figures['pandas']:.3f} | "
          f"{n / figures['pandas']:,.0f} | Ibis {figures['ibis']:.3f} s | "
          f"{figures['pandas'] / figures['ibis']:.2f}× |")  # fmt: skip
    print(f"| rules on 1,000 rows (fixed cost a call), best of 10 | 1,000 | {figures['ibis_small']:.3f} | | "
          f"SQL {figures['sql_small']:.3f} s | {figures['ibis_small'] / figures['sql_small']:.2f}× |")  # fmt: skip
    print(f"| alerts: `persist_alerts` (explain + COPY, committed) | {written:,} | {figures['persist']:.2f} | "
          f"{written / figures['persist']:,.0f} | plain COPY of the same rows, ready-made {figures['copy']:.2f} s "
          f"({written / figures['copy']:,.0f} rows/s); into the former indexes {figures['copy_old']:.2f} s; "
          f"into the same indexes without foreign keys {figures['nofk']:.2f} s | "
          f"**{figures['copy'] / figures['persist']:.2f}** of COPY's speed |")  # fmt: skip
    print(
        f"| of which explaining the flagged rows column by column (`explain_columns`) | {f:,} | "
        f"{figures['explain']:.2f} | | row by row (`explain`) {figures['explain_rows']:.2f} s | |"
    )
    print(f"| end to end `screen_households` (snapshot → rules → alerts) | {n:,} | {figures['e2e']:.2f} | "
          f"{n / figures['e2e']:,.0f} | of which snapshot + digest {figures['e2e_snapshot']:.2f} s, "
          f"rules {figures['e2e_rules']:.2f} s, alerts {figures['e2e_alerts']:.2f} s | |")  # fmt: skip
    if spark_rows:
        print(f"| Spark (local[2]) on the first {spark_rows:,}, warm, best of 2 | {spark_rows:,} | "
              f"{figures['spark']:.2f} | {spark_rows / figures['spark']:,.0f} | "
              f"Ibis on DuckDB {figures['ibis_part']:.3f} s | "
              f"{figures['spark'] / figures['ibis_part']:.1f}× |")  # fmt: skip
        print(f"| Spark with session start-up ({figures['spark_start']:.1f} s) + first call | {spark_rows:,} | "
              f"{figures['spark_start'] + figures['spark_first']:.2f} | | | |")  # fmt: skip
    print(f"peak RSS: this process {rss[0]:.2f} GiB, Spark JVM {rss[1]:.2f} GiB (machine: 24 GiB)")


if __name__ == "__main__":
    main()
