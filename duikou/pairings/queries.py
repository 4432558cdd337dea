"""Scoped reads of pairings, and the published list of active pairings."""

from django.db.models import Q, QuerySet

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search
from duikou.geo.models import Region

from .models import Pairing


def pairings_for(
    user,
    *,
    q: str = "",
    level: str = "",
    old_area: str = "",
    province: str = "",
    status: str = "active",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[Pairing]:
    qs = scoping.scope(user, Pairing, action).select_related(
        "old_region__parent", "partner_region__parent", "old_area", "source_clause"
    )
    qs = filter_given(qs, status=status, level=level, old_area__key=old_area)
    if province:
        prefix = province[:2]
        qs = qs.filter(Q(old_region__code__startswith=prefix) | Q(partner_region__code__startswith=prefix))
    qs = search(
        qs,
        q,
        "old_region__name__contains",
        "partner_region__name__contains",
        "old_area__name__contains",
        "code__iexact",
    )
    return qs.order_by("level", "code")


def pairing_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Pairing:
    return scoping.get_for(
        user, Pairing.objects.select_related("old_region", "partner_region", "old_area"), action, pk=pk
    )


def active_pairings() -> QuerySet[Pairing]:
    """Every active pairing between places (institution pairs left out). The pairing list is published policy: the
    matching terms and the pairing an outcome counts for read it whatever the user's scope, and show only whether two
    places are paired."""
    return (
        Pairing.objects.filter(status=Pairing.Status.ACTIVE)
        .exclude(level=Pairing.Level.INSTITUTION)
        .select_related("old_region", "partner_region")
    )


def pairing_between(old_side: Region, partner_side: Region) -> Pairing | None:
    """The active pairing joining a place on the old-area side and one on the supporting side; the most specific one
    (longest region prefixes) if several do."""
    found = [
        p
        for p in active_pairings()
        if old_side.code.startswith(p.old_region.prefix) and partner_side.code.startswith(p.partner_region.prefix)
    ]
    found.sort(key=lambda p: (-(len(p.old_region.prefix) + len(p.partner_region.prefix)), p.code))
    return found[0] if found else None
