"""Query helpers every app's scoped reads use."""

import operator
from functools import reduce

from django.db.models import Q, QuerySet


def filter_given(qs: QuerySet, **lookups) -> QuerySet:
    """``qs`` narrowed by each lookup whose value was given: a search field left empty ("", None, 0) narrows nothing.
    Each lookup is its own ``filter()``, in the order given."""
    for lookup, value in lookups.items():
        if value:
            qs = qs.filter(**{lookup: value})
    return qs


def search(qs: QuerySet, q: str, *lookups: str) -> QuerySet:
    """``qs`` narrowed to the rows where any of the ``lookups`` matches the search text ``q`` (all rows when it is
    empty): ``search(qs, q, "name__contains", "code__iexact")``."""
    if not q:
        return qs
    return qs.filter(reduce(operator.or_, (Q(**{lookup: q}) for lookup in lookups)))
