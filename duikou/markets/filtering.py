"""The list filters that produce and labour share: each filter applies only when the user gave it a value."""

from django.db.models import Q, QuerySet


def given(qs: QuerySet, **lookups) -> QuerySet:
    """``qs`` filtered by the lookups that have a value; an empty one (``""``, ``None``) means any."""
    return qs.filter(**{lookup: value for lookup, value in lookups.items() if value})


def containing(qs: QuerySet, q: str, *fields: str) -> QuerySet:
    """The rows where any of ``fields`` contains ``q``; all rows when ``q`` is empty."""
    if not q:
        return qs
    found = Q()
    for field in fields:
        found |= Q(**{f"{field}__contains": q})
    return qs.filter(found)
