"""Scoped reads of indicator definitions, reports and values; completeness and who has not reported."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import F, QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.audit.queries import reads_history
from duikou.core.querysets import filter_given
from duikou.geo.models import Region
from duikou.pairings.models import Pairing

from .models import BreakdownOption, DataSet, DataValue, DataValueHistory, Indicator, Report, ValueImport
from .periods import Period, parse_period, periods_of_year


def indicators_for(user) -> QuerySet[Indicator]:
    return scoping.scope(user, Indicator).select_related("key_task", "clause")


def datasets_for(user) -> QuerySet[DataSet]:
    return scoping.scope(user, DataSet).prefetch_related("indicators")


def dataset_for(user, code: str) -> DataSet:
    return scoping.get_for(user, DataSet, code=code)


def reporting_pairings_for(user, dataset: DataSet, action=scoping.Action.VIEW) -> QuerySet[Pairing]:
    qs = scoping.scope(user, Pairing, action).filter(status=Pairing.Status.ACTIVE)
    if dataset.pairings.exists():
        qs = qs.filter(pk__in=dataset.pairings.values("pk"))
    return qs.select_related("old_region", "partner_region", "old_area").order_by("level", "code")


def reports_for(user, *, period: str = "", status: str = "", action=scoping.Action.VIEW) -> QuerySet[Report]:
    qs = scoping.scope(user, Report, action).select_related("pairing__old_region", "pairing__partner_region", "dataset")
    if period:
        qs = qs.filter(period=parse_period(period).id)
    return filter_given(qs, status=status).order_by("-period", "pairing__code")


def values_for(user, *, period: str = "", pairing: int | None = None, indicator: str = "") -> QuerySet[DataValue]:
    qs = scoping.scope(user, DataValue).select_related("pairing", "indicator", "option")
    if period:
        qs = qs.filter(period=parse_period(period).id)
    return filter_given(qs, pairing_id=pairing, indicator_id=indicator).order_by(
        "pairing__code", "period", "indicator__order", F("option__order").asc(nulls_first=True)
    )


# ---- timeliness ------------------------------------------------------------------------------------------------
# A report is due ``dataset.effective_due_days`` after its period ends (DataSet.due_date). What follows is the one
# place that says whether a report was on time: the completeness and reminders pages, the reporting-rate chart, the
# API and the evaluation's deduction for missed reports all read it.


class Timeliness(TextChoices):
    ON_TIME = "on_time", _("按时上报")
    LATE = "late", _("逾期上报")
    MISSING = "missing", _("逾期未报")
    NOT_DUE = "not_due", _("未到期")


REPORTED = (Report.Status.SUBMITTED, Report.Status.APPROVED, Report.Status.ACCEPTED)


def timeliness(
    *, due: datetime.date, status: str | None, submitted_at: datetime.datetime | None, today: datetime.date
) -> Timeliness:
    """On time: submitted on or before the due date (the day of the latest submission, in local time, so a report
    returned and submitted again counts from its new submission). Late: submitted after it. Missing: not submitted
    (never, or returned and not yet submitted again) and the due date has passed. Not yet due: not submitted, and
    the due date is today or later. A submitted report without a recorded time (entered before times were kept)
    counts as on time."""
    if status in REPORTED:
        if submitted_at is not None and timezone.localdate(submitted_at) > due:
            return Timeliness.LATE
        return Timeliness.ON_TIME
    return Timeliness.MISSING if today > due else Timeliness.NOT_DUE


@dataclass(frozen=True)
class ReportState:
    pairing_id: int
    dataset: DataSet
    period: Period
    due: datetime.date
    status: str | None  # the report's status; None when none was started
    submitted_at: datetime.datetime | None
    state: Timeliness

    @property
    def state_label(self) -> str:
        return str(self.state.label)


def report_states(
    pairings: Iterable[Pairing],
    datasets: Iterable[DataSet],
    periods: Callable[[DataSet], list[Period]],
    *,
    today: datetime.date | None = None,
    reports: QuerySet[Report] | None = None,
) -> list[ReportState]:
    """Every report expected of ``pairings`` for ``datasets`` in the periods ``periods(dataset)`` names, with its
    timeliness. A data set that lists pairings expects reports of those only. ``reports`` is where the reports are
    read (the caller's scoped queryset; the evaluation, which runs over pairings it chose, reads them all). Two
    queries whatever the number of pairings and periods (three when the data sets' pairings are not prefetched)."""
    today = today or timezone.localdate()
    pairings, datasets = list(pairings), list(datasets)
    wanted = {ds.code: periods(ds) for ds in datasets}
    period_ids = sorted({p.id for ps in wanted.values() for p in ps})
    qs = Report.objects.all() if reports is None else reports
    found = {
        (pid, ds, period): (status, submitted_at)
        for pid, ds, period, status, submitted_at in qs.filter(
            pairing_id__in=[p.pk for p in pairings], dataset__in=[d.code for d in datasets], period__in=period_ids
        )
        .order_by()
        .values_list("pairing_id", "dataset_id", "period", "status", "submitted_at")
    }
    out = []
    for ds in datasets:
        listed = {p.pk for p in ds.pairings.all()}
        for period in wanted[ds.code]:
            due = ds.due_date(period)
            for pairing in pairings:
                if listed and pairing.pk not in listed:
                    continue
                status, submitted_at = found.get((pairing.pk, ds.code, period.id), (None, None))
                state = timeliness(due=due, status=status, submitted_at=submitted_at, today=today)
                out.append(ReportState(pairing.pk, ds, period, due, status, submitted_at, state))
    return out


def timeliness_rates(user, dataset: DataSet, year: int, *, today: datetime.date | None = None) -> dict:
    """The reporting rate and the on-time rate of ``dataset`` in ``year``, by province (of the old-area side) and
    period, over the pairings the user sees. Only periods whose due date has passed count: before it a report can
    be neither late nor missing. Reporting rate = reports submitted ÷ reports expected; on-time rate = reports
    submitted on or before the due date ÷ reports expected (as DHIS2's "reporting rate" and "reporting rate on
    time")."""
    today = today or timezone.localdate()
    pairings = list(reporting_pairings_for(user, dataset))
    due_periods = [p for p in periods_of_year(year, dataset.period_type) if dataset.due_date(p) < today]
    states = report_states(
        pairings, [dataset], lambda ds: due_periods, today=today, reports=scoping.scope(user, Report)
    )
    province_of = {p.pk: p.old_region.code[:2] for p in pairings}
    names = {r.code: r.display_name for r in Region.objects.filter(code__in={f"{c}0000" for c in province_of.values()})}

    def blank():
        return {"expected": 0, "reported": 0, "on_time": 0, "late": 0, "missing": 0}

    cells: dict[tuple[str, str], dict] = {}
    for s in states:
        for key in ((province_of[s.pairing_id], s.period.id), (province_of[s.pairing_id], ""), ("", s.period.id)):
            c = cells.setdefault(key, blank())
            c["expected"] += 1
            c["reported"] += s.state in (Timeliness.ON_TIME, Timeliness.LATE)
            c["on_time"] += s.state == Timeliness.ON_TIME
            c["late"] += s.state == Timeliness.LATE
            c["missing"] += s.state == Timeliness.MISSING

    def rated(c):
        n = c["expected"]
        return c | {
            "reporting_rate": round(c["reported"] * 100 / n, 1) if n else None,
            "on_time_rate": round(c["on_time"] * 100 / n, 1) if n else None,
        }

    provinces = sorted(set(province_of.values()))
    table = [
        {
            "province": f"{c}0000",
            "name": names.get(f"{c}0000", c),
            "cells": [rated(cells[(c, p.id)]) | {"period": p.id} if (c, p.id) in cells else None for p in due_periods],
            "total": rated(cells[(c, "")]),
        }
        for c in provinces
        if (c, "") in cells
    ]
    return {
        "dataset": dataset.code,
        "dataset_name": dataset.name,
        "year": year,
        "due_days": dataset.effective_due_days,
        "periods": [{"id": p.id, "label": p.label, "due": dataset.due_date(p).isoformat()} for p in due_periods],
        "provinces": [{"code": f"{c}0000", "name": names.get(f"{c}0000", c)} for c in provinces],
        "cells": [
            rated(cells[(c, p.id)]) | {"province": f"{c}0000", "period": p.id}
            for c in provinces
            for p in due_periods
            if (c, p.id) in cells
        ],
        "by_province": [
            rated(cells[(c, "")]) | {"province": f"{c}0000", "name": names.get(f"{c}0000", c)}
            for c in provinces
            if (c, "") in cells
        ],
        "by_period": [rated(cells[("", p.id)]) | {"period": p.id, "label": p.label} for p in due_periods],
        "table": table,  # the same figures as rows of provinces, a cell per period (what the page's table shows)
    }


def completeness_for(user, dataset: DataSet, period: str, *, today: datetime.date | None = None) -> list[dict]:
    """Per pairing the user sees: values filled of those expected, the report's status, its due date and whether it
    is on time, late, missing or not yet due, for one period."""
    period = parse_period(period, expected_type=dataset.period_type).id
    expected = [i.code for i in dataset.indicators.all() if not i.formula]
    pairings = list(reporting_pairings_for(user, dataset))
    filled: dict[int, int] = {}
    for pid in (
        scoping.scope(user, DataValue)
        .filter(period=period, indicator__in=expected, value__isnull=False, option__isnull=True, pairing__in=pairings)
        .values_list("pairing_id", flat=True)
    ):
        filled[pid] = filled.get(pid, 0) + 1
    states = {
        s.pairing_id: s
        for s in report_states(
            pairings, [dataset], lambda ds: [parse_period(period)], today=today, reports=scoping.scope(user, Report)
        )
    }
    labels = dict(Report.Status.choices)
    return [
        {
            "pairing": p,
            "filled": filled.get(p.pk, 0),
            "expected": len(expected),
            "percent": round(filled.get(p.pk, 0) * 100 / len(expected)) if expected else 100,
            "status": states[p.pk].status or Report.Status.OPEN,
            "status_label": labels[states[p.pk].status or Report.Status.OPEN],
            "reported": states[p.pk].status in REPORTED,
            "due": states[p.pk].due,
            "timeliness": states[p.pk].state.value,
            "timeliness_label": states[p.pk].state_label,
        }
        for p in pairings
        if p.pk in states
    ]


def charts_for(user) -> QuerySet:
    from .models import SavedChart

    return scoping.scope(user, SavedChart).select_related("indicator").order_by("created", "pk")


def dhis2_ids_for(user, *, q: str = "", kind: str = "", status: str = "active") -> QuerySet:
    """The user's organisation's DHIS2 uid mappings, searched by uid or code."""
    from django.db.models import Q

    from .models import Dhis2Id

    qs = scoping.scope(user, Dhis2Id).filter(organisation_id=user.organisation_id).select_related("created_by")
    if q:
        qs = qs.filter(Q(uid__icontains=q) | Q(code__icontains=q))
    return filter_given(qs, kind=kind, status=status).order_by("kind", "code", "-created", "-pk")


def breakdown_option(indicator: Indicator, code: str) -> BreakdownOption | None:
    """The option of the indicator's breakdown with that code (a sub-row of the grid); None when it has none such."""
    if indicator.breakdown_id is None:
        return None
    return BreakdownOption.objects.filter(breakdown_id=indicator.breakdown_id, code=code).first()


# ---- the value history of imports -----------------------------------------------------------------------------


def value_history(user, *, value: DataValue | None = None, value_import: ValueImport | None = None) -> QuerySet:
    """The value-history rows ``user`` may read — where the value's pairing is in their area — of one value or of
    one import, oldest first; none for the system admin, who reads no history (三员分立)."""
    if not reads_history(user):
        return DataValueHistory.objects.none()
    rows = scoping.scope(user, DataValueHistory).select_related(
        "value_import__user", "pairing__old_region", "pairing__partner_region", "indicator", "option"
    )
    if value is not None:
        rows = rows.filter(value_id=value.pk)
    if value_import is not None:
        rows = rows.filter(value_import=value_import)
    return rows.order_by("id")


def value_import_for(user, pk) -> ValueImport:
    """An import, for the audit admin whose audit log holds its entry (the importer's area): 404 otherwise."""
    return scoping.get_for(user, ValueImport, scoping.Action.AUDIT, pk=pk)
