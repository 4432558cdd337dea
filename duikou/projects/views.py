from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core.errors import StaleObjectError
from duikou.core.forms import apply_errors
from duikou.core.listviews import page_context, render_list
from duikou.core.tables import import_page, template_download

from . import queries, services, tables
from .forms import (
    ActivityFilterForm,
    ActivityForm,
    ExportForm,
    FundCancelForm,
    FundFilterForm,
    FundTransactionForm,
    MilestoneForm,
    ProgressUpdateForm,
    ProjectFilterForm,
    ProjectForm,
    activity_initial,
    project_initial,
)
from .models import TYPED_FIELDS, Activity

PROJECT_EDIT_FIELDS = services.PROJECT_FIELDS


# --- projects ---------------------------------------------------------------------------------------------------


def _project_filters(request):
    form = ProjectFilterForm(request.GET or None, user=request.user)
    return form, form.filters()


@login_required
def project_list(request):
    form, filters = _project_filters(request)
    return render_list(
        request,
        "projects/project_list.html",
        queries.with_fund_sums(queries.projects_for(request.user, **filters)),
        form=form,
        can_change=scoping.may(request.user, scoping.Action.CHANGE),
    )


def _start_export(request, kind: str, filters: dict, back: str):
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择导出格式（xlsx 或 csv）"))
        return redirect(back)
    job = tables.start_export(kind=kind, user=request.user, filters=filters, fmt=form.cleaned_data["format"])
    return redirect("job_detail", pk=job.pk)


@login_required
@require_POST
def project_export(request):
    _form, filters = _project_filters(request)
    return _start_export(request, "projects", filters, "projects:list")


def _template_response(request, kind: str, filename: str):
    return template_download(request, lambda: tables.template_for(tables.SPECS[kind], request.user), filename)


@login_required
def project_template(request):
    return _template_response(request, "projects", "projects-template.xlsx")


TEMPLATE_ROUTES = {
    "projects": "projects:project_template",
    "activities": "projects:activity_template",
    "funds": "projects:fund_template",
}


def _import(request, kind: str, list_url: str):
    start = partial(tables.start_import, kind=kind, user=request.user, next_url=reverse(list_url))
    context = {
        "kind": kind,
        "noun": tables.NOUNS[kind],
        "columns": tables.SPECS[kind].columns,
        "pairings": queries.pairings_to_record(request.user),
        "template_url": reverse(TEMPLATE_ROUTES[kind]),
        "list_url": reverse(list_url),
    }
    return import_page(request, "projects/import.html", start, context)


@login_required
def project_import(request):
    return _import(request, "projects", "projects:list")


@login_required
def project_create(request):
    scoping.require(request.user, scoping.Action.CHANGE)
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        pairing = data.pop("pairing")
        try:
            project = services.create_project(user=request.user, pairing=pairing, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已新增项目"))
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": None})


def _detail(request, project, *, milestone_form=None, update_form=None, fund_form=None, status=200):
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "funds": queries.fund_transactions_for(request.user, project=project),
            "fund_figures": queries.fund_figures(request.user, project=project, by="year"),
            "fund_form": fund_form or FundTransactionForm(initial={"date": timezone.localdate()}),
            "fund_cancel_form": FundCancelForm(),
            "milestones": queries.milestones_for(request.user, project=project),
            "updates": queries.updates_for(request.user, project=project),
            "history": history_for(request.user, project),
            "can_edit": scoping.can(request.user, scoping.Action.CHANGE, project),
            "milestone_form": milestone_form or MilestoneForm(),
            "update_form": update_form or ProgressUpdateForm(initial={"date": timezone.localdate()}),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def project_detail(request, pk: int):
    return _detail(request, queries.project_for(request.user, pk))


@login_required
def project_edit(request, pk: int):
    project = queries.project_for(request.user, pk, scoping.Action.CHANGE)
    if request.method == "POST":
        form = ProjectForm(request.POST, user=request.user, project=project)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.update_project(project=project, user=request.user, expected_version=version or 0, **data)
            except (StaleObjectError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("projects:detail", pk=project.pk)
    else:
        form = ProjectForm(initial=project_initial(project), user=request.user, project=project)
    return render(request, "projects/project_form.html", {"form": form, "project": project})


def _milestones_partial(request, project, form, status=200):
    return render(
        request,
        "projects/partials/milestones.html",
        {
            "project": project,
            "milestones": queries.milestones_for(request.user, project=project),
            "milestone_form": form,
            "can_edit": True,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_POST
def milestone_create(request, pk: int):
    project = queries.project_for(request.user, pk, scoping.Action.CHANGE)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.add_milestone(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            form = MilestoneForm()
            if not request.headers.get("HX-Request"):
                messages.success(request, _("已添加节点"))
                return redirect("projects:detail", pk=project.pk)
    if request.headers.get("HX-Request"):
        return _milestones_partial(request, project, form)
    return _detail(request, project, milestone_form=form, status=400)


@login_required
def milestone_edit(request, pk: int):
    milestone = queries.milestone_for(request.user, pk, scoping.Action.CHANGE)
    form = MilestoneForm(
        request.POST or None,
        initial={"name": milestone.name, "due_date": milestone.due_date, "done_date": milestone.done_date},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_milestone(milestone=milestone, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("projects:detail", pk=milestone.project_id)
    return render(request, "projects/milestone_form.html", {"form": form, "milestone": milestone})


@login_required
@require_POST
def milestone_done(request, pk: int):
    """Mark a milestone done today (htmx: answers with the milestone table)."""
    milestone = queries.milestone_for(request.user, pk, scoping.Action.CHANGE)
    services.complete_milestone(milestone=milestone, user=request.user)
    if request.headers.get("HX-Request"):
        return _milestones_partial(request, milestone.project, MilestoneForm())
    messages.success(request, _("已标记完成"))
    return redirect("projects:detail", pk=milestone.project_id)


@login_required
@require_POST
def progress_create(request, pk: int):
    project = queries.project_for(request.user, pk, scoping.Action.CHANGE)
    form = ProgressUpdateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_progress_update(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已记录进展"))
            return redirect("projects:detail", pk=project.pk)
    return _detail(request, project, update_form=form, status=400)


@login_required
@require_POST
def fund_create(request, pk: int):
    project = queries.project_for(request.user, pk, scoping.Action.CHANGE)
    form = FundTransactionForm(request.POST)
    if form.is_valid():
        try:
            services.add_fund_transaction(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已记录资金往来"))
            return redirect(reverse("projects:detail", args=[project.pk]) + "#funds")
    return _detail(request, project, fund_form=form, status=400)


@login_required
@require_POST
def fund_cancel(request, pk: int):
    record = queries.fund_transaction_for(request.user, pk, scoping.Action.CHANGE)
    form = FundCancelForm(request.POST)
    back = reverse("projects:detail", args=[record.project_id]) + "#funds"
    if not form.is_valid():
        messages.error(request, _("作废资金往来「%(row)s」须填写原因") % {"row": record.describe()})
        return redirect(back)
    try:
        services.cancel_fund_transaction(
            fund_transaction=record,
            user=request.user,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except StaleObjectError:
        messages.error(
            request, _("资金往来「%(row)s」已被他人修改，请查看最新内容后再操作") % {"row": record.describe()}
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已作废资金往来「%(row)s」") % {"row": record.describe()})
    return redirect(back)


def _fund_filters(request):
    form = FundFilterForm(request.GET or None, user=request.user)
    return form, form.filters()


@login_required
def fund_list(request):
    form, filters = _fund_filters(request)
    return render_list(
        request,
        "projects/fund_list.html",
        queries.fund_transactions_for(request.user, **filters),
        form=form,
        can_change=scoping.may(request.user, scoping.Action.CHANGE),
        figures=queries.fund_figures(request.user, pairing=filters["pairing"], by=form.period()),
    )


@login_required
@require_POST
def fund_export(request):
    _form, filters = _fund_filters(request)
    return _start_export(request, "funds", filters, "projects:fund_list")


@login_required
def fund_template(request):
    return _template_response(request, "funds", "funds-template.xlsx")


@login_required
def fund_import(request):
    return _import(request, "funds", "projects:fund_list")


@login_required
def evidence_download(request, pk: int):
    evidence = queries.evidence_for(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        messages.error(request, _("文件「%(name)s」已不在存储中，请联系系统管理员") % {"name": evidence.name})
        return redirect("projects:detail", pk=evidence.update.project_id)
    return FileResponse(handle, as_attachment=True, filename=evidence.name)


@login_required
def overdue_milestones(request):
    form = ProjectFilterForm(request.GET or None, user=request.user)
    pairing = form.filters()["pairing"]
    today = timezone.localdate()
    context = page_context(
        request, queries.overdue_milestones_for(request.user, today=today, pairing=pairing), form=form, today=today
    )
    for milestone in context["page_obj"]:
        milestone.days_overdue = (today - milestone.due_date).days
    return render(request, "projects/overdue.html", context)


# --- activities -------------------------------------------------------------------------------------------------


def _activity_filters(request):
    form = ActivityFilterForm(request.GET or None, user=request.user)
    return form, form.filters()


@login_required
def activity_list(request):
    form, filters = _activity_filters(request)
    return render_list(
        request,
        "projects/activity_list.html",
        queries.activities_for(request.user, **filters),
        form=form,
        can_change=scoping.may(request.user, scoping.Action.CHANGE),
    )


@login_required
@require_POST
def activity_export(request):
    _form, filters = _activity_filters(request)
    return _start_export(request, "activities", filters, "projects:activity_list")


@login_required
def activity_template(request):
    return _template_response(request, "activities", "activities-template.xlsx")


@login_required
def activity_import(request):
    return _import(request, "activities", "projects:activity_list")


def _activity_data(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("version", None)
    data.pop("pairing", None)
    return data


@login_required
def activity_create(request):
    scoping.require(request.user, scoping.Action.CHANGE)
    form = ActivityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.create_activity(
                user=request.user, pairing=form.cleaned_data["pairing"], **_activity_data(form)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已新增活动"))
            return redirect("projects:activity_detail", pk=activity.pk)
    return render(request, "projects/activity_form.html", {"form": form, "activity": None})


@login_required
def activity_detail(request, pk: int):
    activity = queries.activity_for(request.user, pk)
    typed = [
        (Activity._meta.get_field(name).verbose_name, _display(activity, name))
        for name in TYPED_FIELDS
        if getattr(activity, name) not in (None, "")
    ]
    return render(
        request,
        "projects/activity_detail.html",
        {
            "activity": activity,
            "typed": typed,
            "history": history_for(request.user, activity),
            "can_edit": scoping.can(request.user, scoping.Action.CHANGE, activity),
        },
    )


def _display(obj, name: str):
    getter = getattr(obj, f"get_{name}_display", None)
    return getter() if getter else getattr(obj, name)


@login_required
def activity_edit(request, pk: int):
    activity = queries.activity_for(request.user, pk, scoping.Action.CHANGE)
    if request.method == "POST":
        form = ActivityForm(request.POST, user=request.user, activity=activity)
        if form.is_valid():
            try:
                services.update_activity(
                    activity=activity,
                    user=request.user,
                    expected_version=form.cleaned_data.get("version") or 0,
                    **_activity_data(form),
                )
            except (StaleObjectError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("projects:activity_detail", pk=activity.pk)
    else:
        form = ActivityForm(initial=activity_initial(activity), user=request.user, activity=activity)
    return render(request, "projects/activity_form.html", {"form": form, "activity": activity})
