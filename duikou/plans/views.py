from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core.errors import StaleObjectError
from duikou.core.exports import DOCX, download
from duikou.core.forms import error_text, int_or
from duikou.core.listviews import render_list
from duikou.pairings.queries import pairings_for
from duikou.pairings.sides import required_provinces

from . import queries, services
from .documents import build_docx
from .forms import (
    SECTION_FORMS,
    AnnualForm,
    AttachmentForm,
    FileForm,
    IssueForm,
    PlanCreateForm,
    ReturnForm,
)
from .models import Plan
from .workflow import WORKFLOW


@login_required
def plan_list(request):
    pairing = int_or(request.GET.get("pairing"))
    qs = queries.plans_for(
        request.user,
        pairing=pairing,
        kind=request.GET.get("kind", ""),
        status=request.GET.get("status", ""),
        q=request.GET.get("q", "").strip(),
    )
    return render_list(
        request,
        "plans/list.html",
        qs,
        kinds=Plan.Kind.choices,
        statuses=Plan.Status.choices,
        pairing=pairings_for(request.user, status="").filter(pk=pairing).first() if pairing else None,
        can_create=pairings_for(request.user, action=scoping.Action.CHANGE).exists(),
    )


@login_required
def plan_create(request):
    pairings = pairings_for(request.user, action=scoping.Action.CHANGE)
    if not pairings.exists():
        raise PermissionDenied
    form = PlanCreateForm(
        request.POST or None, pairings=pairings, initial={"kind": "five_year", "start_year": 2026, "end_year": 2030}
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "plans/create.html", {"form": form})


def _detail_context(request, plan, **extra):
    steps = [s.name for s in WORKFLOW.allowed_steps(request.user, plan)]
    forms = {name: cls(initial={"plan_version": plan.version}, prefix=name) for name, cls in SECTION_FORMS.items()}
    return {
        "plan": plan,
        "steps": steps,
        "turn": WORKFLOW.turn(plan),
        "section_forms": forms,
        "editable": "edit" in steps,
        "issue_form": IssueForm(),
        "return_form": ReturnForm(),
        "file_form": FileForm(),
        "annual_form": AnnualForm(),
        "attachment_form": AttachmentForm(),
        "history": history_for(request.user, plan),
        "items": plan.items.select_related("key_task", "responsible_unit").prefetch_related("tasks", "clauses"),
        "revisions": queries.plans_for(request.user)
        .filter(pairing=plan.pairing, kind=plan.kind, start_year=plan.start_year)
        .order_by("revision"),
        "derived": queries.plans_for(request.user).filter(source_plan=plan),
        "required_provinces": sorted(required_provinces(plan.pairing)),
        **extra,
    }


@login_required
def plan_detail(request, pk: int):
    plan = queries.plan_for(request.user, pk)
    return render(request, "plans/detail.html", _detail_context(request, plan))


@login_required
@require_POST
def plan_content(request, pk: int, section: str, row_id: int | None = None):
    """Add or change a row of one content section (or remove it with ?remove=1)."""
    plan = queries.plan_for(request.user, pk)
    if section not in SECTION_FORMS or not WORKFLOW.allows(request.user, plan, "edit"):
        raise PermissionDenied
    try:
        if request.POST.get("remove") and row_id:
            services.remove_content(
                user=request.user,
                plan=plan,
                section=section,
                row_id=row_id,
                expected_version=int_or(request.POST.get("plan_version"), 0),
            )
            messages.success(request, _("已删除"))
            return redirect(f"/plans/{plan.pk}/#{section}")
        model = services.SECTION_MODELS[section]
        instance = queries.content_row_for(request.user, plan, model, row_id) if row_id else None
        form = SECTION_FORMS[section](request.POST, prefix=section, instance=instance)
        if not form.is_valid():
            errors = "；".join(
                f"{form.fields[f].label if f in form.fields else ''}{' '.join(e)}" for f, e in form.errors.items()
            )
            messages.error(request, _("未保存：%(errors)s") % {"errors": errors})
            return redirect(f"/plans/{plan.pk}/#{section}")
        services.save_content(user=request.user, plan=plan, section=section, row_id=row_id, **form.changes())
        messages.success(request, _("已保存"))
    except (ValidationError, PermissionDenied, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    return redirect(f"/plans/{plan.pk}/#{section}")


@login_required
@require_POST
def plan_step(request, pk: int, step: str):
    """One workflow step: submit, agree, return, issue, file, revise, annual, attach."""
    plan = queries.plan_for(request.user, pk)
    user = request.user
    if not WORKFLOW.allows(user, plan, {"attach": "edit"}.get(step, step)):
        raise PermissionDenied
    try:
        if step == "submit":
            plan = services.submit_for_agreement(user=user, plan=plan)
        elif step == "agree":
            plan = services.agree(user=user, plan=plan)
        elif step == "return":
            form = ReturnForm(request.POST)
            plan = services.return_plan(user=user, plan=plan, comment=form.data.get("comment", ""))
        elif step == "issue":
            form = IssueForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请填写文号和印发日期"))
            plan = services.issue(
                user=user, plan=plan, doc_number=form.cleaned_data["doc_number"], date=form.cleaned_data["date"]
            )
        elif step == "file":
            plan = services.file_plan(user=user, plan=plan, receipt=request.POST.get("receipt", ""))
        elif step == "revise":
            plan = services.start_revision(user=user, plan=plan)
        elif step == "annual":
            form = AnnualForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请填写有效年度"))
            plan = services.create_annual_plan(user=user, five_year=plan, year=form.cleaned_data["year"])
        elif step == "attach":
            form = AttachmentForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(_("请选择文件"))
            services.add_attachment(user=user, plan=plan, uploaded=form.cleaned_data["file"])
        else:
            raise PermissionDenied
        messages.success(request, _("已完成：%(status)s") % {"status": plan.get_status_display()})
    except (ValidationError, PermissionDenied, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    return redirect("plans:detail", pk=plan.pk)


@login_required
def plan_docx(request, pk: int):
    plan = queries.plan_for(request.user, pk)
    return download(build_docx(plan), f"plan-{plan.pk}.docx", DOCX)


@login_required
def plan_compare(request, pk: int):
    plan = queries.plan_for(request.user, pk)
    others = queries.plans_for(request.user).filter(pairing=plan.pairing).exclude(pk=plan.pk)
    other = None
    if request.GET.get("with"):
        other = queries.plan_for(request.user, int_or(request.GET["with"], 0))
    elif plan.previous_id:
        other = queries.plan_for(request.user, plan.previous_id)
    sections = services.compare_plans(other, plan) if other else []
    return render(request, "plans/compare.html", {"plan": plan, "other": other, "others": others, "sections": sections})


@login_required
def unit_items(request):
    """Open tasks of current plans, those of one responsible unit (the responsibility matrix links here)."""
    items = queries.todo_for(
        request.user, unit=int(request.GET["unit"]) if request.GET.get("unit", "").isdigit() else None
    )
    return render_list(request, "plans/todo.html", items, title=_("任务事项"), today=timezone.localdate())


def moved_to_todo(request, overdue: bool = False):
    """/plans/todo/ and /plans/overdue/ became the one to-do list: a permanent redirect that reads nothing."""
    return HttpResponsePermanentRedirect(reverse("todo") + ("?overdue=1" if overdue else ""))


@login_required
@require_POST
def item_done(request, item_id: int):
    item = scoping.get_for(request.user, queries.items_for(request.user), pk=item_id)
    try:
        services.mark_item_done(user=request.user, item=item, done_date=timezone.localdate())
        messages.success(request, _("已登记完成"))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(request.POST.get("next") or "todo")


@login_required
def matrix(request):
    return render(request, "plans/matrix.html", {"tasks": queries.responsibility_matrix(request.user)})
