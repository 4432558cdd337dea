"""Indicators API: definitions, values (read and write), validation results, approvals, analytics, dataValueSets.

Same scoping and rules as the pages: every read goes through queries (the scoping layer), every write through
services.
"""

import datetime
import json
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.pairings.queries import pairing_for

from . import analytics, dhis2, queries, services, transfer
from .models import Dhis2Id, Indicator
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
        option = queries.breakdown_option(indicator, payload.option)
        if option is None:
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


BODY_NAMES = {"application/xml": "body.xml", "text/xml": "body.xml", "text/csv": "body.csv"}


EXPORTED = {"content": {"application/json": {}, "text/csv": {}, "application/xml": {}}}


@router.get("/dataValueSets", openapi_extra={"responses": {200: {"description": "OK", **EXPORTED}}})
def export_data_value_sets(
    request,
    period: str = "",
    pairing_id: int | None = None,
    dataSet: str = "",  # noqa: N803 (DHIS2's parameter names)
    orgUnit: str = "",  # noqa: N803
    format: str = "json",  # noqa: A002
    idScheme: str = "",  # noqa: N803
    dataElementIdScheme: str = "",  # noqa: N803
    orgUnitIdScheme: str = "",  # noqa: N803
    dataSetIdScheme: str = "",  # noqa: N803
):
    """The values you see as a DHIS2 dataValueSet (JSON, CSV or XML: ``format``), for a data set, period and org unit
    (a pairing, by code or by the uid your organisation mapped to it) when given; objects named by code, or by
    ``idScheme=UID`` through your organisation's uid mapping (or NAME)."""
    try:
        content, _name, content_type = dhis2.export_selection(
            request.user,
            request.GET,
            period=period,
            pairing_id=pairing_id,
            dataset=dataSet,
            org_unit=orgUnit,
            fmt=format,
        )
    except ValidationError as exc:
        return JsonResponse({"detail": "；".join(exc.messages)}, status=400, json_dumps_params={"ensure_ascii": False})
    if format == "json":
        return JsonResponse(json.loads(content), json_dumps_params={"ensure_ascii": False})
    return HttpResponse(content, content_type=content_type)


@router.post("/dataValueSets")
def import_data_value_sets(
    request,
    dry_run: bool = False,
    dryRun: bool = False,  # noqa: N803 (DHIS2's name)
    idScheme: str = "",  # noqa: N803
    dataElementIdScheme: str = "",  # noqa: N803
    orgUnitIdScheme: str = "",  # noqa: N803
    dataSetIdScheme: str = "",  # noqa: N803
):
    """Import a dataValueSet body (JSON, XML or CSV, by its content type or first bytes): all or nothing; the answer
    is DHIS2's import summary (``status``, ``importCount``, ``conflicts``), conflicts with HTTP 409. The id scheme
    parameters say how the body names objects (CODE, UID through your organisation's mapping, or NAME)."""
    if not scoping.may(request.user, scoping.Action.CHANGE):
        raise PermissionDenied
    kind = (request.content_type or "").split(";")[0].strip().lower()
    filename = BODY_NAMES.get(kind, "body" if kind in ("", "application/octet-stream") else "body.json")
    if filename == "body" and not dhis2.looks_like_xml(request.body, filename):
        filename = "body.json"
    try:
        schemes = dhis2.schemes_from(request.GET)
        return transfer.import_values(
            user=request.user, data=request.body, filename=filename, dry_run=dry_run or dryRun, id_schemes=schemes
        )
    except ValidationError as exc:
        errors = [{"row": "", "column": "", "value": "", "reason": m} for m in exc.messages]
        return JsonResponse({"detail": "；".join(exc.messages), **dhis2.refused(errors)}, status=400)
    except UserFacingError as exc:
        errors = exc.details.get("errors", [])
        answer = {"detail": str(exc), "errors": errors, **dhis2.refused(errors)}
        return JsonResponse(answer, status=409)


# ---- DHIS2 uid mappings (the caller's organisation's) ----------------------------------------------------------


class Dhis2IdOut(Schema):
    id: int
    kind: str
    uid: str
    code: str
    status: str
    version: int


class Dhis2IdIn(Schema):
    kind: str
    uid: str
    code: str


class Dhis2IdRetireIn(Schema):
    version: int


@router.get("/dhis2-ids", response=list[Dhis2IdOut])
def list_dhis2_ids(request, q: str = "", kind: str = "", status: str = "active"):
    """Your organisation's DHIS2 uid mappings (uid → the platform's code), searched by uid or code; ``status=`` for
    the retired ones as well."""
    return list(queries.dhis2_ids_for(request.user, q=q, kind=kind, status=status)[:1000])


@router.post("/dhis2-ids", response={201: Dhis2IdOut})
def add_dhis2_id(request, payload: Dhis2IdIn):
    """Record your organisation's DHIS2 uid of an indicator (dataElement), pairing (orgUnit) or data set (dataSet)."""
    return Status(201, services.add_dhis2_id(user=request.user, kind=payload.kind, uid=payload.uid, code=payload.code))


@router.post("/dhis2-ids/{int:pk}/retire", response=Dhis2IdOut)
def retire_dhis2_id(request, pk: int, payload: Dhis2IdRetireIn):
    """Retire a mapping (kept in the history): its uid no longer resolves."""
    mapping = scoping.get_for(request.user, Dhis2Id, scoping.Action.CHANGE, pk=pk)
    return services.retire_dhis2_id(user=request.user, mapping=mapping, version=payload.version)
