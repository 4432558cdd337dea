"""Scoped reads of projects, milestones, progress updates and activities."""

import datetime
from collections.abc import Callable

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search
from duikou.pairings.models import Pairing
from duikou.pairings.queries import pairings_for

from .models import Activity, Evidence, Milestone, ProgressUpdate, Project

PROJECT_RELATED = ("pairing__old_region", "pairing__partner_region", "key_task", "location__parent")


def projects_for(
    user,
    *,
    pairing: int | None = None,
    status: str = "",
    industry: str = "",
    key_task: str = "",
    q: str = "",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[Project]:
    qs = scoping.scope(user, Project, action).select_related(*PROJECT_RELATED)
    qs = filter_given(qs, pairing_id=pairing, status=status, industry=industry, key_task_id=key_task)
    qs = search(qs, q, "name__contains", "park__contains", "location__name__contains", "pairing__code__iexact")
    return qs.order_by("pairing__code", "name", "pk")


def project_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Project:
    return scoping.get_for(user, Project.objects.select_related(*PROJECT_RELATED), action, pk=pk)


def milestones_for(user, *, project: Project | None = None) -> QuerySet[Milestone]:
    qs = scoping.scope(user, Milestone).select_related("project")
    if project is not None:
        qs = qs.filter(project=project)
    return qs.order_by("due_date", "pk")


def milestone_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Milestone:
    return scoping.get_for(user, Milestone.objects.select_related("project__pairing"), action, pk=pk)


def overdue_milestones_for(
    user, *, today: datetime.date | None = None, pairing: int | None = None
) -> QuerySet[Milestone]:
    """Milestones past their due date and not done, of projects still going (not 终止 or 建成投产): what both
    cities and their provinces must chase. Oldest first."""
    today = today or timezone.localdate()
    qs = (
        scoping.scope(user, Milestone)
        .filter(done_date__isnull=True, due_date__lt=today)
        .exclude(project__status__in=[Project.Status.TERMINATED, Project.Status.OPERATING])
        .select_related("project__pairing__old_region", "project__pairing__partner_region", "project__location")
    )
    if pairing:
        qs = qs.filter(project__pairing_id=pairing)
    return qs.order_by("due_date", "project__name", "pk")


def updates_for(user, *, project: Project) -> QuerySet[ProgressUpdate]:
    evidence = scoping.scope(user, Evidence).order_by("pk")
    return (
        scoping.scope(user, ProgressUpdate)
        .filter(project=project)
        .select_related("created_by")
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .order_by("-date", "-pk")
    )


def evidence_for(user, pk: int) -> Evidence:
    return scoping.get_for(user, Evidence, pk=pk)


def activities_for(
    user,
    *,
    kind: str = "",
    pairing: int | None = None,
    key_task: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    q: str = "",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[Activity]:
    qs = scoping.scope(user, Activity, action).select_related(
        "pairing__old_region", "pairing__partner_region", "key_task"
    )
    qs = filter_given(qs, kind=kind, pairing_id=pairing, key_task_id=key_task, date__gte=since, date__lte=until)
    qs = search(qs, q, "title__contains", "note__contains", "pairing__code__iexact")
    return qs.order_by("-date", "pairing__code", "pk")


# indicator → what the pairing's activities of one kind add up to (the column summed)
ACTIVITY_FIGURES = {
    "consumption_aid_wan": ("consumption", "sales_amount"),
    "labour_coop_persons": ("labour", "people_placed"),
    "training_persons": ("training", "trainees"),
    "study_tour_persons": ("study_trip", "participants"),
}


def activity_figures(user, *, pairing: int, since: datetime.date, until: datetime.date) -> dict[str, object]:
    """Per indicator of ``ACTIVITY_FIGURES``, the sum over the pairing's recorded activities dated in [since, until]
    (None where none is recorded): what the records say, shown beside the value a city reports."""
    qs = activities_for(user, pairing=pairing, since=since, until=until).order_by()
    return qs.aggregate(**{code: Sum(column) for code, (_kind, column) in ACTIVITY_FIGURES.items()})


def activity_figure(code: str) -> Callable[..., object]:
    """The records source of one indicator of ``ACTIVITY_FIGURES`` (``indicators.records``)."""
    _kind, column = ACTIVITY_FIGURES[code]

    def total(user, *, pairing: int, since: datetime.date, until: datetime.date):
        return activities_for(user, pairing=pairing, since=since, until=until).order_by().aggregate(s=Sum(column))["s"]

    total.__name__ = f"activity_{code}"
    return total


def activity_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Activity:
    return scoping.get_for(
        user,
        Activity.objects.select_related("pairing__old_region", "pairing__partner_region", "key_task"),
        action,
        pk=pk,
    )


def pairings_to_record(user) -> QuerySet[Pairing]:
    """Active pairings the user may record projects and activities for."""
    return pairings_for(user, action=scoping.Action.CHANGE, status=Pairing.Status.ACTIVE)


def pairing_to_record(user, pk: int) -> Pairing:
    return scoping.get_for(
        user,
        Pairing.objects.filter(status=Pairing.Status.ACTIVE).select_related("old_region", "partner_region"),
        scoping.Action.CHANGE,
        pk=pk,
    )
