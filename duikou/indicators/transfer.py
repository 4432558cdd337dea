"""Import and export of data values: CSV, .xlsx and DHIS2's ``dataValueSets`` (JSON, and XML read by ``dhis2``).

An import is all or nothing: every row is checked first (unknown indicator, period, pairing; a locked value;
a bad number; a duplicate), and if any row has a problem nothing is written and every problem is reported by
row, column and reason. Re-importing the same file changes nothing. Large files go by PostgreSQL ``COPY``.
"""

import json
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core.audit_entries import log_created
from duikou.core.errors import UserFacingError
from duikou.core.exports import CSV, XLSX, csv_bytes, xlsx_bytes
from duikou.core.jobs import start_job
from duikou.core.uploads import read_json, read_table
from duikou.pairings.models import Pairing

from . import dhis2
from .models import BreakdownOption, DataValue, DataValueHistory, Indicator, Report, ValueImport
from .periods import parse_period
from .services import number_text, parse_value

# an import of more values than this leaves the analytics store to a background job after its commit
STORE_INLINE_MAX = 10_000
COLUMNS = ["dataElement", "period", "orgUnit", "value", "comment"]
FORMATS = ("json", "csv", "xlsx")
# what a DHIS2 dataValueSet may also give for a value (SET_LEVEL: what it may give once for the whole set); DHIS2's CSV
# names the same columns in lower case (dataelement, …, categoryoptioncombo, storedby, lastupdated, followup)
COMBOS = ["categoryOptionCombo", "attributeOptionCombo"]
DHIS2_EXTRA = [*COMBOS, "storedBy", "created", "lastUpdated", "followup"]
SET_LEVEL = ["dataSet", "period", "orgUnit", "attributeOptionCombo", "completeDate"]
# DHIS2's default category option combo, as its exports name it (by uid, code or name): an indicator's total; the
# sub-rows of an indicator's breakdown are named by their option's uid or code (``category_option``)
DEFAULT_COMBOS = {"", "default", "HllvX50cXC0", "bRowv6yZOF2"}


def category_option(indicator: Indicator, combo: str) -> BreakdownOption | None:
    """The breakdown option a value's categoryOptionCombo names: None for the default combo (the total), else the
    option of the indicator's breakdown with that uid or code; a ValidationError naming the indicator and the combo
    when the indicator has no such option."""
    if combo in DEFAULT_COMBOS:
        return None
    options = indicator.breakdown.options.all() if indicator.breakdown_id else ()
    found = next((o for o in options if combo in (o.uid, o.code)), None)
    if found is None:
        raise ValidationError(
            f"「{combo}」不是指标「{indicator.name}」的分类选项组合："
            + (
                f"可用 default 或 {', '.join(o.uid for o in options)}（{'、'.join(o.name for o in options)}）"
                if options
                else "该指标没有分类明细，只接受 default"
            )
        )
    return found


def _fail(reason: str) -> UserFacingError:
    errors = [{"row": "", "column": "", "value": "", "reason": reason}]
    return UserFacingError(reason, {"errors": errors, **dhis2.refused(errors)})


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """(row number, row) pairs from a CSV, .xlsx or dataValueSets JSON or XML file; an unreadable file is one clear
    error. The rows keep the set's data set (``dataSet``), for the import to check once its id scheme is known."""
    name = (filename or "").lower()
    xml = dhis2.looks_like_xml(data, filename)
    try:
        if xml:
            payload = dhis2.read_xml(data, filename)
        elif name.endswith(".json"):
            payload = read_json(data, filename)
        elif name.endswith((".csv", ".xlsx")):
            header, body = read_table(data, filename)
        else:
            raise UserFacingError(f"「{filename}」的格式无法识别：请上传 .csv、.xlsx 或 dataValueSets .json 文件")
    except UserFacingError as exc:
        raise _fail(str(exc)) from exc
    if xml or name.endswith(".json"):
        if not isinstance(payload, dict) or not isinstance(payload.get("dataValues"), list):
            raise _fail(f"「{filename}」不是 dataValueSets 格式：缺少 dataValues 列表")
        # a value inherits what the set gives once (DHIS2 exports give period and orgUnit at the set level) unless
        # it gives its own
        inherited = {k: payload.get(k) for k in SET_LEVEL if payload.get(k) not in (None, "")}
        out = []
        for n, item in enumerate(payload["dataValues"], 1):
            if not isinstance(item, dict):
                raise _fail(f"dataValues 第 {n} 项不是对象")
            merged = {**inherited, **{k: v for k, v in item.items() if v not in (None, "")}}
            keys = [*COLUMNS, *DHIS2_EXTRA, "dataSet"]
            out.append((n, {k: "" if merged.get(k) is None else str(merged.get(k)) for k in keys}))
        return out
    header = ["" if h is None else str(h).lower() for h in header]
    wanted = {c.lower(): c for c in COLUMNS + DHIS2_EXTRA} | dhis2.CSV_ALIASES
    missing = [c for c in COLUMNS[:4] if c.lower() not in header]
    if missing:
        raise _fail(f"「{filename}」缺少列：{', '.join(missing)}（表头应为 {','.join(COLUMNS)}）")
    index = {wanted[h]: i for i, h in enumerate(header) if h in wanted}
    out = []
    for n, row in body:
        if all(v is None for v in row):
            continue
        out.append((n, {c: ("" if i >= len(row) or row[i] is None else str(row[i])) for c, i in index.items()}))
    return out


def import_values(
    *,
    user,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    progress: Callable | None = None,
    id_schemes: dict | None = None,
) -> dict:
    """``id_schemes``: how the file names data elements, org units and the data set (``dhis2.schemes_from``)."""
    rows = read_rows(data, filename)
    progress = progress or (lambda *a, **k: None)
    progress(0, len(rows), "校验中")
    # uids and names become codes; a row naming something unknown is reported for that alone
    rows, errors = dhis2.translate_ids(rows, user=user, schemes=id_schemes)
    library = Indicator.objects.select_related("breakdown").prefetch_related("breakdown__options")
    indicators = {i.code: i for i in library}
    pairings = dict(scoping.scope(user, Pairing, scoping.Action.CHANGE).values_list("code", "pk"))
    parsed, seen = [], {}

    def err(n, column, value, reason):
        errors.append({"row": n, "column": column, "value": value, "reason": reason})

    for count, (n, row) in enumerate(rows, 1):
        code, period_text = row.get("dataElement", ""), row.get("period", "")
        org, raw = row.get("orgUnit", ""), row.get("value", "")
        ok = True
        indicator = indicators.get(code)
        if indicator is None:
            err(n, "dataElement", code, f"未知指标「{code}」")
            ok = False
        elif indicator.derived:
            err(n, "dataElement", code, f"「{indicator.name}」是派生指标，不能导入")
            ok = False
        period = None
        try:
            period = parse_period(period_text, expected_type=indicator.period_type if indicator else None)
        except ValidationError as exc:
            err(n, "period", period_text, exc.messages[0])
            ok = False
        if org not in pairings:
            err(n, "orgUnit", org, f"未知或无权填报的结对关系（组织单元）「{org}」")
            ok = False
        value = None
        if indicator is not None:
            try:
                value = parse_value(raw, indicator=indicator)
            except ValidationError as exc:
                err(n, "value", raw, exc.messages[0])
                ok = False
        combo, option = row.get("categoryOptionCombo", ""), None
        if indicator is not None:
            try:
                option = category_option(indicator, combo)
            except ValidationError as exc:
                err(n, "categoryOptionCombo", combo, exc.messages[0])
                ok = False
        combo = row.get("attributeOptionCombo", "")
        if combo not in DEFAULT_COMBOS:
            err(n, "attributeOptionCombo", combo, f"「{combo}」不是默认的属性选项组合：本平台只接受 default")
            ok = False
        if ok:
            key = (pairings[org], code, period.id, option.pk if option else None)
            if key in seen:
                err(n, "", "", f"与第 {seen[key]} 行重复（同一结对、指标、分类选项、报告期）")
                continue
            seen[key] = n
            parsed.append((n, key, value, row.get("comment", "")))
        if count % 5000 == 0:
            progress(count, len(rows), "校验中")

    existing = _stored(parsed)
    for n, key in _locked(parsed, existing):
        err(n, "value", "", f"「{indicators[key[1]].name}」{key[2]} 的数据已上报或审核锁定，不能导入")

    if errors:
        errors.sort(key=lambda e: e["row"] if isinstance(e["row"], int) else 0)
        raise UserFacingError(
            f"导入未执行：发现 {len(errors)} 处问题，未写入任何数据",
            {"errors": errors[:1000], "problems": len(errors), **dhis2.refused(errors[:1000])},
        )

    if dry_run:
        new, changed, _keys, unchanged = _plan(parsed, existing)
        summary = f"新增 {len(new)} 条，更新 {len(changed)} 条，未变 {unchanged} 条"
        progress(len(rows), len(rows), "试导入完成")
        return {
            "summary": f"试导入（未写入）：{summary}",
            "new": len(new),
            "changed": len(changed),
            "unchanged": unchanged,
            **import_count(len(new), len(changed), unchanged),
        }
    user_id = user.pk if getattr(user, "pk", None) else None
    progress(0, len(rows), "写入中")
    stamp_before = DataValue.objects.aggregate(m=Max("updated"))["m"]
    now = timezone.now()
    with transaction.atomic():
        # the reports written into are locked (as a cell save and a workflow step lock them) and what is stored is
        # read again: a report submitted or a value saved since the check above is seen here
        pairing_ids, periods = sorted({k[0] for _n, k, _v, _c in parsed}), sorted({k[2] for _n, k, _v, _c in parsed})
        list(
            Report.objects.select_for_update()
            .filter(pairing_id__in=pairing_ids, period__in=periods)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        existing = _stored(parsed)
        locked = _locked(parsed, existing)
        if locked:
            n, key = locked[0]
            raise _fail(
                _("第 %(row)s 行「%(indicator)s」%(period)s 的数据在导入过程中已上报，未写入任何数据")
                % {"row": n, "indicator": indicators[key[1]].name, "period": key[2]}
            )
        new, changed, changed_keys, unchanged = _plan(parsed, existing)
        summary = f"新增 {len(new)} 条，更新 {len(changed)} 条，未变 {unchanged} 条"
        record = None
        if new or changed:
            # the import's record, named by its values' history rows, and its one entry in the audit log
            record = ValueImport.objects.create(
                filename=(filename or "")[:255],
                user_id=user_id,
                new=len(new),
                changed=len(changed),
                unchanged=unchanged,
            )
            fields = {"filename": record.filename, "user": user_id, "new": len(new), "changed": len(changed)}
            log_created(record, actor=user, fields=fields | {"unchanged": unchanged})
        history: list[tuple] = []
        try:
            with transaction.atomic():  # a savepoint: values someone else inserted meanwhile, without a report
                ids = _insert(new, user_id, progress, len(rows), now)
        except IntegrityError as exc:
            raise _fail(
                _("其他用户同时保存或导入了其中的数据，本次导入未写入任何数据；请重新导入（已有的数值会显示为未变）")
            ) from exc
        progress(len(rows), len(rows), "写入历史")
        _history_of_created(record, ids)
        updated = DataValueHistory.Kind.UPDATED.value
        for start in range(0, len(changed), 2000):
            chunk = changed[start : start + 2000]
            objs = DataValue.objects.select_for_update().in_bulk([c[0] for c in chunk])
            for (pk, value, comment), key in zip(chunk, changed_keys[start : start + 2000], strict=True):
                obj = objs[pk]
                history.append((pk, record.pk, *key, updated, obj.value, value, obj.comment, comment))
                obj.value, obj.comment, obj.version, obj.updated_by_id, obj.updated = (
                    value,
                    comment,
                    obj.version + 1,
                    user_id,
                    now,
                )
            DataValue.objects.bulk_update(objs.values(), ["value", "comment", "version", "updated_by", "updated"])
        # every value the import created or changed has its history row, in this transaction
        _write_history(history)
    if new or changed:
        from . import analytics

        if len(new) + len(changed) <= STORE_INLINE_MAX:
            progress(len(rows), len(rows), "更新分析库")
            values = {k: v for k, v, _c in new}
            values.update({k: v for k, (_pk, v, _c) in zip(changed_keys, changed, strict=True)})
            analytics.keep_in_step(analytics.upsert, values, written_at=now, stamp_before=stamp_before)
        elif settings.DUIKOU_ANALYTICS_MODE != "published":  # published: analytics-sync catches up by itself
            # a large import leaves the store to a background job once committed: until it has run, the next query
            # catches the store up from its watermark, so nothing is read stale
            transaction.on_commit(
                lambda: start_job(
                    kind="indicators-analytics",
                    title=_("更新分析库：%(file)s") % {"file": filename},
                    user=user if getattr(user, "pk", None) else None,
                    fn=store_job,
                )
            )
    progress(len(rows), len(rows), "导入完成")
    return {
        "summary": f"导入完成：{summary}",
        "new": len(new),
        "changed": len(changed),
        "unchanged": unchanged,
        **import_count(len(new), len(changed), unchanged),
    }


def store_job(*, user, progress) -> dict:
    """The background job a large import starts after its commit: the analytics store catches up with it."""
    from . import analytics

    progress(0, 1, _("更新分析库"))
    analytics.keep_in_step(analytics.catch_up)
    return {"summary": _("分析库已更新")}


def import_count(imported: int, updated: int, ignored: int, *, status: str = "SUCCESS") -> dict:
    """The import summary DHIS2 clients read (``status`` and ``importCount``), beside this platform's own keys."""
    counts = {"imported": imported, "updated": updated, "ignored": ignored, "deleted": 0}
    return {"status": status, "importCount": counts, "conflicts": []}


def _stored(parsed: list) -> dict[tuple, tuple]:
    """What is stored for the rows' keys: (pk, value, comment, status) by (pairing, indicator, period, option id)."""
    if not parsed:
        return {}
    pairing_ids = sorted({k[0] for _n, k, _v, _c in parsed})
    periods = sorted({k[2] for _n, k, _v, _c in parsed})
    return {
        (pid, code, per, opt): (pk, value, comment, status)
        for pk, pid, code, per, opt, value, comment, status in DataValue.objects.filter(
            pairing_id__in=pairing_ids, period__in=periods
        ).values_list("pk", "pairing_id", "indicator_id", "period", "option_id", "value", "comment", "status")
    }


def _locked(parsed: list, existing: dict) -> list[tuple[int, tuple]]:
    """(row number, key) of the rows whose stored value, or whose report, is submitted or approved."""
    if not parsed:
        return []
    pairing_ids = sorted({k[0] for _n, k, _v, _c in parsed})
    periods = sorted({k[2] for _n, k, _v, _c in parsed})
    locked_reports: dict[tuple, set] = {}
    for pid, per, ds in Report.objects.filter(
        pairing_id__in=pairing_ids, period__in=periods, status__in=Report.LOCKED
    ).values_list("pairing_id", "period", "dataset_id"):
        locked_reports.setdefault((pid, per), set()).add(ds)
    datasets_of: dict[str, set] = {}
    for code, ds in Indicator.datasets.through.objects.values_list("indicator_id", "dataset_id"):
        datasets_of.setdefault(code, set()).add(ds)
    found = []
    for n, key, _value, _comment in parsed:
        stored = existing.get(key)
        report_locked = locked_reports.get((key[0], key[2]), set()) & datasets_of.get(key[1], set())
        if (stored and stored[3] in DataValue.LOCKED) or report_locked:
            found.append((n, key))
    return found


def _plan(parsed: list, existing: dict) -> tuple[list, list, list, int]:
    """(new, changed, keys of the changed, unchanged count): what writing the rows does to ``existing``."""
    new, changed, changed_keys, unchanged = [], [], [], 0
    for _n, key, value, comment in parsed:
        stored = existing.get(key)
        if stored is None:
            new.append((key, value, comment))
        elif stored[1] != value or (comment and stored[2] != comment):
            changed.append((stored[0], value, comment or stored[2]))
            changed_keys.append(key)
        else:
            unchanged += 1
    return new, changed, changed_keys, unchanged


def _insert(new: list, user_id, progress, total: int, now) -> list[int]:
    """Insert the new values with ids taken beforehand from the table's sequence (COPY hands none back); returns
    them, in the order of ``new``."""
    table = DataValue._meta.db_table
    columns = "id, pairing_id, indicator_id, period, option_id, value, comment, status, version, updated_by_id, updated"
    if not new:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(new)]
            )
            ids = [r[0] for r in cursor.fetchall()]
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for n, (pk, ((pid, code, per, opt), value, comment)) in enumerate(zip(ids, new, strict=True), 1):
                    copy.write_row((pk, pid, code, per, opt, value, comment or "", "draft", 1, user_id, now))
                    if n % 20000 == 0:
                        progress(n, total, "写入中")
            return ids
        # SQLite: the ids after the highest ever given (AUTOINCREMENT), inside the write transaction that holds the
        # database; tuples through executemany on Django's connection (bulk_create compiles 249-row statements value
        # by value, several times slower)
        cursor.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max(id) FROM {table}), 0))",
            [table],
        )
        first = cursor.fetchone()[0] + 1
        ids = list(range(first, first + len(new)))
        stamp = connection.ops.adapt_datetimefield_value(now)
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, 'draft', 1, %s, %s)"
        for start in range(0, len(new), 50000):
            chunk = new[start : start + 50000]
            cursor.executemany(
                sql,
                [
                    (pk, pid, code, per, opt, str(value), comment or "", user_id, stamp)
                    for pk, ((pid, code, per, opt), value, comment) in zip(ids[start:], chunk, strict=False)
                ],
            )
            progress(start + len(chunk), total, "写入中")
    return ids


def _history_of_created(record, ids: list[int]) -> None:
    """The "created" history rows of the values just inserted with ``ids``, made by the database from those rows
    (as written: nothing to send twice): through the ids as an array on PostgreSQL; on SQLite the ids are one run,
    given under the write lock."""
    if not ids:
        return
    table, values = DataValueHistory._meta.db_table, DataValue._meta.db_table
    select = (
        f"SELECT d.id, %s, d.pairing_id, d.indicator_id, d.period, d.option_id, '{DataValueHistory.Kind.CREATED}', "
        f"NULL, d.value, '', d.comment FROM {values} d"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({HISTORY_COLUMNS}) {select} JOIN unnest(%s::bigint[]) AS n(id) ON d.id = n.id "
                "ORDER BY d.id",
                [record.pk, ids],
            )
        else:
            cursor.execute(
                f"INSERT INTO {table} ({HISTORY_COLUMNS}) {select} WHERE d.id BETWEEN %s AND %s ORDER BY d.id",
                [record.pk, ids[0], ids[-1]],
            )
        if cursor.rowcount != len(ids):  # cannot happen inside the import's transaction; never leave values unrecorded
            raise RuntimeError(f"value history: {len(ids)} values inserted, {cursor.rowcount} recorded")


HISTORY_COLUMNS = (
    "value_id, value_import_id, pairing_id, indicator_id, period, option_id, kind, old_value, new_value, "
    "old_comment, new_comment"
)


def _write_history(rows: list[tuple]) -> None:
    """The value-history rows (in ``HISTORY_COLUMNS``' order): COPY on PostgreSQL, one prepared executemany on
    SQLite, on Django's connection inside the import's transaction."""
    if not rows:
        return
    table = DataValueHistory._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({HISTORY_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(HISTORY_COLUMNS.split(",")))
        sql = f"INSERT INTO {table} ({HISTORY_COLUMNS}) VALUES ({marks})"
        for start in range(0, len(rows), 50000):
            cursor.executemany(
                sql,
                [
                    (*r[:7], None if r[7] is None else str(r[7]), None if r[8] is None else str(r[8]), r[9], r[10])
                    for r in rows[start : start + 50000]
                ],
            )


# ---- export ----------------------------------------------------------------------------------------------


def export_rows(values) -> Iterable[dict]:
    """The values as dataValues; a sub-row of a breakdown names its option's uid as categoryOptionCombo (a total
    gives none: DHIS2's default)."""
    for v in values.values_list("indicator_id", "period", "pairing__code", "value", "comment", "option__uid").iterator(
        chunk_size=5000
    ):
        row = {"dataElement": v[0], "period": v[1], "orgUnit": v[2], "value": number_text(v[3]), "comment": v[4]}
        if v[5]:
            row["categoryOptionCombo"] = v[5]
        yield row


# the CSV and .xlsx export: the import's columns and the category option combo (empty for a total)
TABLE_COLUMNS = [*COLUMNS, "categoryOptionCombo"]


def _table_row(row: dict) -> list:
    """A row of the CSV or .xlsx export: the value as a number (a number cell; in CSV as written), so that a
    negative value is never taken for a formula nor escaped as one; the rest is text, escaped by the writer."""
    value = row["value"]
    return [row.get(c, "") if c != "value" else (Decimal(value) if value else None) for c in TABLE_COLUMNS]


def export_values(values, fmt: str) -> tuple[bytes, str, str]:
    """(content, filename, content type) of the values in one of the three formats."""
    if fmt not in FORMATS:
        raise ValidationError(f"未知的导出格式「{fmt}」，可用：{', '.join(FORMATS)}")
    rows = list(export_rows(values))
    if fmt == "json":
        body = json.dumps({"dataValues": rows}, ensure_ascii=False, indent=1).encode()
        return body, "dataValueSets.json", "application/json"
    if fmt == "csv":
        return csv_bytes(TABLE_COLUMNS, (_table_row(r) for r in rows)), "dataValues.csv", CSV
    return xlsx_bytes("dataValues", TABLE_COLUMNS, (_table_row(r) for r in rows)), "dataValues.xlsx", XLSX
