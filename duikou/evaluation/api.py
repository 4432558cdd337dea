"""Evaluation API: schemes with items, runs (start, read, publish, compare), results and scores with explanations.

Same scoping and rules as the pages: reads go through ``queries``, writes through ``services``.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from duikou.accounts import scoping
from duikou.core.pagination import Pages
from duikou.geo.models import Region
from duikou.indicators.models import Indicator
from duikou.policy.models import Clause, Task

from . import comparison, queries, services
from .models import Run, Scheme

router = Router(tags=["evaluation"])


class ItemOut(Schema):
    id: int
    order: int
    name: str
    key_task: str
    clause: str | None
    weight: Decimal
    method: str
    indicator: str | None
    criterion: str
    target: Decimal | None
    cap: Decimal
    threshold: Decimal | None
    deduction_basis: str
    deduction_points: Decimal | None
    drop_extremes: bool


class SchemeOut(Schema):
    id: int
    year: int
    level: str
    province: str | None
    name: str
    excellent_min: Decimal
    good_min: Decimal
    fair_min: Decimal
    cities_see_before_publication: bool
    self_assessment: bool = False
    partner_opinion: bool = False
    cross_check: bool = False
    cross_check_items: int = 3
    self_assessment_due: datetime.date | None = None
    opinion_due: datetime.date | None = None
    copied_from: int | None
    published: bool
    version: int
    items: list[ItemOut] = []


class ItemIn(Schema):
    name: str
    key_task: str
    method: str
    weight: Decimal
    order: int | None = None
    clause: str | None = None
    indicator: str | None = None
    criterion: str = ""
    target: Decimal | None = None
    cap: Decimal = Decimal("1")
    threshold: Decimal | None = None
    deduction_basis: str = ""
    deduction_points: Decimal | None = None
    drop_extremes: bool = False


class SchemeIn(Schema):
    year: int
    level: str
    province: str | None = None
    name: str
    excellent_min: Decimal = Decimal("90")
    good_min: Decimal = Decimal("80")
    fair_min: Decimal = Decimal("60")
    cities_see_before_publication: bool = False
    self_assessment: bool = False
    partner_opinion: bool = False
    cross_check: bool = False
    cross_check_items: int = 3
    self_assessment_due: datetime.date | None = None
    opinion_due: datetime.date | None = None
    items: list[ItemIn] = []


class CopyIn(Schema):
    year: int
    name: str = ""


class RunOut(Schema):
    id: int
    scheme_id: int
    number: int
    status: str
    job_id: str | None
    started: datetime.datetime
    finished: datetime.datetime | None
    published_at: datetime.datetime | None
    entropy_weights: dict
    version: int


class StartOut(Schema):
    run: RunOut
    job_id: str
    job_status: str


class ResultOut(Schema):
    """A pairing with no report due in the year (``reporting`` = ``none_due``) has no rank, total or grade; one
    that missed a report when due (``missed``) is ranked and graded as usual and marked 未按时填报."""

    pairing_id: int
    pairing: str
    rank: int | None
    total: Decimal | None
    grade: str
    grade_label: str
    reporting: str
    reporting_label: str
    reporting_note: str
    task_scores: dict
    topsis_score: Decimal | None
    topsis_rank: int | None


class ScoreOut(Schema):
    item_id: int
    item: str
    key_task: str
    method: str
    weight: Decimal
    score: Decimal
    actual: Decimal | None
    target: Decimal | None
    explanation: str
    inputs: dict


class ItemChangeOut(Schema):
    item_id: int
    item: str
    before: Decimal | None
    after: Decimal | None
    delta: Decimal | None


class ChangeOut(Schema):
    pairing_id: int
    pairing: str
    rank_before: int | None
    rank_after: int | None
    total_before: Decimal | None
    total_after: Decimal | None
    grade_before: str | None
    grade_after: str | None
    reporting_before: str | None
    reporting_after: str | None
    changed: bool
    items: list[ItemChangeOut]


class CompareOut(Schema):
    before: int
    after: int
    pairings: list[ChangeOut]


def _item(i) -> dict:
    return {
        "id": i.pk,
        "order": i.order,
        "name": i.name,
        "key_task": i.key_task_id,
        "clause": i.clause_id,
        "weight": i.weight,
        "method": i.method,
        "indicator": i.indicator_id,
        "criterion": i.criterion,
        "target": i.target,
        "cap": i.cap,
        "threshold": i.threshold,
        "deduction_basis": i.deduction_basis,
        "deduction_points": i.deduction_points,
        "drop_extremes": i.drop_extremes,
    }


def _scheme(user, s: Scheme, *, items: bool = True) -> dict:
    data = {
        "id": s.pk,
        "year": s.year,
        "level": s.level,
        "province": s.province_id,
        "name": s.name,
        "excellent_min": s.excellent_min,
        "good_min": s.good_min,
        "fair_min": s.fair_min,
        "cities_see_before_publication": s.cities_see_before_publication,
        **{name: getattr(s, name) for name in services.STAGE_FIELDS},
        "copied_from": s.copied_from_id,
        "published": s.published,
        "version": s.version,
    }
    if items:
        data["items"] = [_item(i) for i in queries.items_for(user, s)]
    return data


def _run(r: Run) -> dict:
    return {
        "id": r.pk,
        "scheme_id": r.scheme_id,
        "number": r.number,
        "status": r.status,
        "job_id": str(r.job_id) if r.job_id else None,
        "started": r.started,
        "finished": r.finished,
        "published_at": r.published_at,
        "entropy_weights": r.entropy_weights,
        "version": r.version,
    }


def _reference(user, model, code: str | None, field: str, label: str):
    if not code:
        return None
    found = scoping.scope(user, model).filter(pk=code).first()
    if found is None:
        raise ValidationError({field: f"{label}「{code}」不存在"})
    return found


def _item_fields(user, payload: ItemIn) -> dict:
    data = payload.dict()
    data["key_task"] = _reference(user, Task, payload.key_task, "key_task", "重点任务")
    if data["key_task"] is None:
        raise ValidationError({"key_task": "请填写重点任务（KT1–KT5）"})
    data["indicator"] = _reference(user, Indicator, payload.indicator, "indicator", "指标")
    data["clause"] = _reference(user, Clause, payload.clause, "clause", "条款")
    return data


@router.get("/schemes", response=list[SchemeOut])
@paginate(Pages, page_size=50)
def evaluation_schemes(request, year: int | None = None, level: str = "", q: str = ""):
    """Schemes you may read (items are listed on the single scheme)."""
    return [
        _scheme(request.user, s, items=False) for s in queries.schemes_for(request.user, year=year, level=level, q=q)
    ]


@router.get("/schemes/{int:scheme_id}", response=SchemeOut)
def evaluation_scheme(request, scheme_id: int):
    return _scheme(request.user, queries.scheme_for(request.user, scheme_id))


@router.post("/schemes", response={201: SchemeOut})
def create_evaluation_scheme(request, payload: SchemeIn):
    """A scheme with its items in one go (all or nothing)."""
    scoping.require(request.user, scoping.Action.CHANGE)
    province = _reference(request.user, Region, payload.province, "province", "省份")
    data = payload.dict(exclude={"items", "province"})
    with transaction.atomic():
        scheme = services.create_scheme(user=request.user, province=province, **data)
        for item in payload.items:
            services.add_item(user=request.user, scheme=scheme, **_item_fields(request.user, item))
    return Status(201, _scheme(request.user, queries.scheme_for(request.user, scheme.pk)))


@router.post("/schemes/{int:scheme_id}/copy", response={201: SchemeOut})
def copy_evaluation_scheme(request, scheme_id: int, payload: CopyIn):
    """Copy a scheme forward to another year (items, cut-offs and options)."""
    scheme = queries.scheme_for(request.user, scheme_id, scoping.Action.CHANGE)
    copy = services.copy_scheme_forward(scheme=scheme, year=payload.year, user=request.user, name=payload.name)
    return Status(201, _scheme(request.user, queries.scheme_for(request.user, copy.pk)))


@router.get("/schemes/{int:scheme_id}/runs", response=list[RunOut])
def evaluation_runs(request, scheme_id: int):
    scheme = queries.scheme_for(request.user, scheme_id)
    return [_run(r) for r in queries.runs_for(request.user, scheme=scheme)]


@router.post("/schemes/{int:scheme_id}/runs", response={202: StartOut})
def start_evaluation_run(request, scheme_id: int):
    """Start a run in the background; poll the run (or /jobs/{job_id}/) until its status is done."""
    scheme = queries.scheme_for(request.user, scheme_id, scoping.Action.CHANGE)
    job = services.start_run(scheme=scheme, user=request.user)
    run = Run.objects.get(job=job)
    return Status(202, {"run": _run(run), "job_id": str(job.pk), "job_status": job.status})


@router.get("/runs/{int:run_id}", response=RunOut)
def evaluation_run(request, run_id: int):
    return _run(queries.run_for(request.user, run_id))


@router.post("/runs/{int:run_id}/publish", response=RunOut)
def publish_evaluation_run(request, run_id: int):
    """Publish a finished run (the overseer for a national scheme, the province for its own)."""
    run = queries.run_for(request.user, run_id, scoping.Action.APPROVE)
    return _run(services.publish_run(run=run, user=request.user))


@router.get("/runs/{int:run_id}/compare/{int:other_id}", response=CompareOut)
def compare_evaluation_runs(request, run_id: int, other_id: int):
    """Per pairing: rank, total and grade in both runs and each item's score change (earlier run first)."""
    run, other = queries.run_for(request.user, run_id), queries.run_for(request.user, other_id)
    changes = comparison.compare_runs(run, other, user=request.user)
    before, after = sorted((run, other), key=lambda r: r.number)
    return {
        "before": before.pk,
        "after": after.pk,
        "pairings": [
            {
                "pairing_id": c.pairing.pk,
                "pairing": f"{c.pairing.code} {c.pairing}",
                "rank_before": c.before.rank if c.before else None,
                "rank_after": c.after.rank if c.after else None,
                "total_before": c.before.total if c.before else None,
                "total_after": c.after.total if c.after else None,
                "grade_before": c.before.grade if c.before else None,
                "grade_after": c.after.grade if c.after else None,
                "reporting_before": c.before.reporting if c.before else None,
                "reporting_after": c.after.reporting if c.after else None,
                "changed": c.changed,
                "items": [
                    {"item_id": i.item.pk, "item": i.item.name, "before": i.before, "after": i.after, "delta": i.delta}
                    for i in c.items
                ],
            }
            for c in changes
        ],
    }


@router.get("/runs/{int:run_id}/results", response=list[ResultOut])
def evaluation_results(request, run_id: int):
    """The ranking as far as you may see it (a city: its own before publication only if the scheme says so)."""
    run = queries.run_for(request.user, run_id)
    return [
        {
            "pairing_id": r.pairing_id,
            "pairing": f"{r.pairing.code} {r.pairing}",
            "rank": r.rank,
            "total": r.total,
            "grade": r.grade,
            "grade_label": r.get_grade_display() if r.grade else "",
            "reporting": r.reporting,
            "reporting_label": r.get_reporting_display(),
            "reporting_note": r.reporting_note,
            "task_scores": r.task_scores,
            "topsis_score": r.topsis_score,
            "topsis_rank": r.topsis_rank,
        }
        for r in queries.results_for(request.user, run)
    ]


@router.get("/runs/{int:run_id}/pairings/{int:pairing_id}/scores", response=list[ScoreOut])
def evaluation_scores(request, run_id: int, pairing_id: int):
    """A pairing's item scores with their explanations and the values they were computed from."""
    run = queries.run_for(request.user, run_id)
    queries.result_for(request.user, run, pairing_id)
    scores = list(queries.scores_for(request.user, run, pairing_id))
    if not scores:
        raise PermissionDenied("您可以查看排名，但不能查看其他结对的计分说明")
    return [
        {
            "item_id": s.item_id,
            "item": s.item.name,
            "key_task": s.item.key_task_id,
            "method": s.item.method,
            "weight": s.item.weight,
            "score": s.score,
            "actual": s.actual,
            "target": s.target,
            "explanation": s.explanation,
            "inputs": s.inputs,
        }
        for s in scores
    ]
