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
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction
from django.db.models import Model
from django.utils import timezone

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


def bulk_create_logged(
    model: type[Model], objects: list, *, actor, batch: int = 1000, tick: Callable[[int], None] | None = None
) -> None:
    """Insert many rows at once and write one "created" entry (every field) per row, as saving them would."""
    for start in range(0, len(objects), batch):
        chunk = objects[start : start + batch]
        model._default_manager.bulk_create(chunk)
        log_bulk_creates(
            model, ((obj.pk, str(obj), model_instance_diff(None, obj)) for obj in chunk), actor=actor, batch=batch
        )
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
    changes = created_changes(fields)
    return LogEntry.objects.log_create(
        obj,
        force_log=True,
        action=LogEntry.Action.CREATE,
        actor=_real(actor),
        changes=changes,
        changes_text=json.dumps(changes, ensure_ascii=False),
        remote_addr=request_address.get()[0],
        remote_port=request_address.get()[1],
    )


def log_note(obj: Model, *, actor, label: str, text: str) -> LogEntry:
    """A line in ``obj``'s history that is not a field change (a reason, an escalation, a reset password or lockout),
    found by the audit log's search."""
    changes = {label: ["", text]}
    return LogEntry.objects.log_create(
        obj,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        actor=_real(actor),
        changes=changes,
        changes_text=json.dumps(changes, ensure_ascii=False),
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
