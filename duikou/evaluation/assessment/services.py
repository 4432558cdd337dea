"""Every write of the stages before scoring: self-assessments (自评), the partner's opinion (征求结对方意见) and
cross-checks (交叉核查), as the scheme switches them on (东西部扶贫协作考核 2017).

Who may take which step is the table in ``workflow.py``; each function here asks it first, validates with messages
that name the pairing, the side and the item, and writes in one transaction with the version check, so that of two
people confirming at the same moment one wins and the other is told to reload. Cross-check samples are drawn with a
recorded seed: ``sample_items`` with the same seed draws the same items again.
"""

import datetime
import random
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from duikou.accounts import scoping
from duikou.accounts.models import Organisation
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_versioned
from duikou.core.errors import StaleObjectError
from duikou.notifications import services as notifications
from duikou.notifications.models import Notification
from duikou.pairings import sides
from duikou.pairings.models import Pairing

from .. import inputs
from ..models import CrossCheck, Finding, Item, Scheme, SelfAssessment, SelfAssessmentEntry, SelfGrade, Side
from .workflow import CROSS_CHECK, SELF_ASSESSMENT, other_side

A = scoping.Action


def side_label(side: str) -> str:
    return str(Side(side).label)


def _where(scheme: Scheme, pairing: Pairing, side: str) -> str:
    """「信阳市—苏州市」革命老区城市（信阳市）: the pairing, the side and its city."""
    return f"「{pairing}」{side_label(side)}（{sides.side_region(pairing, side).name}）"


def _require_stage(scheme: Scheme, flag: str, label: str) -> None:
    if not getattr(scheme, flag):
        raise ValidationError(f"「{scheme}」未设「{label}」环节")


def _require_in_scope(scheme: Scheme, pairing: Pairing) -> None:
    if not inputs.pairings_evaluated(scheme).filter(pk=pairing.pk).exists():
        raise ValidationError(f"「{pairing}」不在「{scheme}」的评估范围内")


def _decimal(value, what: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationError(f"{what}「{value}」不是有效的数字") from exc
    if not number.is_finite():
        raise ValidationError(f"{what}「{value}」不是有效的数字")
    return number


def _check_deadline(due: datetime.date | None, today: datetime.date, what: str) -> None:
    if due is not None and today > due:
        raise ValidationError(f"{what}的截止日期为 {due:%Y-%m-%d}，已过期，不能再提交")


# ---- self-assessment ----------------------------------------------------------------------------------------


def may_start(user, scheme: Scheme, pairing: Pairing, side: str) -> bool:
    """Whether the user may begin the side's self-assessment (before it exists, the workflow has no object to ask):
    a user of the side's city government who may change the pairing's data, when the scheme asks for 自评."""
    return scheme.self_assessment and side in sides.city_sides(user, pairing) and scoping.can(user, A.CHANGE, pairing)


def _entry_values(item: Item, data: dict, where: str) -> dict:
    grade = (data.get("grade") or "").strip()
    if grade and grade not in SelfGrade.values:
        raise ValidationError(f"{where}评估项「{item}」的自评等次「{grade}」无效，可选：好、较好、一般、差")
    score = _decimal(data.get("self_score"), f"{where}评估项「{item}」的自评分")
    if score is not None and not Decimal(0) <= score <= item.weight:
        raise ValidationError(f"{where}评估项「{item}」的自评分 {score} 超出 0–{item.weight} 分")
    return {
        "grade": grade,
        "self_score": score,
        "statement": (data.get("statement") or "").strip(),
        "evidence": (data.get("evidence") or "").strip(),
    }


def save_self_assessment(
    *,
    scheme: Scheme,
    pairing: Pairing,
    side: str,
    user,
    entries: dict[int, dict],
    expected_version: int | None = None,
    today: datetime.date | None = None,
) -> SelfAssessment:
    """Write a side's self-assessment (made on the first save), item by item: ``entries`` maps item id → grade,
    self_score, statement, evidence. Only the side's own city, while it is not submitted and not past the due date."""
    today = today or timezone.localdate()
    if side not in Side.values:
        raise ValidationError(f"自评方「{side}」无效")
    _require_stage(scheme, "self_assessment", "自评")
    _require_in_scope(scheme, pairing)
    where = _where(scheme, pairing, side)
    assessment = SelfAssessment.objects.filter(scheme=scheme, pairing=pairing, side=side).first()
    if assessment is None:
        if not scoping.can(user, A.VIEW, pairing):
            raise PermissionDenied("您无权查看该结对关系的自评")
        if not may_start(user, scheme, pairing, side):
            raise PermissionDenied(f"只有{where}可以填写本方自评")
    else:
        if expected_version is None:
            raise StaleObjectError(assessment, 0, assessment.version, f"{where}的自评已由他人建立，请刷新页面后再填写")
        if not scoping.can(user, A.VIEW, assessment):
            raise PermissionDenied("您无权查看该结对关系的自评")
        SELF_ASSESSMENT.require(user, assessment, "edit")
    _check_deadline(scheme.self_assessment_due, today, f"{where}的自评")
    items = {i.pk: i for i in scheme.items.all()}
    values = {}
    for item_id, data in entries.items():
        item = items.get(int(item_id))
        if item is None:
            raise ValidationError(f"评估项 {item_id} 不属于「{scheme}」")
        values[item.pk] = _entry_values(item, data, where)
    with transaction.atomic(), set_actor(user):
        if assessment is None:
            try:
                with transaction.atomic():
                    assessment = SelfAssessment.objects.create(
                        scheme=scheme, pairing=pairing, side=side, created_by=user
                    )
            except IntegrityError as exc:
                raise ValidationError(f"{where}的自评已由他人同时建立，请刷新页面后再填写") from exc
        else:
            assessment = save_versioned(assessment, expected_version=expected_version, changes={})
        for item_id, fields in values.items():
            entry = SelfAssessmentEntry.objects.filter(assessment=assessment, item_id=item_id).first()
            if entry is None:
                SelfAssessmentEntry.objects.create(assessment=assessment, item_id=item_id, **fields)
            elif any(getattr(entry, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(entry, key, value)
                entry.save()
    return assessment


def _take(step_name: str, *, assessment: SelfAssessment, user, expected_version: int, changes: dict) -> SelfAssessment:
    step = SELF_ASSESSMENT.require(user, assessment, step_name)
    changes["status"] = step.target
    with transaction.atomic(), set_actor(user):
        fresh = save_versioned(assessment, expected_version=expected_version, changes=changes)
        notifications.notify_turn(
            workflow=SELF_ASSESSMENT,
            obj=fresh,
            actor=user,
            kind=Notification.Kind.SUBMITTED,
            link=assessment_link(fresh),
        )
    return fresh


def assessment_link(assessment: SelfAssessment) -> str:
    from django.urls import reverse

    return reverse("evaluation:assessment", args=[assessment.scheme_id, assessment.pairing_id, assessment.side])


def _fresh(assessment: SelfAssessment) -> SelfAssessment:
    return SelfAssessment.objects.select_related("scheme", "pairing__old_region", "pairing__partner_region").get(
        pk=assessment.pk
    )


def submit_self_assessment(
    *, assessment: SelfAssessment, user, expected_version: int, today: datetime.date | None = None
) -> SelfAssessment:
    """提交自评: locks the side's self-assessment. Refused after the scheme's due date (naming the pairing, the side
    and the date) and while an item has neither grade nor self-score, or no statement."""
    today = today or timezone.localdate()
    assessment = _fresh(assessment)
    if not scoping.can(user, A.VIEW, assessment):
        raise PermissionDenied("您无权查看该结对关系的自评")
    SELF_ASSESSMENT.require(user, assessment, "submit")
    scheme, where = assessment.scheme, _where(assessment.scheme, assessment.pairing, assessment.side)
    _check_deadline(scheme.self_assessment_due, today, f"{where}的自评")
    entries = {e.item_id: e for e in assessment.entries.all()}
    missing = []
    for item in scheme.items.order_by("order", "pk"):
        entry = entries.get(item.pk)
        if entry is None or not (entry.grade or entry.self_score is not None) or not entry.statement:
            missing.append(f"「{item}」")
    if missing:
        raise ValidationError(f"{where}的自评尚有评估项未填写等次或自评分及自评说明：{'、'.join(missing)}")
    return _take(
        "submit",
        assessment=assessment,
        user=user,
        expected_version=expected_version,
        changes={"submitted_by": user, "submitted_at": timezone.now()},
    )


def give_opinion(
    *,
    assessment: SelfAssessment,
    user,
    expected_version: int,
    opinions: dict[int, dict],
    today: datetime.date | None = None,
) -> SelfAssessment:
    """征求结对方意见: the other side's city agrees or disagrees with each item of a submitted self-assessment (a
    disagreement with its reason), by the scheme's opinion due date."""
    today = today or timezone.localdate()
    assessment = _fresh(assessment)
    if not scoping.can(user, A.VIEW, assessment):
        raise PermissionDenied("您无权查看该结对关系的自评")
    SELF_ASSESSMENT.require(user, assessment, "opinion")
    scheme = assessment.scheme
    partner = other_side(assessment.side)
    where = _where(scheme, assessment.pairing, assessment.side)
    _check_deadline(scheme.opinion_due, today, f"{_where(scheme, assessment.pairing, partner)}对{where}自评的意见")
    entries = list(assessment.entries.select_related("item").order_by("item__order", "item_id"))
    problems = []
    values = {}
    for entry in entries:
        data = opinions.get(entry.item_id) or opinions.get(str(entry.item_id)) or {}
        opinion = (data.get("opinion") or "").strip()
        reason = (data.get("opinion_reason") or data.get("reason") or "").strip()
        if opinion not in SelfAssessmentEntry.Opinion.values:
            problems.append(f"评估项「{entry.item}」请选择同意或不同意")
        elif opinion == SelfAssessmentEntry.Opinion.DISAGREE and not reason:
            problems.append(f"评估项「{entry.item}」不同意时须写明理由")
        values[entry.pk] = (opinion, reason)
    if problems:
        raise ValidationError([f"{where}：{p}" for p in problems])
    with transaction.atomic():
        fresh = _take(
            "opinion",
            assessment=assessment,
            user=user,
            expected_version=expected_version,
            changes={"opinion_by": user, "opinion_at": timezone.now()},
        )
        with set_actor(user):
            for entry in entries:
                entry.opinion, entry.opinion_reason = values[entry.pk]
                entry.save()
    return fresh


# ---- cross-check ---------------------------------------------------------------------------------------------


def sample_items(seed: int, item_ids: list[int], count: int) -> list[int]:
    """The items a cross-check looks at: ``count`` of ``item_ids`` drawn at random with ``seed`` (the same seed and
    items draw the same sample, in the same order)."""
    ordered = sorted(item_ids)
    return random.Random(seed).sample(ordered, min(count, len(ordered)))


def may_assign(user, scheme: Scheme) -> bool:
    """Cross-checks are assigned by those who run the scheme and publish its results (its approvers)."""
    return scheme.cross_check and scoping.can(user, A.APPROVE, scheme)


def reviewer_choices(pairing: Pairing):
    """Active organisations of other provinces than the pairing's (never of either side's province)."""
    qs = Organisation.objects.filter(is_active=True).exclude(kind=Organisation.Kind.NATIONAL)
    for province in sides.provinces(pairing):
        qs = qs.exclude(region__code__startswith=province.prefix)
    return qs.select_related("region").order_by("region_id", "kind", "name")


def assign_cross_check(
    *, scheme: Scheme, pairing: Pairing, reviewer: Organisation, user, seed: int | None = None
) -> CrossCheck:
    """Assign an organisation of another province to cross-check a pairing on a sample of the scheme's items drawn
    with ``seed`` (a new random one when not given; kept on the cross-check)."""
    if not scoping.can(user, A.VIEW, scheme):
        raise PermissionDenied("您无权查看该评估方案")
    if not scoping.can(user, A.APPROVE, scheme):
        raise PermissionDenied("只有组织本次评估的单位可以指派交叉核查")
    if not scoping.can(user, A.VIEW, pairing):
        raise PermissionDenied("您无权查看该结对关系")
    _require_stage(scheme, "cross_check", "交叉核查")
    _require_in_scope(scheme, pairing)
    if not reviewer.is_active or reviewer.kind == Organisation.Kind.NATIONAL:
        raise ValidationError({"reviewer": f"「{reviewer}」不能作为核查单位"})
    for province in sides.provinces(pairing):
        if reviewer.region_id.startswith(province.prefix):
            raise ValidationError(
                {
                    "reviewer": f"核查单位「{reviewer}」属于{province.name}，与「{pairing}」的一方同省，"
                    "交叉核查须由其他省份的单位进行"
                }
            )
    item_ids = list(scheme.items.values_list("pk", flat=True))
    if not item_ids:
        raise ValidationError(f"「{scheme}」还没有评估指标项")
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    check = CrossCheck(
        scheme=scheme,
        pairing=pairing,
        reviewer=reviewer,
        seed=seed,
        sample=sample_items(seed, item_ids, scheme.cross_check_items),
        assigned_by=user,
    )
    try:
        with transaction.atomic(), set_actor(user):
            check.save()
            notifications.notify_turn(
                workflow=CROSS_CHECK,
                obj=check,
                actor=user,
                kind=Notification.Kind.SUBMITTED,
                link=cross_check_link(check),
            )
    except IntegrityError as exc:
        raise ValidationError(f"「{pairing}」在「{scheme}」中已指派交叉核查") from exc
    return check


def cross_check_link(check: CrossCheck) -> str:
    from django.urls import reverse

    return reverse("evaluation:cross_check", args=[check.pk])


def sampled_items(check: CrossCheck) -> list[Item]:
    items = {i.pk: i for i in Item.objects.filter(pk__in=check.sample)}
    return [items[pk] for pk in check.sample if pk in items]


def record_finding(
    *,
    check: CrossCheck,
    item: Item,
    user,
    expected_version: int,
    finding: str,
    adjustment="0",
    reason: str = "",
) -> Finding:
    """A reviewer's finding on one sampled item, with an adjustment of its score (points, + or −) whose reason is
    required; the same item again replaces the finding. Counts in a run once the cross-check is reported."""
    check = CrossCheck.objects.select_related("scheme", "pairing", "reviewer").get(pk=check.pk)
    if not scoping.can(user, A.VIEW, check):
        raise PermissionDenied("您无权查看该交叉核查")
    CROSS_CHECK.require(user, check, "record")
    where = f"「{check.pairing}」交叉核查的评估项「{item}」"
    if item.pk not in check.sample:
        raise ValidationError({"item": f"评估项「{item}」不在「{check.pairing}」交叉核查的抽查范围内"})
    finding = (finding or "").strip()
    reason = (reason or "").strip()
    points = _decimal(adjustment, f"{where}的得分调整") or Decimal(0)
    errors = {}
    if not finding:
        errors["finding"] = f"请填写{where}的核查发现"
    if points.copy_abs() > item.weight:
        errors["adjustment"] = f"{where}的得分调整 {points} 分超过该项分值 {item.weight} 分"
    if points != 0 and not reason:
        errors["reason"] = f"{where}的得分调整 {points} 分须写明理由"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), set_actor(user):
        save_versioned(check, expected_version=expected_version, changes={})
        row = Finding.objects.filter(cross_check=check, item=item).first()
        if row is None:
            row = Finding.objects.create(
                cross_check=check, item=item, finding=finding, adjustment=points, reason=reason, recorded_by=user
            )
        else:
            row.finding, row.adjustment, row.reason, row.recorded_by = finding, points, reason, user
            row.save()
    return row


def report_cross_check(*, check: CrossCheck, user, expected_version: int) -> CrossCheck:
    """报送核查结果: the findings are final and their adjustments count in the scheme's next run. Every sampled item
    needs a finding."""
    check = CrossCheck.objects.select_related("scheme", "pairing", "reviewer").get(pk=check.pk)
    if not scoping.can(user, A.VIEW, check):
        raise PermissionDenied("您无权查看该交叉核查")
    step = CROSS_CHECK.require(user, check, "report")
    done = set(check.findings.values_list("item_id", flat=True))
    missing = [f"「{i}」" for i in sampled_items(check) if i.pk not in done]
    if missing:
        raise ValidationError(f"「{check.pairing}」交叉核查尚有抽查评估项未记录核查发现：{'、'.join(missing)}")
    with transaction.atomic(), set_actor(user):
        fresh = save_versioned(
            check,
            expected_version=expected_version,
            changes={"status": step.target, "reported_by": user, "reported_at": timezone.now()},
        )
    return fresh
