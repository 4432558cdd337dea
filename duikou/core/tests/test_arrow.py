"""``core.arrow.read``: each path (ADBC on its own connection, COPY on Django's inside a transaction, the SQLite
driver) gives the same Arrow table for the same rows, in the schema's names and types."""

import datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from django.db import connection

from duikou.core import arrow
from duikou.geo.models import Region

SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("level", pa.int32()),
        ("share", pa.decimal128(18, 2)),
        ("active", pa.bool_()),
        ("day", pa.date32()),
        ("nothing", pa.decimal128(18, 2)),
    ]
)
# The same statement on both engines: a decimal and a boolean computed from the row, a date given as text (as SQLite
# keeps dates), and a NULL decimal
SQL = (
    "SELECT code, n, CAST(n * 1.25 AS NUMERIC(18, 2)), n > %s, %s, CAST(NULL AS NUMERIC(18, 2)) "
    "FROM (SELECT code, CASE level WHEN 'province' THEN 1 ELSE 2 END AS n FROM geo_region WHERE code LIKE %s) r "
    "ORDER BY code"
)
PARAMS = [1, "2026-03-31", "99%"]
EXPECTED = [
    {"code": "990000", "level": 1, "share": Decimal("1.25"), "active": False, "day": datetime.date(2026, 3, 31)},
    {"code": "990100", "level": 2, "share": Decimal("2.50"), "active": True, "day": datetime.date(2026, 3, 31)},
]


def _regions():
    province = Region.objects.create(code="990000", name="测试省", level="province")
    Region.objects.create(code="990100", name="测试市", level="prefecture", parent=province)


def _rows(table):
    assert table.schema.names == SCHEMA.names
    assert table.schema.types == SCHEMA.types
    return [{k: v for k, v in row.items() if k != "nothing"} for row in table.to_pylist()], table["nothing"].null_count


@pytest.mark.django_db
def test_rows_inside_a_transaction_are_read_on_djangos_connection():
    _regions()
    assert connection.in_atomic_block
    assert _rows(arrow.read(SQL, PARAMS, SCHEMA)) == (EXPECTED, 2)


@pytest.mark.django_db
def test_no_rows_give_an_empty_table_of_the_schema():
    table = arrow.read(SQL, [1, "2026-03-31", "98%"], SCHEMA)
    assert table.num_rows == 0 and table.schema == SCHEMA


def test_committed_rows_are_read_outside_a_transaction(committed_db, monkeypatch):
    """On PostgreSQL this is the ADBC path (binary COPY on a connection of its own); the COPY-as-CSV path is
    made to fail, so the test cannot pass through it."""
    _regions()
    assert not connection.in_atomic_block
    monkeypatch.setattr(arrow, "_read_copy_csv", None)
    assert _rows(arrow.read(SQL, PARAMS, SCHEMA)) == (EXPECTED, 2)


@pytest.mark.django_db
def test_rows_read_in_batches_make_one_table():
    _regions()
    table = arrow.read(SQL, PARAMS, SCHEMA, batch=1)
    assert _rows(table) == (EXPECTED, 2)
    assert table.column(0).num_chunks == 1


DECIMALS = "SELECT v FROM (VALUES (CAST(%s AS NUMERIC(30, 6))), (-0.01), (0.01), (NULL), (-123456789012.34)) t (v)"
MONEY = pa.schema([("v", pa.decimal128(14, 2))])


def test_decimals_come_exact_through_adbc_and_too_many_places_are_refused(committed_db, monkeypatch):
    """ADBC's path asks PostgreSQL for a decimal as its unscaled integer: negative, tiny, null and large values
    come exact, in order; a value with more places than the schema's is refused, as the COPY path refuses it."""
    if connection.vendor != "postgresql":
        pytest.skip("the ADBC path is PostgreSQL's")
    monkeypatch.setattr(arrow, "_read_copy_csv", None)
    table = arrow.read(DECIMALS, ["999999999999.99"], MONEY)
    assert table.schema == MONEY
    assert table["v"].to_pylist() == [
        Decimal("999999999999.99"), Decimal("-0.01"), Decimal("0.01"), None, Decimal("-123456789012.34"),
    ]  # fmt: skip
    with pytest.raises(Exception, match="1.005"):
        arrow.read(DECIMALS, ["1.005"], MONEY)
    with pytest.raises(pa.ArrowInvalid):
        arrow.read(DECIMALS, ["1000000000000.00"], MONEY)  # 15 digits in a decimal of 14


@pytest.mark.django_db
def test_too_many_places_are_refused_inside_a_transaction_too():
    if connection.vendor != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    with pytest.raises(pa.ArrowInvalid):
        arrow.read(DECIMALS, ["1.005"], MONEY)
