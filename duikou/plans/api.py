import datetime

from django.core.exceptions import ValidationError
from ninja import Body, Router, Schema, Status

from duikou.accounts import scoping
from duikou.pairings.queries import pairing_for
from duikou.policy.models import Task

from . import queries, services
from .forms import SECTION_FORMS
from .models import Plan
from .workflow import WORKFLOW

router = Router(tags=["plans"])


class PlanOut(Schema):
    id: int
    pairing_id: int
    kind: str
    title: str
    start_year: int
    end_year: int
    revision: int
    status: str
    version: int
    filing_receipt: str
    filing_digest: str
    steps: list[str] = []
    content: dict = {}


class PlanIn(Schema):
    pairing_id: int
    kind: str
    title: str
    start_year: int
    end_year: int
    key_task: str | None = None


class HeaderIn(Schema):
    version: int
    title: str
    start_year: int
    end_year: int


class PlanStepIn(Schema):
    comment: str = ""
    doc_number: str = ""
    date: datetime.date | None = None
    receipt: str = ""
    year: int | None = None


def _out(user, plan: Plan) -> dict:
    data = {
        f: getattr(plan, f)
        for f in (
            "id",
            "pairing_id",
            "kind",
            "title",
            "start_year",
            "end_year",
            "revision",
            "status",
            "version",
            "filing_receipt",
            "filing_digest",
        )
    }
    data["steps"] = sorted(s.name for s in WORKFLOW.allowed_steps(user, plan))
    data["content"] = content = services.canonical_content(plan)
    # each target as written, with the code of the library's indicator it refers to
    codes = plan.targets.values_list("indicator_id", flat=True)
    content["targets"] = [row | {"indicator_code": code} for row, code in zip(content["targets"], codes, strict=True)]
    return data


@router.get("", response=list[PlanOut])
def list_plans(request, kind: str = "", status: str = "", q: str = ""):
    return [_out(request.user, p) for p in queries.plans_for(request.user, kind=kind, status=status, q=q)[:200]]


@router.get("/{int:plan_id}", response=PlanOut)
def get_plan(request, plan_id: int):
    return _out(request.user, queries.plan_for(request.user, plan_id))


@router.post("", response={201: PlanOut})
def create_plan(request, payload: PlanIn):
    pairing = pairing_for(request.user, payload.pairing_id, scoping.Action.CHANGE)
    key_task = Task.objects.filter(pk=payload.key_task).first() if payload.key_task else None
    header = payload.dict(include={"kind", "title", "start_year", "end_year"})
    plan = services.create_plan(user=request.user, pairing=pairing, key_task=key_task, **header)
    return Status(201, _out(request.user, plan))


@router.put("/{int:plan_id}", response=PlanOut)
def update_plan(request, plan_id: int, payload: HeaderIn):
    plan = queries.plan_for(request.user, plan_id)
    header = payload.dict(include={"title", "start_year", "end_year"})
    plan = services.update_plan_header(user=request.user, plan=plan, expected_version=payload.version, **header)
    return _out(request.user, plan)


def _content_form(section: str, payload: dict, plan: Plan, instance=None):
    if section not in SECTION_FORMS:
        raise ValidationError(f"未知的内容分类「{section}」")
    data = dict(payload)
    data.setdefault("plan_version", plan.version)
    form = SECTION_FORMS[section](data=data, instance=instance)
    if not form.is_valid():
        raise ValidationError([f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()])
    return form


@router.post("/{int:plan_id}/content/{section}", response={201: PlanOut})
def add_content(request, plan_id: int, section: str, payload: Body[dict]):
    """Add a row to a section (goals, items, projects, targets, milestones, measures); send `plan_version`."""
    plan = queries.plan_for(request.user, plan_id)
    form = _content_form(section, payload, plan)
    services.save_content(user=request.user, plan=plan, section=section, **form.changes())
    plan.refresh_from_db()
    return Status(201, _out(request.user, plan))


@router.put("/{int:plan_id}/content/{section}/{int:row_id}", response=PlanOut)
def change_content(request, plan_id: int, section: str, row_id: int, payload: Body[dict]):
    plan = queries.plan_for(request.user, plan_id)
    if section not in services.SECTION_MODELS:
        raise ValidationError(f"未知的内容分类「{section}」")
    instance = queries.content_row_for(request.user, plan, services.SECTION_MODELS[section], row_id)
    form = _content_form(section, payload, plan, instance=instance)
    services.save_content(user=request.user, plan=plan, section=section, row_id=row_id, **form.changes())
    plan.refresh_from_db()
    return _out(request.user, plan)


@router.delete("/{int:plan_id}/content/{section}/{int:row_id}", response=PlanOut)
def remove_content(request, plan_id: int, section: str, row_id: int, plan_version: int):
    plan = queries.plan_for(request.user, plan_id)
    if section not in services.SECTION_MODELS:
        raise ValidationError(f"未知的内容分类「{section}」")
    services.remove_content(user=request.user, plan=plan, section=section, row_id=row_id, expected_version=plan_version)
    plan.refresh_from_db()
    return _out(request.user, plan)


@router.post("/{int:plan_id}/steps/{step}", response=PlanOut)
def take_step(request, plan_id: int, step: str, payload: PlanStepIn):
    """Workflow: submit, agree, return (comment), issue (doc_number, date), file (receipt), revise, annual (year)."""
    plan = queries.plan_for(request.user, plan_id)
    user = request.user
    if step == "submit":
        plan = services.submit_for_agreement(user=user, plan=plan)
    elif step == "agree":
        plan = services.agree(user=user, plan=plan)
    elif step == "return":
        plan = services.return_plan(user=user, plan=plan, comment=payload.comment)
    elif step == "issue":
        if payload.date is None:
            raise ValidationError("请填写印发日期 date")
        plan = services.issue(user=user, plan=plan, doc_number=payload.doc_number, date=payload.date)
    elif step == "file":
        plan = services.file_plan(user=user, plan=plan, receipt=payload.receipt)
    elif step == "revise":
        plan = services.start_revision(user=user, plan=plan)
    elif step == "annual":
        if payload.year is None:
            raise ValidationError("请填写年度 year")
        plan = services.create_annual_plan(user=user, five_year=plan, year=payload.year)
    else:
        raise ValidationError(f"未知的流程操作「{step}」")
    return _out(user, plan)
