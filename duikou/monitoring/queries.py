"""Scoped reads of the household registry, rule sets and alerts."""

from django.db.models import QuerySet

from duikou.accounts import scoping

from .models import Alert, Household, Member, RuleSet, ScreeningRun


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


def alerts_for(
    user, *, status: str = "", area: str = "", rule: str = "", category: str = "", overdue: bool = False
) -> QuerySet[Alert]:
    """Alerts in scope; ``area`` narrows to a county, township or village code prefix."""
    qs = scoping.scope(user, Alert).select_related("household__village", "household__township", "run")
    if status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(household__village__code__startswith=area)
    if rule:
        qs = qs.filter(rules__contains=[rule]) if _json_contains() else qs.filter(rules__icontains=f'"{rule}"')
    if category:
        qs = qs.filter(household__category=category)
    if overdue:
        from django.utils import timezone

        qs = qs.filter(status=Alert.Status.OPEN, deadline__lt=timezone.localdate())
    return qs.order_by("deadline", "pk")


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def rulesets_for(user, action: scoping.Action = scoping.Action.VIEW) -> QuerySet[RuleSet]:
    return scoping.scope(user, RuleSet, action).select_related("province")


def runs_for(user) -> QuerySet[ScreeningRun]:
    return scoping.scope(user, ScreeningRun).select_related("ruleset__province")
