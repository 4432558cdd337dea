"""Scoped reads of projects, milestones, progress updates and activities."""

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.db.models import DateField, DecimalField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search
from duikou.pairings.models import Pairing
from duikou.pairings.queries import pairings_for

from .models import Activity, Evidence, FundTransaction, Milestone, ProgressUpdate, Project

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


# --- fund transactions ------------------------------------------------------------------------------------------

FUND_RELATED = ("project__pairing__old_region", "project__pairing__partner_region", "cancelled_by")
KINDS = FundTransaction.Kind
FUND_PERIODS = ("year", "quarter", "month")


def fund_transactions_for(
    user,
    *,
    project: Project | None = None,
    pairing: int | None = None,
    kind: str = "",
    status: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    q: str = "",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[FundTransaction]:
    qs = scoping.scope(user, FundTransaction, action).select_related(*FUND_RELATED)
    if project is not None:
        qs = qs.filter(project=project)
    qs = filter_given(qs, project__pairing_id=pairing, kind=kind, status=status, date__gte=since, date__lte=until)
    qs = search(
        qs,
        q,
        "project__name__contains",
        "provider__contains",
        "receiver__contains",
        "reference__contains",
        "project__pairing__code__iexact",
    )
    return qs.order_by("-date", "project__pairing__code", "project__name", "-pk")


def fund_transaction_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> FundTransaction:
    return scoping.get_for(user, FundTransaction.objects.select_related(*FUND_RELATED), action, pk=pk)


def _kind_sum(kind: str):
    return Coalesce(
        Sum("amount_wan", filter=Q(kind=kind)), Value(0), output_field=DecimalField(max_digits=16, decimal_places=2)
    )


def fund_figures(user, *, project: Project | None = None, pairing: int | None = None, by: str = "year") -> list[dict]:
    """Per period (``by``: year, quarter or month), what the active transactions add up to: signed (commitments), in
    place (disbursements) and spent (expenditures), with the running totals of each and, against the planned
    investment of the projects concerned, the share in place so far. Oldest period first."""
    if by not in FUND_PERIODS:
        raise ValueError(by)
    qs = fund_transactions_for(user, project=project, pairing=pairing, status=FundTransaction.Status.ACTIVE)
    rows = (
        qs.order_by()
        .annotate(period=Trunc("date", by, output_field=DateField()))
        .values("period")
        .annotate(
            signed=_kind_sum(KINDS.COMMITMENT),
            in_place=_kind_sum(KINDS.DISBURSEMENT),
            spent=_kind_sum(KINDS.EXPENDITURE),
        )
        .order_by("period")
    )
    if project is not None:
        planned = project.investment_planned
    else:
        planned = projects_for(user, pairing=pairing).order_by().aggregate(s=Sum("investment_planned"))["s"]
    planned = planned or Decimal(0)
    out, signed_total, in_place_total, spent_total = [], Decimal(0), Decimal(0), Decimal(0)
    for row in rows:
        signed_total += row["signed"]
        in_place_total += row["in_place"]
        spent_total += row["spent"]
        out.append(
            {
                "period": period_label(row["period"], by),
                "signed": row["signed"],
                "in_place": row["in_place"],
                "spent": row["spent"],
                "signed_total": signed_total,
                "in_place_total": in_place_total,
                "spent_total": spent_total,
                "planned": planned,
                "in_place_share": (in_place_total / planned * 100).quantize(Decimal("0.1")) if planned else None,
            }
        )
    return out


def period_label(day, by: str) -> str:
    """A period as the reporting periods name it: 2025, 2025Q3, 2025-07."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    if by == "year":
        return str(day.year)
    if by == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def with_fund_sums(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Projects with what their active transactions add up to: ``funds_signed`` and ``funds_in_place`` (万元)."""

    def total(kind: str):
        sums = (
            FundTransaction.objects.filter(project=OuterRef("pk"), kind=kind, status=FundTransaction.Status.ACTIVE)
            .order_by()
            .values("project")
            .annotate(s=Sum("amount_wan"))
            .values("s")
        )
        return Coalesce(Subquery(sums), Value(0), output_field=DecimalField(max_digits=16, decimal_places=2))

    return qs.annotate(funds_signed=total(KINDS.COMMITMENT), funds_in_place=total(KINDS.DISBURSEMENT))


def fund_total(kind: str) -> Callable[..., object]:
    """The records source (``indicators.records``) of one kind of transaction: the sum of the pairing's active
    transactions of ``kind`` dated in [since, until]."""

    def total(user, *, pairing: int, since: datetime.date, until: datetime.date):
        qs = fund_transactions_for(user, pairing=pairing, kind=kind, status=FundTransaction.Status.ACTIVE)
        return qs.filter(date__gte=since, date__lte=until).order_by().aggregate(s=Sum("amount_wan"))["s"]

    total.__name__ = f"fund_{kind}"
    return total


FUND_TOTALS = {kind: fund_total(kind) for kind in KINDS.values}


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
