"""Pages of 产销对接: listings and demands, recommendations with their term-by-term reasons, a plan, agreements and
deliveries. Thin: every read goes through ``queries``, every write through ``services``."""

import os

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.core.errors import StaleObjectError
from duikou.core.exports import download
from duikou.core.forms import apply_errors
from duikou.core.tables import import_page, template_download
from duikou.core.uploads import read_upload
from duikou.core.views import paginate
from duikou.pairings.queries import pairing_between

from ..models import Certification
from . import matching, queries, services, tables
from .forms import (
    AgreementForm,
    DeliveryForm,
    DemandFilterForm,
    DemandForm,
    ListingFilterForm,
    ListingForm,
    PlanForm,
)

KINDS = {
    "listing": (ListingForm, services.LISTING_FIELDS, "origin"),
    "demand": (DemandForm, services.DEMAND_FIELDS, "region"),
}


def _list(request, kind: str):
    if kind == "listing":
        form = ListingFilterForm(request.GET or None)
        qs = queries.listings_for(request.user, **form.filters())
    else:
        form = DemandFilterForm(request.GET or None)
        qs = queries.demands_for(request.user, **form.filters())
    page, querystring = paginate(request, qs, settings.PAGE_SIZE)
    return render(
        request,
        f"markets/produce/{kind}_list.html",
        {
            "form": form,
            "page_obj": page,
            "querystring": querystring,
            "can_change": scoping.may(request.user, scoping.Action.CHANGE),
        },
    )


@login_required
def listing_list(request):
    return _list(request, "listing")


@login_required
def demand_list(request):
    return _list(request, "demand")


def _export(request, kind: str):
    if kind == "listing":
        qs = queries.listings_for(request.user, **ListingFilterForm(request.GET or None).filters())
    else:
        qs = queries.demands_for(request.user, **DemandFilterForm(request.GET or None).filters())
    return download(tables.export_bytes(kind, qs), f"produce-{kind}s-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def listing_export(request):
    return _export(request, "listing")


@login_required
def demand_export(request):
    return _export(request, "demand")


def _template(request, kind: str):
    return template_download(request, lambda: tables.template(kind, request.user), f"produce-{kind}s-template.xlsx")


@login_required
def listing_template(request):
    return _template(request, "listing")


@login_required
def demand_template(request):
    return _template(request, "demand")


def _import(request, kind: str):
    def start(*, upload, dry_run):
        data, filename = read_upload(upload), os.path.basename(upload.name or "")
        return tables.import_file(kind, user=request.user, data=data, filename=filename, dry_run=dry_run)

    context = {"kind": kind, "columns": tables.SPECS[kind].columns}
    return import_page(request, "markets/produce/import.html", start, context)


@login_required
def listing_import(request):
    return _import(request, "listing")


@login_required
def demand_import(request):
    return _import(request, "demand")


def _save(request, kind: str, obj=None):
    form_class, fields, _region = KINDS[kind]
    if obj is None:
        scoping.require(request.user, scoping.Action.CHANGE)
    if request.method == "POST":
        form = form_class(request.POST, editing=obj is not None)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k in fields}
            try:
                if obj is None:
                    obj = getattr(services, f"create_{kind}")(user=request.user, **data)
                else:
                    obj = getattr(services, f"update_{kind}")(
                        user=request.user, expected_version=form.cleaned_data.get("version") or 0, **{kind: obj}, **data
                    )
            except (StaleObjectError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect(f"markets:produce_{kind}_detail", pk=obj.pk)
    else:
        initial = {name: getattr(obj, name) for name in fields} | {"version": obj.version} if obj else {}
        form = form_class(initial=initial, editing=obj is not None)
    return render(request, "markets/produce/form.html", {"form": form, "kind": kind, "obj": obj})


@login_required
def listing_create(request):
    return _save(request, "listing")


@login_required
def demand_create(request):
    return _save(request, "demand")


@login_required
def listing_edit(request, pk: int):
    return _save(request, "listing", queries.listing_for(request.user, pk, scoping.Action.CHANGE))


@login_required
def demand_edit(request, pk: int):
    return _save(request, "demand", queries.demand_for(request.user, pk, scoping.Action.CHANGE))


def _close(request, kind: str, obj):
    try:
        getattr(services, f"close_{kind}")(user=request.user, expected_version=obj.version, **{kind: obj})
    except StaleObjectError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已关闭"))
    return redirect(f"markets:produce_{kind}_detail", pk=obj.pk)


@login_required
@require_POST
def listing_close(request, pk: int):
    return _close(request, "listing", queries.listing_for(request.user, pk, scoping.Action.CHANGE))


@login_required
@require_POST
def demand_close(request, pk: int):
    return _close(request, "demand", queries.demand_for(request.user, pk, scoping.Action.CHANGE))


def _labels(codes) -> str:
    return "、".join(str(Certification(c).label) for c in codes if c in Certification.values)


def _with_sign(user, rows: list[dict], own: bool, other: str) -> list[dict]:
    """Marks the recommendations the user may sign an agreement from: one side of the pair must be theirs."""
    may = scoping.may(user, scoping.Action.CHANGE)
    for row in rows:
        row["can_sign"] = may and (own or scoping.can(user, scoping.Action.CHANGE, row[other]))
    return rows


def _detail(request, kind: str, obj, certifications: list[str], recommended):
    """A listing's or a demand's page: what it is, the other side ranked for it, its agreements."""
    can_edit = scoping.can(request.user, scoping.Action.CHANGE, obj)
    other = "demand" if kind == "listing" else "listing"
    return render(
        request,
        "markets/produce/detail.html",
        {
            "kind": kind,
            "obj": obj,
            "certs": _labels(certifications),
            "rows": _with_sign(request.user, recommended(request.user, obj), can_edit, other),
            "agreements": queries.agreements_for(request.user, **{kind: obj}),
            "can_edit": can_edit,
        },
    )


@login_required
def listing_detail(request, pk: int):
    listing = queries.listing_for(request.user, pk)
    return _detail(request, "listing", listing, listing.certifications, matching.recommend_for_listing)


@login_required
def demand_detail(request, pk: int):
    demand = queries.demand_for(request.user, pk)
    return _detail(request, "demand", demand, demand.certifications_required, matching.recommend_for_demand)


@login_required
def plan(request):
    scoping.require(request.user, scoping.Action.VIEW)
    form = PlanForm(request.GET or None)
    result = None
    if request.GET and form.is_valid():
        result = matching.plan_assignment(request.user, side=form.cleaned_data["side"], k=form.cleaned_data["k"])
    return render(request, "markets/produce/plan.html", {"form": form, "result": result})


@login_required
def agreement_list(request):
    qs = queries.agreements_for(request.user, status=request.GET.get("status", ""))
    page, querystring = paginate(request, qs, settings.PAGE_SIZE)
    return render(request, "markets/produce/agreement_list.html", {"page_obj": page, "querystring": querystring})


@login_required
def agreement_create(request):
    scoping.require(request.user, scoping.Action.CHANGE)
    source = request.POST or request.GET
    listing = queries.listing_for(request.user, int(source.get("listing") or 0))
    demand = queries.demand_for(request.user, int(source.get("demand") or 0))
    if not (
        scoping.can(request.user, scoping.Action.CHANGE, listing)
        or scoping.can(request.user, scoping.Action.CHANGE, demand)
    ):
        raise PermissionDenied
    form = AgreementForm(
        request.POST or None,
        initial={
            "listing": listing.pk,
            "demand": demand.pk,
            "volume_tonnes": min(listing.volume_tonnes, demand.volume_tonnes),
            "price_yuan_kg": listing.price_yuan_kg,
            "signed_on": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("volume_tonnes", "price_yuan_kg", "signed_on")}
        try:
            agreement = services.sign_agreement(user=request.user, listing=listing, demand=demand, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已签订产销协议"))
            return redirect("markets:produce_agreement_detail", pk=agreement.pk)
    return render(
        request,
        "markets/produce/agreement_form.html",
        {
            "form": form,
            "listing": listing,
            "demand": demand,
            "explanation": matching.explain_pair(listing, demand),
            "pairing": pairing_between(listing.origin, demand.region),
        },
    )


def _agreement_page(request, agreement, form=None, status=200):
    return render(
        request,
        "markets/produce/agreement_detail.html",
        {
            "agreement": agreement,
            "deliveries": queries.deliveries_for(request.user, agreement=agreement),
            "form": form or DeliveryForm(initial={"date": timezone.localdate()}),
            "can_edit": scoping.can(request.user, scoping.Action.CHANGE, agreement),
        },
        status=status,
    )


@login_required
def agreement_detail(request, pk: int):
    return _agreement_page(request, queries.agreement_for(request.user, pk))


@login_required
@require_POST
def delivery_create(request, pk: int):
    agreement = queries.agreement_for(request.user, pk, scoping.Action.CHANGE)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        try:
            services.record_delivery(user=request.user, agreement=agreement, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记交付"))
            return redirect("markets:produce_agreement_detail", pk=agreement.pk)
    return _agreement_page(request, agreement, form, status=400)
