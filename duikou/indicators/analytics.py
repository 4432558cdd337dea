"""The analytics store: data values as a flat fact view in DuckDB, aggregated there, not row by row in the ORM.

The values are read from the database into Arrow by one statement and written by DuckDB from the Arrow table, with
their pairings' labels (worked out once a pairing) in a table of their own; the view ``facts`` joins them.

The store is kept in step incrementally: after imports and approvals the services refresh the (pairing,
period) slices they touched, and before every query the store catches up with any value changed since its
watermark (so a write whose refresh was lost, or a fresh deployment, is never read stale). A store whose
schema version differs from ``SCHEMA_VERSION`` (an upgrade added columns) is emptied when opened and rebuilt in
full by the next query. Every query is restricted to the pairings the user may see, as the scoping layer lists them.

DuckDB lets one process at a time open a file for writing. In the embedded mode (``DUIKOU_ANALYTICS_MODE=embedded``,
one process tree) each process keeps the store in step itself, under a lock. With several processes or machines
(``published``) only ``duikou analytics-sync`` — one per machine — writes the store: every few seconds it catches up
from the watermark and publishes a copy; web processes open the latest copy read-only, never wait on a lock, and
report how many values committed since the copy's watermark are still pending.
"""

import contextlib
import datetime
import json
import logging
import os
import shutil
import threading
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from duikou.accounts import scoping
from duikou.core import arrow
from duikou.geo.models import PLACEHOLDERS
from duikou.pairings.models import Pairing

from . import formula as formulas
from .models import DataValue, Indicator

DIMENSIONS = {
    "old_area": pgettext_lazy("dimension", "革命老区"),
    "province": pgettext_lazy("dimension", "省份"),
    "city": pgettext_lazy("dimension", "老区城市"),
    "county": pgettext_lazy("dimension", "老区区县"),
    "pairing": pgettext_lazy("dimension", "结对关系"),
    "partner_province": pgettext_lazy("dimension", "支持方省份"),
    "partner_city": pgettext_lazy("dimension", "支持方城市"),
    "key_task": pgettext_lazy("dimension", "重点任务"),
    "year": pgettext_lazy("dimension", "年度"),
    "period": pgettext_lazy("dimension", "报告期"),
    # the options of the indicator's breakdown (its sub-rows); the other dimensions read the totals
    "option": pgettext_lazy("dimension", "分类选项"),
}
CITY_LEVEL = "（市级结对）"  # the county of a pairing made at city level (or above)
_lock = threading.RLock()
log = logging.getLogger(__name__)
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# The fact table's columns, as every query reads them (the view ``facts``). Change SCHEMA_VERSION with them or with
# the tables below: a store built with another version is rebuilt in full when next opened (its watermark is
# dropped), so an upgrade never reads or writes rows of the old shape.
SCHEMA_VERSION = "4"
COLUMN_TYPES = {
    "pairing_id": "INTEGER",
    "pairing": "VARCHAR",
    "old_area": "VARCHAR",
    "province": "VARCHAR",
    "city": "VARCHAR",
    "city_code": "VARCHAR",
    "county": "VARCHAR",
    "partner_province": "VARCHAR",
    "partner_city": "VARCHAR",
    "indicator": "VARCHAR",
    "key_task": "VARCHAR",
    "period": "VARCHAR",
    "year": "INTEGER",
    "quarter": "INTEGER",
    "value": "DECIMAL(18, 4)",
    "status": "VARCHAR",
    "option": "VARCHAR",  # the breakdown option's name of a sub-row; '' for a total
}
# Stored: one row a value with what is its own (``fact_values``), the labels once a pairing (``fact_pairings``) and
# once an indicator (``fact_tasks``); ``facts`` joins them. A build writes the values' few columns, not each
# pairing's labels ten thousand times over, and a pairing's labels are replaced in one row.
VALUE_COLUMNS = ("pairing_id", "indicator", "period", "year", "quarter", "value", "status", "option")
PAIRING_COLUMNS = ("pairing_id", "pairing", "old_area", "province", "city", "city_code", "county", "partner_province",
                   "partner_city")  # fmt: skip
TABLES = {
    "fact_values": "CREATE TABLE fact_values ({})".format(", ".join(f"{c} {COLUMN_TYPES[c]}" for c in VALUE_COLUMNS)),
    "fact_pairings": "CREATE TABLE fact_pairings ({})".format(
        ", ".join(f"{c} {COLUMN_TYPES[c]}" for c in PAIRING_COLUMNS)
    ),
    "fact_tasks": "CREATE TABLE fact_tasks (indicator VARCHAR, key_task VARCHAR)",
}
FACTS = f"""
CREATE VIEW facts AS
SELECT v.pairing_id, {", ".join(f"p.{c}" for c in PAIRING_COLUMNS[1:])}, v.indicator,
       coalesce(nullif(t.key_task, ''), '（未归属重点任务）') AS key_task, v.period, v.year, v.quarter, v.value,
       v.status, v.option
FROM fact_values v
JOIN fact_pairings p ON p.pairing_id = v.pairing_id
LEFT JOIN fact_tasks t ON t.indicator = v.indicator
"""


def store_path() -> Path:
    configured = settings.DUIKOU_ANALYTICS_PATH
    return Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "analytics.duckdb"


def _connect() -> duckdb.DuckDBPyConnection:
    """Open the store; another process holding it (a CLI import beside the server) is waited for a little."""
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(40):
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException:
            if attempt == 39:
                raise
            time.sleep(0.25)
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    version = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if version is None or version[0] != SCHEMA_VERSION:
        # new store, or one of an older shape: start empty; with no watermark the next query rebuilds it in full
        con.execute("BEGIN")
        for name, kind in con.execute(
            "SELECT view_name, 'VIEW' FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' "
            "AND database_name = current_database() UNION ALL SELECT table_name, 'TABLE' FROM duckdb_tables() "
            "WHERE schema_name = 'main' AND database_name = current_database() AND table_name <> 'meta'"
        ).fetchall():
            con.execute(f"DROP {kind} {name}")
        for create in TABLES.values():
            con.execute(create)
        con.execute(FACTS)
        con.execute("DELETE FROM meta WHERE key = 'watermark'")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", [SCHEMA_VERSION])
        con.execute("COMMIT")
    return con


def keep_in_step(fn, *args, **kwargs) -> None:
    """Run a store update after a committed write; if the store is unavailable, the next query catches up.
    In the published mode the writes are left to ``analytics-sync``, which catches up from the watermark."""
    if settings.DUIKOU_ANALYTICS_MODE == "published":
        return
    try:
        fn(*args, **kwargs)
    except duckdb.Error:
        log.warning("analytics store not updated now; it will catch up before the next query", exc_info=True)


def _place(region) -> tuple[str, str, str, str]:
    """(province, city, city code, county) of a region in the tree.

    The city is the prefecture-level division; for a municipality (whose prefectures are the placeholders 市辖区
    and 县) it is the municipality itself, and a county-level city administered directly by its province (济源市)
    is its own city — as on the city map, whose features carry the same codes. Above county level the county is
    ``CITY_LEVEL``; a county's label starts with its city, as county names repeat across the country."""
    chain = [*region.ancestors(), region]
    by_level = {r.level: r for r in chain}
    province = by_level.get("province")
    prefecture, county = by_level.get("prefecture"), by_level.get("county")
    if prefecture is not None and prefecture.name not in PLACEHOLDERS:
        city = prefecture
    elif prefecture is not None and prefecture.code[2:4] == "90" and county is not None:
        city = county
    else:
        city = province
    if county is None:
        county_label = CITY_LEVEL
    elif county is city:
        county_label = county.name
    else:
        county_label = f"{city.name}{county.name}"
    return (province.name if province else "", city.name if city else "", city.code if city else "", county_label)


def _pairing_labels(pairing_ids=None) -> pa.Table:
    """Per pairing the labels of its dimensions (``PAIRING_COLUMNS``): one row a pairing, worked out here once each
    (the region rules of ``_place``), joined to its values by the store's view."""
    rows = Pairing.objects.select_related("old_region__parent__parent", "partner_region__parent__parent", "old_area")
    if pairing_ids is not None:
        rows = rows.filter(pk__in=pairing_ids)
    out = []
    for p in rows:
        province, city, city_code, county = _place(p.old_region)
        partner_province, partner_city, _code, _county = _place(p.partner_region)
        out.append(
            (
                p.pk,
                str(p),
                p.old_area.name if p.old_area_id else "（未归属老区）",
                province,
                city,
                city_code,
                county,
                partner_province,
                partner_city,
            )
        )
    columns = list(zip(*out, strict=True)) or [()] * len(LABELS)
    return pa.table([pa.array(column, f.type) for column, f in zip(columns, LABELS, strict=True)], schema=LABELS)


LABELS = pa.schema([("pairing_id", pa.int64())] + [(name, pa.string()) for name in PAIRING_COLUMNS[1:]])
# the data values as the store reads them: the table's own columns
VALUES = pa.schema(
    [
        ("pairing_id", pa.int64()),
        ("indicator", pa.string()),
        ("period", pa.string()),
        ("value", pa.decimal128(18, 4)),
        ("status", pa.string()),
        ("option_id", pa.int64()),
    ]
)
# the values in the store's columns: a period id is 2025 (a year: quarter 4), 2025Q3 or 202509; an option by its name
STORED = """
SELECT v.pairing_id, v.indicator, v.period, CAST(v.period[1:4] AS INTEGER),
       CASE WHEN length(v.period) = 4 THEN 4
            WHEN v.period[5] = 'Q' THEN CAST(v.period[6] AS INTEGER)
            ELSE (CAST(v.period[5:6] AS INTEGER) + 2) // 3 END,
       v.value, v.status, coalesce(o.name, '')
FROM incoming_values v LEFT JOIN incoming_options o ON o.id = v.option_id
"""


def read_values(pairing_ids=None, periods=None) -> pa.Table:
    """The non-empty data values (of the given pairings × periods, or all) as Arrow, by one statement on the
    database's bulk path (``core.arrow``)."""
    sql = (
        "SELECT pairing_id, indicator_id, period, value, status, option_id "
        f"FROM {DataValue._meta.db_table} WHERE value IS NOT NULL"
    )
    params = []
    if pairing_ids is not None:
        if connection.vendor == "postgresql":
            sql += " AND pairing_id = ANY(%s) AND period = ANY(%s)"
            params = [list(pairing_ids), list(periods)]
        else:
            sql += (
                " AND pairing_id IN (SELECT value FROM json_each(%s)) AND period IN (SELECT value FROM json_each(%s))"
            )
            params = [json.dumps(list(pairing_ids)), json.dumps(list(periods))]
    return arrow.read(sql, params, VALUES)


def _task_names() -> pa.Table:
    """Each indicator's key task (code → name)."""
    rows = list(Indicator.objects.values_list("code", "key_task__name"))
    return pa.table(
        {
            "indicator": pa.array([r[0] for r in rows], pa.string()),
            "key_task": pa.array([r[1] for r in rows], pa.string()),
        }
    )


def _option_names() -> pa.Table:
    """Each breakdown option's name (id → name), to join in DuckDB."""
    from .models import BreakdownOption

    rows = list(BreakdownOption.objects.values_list("pk", "name"))
    return pa.table(
        {"id": pa.array([r[0] for r in rows], pa.int64()), "name": pa.array([r[1] for r in rows], pa.string())}
    )


def _put_labels(con, pairing_ids=None) -> None:
    """Replace the labels of the given pairings (all, with None) and every indicator's key task."""
    labels = _pairing_labels(pairing_ids)
    if pairing_ids is not None and labels.num_rows != len(pairing_ids):  # a foreign key: never a value unlabelled
        raise RuntimeError(f"analytics store: {len(pairing_ids)} pairings asked for, {labels.num_rows} found")
    con.register("incoming_labels", labels)
    con.register("incoming_tasks", _task_names())
    try:
        if pairing_ids is None:
            con.execute("DELETE FROM fact_pairings")
        else:
            con.execute("DELETE FROM fact_pairings WHERE pairing_id IN (SELECT pairing_id FROM incoming_labels)")
        con.execute("INSERT INTO fact_pairings SELECT * FROM incoming_labels")
        con.execute("DELETE FROM fact_tasks")
        con.execute("INSERT INTO fact_tasks SELECT * FROM incoming_tasks")
    finally:
        con.unregister("incoming_labels")
        con.unregister("incoming_tasks")


def _insert(con, values: pa.Table, table: str = "fact_values") -> int:
    """Append ``values`` (a table of ``VALUES``) to ``table`` in the store's columns, straight from Arrow."""
    if not values.num_rows:
        return 0
    con.register("incoming_values", values)
    con.register("incoming_options", _option_names())
    try:
        con.execute(f"INSERT INTO {table} {STORED}")
    finally:
        con.unregister("incoming_values")
        con.unregister("incoming_options")
    return values.num_rows


def refresh(*, pairing_ids=None, periods=None, full: bool = False, progress=None) -> int:
    """Replace the store's rows for the given pairings × periods (or everything) with the database's: the values
    read into Arrow in one statement and written by DuckDB, with their pairings' labels."""
    if not full:
        pairing_ids, periods = sorted(set(pairing_ids or [])), sorted(set(periods or []))
        if not pairing_ids or not periods:
            return 0
    with _lock:
        stamp = DataValue.objects.aggregate(m=Max("updated"))["m"] or EPOCH
        values = read_values() if full else read_values(pairing_ids, periods)
        if progress:
            progress(0, values.num_rows)
        con = _connect()
        try:
            # rows may come in any order (the queries group and sort): DuckDB then writes on all its threads
            con.execute("SET preserve_insertion_order = false")
            con.execute("BEGIN")
            if full:
                # a new table rather than deleting every row: the old one's space is freed at the checkpoint
                con.execute("DROP TABLE fact_values")
                con.execute(TABLES["fact_values"])
            else:
                con.execute(
                    "DELETE FROM fact_values WHERE list_contains(?, pairing_id) AND list_contains(?, period)",
                    [pairing_ids, periods],
                )
            _put_labels(con, None if full else pairing_ids)
            count = _insert(con, values)
            if full:
                con.execute("INSERT OR REPLACE INTO meta VALUES ('watermark', ?)", [stamp.isoformat()])
            con.execute("COMMIT")
            if progress:
                progress(count, values.num_rows)
            return count
        finally:
            con.close()


def upsert(values: dict, *, written_at=None, stamp_before=None, status: str = "draft") -> int:
    """Put freshly written draft values ((pairing id, indicator, period, option id or None) → value) into the store
    without reading them back from the database: what an import does after its transaction. If the store was up to
    date before the import (watermark ≥ ``stamp_before``), its watermark moves on to ``written_at``."""
    if not values:
        return 0
    keys = list(values)
    columns = list(zip(*keys, strict=True))
    given = pa.table(
        {
            "pairing_id": pa.array(columns[0], pa.int64()),
            "indicator": pa.array(columns[1], pa.string()),
            "period": pa.array(columns[2], pa.string()),
            "value": pa.array(list(values.values()), pa.decimal128(18, 4)),
            "status": pa.array([status] * len(keys), pa.string()),
            "option_id": pa.array(columns[3], pa.int64()),
        },
        schema=VALUES,
    )
    present = given.filter(pc.is_valid(given["value"]))
    with _lock:
        con = _connect()
        try:
            con.execute("BEGIN")
            con.execute("CREATE TEMP TABLE incoming AS SELECT * FROM fact_values LIMIT 0")
            count = _insert(con, present, table="incoming")
            # every given key is replaced: by its new value, or by nothing where the import emptied it
            con.register("touched_values", given.select(["pairing_id", "indicator", "period", "option_id"]))
            con.register("touched_options", _option_names())
            try:
                con.execute(
                    "DELETE FROM fact_values WHERE (pairing_id, indicator, period, option) IN ("
                    "SELECT t.pairing_id, t.indicator, t.period, coalesce(o.name, '') FROM touched_values t "
                    "LEFT JOIN touched_options o ON o.id = t.option_id)"
                )
            finally:
                con.unregister("touched_values")
                con.unregister("touched_options")
            _put_labels(con, sorted(set(columns[0])))
            con.execute("INSERT INTO fact_values SELECT * FROM incoming")
            con.execute("DROP TABLE incoming")
            mark = con.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchone()
            if (
                mark
                and written_at
                and (stamp_before is None or datetime.datetime.fromisoformat(mark[0]) >= stamp_before)
            ):
                con.execute("INSERT OR REPLACE INTO meta VALUES ('watermark', ?)", [written_at.isoformat()])
            con.execute("COMMIT")
            return count
        finally:
            con.close()


def catch_up() -> None:
    """Bring the store up to the database: a full build the first time, then only what changed since."""
    with _lock:
        con = _connect()
        try:
            mark = con.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchone()
        finally:
            con.close()
        if mark is None:
            refresh(full=True)
            return
        since = datetime.datetime.fromisoformat(mark[0])
        stamp = DataValue.objects.aggregate(m=Max("updated"))["m"]
        if stamp is None or stamp < since:
            return
        changed = DataValue.objects.filter(updated__gte=since).values_list("pairing_id", "period").distinct()
        pairs = set(changed)
        pairing_ids = sorted({p for p, _ in pairs})
        periods = sorted({q for _, q in pairs})
        refresh(pairing_ids=pairing_ids, periods=periods)
        con = _connect()
        try:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('watermark', ?)", [stamp.isoformat()])
        finally:
            con.close()


# ---- the published copy (several processes) --------------------------------------------------------------


KEEP_COPIES = 3


def published_dir() -> Path:
    return store_path().with_name(store_path().name + ".published")


def latest() -> dict | None:
    """What the last publication says: its file, watermark and time; none before the first."""
    try:
        return json.loads((published_dir() / "latest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def sync() -> bool:
    """Bring the store up to the database and, if that changed anything, publish a copy for readers: the file is
    copied under a new name and ``latest.json`` is replaced in one step, so a reader sees an old copy or the new one,
    never half of one. Older copies are removed (a reader holding one open keeps reading it). True if published."""
    with _lock:
        catch_up()
        con = _connect()
        try:
            mark = con.execute("SELECT value FROM meta WHERE key = 'watermark'").fetchone()[0]
            con.execute("CHECKPOINT")
        finally:
            con.close()
        current = latest()
        folder = published_dir()
        moment = datetime.datetime.now(datetime.UTC)
        now = moment.isoformat()
        changed = not (current and current["watermark"] == mark and (folder / current["file"]).exists())
        if changed:
            folder.mkdir(parents=True, exist_ok=True)
            name = f"facts-{moment:%Y%m%dT%H%M%S%f}.duckdb"
            shutil.copyfile(store_path(), folder / f".{name}.tmp")
            os.replace(folder / f".{name}.tmp", folder / name)
            current = {"file": name, "watermark": mark}
        # the check time is what the pages show: the copy holds every value committed before it, less the pending
        pointer = folder / ".latest.json.tmp"
        pointer.write_text(json.dumps({**current, "checked": now}), "utf-8")
        os.replace(pointer, folder / "latest.json")
        # keep the previous copies a little: a reader may have read the pointer just before it moved
        for old in sorted(folder.glob("facts-*.duckdb"))[:-KEEP_COPIES]:
            old.unlink(missing_ok=True)
        return changed


def _open_for_reading() -> tuple[duckdb.DuckDBPyConnection, dict]:
    """A connection to read from, and how fresh it is: ``as_of`` (the time of the data) and ``pending`` (values
    committed since, not in it yet). Embedded: the store itself, caught up first. Published: the latest copy."""
    if settings.DUIKOU_ANALYTICS_MODE != "published":
        try:
            catch_up()
            return _connect(), {"as_of": None, "pending": 0}
        except duckdb.IOException as exc:
            raise ValidationError(_("分析库正被其他任务占用，请稍后重试")) from exc
    for attempt in range(3):
        current = latest()
        if current is None:
            raise ValidationError(_("分析库正在首次建立（由 analytics-sync 进程完成），请一分钟后再试"))
        try:
            con = duckdb.connect(str(published_dir() / current["file"]), read_only=True)
            break
        except duckdb.IOException:  # removed between reading the pointer and opening it: read the pointer again
            if attempt == 2:
                raise
    mark = datetime.datetime.fromisoformat(current["watermark"])
    pending = DataValue.objects.filter(updated__gt=mark).count()
    return con, {"as_of": datetime.datetime.fromisoformat(current["checked"]), "pending": pending}


# ---- queries ---------------------------------------------------------------------------------------------


def _aggregate(
    con, indicator: Indicator, dims: list[str], where: str, params: list, by_option: bool = False
) -> dict[tuple, Decimal]:
    keys = ", ".join(dims)
    select_keys = (keys + ", ") if dims else ""
    group = f"GROUP BY {keys}" if dims else ""
    # by option: the sub-rows of the indicator's breakdown (and their totals: sums of sub-rows); otherwise the reported
    # totals, which the sub-rows are parts of (the bulk path reads '' from CSV as NULL: both are a total)
    parts = "coalesce(option, '') <> ''" if by_option else "coalesce(option, '') = ''"
    base = f"SELECT * FROM facts WHERE indicator = ? AND {parts} {where}"
    if indicator.aggregation == Indicator.Aggregation.LAST:
        inner_keys = ", ".join([*dims, "pairing_id"])
        sql = (
            f"SELECT {select_keys} SUM(v) FROM (SELECT {inner_keys}, arg_max(value, period) AS v "
            f"FROM ({base}) GROUP BY {inner_keys}) {group}"
        )
    else:
        fn = "AVG" if indicator.aggregation == Indicator.Aggregation.AVERAGE else "SUM"
        sql = f"SELECT {select_keys} {fn}(value) FROM ({base}) {group}"
    out = {}
    for row in con.execute(sql, [indicator.code, *params]).fetchall():
        value = row[-1]
        if value is not None:
            out[tuple(row[:-1])] = Decimal(str(value)).quantize(Decimal("0.0001"))
    return out


def _filters(user, year, status) -> tuple[str, list]:
    """The WHERE clause of a query: the user's pairings (as the scoping layer lists them), year, approval."""
    visible = list(scoping.scope(user, Pairing).values_list("pk", flat=True))
    where, params = " AND list_contains(?, pairing_id)", [visible]
    if year:
        try:
            year = int(year)
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("年度「%(year)s」无效") % {"year": year}) from exc
        where += " AND year = ?"
        params.append(year)
    if status == "approved":
        where += " AND status IN ('approved', 'accepted')"
    return where, params


def _results(user, indicator: str, groupings: dict[str, list[str]], year, status) -> tuple[Indicator, dict, dict]:
    """The indicator aggregated by each grouping (name → dimensions), over what the user may see; a derived
    indicator is computed from its parts aggregated by the same grouping."""
    from .queries import indicators_for

    ind = indicators_for(user).filter(pk=indicator).first()
    if ind is None:
        raise Http404(f"未知指标「{indicator}」")
    where, params = _filters(user, year, status)
    by_option = any("option" in dims for dims in groupings.values())
    embedded = settings.DUIKOU_ANALYTICS_MODE != "published"
    with _lock if embedded else contextlib.nullcontext():
        con, freshness = _open_for_reading()
        try:
            if ind.derived:
                bases = {code: Indicator.objects.get(pk=code) for code in formulas.codes_in(ind.formula)}
                results = {}
                for name, dims in groupings.items():
                    parts = {code: _aggregate(con, b, dims, where, params, by_option) for code, b in bases.items()}
                    keys = set().union(*[set(p) for p in parts.values()]) if parts else set()
                    results[name] = {}
                    for key in keys:
                        value = formulas.evaluate(ind.formula, {c: parts[c].get(key) for c in parts})
                        if value is not None:
                            results[name][key] = value.quantize(Decimal("0.0001"))
            else:
                results = {
                    name: _aggregate(con, ind, dims, where, params, by_option) for name, dims in groupings.items()
                }
        finally:
            con.close()
    return ind, results, freshness


DISPLAY_PLACES = 2  # a rate as a page shows it: 46.67 %, not 46.6667


def pivot(user, *, indicator: str, rows: str = "province", cols: str = "year", year=None, status: str = "") -> dict:
    """Aggregate one indicator over two dimensions, restricted to the user's pairings. Totals included."""
    for dim in (rows, cols):
        if dim not in DIMENSIONS:
            raise ValidationError(
                _("未知维度「%(dim)s」，可用：%(dims)s") % {"dim": dim, "dims": ", ".join(DIMENSIONS)}
            )
    if rows == cols:
        raise ValidationError(_("行维度与列维度不能相同"))
    groupings = {"cells": [rows, cols], "row_totals": [rows], "col_totals": [cols], "total": []}
    ind, results, freshness = _results(user, indicator, groupings, year, status)
    row_keys = sorted({k[0] for k in results["cells"]} | {k[0] for k in results["row_totals"]}, key=str)
    col_keys = sorted({k[1] for k in results["cells"]} | {k[0] for k in results["col_totals"]}, key=str)
    return {
        "indicator": ind.code,
        "name": ind.display_name,
        "unit": ind.display_unit,
        "aggregation": ind.aggregation,
        # a derived indicator (a rate) is computed from its parts aggregated cell by cell, never summed itself
        "derived": bool(ind.derived),
        "formula": formulas.readable(ind.formula, {i.code: i.display_name for i in Indicator.objects.all()})
        if ind.derived
        else "",
        "places": (places := DISPLAY_PLACES if ind.derived or ind.unit == "%" else 4),
        "places_format": f"-{places}",
        "rows_dim": rows,
        "cols_dim": cols,
        "rows": [str(r) for r in row_keys],
        "cols": [str(c) for c in col_keys],
        "cells": [[results["cells"].get((r, c)) for c in col_keys] for r in row_keys],
        "row_totals": [results["row_totals"].get((r,)) for r in row_keys],
        "col_totals": [results["col_totals"].get((c,)) for c in col_keys],
        "total": results["total"].get(()),
        **freshness,
    }


def city_values(user, *, indicator: str, year=None, status: str = "") -> list[dict]:
    """The indicator aggregated by old-area city, keyed by the city's division code: what the city map colours
    (its features carry the same codes). Cities without a value are not listed."""
    _ind, results, _freshness = _results(user, indicator, {"cities": ["city_code", "city"]}, year, status)
    return [{"code": code, "name": name, "value": value} for (code, name), value in sorted(results["cities"].items())]
