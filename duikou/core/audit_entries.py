"""Audit entries for writes that bypass model saves (bulk imports), in the same shape auditlog writes, notes of
acts that change no recorded field, and the one removal of entries: those older than the retention
(``purge_audit``).

The one place that writes such entries: imports insert or update many rows at once, and each row still gets
its own "created" or "updated" entry, attributed to the importing user — except the data values, whose imports keep
a narrow value-history table of their own (``indicators.DataValueHistory``) and one entry per import here
(``log_created``).

The trail is append-only: nothing in the platform changes an entry, no page or API route removes one, and on
PostgreSQL the database itself refuses to change any entry or to delete one younger than the legal minimum
(migration 0001).
"""

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from auditlog.cid import get_cid
from auditlog.diff import get_field_value, get_fields_in_model, get_mask_function
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    TextField,
)
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from django.utils.encoding import smart_str

from .audit_context import request_address


def _write(model: type[Model], action: int, rows: Iterable[tuple[int, str, dict]], *, actor, batch: int) -> int:
    """Write one entry per (pk, text for the object, changes), in the shape auditlog gives them, as ``bulk_create``
    would (no save(), no signals) but faster: as one prepared INSERT over each batch (SQLite; ``bulk_create``
    compiles a statement per ~50 rows there) or by ``COPY`` (PostgreSQL). Columns and their database values come
    from the LogEntry model's own fields; the per-batch ones are prepared once."""
    connection = connections[router.db_for_write(LogEntry)]
    actor = _real(actor)
    fields = [f for f in LogEntry._meta.concrete_fields if not f.primary_key]
    common = LogEntry(
        content_type=ContentType.objects.get_for_model(model),
        action=action,
        actor=actor,
        actor_email=getattr(actor, "email", None) if actor else None,
        cid=get_cid(),
        timestamp=timezone.now(),
        remote_addr=request_address.get()[0],
        remote_port=request_address.get()[1],
    )
    constant = {f.attname: f.get_db_prep_save(getattr(common, f.attname), connection) for f in fields}
    changes_field = LogEntry._meta.get_field("changes")
    table = connection.ops.quote_name(LogEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    order = [f.attname for f in fields]

    def prepared(pk, text: str, changes: dict) -> tuple:
        # what varies from one entry to the next; the rest is the batch's (who, when, which model)
        values = {
            "object_pk": str(pk),
            "object_id": pk,
            "object_repr": text[:200],
            "changes": changes_field.get_db_prep_save(changes, connection),
        }
        return tuple(values[name] if name in values else constant[name] for name in order)

    count, chunk = 0, []
    for row in rows:
        chunk.append(prepared(*row))
        if len(chunk) >= batch:
            count += _insert(connection, table, columns, chunk)
            chunk = []
    return count + _insert(connection, table, columns, chunk)


def _insert(connection, table: str, columns: str, rows: list[tuple]) -> int:
    if rows:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(rows[0]))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    return len(rows)


def _real(actor):
    """A signed-in user, or None for the system (the command-line operator has no account)."""
    return actor if getattr(actor, "pk", None) else None


def created_diff(model: type[Model]) -> Callable[[Model], dict | None]:
    """``model_instance_diff(None, obj)`` for the created rows of one model, the same dict, but with the work that is
    the same for every row done once: which fields auditlog tracks (its include, exclude and mask settings), and for
    each how it turns a value into text. A created row's "before" is always "None"; a plain field's "after" is its
    value as text, a foreign key's its id; the others (dates and times, JSON, masked fields, reverse relations)
    are left to auditlog's own ``get_field_value``."""
    probe = model()
    fields = _tracked_fields(probe)
    model_fields = auditlog.get_model_fields(model) or {}
    masked = set(model_fields.get("mask_fields") or ())
    mask = get_mask_function(model_fields.get("mask_callable"))
    by_fk = not settings.AUDITLOG_USE_FK_STRING_REPRESENTATION
    plan = []
    for f in fields:
        if f.name in masked or not f.concrete or isinstance(f, DateTimeField | JSONField):
            plan.append((f.name, f, "auditlog"))
        elif by_fk and (f.one_to_one or f.many_to_one) and hasattr(f, "rel_class"):
            plan.append((f.name, f.attname, "id"))
        else:
            plan.append((f.name, f.name, "text"))

    def diff(obj: Model) -> dict:
        changes = {}
        for name, source, how in plan:
            if how == "text":
                value = getattr(obj, source)
                if type(value) is not str:
                    value = smart_str(value)
                    if type(value).__name__ == "__proxy__":
                        value = str(value)
                if value != "None":
                    changes[name] = ("None", value)
            elif how == "id":
                value = getattr(obj, source)
                if type(value) is not int:
                    value = smart_str(value, strings_only=True)
                if value != "None":
                    changes[name] = ("None", smart_str(value))
            else:
                value = get_field_value(obj, source)
                if value != "None":  # what auditlog compares it with: the "None" of a row not yet there
                    if name in masked:
                        changes[name] = (mask("None"), mask(smart_str(value)))
                    else:
                        changes[name] = ("None", smart_str(value))
        return changes or None

    return diff


def _tracked_fields(obj: Model) -> list:
    """The fields ``model_instance_diff`` compares for a created row of ``obj``'s model, in its order."""
    fields = set(get_fields_in_model(obj))
    model_fields = auditlog.get_model_fields(type(obj))
    if model_fields and (model_fields["include_fields"] or model_fields["exclude_fields"]):
        if model_fields["include_fields"]:
            fields = [f for f in fields if f.name in model_fields["include_fields"]]
        if model_fields["exclude_fields"]:
            fields = [f for f in fields if f.name not in model_fields["exclude_fields"]]
    return list(fields)


def insert_rows(model: type[Model], objects: list[Model]) -> None:
    """``bulk_create(objects)`` of new rows (no primary key yet), faster: the keys taken first (the table's sequence
    on PostgreSQL; after the largest key ever given on SQLite, inside the write transaction's lock), then the rows
    written with them by ``COPY`` (PostgreSQL) or one prepared INSERT (SQLite). Each field's value goes through its
    own ``pre_save`` (``auto_now``) and ``get_db_prep_save``, as ``bulk_create`` does; no save(), no signals."""
    if not objects:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    pk = meta.pk
    special = meta.parents or any(f.has_db_default() for f in meta.concrete_fields)
    if not isinstance(pk, AutoFieldMixin) or special or any(obj.pk is not None for obj in objects):
        model._default_manager.bulk_create(objects)  # keys of its own, defaults of the database, parent tables
        return
    fields = [f for f in meta.concrete_fields if not f.generated and f is not pk]
    plan = [(f, f.attname, type(f).pre_save is not Field.pre_save, _plain_type(f)) for f in fields]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *fields])
    keys = _take_keys(connection, meta.db_table, pk.column, len(objects))
    rows = []
    for obj, key in zip(objects, keys, strict=True):
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        row = [key]
        for f, attname, special, plain in plan:
            value = f.pre_save(obj, True) if special else getattr(obj, attname)
            row.append(value if plain is not None and type(value) is plain else f.get_db_prep_save(value, connection))
        rows.append(row)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the driver's own cursor: its errors (a row another import wrote meanwhile) as Django's IntegrityError
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(rows[0]))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    for obj, key in zip(objects, keys, strict=True):
        obj.pk = key
        obj._state.adding, obj._state.db = False, connection.alias


def _plain_type(field) -> type | None:
    """The Python type whose values a field of Django's own writes unchanged (text, whole numbers, yes/no)."""
    if type(field) in (CharField, TextField):
        return str
    if type(field) in (IntegerField, PositiveIntegerField, PositiveSmallIntegerField, BigIntegerField, ForeignKey):
        return int
    if type(field) is BooleanField:
        return bool
    return None


def _take_keys(connection, table: str, column: str, count: int) -> list[int]:
    """``count`` new primary keys of ``table``, as its inserts would get them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(connection.vendor)
        # AUTOINCREMENT: after the largest key ever given (sqlite_sequence) and the largest stored; the write lock
        # of the transaction keeps any other writer out until it ends
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max({connection.ops.quote_name(column)}) FROM {connection.ops.quote_name(table)}), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def bulk_create_logged(
    model: type[Model], objects: list, *, actor, batch: int = 1000, tick: Callable[[int], None] | None = None
) -> None:
    """Insert many rows at once and write one "created" entry (every field) per row, as saving them would."""
    diff = created_diff(model)
    for start in range(0, len(objects), batch):
        chunk = objects[start : start + batch]
        insert_rows(model, chunk)
        log_bulk_creates(model, ((obj.pk, str(obj), diff(obj)) for obj in chunk), actor=actor, batch=batch)
        if tick:
            tick(len(chunk))


def created_changes(fields: dict) -> dict:
    """The changes of a created row from its field values, as auditlog records a save (before is "None")."""
    return {name: ("None", str(value)) for name, value in fields.items() if value is not None}


def log_bulk_creates(model: type[Model], rows: Iterable[tuple[int, str, dict]], *, actor, batch: int = 5000) -> int:
    """One "created" entry per row already inserted — by ``bulk_create`` or by a faster path (``COPY``):
    (pk, text for the object, changes), the changes as ``model_instance_diff(None, obj)`` or ``created_changes``
    give them."""
    return _write(model, LogEntry.Action.CREATE, rows, actor=actor, batch=batch)


def log_bulk_updates(model: type[Model], rows: list[tuple[int, str, dict]], *, actor, batch: int = 5000) -> int:
    """One "updated" entry per row: (pk, text for the object, {field: (before, after)})."""
    changed = ((pk, text, {k: [str(a), str(b)] for k, (a, b) in changes.items()}) for pk, text, changes in rows)
    return _write(model, LogEntry.Action.UPDATE, changed, actor=actor, batch=batch)


def log_created(obj: Model, *, actor, fields: dict) -> LogEntry:
    """The one "created" entry of a row written outside auditlog's signals (a bulk import's own record, which names
    the rows it wrote), with the fields given."""
    return _log(obj, LogEntry.Action.CREATE, actor, created_changes(fields), address=request_address.get())


def log_note(obj: Model, *, actor, label: str, text: str) -> LogEntry:
    """A line in ``obj``'s history that is not a field change (a reason, an escalation, a reset password or lockout),
    found by the audit log's search."""
    return _log(obj, LogEntry.Action.UPDATE, actor, {label: ["", text]})


def _log(obj: Model, action, actor, changes: dict, *, address=(None, None)) -> LogEntry:
    return LogEntry.objects.log_create(
        obj,
        force_log=True,
        action=action,
        actor=_real(actor),
        changes=changes,
        changes_text=json.dumps(changes, ensure_ascii=False),
        remote_addr=address[0],
        remote_port=address[1],
    )


@dataclass(frozen=True)
class Purge:
    retention_days: int
    before: datetime.datetime  # entries older than this go
    count: int
    done: bool


def purge_audit(*, dry_run: bool = True, now: datetime.datetime | None = None) -> Purge:
    """Remove the audit entries older than ``DUIKOU_AUDIT_RETENTION_DAYS`` (at least six months: settings refuse
    less), or only count them (``dry_run``). The removal is itself an entry of the trail: how many, up to when, by
    which setting — written in the same transaction."""
    days = settings.DUIKOU_AUDIT_RETENTION_DAYS
    if days < settings.AUDIT_MIN_RETENTION_DAYS:  # settings refuse it at start; a test may not
        raise ValueError(f"DUIKOU_AUDIT_RETENTION_DAYS={days} is below {settings.AUDIT_MIN_RETENTION_DAYS}")
    before = (now or timezone.now()) - datetime.timedelta(days=days)
    old = LogEntry.objects.filter(timestamp__lt=before)
    if dry_run:
        return Purge(days, before, old.count(), done=False)
    shown = f"{timezone.localtime(before):%Y-%m-%d %H:%M:%S}"
    with transaction.atomic():
        count, _by_model = old.delete()
        changes = {"purged": ["", f"删除 {shown} 之前的审计记录 {count} 条（保存期 {days} 天）"]}
        LogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(LogEntry),
            object_pk="",
            object_repr="审计记录",
            action=LogEntry.Action.DELETE,
            changes=changes,
            changes_text=json.dumps(changes, ensure_ascii=False),
            cid=get_cid(),
        )
    return Purge(days, before, count, done=True)
