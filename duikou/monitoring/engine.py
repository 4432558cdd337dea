"""The screening rules, written once as an Ibis expression, run over a columnar snapshot of the registry.

``snapshot()`` turns the households in scope, their income records for a year (and the year before) and the
departmental signals of that year into one Arrow table; ``screen_expr()`` is the rules; ``evaluate()`` runs them on
an engine (DuckDB in-process by default, PostgreSQL, or Apache Spark in local mode). Everything an engine sees is in
the snapshot and every rule is an Ibis expression, so each backend needs only its connection here. Comparisons are
multiplicative and in decimals (``net < line × (1+margin) × persons`` rather than a per-capita division), so a
household built to just miss a threshold is never flagged by rounding.
"""

import datetime
import decimal
import io
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import uuid
from decimal import Decimal
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connections
from ibis import _

from duikou.core import arrow
from duikou.core.errors import UserFacingError

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
log = logging.getLogger(__name__)
ENGINES = ("duckdb", "postgres", "spark")
# The fixed part of the Spark configuration; the master, the driver's address and the resources come from settings
# (spark_conf). The jars ship in the pyspark wheel and nothing is fetched (no spark.jars.packages, so Ivy/Maven are
# never consulted); no web UI.
SPARK_CONF = {
    "spark.app.name": "duikou-screening",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.warehouse.dir": os.path.join(tempfile.gettempdir(), "duikou-spark-warehouse"),
}
_spark = None
_spark_lock = threading.Lock()


def _snapshot_sql(households, year: int, connection) -> tuple[str, list]:
    """One statement for the whole snapshot: the households the scoped queryset selects (its own SQL as the
    subquery, so scoping decides who is in), their income records of ``year`` and ``year - 1``, and the year's
    departmental signals aggregated per household and kind.

    Beside the yearly record, the year's monthly and quarterly records are summed per household (``sub``): for each
    quarter the three months when all three are recorded, else the quarter's record, else the months there are; with
    the number of months covered. ``snapshot`` annualises them (× 12 / months) for a household with no yearly record.
    Only sums and counts come from the database, so the figure is the same on every database."""
    scope_sql, scope_params = households.order_by().values("pk").query.sql_with_params()
    ops = connection.ops
    household, income, signal = (ops.quote_name(m._meta.db_table) for m in (Household, IncomeRecord, DepartmentSignal))
    per_kind = []
    for column, (kind, amount) in SIGNALS.items():
        assert kind.isidentifier()  # the kinds are this module's constants, written into the SQL as literals
        total = (
            f"SUM(CASE WHEN kind = '{kind}' THEN amount END)"
            if amount
            else f"COUNT(CASE WHEN kind = '{kind}' THEN 1 END)"
        )
        per_kind.append(f"{total} AS {column}")
    amounts = ("net_income", "medical_expense", "education_expense")
    per_quarter = ", ".join(
        f"SUM(CASE WHEN period_kind = 'month' THEN {a} END) AS m_{a}, "
        f"SUM(CASE WHEN period_kind = 'quarter' THEN {a} END) AS q_{a}"
        for a in amounts
    )
    # a quarter counts its months when all three are recorded, else its own record (q_net_income is not null
    # exactly when there is one), else the months recorded
    whole = "(q.months = 3 OR q.q_net_income IS NULL)"
    summed = ", ".join(f"SUM(CASE WHEN {whole} THEN q.m_{a} ELSE q.q_{a} END) AS {a}" for a in amounts)
    sql = f"""
        SELECT h.id, cur.persons, cur.net_income, prev.net_income, cur.medical_expense, cur.education_expense,
               {", ".join(f"h.{check}" for check in Household.CHECKS)},
               {", ".join(f"COALESCE(s.{column}, 0)" for column in SIGNALS)},
               sub.persons, sub.months, sub.net_income, sub.medical_expense, sub.education_expense
        FROM {household} h
        LEFT JOIN {income} cur ON cur.household_id = h.id AND cur.year = %s AND cur.period_kind = 'year'
        LEFT JOIN {income} prev ON prev.household_id = h.id AND prev.year = %s AND prev.period_kind = 'year'
        LEFT JOIN (
            SELECT household_id, {", ".join(per_kind)} FROM {signal}
            WHERE date >= %s AND date < %s GROUP BY household_id
        ) s ON s.household_id = h.id
        LEFT JOIN (
            SELECT q.household_id, MAX(q.persons) AS persons,
                   SUM(CASE WHEN {whole} THEN q.months ELSE 3 END) AS months, {summed}
            FROM (
                SELECT household_id,
                       CASE WHEN period_kind = 'month' THEN (period + 2) / 3 ELSE period END AS quarter,
                       SUM(CASE WHEN period_kind = 'month' THEN 1 ELSE 0 END) AS months,
                       MAX(persons) AS persons, {per_quarter}
                FROM {income} WHERE year = %s AND period_kind IN ('month', 'quarter')
                GROUP BY household_id, CASE WHEN period_kind = 'month' THEN (period + 2) / 3 ELSE period END
            ) q GROUP BY q.household_id
        ) sub ON sub.household_id = h.id AND cur.id IS NULL
        WHERE h.id IN ({scope_sql})
          AND (cur.id IS NOT NULL OR sub.household_id IS NOT NULL OR s.household_id IS NOT NULL)
        ORDER BY h.id"""
    first, after = (ops.adapt_datefield_value(datetime.date(y, 1, 1)) for y in (year, year + 1))
    return sql, [year, year - 1, first, after, year, *scope_params]


# what the snapshot statement returns, in its order: medical and education apart (their sum is taken in Arrow, exact
# on every database), then the checks and the signal columns
RAW = pa.schema(
    [
        *[SCHEMA.field(name) for name in ("household_id", "persons", "net_income", "prev_net_income")],
        ("medical_expense", MONEY),
        ("education_expense", MONEY),
        *[SCHEMA.field(name) for name in (*Household.CHECKS, *SIGNALS)],
        ("sub_persons", pa.int32()),
        ("sub_months", pa.int32()),
        ("sub_net_income", MONEY),
        ("sub_medical_expense", MONEY),
        ("sub_education_expense", MONEY),
    ]
)
CENT = Decimal("0.01")


def snapshot(households, year: int, *, batch: int = 50000, progress=None) -> pa.Table:
    """One row per household with an income record for ``year`` or a departmental signal dated in it (a household
    without either has nothing to screen; one with signals only is screened on them and its checks), by household.

    Built by one set-based statement over the database (``_snapshot_sql``), read into Arrow by ``core.arrow.read``:
    on PostgreSQL outside a transaction as the binary ``COPY`` stream through ADBC, inside one as ``COPY`` CSV on
    Django's connection (which alone sees the transaction's rows), elsewhere by ``fetchmany``. Progress is reported
    before and after the read, not during it: the connection is busy with the statement until it ends, and a
    progress callback may write to the database."""
    connection = connections[households.db]
    sql, params = _snapshot_sql(households, year, connection)
    if progress:
        progress(0, None, "生成数据快照")
    raw = _annualise_sub_year(arrow.read(sql, params, RAW, using=households.db, batch=batch))
    rigid = pc.add(raw["medical_expense"], raw["education_expense"]).cast(MONEY)
    columns = [rigid if name == "rigid_expense" else raw[name] for name in SCHEMA.names]
    table = pa.Table.from_arrays(columns, schema=SCHEMA).combine_chunks()
    if progress:
        progress(table.num_rows, table.num_rows, "生成数据快照")
    return table


def annualised(total: Decimal, months: int) -> Decimal:
    """A sum over ``months`` months at a year's rate, to the cent (half up)."""
    return (Decimal(total) * 12 / months).quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def _annualise_sub_year(raw: pa.Table) -> pa.Table:
    """Households without a yearly record for the year take its monthly and quarterly records, annualised: persons,
    net income and rigid expenses. Computed in Python decimals on the database's exact sums, for those rows only."""
    need = pc.and_(pc.is_null(raw["persons"]), pc.is_valid(raw["sub_months"]))
    if not pc.any(need).as_py():
        return raw
    rows = raw.filter(need)
    months = rows["sub_months"].to_pylist()
    replaced = {"persons": pa.array(rows["sub_persons"].to_pylist(), type=pa.int32())}
    for name in ("net_income", "medical_expense", "education_expense"):
        values = [
            None if total is None else annualised(total, m)
            for total, m in zip(rows[f"sub_{name}"].to_pylist(), months, strict=True)
        ]
        replaced[name] = pa.array(values, type=MONEY)
    mask = need.combine_chunks() if isinstance(need, pa.ChunkedArray) else need
    for name, values in replaced.items():
        column = raw[name].combine_chunks()
        raw = raw.set_column(raw.schema.get_field_index(name), name, pc.replace_with_mask(column, mask, values))
    return raw


class _Hashing(io.RawIOBase):
    """A write-only file that feeds what is written to an SM3 digest, so the IPC bytes are never held whole."""

    def __init__(self):
        self.digest = hashes.Hash(hashes.SM3())

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data).cast("B")  # pyarrow hands over its own buffers, as signed bytes
        self.digest.update(view)
        return view.nbytes


def snapshot_digest(table: pa.Table) -> str:
    """SM3 of the snapshot's Arrow IPC stream: the run names exactly the data it screened. The stream is hashed
    as it is written, buffer by buffer (the same bytes as hashing the whole stream at once, without a copy of the
    table in memory)."""
    sink = _Hashing()
    with pa.PythonFile(sink, mode="w") as out, pa.ipc.new_stream(out, table.schema) as writer:
        writer.write_table(table)
    return sink.digest.finalize().hex()


def _dec(value) -> ibis.expr.types.Value:
    return ibis.literal(Decimal(value), type="decimal(18,4)")


def screen_expr(t, thresholds: dict, enabled: set[str]):
    """The rules: each flag column is one rule; only households for which at least one enabled rule fires."""
    line, margin = _dec(thresholds["income_line"]), _dec(thresholds["margin_share"])
    fall, rigid = _dec(thresholds["income_fall_share"]), _dec(thresholds["rigid_share"])
    bound = line * (_dec(1) + margin)
    # a check fails only when it was found failing (False); one nobody has checked yet (NULL) does not fire the rule
    checks_ok = t[Household.CHECKS[0]].fill_null(True)
    for check in Household.CHECKS[1:]:
        checks_ok = checks_ok & t[check].fill_null(True)
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


def evaluate(
    table: pa.Table, thresholds: dict, enabled: set[str], *, engine: str = "duckdb", pg_url: str = ""
) -> pa.Table:
    """Run the rules on ``engine`` and return the flagged rows as an Arrow table, by household (kept columnar: at
    millions of households a list of dicts would cost more than the rules)."""
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
        return con.to_pyarrow(screen_expr(t, thresholds, enabled))
    finally:
        con.disconnect()


def spark_conf() -> dict[str, str]:
    """The Spark configuration from settings: local mode on this machine by default, or an existing cluster."""
    conf = {
        **SPARK_CONF,
        "spark.master": settings.DUIKOU_SPARK_MASTER,
        "spark.driver.memory": settings.DUIKOU_SPARK_DRIVER_MEMORY,
        "spark.driver.host": settings.DUIKOU_SPARK_DRIVER_HOST,
    }
    if settings.DUIKOU_SPARK_MASTER.startswith("local"):
        conf["spark.driver.bindAddress"] = "127.0.0.1"
    if settings.DUIKOU_SPARK_EXECUTOR_MEMORY:
        conf["spark.executor.memory"] = settings.DUIKOU_SPARK_EXECUTOR_MEMORY
    if settings.DUIKOU_SPARK_EXECUTOR_CORES:
        conf["spark.executor.cores"] = str(settings.DUIKOU_SPARK_EXECUTOR_CORES)
    if settings.DUIKOU_SPARK_CORES_MAX:
        conf["spark.cores.max"] = str(settings.DUIKOU_SPARK_CORES_MAX)
    for item in settings.DUIKOU_SPARK_EXTRA:
        key, value = item.split("=", 1)
        conf[key.strip()] = value.strip()
    return conf


def _check_spark_reachable(conf: dict[str, str]) -> None:
    """Say plainly what stops Spark from starting, before pyspark does so with a Java stack trace (or, for a
    cluster it cannot reach, by retrying for minutes): no Java, or a standalone master that does not answer."""
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else shutil.which("java")
    if not java or not Path(java).exists():
        raise UserFacingError(
            "Spark 筛查引擎需要 Java 17，本机未找到 java（请安装 openjdk-17-jre-headless 或设置 JAVA_HOME），"
            "或改用 DuckDB 引擎"
        )
    master = conf["spark.master"]
    if master.startswith("spark://"):
        for address in master.removeprefix("spark://").split(","):
            host, _sep, port = address.partition(":")
            try:
                socket.create_connection((host, int(port or 7077)), timeout=5).close()
            except (OSError, ValueError) as exc:
                raise UserFacingError(
                    f"无法连接 Spark 集群 {master}（{host}:{port or 7077}：{exc}），"
                    "请检查 DUIKOU_SPARK_MASTER 与网络，或改用 DuckDB 引擎"
                ) from exc


def spark_backend():
    """This process's one SparkSession and its Ibis connection, started on first use (the JVM takes seconds) and kept
    for later runs. What stops it from starting is a clear message, not pyspark's stack trace."""
    global _spark
    with _spark_lock:
        if _spark is None:
            conf = spark_conf()
            _check_spark_reachable(conf)
            if conf["spark.master"].startswith("local"):
                os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            from pyspark.sql import SparkSession

            builder = SparkSession.builder
            for key, value in conf.items():
                builder = builder.config(key, value)
            try:
                session = builder.getOrCreate()
            except Exception as exc:
                log.warning("Spark did not start", exc_info=True)
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                raise UserFacingError(f"Spark 筛查引擎未能启动（{conf['spark.master']}）：{first}") from exc
            session.sparkContext.setLogLevel("ERROR")
            _spark = (session, ibis.pyspark.connect(session))
        return _spark


def _evaluate_spark(table: pa.Table, thresholds: dict, enabled: set[str]) -> pa.Table:
    """The snapshot goes to Spark as Arrow and the result comes back as Arrow (Ibis's pyspark memtable and
    ``to_pyarrow`` go through pandas, which loses null decimals), under a view name of its own so concurrent runs do
    not meet; the session stays for the next run."""
    session, con = spark_backend()
    name = f"duikou_snapshot_{uuid.uuid4().hex}"
    session.createDataFrame(table).createOrReplaceTempView(name)
    try:
        sql = con.compile(screen_expr(con.table(name), thresholds, enabled))
        return session.sql(sql).toArrow()
    finally:
        session.catalog.dropTempView(name)


# each rule's code with its flag column, once (``Rule.Code.values`` is rebuilt on every access; explain runs per alert)
_FLAGS = tuple((code, f"r_{code}") for code in Rule.Code.values)


def explain(row: dict, thresholds: dict) -> tuple[list[str], dict]:
    """The rules that fired for one flagged row and the values that made them fire (JSON-ready strings)."""
    fired = [code for code, flag in _FLAGS if row.get(flag)]
    values: dict = {}
    money = lambda v: None if v is None else str(Decimal(v).quantize(CENT))  # noqa: E731
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
        values[Rule.Code.CHECK_FAILED] = {"failed": [c for c in Household.CHECKS if row[c] is False]}
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


# ---- the explanations of a whole run at once ----------------------------------------------------------------------


def _cents(column: pa.ChunkedArray) -> np.ndarray:
    """A money column as int64 cents (nulls as 0: only rows where the rule fired are read, and there it is set)."""
    exact = column.cast(pa.decimal128(18, 2))
    return pc.multiply(exact, pa.scalar(Decimal(100), pa.decimal128(3, 0))).cast(pa.int64()).fill_null(0).to_numpy()


def _half_even(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator (denominator > 0) rounded half to even, in integers: ``Decimal.quantize``'s rounding."""
    quotient, remainder = np.divmod(numerator, denominator)
    twice = 2 * remainder
    return quotient + ((twice > denominator) | ((twice == denominator) & (quotient % 2 == 1)))


def _fixed(units: np.ndarray, places: int, negative: np.ndarray) -> pa.Array:
    """Integers in units of 10**-places as decimal text, as ``str(Decimal)`` writes them (a negative zero keeps its
    sign, as Decimal's does after rounding a small negative quotient)."""
    scale = 10**places
    whole = pa.array(np.abs(units) // scale).cast(pa.string())
    fraction = pc.utf8_lpad(pa.array(np.abs(units) % scale).cast(pa.string()), width=places, padding="0")
    sign = pa.array(np.where(negative, "-", ""))
    return pc.binary_join_element_wise(sign, whole, ".", fraction, "")


def _fragment(key: str, fields: list[tuple[str, object]]) -> pa.Array:
    """``"key": {"name": "value", ...}`` for every row; a value is a string array or a constant string."""
    parts: list = [f'"{key}": {{']
    for i, (name, value) in enumerate(fields):
        parts += [f'{", " if i else ""}"{name}": "', value, '"']
    parts.append("}")
    return pc.binary_join_element_wise(*parts, "")


def _when(fired: np.ndarray, text: pa.Array) -> pa.Array:
    """ ", text" where the rule fired, "" elsewhere."""
    return pc.if_else(fired, pc.binary_join_element_wise(", ", text, ""), "")


def explain_texts(flagged: pa.Table, thresholds: dict) -> tuple[list[str], list[str]]:
    """``explain()`` of every flagged row as the JSON texts of (rules, values) (``explain_columns`` as lists)."""
    rules, values = explain_columns(flagged, thresholds)
    return rules.to_pylist(), values.to_pylist()


def explain_columns(flagged: pa.Table, thresholds: dict) -> tuple[pa.Array, pa.Array]:
    """``explain()`` of every flagged row as two Arrow string columns of JSON texts (rules, values), computed
    column by column: at a national run's millions of alerts, building each alert's explanation in Python would cost
    as much as writing it. Rows with departmental signals (a small share, with a variable set of kinds) go through
    ``explain()`` itself."""
    n = flagged.num_rows
    if not n:
        return pa.array([], pa.string()), pa.array([], pa.string())
    names = set(flagged.column_names)
    fired = {
        code: flagged[flag].fill_null(False).to_numpy() if flag in names else np.zeros(n, dtype=bool)
        for code, flag in _FLAGS
    }
    bits = np.zeros(n, dtype=np.int64)
    for k, (code, _flag) in enumerate(_FLAGS):
        bits |= fired[code].astype(np.int64) << k
    rule_texts = pa.array(
        [json.dumps([code for k, (code, _flag) in enumerate(_FLAGS) if b >> k & 1]) for b in range(1 << len(_FLAGS))]
    )
    rules = rule_texts.take(pa.array(bits))

    fragments = []
    net = _cents(flagged["net_income"])
    if fired[Rule.Code.INCOME_LOW].any():
        persons = flagged["persons"].fill_null(1).to_numpy().astype(np.int64)
        per_capita = _half_even(net, np.maximum(persons, 1))
        bound = str(Decimal(flagged["income_bound"][0].as_py()).quantize(CENT))
        text = _fragment(
            Rule.Code.INCOME_LOW,
            [
                ("per_capita", _fixed(per_capita, 2, net < 0)),
                ("bound", bound),
                ("income_line", str(thresholds["income_line"])),
            ],
        )
        fragments.append(_when(fired[Rule.Code.INCOME_LOW], text))
    if fired[Rule.Code.INCOME_FALL].any():
        prev = _cents(flagged["prev_net_income"])
        share = _half_even((prev - net) * 10000, np.maximum(prev, 1))
        text = _fragment(
            Rule.Code.INCOME_FALL,
            [
                ("previous", _fixed(prev, 2, prev < 0)),
                ("current", _fixed(net, 2, net < 0)),
                ("fall_share", _fixed(share, 4, (prev - net) < 0)),
                ("threshold", str(thresholds["income_fall_share"])),
            ],
        )
        fragments.append(_when(fired[Rule.Code.INCOME_FALL], text))
    if fired[Rule.Code.RIGID_EXPENSE].any():
        rigid = _cents(flagged["rigid_expense"])
        text = _fragment(
            Rule.Code.RIGID_EXPENSE,
            [
                ("rigid_expense", _fixed(rigid, 2, rigid < 0)),
                ("net_income", _fixed(net, 2, net < 0)),
                ("threshold", str(thresholds["rigid_share"])),
            ],
        )
        fragments.append(_when(fired[Rule.Code.RIGID_EXPENSE], text))
    if fired[Rule.Code.CHECK_FAILED].any():
        failed = np.zeros(n, dtype=np.int64)
        for k, check in enumerate(Household.CHECKS):
            failed |= (~flagged[check].fill_null(True).to_numpy()).astype(np.int64) << k
        texts = [
            f'"{Rule.Code.CHECK_FAILED}": '
            + json.dumps({"failed": [c for k, c in enumerate(Household.CHECKS) if b >> k & 1]})
            for b in range(1 << len(Household.CHECKS))
        ]
        text = pa.array(texts, pa.string()).take(pa.array(failed))
        fragments.append(_when(fired[Rule.Code.CHECK_FAILED], text))
    if fragments:
        # every fragment is ", …" or "" (never null: pyarrow's join drops rows whose inputs are all null)
        joined = pc.utf8_ltrim(pc.binary_join_element_wise(*fragments, ""), characters=", ")
        values = pc.binary_join_element_wise("{", joined, "}", "")
    else:
        values = pa.repeat(pa.scalar("{}"), n)
    signalled = fired[Rule.Code.DEPARTMENT_SIGNAL]
    if signalled.any():
        texts = [json.dumps(explain(row, thresholds)[1]) for row in flagged.filter(signalled).to_pylist()]
        values = pc.replace_with_mask(values, pa.array(signalled), pa.array(texts, pa.string()))
    return rules, values
