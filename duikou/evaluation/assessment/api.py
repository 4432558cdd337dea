"""API of the stages before scoring: self-assessments (write, submit, the partner's opinion) and cross-checks (read,
record a finding, report). Same scoping and rules as the pages: reads through ``queries``, writes through
``services``, each step offered as the workflow table allows it."""

import datetime
from decimal import Decimal

from django.http import Http404
from ninja import Router, Schema

from .. import queries as evaluation_queries
from ..models import CrossCheck, SelfAssessment
from . import queries, services
from .workflow import CROSS_CHECK, SELF_ASSESSMENT

router = Router(tags=["evaluation"])


class SelfAssessmentEntryOut(Schema):
    item_id: int
    item: str
    grade: str
    self_score: Decimal | None
    statement: str
    evidence: str
    opinion: str
    opinion_reason: str


class SelfAssessmentOut(Schema):
    id: int
    scheme_id: int
    pairing_id: int
    pairing: str
    side: str
    status: str
    turn: str
    steps: list[str]
    version: int
    submitted_at: datetime.datetime | None
    opinion_at: datetime.datetime | None
    entries: list[SelfAssessmentEntryOut]


class SelfAssessmentEntryIn(Schema):
    item_id: int
    grade: str = ""
    self_score: Decimal | None = None
    statement: str = ""
    evidence: str = ""


class SelfAssessmentIn(Schema):
    version: int | None = None
    entries: list[SelfAssessmentEntryIn]


class PartnerOpinionIn(Schema):
    item_id: int
    opinion: str
    reason: str = ""


class SelfAssessmentStepIn(Schema):
    version: int
    opinions: list[PartnerOpinionIn] = []


class CrossCheckFindingOut(Schema):
    item_id: int
    item: str
    finding: str
    adjustment: Decimal
    reason: str


class CrossCheckOut(Schema):
    id: int
    scheme_id: int
    pairing_id: int
    pairing: str
    reviewer: str
    seed: int
    sample: list[int]
    status: str
    turn: str
    steps: list[str]
    version: int
    findings: list[CrossCheckFindingOut]


class CrossCheckFindingIn(Schema):
    version: int
    item_id: int
    finding: str
    adjustment: Decimal = Decimal("0")
    reason: str = ""


class CrossCheckReportIn(Schema):
    version: int


def _assessment(user, a: SelfAssessment) -> dict:
    return {
        "id": a.pk,
        "scheme_id": a.scheme_id,
        "pairing_id": a.pairing_id,
        "pairing": str(a.pairing),
        "side": a.side,
        "status": a.status,
        "turn": str(SELF_ASSESSMENT.turn(a)),
        "steps": [s.name for s in SELF_ASSESSMENT.allowed_steps(user, a)],
        "version": a.version,
        "submitted_at": a.submitted_at,
        "opinion_at": a.opinion_at,
        "entries": [
            {
                "item_id": e.item_id,
                "item": e.item.name,
                "grade": e.grade,
                "self_score": e.self_score,
                "statement": e.statement,
                "evidence": e.evidence,
                "opinion": e.opinion,
                "opinion_reason": e.opinion_reason,
            }
            for e in a.entries.select_related("item").order_by("item__order", "item_id")
        ],
    }


def _check(user, c: CrossCheck) -> dict:
    return {
        "id": c.pk,
        "scheme_id": c.scheme_id,
        "pairing_id": c.pairing_id,
        "pairing": str(c.pairing),
        "reviewer": c.reviewer.name,
        "seed": c.seed,
        "sample": c.sample,
        "status": c.status,
        "turn": str(CROSS_CHECK.turn(c)),
        "steps": [s.name for s in CROSS_CHECK.allowed_steps(user, c)],
        "version": c.version,
        "findings": [
            {
                "item_id": f.item_id,
                "item": f.item.name,
                "finding": f.finding,
                "adjustment": f.adjustment,
                "reason": f.reason,
            }
            for f in c.findings.select_related("item").order_by("item__order", "item_id")
        ],
    }


@router.get("/schemes/{int:scheme_id}/assessments", response=list[SelfAssessmentOut], url_name="evaluation_assessments")
def list_assessments(request, scheme_id: int):
    """The scheme's self-assessments the caller may read, with whose turn it is on each."""
    scheme = evaluation_queries.scheme_for(request.user, scheme_id)
    return [
        _assessment(request.user, a)
        for a in queries.assessments_for(request.user, scheme).order_by("pairing__code", "side")
    ]


@router.post(
    "/schemes/{int:scheme_id}/assessments/{int:pairing_id}/{side}",
    response=SelfAssessmentOut,
    url_name="save_assessment",
)
def save_assessment(request, scheme_id: int, pairing_id: int, side: str, payload: SelfAssessmentIn):
    """Write the side's self-assessment (``side``: old or partner), item by item; made on the first write (send no
    ``version``), then send the ``version`` you read. Only the side's own city, before it is submitted and by the
    scheme's due date."""
    scheme = evaluation_queries.scheme_for(request.user, scheme_id)
    pairing = queries.pairing_of(request.user, scheme, pairing_id)
    queries.assessment_of(request.user, scheme, pairing, side)  # 404 for a side that is not one
    saved = services.save_self_assessment(
        scheme=scheme,
        pairing=pairing,
        side=side,
        user=request.user,
        entries={e.item_id: e.dict(exclude={"item_id"}) for e in payload.entries},
        expected_version=payload.version,
    )
    return _assessment(request.user, queries.assessment_of(request.user, scheme, pairing, saved.side))


@router.post(
    "/assessments/{int:assessment_id}/steps/{step}", response=SelfAssessmentOut, url_name="take_assessment_step"
)
def take_assessment_step(request, assessment_id: int, step: str, payload: SelfAssessmentStepIn):
    """A step: ``submit`` (the side's city) or ``opinion`` (the other side's city, with ``opinions``: agree or
    disagree with a reason, per item); send the ``version`` you read."""
    found = queries.assessment_by_pk(request.user, assessment_id)
    if step == "submit":
        done = services.submit_self_assessment(assessment=found, user=request.user, expected_version=payload.version)
    elif step == "opinion":
        done = services.give_opinion(
            assessment=found,
            user=request.user,
            expected_version=payload.version,
            opinions={o.item_id: {"opinion": o.opinion, "opinion_reason": o.reason} for o in payload.opinions},
        )
    else:
        raise Http404(f"未知的自评环节「{step}」，可选：submit、opinion")
    return _assessment(request.user, queries.assessment_by_pk(request.user, done.pk))


@router.get("/cross-checks/{int:check_id}", response=CrossCheckOut, url_name="get_cross_check")
def get_cross_check(request, check_id: int):
    """A cross-check: its reviewer, seed and sample, findings and whose turn it is."""
    return _check(request.user, queries.cross_check_for(request.user, check_id))


@router.post("/cross-checks/{int:check_id}/findings", response=CrossCheckOut, url_name="record_cross_check_finding")
def record_cross_check_finding(request, check_id: int, payload: CrossCheckFindingIn):
    """The reviewing organisation records a finding on a sampled item, with an adjustment (points) and its reason
    (required when the adjustment is not 0)."""
    check = queries.cross_check_for(request.user, check_id)
    item = next((i for i in services.sampled_items(check) if i.pk == payload.item_id), None)
    if item is None:
        raise Http404(f"评估项 {payload.item_id} 不在本次抽查范围内")
    services.record_finding(
        check=check,
        item=item,
        user=request.user,
        expected_version=payload.version,
        finding=payload.finding,
        adjustment=payload.adjustment,
        reason=payload.reason,
    )
    return _check(request.user, queries.cross_check_for(request.user, check_id))


@router.post("/cross-checks/{int:check_id}/report", response=CrossCheckOut, url_name="report_cross_check")
def report_cross_check(request, check_id: int, payload: CrossCheckReportIn):
    """报送核查结果: the findings become final and their adjustments count in the scheme's next run."""
    check = queries.cross_check_for(request.user, check_id)
    services.report_cross_check(check=check, user=request.user, expected_version=payload.version)
    return _check(request.user, queries.cross_check_for(request.user, check_id))
