"""Pages of 产销对接: listings and demands, recommendations with their term-by-term reasons, a plan, agreements and
deliveries. Thin: every read goes through ``queries``, every write through ``services``."""

import os
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.core.exports import download
from duikou.core.forms import int_or
from duikou.core.tables import import_page, template_download
from duikou.core.uploads import read_upload
from duikou.pairings.queries import pairing_between

from ..models import Certification
from ..pages import closed, form_page, initial_for, list_page, may_change, pair_page, plan_page, saved
from ..words import listed
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


class Kind(NamedTuple):
    """What differs between the listing and the demand pages."""

    form: type
    filter_form: type
    fields: tuple[str, ...]
    rows: Callable  # the scoped list (queries.listings_for, queries.demands_for)
    one: Callable  # one scoped object (queries.listing_for, queries.demand_for)
    certifications: str  # the field holding its certification codes
    recommended: Callable  # the other side ranked for it


KINDS = {
    "listing": Kind(
        ListingForm,
        ListingFilterForm,
        services.LISTING_FIELDS,
        queries.listings_for,
        queries.listing_for,
        "certifications",
        matching.recommend_for_listing,
    ),
    "demand": Kind(
        DemandForm,
        DemandFilterForm,
        services.DEMAND_FIELDS,
        queries.demands_for,
        queries.demand_for,
        "certifications_required",
        matching.recommend_for_demand,
    ),
}


def _filtered(request, kind: str):
    form = KINDS[kind].filter_form(request.GET or None)
    return form, KINDS[kind].rows(request.user, **form.filters())


@login_required
def object_list(request, kind: str):
    form, qs = _filtered(request, kind)
    return list_page(request, f"markets/produce/{kind}_list.html", qs, form=form, can_change=may_change(request))


@login_required
def export(request, kind: str):
    _form, qs = _filtered(request, kind)
    return download(tables.export_bytes(kind, qs), f"produce-{kind}s-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def template(request, kind: str):
    return template_download(request, lambda: tables.template(kind, request.user), f"produce-{kind}s-template.xlsx")


@login_required
def import_table(request, kind: str):
    def start(*, upload, dry_run):
        data, filename = read_upload(upload), os.path.basename(upload.name or "")
        return tables.import_file(kind, user=request.user, data=data, filename=filename, dry_run=dry_run)

    context = {"kind": kind, "columns": tables.SPECS[kind].columns}
    return import_page(request, "markets/produce/import.html", start, context)


def _save(request, kind: str, obj=None):
    spec = KINDS[kind]
    if request.method == "POST":
        form = spec.form(request.POST, editing=obj is not None)
    else:
        form = spec.form(initial=initial_for(obj, spec.fields) if obj else {}, editing=obj is not None)

    def save(form):
        data = {k: v for k, v in form.cleaned_data.items() if k in spec.fields}
        if obj is None:
            return getattr(services, f"create_{kind}")(user=request.user, **data)
        version = form.cleaned_data.get("version") or 0
        return getattr(services, f"update_{kind}")(user=request.user, expected_version=version, **{kind: obj}, **data)

    detail, context = f"markets:produce_{kind}_detail", {"kind": kind, "obj": obj}
    return form_page(
        request, form, save, message=_("已保存"), detail=detail, template="markets/produce/form.html", context=context
    )


@login_required
def create(request, kind: str):
    scoping.require(request.user, scoping.Action.CHANGE)
    return _save(request, kind)


@login_required
def edit(request, kind: str, pk: int):
    return _save(request, kind, KINDS[kind].one(request.user, pk, scoping.Action.CHANGE))


@login_required
@require_POST
def close(request, kind: str, pk: int):
    obj = KINDS[kind].one(request.user, pk, scoping.Action.CHANGE)
    close = partial(getattr(services, f"close_{kind}"), user=request.user, expected_version=obj.version, **{kind: obj})
    return closed(request, close, _("已关闭"), f"markets:produce_{kind}_detail", obj.pk)


def _labels(codes) -> str:
    return listed(Certification(c).label for c in codes if c in Certification.values)


def _with_sign(user, rows: list[dict], own: bool, other: str) -> list[dict]:
    """Marks the recommendations the user may sign an agreement from: one side of the pair must be theirs."""
    may = scoping.may(user, scoping.Action.CHANGE)
    for row in rows:
        row["can_sign"] = may and (own or scoping.can(user, scoping.Action.CHANGE, row[other]))
    return rows


@login_required
def detail(request, kind: str, pk: int):
    """A listing's or a demand's page: what it is, the other side ranked for it, its agreements."""
    obj = KINDS[kind].one(request.user, pk)
    can_edit = scoping.can(request.user, scoping.Action.CHANGE, obj)
    other = "demand" if kind == "listing" else "listing"
    return render(
        request,
        "markets/produce/detail.html",
        {
            "kind": kind,
            "obj": obj,
            "certs": _labels(getattr(obj, KINDS[kind].certifications)),
            "rows": _with_sign(request.user, KINDS[kind].recommended(request.user, obj), can_edit, other),
            "agreements": queries.agreements_for(request.user, **{kind: obj}),
            "can_edit": can_edit,
        },
    )


@login_required
def plan(request):
    def make(data):
        return matching.plan_assignment(request.user, side=data["side"], k=data["k"])

    return plan_page(request, PlanForm, "markets/produce/plan.html", make)


@login_required
def agreement_list(request):
    qs = queries.agreements_for(
        request.user, status=request.GET.get("status", ""), pairing=int_or(request.GET.get("pairing"))
    )
    return list_page(request, "markets/produce/agreement_list.html", qs)


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

    def sign(form):
        data = {k: form.cleaned_data[k] for k in ("volume_tonnes", "price_yuan_kg", "signed_on")}
        return services.sign_agreement(user=request.user, listing=listing, demand=demand, **data)

    sides = {"listing": listing, "demand": demand}
    explanation, pairing = matching.explain_pair(listing, demand), pairing_between(listing.origin, demand.region)
    return pair_page(
        request,
        form,
        sign,
        sides,
        explanation,
        pairing,
        message=_("已签订产销协议"),
        detail="markets:produce_agreement_detail",
        template="markets/produce/agreement_form.html",
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
        record = partial(services.record_delivery, user=request.user, agreement=agreement, **form.cleaned_data)
        done = saved(request, form, record, _("已登记交付"), "markets:produce_agreement_detail", agreement.pk)
        if done:
            return done
    return _agreement_page(request, agreement, form, status=400)
