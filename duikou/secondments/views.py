"""The seconded-people pages: the list with its filters and export, the form, a person's page with their reports,
ending and history, the import, and a pairing's summary (people serving per quarter by direction and field, beside
the reported 干部双向挂职人数). Reads go through ``queries`` and writes through ``services``; an ID number travels
only in a form's POST body, never in a URL."""

import datetime
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core import pii
from duikou.core.errors import StaleObjectError
from duikou.core.exports import download
from duikou.core.forms import apply_errors, error_text, int_or
from duikou.core.listviews import render_list
from duikou.core.tables import import_page, template_download
from duikou.pairings.models import Pairing

from . import queries, services, tables
from .forms import EndForm, FilterForm, ReportForm, SecondmentForm
from .models import Secondment


def _viewer(request) -> None:
    if not scoping.may(request.user, scoping.Action.VIEW):
        raise PermissionDenied


def _filtered(request):
    form = FilterForm(request.GET or None, user=request.user)
    return form, queries.secondments_for(request.user, **form.filters())


@login_required
def secondment_list(request):
    _viewer(request)
    if pii.looks_like_id_number(request.GET.get("q", "")):
        # the number has reached the address (and the access log) once; it is not kept in the next one
        messages.error(request, queries.ID_IN_ADDRESS)
        return redirect("secondments:list")
    form, qs = _filtered(request)
    return render_list(
        request,
        "secondments/list.html",
        qs,
        filter_form=form,
        filtered=any(v for v in form.filters().values()),
        may_change=scoping.may(request.user, scoping.Action.CHANGE),
    )


@login_required
def secondment_export(request):
    """The list as filtered, as .xlsx; ID and phone numbers masked."""
    _viewer(request)
    _form, qs = _filtered(request)
    return download(tables.export_bytes(qs), tables.export_name())


def _values(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k != "version"}


@login_required
def secondment_new(request):
    scoping.require(request.user, scoping.Action.CHANGE)
    form = SecondmentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_secondment(user=request.user, **_values(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("pairing", error_text(exc))
        else:
            messages.success(request, _("已登记。"))
            return redirect("secondments:detail", item.pk)
    return render(request, "secondments/form.html", {"form": form, "item": None})


@login_required
def secondment_edit(request, pk: int):
    item = queries.secondment_for(request.user, pk, scoping.Action.CHANGE)
    form = SecondmentForm(request.POST or None, user=request.user, editing=True)
    if request.method == "POST" and form.is_valid():
        values = _values(form)
        phone = values.pop("phone") or None  # blank keeps the stored number
        version = int_or(form.cleaned_data.get("version"), item.version)
        try:
            item = services.update_secondment(
                user=request.user, secondment=item, expected_version=version, phone=phone, **values
            )
        except (ValidationError, StaleObjectError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("secondments:detail", item.pk)
    if request.method == "GET":
        form.initial = {f: getattr(item, f) for f in services.FIELDS} | {"version": item.version}
    return render(request, "secondments/form.html", {"form": form, "item": item})


@login_required
def secondment_detail(request, pk: int):
    item = queries.secondment_for(request.user, pk)
    editable = scoping.can(request.user, scoping.Action.CHANGE, item)
    serving = item.status == Secondment.Status.SERVING
    return render(
        request,
        "secondments/detail.html",
        {
            "item": item,
            "reports": queries.reports_of(request.user, item),
            "editable": editable,
            "end_form": EndForm(initial={"version": item.version, "on": timezone.localdate(), "early": "0"})
            if editable and serving
            else None,
            "report_form": ReportForm(initial={"date": timezone.localdate()}) if editable else None,
            "history": history_for(request.user, item),
        },
    )


@login_required
@require_POST
def secondment_end(request, pk: int):
    item = queries.secondment_for(request.user, pk, scoping.Action.CHANGE)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form[k].label}：{' '.join(v)}" for k, v in form.errors.items()))
        return redirect("secondments:detail", item.pk)
    data = form.cleaned_data
    try:
        services.end_secondment(
            user=request.user,
            secondment=item,
            expected_version=data["version"],
            on=data["on"],
            early=data["early"],
            reason=data["reason"],
        )
    except (ValidationError, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已结束挂职（记录保留）。"))
    return redirect("secondments:detail", item.pk)


@login_required
@require_POST
def report_add(request, pk: int):
    item = queries.secondment_for(request.user, pk, scoping.Action.CHANGE)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form[k].label}：{' '.join(v)}" for k, v in form.errors.items()))
        return redirect("secondments:detail", item.pk)
    try:
        services.add_report(user=request.user, secondment=item, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已添加工作报告。"))
    return redirect("secondments:detail", item.pk)


@login_required
def secondment_import(request):
    start = partial(tables.start_import, user=request.user, next_url=reverse("secondments:list"))
    context = {
        "columns": tables.COLUMNS,
        "template_url": reverse("secondments:template"),
        "list_url": reverse("secondments:list"),
        "pairings": list(queries.pairings_to_record(request.user)),
    }
    return import_page(request, "secondments/import.html", start, context)


@login_required
def secondment_template(request):
    return template_download(request, lambda: tables.template_bytes(request.user), "secondments-template.xlsx")


@login_required
def pairing_summary(request, pk: int):
    """The people a pairing exchanged, counted per quarter of a year (serving at any time in it), by direction and
    field."""
    _viewer(request)
    pairing = scoping.get_for(request.user, Pairing.objects.select_related("old_region", "partner_region"), pk=pk)
    this_year = timezone.localdate().year
    year = int_or(request.GET.get("year"), this_year)
    if not 2000 <= year <= this_year + 10:
        year = this_year
    rows = [
        {"period": period, **queries.counts(request.user, pairing=pairing.pk, since=period.start, until=period.end)}
        for period in queries.quarters(year)
    ]
    whole = queries.counts(
        request.user, pairing=pairing.pk, since=datetime.date(year, 1, 1), until=datetime.date(year, 12, 31)
    )
    return render(
        request,
        "secondments/pairing.html",
        {
            "pairing": pairing,
            "year": year,
            "years": range(this_year - 4, this_year + 2),
            "rows": rows,
            "whole": whole,
            "directions": [label for _v, label in Secondment.Direction.choices],
            "fields": [label for _v, label in Secondment.Field.choices],
        },
    )
