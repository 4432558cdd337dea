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

import numpy as np
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
    """The driver's record batches as they arrive, each put in the schema's types at once (never the whole result
    in the driver's types). A decimal of the schema (up to 18 digits) is asked of PostgreSQL as its unscaled integer
    (``_unscaled``): the driver would otherwise turn each numeric into text, to be parsed again here."""
    import adbc_driver_postgresql.dbapi

    with adbc_driver_postgresql.dbapi.connect(postgres_uri(connection)) as con, con.cursor() as cursor:
        cursor.execute(_unscaled(statement, schema))
        for batch in cursor.fetch_record_batch():
            yield _conform(batch, schema)


def _integral(field: pa.Field) -> bool:
    """A decimal the statement gives as its unscaled integer (int8)."""
    return pa.types.is_decimal(field.type) and field.type.precision <= 18


def _unscaled(statement: str, schema: pa.Schema) -> str:
    """The statement with each decimal column of ``schema`` as an integer in units of its last place (cents for a
    scale of 2). A value with more places than the schema's is refused, as pyarrow's cast of its text refuses it:
    its text is then cast to ``int8``, which fails naming the value."""
    if not any(_integral(field) for field in schema):
        return statement
    names = [f"c{i}" for i in range(len(schema))]
    columns = []
    for name, field in zip(names, schema, strict=True):
        if _integral(field):
            scaled = f"({name} * 1e{field.type.scale})"
            name = f"CASE WHEN {scaled} = trunc({scaled}) THEN {scaled}::int8 ELSE {name}::text::int8 END"
        columns.append(name)
    return f"SELECT {', '.join(columns)} FROM ({statement}) AS q ({', '.join(names)})"


def _decimal(column: pa.Array, kind: pa.Decimal128Type) -> pa.Array:
    """Unscaled int64 values as decimals of ``kind``: Arrow keeps a decimal as its unscaled 128-bit integer, so the
    values are sign-extended into place, nulls kept. One past the precision is refused, as pyarrow's cast does."""
    values = np.frombuffer(column.buffers()[1], dtype=np.int64)[: column.offset + len(column)]
    limit = 10**kind.precision
    shown = values[column.offset :][column.is_valid().to_numpy(zero_copy_only=False)]
    if len(shown) and (shown.max() >= limit or shown.min() <= -limit):
        raise pa.ArrowInvalid(f"a value does not fit in {kind}")
    wide = np.empty((len(values), 2), dtype=np.int64)
    wide[:, 0], wide[:, 1] = values, values >> 63
    validity = column.buffers()[0]
    return pa.Array.from_buffers(
        kind, len(column), [validity, pa.py_buffer(wide)], null_count=column.null_count, offset=column.offset
    )


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.Table:
    """The driver's columns in the schema's names and types: a decimal from its unscaled integer; PostgreSQL's
    numeric beyond 18 digits comes as text in an extension type, whose storage is cast to the decimal."""
    columns = []
    for column, field in zip(batch.columns, schema, strict=True):
        if isinstance(column.type, pa.ExtensionType):
            column = column.storage
        if _integral(field) and pa.types.is_integer(column.type):
            column = _decimal(column.cast(pa.int64()), field.type)
        elif column.type != field.type:
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
