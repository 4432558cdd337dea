"""Scoped reads of the household registry, rule sets, alerts and their cases, and departmental data."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from duikou.accounts import scoping

from .models import (
    Alert,
    AlertStep,
    AssistanceMeasure,
    DepartmentImport,
    DepartmentSignal,
    Household,
    Member,
    RuleSet,
    ScreeningRun,
)

OPEN = "open"  # the status filter for every case that is not closed


def households_for(user, *, action: scoping.Action = scoping.Action.VIEW, q: str = "") -> QuerySet[Household]:
    qs = scoping.scope(user, Household, action).select_related("township", "village")
    if q:
        qs = qs.filter(head_name__contains=q) | qs.filter(number=q)
    return qs


def household_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Household:
    return scoping.get_for(user, Household.objects.select_related("township", "village"), action, pk=pk)


def members_of(user, household: Household) -> QuerySet[Member]:
    return scoping.scope(user, Member).filter(household=household).order_by("pk")


def find_members_by_id_number(user, id_number: str) -> QuerySet[Member]:
    """Exact search by ID number through its keyed digest; the plain number is never stored or compared."""
    from . import pii

    return scoping.scope(user, Member).filter(id_number_digest=pii.digest(id_number)).select_related("household")


def overdue_q() -> Q:
    """A case is overdue when the step it waits for is past its due date."""
    return Q(deadline__lt=timezone.localdate()) & ~Q(status=Alert.Status.CLOSED)


def alerts_for(
    user, *, status: str = "", area: str = "", rule: str = "", category: str = "", overdue: bool = False
) -> QuerySet[Alert]:
    """Alerts in scope; ``status`` "open" is every case not closed; ``area`` narrows to a county, township or
    village code prefix."""
    qs = scoping.scope(user, Alert).select_related("household__village", "household__township", "run")
    if status == OPEN:
        qs = qs.exclude(status=Alert.Status.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(household__village__code__startswith=area)
    if rule:
        qs = qs.filter(rules__contains=[rule]) if _json_contains() else qs.filter(rules__icontains=f'"{rule}"')
    if category:
        qs = qs.filter(household__category=category)
    if overdue:
        qs = qs.filter(overdue_q())
    return qs.order_by("deadline", "pk")


def alert_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Alert:
    qs = Alert.objects.select_related("household__village", "household__township", "run__ruleset__province")
    return scoping.get_for(user, qs, action, pk=pk)


def steps_of(user, alert: Alert) -> QuerySet[AlertStep]:
    return scoping.scope(user, AlertStep).filter(alert=alert).select_related("actor").order_by("created", "pk")


def measures_of(user, alert: Alert) -> QuerySet[AssistanceMeasure]:
    return (
        scoping.scope(user, AssistanceMeasure)
        .filter(alert=alert)
        .select_related("responsible_unit")
        .order_by("start_date", "pk")
    )


def areas_for(user, limit: int = 300) -> list[tuple[str, str]]:
    """The townships and villages with alerts in scope (code, name) for the area filter of a county, township or
    village user; [] above the county (a code is typed there) or when there are too many to list."""
    prefix = scoping.region_prefix(user)
    if prefix is None or len(prefix) < 6:
        return []
    rows = (
        scoping.scope(user, Alert)
        .values_list(
            "household__township_id", "household__township__name", "household__village_id", "household__village__name"
        )
        .distinct()
        .order_by("household__village_id")[: limit + 1]
    )
    rows = list(rows)
    if len(rows) > limit:
        return []
    areas: dict[str, str] = {}
    for t_code, t_name, v_code, v_name in rows:
        areas.setdefault(t_code, t_name)
        areas[v_code] = f"{t_name} {v_name}"
    return sorted(areas.items())


def signals_of(user, household: Household) -> QuerySet[DepartmentSignal]:
    return scoping.scope(user, DepartmentSignal).filter(household=household).select_related("member", "batch")


def imports_for(user, action: scoping.Action = scoping.Action.VIEW) -> QuerySet[DepartmentImport]:
    return scoping.scope(user, DepartmentImport, action).select_related("created_by", "loaded_by")


def import_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> DepartmentImport:
    return scoping.get_for(user, DepartmentImport.objects.select_related("created_by", "loaded_by"), action, pk=pk)


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def rulesets_for(user, action: scoping.Action = scoping.Action.VIEW) -> QuerySet[RuleSet]:
    return scoping.scope(user, RuleSet, action).select_related("province")


def runs_for(user) -> QuerySet[ScreeningRun]:
    return scoping.scope(user, ScreeningRun).select_related("ruleset__province")
