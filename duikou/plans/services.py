"""Every write to plans and every step of their workflow.

Who may do what (2022 方案 四(二)): editors of either city draft; each city's approver agrees for its own
side, and either may return the draft with comments; each province's approver records its own joint
issuance (document number and date); the national overseer files. A filed plan is frozen; a revision is
a new plan that goes through the chain again. Who may take which step is the table in ``workflow.py``; each step
function below asks it first.
"""

import datetime
import difflib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duikou.accounts import scoping
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_versioned
from duikou.core.digests import canonical_json, sm3_file, sm3_hex
from duikou.core.errors import StaleObjectError
from duikou.core.uploads import size_error
from duikou.core.workflow import party_users, region_party
from duikou.notifications import services as notifications
from duikou.notifications.models import Notification
from duikou.pairings.models import Pairing
from duikou.pairings.sides import SIDES, city_sides, province_sides, provinces, required_provinces, side_region

from . import queries
from .models import (
    Plan,
    PlanAttachment,
    PlanGoal,
    PlanIssuance,
    PlanItem,
    PlanMeasure,
    PlanMilestone,
    PlanProject,
    PlanTarget,
)
from .workflow import WORKFLOW


def _touch(plan: Plan, expected_version: int | None) -> None:
    """Bump the plan's version for a content change; refuse if the editor's copy is stale."""
    if expected_version is None:
        Plan.objects.filter(pk=plan.pk).update(version=F("version") + 1)
        return
    if not Plan.objects.filter(pk=plan.pk, version=expected_version).update(version=F("version") + 1):
        current = Plan.objects.filter(pk=plan.pk).values_list("version", flat=True).first()
        raise StaleObjectError(plan, expected_version, current)


# ---- creating and editing ------------------------------------------------------------------------------


def create_plan(
    *, user, pairing: Pairing, kind: str, title: str, start_year: int, end_year: int, key_task=None
) -> Plan:
    scoping.require(user, scoping.Action.CHANGE, pairing)
    if not title.strip():
        raise ValidationError({"title": "请填写标题"})
    if kind == Plan.Kind.ANNUAL:
        end_year = start_year
    if not (pairing.start_year <= start_year <= end_year <= pairing.end_year):
        raise ValidationError({"start_year": f"年份须在结对期限 {pairing.start_year}–{pairing.end_year} 之内"})
    plan = Plan(
        pairing=pairing,
        kind=kind,
        title=title.strip(),
        start_year=start_year,
        end_year=end_year,
        key_task=key_task,
        created_by=user,
    )
    with transaction.atomic(), set_actor(user):
        plan.full_clean()
        plan.save()
    return plan


def update_plan_header(*, user, plan: Plan, expected_version: int, title: str, start_year: int, end_year: int) -> Plan:
    WORKFLOW.require(user, plan, "edit")
    if plan.kind == Plan.Kind.ANNUAL:
        end_year = start_year
    with set_actor(user):
        return save_versioned(
            plan,
            expected_version=expected_version,
            changes={"title": title.strip(), "start_year": start_year, "end_year": end_year},
        )


SECTION_MODELS = {
    "goals": PlanGoal,
    "items": PlanItem,
    "projects": PlanProject,
    "targets": PlanTarget,
    "milestones": PlanMilestone,
    "measures": PlanMeasure,
}


def save_content(
    *,
    user,
    plan: Plan,
    section: str,
    expected_version: int,
    values: dict,
    row_id: int | None = None,
    tasks=None,
    clauses=None,
):
    """Add (row_id None) or change one content row of a draft plan, in one transaction with a version check."""
    WORKFLOW.require(user, plan, "edit")
    model = SECTION_MODELS[section]
    with transaction.atomic(), set_actor(user):
        _touch(plan, expected_version)
        row = queries.content_row_for(user, plan, model, row_id) if row_id else model(plan=plan)
        if row_id is None:
            row.order = (model.objects.filter(plan=plan).count() + 1) * 10
        for field, value in values.items():
            setattr(row, field, value)
        row.full_clean()
        row.save()
        if section == "items":
            if tasks is not None:
                row.tasks.set(tasks)
            if clauses is not None:
                row.clauses.set(clauses)
    return row


def remove_content(*, user, plan: Plan, section: str, row_id: int, expected_version: int) -> None:
    WORKFLOW.require(user, plan, "edit")
    model = SECTION_MODELS[section]
    with transaction.atomic(), set_actor(user):
        _touch(plan, expected_version)
        row = queries.content_row_for(user, plan, model, row_id)
        if section == "items":
            row.tasks.clear()
            row.clauses.clear()
        row.delete()


def add_attachment(*, user, plan: Plan, uploaded) -> PlanAttachment:
    """Attach a PDF or Word file to a plan; its SM3 digest is stored beside it."""
    WORKFLOW.require(user, plan, "edit")
    name = uploaded.name
    if not name.lower().endswith((".pdf", ".doc", ".docx", ".wps", ".ofd")):
        raise ValidationError({"file": f"「{name}」不是 PDF、Word 或 OFD 文件"})
    if too_big := size_error(name, uploaded.size):
        raise ValidationError({"file": too_big})
    digest = sm3_file(uploaded)
    uploaded.seek(0)
    with transaction.atomic(), set_actor(user):
        return PlanAttachment.objects.create(plan=plan, name=name, file=uploaded, sm3=digest, uploaded_by=user)


def mark_item_done(*, user, item: PlanItem, done_date: datetime.date | None) -> PlanItem:
    """Record that a plan item is done. Allowed while the plan is not filed, to the item's own unit too."""
    item = PlanItem.objects.select_related("plan").get(pk=item.pk)
    plan = item.plan
    own_unit = user.organisation_id and item.responsible_unit_id == user.organisation_id
    if not (own_unit and scoping.may(user, scoping.Action.CHANGE)) and not scoping.can(
        user, scoping.Action.CHANGE, plan
    ):
        raise PermissionDenied("只有结对双方或该事项的责任单位可以登记完成")
    with transaction.atomic(), set_actor(user):
        item.done_date = done_date
        item.save(update_fields=["done_date"])
    return item


# ---- the workflow --------------------------------------------------------------------------------------


def submit_for_agreement(*, user, plan: Plan) -> Plan:
    WORKFLOW.require(user, plan, "submit")
    if not plan.items.exists():
        raise ValidationError("方案还没有任何任务事项，不能提交确认")
    with transaction.atomic():
        plan = _transition(
            user,
            plan,
            status=Plan.Status.AGREEING,
            step_due=WORKFLOW.due(plan, Plan.Status.AGREEING, timezone.localdate()),
            return_comment="",
            old_side_agreed_by=None,
            old_side_agreed_at=None,
            partner_side_agreed_by=None,
            partner_side_agreed_at=None,
        )
        _tell(plan, user, Notification.Kind.SUBMITTED)
    return plan


def _tell(plan: Plan, user, kind: str) -> None:
    """Tell those whose turn it now is (both cities' approvers, the provinces, the overseer, or the drafters)."""
    notifications.notify_turn(
        workflow=WORKFLOW, obj=plan, actor=user, kind=kind, link=reverse("plans:detail", args=[plan.pk])
    )


SIDE_LABELS = {"old": gettext_lazy("老区方"), "partner": gettext_lazy("支持方")}


def agree(*, user, plan: Plan) -> Plan:
    """The user's city agrees for its side; when both sides have, the plan is agreed. Decided on the locked plan:
    the two cities agreeing at the same moment both count."""
    WORKFLOW.require(user, plan, "agree")
    with transaction.atomic(), set_actor(user):
        fresh = _locked(plan)
        sides = city_sides(user, fresh.pairing)
        changes = {}
        for side in sides:
            if getattr(fresh, f"{side}_side_agreed_at") is None:
                changes[f"{side}_side_agreed_by"] = user
                changes[f"{side}_side_agreed_at"] = timezone.now()
        if not changes:
            by = "、".join(
                _("%(side)s已由 %(user)s 确认")
                % {"side": SIDE_LABELS[s], "user": getattr(fresh, f"{s}_side_agreed_by")}
                for s in sides
            )
            message = _("「%(plan)s」%(by)s，无需重复确认。") % {"plan": fresh, "by": by}
            raise StaleObjectError(plan, plan.version, fresh.version, message)
        merged = {s: changes.get(f"{s}_side_agreed_at") or getattr(fresh, f"{s}_side_agreed_at") for s in SIDES}
        if all(merged.values()):
            changes["status"] = Plan.Status.AGREED
            changes["step_due"] = WORKFLOW.due(fresh, Plan.Status.AGREED, timezone.localdate())
        fresh = _apply(fresh, changes)
        if fresh.status == Plan.Status.AGREED:
            _tell(fresh, user, Notification.Kind.SUBMITTED)
        return fresh


def return_plan(*, user, plan: Plan, comment: str) -> Plan:
    WORKFLOW.require(user, plan, "return")
    if not comment.strip():
        raise ValidationError({"comment": "退回时请写明意见"})
    with transaction.atomic():
        plan = _transition(
            user,
            plan,
            status=Plan.Status.DRAFT,
            step_due=WORKFLOW.due(plan, Plan.Status.DRAFT, timezone.localdate()),
            return_comment=comment.strip(),
            old_side_agreed_by=None,
            old_side_agreed_at=None,
            partner_side_agreed_by=None,
            partner_side_agreed_at=None,
        )
        _tell(plan, user, Notification.Kind.RETURNED)
    return plan


def issue(*, user, plan: Plan, doc_number: str, date: datetime.date) -> Plan:
    """Record the user's province's joint issuance; when every province involved has issued, the plan is issued."""
    WORKFLOW.require(user, plan, "issue")
    if not doc_number.strip():
        raise ValidationError({"doc_number": "请填写文号，如 沪府发〔2022〕10号"})
    with transaction.atomic(), set_actor(user):
        # the issuances are read on the locked plan: the two provinces issuing at the same moment both count
        fresh = _locked(plan)
        issued = dict(fresh.issuances.values_list("province_id", "doc_number"))
        mine = [p for p in province_sides(user, fresh.pairing) if p.code not in issued]
        if not mine:
            done = "、".join(f"{p.name}（{issued[p.code]}）" for p in province_sides(user, fresh.pairing))
            message = _("「%(plan)s」已由%(provinces)s印发，无需重复印发。") % {"plan": fresh, "provinces": done}
            raise StaleObjectError(plan, plan.version, fresh.version, message)
        for province in mine:
            PlanIssuance.objects.create(
                plan=fresh,
                province=province,
                doc_number=doc_number.strip(),
                date=date,
                issued_by=user,
                order=len(issued) + 1,
            )
            issued[province.code] = doc_number.strip()
        changes = {}
        if set(issued) >= required_provinces(fresh.pairing):
            changes = {
                "status": Plan.Status.ISSUED,
                "step_due": WORKFLOW.due(fresh, Plan.Status.ISSUED, timezone.localdate()),
            }
        fresh = _apply(fresh, changes)
        if fresh.status == Plan.Status.ISSUED:
            _tell(fresh, user, Notification.Kind.SUBMITTED)
        return fresh


def file_plan(*, user, plan: Plan, receipt: str) -> Plan:
    """File with the national overseer: freeze, and chain an SM3 digest of the content to the last filing."""
    WORKFLOW.require(user, plan, "file")
    if not receipt.strip():
        raise ValidationError({"receipt": "请填写备案回执号"})
    # one filing per end of the chain (a unique rule): a plan filed at the same moment onto the same end makes
    # this save fail, and it is chained again onto the new end
    for _attempt in range(5):
        try:
            with transaction.atomic(), set_actor(user):
                fresh = _locked(plan)
                last = Plan.objects.filter(status=Plan.Status.FILED).order_by("-filed_at", "-pk").first()
                prev = last.filing_digest if last else ""
                fresh.filing_prev_digest = prev
                fresh.filing_digest = filing_digest(fresh, prev)
                fresh.filing_receipt, fresh.filed_by, fresh.filed_at = receipt.strip(), user, timezone.now()
                fresh.status = Plan.Status.FILED
                fresh.step_due = None
                fresh.version += 1
                fresh.save()
                _tell_filed(fresh, user)
            return fresh
        except IntegrityError:
            continue
    raise ValidationError(_("其他方案正在同时备案，请稍后重试"))


def _tell_filed(plan: Plan, user) -> None:
    """「已办结」 to the cities and provinces of the pairing: their plan is filed."""
    parties = [region_party(side_region(plan.pairing, s)) for s in SIDES]
    parties += [region_party(p) for p in provinces(plan.pairing)]
    people = party_users(parties, changing=plan)
    notifications.notify_done(
        obj=plan,
        recipients=people,
        actor=user,
        title=lambda: _("「%(plan)s」已备案") % {"plan": plan},
        link=reverse("plans:detail", args=[plan.pk]),
    )


def _locked(plan: Plan) -> Plan:
    """The plan's row, locked until the transaction ends (so the steps of one plan take turns); refused if its status
    moved on since the request read it."""
    fresh = Plan.objects.select_for_update().get(pk=plan.pk)
    if fresh.status != plan.status:
        raise StaleObjectError(plan, plan.version, fresh.version)
    return fresh


def _apply(fresh: Plan, changes: dict) -> Plan:
    for field, value in changes.items():
        setattr(fresh, field, value)
    fresh.version += 1
    fresh.save()
    return fresh


def _transition(user, plan: Plan, **changes) -> Plan:
    with transaction.atomic(), set_actor(user):
        return _apply(_locked(plan), changes)


def _copy_content(source: Plan, target: Plan, *, year: int | None = None) -> None:
    """Copy content rows; with ``year``, only what belongs to that year (for an annual plan)."""

    def in_year(start, end):
        return year is None or ((start or year) <= year <= (end or start or year))

    for goal in source.goals.all():
        _copy_row(goal, target, ("order", "text"))
    for item in source.items.all():
        item_year = item.year or (item.due_date.year if item.due_date else None)
        if year is not None and item_year not in (None, year):
            continue
        copy = _copy_row(
            item,
            target,
            ("order", "key_task", "text", "responsible_unit"),
            year=year or item.year,
            due_date=item.due_date
            if (year is None or (item.due_date and item.due_date.year == year))
            else (datetime.date(year, 12, 31) if year else None),
        )
        copy.tasks.set(item.tasks.all())
        copy.clauses.set(item.clauses.all())
    for project in source.projects.all():
        if in_year(project.start_year, project.end_year):
            _copy_row(project, target, PROJECT_COPIED)
    for t in source.targets.all():
        if year is None or t.year == year:
            _copy_row(t, target, ("order", "indicator", "year", "target", "key_task"))
    for m in source.milestones.all():
        if year is None or m.date.year == year:
            _copy_row(m, target, ("order", "date", "text"))
    for m in source.measures.all():
        _copy_row(m, target, ("order", "text"))


def _copy_row(row, plan: Plan, fields: tuple[str, ...], **changes):
    """A copy of one content row in ``plan``: the ``fields`` named, then the ``changes``."""
    return type(row).objects.create(plan=plan, **{**{name: getattr(row, name) for name in fields}, **changes})


PROJECT_COPIED = (
    "order",
    "name",
    "key_task",
    "location",
    "investment_wan",
    "start_year",
    "end_year",
    "responsible_unit",
)


def start_revision(*, user, plan: Plan) -> Plan:
    """A filed plan is changed by a new revision: a draft copy that goes through the whole chain again."""
    WORKFLOW.require(user, plan, "revise")
    with transaction.atomic(), set_actor(user):
        fresh = _locked(plan)
        revision = Plan.objects.filter(previous=fresh).first()
        if revision is not None:
            raise StaleObjectError(
                plan,
                plan.version,
                fresh.version,
                _("「%(plan)s」已有修订版「%(revision)s」（第 %(number)s 版），请在其上修改。")
                % {"plan": fresh, "revision": revision, "number": revision.revision},
            )
        new = Plan.objects.create(
            pairing=plan.pairing,
            kind=plan.kind,
            title=plan.title,
            key_task=plan.key_task,
            start_year=plan.start_year,
            end_year=plan.end_year,
            source_plan=plan.source_plan,
            revision=plan.revision + 1,
            previous=plan,
            created_by=user,
        )
        _copy_content(plan, new)
    return new


def create_annual_plan(*, user, five_year: Plan, year: int) -> Plan:
    """The annual work plan for ``year``, pre-filled with that year's items, projects, targets and timeline."""
    WORKFLOW.require(user, five_year, "annual")
    if not (five_year.start_year <= year <= five_year.end_year):
        raise ValidationError({"year": f"年份须在 {five_year.start_year}–{five_year.end_year} 之内"})
    pairing = five_year.pairing
    with transaction.atomic(), set_actor(user):
        # the five-year plan's row is locked: two requests for one year's plan take turns, the second sees the first
        Plan.objects.select_for_update().filter(pk=five_year.pk).first()
        if (
            Plan.objects.filter(
                source_plan=five_year, kind=Plan.Kind.ANNUAL, start_year=year, next_revision__isnull=True
            )
            .exclude(status=Plan.Status.FILED)
            .exists()
        ):
            raise ValidationError({"year": f"{year} 年度工作计划已在编制中"})
        annual = Plan.objects.create(
            pairing=pairing,
            kind=Plan.Kind.ANNUAL,
            start_year=year,
            end_year=year,
            source_plan=five_year,
            title=f"{pairing.old_region.name}与{pairing.partner_region.name}{year}年对口合作工作计划",
            created_by=user,
        )
        _copy_content(five_year, annual, year=year)
    return annual


# ---- canonical content, digests, verification, comparison ---------------------------------------------


def canonical_content(plan: Plan) -> dict:
    """The plan's content as plain data: what is filed, digested, compared and exported."""
    return {
        "pairing": plan.pairing.code,
        "kind": plan.kind,
        "title": plan.title,
        "years": [plan.start_year, plan.end_year],
        "revision": plan.revision,
        "key_task": plan.key_task_id,
        "goals": [g.text for g in plan.goals.all()],
        "items": [
            {
                "key_task": i.key_task_id,
                "text": i.text,
                "tasks": sorted(t.pk for t in i.tasks.all()),
                "clauses": sorted(c.pk for c in i.clauses.all()),
                "unit": i.responsible_unit.name if i.responsible_unit_id else None,
                "year": i.year,
                "due": i.due_date.isoformat() if i.due_date else None,
            }
            for i in plan.items.select_related("responsible_unit").prefetch_related("tasks", "clauses")
        ],
        "projects": [
            {
                "name": p.name,
                "key_task": p.key_task_id,
                "location": p.location_id,
                "investment_wan": str(p.investment_wan) if p.investment_wan is not None else None,
                "years": [p.start_year, p.end_year],
                "unit": p.responsible_unit.name if p.responsible_unit_id else None,
            }
            for p in plan.projects.select_related("responsible_unit")
        ],
        "targets": [
            # the name and unit as written (a filing digested them), the library's code beside them since 0004
            {"indicator": t.indicator_name, "unit": t.unit, "year": t.year, "target": str(t.target)}
            for t in plan.targets.all()
        ],
        "milestones": [{"date": m.date.isoformat(), "text": m.text} for m in plan.milestones.all()],
        "measures": [m.text for m in plan.measures.all()],
        "issuances": [
            {"province": i.province_id, "doc_number": i.doc_number, "date": i.date.isoformat()}
            for i in plan.issuances.order_by("province_id")
        ],
    }


def filing_digest(plan: Plan, prev_digest: str) -> str:
    return sm3_hex(prev_digest.encode() + canonical_json(canonical_content(plan)))


def verify_filings(progress=None) -> list[str]:
    """Recompute every filing's digest and the chain; return one line per problem (empty when all is well)."""
    problems = []
    filed = list(Plan.objects.filter(status=Plan.Status.FILED).order_by("filed_at", "pk"))
    prev = ""
    for n, plan in enumerate(filed, 1):
        if plan.filing_prev_digest != prev:
            problems.append(f"方案 #{plan.pk}「{plan}」：备案链断裂（前一摘要与上一份备案不符）")
        if filing_digest(plan, plan.filing_prev_digest) != plan.filing_digest:
            problems.append(f"方案 #{plan.pk}「{plan}」：内容与备案时的 SM3 摘要不符，可能被篡改")
        prev = plan.filing_digest
        if progress:
            progress(n, len(filed))
    return problems


SECTION_TITLES = {
    "goals": "目标",
    "items": "重点任务",
    "projects": "重大项目",
    "targets": "年度指标目标",
    "milestones": "工作时序",
    "measures": "保障措施",
    "issuances": "联合印发",
}


def _row_text(section: str, row) -> str:
    if isinstance(row, str):
        return row
    if section == "items":
        return f"[{row['key_task']}] {row['text']}（{row['unit'] or '—'}，{row['due'] or '—'}）"
    if section == "projects":
        return (
            f"{row['name']}（{row['investment_wan'] or '—'} 万元，{row['years'][0] or '—'}–{row['years'][1] or '—'}）"
        )
    if section == "targets":
        return f"{row['indicator']} {row['year']}：{row['target']} {row['unit']}"
    if section == "milestones":
        return f"{row['date']} {row['text']}"
    if section == "issuances":
        return f"{row['province']} {row['doc_number']} {row['date']}"
    return str(row)


def compare_plans(a: Plan, b: Plan) -> list[dict]:
    """Side-by-side differences between two plans, section by section."""
    ca, cb = canonical_content(a), canonical_content(b)
    sections = []
    for key, title in SECTION_TITLES.items():
        left = [_row_text(key, r) for r in ca[key]]
        right = [_row_text(key, r) for r in cb[key]]
        rows = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=left, b=right, autojunk=False).get_opcodes():
            span = max(i2 - i1, j2 - j1)
            for k in range(span):
                lt = left[i1 + k] if i1 + k < i2 else ""
                rt = right[j1 + k] if j1 + k < j2 else ""
                rows.append({"left": lt, "right": rt, "op": op})
        sections.append({"key": key, "title": title, "rows": rows, "changed": any(r["op"] != "equal" for r in rows)})
    header = [
        ("标题", ca["title"], cb["title"]),
        ("年份", ca["years"], cb["years"]),
        ("版次", ca["revision"], cb["revision"]),
    ]
    return [
        {
            "key": "header",
            "title": "基本信息",
            "changed": any(x != y for _t, x, y in header),
            "rows": [
                {"left": f"{t}：{x}", "right": f"{t}：{y}", "op": "equal" if x == y else "replace"}
                for t, x, y in header
            ],
        }
    ] + sections
