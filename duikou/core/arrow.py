"""A statement's rows as an Arrow table, read by the database's bulk path.

On PostgreSQL, outside a transaction, Arrow's ADBC driver (``adbc-driver-postgresql``) reads the rows on a
connection of its own as the binary ``COPY`` stream, straight into Arrow columns. Inside a transaction (a request
or a test wrapped in one) another connection would not see the transaction's own rows, so the statement is read on
Django's connection by ``COPY … TO STDOUT`` as CSV parsed by pyarrow. Elsewhere (SQLite) the driver's rows are
fetched in batches and converted column by column, the way Django would read them.

Every path returns the same table for the same rows: the columns of ``schema``, in its types."""

import datetime
import decimal
from decimal import Decimal
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connections

# COPY output is parsed in pieces of about this size (each piece is whole rows: PostgreSQL sends one row a message)
COPY_PIECE = 32 << 20
_FLOAT = decimal.Context(prec=15)  # SQLite keeps 15 significant digits of a decimal; Django reads them with this


def read(sql: str, params, schema: pa.Schema, *, using: str = "default", batch: int = 50000) -> pa.Table:
    """The rows of ``sql`` (with ``params`` in the driver's placeholder style) as a table of ``schema``: the
    statement's columns in that order, named and typed by it."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        statement = connection.ops.compose_sql(sql, list(params or ()))
        reader = _read_copy_csv if connection.in_atomic_block else _read_adbc
        pieces = list(reader(connection, statement, schema))
    else:
        pieces = list(_read_cursor(connection, sql, params, schema, batch))
    if not pieces:
        return schema.empty_table()
    return pa.concat_tables(pieces).combine_chunks()


def postgres_uri(connection) -> str:
    """A libpq URI for the connection's database (kept in memory only: it may hold the password)."""
    s = connection.settings_dict
    user = quote(s.get("USER") or "", safe="")
    password = quote(str(s.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or "localhost"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    query = "&".join(
        f"{key}={quote(str(value), safe='')}"
        for key, value in (s.get("OPTIONS") or {}).items()
        if key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name")
    )
    return f"postgresql://{auth}{host}{port}/{quote(s['NAME'], safe='')}" + (f"?{query}" if query else "")


def _read_adbc(connection, statement: str, schema: pa.Schema):
    """The driver's record batches as they arrive, each put in the schema's types at once: the text of
    PostgreSQL's numerics is never held for the whole result."""
    import adbc_driver_postgresql.dbapi

    with adbc_driver_postgresql.dbapi.connect(postgres_uri(connection)) as con, con.cursor() as cursor:
        cursor.execute(statement)
        for batch in cursor.fetch_record_batch():
            yield _conform(batch, schema)


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.Table:
    """The driver's columns in the schema's names and types. PostgreSQL's numeric comes as text in an extension
    type; its storage is cast to the decimal the schema asks for."""
    columns = []
    for column, field in zip(batch.columns, schema, strict=True):
        if isinstance(column.type, pa.ExtensionType):
            column = column.storage
        if column.type != field.type:
            column = pc.cast(column, field.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def _read_copy_csv(connection, statement: str, schema: pa.Schema):
    read = pacsv.ReadOptions(column_names=schema.names)
    convert = pacsv.ConvertOptions(column_types=schema, true_values=["t"], false_values=["f"], null_values=[""])
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)") as copy:
        buffer = bytearray()
        for row in copy:
            buffer += row
            if len(buffer) >= COPY_PIECE:
                yield pacsv.read_csv(pa.py_buffer(buffer), read_options=read, convert_options=convert)
                buffer = bytearray()
        if buffer:
            yield pacsv.read_csv(pa.py_buffer(buffer), read_options=read, convert_options=convert)


def _converter(field: pa.Field):
    """How one column's values from the SQLite driver become what Django would read."""
    kind = field.type
    if pa.types.is_decimal(kind):
        quantum = Decimal(1).scaleb(-kind.scale)

        def money(value):
            if value is None:
                return None
            if isinstance(value, float):
                value = _FLOAT.create_decimal_from_float(value)
            return Decimal(value).quantize(quantum)

        return money
    if pa.types.is_boolean(kind):
        return lambda value: None if value is None else bool(value)
    if pa.types.is_date(kind):
        return lambda value: _parsed(value, datetime.date)
    if pa.types.is_timestamp(kind):
        return lambda value: _parsed(value, datetime.datetime)
    return None


def _parsed(value, kind):
    """SQLite keeps dates and times as ISO text; anything else in such a column is a mistake in the statement."""
    if value is None or isinstance(value, kind):
        return value
    if isinstance(value, str):
        return kind.fromisoformat(value)
    raise TypeError(f"{value!r} is not a {kind.__name__}")


def _read_cursor(connection, sql: str, params, schema: pa.Schema, batch: int):
    convert = [_converter(field) for field in schema]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            columns = zip(*rows, strict=True)
            arrays = [
                pa.array(column if fn is None else [fn(v) for v in column], type=field.type)
                for column, fn, field in zip(columns, convert, schema, strict=True)
            ]
            yield pa.Table.from_arrays(arrays, schema=schema)
