"""Scoped reads of seconded people: the list with its filters, one secondment, the people serving in a period and
their counts by direction and field (the pairing's figure beside the reported 干部双向挂职人数)."""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.core import pii
from duikou.indicators.periods import parse_period
from duikou.pairings.models import Pairing

from .models import Secondment, SecondmentReport

INDICATOR = "cadre_exchange_persons"  # 干部双向挂职人数 (人, quarterly)
# the list is searched by name or organisation; an ID number in an address would stay in access logs
ID_IN_ADDRESS = _("身份证号不能作为网址中的查询条件：名册按姓名或单位查找")


def secondments_for(
    user,
    *,
    q: str = "",
    pairing: int | None = None,
    direction: str = "",
    field: str = "",
    status: str = "",
    serving_on: datetime.date | None = None,
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[Secondment]:
    qs = scoping.scope(user, Secondment, action).select_related("pairing__old_region", "pairing__partner_region")
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(host_org__icontains=q) | Q(home_org__icontains=q))
    if pairing:
        qs = qs.filter(pairing_id=pairing)
    if direction in Secondment.Direction.values:
        qs = qs.filter(direction=direction)
    if field in Secondment.Field.values:
        qs = qs.filter(field=field)
    if status in Secondment.Status.values:
        qs = qs.filter(status=status)
    if serving_on is not None:
        qs = serving(qs, since=serving_on, until=serving_on)
    return qs


def secondment_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Secondment:
    return scoping.get_for(
        user,
        Secondment.objects.select_related("pairing__old_region", "pairing__partner_region"),
        action,
        pk=pk,
    )


def reports_of(user, secondment: Secondment) -> QuerySet[SecondmentReport]:
    return scoping.scope(user, SecondmentReport).filter(secondment=secondment).select_related("created_by")


def serving(qs: QuerySet[Secondment], *, since: datetime.date, until: datetime.date) -> QuerySet[Secondment]:
    """Those serving at any time within [since, until]: started by its end, not ended before its start."""
    return qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=since), start_date__lte=until)


def same_person_overlapping(
    digest: str, start: datetime.date, end: datetime.date | None, exclude: int | None = None
) -> Secondment | None:
    """Another secondment of the person with this ID digest whose period meets [start, end] (an open end runs on).
    Read across all pairings, unscoped: a person cannot serve twice at once anywhere."""
    qs = Secondment.objects.filter(id_number_digest=digest).select_related("pairing")
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        qs = qs.filter(start_date__lte=end)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("start_date", "pk").first()


def by_id_number(user, id_number: str, start: datetime.date) -> Secondment | None:
    """The caller's secondment of this person starting on ``start`` (what an import row updates)."""
    scoped = scoping.scope(user, Secondment, scoping.Action.CHANGE)
    return scoped.filter(id_number_digest=pii.digest(id_number), start_date=start).first()


def counts(user, *, pairing: int, since: datetime.date, until: datetime.date) -> dict:
    """The people serving in the period: total, by direction and by field (every choice, 0 where none)."""
    qs = serving(scoping.scope(user, Secondment).filter(pairing_id=pairing), since=since, until=until).order_by()
    by_direction = dict(qs.values_list("direction").annotate(n=Count("pk")))
    by_field = dict(qs.values_list("field").annotate(n=Count("pk")))
    return {
        "total": sum(by_direction.values()),
        "direction": [(label, by_direction.get(value, 0)) for value, label in Secondment.Direction.choices],
        "field": [(label, by_field.get(value, 0)) for value, label in Secondment.Field.choices],
    }


def serving_total(user, *, pairing: int, since: datetime.date, until: datetime.date) -> Decimal | None:
    """The records source of 干部双向挂职人数 (``indicators.records``): people serving in the period, None for none."""
    n = serving(scoping.scope(user, Secondment).filter(pairing_id=pairing), since=since, until=until).count()
    return Decimal(n) if n else None


def quarters(year: int) -> list:
    """The four quarters of ``year`` as reporting periods (``code``, ``start``, ``end``)."""
    return [parse_period(f"{year}Q{i}") for i in range(1, 5)]


def pairings_to_record(user) -> QuerySet[Pairing]:
    """Active pairings the user may record secondments for."""
    return (
        scoping.scope(user, Pairing, scoping.Action.CHANGE)
        .filter(status=Pairing.Status.ACTIVE)
        .select_related("old_region", "partner_region")
        .order_by("code")
    )


def pairings_to_read(user) -> QuerySet[Pairing]:
    return scoping.scope(user, Pairing).select_related("old_region", "partner_region").order_by("code")
