"""Pages of 产销对接: listings and demands, recommendations with their term-by-term reasons, a plan, agreements and
deliveries. Thin: every read goes through ``queries``, every write through ``services``."""

import os
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.exports import download
from duikou.core.forms import error_text, int_or
from duikou.core.tables import import_page, template_download
from duikou.core.uploads import read_upload
from duikou.pairings.queries import pairing_between

from ..models import Certification
from ..pages import closed, form_page, initial_for, list_page, may_change, pair_page, plan_page, saved
from ..words import listed
from . import matching, queries, services, tables
from .forms import (
    AgreementForm,
    CertificationFilterForm,
    CertificationForm,
    CertificationStepForm,
    DeliveryForm,
    DemandFilterForm,
    DemandForm,
    ListingFilterForm,
    ListingForm,
    PlanForm,
)
from .workflow import WORKFLOW


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
    deliveries = queries.deliveries_for(request.user, agreement=agreement)
    return render(
        request,
        "markets/produce/agreement_detail.html",
        {
            "agreement": agreement,
            "deliveries": deliveries,
            "split": services.split_of(deliveries),
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


# --- product certification (消费帮扶产品认定) -------------------------------------------------------------------


def _certifications(request):
    form = CertificationFilterForm(request.GET or None)
    return form, queries.certifications_for(request.user, **form.filters())


@login_required
def certification_list(request):
    scoping.require(request.user, scoping.Action.VIEW)
    form, qs = _certifications(request)
    context = {"form": form, "can_change": may_change(request), "today": timezone.localdate()}
    return list_page(request, "markets/produce/certification_list.html", qs, **context)


@login_required
def certification_export(request):
    scoping.require(request.user, scoping.Action.VIEW)
    _form, qs = _certifications(request)
    filename = f"produce-certifications-{timezone.localdate():%Y%m%d}.xlsx"
    return download(tables.certification_export(qs), filename)


@login_required
def certification_template(request):
    return template_download(
        request, lambda: tables.template("certification", request.user), "produce-certifications-template.xlsx"
    )


@login_required
def certification_import(request):
    def start(*, upload, dry_run):
        data, filename = read_upload(upload), os.path.basename(upload.name or "")
        return tables.import_file("certification", user=request.user, data=data, filename=filename, dry_run=dry_run)

    context = {"kind": "certification", "columns": tables.SPECS["certification"].columns}
    return import_page(request, "markets/produce/import.html", start, context)


def _certification_save(request, cert=None):
    fields = services.CERTIFICATION_FIELDS
    if request.method == "POST":
        form = CertificationForm(request.POST, editing=cert is not None)
    else:
        initial = initial_for(cert, fields) | {"listing": cert.listing_id} if cert else {}
        form = CertificationForm(initial=initial, editing=cert is not None)

    def save(form):
        data = {k: v for k, v in form.cleaned_data.items() if k in fields}
        if data.get("listing"):
            try:
                data["listing"] = queries.listing_for(request.user, data["listing"])
            except Http404 as exc:
                raise ValidationError({"listing": _("没有编号为 %(pk)s 的产品供给") % {"pk": data["listing"]}}) from exc
        else:
            data["listing"] = None
        if cert is None:
            return services.create_certification(user=request.user, **data)
        version = form.cleaned_data.get("version") or 0
        try:
            return services.update_certification(
                certification=cert, user=request.user, expected_version=version, **data
            )
        except UserFacingError as exc:
            raise ValidationError(str(exc)) from exc

    return form_page(
        request,
        form,
        save,
        message=_("已保存"),
        detail="markets:produce_certification_detail",
        template="markets/produce/certification_form.html",
        context={"obj": cert},
    )


@login_required
def certification_create(request):
    scoping.require(request.user, scoping.Action.CHANGE)
    return _certification_save(request)


@login_required
def certification_edit(request, pk: int):
    return _certification_save(request, queries.certification_for(request.user, pk, scoping.Action.CHANGE))


@login_required
def certification_detail(request, pk: int):
    cert = queries.certification_for(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "markets/produce/certification_detail.html",
        {
            "obj": cert,
            "steps": WORKFLOW.allowed_steps(request.user, cert),
            "turn": WORKFLOW.turn(cert),
            "valid_today": cert.valid_on(today),
            "today": today,
            "can_edit": cert.status == cert.Status.DRAFT and scoping.can(request.user, scoping.Action.CHANGE, cert),
            "deliveries": queries.deliveries_for(request.user).filter(certification=cert)[:50],
            "history": history_for(request.user, cert),
        },
    )


@login_required
@require_POST
def certification_step(request, pk: int):
    cert = queries.certification_for(request.user, pk)
    form = CertificationStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求不完整或日期格式不对，请刷新页面后重试。"))
        return redirect("markets:produce_certification_detail", cert.pk)
    data = dict(form.cleaned_data)
    name, version = data.pop("step"), data.pop("version")
    if name not in WORKFLOW:
        messages.error(request, _("没有这一步骤。"))
        return redirect("markets:produce_certification_detail", cert.pk)
    try:
        services.certification_step(certification=cert, user=request.user, name=name, expected_version=version, **data)
    except (UserFacingError, StaleObjectError, ValidationError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已完成：%(step)s。") % {"step": WORKFLOW[name].label})
    return redirect("markets:produce_certification_detail", cert.pk)


def _year(request) -> int:
    year = int_or(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def reserved_share(request):
    """Each budget unit's share of certified products in its food purchases of a year, against the target."""
    scoping.require(request.user, scoping.Action.VIEW)
    year = _year(request)
    return render(
        request,
        "markets/produce/reserved.html",
        {
            "rows": queries.reserved_shares(request.user, year=year),
            "year": year,
            "target": settings.DUIKOU_CONSUMPTION_RESERVED_SHARE,
        },
    )


@login_required
def reserved_share_export(request):
    scoping.require(request.user, scoping.Action.VIEW)
    year = _year(request)
    data = tables.reserved_export(queries.reserved_shares(request.user, year=year), year)
    return download(data, f"produce-reserved-share-{year}.xlsx")
