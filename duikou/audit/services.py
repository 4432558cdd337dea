"""Audit entries for writes that bypass model saves (bulk imports), in the same shape auditlog writes."""

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone


def log_bulk_updates(model: type[Model], rows: list[tuple[int, str, dict]], *, actor, batch: int = 2000) -> int:
    """One "update" entry per row: (pk, text for the object, {field: [before, after]}), attributed to ``actor``."""
    content_type = ContentType.objects.get_for_model(model)
    actor = actor if getattr(actor, "pk", None) else None
    cid, now, written = get_cid(), timezone.now(), 0
    for start in range(0, len(rows), batch):
        entries = [
            LogEntry(
                content_type=content_type,
                object_pk=str(pk),
                object_id=pk,
                object_repr=text[:200],
                action=LogEntry.Action.UPDATE,
                changes={k: [str(a), str(b)] for k, (a, b) in changes.items()},
                actor=actor,
                cid=cid,
                timestamp=now,
            )
            for pk, text, changes in rows[start : start + batch]
        ]
        LogEntry.objects.bulk_create(entries)
        written += len(entries)
    return written
