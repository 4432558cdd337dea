"""Scoped reads of plans and of the responsibility matrix."""

import datetime

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search

from .models import Plan, PlanItem, PlanTarget


def plans_for(
    user,
    *,
    pairing: int | None = None,
    kind: str = "",
    status: str = "",
    q: str = "",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[Plan]:
    qs = scoping.scope(user, Plan, action).select_related("pairing__old_region", "pairing__partner_region", "key_task")
    qs = filter_given(qs, pairing_id=pairing, kind=kind, status=status)
    qs = search(
        qs, q, "title__contains", "pairing__old_region__name__contains", "pairing__partner_region__name__contains"
    )
    return qs.order_by("-created")


def filed_plans_in_force_for(user, year: int) -> QuerySet[Plan]:
    """Filed plans that cover ``year`` and are not replaced by a filed revision: what a pairing has on record."""
    return (
        scoping.scope(user, Plan)
        .filter(status=Plan.Status.FILED, start_year__lte=year, end_year__gte=year)
        .exclude(next_revision__status=Plan.Status.FILED)
    )


def year_targets_for(user, year: int) -> QuerySet[PlanTarget]:
    """The year's targets of the filed plans in force (an annual plan's, a special plan's and the five-year plan's
    may all name one indicator: the reader picks, the evaluation prefers the annual plan's)."""
    plans = filed_plans_in_force_for(user, year)
    return scoping.scope(user, PlanTarget).filter(plan__in=plans.values("pk"), year=year).select_related("plan")


def plan_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Plan:
    return scoping.get_for(
        user, Plan.objects.select_related("pairing__old_region", "pairing__partner_region"), action, pk=pk
    )


def content_row_for(user, plan: Plan, model: type[Model], pk: int) -> Model:
    """One content row (goal, item, ...) of ``plan``: 404 when the id names no row of this plan."""
    return scoping.get_for(user, model.objects.filter(plan=plan), pk=pk)


def items_for(user) -> QuerySet[PlanItem]:
    """Plan items the user may see: those of their pairings' plans, and those assigned to their own unit."""
    visible = scoping.scope(user, PlanItem)
    if user.organisation_id and scoping.may(user, scoping.Action.VIEW):
        visible = visible | PlanItem.objects.filter(responsible_unit=user.organisation)
    return visible.select_related(
        "plan__pairing__old_region", "plan__pairing__partner_region", "key_task", "responsible_unit"
    ).distinct()


def todo_for(user, *, unit: int | None = None) -> QuerySet[PlanItem]:
    """Open items of current plans assigned to a unit (the user's own unit by default), by due date."""
    qs = items_for(user).filter(done_date__isnull=True, plan__next_revision__isnull=True)
    if unit:
        qs = qs.filter(responsible_unit_id=unit)
    elif user.organisation and user.organisation.kind == "unit":
        qs = qs.filter(responsible_unit=user.organisation)
    return qs.order_by("due_date", "pk")


def overdue_for(user, *, today: datetime.date | None = None) -> QuerySet[PlanItem]:
    today = today or timezone.localdate()
    return (
        items_for(user)
        .filter(done_date__isnull=True, due_date__lt=today, plan__next_revision__isnull=True)
        .order_by("due_date", "pk")
    )


def responsibility_matrix(user) -> list[dict]:
    """Key task → responsible units, with open and overdue item counts, over the current plans the user sees."""
    from django.db.models import Count

    today = timezone.localdate()
    rows = (
        items_for(user)
        .filter(plan__next_revision__isnull=True, responsible_unit__isnull=False)
        .values("key_task__code", "key_task__name", "responsible_unit_id", "responsible_unit__name")
        .annotate(
            total=Count("pk", distinct=True),
            open=Count("pk", filter=Q(done_date__isnull=True), distinct=True),
            overdue=Count("pk", filter=Q(done_date__isnull=True, due_date__lt=today), distinct=True),
        )
        .order_by("key_task__code", "responsible_unit__name")
    )
    matrix: dict[str, dict] = {}
    for row in rows:
        task = matrix.setdefault(
            row["key_task__code"], {"code": row["key_task__code"], "name": row["key_task__name"], "units": []}
        )
        task["units"].append(
            {
                "id": row["responsible_unit_id"],
                "name": row["responsible_unit__name"],
                "total": row["total"],
                "open": row["open"],
                "overdue": row["overdue"],
            }
        )
    return list(matrix.values())
