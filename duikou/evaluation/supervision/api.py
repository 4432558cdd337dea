"""Supervision API: commendations, rectification notices and their follow-up.

Reads go through the same scoped queries as the pages, writes through the same services (a stale
``version`` answers 409, a step the caller may not take 403, bad input 422).
"""

import datetime
import uuid
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import Field

from duikou.accounts import scoping
from duikou.accounts.models import Organisation
from duikou.pairings.models import Pairing

from .. import queries as evaluation_queries
from ..models import Commendation, Notice
from . import queries, services
from .workflow import WORKFLOW

router = Router(tags=["supervision"])


class CommendationOut(Schema):
    id: int
    run_id: int
    pairing_id: int
    pairing: str
    reason: str
    created: datetime.datetime


class NoticeOut(Schema):
    id: int
    number: str
    run_id: int
    pairing_id: int
    pairing: str
    old_side: str
    partner_side: str
    batch: uuid.UUID | None = None
    responsible_id: int
    responsible: str
    finding: str
    measures_required: str
    deadline: datetime.date
    status: str
    step_due: datetime.date
    overdue: bool
    supervision_level: str
    escalated_at: datetime.datetime | None
    major: bool
    measures_reported: str
    verification: str
    issued_at: datetime.datetime
    received_at: datetime.datetime | None
    reported_at: datetime.datetime | None
    verified_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    version: int
    steps: list[str] = []


class NoticeIn(Schema):
    run_id: int
    pairing_id: int
    finding: str
    measures_required: str
    deadline: datetime.date
    responsible_id: int | None = None
    major: bool = False


class NoticeBatchIn(Schema):
    run_id: int
    pairing_ids: list[int] = Field(max_length=1000)
    finding: str
    measures_required: str
    deadline: datetime.date
    major: bool = False
    state_result: bool = True


class NoticeStepIn(Schema):
    version: int
    text: str = ""
    comment: str = ""
    reason: str = ""


def _commendation(c: Commendation) -> dict:
    return {
        "id": c.pk,
        "run_id": c.run_id,
        "pairing_id": c.pairing_id,
        "pairing": str(c.pairing),
        "reason": c.reason,
        "created": c.created,
    }


def _notice(user, n: Notice, *, steps: bool = True) -> dict:
    data = {
        f: getattr(n, f)
        for f in (
            "number",
            "run_id",
            "pairing_id",
            "batch",
            "responsible_id",
            "finding",
            "measures_required",
            "deadline",
            "status",
            "step_due",
            "supervision_level",
            "escalated_at",
            "major",
            "measures_reported",
            "verification",
            "issued_at",
            "received_at",
            "reported_at",
            "verified_at",
            "closed_at",
            "version",
        )
    }
    data.update(
        id=n.pk,
        pairing=str(n.pairing),
        old_side=n.pairing.old_region.name,
        partner_side=n.pairing.partner_region.name,
        responsible=str(n.responsible),
        overdue=queries.is_overdue(n),
        steps=sorted(s.name for s in WORKFLOW.allowed_steps(user, n)) if steps else [],
    )
    return data


@router.get("/runs/{int:run_id}/commendations", response=list[CommendationOut], url_name="list_commendations")
def list_commendations(request, run_id: int):
    """The commendation list (通报表扬) of a run."""
    run = evaluation_queries.run_for(request.user, run_id)
    return [_commendation(c) for c in queries.commendations_for(request.user, run)]


@router.post("/runs/{int:run_id}/commendations", response=list[CommendationOut], url_name="generate_commendations")
def generate_commendations(request, run_id: int):
    """Put every pairing graded 优秀 of a published run on the list; returns the ones added (none when repeated)."""
    run = evaluation_queries.run_for(request.user, run_id)
    return [_commendation(c) for c in services.generate_commendations(run=run, user=request.user)]


@router.get("/notices", response=list[NoticeOut], url_name="list_notices")
def list_notices(
    request,
    status: str = "",
    overdue: bool | None = None,
    major: bool | None = None,
    level: str = "",
    q: str = "",
    run_id: int | None = None,
    limit: Annotated[int, Field(ge=1, le=1000)] = 200,
    offset: Annotated[int, Field(ge=0, le=10**12)] = 0,
):
    """Notices in the caller's scope; ``status`` may be ``open``; at most ``limit`` (≤ 1000) from ``offset``."""
    qs = queries.notices_for(request.user, status=status, overdue=overdue, major=major, level=level, q=q, run=run_id)
    return [_notice(request.user, n, steps=False) for n in qs[offset : offset + limit]]


@router.get("/notices/national-desk", response=list[NoticeOut], url_name="national_desk_notices")
def national_desk(request, include_closed: bool = False):
    """Major and escalated notices: the national overseer's desk."""
    return [
        _notice(request.user, n, steps=False)
        for n in queries.national_desk(request.user, include_closed=include_closed)[:1000]
    ]


@router.get("/notices/{int:notice_id}", response=NoticeOut, url_name="get_notice")
def get_notice(request, notice_id: int):
    """One notice, with the steps the caller may take now."""
    return _notice(request.user, queries.notice_for(request.user, notice_id))


@router.post("/notices", response={201: NoticeOut}, url_name="issue_notice")
def issue_notice(request, payload: NoticeIn):
    """Issue a notice from a published run (only its organiser); the responsible unit defaults to the old-side
    city's government."""
    run = evaluation_queries.run_for(request.user, payload.run_id)
    pairing = scoping.get_for(request.user, Pairing, pk=payload.pairing_id)
    responsible = None
    if payload.responsible_id is not None:
        responsible = Organisation.objects.filter(pk=payload.responsible_id).first()
        if responsible is None:
            raise ValidationError({"responsible_id": f"机构 {payload.responsible_id} 不存在"})
    notice = services.issue_notice(
        run=run,
        pairing=pairing,
        finding=payload.finding,
        measures_required=payload.measures_required,
        deadline=payload.deadline,
        responsible=responsible,
        user=request.user,
        major=payload.major,
    )
    return Status(201, _notice(request.user, queries.notice_for(request.user, notice.pk)))


@router.post("/notices/batch", response={201: list[NoticeOut]}, url_name="issue_notice_batch")
def issue_notice_batch(request, payload: NoticeBatchIn):
    """Notices to several pairings of a published run at once (only its organiser): one per pairing, in the order
    given, with consecutive numbers and one ``batch``; all or none (422 naming each pairing that cannot be issued to
    and why; 404 for a pairing the caller cannot see). The responsible unit of each is the old-side city's
    government."""
    run = evaluation_queries.run_for(request.user, payload.run_id)
    visible = {p.pk: p for p in scoping.scope(request.user, Pairing).filter(pk__in=payload.pairing_ids)}
    unknown = [str(pk) for pk in payload.pairing_ids if pk not in visible]
    if unknown:  # as for one notice, a pairing the caller cannot see is not found
        raise Http404(f"结对关系 {'、'.join(unknown)} 不存在")
    notices = services.issue_notices(
        run=run,
        pairings=[visible[pk] for pk in payload.pairing_ids],
        finding=payload.finding,
        measures_required=payload.measures_required,
        deadline=payload.deadline,
        user=request.user,
        major=payload.major,
        state_result=payload.state_result,
    )
    issued = {n.pk: n for n in queries.notices_for(request.user, batch=notices[0].batch)}
    return Status(201, [_notice(request.user, issued[n.pk]) for n in notices])


@router.post("/notices/{int:notice_id}/steps/{step}", response=NoticeOut, url_name="take_notice_step")
def take_notice_step(request, notice_id: int, step: str, payload: NoticeStepIn):
    """A step: receive, report (text), verify (comment), return (comment), close, flag_major (reason);
    send the ``version`` you read."""
    notice = queries.notice_for(request.user, notice_id)
    user, version = request.user, payload.version
    if step == "receive":
        notice = services.receive_notice(notice=notice, user=user, expected_version=version)
    elif step == "report":
        notice = services.report_measures(notice=notice, user=user, expected_version=version, text=payload.text)
    elif step == "verify":
        notice = services.verify_notice(notice=notice, user=user, expected_version=version, comment=payload.comment)
    elif step == "return":
        notice = services.return_measures(notice=notice, user=user, expected_version=version, comment=payload.comment)
    elif step == "close":
        notice = services.close_notice(notice=notice, user=user, expected_version=version)
    elif step == "flag_major":
        notice = services.flag_major(notice=notice, user=user, expected_version=version, reason=payload.reason)
    else:
        raise ValidationError(f"未知的办理环节「{step}」，可选：{'、'.join(WORKFLOW.steps)}")
    return _notice(user, queries.notice_for(user, notice.pk))
