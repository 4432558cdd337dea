"""Pages for the commendation list and rectification notices: thin, they call supervision's services and reads."""

import io
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core.errors import StaleObjectError
from duikou.core.exports import DOCX, download, xlsx_response
from duikou.core.forms import error_text
from duikou.core.listviews import page_context
from duikou.pairings.models import Pairing
from duikou.pairings.queries import pairings_for

from .. import queries as evaluation_queries
from ..models import Grade, Notice, Run
from . import queries, services
from .forms import STEP_FORMS, BatchFilterForm, BatchIssueForm, IssueNoticeForm, NoticeFilterForm
from .workflow import WORKFLOW

ZIP = "application/zip"

# ---- the notice desk -----------------------------------------------------------------------------------


def _list_context(request, qs, **extra) -> dict:
    return page_context(
        request,
        qs,
        today=timezone.localdate(),
        may_remind=services.may_remind(request.user),
        statuses=Notice.Status.choices,
        levels=Notice.Level.choices,
        national=queries.is_national_overseer(request.user),
        **extra,
    )


@login_required
def notices(request):
    """The notice desk: overdue steps are escalated first, so what the page shows is current."""
    escalated = [n.pk for n in services.escalate_overdue()]
    filters = NoticeFilterForm(request.GET).filters()
    qs = queries.notices_for(request.user, **filters)
    if escalated:
        mine = queries.notices_for(request.user).filter(pk__in=escalated).count()
        if mine:
            messages.warning(request, _("%(n)d 件整改通知因本环节逾期，已升级为国家督办。") % {"n": mine})
    return render(
        request,
        "evaluation/supervision/notice_list.html",
        _list_context(
            request,
            qs,
            batch=filters["batch"],
            pairing=pairings_for(request.user, status="").filter(pk=filters["pairing"]).first()
            if filters["pairing"]
            else None,
        ),
    )


@login_required
def notice_export(request):
    qs = queries.notices_for(request.user, **NoticeFilterForm(request.GET).filters())
    today = timezone.localdate()
    header = [
        _("文号"),
        _("结对关系"),
        _("责任单位"),
        _("存在问题"),
        _("整改要求"),
        _("整改时限"),
        _("状态"),
        _("本环节时限"),
        _("是否逾期"),
        _("督办层级"),
        _("重大问题"),
        _("评估批次"),
    ]
    rows = (
        [
            n.number,
            str(n.pairing),
            str(n.responsible),
            n.finding,
            n.measures_required,
            n.deadline,
            n.get_status_display(),
            n.step_due if n.open else "",
            _("是") if queries.is_overdue(n, today) else _("否"),
            n.get_supervision_level_display(),
            _("是") if n.major else _("否"),
            str(n.run),
        ]
        for n in qs
    )
    return xlsx_response("notices.xlsx", _("整改通知"), header, rows)


@login_required
def national_desk(request):
    """Major and escalated notices, for the national overseer."""
    services.escalate_overdue()
    qs = queries.national_desk(request.user, include_closed=request.GET.get("closed") == "1")
    return render(request, "evaluation/supervision/notice_list.html", _list_context(request, qs, desk=True))


@login_required
@require_POST
def notice_remind(request):
    """「提醒责任单位」 of the open notices the user sees that wait for their responsible organisation (to be received
    or answered, overdue or not): one reminder a day per organisation and notice."""
    sent, already = services.remind_notices(user=request.user, notices=queries.notices_for(request.user, status="open"))
    if sent:
        messages.success(request, _("已提醒 %(n)d 个责任单位") % {"n": sent})
    if already:
        messages.info(request, _("%(n)d 个责任单位今天已提醒过，每天最多提醒一次") % {"n": already})
    if not sent and not already:
        messages.info(request, _("没有等待责任单位办理的整改通知"))
    return redirect("evaluation:notices")


# ---- one notice ----------------------------------------------------------------------------------------


@login_required
def notice_detail(request, pk: int):
    notice = queries.notice_for(request.user, pk)
    steps = [s.name for s in WORKFLOW.allowed_steps(request.user, notice)]
    history = history_for(request.user, notice)
    forms = {name: STEP_FORMS[name](initial={"version": notice.version}) for name in steps}
    if "report" in forms:
        forms["report"].initial["text"] = notice.measures_reported
    return render(
        request,
        "evaluation/supervision/notice_detail.html",
        {
            "notice": notice,
            "steps": steps,
            "forms": forms,
            "history": history,
            "overdue": queries.is_overdue(notice),
            "turn": WORKFLOW.turn(notice),
            "notes": [
                (label, change[1])
                for entry in history
                for label, change in entry.changes_dict.items()
                if label in ("重大问题", "退回理由", "逾期升级")
            ],
            "receive_days": settings.DUIKOU_NOTICE_RECEIVE_DAYS,
            "verify_days": settings.DUIKOU_NOTICE_VERIFY_DAYS,
            "close_days": settings.DUIKOU_NOTICE_CLOSE_DAYS,
        },
    )


@login_required
@require_POST
def notice_step(request, pk: int, step: str):
    """One step: receive, report, verify, return, close, flag_major."""
    notice = queries.notice_for(request.user, pk)
    if step not in WORKFLOW:
        raise Http404("no such step")
    if not WORKFLOW.allows(request.user, notice, step):
        raise PermissionDenied
    form = STEP_FORMS[step](request.POST)
    if not form.is_valid():
        errors = "；".join(
            f"{form.fields[f].label or ''}{' '.join(e)}" if f in form.fields and f != "version" else " ".join(e)
            for f, e in form.errors.items()
        )
        messages.error(request, _("未完成：%(errors)s") % {"errors": errors})
        return redirect("evaluation:notice_detail", pk=notice.pk)
    data = form.cleaned_data
    user, version = request.user, data["version"]
    try:
        if step == "receive":
            notice = services.receive_notice(notice=notice, user=user, expected_version=version)
        elif step == "report":
            notice = services.report_measures(notice=notice, user=user, expected_version=version, text=data["text"])
        elif step == "verify":
            notice = services.verify_notice(notice=notice, user=user, expected_version=version, comment=data["comment"])
        elif step == "return":
            notice = services.return_measures(
                notice=notice, user=user, expected_version=version, comment=data["comment"]
            )
        elif step == "close":
            notice = services.close_notice(notice=notice, user=user, expected_version=version)
        else:
            notice = services.flag_major(notice=notice, user=user, expected_version=version, reason=data["reason"])
        messages.success(
            request,
            _("已完成「%(step)s」，当前状态：%(status)s")
            % {"step": WORKFLOW[step].label, "status": notice.get_status_display()},
        )
    except (ValidationError, PermissionDenied, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    return redirect("evaluation:notice_detail", pk=notice.pk)


@login_required
def notice_docx(request, pk: int):
    notice = queries.notice_for(request.user, pk)
    from .. import documents  # matplotlib and python-docx load only when a document is asked for

    return download(documents.notice_docx(notice), f"notice-{notice.pk}.docx", DOCX)


# ---- issuing -------------------------------------------------------------------------------------------


@login_required
def notice_issue(request):
    """Issue a notice from a published run: ?run=<id>&pairing=<id> (the run's pages link here)."""
    run_id = request.GET.get("run") or request.POST.get("run")
    if not str(run_id or "").isdigit():
        runs = scoping.scope(request.user, Run, scoping.Action.APPROVE).filter(status=Run.Status.PUBLISHED)
        return render(request, "evaluation/supervision/notice_issue.html", {"runs": runs.select_related("scheme")})
    run = evaluation_queries.run_for(request.user, int(run_id))
    pairing = None
    if str(request.GET.get("pairing", "")).isdigit():
        pairing = scoping.get_for(request.user, Pairing, pk=int(request.GET["pairing"]))
    if not scoping.can(request.user, scoping.Action.APPROVE, run):
        raise PermissionDenied
    context = {"run": run, "published": run.published}
    if not run.published:
        return render(request, "evaluation/supervision/notice_issue.html", context)
    results = evaluation_queries.results_for(request.user, run)
    pairings = Pairing.objects.filter(pk__in=results.values("pairing")).select_related("old_region", "partner_region")
    chosen = pairing
    if request.method == "POST" and str(request.POST.get("pairing", "")).isdigit():
        chosen = pairings.filter(pk=int(request.POST["pairing"])).first()
    responsibles = services.responsible_choices(chosen) if chosen else None
    form = IssueNoticeForm(
        request.POST or None,
        pairings=pairings,
        responsibles=responsibles,
        initial={
            "pairing": pairing,
            "responsible": services.default_responsible(pairing) if pairing else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.issue_notice(
                run=run,
                pairing=data["pairing"],
                finding=data["finding"],
                measures_required=data["measures_required"],
                deadline=data["deadline"],
                responsible=data.get("responsible"),
                user=request.user,
                major=data.get("major", False),
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("已下发整改通知 %(number)s") % {"number": notice.number})
            return redirect("evaluation:notice_detail", pk=notice.pk)
    result = results.filter(pairing=pairing).first() if pairing else None
    return render(
        request,
        "evaluation/supervision/notice_issue.html",
        {**context, "form": form, "pairing": pairing, "result": result},
    )


def _issuable_run(request) -> Run:
    """The run of ?run=<id> that the user may issue notices from (404 unseen, 403 not its organiser)."""
    run_id = request.GET.get("run") or request.POST.get("run")
    if not str(run_id or "").isdigit():
        raise Http404("请选择评估批次")
    run = evaluation_queries.run_for(request.user, int(run_id))
    if not scoping.can(request.user, scoping.Action.APPROVE, run):
        raise PermissionDenied
    return run


@login_required
def notice_issue_batch(request):
    """批量下发: notices to several pairings of a published run at once, ?run=<id>; the list of its pairings can be
    narrowed by grade, city and whether the run has issued them a notice yet (GET), ticked one by one or all at once.
    One notice per pairing, consecutive numbers, all or nothing; then the notices issued together are listed."""
    run = _issuable_run(request)
    context = {"run": run, "published": run.published}
    if not run.published:
        return render(request, "evaluation/supervision/notice_batch.html", context)
    filters = BatchFilterForm(request.GET)
    rows = queries.batch_candidates(request.user, run, **filters.filters())
    everyone = queries.batch_candidates(request.user, run)
    pairings = Pairing.objects.filter(pk__in=everyone.values("pairing")).select_related("old_region", "partner_region")
    form = BatchIssueForm(request.POST or None, pairings=pairings)
    chosen: set[int] = set()
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("pairings") if str(v).isdigit()}
        if form.is_valid():
            data = form.cleaned_data
            ranked = {r.pairing_id: r.rank for r in everyone}
            picked = sorted(data["pairings"], key=lambda p: (ranked.get(p.pk, 0), p.code))
            try:
                issued = services.issue_notices(
                    run=run,
                    pairings=picked,
                    finding=data["finding"],
                    measures_required=data["measures_required"],
                    deadline=data["deadline"],
                    user=request.user,
                    major=data.get("major", False),
                    state_result=data.get("state_result", False),
                )
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error_text(exc))
            else:
                messages.success(
                    request,
                    _("已下发整改通知 %(n)d 份：%(first)s 至 %(last)s")
                    % {"n": len(issued), "first": issued[0].number, "last": issued[-1].number},
                )
                return redirect(f"{reverse('evaluation:notices')}?batch={issued[0].batch}")
    return render(
        request,
        "evaluation/supervision/notice_batch.html",
        {
            **context,
            "form": form,
            "filters": filters,
            "rows": rows,
            "total": everyone.count(),
            "chosen": chosen,
            "grades": Grade.choices,
        },
    )


@login_required
def notice_batch_zip(request, batch):
    """The Word documents of the notices issued together, one .docx per notice, in one .zip."""
    notices = list(queries.notices_for(request.user, batch=batch))
    if not notices:
        raise Http404("没有这一批整改通知")
    from .. import documents

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for notice in notices:
            archive.writestr(f"{notice.number}（{notice.pairing}）.docx", documents.notice_docx(notice))
    return download(buffer.getvalue(), f"notices-{str(batch)[:8]}.zip", ZIP)


# ---- commendations -------------------------------------------------------------------------------------


@login_required
def commendations(request, run_id: int):
    """A run's commendation list with the generate button, its notices, and (for the organiser) its results
    with a link to issue a notice to each pairing."""
    run = evaluation_queries.run_for(request.user, run_id)
    can_issue = services.may_issue(request.user, run)
    return render(
        request,
        "evaluation/supervision/commendation_list.html",
        {
            "run": run,
            "commendations": queries.commendations_for(request.user, run),
            "notices": queries.notices_for(request.user, run=run),
            "results": evaluation_queries.results_for(request.user, run) if can_issue else None,
            "can_issue": can_issue,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def commendation_generate(request, run_id: int):
    run = evaluation_queries.run_for(request.user, run_id)
    if not scoping.can(request.user, scoping.Action.APPROVE, run):
        raise PermissionDenied
    try:
        created = services.generate_commendations(run=run, user=request.user)
        if created:
            messages.success(request, _("已列入通报表扬名单 %(n)d 个结对关系") % {"n": len(created)})
        else:
            messages.info(request, _("通报表扬名单没有变化：评为优秀的结对关系均已列入"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("evaluation:commendations", run_id=run.pk)


@login_required
def commendation_docx(request, run_id: int):
    run = evaluation_queries.run_for(request.user, run_id)
    if not queries.commendations_for(request.user, run).exists():
        raise Http404("本次评估尚无通报表扬名单")
    from .. import documents

    return download(documents.commendation_docx(run), f"commendations-{run.pk}.docx", DOCX)
