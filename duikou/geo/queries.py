"""Scoped reads of regions and old areas. Regions are reference data every signed-in user may read."""

from django.db.models import Count, Q, QuerySet

from duikou.accounts import scoping

from .models import Designation, OldArea, Region


def regions_for(user, *, q: str = "", level: str = "", parent: str = "") -> QuerySet[Region]:
    qs = scoping.scope(user, Region).select_related("parent")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent_id=parent)
    return qs


def old_areas_for(user) -> QuerySet[OldArea]:
    """Old areas, each with the number of its pairings the user may see."""
    from duikou.pairings.models import Pairing

    visible = scoping.scope(user, Pairing).filter(status="active").values("pk")
    return scoping.scope(user, OldArea).annotate(pairing_count=Count("pairings", filter=Q(pairings__in=visible)))


def designations_for(user, region: Region) -> QuerySet[Designation]:
    return scoping.scope(user, Designation).filter(region__code__startswith=region.prefix)
