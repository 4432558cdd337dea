"""API for projects (with milestones and progress updates) and activities.

Same scoping and the same checks as the pages: the endpoints read through ``queries`` and write through
``services``; a stale ``version`` answers 409, a rule broken answers 422 with the reasons in Chinese.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from duikou.accounts import scoping
from duikou.core.pagination import Pages
from duikou.geo.queries import region_named
from duikou.geo.schemas import RegionRef
from duikou.policy.models import Task

from . import queries, services
from .models import TYPED_FIELDS

projects_router = Router(tags=["projects"])
activities_router = Router(tags=["activities"])


class PairingRef(Schema):
    id: int
    code: str
    label: str

    @staticmethod
    def resolve_label(obj):
        return f"{obj.old_region.name}—{obj.partner_region.name}"


class ProjectOut(Schema):
    id: int
    pairing: PairingRef
    name: str
    industry: str
    key_task: str
    location: RegionRef
    park: str
    investment_planned: Decimal
    investment_signed: Decimal
    investment_in_place: Decimal
    funding_sources: list[str]
    land_quota_guarantee: bool
    start_date: datetime.date | None
    end_date: datetime.date | None
    status: str
    note: str
    version: int
    updated: datetime.datetime

    @staticmethod
    def resolve_key_task(obj):
        return obj.key_task_id


class ProjectFields(Schema):
    name: str
    industry: str
    key_task: str  # task code, e.g. KT5
    location: str  # county code, e.g. 411526
    park: str = ""
    investment_planned: Decimal = Decimal(0)
    investment_signed: Decimal = Decimal(0)
    investment_in_place: Decimal = Decimal(0)
    funding_sources: list[str] = []
    land_quota_guarantee: bool = False
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    status: str = "reserve"
    note: str = ""


class ProjectIn(ProjectFields):
    pairing_id: int


class ProjectUpdateIn(ProjectFields):
    version: int


class MilestoneOut(Schema):
    id: int
    project_id: int
    name: str
    due_date: datetime.date
    done_date: datetime.date | None


class OverdueOut(MilestoneOut):
    project_name: str
    pairing_code: str
    days_overdue: int

    @staticmethod
    def resolve_project_name(obj):
        return obj.project.name

    @staticmethod
    def resolve_pairing_code(obj):
        return obj.project.pairing.code

    @staticmethod
    def resolve_days_overdue(obj):
        return (timezone.localdate() - obj.due_date).days


class MilestoneIn(Schema):
    name: str
    due_date: datetime.date
    done_date: datetime.date | None = None


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    sm3: str


class UpdateOut(Schema):
    id: int
    project_id: int
    date: datetime.date
    text: str
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.all())


class ActivityOut(Schema):
    id: int
    pairing: PairingRef
    kind: str
    key_task: str
    date: datetime.date
    title: str
    delegation_size: int | None
    delegation_level: str | None
    exchange_people: int | None
    exchange_direction: str | None
    exchange_months: int | None
    training_sessions: int | None
    trainees: int | None
    sales_amount: Decimal | None
    product_category: str | None
    sales_channel: str | None
    people_placed: int | None
    institution_old: str | None
    institution_partner: str | None
    participants: int | None
    note: str
    version: int

    @staticmethod
    def resolve_key_task(obj):
        return obj.key_task_id


class ActivityFields(Schema):
    kind: str
    key_task: str
    date: datetime.date
    title: str
    delegation_size: int | None = None
    delegation_level: str | None = None
    exchange_people: int | None = None
    exchange_direction: str | None = None
    exchange_months: int | None = None
    training_sessions: int | None = None
    trainees: int | None = None
    sales_amount: Decimal | None = None
    product_category: str | None = None
    sales_channel: str | None = None
    people_placed: int | None = None
    institution_old: str | None = None
    institution_partner: str | None = None
    participants: int | None = None
    note: str = ""


class ActivityIn(ActivityFields):
    pairing_id: int


class ActivityUpdateIn(ActivityFields):
    version: int


def _key_task(user, code: str) -> Task:
    task = scoping.scope(user, Task).filter(kind=Task.Kind.KEY_TASK, code=code).first()
    if task is None:
        raise ValidationError({"key_task": f"重点任务「{code}」不存在（如 KT1…KT5）"})
    return task


def _project_fields(user, payload: ProjectFields) -> dict:
    data = payload.dict(include=set(services.PROJECT_FIELDS))
    data["key_task"] = _key_task(user, payload.key_task)
    data["location"] = region_named(user, payload.location, "location")
    return data


# --- projects ---------------------------------------------------------------------------------------------------


@projects_router.get("", response=list[ProjectOut])
@paginate(Pages, page_size=50)
def list_projects(
    request, pairing: int | None = None, status: str = "", industry: str = "", key_task: str = "", q: str = ""
):
    return queries.projects_for(request.user, pairing=pairing, status=status, industry=industry, key_task=key_task, q=q)


@projects_router.get("/overdue-milestones", response=list[OverdueOut])
@paginate(Pages, page_size=50)
def list_overdue_project_milestones(request, pairing: int | None = None):
    """Milestones past due and not done, of projects neither terminated nor in operation."""
    return queries.overdue_milestones_for(request.user, pairing=pairing)


@projects_router.get("/{int:project_id}", response=ProjectOut)
def get_project(request, project_id: int):
    return queries.project_for(request.user, project_id)


@projects_router.post("", response={201: ProjectOut})
def create_project(request, payload: ProjectIn):
    pairing = queries.pairing_to_record(request.user, payload.pairing_id)
    project = services.create_project(user=request.user, pairing=pairing, **_project_fields(request.user, payload))
    return Status(201, queries.project_for(request.user, project.pk))


@projects_router.put("/{int:project_id}", response=ProjectOut)
def update_project(request, project_id: int, payload: ProjectUpdateIn):
    """Edit a project; send the version you read. A stale version answers 409."""
    project = queries.project_for(request.user, project_id, scoping.Action.CHANGE)
    services.update_project(
        project=project,
        user=request.user,
        expected_version=payload.version,
        **_project_fields(request.user, payload),
    )
    return queries.project_for(request.user, project_id)


@projects_router.get("/{int:project_id}/milestones", response=list[MilestoneOut])
def list_project_milestones(request, project_id: int):
    project = queries.project_for(request.user, project_id)
    return list(queries.milestones_for(request.user, project=project))


@projects_router.post("/{int:project_id}/milestones", response={201: MilestoneOut})
def create_project_milestone(request, project_id: int, payload: MilestoneIn):
    project = queries.project_for(request.user, project_id, scoping.Action.CHANGE)
    return Status(201, services.add_milestone(project=project, user=request.user, **payload.dict()))


@projects_router.put("/milestones/{int:milestone_id}", response=MilestoneOut)
def update_project_milestone(request, milestone_id: int, payload: MilestoneIn):
    milestone = queries.milestone_for(request.user, milestone_id, scoping.Action.CHANGE)
    return services.update_milestone(milestone=milestone, user=request.user, **payload.dict())


@projects_router.get("/{int:project_id}/updates", response=list[UpdateOut])
def list_project_updates(request, project_id: int):
    project = queries.project_for(request.user, project_id)
    return list(queries.updates_for(request.user, project=project))


@projects_router.post("/{int:project_id}/updates", response={201: UpdateOut})
def create_project_update(
    request,
    project_id: int,
    date: Form[datetime.date],
    text: Form[str],
    files: File[list[UploadedFile]] = None,
):
    """A dated progress update (multipart form) with evidence files; each is stored with its SM3 digest."""
    project = queries.project_for(request.user, project_id, scoping.Action.CHANGE)
    update = services.add_progress_update(project=project, user=request.user, date=date, text=text, files=files or [])
    return Status(201, queries.updates_for(request.user, project=project).get(pk=update.pk))


# --- fund transactions ------------------------------------------------------------------------------------------


class FundTransactionOut(Schema):
    id: int
    project_id: int
    kind: str
    date: datetime.date
    amount_wan: Decimal
    source: str
    provider: str
    receiver: str
    reference: str
    note: str
    status: str
    cancel_reason: str
    cancelled_at: datetime.datetime | None
    version: int


class FundTransactionIn(Schema):
    kind: str  # commitment, disbursement or expenditure
    date: datetime.date
    amount_wan: Decimal
    source: str  # central_budget, special_bonds, social_capital, eastern_fiscal or other
    provider: str = ""
    receiver: str = ""
    reference: str = ""
    note: str = ""


class FundCancelIn(Schema):
    version: int
    reason: str


class FundFigureOut(Schema):
    period: str
    planned: Decimal
    signed: Decimal
    in_place: Decimal
    spent: Decimal
    signed_total: Decimal
    in_place_total: Decimal
    spent_total: Decimal
    in_place_share: Decimal | None


@projects_router.get("/{int:project_id}/funds", response=list[FundTransactionOut])
def list_project_funds(request, project_id: int, status: str = ""):
    """A project's dated transactions (commitments, disbursements, expenditures), the cancelled ones included
    unless ``status=active``."""
    project = queries.project_for(request.user, project_id)
    return list(queries.fund_transactions_for(request.user, project=project, status=status))


@projects_router.post("/{int:project_id}/funds", response={201: FundTransactionOut})
def create_project_fund(request, project_id: int, payload: FundTransactionIn):
    """Record a transaction; its date must lie within the project's life (422 otherwise)."""
    project = queries.project_for(request.user, project_id, scoping.Action.CHANGE)
    return Status(201, services.add_fund_transaction(project=project, user=request.user, **payload.dict()))


@projects_router.post("/funds/{int:fund_id}/cancel", response=FundTransactionOut)
def cancel_project_fund(request, fund_id: int, payload: FundCancelIn):
    """Cancel a wrong transaction with the reason; send the version you read (409 when stale)."""
    record = queries.fund_transaction_for(request.user, fund_id, scoping.Action.CHANGE)
    return services.cancel_fund_transaction(
        fund_transaction=record, user=request.user, expected_version=payload.version, reason=payload.reason
    )


@projects_router.get("/funds/figures", response=list[FundFigureOut])
def project_fund_figures(request, pairing: int | None = None, project: int | None = None, by: str = "year"):
    """Per year, quarter or month (``by``): signed, in place and spent, of one project or of a pairing's projects
    (or of all projects the caller sees), with running totals and the share of the planned investment in place."""
    if by not in queries.FUND_PERIODS:
        raise ValidationError({"by": f"「{by}」不是可选的期间（可选：year、quarter、month）"})
    chosen = queries.project_for(request.user, project) if project is not None else None
    return queries.fund_figures(request.user, project=chosen, pairing=pairing, by=by)


# --- activities -------------------------------------------------------------------------------------------------


def _activity_fields(user, payload: ActivityFields) -> dict:
    data = payload.dict(include={"kind", "date", "title", "note", *TYPED_FIELDS})
    data["key_task"] = _key_task(user, payload.key_task)
    return data


@activities_router.get("", response=list[ActivityOut])
@paginate(Pages, page_size=50)
def list_activities(
    request,
    kind: str = "",
    pairing: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    q: str = "",
):
    return queries.activities_for(request.user, kind=kind, pairing=pairing, since=since, until=until, q=q)


@activities_router.get("/{int:activity_id}", response=ActivityOut)
def get_activity(request, activity_id: int):
    return queries.activity_for(request.user, activity_id)


@activities_router.post("", response={201: ActivityOut})
def create_activity(request, payload: ActivityIn):
    pairing = queries.pairing_to_record(request.user, payload.pairing_id)
    activity = services.create_activity(user=request.user, pairing=pairing, **_activity_fields(request.user, payload))
    return Status(201, queries.activity_for(request.user, activity.pk))


@activities_router.put("/{int:activity_id}", response=ActivityOut)
def update_activity(request, activity_id: int, payload: ActivityUpdateIn):
    """Edit an activity; send the version you read. A stale version answers 409."""
    activity = queries.activity_for(request.user, activity_id, scoping.Action.CHANGE)
    services.update_activity(
        activity=activity,
        user=request.user,
        expected_version=payload.version,
        **_activity_fields(request.user, payload),
    )
    return queries.activity_for(request.user, activity_id)
