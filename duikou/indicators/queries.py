"""Scoped reads of indicator definitions, reports and values; completeness and who has not reported."""

from django.db.models import QuerySet

from duikou.accounts import scoping
from duikou.core.querysets import filter_given
from duikou.pairings.models import Pairing

from .models import DataSet, DataValue, Indicator, Report
from .periods import parse_period


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
    qs = scoping.scope(user, DataValue).select_related("pairing", "indicator")
    if period:
        qs = qs.filter(period=parse_period(period).id)
    return filter_given(qs, pairing_id=pairing, indicator_id=indicator).order_by(
        "pairing__code", "period", "indicator__order"
    )


def completeness_for(user, dataset: DataSet, period: str) -> list[dict]:
    """Per pairing the user sees: values filled of those expected, and the report's status, for one period."""
    period = parse_period(period, expected_type=dataset.period_type).id
    expected = [i.code for i in dataset.indicators.all() if not i.formula]
    pairings = list(reporting_pairings_for(user, dataset))
    filled: dict[int, int] = {}
    for pid in (
        scoping.scope(user, DataValue)
        .filter(period=period, indicator__in=expected, value__isnull=False, pairing__in=pairings)
        .values_list("pairing_id", flat=True)
    ):
        filled[pid] = filled.get(pid, 0) + 1
    statuses = dict(
        scoping.scope(user, Report).filter(dataset=dataset, period=period).values_list("pairing_id", "status")
    )
    labels = dict(Report.Status.choices)
    return [
        {
            "pairing": p,
            "filled": filled.get(p.pk, 0),
            "expected": len(expected),
            "percent": round(filled.get(p.pk, 0) * 100 / len(expected)) if expected else 100,
            "status": statuses.get(p.pk, Report.Status.OPEN),
            "status_label": labels[statuses.get(p.pk, Report.Status.OPEN)],
            "reported": statuses.get(p.pk, Report.Status.OPEN) != Report.Status.OPEN,
        }
        for p in pairings
    ]


def charts_for(user) -> QuerySet:
    from .models import SavedChart

    return scoping.scope(user, SavedChart).select_related("indicator").order_by("created", "pk")
