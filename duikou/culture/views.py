"""The editors' and reviewers' pages of the red-culture platform (signed in): lists of resources and routes in the
user's area, the forms, media uploads, stops, study-visit links and the review steps, each through the scoping layer
and the workflow table."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.exports import download
from duikou.core.forms import apply_errors, error_text, int_or
from duikou.core.listviews import render_list
from duikou.core.tables import import_page, template_download

from . import queries, services, tables
from .forms import MediumForm, ResourceForm, RouteForm, StepForm, StopForm
from .models import Medium, Resource, Route, Status, Stop, StudyVisit
from .workflow import WORKFLOW


def _viewer(request) -> None:
    if not scoping.may(request.user, scoping.Action.VIEW):
        raise PermissionDenied


@login_required
def resource_list(request):
    _viewer(request)
    q, kind, status = (request.GET.get(k, "").strip() for k in ("q", "kind", "status"))
    return render_list(
        request,
        "culture/resource_list.html",
        queries.resources_for(request.user, q=q[:100], kind=kind, status=status),
        q=q,
        kind=kind,
        status=status,
        kinds=Resource.Kind.choices,
        statuses=Status.choices,
        may_change=scoping.may(request.user, scoping.Action.CHANGE),
    )


@login_required
def route_list(request):
    _viewer(request)
    q, status = (request.GET.get(k, "").strip() for k in ("q", "status"))
    return render_list(
        request,
        "culture/route_list.html",
        queries.routes_for(request.user, q=q[:100], status=status),
        q=q,
        status=status,
        statuses=Status.choices,
        may_change=scoping.may(request.user, scoping.Action.CHANGE),
    )


def _form_page(request, form_class, model, item=None, **form_kw):
    """Create (``item`` None) or edit a draft resource or route."""
    if item is None:
        scoping.require(request.user, scoping.Action.CHANGE)
    form = form_class(request.POST or None, instance=item, **form_kw)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            if item is None:
                saved = services.create(request.user, model, values)
            else:
                version = int_or(form.cleaned_data.get("version"), item.version)
                saved = services.edit(request.user, item, version=version, values=values)
        except (ValidationError, StaleObjectError) as exc:
            apply_errors(form, exc)
        except UserFacingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect(f"culture:{model.__name__.lower()}", saved.pk)
    if item is not None and request.method == "GET":
        form.initial["version"] = item.version
    return render(request, "culture/form.html", {"form": form, "item": item, "model": model._meta})


@login_required
def resource_new(request):
    return _form_page(request, ResourceForm, Resource)


@login_required
def resource_edit(request, pk: int):
    item = scoping.get_for(request.user, Resource, scoping.Action.CHANGE, pk=pk)
    return _form_page(request, ResourceForm, Resource, item)


@login_required
def route_new(request):
    return _form_page(request, RouteForm, Route, user=request.user)


@login_required
def route_edit(request, pk: int):
    item = scoping.get_for(request.user, Route, scoping.Action.CHANGE, pk=pk)
    return _form_page(request, RouteForm, Route, item, user=request.user)


@login_required
def resource_detail(request, pk: int):
    resource = scoping.get_for(request.user, Resource, pk=pk)
    editable = resource.status == Status.DRAFT and scoping.can(request.user, scoping.Action.CHANGE, resource)
    return render(
        request,
        "culture/resource_detail.html",
        {
            "item": resource,
            "media": resource.media.filter(removed_at__isnull=True).order_by("pk"),
            "visits": resource.study_visits.select_related("activity__pairing").order_by("-activity__date"),
            "trips": queries.study_trips_for(request.user, resource)[:200] if editable else [],
            "editable": editable,
            "medium_form": MediumForm() if editable else None,
            "steps": WORKFLOW.allowed_steps(request.user, resource),
            "turn": WORKFLOW.turn(resource),
            "history": history_for(request.user, resource),
        },
    )


@login_required
def route_detail(request, pk: int):
    route = scoping.get_for(request.user, Route, pk=pk)
    editable = route.status == Status.DRAFT and scoping.can(request.user, scoping.Action.CHANGE, route)
    return render(
        request,
        "culture/route_detail.html",
        {
            "item": route,
            "stops": route.stops.select_related("resource__region").order_by("day", "order"),
            "editable": editable,
            "stop_form": StopForm(route=route, user=request.user) if editable else None,
            "steps": WORKFLOW.allowed_steps(request.user, route),
            "turn": WORKFLOW.turn(route),
            "history": history_for(request.user, route),
        },
    )


def _step(request, item, url: str):
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求不完整，请刷新页面后重试。"))
        return redirect(url, item.pk)
    name = request.POST.get("step", "")
    if name not in WORKFLOW:
        messages.error(request, _("没有这一步骤。"))
        return redirect(url, item.pk)
    try:
        services.step(
            request.user,
            item,
            name,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
            secrecy_confirmed=form.cleaned_data["secrecy_confirmed"],
        )
    except (UserFacingError, StaleObjectError, ValidationError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已完成：%(step)s。") % {"step": WORKFLOW[name].label})
    return redirect(url, item.pk)


@login_required
@require_POST
def resource_step(request, pk: int):
    return _step(request, scoping.get_for(request.user, Resource, pk=pk), "culture:resource")


@login_required
@require_POST
def route_step(request, pk: int):
    return _step(request, scoping.get_for(request.user, Route, pk=pk), "culture:route")


def _form_errors(form) -> str:
    """A small form's errors as one message: 「说明：此字段是必填项。」."""
    return "；".join(f"{form[k].label}：{' '.join(v)}" for k, v in form.errors.items())


def _act(request, action, done: str) -> None:
    """Run ``action`` and say how it went: ``done``, or the service's refusal."""
    try:
        action()
    except (UserFacingError, ValidationError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)


@login_required
@require_POST
def medium_add(request, pk: int):
    resource = scoping.get_for(request.user, Resource, scoping.Action.CHANGE, pk=pk)
    form = MediumForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in ("caption", "caption_en", "alt", "transcript", "credit")}
        _act(request, partial(services.add_medium, request.user, resource, data["file"], **fields), _("已上传。"))
    else:
        messages.error(request, _form_errors(form))
    return redirect("culture:resource", resource.pk)


@login_required
@require_POST
def medium_remove(request, pk: int):
    medium = scoping.get_for(request.user, Medium, scoping.Action.CHANGE, pk=pk)
    _act(request, partial(services.remove_medium, request.user, medium), _("已移除（仍保留在修改历史中）。"))
    return redirect("culture:resource", medium.resource_id)


@login_required
def medium_file(request, pk: int):
    """A medium's file for those who may see its resource (drafts included)."""
    medium = scoping.get_for(request.user, Medium, pk=pk)
    response = FileResponse(medium.file.open("rb"), content_type=medium.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def stop_add(request, pk: int):
    route = scoping.get_for(request.user, Route, scoping.Action.CHANGE, pk=pk)
    form = StopForm(request.POST, route=route, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        add = partial(services.add_stop, request.user, route, resource=data["resource"], day=data["day"])
        _act(request, partial(add, note=data["note"]), _("已添加站点。"))
    else:
        messages.error(request, _form_errors(form))
    return redirect("culture:route", route.pk)


@login_required
@require_POST
def stop_remove(request, pk: int):
    stop = scoping.get_for(request.user, Stop, scoping.Action.CHANGE, pk=pk)
    _act(request, partial(services.remove_stop, request.user, stop), _("已移除站点。"))
    return redirect("culture:route", stop.route_id)


@login_required
@require_POST
def visit_add(request, pk: int):
    resource = scoping.get_for(request.user, Resource, scoping.Action.CHANGE, pk=pk)
    trips = queries.study_trips_for(request.user, resource)
    activity = trips.filter(pk=int_or(request.POST.get("activity"), 0)).first()
    if activity is None:
        messages.error(request, _("请选择本结对关系的一项研学活动。"))
    else:
        _act(request, partial(services.link_visit, request.user, resource, activity), _("已关联研学活动。"))
    return redirect("culture:resource", resource.pk)


@login_required
@require_POST
def visit_remove(request, pk: int):
    visit = scoping.get_for(request.user, StudyVisit, scoping.Action.CHANGE, pk=pk)
    _act(request, partial(services.unlink_visit, request.user, visit), _("已取消关联（仍保留在修改历史中）。"))
    return redirect("culture:resource", visit.resource_id)


# --- spreadsheets: import (resources, routes stop by stop), templates, export -------------------------------------


def _import(request, kind: str, template_url: str, list_url: str, **context):
    start = partial(tables.start_import, kind=kind, user=request.user, next_url=reverse(list_url))
    context |= {
        "kind": kind,
        "noun": tables.NOUNS[kind],
        "columns": (tables.RESOURCE_SPEC if kind == "resources" else tables.ROUTE_SPEC).columns,
        "template_url": reverse(template_url),
        "list_url": reverse(list_url),
    }
    return import_page(request, "culture/import.html", start, context)


@login_required
def resource_import(request):
    org = request.user.organisation
    area = _("全国") if scoping.region_prefix(request.user) is None else (org.region if org else None)
    return _import(request, "resources", "culture:resource_template", "culture:resources", area=area)


@login_required
def route_import(request):
    refs = tables.RouteRefs(request.user)
    pairings = list(refs.pairings.values())
    return _import(request, "routes", "culture:route_template", "culture:routes", pairings=pairings)


@login_required
def resource_template(request):
    return template_download(request, lambda: tables.resource_template(request.user), "culture-resources-template.xlsx")


@login_required
def route_template(request):
    return template_download(request, lambda: tables.route_template(request.user), "culture-routes-template.xlsx")


@login_required
def resource_export(request):
    """The resources the user may see, as .xlsx in the import's columns (the file imports back unchanged)."""
    _viewer(request)
    filename, content = tables.resource_export(request.user)
    return download(content, filename)
