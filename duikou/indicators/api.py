"""Indicators API: definitions, values (read and write), validation results, approvals, analytics, dataValueSets.

Same scoping and rules as the pages: every read goes through queries (the scoping layer), every write through
services.
"""

import datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.pairings.queries import pairing_for

from . import analytics, queries, services, transfer
from .models import BreakdownOption, Indicator
from .workflow import WORKFLOW

router = Router(tags=["indicators"])


class IndicatorOut(Schema):
    code: str
    name: str
    name_en: str
    unit: str
    value_type: str
    aggregation: str
    period_type: str
    direction: str
    key_task_id: str | None
    clause_id: str
    formula: str
    breakdown_id: str | None


class ValueOut(Schema):
    pairing: str
    indicator: str
    period: str
    option: str = Field("", description="分类选项代码（分类明细的子项）；空为合计")
    value: Decimal | None
    comment: str
    status: str
    version: int


class ValueIn(Schema):
    pairing_id: int
    dataset: str = "quarterly"
    indicator: str
    period: str
    option: str = Field("", description="分类选项代码：填写指标分类明细的一个子项；空为合计")
    value: str | None = None
    comment: str | None = None
    version: int | None = None


class ReportOut(Schema):
    pairing_id: int
    dataset: str
    period: str
    status: str
    version: int
    comment: str
    steps: list[str]
    violations: list[dict]
    filled: int
    expected: int
    due_date: datetime.date
    timeliness: str


class ReportStepIn(Schema):
    comment: str = ""
    reason: str = ""


def _value(v) -> dict:
    return {
        "pairing": v.pairing.code,
        "indicator": v.indicator_id,
        "period": v.period,
        "option": v.option.code if v.option_id else "",
        "value": v.value,
        "comment": v.comment,
        "status": v.status,
        "version": v.version,
    }


def _report_out(user, report) -> dict:
    filled, expected = services.completeness(report)
    state = queries.timeliness(
        due=report.dataset.due_date(report.period),
        status=report.status,
        submitted_at=report.submitted_at,
        today=timezone.localdate(),
    )
    return {
        "pairing_id": report.pairing_id,
        "dataset": report.dataset_id,
        "period": report.period,
        "status": report.status,
        "version": report.version,
        "comment": report.comment,
        "steps": sorted(s.name for s in WORKFLOW.allowed_steps(user, report)),
        "violations": [v.as_dict() for v in services.validate_report(report)],
        "filled": filled,
        "expected": expected,
        "due_date": report.dataset.due_date(report.period),
        "timeliness": state.value,
    }


def _report(user, pairing_id: int, dataset: str, period: str):
    pairing = pairing_for(user, pairing_id)
    return services.get_report(pairing=pairing, dataset=queries.dataset_for(user, dataset), period=period)


@router.get("/definitions", response=list[IndicatorOut])
def indicator_definitions(request):
    return list(queries.indicators_for(request.user))


@router.get("/values", response=list[ValueOut])
def indicator_values(
    request,
    period: str = "",
    pairing_id: int | None = None,
    indicator: str = "",
    limit: Annotated[int, Field(ge=1, le=10000)] = 1000,
):
    qs = queries.values_for(request.user, period=period, pairing=pairing_id, indicator=indicator)
    return [_value(v) for v in qs[:limit]]


@router.put("/values", response=ValueOut)
def put_indicator_value(request, payload: ValueIn):
    """Save one value (as one grid cell): refused when locked, stale, or not a number. `version` is the version you
    read — 0 for a cell not saved yet: if someone else saved the cell since, the save is refused with 409 (reload).
    Without `version` the value is overwritten (saves of one report take turns)."""
    report = _report(request.user, payload.pairing_id, payload.dataset, payload.period)
    indicator = Indicator.objects.filter(pk=payload.indicator).first()
    if indicator is None:
        raise ValidationError(f"未知指标「{payload.indicator}」")
    option = None
    if payload.option:
        option = BreakdownOption.objects.filter(breakdown_id=indicator.breakdown_id, code=payload.option).first()
        if indicator.breakdown_id is None or option is None:
            raise ValidationError(f"指标「{indicator.name}」没有分类选项「{payload.option}」")
    value = services.save_value(
        user=request.user,
        report=report,
        indicator=indicator,
        value=payload.value,
        comment=payload.comment,
        expected_version=payload.version,
        option=option,
    )
    return _value(value)


@router.get("/reports/{int:pairing_id}/{dataset}/{period}", response=ReportOut)
def indicator_report(request, pairing_id: int, dataset: str, period: str):
    """The report's status, the steps you may take, and its validation results."""
    return _report_out(request.user, _report(request.user, pairing_id, dataset, period))


@router.post("/reports/{int:pairing_id}/{dataset}/{period}/steps/{step}", response=ReportOut)
def indicator_report_step(request, pairing_id: int, dataset: str, period: str, step: str, payload: ReportStepIn):
    """Approval chain: submit, approve, accept, return (comment), unlock (reason)."""
    report = _report(request.user, pairing_id, dataset, period)
    user = request.user
    actions = {
        "submit": lambda: services.submit_report(user=user, report=report),
        "approve": lambda: services.approve_report(user=user, report=report),
        "accept": lambda: services.accept_report(user=user, report=report),
        "return": lambda: services.return_report(user=user, report=report, comment=payload.comment),
        "unlock": lambda: services.unlock_report(user=user, report=report, reason=payload.reason),
    }
    if step not in actions:
        raise ValidationError(f"未知的流程操作「{step}」")
    return _report_out(user, actions[step]())


@router.get("/analytics")
def indicator_analytics(
    request, indicator: str, rows: str = "province", cols: str = "year", year: int | None = None, status: str = ""
):
    """One indicator aggregated over two dimensions: old_area, province, city, county (the old side's county;
    「（市级结对）」 for a city-level pairing), pairing, partner_province, partner_city (the supporting side), key_task,
    year, period."""
    result = analytics.pivot(request.user, indicator=indicator, rows=rows, cols=cols, year=year, status=status)
    text = lambda v: None if v is None else str(v)  # noqa: E731
    return {
        **result,
        "cells": [[text(v) for v in row] for row in result["cells"]],
        "row_totals": [text(v) for v in result["row_totals"]],
        "col_totals": [text(v) for v in result["col_totals"]],
        "total": text(result["total"]),
    }


@router.get("/timeliness")
def indicator_timeliness(request, dataset: str = "quarterly", year: Annotated[int, Field(ge=2000, le=2100)] = 0):
    """Reporting rate and on-time rate of a data set in a year (this year by default), by province of the old-area
    side and period, over the pairings you see; only periods past their due date count. The figures of the reporting
    -rate chart (the same function computes both)."""
    ds = queries.dataset_for(request.user, dataset)
    return queries.timeliness_rates(request.user, ds, year or timezone.localdate().year)


@router.get("/dataValueSets")
def export_data_value_sets(request, period: str = "", pairing_id: int | None = None):
    values = queries.values_for(request.user, period=period, pairing=pairing_id).filter(value__isnull=False)
    return {"dataValues": list(transfer.export_rows(values))}


@router.post("/dataValueSets")
def import_data_value_sets(request, dry_run: bool = False):
    """Import a dataValueSets JSON body: all or nothing; conflicts listed by row (HTTP 409)."""
    if not scoping.may(request.user, scoping.Action.CHANGE):
        raise PermissionDenied
    try:
        return transfer.import_values(user=request.user, data=request.body, filename="body.json", dry_run=dry_run)
    except UserFacingError as exc:
        conflicts = exc.details.get("errors", [])
        answer = {"detail": str(exc), "conflicts": conflicts, **transfer.import_count(0, 0, 0, status="ERROR")}
        return JsonResponse(answer, status=409)
