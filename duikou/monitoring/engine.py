"""The screening rules, written once as an Ibis expression, run over a columnar snapshot of the registry.

``snapshot()`` turns the households in scope, their income records for a year (and the year before) and the
departmental signals of that year into one Arrow table; ``screen_expr()`` is the rules; ``evaluate()`` runs them on
an engine (DuckDB in-process by default, PostgreSQL, or Apache Spark in local mode). Everything an engine sees is in
the snapshot and every rule is an Ibis expression, so each backend needs only its connection here. Comparisons are
multiplicative and in decimals (``net < line × (1+margin) × persons`` rather than a per-capita division), so a
household built to just miss a threshold is never flagged by rounding.
"""

import datetime
import io
import os
import tempfile
import threading
import uuid
from decimal import Decimal

import ibis
import pyarrow as pa
from ibis import _

from duikou.core.digests import sm3_hex

from .models import DepartmentSignal, Household, IncomeRecord, Rule, Threshold

MONEY = pa.decimal128(14, 2)
# one column per kind of departmental signal in the year: the amount summed (住院自付、灾害损失) or the count
SIGNALS = {f"sig_{kind}": (kind, kind in DepartmentSignal.AMOUNT_KINDS) for kind in DepartmentSignal.Kind.values}
SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("persons", pa.int32()),
        ("net_income", MONEY),
        ("prev_net_income", MONEY),
        ("rigid_expense", MONEY),
        *[(check, pa.bool_()) for check in Household.CHECKS],
        *[(column, MONEY if amount else pa.int32()) for column, (_kind, amount) in SIGNALS.items()],
    ]
)
ENGINES = ("duckdb", "postgres", "spark")
# local mode on this machine only: two cores, a small driver, no web UI, bound to the loopback; the jars ship in the
# pyspark wheel and nothing is fetched (no spark.jars.packages, so Ivy/Maven are never consulted)
SPARK_CONF = {
    "spark.master": "local[2]",
    "spark.app.name": "duikou-screening",
    "spark.driver.memory": "1g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.warehouse.dir": os.path.join(tempfile.gettempdir(), "duikou-spark-warehouse"),
}
_spark = None
_spark_lock = threading.Lock()


def _signals(part: list[int], year: int) -> dict[int, dict[str, object]]:
    """Per household, the year's departmental signals by kind: the amount summed, or the count."""
    from django.db.models import Count, Sum

    out: dict[int, dict[str, object]] = {}
    rows = (
        DepartmentSignal.objects.filter(
            household_id__in=part, date__gte=datetime.date(year, 1, 1), date__lt=datetime.date(year + 1, 1, 1)
        )
        .values("household_id", "kind")
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by()
    )
    for row in rows:
        amount = row["kind"] in DepartmentSignal.AMOUNT_KINDS
        out.setdefault(row["household_id"], {})[row["kind"]] = (row["total"] or Decimal(0)) if amount else row["n"]
    return out


def snapshot(households, year: int, *, chunk: int = 20000, progress=None) -> pa.Table:
    """One row per household with an income record for ``year`` or a departmental signal dated in it (a household
    without either has nothing to screen; one with signals only is screened on them and its checks)."""
    with_income = households.filter(incomes__year=year).values_list("pk", flat=True)
    with_signal = households.filter(
        signals__date__gte=datetime.date(year, 1, 1), signals__date__lt=datetime.date(year + 1, 1, 1)
    ).values_list("pk", flat=True)
    ids = sorted(set(with_income) | set(with_signal))
    columns = {name: [] for name in SCHEMA.names}
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        current = {
            r[0]: r[1:]
            for r in IncomeRecord.objects.filter(household_id__in=part, year=year).values_list(
                "household_id", "persons", "net_income", "medical_expense", "education_expense"
            )
        }
        previous = dict(
            IncomeRecord.objects.filter(household_id__in=part, year=year - 1).values_list("household_id", "net_income")
        )
        checks = {r[0]: r[1:] for r in Household.objects.filter(pk__in=part).values_list("pk", *Household.CHECKS)}
        signals = _signals(part, year)
        for pk in part:
            persons, net, medical, education = current.get(pk, (None, None, None, None))
            columns["household_id"].append(pk)
            columns["persons"].append(persons)
            columns["net_income"].append(net)
            columns["prev_net_income"].append(previous.get(pk))
            columns["rigid_expense"].append(None if medical is None else medical + education)
            for name, value in zip(Household.CHECKS, checks[pk], strict=True):
                columns[name].append(value)
            mine = signals.get(pk, {})
            for column, (kind, amount) in SIGNALS.items():
                columns[column].append(mine.get(kind, Decimal(0) if amount else 0))
        if progress:
            progress(min(start + chunk, len(ids)), len(ids), "生成数据快照")
    return pa.table(columns, schema=SCHEMA)


def snapshot_digest(table: pa.Table) -> str:
    """SM3 of the snapshot's Arrow IPC bytes: the run names exactly the data it screened."""
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sm3_hex(sink.getvalue())


def _dec(value) -> ibis.expr.types.Value:
    return ibis.literal(Decimal(value), type="decimal(18,4)")


def screen_expr(t, thresholds: dict, enabled: set[str]):
    """The rules: each flag column is one rule; only households for which at least one enabled rule fires."""
    line, margin = _dec(thresholds["income_line"]), _dec(thresholds["margin_share"])
    fall, rigid = _dec(thresholds["income_fall_share"]), _dec(thresholds["rigid_share"])
    bound = line * (_dec(1) + margin)
    checks_ok = t[Household.CHECKS[0]]
    for check in Household.CHECKS[1:]:
        checks_ok = checks_ok & t[check]
    flags = {
        Rule.Code.INCOME_LOW.value: t.net_income < bound * t.persons,
        Rule.Code.INCOME_FALL.value: t.prev_net_income.notnull()
        & (t.prev_net_income > 0)
        & ((t.prev_net_income - t.net_income) > fall * t.prev_net_income),
        Rule.Code.RIGID_EXPENSE.value: (t.rigid_expense > 0) & (t.rigid_expense > rigid * t.net_income),
        Rule.Code.CHECK_FAILED.value: ~checks_ok,
    }
    if Rule.Code.DEPARTMENT_SIGNAL in enabled:
        flags[Rule.Code.DEPARTMENT_SIGNAL.value] = signal_expr(t, thresholds)
    flags = {code: expr.fill_null(False) for code, expr in flags.items() if code in enabled}
    if not flags:
        return t.select("household_id").limit(0)
    any_fired = ibis.literal(False)
    for expr in flags.values():
        any_fired = any_fired | expr
    return (
        t.mutate(**{f"r_{code}": expr for code, expr in flags.items()}, income_bound=bound)
        .filter(any_fired)
        .order_by(_.household_id)
    )


def signal_expr(t, thresholds: dict):
    """Departmental signals of the year: hospitalisation out-of-pocket cost or disaster loss at or above its line,
    or any report of disability, loss of work, or an education, housing or drinking-water problem."""
    fired = (t.sig_hospital >= _dec(thresholds[Threshold.Key.HOSPITAL_OOP])) | (
        t.sig_disaster >= _dec(thresholds[Threshold.Key.DISASTER_LOSS])
    )
    for column, (_kind, amount) in SIGNALS.items():
        if not amount:
            fired = fired | (t[column] > 0)
    return fired


def evaluate(table: pa.Table, thresholds: dict, enabled: set[str], *, engine: str = "duckdb", pg_url: str = ""):
    """Run the rules on ``engine`` and return the flagged rows as a list of dicts."""
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        t = ibis.memtable(table)
    elif engine == "postgres":
        con = ibis.connect(pg_url)
        t = con.create_table("duikou_screening_snapshot", table, temp=True, overwrite=True)
    elif engine == "spark":
        return _evaluate_spark(table, thresholds, enabled)
    else:
        raise ValueError(f"unknown engine {engine}")
    try:
        return con.to_pyarrow(screen_expr(t, thresholds, enabled)).to_pylist()
    finally:
        con.disconnect()


def spark_backend():
    """This process's one local SparkSession and its Ibis connection, started on first use (the JVM takes seconds)
    and kept for later runs."""
    global _spark
    with _spark_lock:
        if _spark is None:
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            from pyspark.sql import SparkSession

            builder = SparkSession.builder
            for key, value in SPARK_CONF.items():
                builder = builder.config(key, value)
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("ERROR")
            _spark = (session, ibis.pyspark.connect(session))
        return _spark


def _evaluate_spark(table: pa.Table, thresholds: dict, enabled: set[str]) -> list[dict]:
    """The snapshot goes to Spark as Arrow and the result comes back as Arrow (Ibis's pyspark memtable and
    ``to_pyarrow`` go through pandas, which loses null decimals), under a view name of its own so concurrent runs do
    not meet; the session stays for the next run."""
    session, con = spark_backend()
    name = f"duikou_snapshot_{uuid.uuid4().hex}"
    session.createDataFrame(table).createOrReplaceTempView(name)
    try:
        sql = con.compile(screen_expr(con.table(name), thresholds, enabled))
        return session.sql(sql).toArrow().to_pylist()
    finally:
        session.catalog.dropTempView(name)


def explain(row: dict, thresholds: dict) -> tuple[list[str], dict]:
    """The rules that fired for one flagged row and the values that made them fire (JSON-ready strings)."""
    fired = [code for code in Rule.Code.values if row.get(f"r_{code}")]
    values: dict = {}
    money = lambda v: None if v is None else str(Decimal(v).quantize(Decimal("0.01")))  # noqa: E731
    if Rule.Code.INCOME_LOW in fired:
        values[Rule.Code.INCOME_LOW] = {
            "per_capita": money(Decimal(row["net_income"]) / row["persons"]),
            "bound": money(row["income_bound"]),
            "income_line": str(thresholds["income_line"]),
        }
    if Rule.Code.INCOME_FALL in fired:
        prev, now = Decimal(row["prev_net_income"]), Decimal(row["net_income"])
        values[Rule.Code.INCOME_FALL] = {
            "previous": money(prev),
            "current": money(now),
            "fall_share": str(((prev - now) / prev).quantize(Decimal("0.0001"))),
            "threshold": str(thresholds["income_fall_share"]),
        }
    if Rule.Code.RIGID_EXPENSE in fired:
        values[Rule.Code.RIGID_EXPENSE] = {
            "rigid_expense": money(row["rigid_expense"]),
            "net_income": money(row["net_income"]),
            "threshold": str(thresholds["rigid_share"]),
        }
    if Rule.Code.CHECK_FAILED in fired:
        values[Rule.Code.CHECK_FAILED] = {"failed": [c for c in Household.CHECKS if not row[c]]}
    if Rule.Code.DEPARTMENT_SIGNAL in fired:
        values[Rule.Code.DEPARTMENT_SIGNAL] = {
            "signals": {
                kind: (money(row[column]) if amount else row[column])
                for column, (kind, amount) in SIGNALS.items()
                if row[column]
            },
            "hospital_oop": str(thresholds[Threshold.Key.HOSPITAL_OOP]),
            "disaster_loss": str(thresholds[Threshold.Key.DISASTER_LOSS]),
        }
    return fired, {str(k): v for k, v in values.items()}
