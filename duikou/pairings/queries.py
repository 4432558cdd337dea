"""Scoped reads of pairings."""

from django.db.models import Q, QuerySet

from duikou.accounts import scoping

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
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if old_area:
        qs = qs.filter(old_area__key=old_area)
    if province:
        prefix = province[:2]
        qs = qs.filter(Q(old_region__code__startswith=prefix) | Q(partner_region__code__startswith=prefix))
    if q:
        qs = qs.filter(
            Q(old_region__name__contains=q)
            | Q(partner_region__name__contains=q)
            | Q(old_area__name__contains=q)
            | Q(code__iexact=q)
        )
    return qs.order_by("level", "code")


def pairing_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Pairing:
    return scoping.get_for(
        user, Pairing.objects.select_related("old_region", "partner_region", "old_area"), action, pk=pk
    )
