"""Scoped reads of plans and of the responsibility matrix."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search
from duikou.indicators import formula as formulas
from duikou.indicators.models import DataValue, Indicator, Report
from duikou.indicators.periods import periods_of_year
from duikou.pairings.models import Pairing

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


# ---- a pairing's figures against its plan's targets ----------------------------------------------------------------

# The annual plan's target before a special plan's before the five-year plan's (the evaluation's order too).
PLAN_KIND_ORDER = {Plan.Kind.ANNUAL: 0, Plan.Kind.SPECIAL: 1, Plan.Kind.FIVE_YEAR: 2}
# A reported value counts once the province has approved it (已审核) or the national overseer accepted it (已接收).
ACCEPTED_STATUSES = ("approved", "accepted")


def _read(user, model: type[Model]) -> QuerySet:
    """``model``'s rows as ``user`` sees them; without a user (the public site, the evaluation) all of them."""
    return model.objects.all() if user is None else scoping.scope(user, model)


def targets_in_force(
    pairings: Iterable[int], years: Iterable[int], *, user=None
) -> dict[tuple[int, str, int], list[PlanTarget]]:
    """(pairing id, indicator code, year) → the year's targets of the pairing's filed plans in force (covering the
    year, not replaced by a filed revision), the one that applies first: an annual plan's, then a special plan's,
    then the five-year plan's; a later revision before an earlier one. Read as ``user`` sees them; without a user
    (the evaluation, which scores every pairing of its scheme) unscoped."""
    years = sorted(set(years))
    if not years:
        return {}
    qs = _read(user, PlanTarget)
    rows = (
        qs.filter(
            plan__pairing_id__in=list(pairings),
            plan__status=Plan.Status.FILED,
            year__in=years,
            plan__start_year__lte=F("year"),
            plan__end_year__gte=F("year"),
        )
        .exclude(plan__next_revision__status=Plan.Status.FILED)
        .select_related("plan__filed_by", "indicator")
    )
    out: dict[tuple[int, str, int], list[PlanTarget]] = {}
    for t in sorted(rows, key=lambda t: (PLAN_KIND_ORDER.get(t.plan.kind, 9), -t.plan.revision, -t.plan.pk)):
        out.setdefault((t.plan.pairing_id, t.indicator_id, t.year), []).append(t)
    return out


@dataclass(frozen=True)
class FigureSource:
    """One accepted value a figure is made of: the period, the report it was filed in and who accepted it."""

    indicator: Indicator
    period: str
    value: Decimal
    status: str  # approved (省级已审核) or accepted (国家已接收)
    report: Report | None
    accepted_by: object | None  # the province's approver, or the national overseer who accepted the report
    accepted_at: datetime.datetime | None

    @property
    def status_label(self) -> str:
        return str(DataValue.Status(self.status).label)


@dataclass
class Figure:
    """A pairing's accepted figure of one indicator for one year, against the target its filed plans set."""

    pairing_id: int
    indicator: Indicator
    year: int
    value: Decimal | None  # None: no accepted value (or a derived indicator's formula cannot be computed)
    target_row: PlanTarget | None  # the target that applies (None: no filed plan sets one)
    sources: list[FigureSource] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # periods of the year without an accepted value
    set_aside: list[PlanTarget] = field(default_factory=list)  # targets stated in another unit than the indicator's

    @property
    def target(self) -> Decimal | None:
        return self.target_row.target if self.target_row else None

    @property
    def plan(self) -> Plan | None:
        return self.target_row.plan if self.target_row else None

    @property
    def share(self) -> Decimal | None:
        """Percent of the target reached (value ÷ target × 100, one decimal), whatever the indicator's direction."""
        if self.value is None or not self.target:
            return None
        return (self.value * 100 / self.target).quantize(Decimal("0.1"))

    @property
    def bar(self) -> int:
        """The share as a progress bar's width: a whole percent from 0 to 100."""
        return max(0, min(100, round(self.share))) if self.share is not None else 0

    @property
    def latest(self) -> FigureSource | None:
        return max(self.sources, key=lambda s: s.period) if self.sources else None


def figures_against_targets(
    user,
    pairings: "Pairing | int | Iterable",
    years: Iterable[int] | None = None,
    *,
    indicators: Iterable[str] = (),
    reports: QuerySet[Report] | None = None,
) -> list[Figure]:
    """Each pairing's accepted reported figures by indicator and year against its filed plans' targets: the one
    function the pairing page, the cockpit and the public pages read (docs/pairings.md, "Figures against targets").

    - Which indicators: those a filed plan in force sets a target for in the year, and ``indicators`` (codes) even
      without a target. ``years`` None: every year a filed plan in force sets a target for.
    - The value: the approved or accepted values (``ACCEPTED_STATUSES``) of the periods of the year of the
      indicator's own period type, aggregated by its rule (sum, average, period-end value); a derived indicator by
      its formula over its components' figures. Drafts and values awaiting review do not count.
    - The target: ``targets_in_force``'s first whose unit is the indicator's (a target stated in another unit is set
      aside, listed in ``set_aside``, not converted).
    - ``sources``: each value used, with its report and who accepted it (the overseer, else the province's approver).

    - ``reports``: only values filed in these reports count (the public site passes the published ones).

    Everything is read through the scoping layer as ``user``; ``user`` None reads unscoped (the public site, which
    narrows by ``reports``). The queries are a fixed number whatever the number of pairings and years. Sorted by
    pairing, year (latest first) and the indicator's order."""
    if user is None and reports is None:  # an unscoped read must say which reports it may show
        raise ValueError("figures_against_targets without a user reads only the reports it is given")
    if isinstance(pairings, int | Model):
        pairings = [pairings]
    ids = [p.pk if isinstance(p, Model) else int(p) for p in pairings]
    wanted = set(indicators)
    if years is None:
        known = _read(user, PlanTarget).filter(plan__pairing_id__in=ids, plan__status=Plan.Status.FILED)
        years = known.order_by().values_list("year", flat=True).distinct()
    years = sorted(set(years))
    if not ids or not years:
        return []
    targets = targets_in_force(ids, years, user=user)
    library = {i.code: i for i in _read(user, Indicator)}
    keys = {(pid, code, year) for pid, code, year in targets} | {
        (pid, code, year) for pid in ids for code in wanted if code in library for year in years
    }
    codes = {code for _pid, code, _year in keys}
    for code in list(codes):
        if library[code].formula:
            codes |= formulas.codes_in(library[code].formula) & set(library)
    values = _accepted_values(user, ids, codes, years, library, reports)
    out = []
    for pid, code, year in keys:
        indicator = library[code]
        chosen, set_aside = None, []
        for t in targets.get((pid, code, year), []):
            if t.unit.strip() and t.unit.strip() != indicator.unit:
                set_aside.append(t)
            elif chosen is None:
                chosen = t
        figure = Figure(pid, indicator, year, None, chosen, set_aside=set_aside)
        _aggregate(figure, values.get(pid, {}), library)
        out.append(figure)
    out.sort(key=lambda f: (ids.index(f.pairing_id), -f.year, f.indicator.order, f.indicator.code))
    return out


def _accepted_values(
    user, ids, codes, years, library, only: QuerySet[Report] | None = None
) -> dict[int, dict[tuple[str, int], list[FigureSource]]]:
    """pairing → (indicator, year) → the accepted values of the periods of the indicator's type, by period; with
    ``only``, just the values filed in those reports."""
    periods = {p.id: p for year in years for kind in ("year", "quarter", "month") for p in periods_of_year(year, kind)}
    rows = list(
        _read(user, DataValue)
        .filter(
            pairing_id__in=ids,
            indicator_id__in=codes,
            period__in=list(periods),
            status__in=ACCEPTED_STATUSES,
            value__isnull=False,
            option__isnull=True,  # the totals; a breakdown's sub-rows are parts of them
        )
        .order_by("period")
        .values_list("pairing_id", "indicator_id", "period", "value", "status")
    )
    # the report each value was filed in: its pairing's report of the period of a data set holding the indicator
    reports: dict[tuple[int, str, str], Report] = {}
    if rows:
        for r in (
            (_read(user, Report) if only is None else only)
            .filter(pairing_id__in=ids, period__in={row[2] for row in rows}, dataset__indicators__code__in=codes)
            .annotate(code=F("dataset__indicators__code"))
            .select_related("approved_by__organisation", "accepted_by__organisation", "dataset")
            .order_by("dataset_id")
        ):
            reports.setdefault((r.pairing_id, r.code, r.period), r)
    out: dict[int, dict[tuple[str, int], list[FigureSource]]] = {}
    for pid, code, period, value, status in rows:
        if periods[period].type != library[code].period_type:
            continue
        report = reports.get((pid, code, period))
        if only is not None and report is None:
            continue
        by = at = None
        if report is not None:
            by, at = (
                (report.accepted_by, report.accepted_at)
                if report.accepted_by_id
                else (report.approved_by, report.approved_at)
            )
        source = FigureSource(library[code], period, value, status, report, by, at)
        out.setdefault(pid, {}).setdefault((code, periods[period].year), []).append(source)
    return out


def _aggregate(figure: Figure, values: dict[tuple[str, int], list[FigureSource]], library: dict) -> None:
    indicator, year = figure.indicator, figure.year
    if indicator.formula:
        numbers = {}
        for code in sorted(formulas.codes_in(indicator.formula)):
            part = Figure(figure.pairing_id, library[code], year, None, None) if code in library else None
            if part is not None:
                _aggregate(part, values, library)
                figure.sources += part.sources
                figure.missing += [f"{part.indicator.name} {p}" for p in part.missing]
            numbers[code] = part.value if part else None
        figure.value = formulas.evaluate(indicator.formula, numbers)
        return
    sources = values.get((indicator.code, year), [])
    expected = [p.id for p in periods_of_year(year, indicator.period_type)]
    figure.sources = sources
    figure.missing = [p for p in expected if p not in {s.period for s in sources}]
    if not sources:
        return
    numbers = [s.value for s in sources]
    if indicator.aggregation == Indicator.Aggregation.LAST:
        figure.value = numbers[-1]
    elif indicator.aggregation == Indicator.Aggregation.AVERAGE:
        figure.value = sum(numbers, Decimal(0)) / len(numbers)
    else:
        figure.value = sum(numbers, Decimal(0))
