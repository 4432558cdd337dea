"""Concurrent writes: optimistic concurrency for edits (a write names the version it was based on and is refused if
stale), and first writes settled by the database's unique rules instead of a read-then-insert."""

from collections.abc import Callable

from django.db import IntegrityError, transaction
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
        save_checked(fresh)
    return fresh


def save_checked(obj: Model, *, check: Callable[[Model], None] | None = None, **kwargs) -> Model:
    """Save a row whose unique rules the caller has just checked (``full_clean``, or ``check``).

    On PostgreSQL two requests can both pass that check before either saves (two people adding a project of the same
    name at the same moment); the database's unique rule then refuses the later save. The save runs in a savepoint,
    and on that refusal the check runs again — ``check(obj)`` if given, else the model's unique rules — now seeing
    the row the other request saved, so the later request gets the same ValidationError, in the user's language, that
    it would get a moment later; not a server error. (SQLite's IMMEDIATE transactions queue writers, so the first
    check already sees the other row there.)
    """
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError:
        if check is not None:
            check(obj)
        else:
            obj.validate_unique()
            obj.validate_constraints()
        raise
    return obj
