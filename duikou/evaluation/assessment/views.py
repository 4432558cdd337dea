"""Pages of the stages before scoring: a scheme's self-assessments and cross-checks, one side's self-assessment
(filled in, submitted, given the partner's opinion) and one cross-check (findings recorded, reported)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts.models import Organisation
from duikou.audit.queries import history_for
from duikou.core.errors import StaleObjectError
from duikou.core.exports import xlsx_response
from duikou.core.forms import error_text, int_or
from duikou.core.listviews import page_context

from .. import queries as evaluation_queries
from ..models import Side
from . import queries, services
from .workflow import CROSS_CHECK, SELF_ASSESSMENT

REFUSALS = (ValidationError, PermissionDenied, StaleObjectError)


def _side_cell(user, scheme, pairing, side, found: dict) -> dict:
    assessment = found.get((pairing.pk, side))
    turn = SELF_ASSESSMENT.turn(assessment) if assessment else None
    return {"side": side, "label": Side(side).label, "assessment": assessment, "turn": turn}


@login_required
def assessments(request, pk: int):
    """The scheme's stages: each pairing's two self-assessments and its cross-check, whose turn it is on each."""
    scheme = evaluation_queries.scheme_for(request.user, pk)
    pairings = queries.pairings_of(request.user, scheme)
    context = page_context(request, pairings)
    shown = list(context["page_obj"])
    found = {
        (a.pairing_id, a.side): a
        for a in queries.assessments_for(request.user, scheme).filter(pairing__in=[p.pk for p in shown])
    }
    checks = {c.pairing_id: c for c in queries.cross_checks_for(request.user, scheme).filter(pairing__in=shown)}
    rows = [
        {
            "pairing": p,
            "sides": [_side_cell(request.user, scheme, p, side, found) for side in Side.values],
            "check": checks.get(p.pk),
            "check_turn": CROSS_CHECK.turn(checks[p.pk]) if p.pk in checks else None,
        }
        for p in shown
    ]
    may_assign = services.may_assign(request.user, scheme)
    context |= {
        "scheme": scheme,
        "rows": rows,
        "may_assign": may_assign,
        "unchecked": pairings.exclude(pk__in=queries.cross_checks_for(request.user, scheme).values("pairing_id"))
        if may_assign
        else [],
        # province and city governments; one of either side's province is refused by the service, naming it
        "reviewers": Organisation.objects.filter(
            is_active=True, kind__in=[Organisation.Kind.PROVINCE, Organisation.Kind.CITY]
        )
        .select_related("region")
        .order_by("region_id", "kind", "name")
        if may_assign
        else [],
    }
    return render(request, "evaluation/assessment/overview.html", context)


@login_required
def assessments_export(request, pk: int):
    """The scheme's stages as one sheet: each side's self-assessment item by item with the partner's opinion, and the
    cross-check's finding on the item with its adjustment and reason (the rows the user may see)."""
    scheme = evaluation_queries.scheme_for(request.user, pk)
    findings = {(f.cross_check.pairing_id, f.item_id): f for f in queries.findings_for(request.user, scheme)}
    header = [
        _("结对关系"),
        _("评估指标项"),
        _("自评方"),
        _("自评状态"),
        _("自评等次"),
        _("自评分"),
        _("自评说明"),
        _("佐证材料"),
        _("结对方意见"),
        _("意见理由"),
        _("核查单位"),
        _("核查状态"),
        _("核查发现"),
        _("得分调整"),
        _("调整理由"),
    ]

    def checked(finding) -> list:
        if finding is None:
            return [None] * 5
        check = finding.cross_check
        adjustment = float(finding.adjustment) if finding.adjustment else None
        return [str(check.reviewer), check.get_status_display(), finding.finding, adjustment, finding.reason]

    rows, seen = [], set()
    for e in queries.entries_for(request.user, scheme):
        a = e.assessment
        key = (a.pairing_id, e.item_id)
        seen.add(key)
        rows.append(
            [
                str(a.pairing),
                e.item.name,
                a.get_side_display(),
                a.get_status_display(),
                e.get_grade_display() if e.grade else None,
                float(e.self_score) if e.self_score is not None else None,
                e.statement,
                e.evidence,
                e.get_opinion_display() if e.opinion else None,
                e.opinion_reason,
                *checked(findings.get(key)),
            ]
        )
    # items cross-checked where no side assessed itself (a scheme without the self-assessment stage)
    for key, f in findings.items():
        if key not in seen:
            rows.append([str(f.cross_check.pairing), f.item.name, *[None] * 8, *checked(f)])
    return xlsx_response(f"evaluation-stages-{scheme.pk}.xlsx", _("自评与交叉核查"), header, rows)


def _entries_posted(post, items) -> dict:
    return {
        item.pk: {
            field: post.get(f"{field}-{item.pk}", "")
            for field in ("grade", "self_score", "statement", "evidence", "opinion", "opinion_reason")
        }
        for item in items
    }


@login_required
def assessment(request, pk: int, pairing_pk: int, side: str):
    """One side's self-assessment: the form while its city fills it in, the partner's opinion once submitted."""
    scheme = evaluation_queries.scheme_for(request.user, pk)
    pairing = queries.pairing_of(request.user, scheme, pairing_pk)
    found = queries.assessment_of(request.user, scheme, pairing, side)
    items = list(evaluation_queries.items_for(request.user, scheme))
    editable = (
        SELF_ASSESSMENT.allows(request.user, found, "edit")
        if found
        else services.may_start(request.user, scheme, pairing, side)
    )
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        posted = _entries_posted(request.POST, items)
        try:
            saved = services.save_self_assessment(
                scheme=scheme,
                pairing=pairing,
                side=side,
                user=request.user,
                entries={k: v for k, v in posted.items() if any(v.values())},
                expected_version=int_or(request.POST.get("version"), None) if found else None,
            )
        except REFUSALS as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已保存「%(what)s」") % {"what": saved})
        return redirect("evaluation:assessment", pk=scheme.pk, pairing_pk=pairing.pk, side=side)
    entries = {e.item_id: e for e in found.entries.all()} if found else {}
    steps = [s.name for s in SELF_ASSESSMENT.allowed_steps(request.user, found)] if found else []
    return render(
        request,
        "evaluation/assessment/assessment.html",
        {
            "scheme": scheme,
            "pairing": pairing,
            "side": side,
            "side_label": Side(side).label,
            "city": pairing.old_region if side == "old" else pairing.partner_region,
            "assessment": found,
            "rows": [(item, entries.get(item.pk)) for item in items],
            "editable": editable,
            "steps": steps,
            "turn": SELF_ASSESSMENT.turn(found) if found else None,
            "history": history_for(request.user, found) if found else [],
            "grades": services.SelfGrade.choices,
        },
    )


@login_required
@require_POST
def assessment_step(request, pk: int, pairing_pk: int, side: str, step: str):
    """提交自评 (submit) or 提出结对方意见 (opinion, item by item)."""
    scheme = evaluation_queries.scheme_for(request.user, pk)
    pairing = queries.pairing_of(request.user, scheme, pairing_pk)
    found = queries.assessment_of(request.user, scheme, pairing, side)
    if found is None or step not in ("submit", "opinion"):
        raise Http404("no such step")
    if not SELF_ASSESSMENT.allows(request.user, found, step):
        raise PermissionDenied
    version = int_or(request.POST.get("version"), -1)
    try:
        if step == "submit":
            done = services.submit_self_assessment(assessment=found, user=request.user, expected_version=version)
        else:
            items = [e.item for e in found.entries.select_related("item")]
            done = services.give_opinion(
                assessment=found,
                user=request.user,
                expected_version=version,
                opinions=_entries_posted(request.POST, items),
            )
    except REFUSALS as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("已完成「%(step)s」，当前状态：%(status)s")
            % {"step": SELF_ASSESSMENT[step].label, "status": done.get_status_display()},
        )
    return redirect("evaluation:assessment", pk=scheme.pk, pairing_pk=pairing.pk, side=side)


@login_required
@require_POST
def cross_check_assign(request, pk: int):
    """The evaluator assigns an organisation of another province to cross-check a pairing."""
    scheme = evaluation_queries.scheme_for(request.user, pk)
    if not services.may_assign(request.user, scheme):
        raise PermissionDenied
    pairing = queries.pairing_of(request.user, scheme, int_or(request.POST.get("pairing"), 0))
    reviewer = Organisation.objects.filter(pk=int_or(request.POST.get("reviewer"), 0), is_active=True).first()
    seed = request.POST.get("seed", "").strip()
    try:
        if reviewer is None:
            raise ValidationError(_("请选择核查单位"))
        if seed and not seed.isdigit():
            raise ValidationError(_("抽样种子「%(seed)s」须为非负整数") % {"seed": seed[:20]})
        check = services.assign_cross_check(
            scheme=scheme, pairing=pairing, reviewer=reviewer, user=request.user, seed=int(seed) if seed else None
        )
    except REFUSALS as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已指派「%(check)s」，抽样种子 %(seed)s") % {"check": check, "seed": check.seed})
    return redirect("evaluation:assessments", pk=scheme.pk)


@login_required
def cross_check(request, pk: int):
    """A cross-check: the sampled items with the pairing's self-assessments beside them, findings and adjustments."""
    check = queries.cross_check_for(request.user, pk)
    if request.method == "POST":
        if not CROSS_CHECK.allows(request.user, check, "record"):
            raise PermissionDenied
        item = next((i for i in services.sampled_items(check) if str(i.pk) == request.POST.get("item")), None)
        try:
            if item is None:
                raise ValidationError(_("评估项不在本次抽查范围内"))
            services.record_finding(
                check=check,
                item=item,
                user=request.user,
                expected_version=int_or(request.POST.get("version"), -1),
                finding=request.POST.get("finding", ""),
                adjustment=request.POST.get("adjustment", "") or "0",
                reason=request.POST.get("reason", ""),
            )
        except REFUSALS as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已记录「%(item)s」的核查发现") % {"item": item})
        return redirect("evaluation:cross_check", pk=check.pk)
    findings = {f.item_id: f for f in check.findings.all()}
    said = {}
    for e in queries.self_assessed_for_check(request.user, check):
        said.setdefault(e.item_id, []).append((e.assessment, e))
    rows = [(item, findings.get(item.pk), said.get(item.pk, [])) for item in services.sampled_items(check)]
    return render(
        request,
        "evaluation/assessment/cross_check.html",
        {
            "check": check,
            "scheme": check.scheme,
            "rows": rows,
            "steps": [s.name for s in CROSS_CHECK.allowed_steps(request.user, check)],
            "turn": CROSS_CHECK.turn(check),
            "history": history_for(request.user, check),
        },
    )


@login_required
@require_POST
def cross_check_step(request, pk: int, step: str):
    """报送核查结果 (report)."""
    check = queries.cross_check_for(request.user, pk)
    if step != "report":
        raise Http404("no such step")
    if not CROSS_CHECK.allows(request.user, check, step):
        raise PermissionDenied
    try:
        done = services.report_cross_check(
            check=check, user=request.user, expected_version=int_or(request.POST.get("version"), -1)
        )
    except REFUSALS as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("已完成「%(step)s」，当前状态：%(status)s")
            % {"step": CROSS_CHECK[step].label, "status": done.get_status_display()},
        )
    return redirect("evaluation:cross_check", pk=check.pk)
