"""Scoped reads of regions and old areas. Regions are reference data every signed-in user may read."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search

from .models import Designation, OldArea, Region


def regions_for(user, *, q: str = "", level: str = "", parent: str = "") -> QuerySet[Region]:
    qs = scoping.scope(user, Region).select_related("parent")
    qs = search(qs, q, "name__contains", "code__startswith")
    return filter_given(qs, level=level, parent_id=parent)


def region_named(user, code: str, field: str) -> Region:
    """The region whose code a request gave in ``field``; a code that names none is that field's error."""
    region = scoping.scope(user, Region).filter(code=code).first()
    if region is None:
        raise ValidationError({field: [f"区划代码「{code}」不存在"]})
    return region


def old_areas_for(user) -> QuerySet[OldArea]:
    """Old areas, each with the number of its pairings the user may see."""
    from duikou.pairings.models import Pairing

    visible = scoping.scope(user, Pairing).filter(status="active").values("pk")
    return scoping.scope(user, OldArea).annotate(pairing_count=Count("pairings", filter=Q(pairings__in=visible)))


def designations_for(user, region: Region) -> QuerySet[Designation]:
    return scoping.scope(user, Designation).filter(region__code__startswith=region.prefix)
