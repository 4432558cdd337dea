"""The household registry's pages: the list and its search, registering and editing a household, confirming a
pending one, its members and income records, and the imports of households, incomes and paper declarations."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core.errors import StaleObjectError
from duikou.core.exports import CSV, download
from duikou.core.forms import apply_errors, error_text
from duikou.core.listviews import page_context
from duikou.core.tables import import_page, template_download
from duikou.geo.models import Region

from . import queries, services, tables
from .forms import HouseholdEditForm, HouseholdForm, IncomeForm, MemberEditForm, MemberForm
from .models import Household, IncomeRecord

CATEGORY_FILTERS = [("-", gettext_lazy("非监测对象")), *Household.Category.choices[1:]]


@login_required
@require_http_methods(["GET", "POST"])
def household_list(request):
    """The household registry of the user's area: search by head's name or household number, by township or village,
    by category; search by ID number is a POST (the number stays out of URLs and logs) and goes through its digest."""
    params = request.GET
    qs = queries.registry(
        request.user,
        q=params.get("q", "").strip(),
        area=params.get("area", "").strip(),
        category=params.get("category", ""),
    )
    by_id = request.method == "POST"
    if by_id:
        members = queries.find_members_by_id_number(request.user, request.POST.get("id_number", ""))
        qs = qs.filter(pk__in=members.values("household_id"))
    can_add = bool(queries.villages_for(request.user, limit=1))
    context = page_context(request, qs, categories=CATEGORY_FILTERS, by_id=by_id, can_add=can_add)
    # unfiltered and nothing on the page: nothing registered in the area at all
    filtered = by_id or any(params.get(name) for name in ("q", "area", "category"))
    context["registry_empty"] = not filtered and not context["page_obj"].object_list
    return render(request, "monitoring/households.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def household_add(request):
    """Register a household of a village in the user's area (county and township editors)."""
    villages = queries.villages_for(request.user)
    if not villages:
        raise PermissionDenied
    form = HouseholdForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        village = Region.objects.select_related("parent").get(code=data["village"])
        try:
            household = services.create_household(
                user=request.user,
                township=village.parent,
                village=village,
                number=data["number"].strip(),
                head_name=data["head_name"].strip(),
                address=data["address"].strip(),
                category=data["category"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记：%(household)s") % {"household": household})
            return redirect("monitoring:household", pk=household.pk)
    return render(request, "monitoring/household_form.html", {"form": form})


CHECK_FIELDS = (*Household.CHECKS, "labour_capacity", "social_assistance", "pending")
BOOL_WORDS = {"True": gettext_lazy("是"), "False": gettext_lazy("否"), "None": gettext_lazy("尚未核实")}


def _check_history(user, household: Household) -> list[dict]:
    """Who changed which check of the household and when, newest first, from its audit history."""
    labels = {name: household._meta.get_field(name).verbose_name for name in CHECK_FIELDS}
    rows = []
    for entry in history_for(user, household):
        created = entry.action == entry.Action.CREATE
        for name, change in (entry.changes_dict or {}).items():
            if name not in labels or not isinstance(change, list | tuple) or len(change) != 2:
                continue
            if created and str(change[1]) in ("None", "False"):
                continue  # registered without it: nothing was checked yet
            before, after = (BOOL_WORDS.get(str(v), v) for v in change)
            rows.append({"entry": entry, "label": labels[name], "before": before, "after": after})
    return rows


def _incomes_by_year(household: Household) -> list[dict]:
    """The income records by year, newest first: the yearly record and the quarters and months under it."""
    years: dict[int, dict] = {}
    order = {IncomeRecord.Period.YEAR: 0, IncomeRecord.Period.QUARTER: 1, IncomeRecord.Period.MONTH: 2}
    for record in sorted(household.incomes.all(), key=lambda r: (-r.year, order[r.period_kind], r.period)):
        group = years.setdefault(record.year, {"year": record.year, "records": []})
        group["records"].append(record)
    return list(years.values())


@login_required
def household_detail(request, pk: int):
    """The household: its checks and their history, members, income records by year, visits, declarations, cases
    and departmental signals."""
    household = queries.household_for(request.user, pk)
    keeper = services.may_keep_registry(request.user, household.village)
    return render(
        request,
        "monitoring/household.html",
        {
            "household": household,
            "checks": [(household._meta.get_field(f).verbose_name, getattr(household, f)) for f in household.CHECKS],
            "check_history": _check_history(request.user, household),
            "members": queries.members_of(request.user, household),
            "income_years": _incomes_by_year(household),
            "alerts": queries.alerts_for(request.user).filter(household=household),
            "visits": queries.visits_of(request.user, household),
            "declarations": queries.declarations_of(request.user, household),
            "signals": queries.signals_of(request.user, household),
            "can_export": scoping.can(request.user, scoping.Action.APPROVE, household),
            "can_add_income": scoping.can(request.user, scoping.Action.CHANGE, household),
            "can_edit": keeper,
            "can_visit": queries.local_level(request.user)
            and scoping.can(request.user, scoping.Action.CHANGE, household),
        },
    )


def _keeper_household(request, pk: int) -> Household:
    """The household for a registry edit: 404 outside the user's area, 403 for anyone but its county and township
    editors."""
    household = queries.household_for(request.user, pk, scoping.Action.CHANGE)
    if not services.may_keep_registry(request.user, household.village):
        raise PermissionDenied
    return household


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk: int):
    """Edit a household (county and township editors of its area); a form based on a stale version is refused."""
    household = _keeper_household(request, pk)
    form = HouseholdEditForm(request.POST or None, initial=HouseholdEditForm.initial_for(household))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            household = services.update_household(
                user=request.user, household=household, expected_version=version, **data
            )
        except (ValidationError, StaleObjectError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存：%(household)s") % {"household": household})
            return redirect("monitoring:household", pk=household.pk)
    return render(request, "monitoring/household_edit.html", {"household": household, "form": form})


@login_required
@require_POST
def household_confirm(request, pk: int):
    """核实登记: a pending household (from a self-declaration) confirmed into the registry."""
    household = _keeper_household(request, pk)
    try:
        services.confirm_household(
            user=request.user, household=household, expected_version=int(request.POST.get("version") or 0)
        )
    except (ValidationError, StaleObjectError, ValueError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已核实登记：%(household)s") % {"household": household})
    return redirect("monitoring:household", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk: int):
    household = _keeper_household(request, pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.add_registry_member(user=request.user, household=household, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已添加成员：%(member)s") % {"member": member})
            return redirect(reverse("monitoring:household", args=[pk]) + "#members")
    return render(request, "monitoring/member_form.html", {"household": household, "form": form, "member": None})


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk: int, member_pk: int):
    household = _keeper_household(request, pk)
    member = scoping.get_for(request.user, queries.members_of(request.user, household), pk=member_pk)
    initial = {"name": member.name, "relation": member.relation, "version": member.version}
    form = MemberEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phone = "" if data["remove_phone"] else (data["phone"] or None)
        try:
            member = services.update_member(
                user=request.user,
                member=member,
                expected_version=data["version"],
                name=data["name"],
                relation=data["relation"],
                phone=phone,
            )
        except (ValidationError, StaleObjectError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已保存成员：%(member)s") % {"member": member})
            return redirect(reverse("monitoring:household", args=[pk]) + "#members")
    return render(request, "monitoring/member_form.html", {"household": household, "form": form, "member": member})


@login_required
def member_export(request, pk: int):
    """The members with full ID and phone numbers, for approvers in scope; recorded in the audit history."""
    household = queries.household_for(request.user, pk, scoping.Action.APPROVE)
    content = services.export_members_unmasked(user=request.user, household=household)
    return download(content, f"household-{household.pk}-members.csv", CSV)


@login_required
def income_add(request, pk: int):
    """Record a household's income and rigid expenditure of a year, a quarter or a month."""
    household = queries.household_for(request.user, pk, scoping.Action.CHANGE)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = IncomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_income(user=request.user, household=household, **form.record_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记 %(period)s收支") % {"period": record.period_label})
            return redirect(next_url or reverse("monitoring:household", args=[pk]) + "#incomes")
    return render(request, "monitoring/income_form.html", {"household": household, "form": form, "next": next_url})


# ---- imports: households with members, income records, paper declarations -----------------------------------------


def _keeper_area(request) -> None:
    """The registry's imports are for county and township editors (a city's roles are refused)."""
    if not queries.villages_for(request.user, limit=1):
        raise PermissionDenied


@login_required
def registry_template(request, kind: str, fmt: str):
    _keeper_area(request)
    if fmt == "csv":
        return download(tables.template_csv(kind, request.user), f"{kind}-template.csv", CSV)
    return template_download(request, lambda: tables.template_xlsx(kind, request.user), f"{kind}-template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def registry_import(request, kind: str):
    """Upload a file of households, incomes or paper declarations: a dry run or the import, as a background job."""
    _keeper_area(request)
    start = partial(tables.start_import, kind=kind, user=request.user, next_url=reverse("monitoring:households"))
    context = {
        "kind": kind,
        "noun": tables.NOUNS[kind],
        "columns": tables.COLUMNS[kind],
        "rules": tables.RULES[kind],
        "villages": queries.villages_for(request.user, limit=200),
        "template_url": reverse("monitoring:registry_template", args=[kind, "xlsx"]),
        "template_csv_url": reverse("monitoring:registry_template", args=[kind, "csv"]),
    }
    return import_page(request, "monitoring/registry_import.html", start, context)
