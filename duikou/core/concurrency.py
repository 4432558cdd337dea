"""Optimistic concurrency for edits: a write names the version it was based on and is refused if stale."""

from django.db import transaction
from django.db.models import F, Model

from .errors import StaleObjectError


def save_versioned(obj: Model, *, expected_version: int, changes: dict, exclude: tuple[str, ...] = ()) -> Model:
    """Apply ``changes`` to ``obj`` if its stored version is still ``expected_version``; bump the version.
    ``exclude``: fields the model validation skips (for example encrypted columns set only by their service).

    The conditional UPDATE takes the row (PostgreSQL) or database (SQLite) write lock first, so of two
    concurrent writers based on the same version exactly one wins and the other gets StaleObjectError.
    The object is then saved normally, so audit history records the before and after of each field.
    """
    model = type(obj)
    with transaction.atomic():
        claimed = model._default_manager.filter(pk=obj.pk, version=expected_version).update(version=F("version") + 1)
        if not claimed:
            current = model._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
            raise StaleObjectError(obj, expected_version, current)
        fresh = model._default_manager.get(pk=obj.pk)
        for field, value in changes.items():
            setattr(fresh, field, value)
        fresh.full_clean(exclude=list(exclude) or None)
        fresh.save()
    return fresh
