"""Audit entries for writes that bypass model saves (bulk imports), in the same shape auditlog writes.

The one place that writes such entries: imports insert or update many rows at once, and each row still gets
its own "created" or "updated" entry, attributed to the importing user.
"""

from collections.abc import Callable

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone


def _entry(content_type, pk, text: str, action: int, changes: dict, actor, cid, now) -> LogEntry:
    return LogEntry(
        content_type=content_type,
        object_pk=str(pk),
        object_id=pk,
        object_repr=text[:200],
        action=action,
        changes=changes,
        actor=actor,
        actor_email=getattr(actor, "email", None) if actor else None,
        cid=cid,
        timestamp=now,
    )


def _real(actor):
    """A signed-in user, or None for the system (the command-line operator has no account)."""
    return actor if getattr(actor, "pk", None) else None


def bulk_create_logged(
    model: type[Model], objects: list, *, actor, batch: int = 1000, tick: Callable[[int], None] | None = None
) -> None:
    """Insert many rows at once and write one "created" entry (every field) per row, as saving them would."""
    content_type, actor, cid = ContentType.objects.get_for_model(model), _real(actor), get_cid()
    for start in range(0, len(objects), batch):
        chunk = objects[start : start + batch]
        model._default_manager.bulk_create(chunk)
        now = timezone.now()
        LogEntry.objects.bulk_create(
            [
                _entry(
                    content_type,
                    obj.pk,
                    str(obj),
                    LogEntry.Action.CREATE,
                    model_instance_diff(None, obj),
                    actor,
                    cid,
                    now,
                )
                for obj in chunk
            ]
        )
        if tick:
            tick(len(chunk))


def log_bulk_updates(model: type[Model], rows: list[tuple[int, str, dict]], *, actor, batch: int = 2000) -> int:
    """One "updated" entry per row: (pk, text for the object, {field: (before, after)})."""
    content_type, actor, cid, now = ContentType.objects.get_for_model(model), _real(actor), get_cid(), timezone.now()
    for start in range(0, len(rows), batch):
        LogEntry.objects.bulk_create(
            [
                _entry(
                    content_type,
                    pk,
                    text,
                    LogEntry.Action.UPDATE,
                    {k: [str(a), str(b)] for k, (a, b) in changes.items()},
                    actor,
                    cid,
                    now,
                )
                for pk, text, changes in rows[start : start + batch]
            ]
        )
    return len(rows)
