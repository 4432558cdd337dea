"""Every write of supervision: commendations (通报表扬) and rectification notices (整改要求) from a published run.

Seed 000 四(四) (clause ``fgzx-2022-766/4/4``): the national overseer commends the provinces and cities that
achieve clear results, issues "明确整改要求并督促改进落实" to those that lag, and reports major problems upward;
each province runs its own annual evaluation and supervision.

A notice goes issued → received → measures reported → verified → closed. Who may take which step, whose turn it
is and when each step is due is the table in ``workflow.py`` and nowhere else. Every step sets its timestamp and
the due date of the next one. A notice starts at its issuer's level (``workflow.starting_level``): the national
overseer's notices under national supervision, a province's under province supervision. A step left overdue escalates
a province-level notice to national supervision (``escalate_overdue``, run by ``duikou escalate-notices`` and at the
top of the notice desk). Several pairings may be issued to at once (``issue_notices``): all or nothing, numbered
consecutively.
"""

import datetime
import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.accounts.models import Organisation
from duikou.core.audit_context import set_actor
from duikou.core.audit_entries import log_note
from duikou.core.concurrency import save_versioned
from duikou.core.errors import StaleObjectError
from duikou.core.workflow import organisation_party, party_users
from duikou.notifications import services as notifications
from duikou.notifications.models import Notification
from duikou.pairings.models import Pairing
from duikou.policy.models import Task

from ..models import Commendation, Grade, Notice, Result, Run
from .workflow import WORKFLOW, starting_level

POLICY_CLAUSE = "fgzx-2022-766/4/4"
# the most notices one batch issues: a batch is issued within the request (a national run has 20 pairings; issuing
# this many takes about a second, see test_services), a guard against a form posted with thousands of ids
BATCH_MAX = 100
A = scoping.Action
S = Notice.Status


# ---- commendations -------------------------------------------------------------------------------------


def commendation_reason(result: Result, *, count: int, full: dict[str, Decimal], names: dict[str, str]) -> str:
    """Why a pairing is commended: its rank, total and the key task where it did best (share of full marks)."""
    text = f"{result.run.scheme.name}总分 {result.total} 分，在 {count} 个结对关系中排名第 {result.rank} 位，等次为优秀"
    best = None
    for code, raw in (result.task_scores or {}).items():
        score = Decimal(str(raw))
        share = score / full[code] if full.get(code) else score
        if best is None or share > best[0]:
            best = (share, code, score)
    if best is not None:
        _share, code, score = best
        marks = f"{score} / {full[code]} 分" if full.get(code) else f"{score} 分"
        text += f"；重点任务「{names.get(code, code)}」成效最为突出（{marks}）"
    return text  # no closing 。: the list and the Word document add their own punctuation


def generate_commendations(*, run: Run, user) -> list[Commendation]:
    """The commendation list of a published run: every pairing graded 优秀. Calling it again adds nothing."""
    run = Run.objects.select_related("scheme").get(pk=run.pk)
    if not scoping.can(user, A.APPROVE, run):
        raise PermissionDenied("只有组织本次评估的单位可以生成通报表扬名单")
    if not run.published:
        raise ValidationError(f"「{run}」尚未发布，只能依据已发布的评估结果生成通报表扬名单")
    results = list(run.results.select_related("pairing__old_region", "pairing__partner_region").order_by("rank"))
    full = run.scheme.full_marks_by_task()
    names = dict(Task.objects.values_list("code", "name"))
    done = set(run.commendations.values_list("pairing_id", flat=True))
    ranked = sum(1 for r in results if r.ranked)  # a pairing with no report due is not ranked
    created = []
    with transaction.atomic(), set_actor(user):
        for result in results:
            if result.grade != Grade.EXCELLENT or result.pairing_id in done:
                continue
            reason = commendation_reason(result, count=ranked, full=full, names=names)
            commendation, made = Commendation.objects.get_or_create(
                run=run, pairing=result.pairing, defaults={"reason": reason, "created_by": user}
            )
            if made:
                created.append(commendation)
    return created


# ---- who may issue --------------------------------------------------------------------------------------


def may_issue(user, run: Run) -> bool:
    """Notices and commendations come from a published run, by those who may approve (publish) it."""
    return run.published and scoping.can(user, A.APPROVE, run)


# ---- issuing -------------------------------------------------------------------------------------------


def default_responsible(pairing: Pairing) -> Organisation | None:
    """The old-side city's government (a municipality's government sits at province level)."""
    return (
        Organisation.objects.filter(
            region_id=pairing.old_region_id,
            kind__in=[Organisation.Kind.CITY, Organisation.Kind.PROVINCE],
            is_active=True,
        )
        .order_by("kind", "pk")
        .first()
    )


def responsible_choices(pairing: Pairing) -> QuerySet[Organisation]:
    """Organisations that may be made responsible: active ones in either side's region."""
    sides = Q(pk__in=[])
    for region in (pairing.old_region, pairing.partner_region):
        sides |= Q(region__code__startswith=region.prefix)
    return (
        Organisation.objects.filter(sides, is_active=True)
        .exclude(kind=Organisation.Kind.NATIONAL)
        .order_by("region_id", "kind", "name")
    )


NUMBER_PATTERN = r"(\d+)号"


def _series_prefix(year: int) -> str:
    return f"{settings.DUIKOU_NOTICE_NUMBER_PREFIX}〔{year}〕"


def _last_number(year: int) -> int:
    """The highest number of the year's series so far (对口整改〔2026〕7号 → 7; 0 for none)."""
    prefix = _series_prefix(year)
    pattern = re.compile(re.escape(prefix) + NUMBER_PATTERN)
    taken = Notice.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    return max((int(m.group(1)) for n in taken if (m := pattern.fullmatch(n))), default=0)


def _lock_series(year: int) -> None:
    """Hold the year's number series until the transaction ends, so that two officials issuing at the same moment
    (from one run or from two runs of the year) number one after the other and each batch gets consecutive numbers.
    PostgreSQL: a transaction-scoped advisory lock named for the series. SQLite: its IMMEDIATE transactions already
    hold the database's write lock from their start, so writers are queued there anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"duikou:{_series_prefix(year)}"])


def _number_and_save(notices: list[Notice], *, year: int, user) -> list[Notice]:
    """Number ``notices`` consecutively in the year's series and save them, all or none (inside the caller's
    transaction); each one's creation is written to the audit history by the save, with ``user`` as its actor."""
    _lock_series(year)
    first = _last_number(year) + 1
    for offset, notice in enumerate(notices):
        notice.number = f"{_series_prefix(year)}{first + offset}号"
        try:
            with transaction.atomic():  # a savepoint: a clash (a number typed in elsewhere) is a message, not a 500
                notice.save()
        except IntegrityError as exc:
            raise ValidationError(f"文号 {notice.number} 已被占用，请重试") from exc
    for notice in notices:
        _tell(notice, user, "issue")
    return notices


def _check_issuer(*, run: Run, user) -> Run:
    run = Run.objects.select_related("scheme").get(pk=run.pk)
    if not scoping.can(user, A.APPROVE, run):
        raise PermissionDenied("只有组织本次评估的单位可以下发整改通知")
    if not run.published:
        raise ValidationError(f"「{run}」尚未发布，只能依据已发布的评估结果下发整改通知")
    return run


def _check_texts(*, run: Run, finding: str, measures_required: str, deadline) -> tuple[dict, datetime.date]:
    """Errors of what every notice of an issue shares (field → message), and the receiving due date."""
    errors = {}
    if not (finding or "").strip():
        errors["finding"] = "请写明存在的问题"
    if not (measures_required or "").strip():
        errors["measures_required"] = "请写明整改要求"
    receive_due = WORKFLOW.due(Notice(run=run, deadline=deadline), S.ISSUED, timezone.localdate())
    if deadline is None:
        errors["deadline"] = "请填写整改时限"
    elif deadline <= receive_due:
        errors["deadline"] = f"整改时限须晚于签收期限（{receive_due:%Y-%m-%d}）"
    return errors, receive_due


def issue_notice(
    *,
    run: Run,
    pairing: Pairing,
    finding: str,
    measures_required: str,
    deadline: datetime.date,
    responsible: Organisation | None = None,
    user,
    major: bool = False,
) -> Notice:
    """A rectification notice to a pairing of a published run, numbered like 对口整改〔2026〕3号. It starts at the
    issuer's level of supervision (``workflow.starting_level``)."""
    if not scoping.can(user, A.VIEW, pairing):
        raise PermissionDenied("您无权查看该结对关系")
    run = _check_issuer(run=run, user=user)
    if not run.results.filter(pairing=pairing).exists():
        raise ValidationError({"pairing": f"「{pairing}」不在「{run}」的评估结果中"})
    errors, receive_due = _check_texts(run=run, finding=finding, measures_required=measures_required, deadline=deadline)
    if responsible is None:
        responsible = default_responsible(pairing)
        if responsible is None:
            errors["responsible"] = f"未找到{pairing.old_region.name}人民政府，请指定责任单位"
    elif not responsible_choices(pairing).filter(pk=responsible.pk).exists():
        errors["responsible"] = f"责任单位「{responsible}」不属于「{pairing}」的任何一方"
    if errors:
        raise ValidationError(errors)
    notice = Notice(
        run=run,
        pairing=pairing,
        responsible=responsible,
        finding=finding.strip(),
        measures_required=measures_required.strip(),
        deadline=deadline,
        step_due=receive_due,
        supervision_level=starting_level(user),
        major=major,
        issued_by=user,
    )
    with transaction.atomic(), set_actor(user):
        return _number_and_save([notice], year=timezone.localdate().year, user=user)[0]


def result_line(result: Result, count: int) -> str:
    """The pairing's evaluation result, put before the finding of a notice issued to several pairings at once;
    ``count`` is how many pairings the run ranked. One with no report due says so instead of a rank."""
    if not result.ranked:
        return f"在{result.run.scheme.name}中，{result.pairing}本年度无应报数据，未参与排名。"
    missed = "（未按时填报）" if result.missed else ""
    return (
        f"在{result.run.scheme.name}中，{result.pairing}总分 {result.total} 分，在 {count} 个结对关系中排名第 "
        f"{result.rank} 位，等次为{result.get_grade_display()}{missed}。"
    )


def issue_notices(
    *,
    run: Run,
    pairings: list[Pairing],
    finding: str,
    measures_required: str,
    deadline: datetime.date,
    user,
    major: bool = False,
    state_result: bool = True,
) -> list[Notice]:
    """Rectification notices to several pairings of a published run at once (批量下发): one notice per pairing, its
    responsible unit the pairing's old-side city government, all sharing the finding, the required measures, the
    deadline and a ``batch``, numbered consecutively in the year's series in the order given.

    All or nothing: if any pairing cannot be issued to, nothing is issued and the ValidationError names each such
    pairing and why (under ``pairings``), beside the errors of the shared fields. ``state_result`` puts the
    pairing's score, rank and grade in the run before the finding.
    """
    run = _check_issuer(run=run, user=user)
    if len(pairings) > BATCH_MAX:
        raise ValidationError({"pairings": f"一次最多下发 {BATCH_MAX} 份整改通知，已选择 {len(pairings)} 个结对关系"})
    errors, receive_due = _check_texts(run=run, finding=finding, measures_required=measures_required, deadline=deadline)
    results = {
        r.pairing_id: r
        for r in run.results.select_related("run__scheme", "pairing__old_region", "pairing__partner_region")
    }
    ranked = sum(1 for r in results.values() if r.ranked)
    problems, seen, notices = [], set(), []
    batch = uuid.uuid4()
    level = starting_level(user)
    for pairing in pairings:
        if pairing.pk in seen:
            problems.append(f"「{pairing}」：重复选择")
            continue
        seen.add(pairing.pk)
        if not scoping.can(user, A.VIEW, pairing) or pairing.pk not in results:
            problems.append(f"「{pairing}」：不在「{run}」的评估结果中")
            continue
        responsible = default_responsible(pairing)
        if responsible is None:
            problems.append(f"「{pairing}」：未找到{pairing.old_region.name}人民政府，无法确定责任单位")
            continue
        text = (finding or "").strip()
        if state_result:
            text = f"{result_line(results[pairing.pk], ranked)}\n{text}"
        notices.append(
            Notice(
                run=run,
                pairing=pairing,
                responsible=responsible,
                finding=text,
                measures_required=(measures_required or "").strip(),
                deadline=deadline,
                step_due=receive_due,
                supervision_level=level,
                major=major,
                issued_by=user,
                batch=batch,
            )
        )
    if not pairings:
        problems.append("请至少选择一个结对关系")
    if problems:
        errors["pairings"] = problems
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), set_actor(user):
        return _number_and_save(notices, year=timezone.localdate().year, user=user)


# ---- the steps -----------------------------------------------------------------------------------------


def _note(notice: Notice, actor, label: str, text: str) -> None:
    """A line in the notice's history that is not a field change: a reason, an escalation."""
    log_note(notice, actor=actor, label=label, text=text)


# the time each step stamps on the notice
STAMPS = {"receive": "received_at", "report": "reported_at", "verify": "verified_at", "close": "closed_at"}


def _take(step_name: str, *, user, notice: Notice, expected_version: int, note=None, **changes) -> Notice:
    """Take one step: check who and from where on the stored notice, then save with the version check; the status
    and the next step's due date come from the table."""
    notice = Notice.objects.select_related("pairing__old_region", "responsible").get(pk=notice.pk)
    if not scoping.can(user, A.VIEW, notice):
        raise PermissionDenied("您无权查看该整改通知")
    if notice.version != expected_version:
        raise StaleObjectError(notice, expected_version, notice.version)
    step = WORKFLOW.require(user, notice, step_name)
    if step.target:
        changes["status"] = step.target
        due = WORKFLOW.due(notice, step.target, timezone.localdate())
        if due is not None:  # a closed notice keeps the due date of its last step
            changes["step_due"] = due
    if step_name in STAMPS:
        changes[STAMPS[step_name]] = timezone.now()
    with transaction.atomic(), set_actor(user):
        fresh = save_versioned(notice, expected_version=expected_version, changes=changes)
        if note:
            _note(fresh, user, *note)
        _tell(fresh, user, step_name)
    return fresh


# what each step tells whom: the next party when the turn passes to another hand (the responsible organisation or
# the supervising level); the responsible organisation when its notice is closed
TELLS = {
    "issue": Notification.Kind.NOTICE_ISSUED,  # 「整改通知下发至本单位」
    "report": Notification.Kind.SUBMITTED,
    "return": Notification.Kind.RETURNED,
}


def notice_link(notice: Notice) -> str:
    return reverse("evaluation:notice_detail", args=[notice.pk])


def _tell(notice: Notice, user, step_name: str) -> None:
    if step_name == "close":
        people = party_users([organisation_party(notice.responsible)], changing=notice)
        notifications.notify_done(
            obj=notice,
            recipients=people,
            actor=user,
            title=lambda: _("整改通知 %(number)s 已销号") % {"number": notice.number},
            link=notice_link(notice),
        )
    elif step_name in TELLS:
        notifications.notify_turn(
            workflow=WORKFLOW, obj=notice, actor=user, kind=TELLS[step_name], link=notice_link(notice)
        )


def may_remind(user) -> bool:
    """The supervising level (a province's or the national overseer's approvers) reminds responsible units."""
    prefix = scoping.region_prefix(user)
    return scoping.may(user, A.APPROVE) and (prefix is None or len(prefix) == 2)


def remind_notices(*, user, notices) -> tuple[int, int]:
    """「提醒责任单位」: the responsible organisation of each open notice waiting for it (to be received, or its
    measures reported) gets one reminder a day, to its users who can act. For the supervising level only (a province
    or the national overseer who may approve). Returns (organisations reminded now, already reminded today)."""
    if not may_remind(user):
        raise PermissionDenied("只有省级或国家层面的审核人员可以提醒责任单位")
    waiting = [n for n in notices if n.status in (S.ISSUED, S.RECEIVED)]
    return notifications.remind(user=user, workflow=WORKFLOW, subjects=waiting, title="", link_of=notice_link)


def _text(value: str, field: str, message: str) -> str:
    if not (value or "").strip():
        raise ValidationError({field: message})
    return value.strip()


def receive_notice(*, notice: Notice, user, expected_version: int) -> Notice:
    """签收, by the responsible organisation; measures are then due by the notice's deadline."""
    return _take("receive", user=user, notice=notice, expected_version=expected_version)


def report_measures(*, notice: Notice, user, expected_version: int, text: str) -> Notice:
    """The responsible organisation reports its measures and their effect; verification is then due."""
    text = _text(text, "text", "请填写整改措施及成效")
    return _take("report", user=user, notice=notice, expected_version=expected_version, measures_reported=text)


def verify_notice(*, notice: Notice, user, expected_version: int, comment: str) -> Notice:
    """The supervising level accepts the reported measures; closure is then due."""
    comment = _text(comment, "comment", "请填写核验意见")
    return _take("verify", user=user, notice=notice, expected_version=expected_version, verification=comment)


def return_measures(*, notice: Notice, user, expected_version: int, comment: str) -> Notice:
    """The supervising level sends the measures back with a reason; they are due again by the deadline."""
    comment = _text(comment, "comment", "退回时请写明理由")
    return _take(
        "return",
        user=user,
        notice=notice,
        expected_version=expected_version,
        verification=f"退回：{comment}",
        note=("退回理由", comment),
    )


def close_notice(*, notice: Notice, user, expected_version: int) -> Notice:
    """销号: the rectification is done."""
    return _take("close", user=user, notice=notice, expected_version=expected_version)


def flag_major(*, notice: Notice, user, expected_version: int, reason: str) -> Notice:
    """A major problem (重大问题, to be reported upward): on the national overseer's desk from now on."""
    reason = _text(reason, "reason", "请写明列为重大问题的理由")
    return _take(
        "flag_major", user=user, notice=notice, expected_version=expected_version, major=True, note=("重大问题", reason)
    )


def escalate_overdue(*, today: datetime.date | None = None) -> list[Notice]:
    """Move every open province-level notice whose step is overdue to national supervision (逾期升级).

    Idempotent: a notice is escalated once. Run by ``duikou escalate-notices`` (cron) and when the notice
    desk is opened; recorded in the history as done by the system.
    """
    today = today or timezone.localdate()
    due = (
        Notice.objects.filter(supervision_level=Notice.Level.PROVINCE, step_due__lt=today)
        .exclude(status=S.CLOSED)
        .order_by("pk")
    )
    escalated = []
    with transaction.atomic(), set_actor(None):
        for notice in due:
            with translation.override("zh-hans"):  # the history is written in Chinese whoever opens the desk
                step = str(WORKFLOW.waiting(notice.status)[0].label)
            try:
                with transaction.atomic():
                    fresh = save_versioned(
                        notice,
                        expected_version=notice.version,
                        changes={"supervision_level": Notice.Level.NATIONAL, "escalated_at": timezone.now()},
                    )
                    _note(
                        fresh,
                        None,
                        "逾期升级",
                        f"「{step}」环节逾期（时限 {notice.step_due:%Y-%m-%d}），由省级督办升级为国家督办",
                    )
            except StaleObjectError:
                continue  # changed meanwhile: the next run looks at it again
            escalated.append(fresh)
    return escalated
