"""Pages of 劳务协作: postings and seekers (lists, forms, imports, exports), matches both ways with the term-by-term
explanation, placements with their follow-ups, the follow-ups due, and the placement plan."""

from collections.abc import Callable
from functools import partial
from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.audit.queries import history_for
from duikou.core import pii
from duikou.core.exports import download
from duikou.core.tables import import_page, template_download
from duikou.core.views import paginate
from duikou.pairings.queries import pairing_between

from ..models import JobSeeker, ListingStatus, Placement
from ..pages import closed, form_page, initial_for, list_page, may_change, pair_page, plan_page, saved
from . import matching, queries, services, tables
from .forms import (
    FollowUpForm,
    PlacementForm,
    PlanForm,
    PostingFilterForm,
    PostingForm,
    SeekerFilterForm,
    SeekerForm,
    SeekerIdSearchForm,
)

MATCHES_SHOWN = 10


# --- postings ---------------------------------------------------------------------------------------------------


@login_required
def posting_list(request):
    form = PostingFilterForm(request.GET or None)
    qs = queries.postings_for(request.user, **form.filters())
    return list_page(request, "markets/labour/posting_list.html", qs, form=form, can_change=may_change(request))


def _form_data(form) -> dict:
    """The form's values for the service, without the version the edit was based on."""
    data = dict(form.cleaned_data)
    data.pop("version", None)
    return data


def _seeker_data(form) -> dict:
    data = _form_data(form)
    data["phone"] = data["phone"] or None  # blank keeps the stored number
    return data


class Kind(NamedTuple):
    """What differs between the posting and the seeker forms."""

    form: type
    one: Callable  # one scoped object (queries.posting_for, queries.seeker_for)
    create: Callable
    created: str  # what the page says when one is added
    update: Callable
    fields: tuple[str, ...]  # what an edit starts from
    data: Callable  # the form's values for the service


KINDS = {
    "posting": Kind(
        PostingForm,
        queries.posting_for,
        services.create_posting,
        gettext_lazy("已发布岗位"),
        services.update_posting,
        services.POSTING_FIELDS,
        _form_data,
    ),
    "seeker": Kind(
        SeekerForm,
        queries.seeker_for,
        services.register_seeker,
        gettext_lazy("已登记求职者"),
        services.update_seeker,
        ("name", "occupations", "skills", "trainings", "preferred_regions", "expected_wage", "needs_housing"),
        _seeker_data,
    ),
}


@login_required
def create(request, kind: str):
    """A new posting's or seeker's page."""
    scoping.require(request.user, scoping.Action.CHANGE)
    form = KINDS[kind].form(request.POST or None)

    def save(form):
        return KINDS[kind].create(user=request.user, **_form_data(form))

    return _form_page(request, kind, form, save, KINDS[kind].created, None)


@login_required
def edit(request, kind: str, pk: int):
    """A posting's or seeker's edit page: the form from the stored values, saved with the version the edit was
    based on."""
    spec = KINDS[kind]
    obj = spec.one(request.user, pk, scoping.Action.CHANGE)
    if request.method == "POST":
        form = spec.form(request.POST, editing=True)
    else:
        form = spec.form(initial=initial_for(obj, spec.fields), editing=True)

    def save(form):
        version = form.cleaned_data.get("version") or 0
        return spec.update(user=request.user, expected_version=version, **{kind: obj}, **spec.data(form))

    return _form_page(request, kind, form, save, _("已保存"), obj)


def _form_page(request, kind: str, form, save, message: str, obj):
    detail, template = f"markets:labour_{kind}_detail", f"markets/labour/{kind}_form.html"
    return form_page(request, form, save, message=message, detail=detail, template=template, context={kind: obj})


@login_required
def posting_detail(request, pk: int):
    posting = queries.posting_for(request.user, pk)
    matches = matching.matches_for_posting(request.user, posting, k=MATCHES_SHOWN)
    return render(
        request,
        "markets/labour/posting_detail.html",
        {
            "posting": posting,
            "remaining": queries.remaining(posting),
            "skills_text": matching.skill_labels(posting.skills),
            "matches": matches,
            "placements": matching.label_seekers(
                request.user, queries.placements_for(request.user).filter(posting=posting)
            ),
            "history": history_for(request.user, posting),
            "can_edit": scoping.can(request.user, scoping.Action.CHANGE, posting),
            "can_place": scoping.may(request.user, scoping.Action.CHANGE) and posting.status == ListingStatus.OPEN,
        },
    )


@login_required
@require_POST
def posting_close(request, pk: int):
    posting = queries.posting_for(request.user, pk, scoping.Action.CHANGE)
    version = request.POST.get("version", "")
    close = partial(
        services.close_posting,
        user=request.user,
        posting=posting,
        expected_version=int(version) if version.isdigit() else 0,
    )
    return closed(request, close, _("岗位已关闭"), "markets:labour_posting_detail", posting.pk)


# --- job seekers ------------------------------------------------------------------------------------------------


@login_required
def seeker_list(request):
    """The seekers, filtered by the query string; a search by ID number is posted (the number must never stand in
    a URL, which access logs and browser histories keep), and its answer is not cached."""
    if request.method == "POST":
        return _seeker_id_search(request)
    form = SeekerFilterForm(request.GET or None)
    filters = form.filters()
    # the page's links carry the known filters only, never whatever else the address held
    known = {k: v for k, v in filters.items() if v}
    if pii.looks_like_id_number(request.GET.get("q", "")):
        messages.error(request, _("身份证号不能作为网址中的查询条件，请在“按身份证号查找”框中输入"))
        known.pop("q", None)
        return redirect(f"{reverse('markets:labour_seekers')}?{urlencode(known)}")
    page, _params = paginate(request, queries.find_seekers(request.user, **filters), settings.PAGE_SIZE)
    querystring = urlencode(known)
    return _seeker_page(request, form, SeekerIdSearchForm(), page, querystring)


def _seeker_id_search(request):
    id_form = SeekerIdSearchForm(request.POST)
    found = []
    if id_form.is_valid():
        found = list(queries.find_seekers(request.user, id_number=id_form.cleaned_data["id_number"])[:10])
    else:
        messages.error(request, _("请输入要查找的身份证号"))
    # the number is not written back into the page: the answer names the seeker by name and masked number only
    response = _seeker_page(request, SeekerFilterForm(), SeekerIdSearchForm(), found, "", id_search=True)
    add_never_cache_headers(response)
    return response


def _seeker_page(request, form, id_form, page, querystring, *, id_search=False):
    for seeker in page:
        seeker.skills_text = matching.skill_labels(
            seeker.skills + [t for t in seeker.trainings if t not in seeker.skills]
        )
    context = {"form": form, "id_form": id_form, "id_search": id_search, "can_change": may_change(request)}
    return render(request, "markets/labour/seeker_list.html", {"page_obj": page, "querystring": querystring, **context})


@login_required
def seeker_detail(request, pk: int):
    seeker = queries.seeker_for(request.user, pk)
    can_edit = scoping.can(request.user, scoping.Action.CHANGE, seeker)
    return render(
        request,
        "markets/labour/seeker_detail.html",
        {
            "seeker": seeker,
            "occupations_text": matching.occupation_labels(seeker.occupations) if seeker.occupations else _("不限"),
            "skills_text": matching.skill_labels(seeker.skills),
            "trainings_text": matching.skill_labels(seeker.trainings),
            "matches": matching.matches_for_seeker(request.user, seeker, k=MATCHES_SHOWN),
            "placements": queries.placements_for(request.user).filter(seeker=seeker),
            "history": history_for(request.user, seeker),
            "can_edit": can_edit,
            "can_place": can_edit and seeker.status == JobSeeker.Status.SEEKING,
        },
    )


# --- imports and exports ----------------------------------------------------------------------------------------


EXPORTS = {"posting": (PostingFilterForm, queries.postings_for), "seeker": (SeekerFilterForm, queries.find_seekers)}


@login_required
def import_table(request, kind: str):
    list_url = reverse(f"markets:labour_{kind}s")
    start = partial(tables.start_import, kind=f"{kind}s", user=request.user, next_url=list_url)
    context = {
        "noun": tables.SPECS[f"{kind}s"].noun,
        "columns": tables.SPECS[f"{kind}s"].columns,
        "template_url": reverse(f"markets:labour_{kind}_template"),
        "list_url": list_url,
    }
    return import_page(request, "markets/labour/import.html", start, context)


@login_required
def template(request, kind: str):
    make = partial(tables.template_bytes, f"{kind}s", request.user)
    return template_download(request, make, f"labour-{kind}s-template.xlsx")


@login_required
def export(request, kind: str):
    filter_form, rows = EXPORTS[kind]
    qs = rows(request.user, **filter_form(request.GET or None).filters())
    return download(tables.export_bytes(f"{kind}s", qs), tables.export_name(f"{kind}s"))


# --- placements and follow-ups ----------------------------------------------------------------------------------


@login_required
def placement_create(request, seeker: int, posting: int):
    """Record a placement from a match row: the seeker's side confirms the start date and the wage."""
    seeker_obj = queries.seeker_for(request.user, seeker, scoping.Action.CHANGE)
    posting_obj = queries.posting_for(request.user, posting)
    form = PlacementForm(request.POST or None, initial={"wage": posting_obj.wage_min})

    def place(form):
        return services.record_placement(user=request.user, seeker=seeker_obj, posting=posting_obj, **form.cleaned_data)

    sides = {"seeker": seeker_obj, "posting": posting_obj}
    explanation, pairing = (
        matching.explain_pair(seeker_obj, posting_obj),
        pairing_between(seeker_obj.home, posting_obj.region),
    )
    return pair_page(
        request,
        form,
        place,
        sides,
        explanation,
        pairing,
        message=_("已记录就业安置，并计入结对关系的劳务协作活动"),
        detail="markets:labour_placement_detail",
        template="markets/labour/placement_form.html",
    )


@login_required
def placement_list(request):
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()[:100]
    qs = queries.placements_for(request.user, status=status if status in Placement.Status.values else "", q=q)
    context = {"status": status, "q": q, "statuses": Placement.Status.choices}
    return list_page(request, "markets/labour/placement_list.html", qs, **context)


@login_required
def placement_detail(request, pk: int):
    placement = queries.placement_for(request.user, pk)
    visible = scoping.can(request.user, scoping.Action.VIEW, placement.seeker)
    return render(
        request,
        "markets/labour/placement_detail.html",
        {
            "placement": placement,
            "seeker_visible": visible,
            "seeker_name": placement.seeker.name if visible else pii.mask_name(placement.seeker.name),
            "followups": scoping.scope(request.user, placement.followups.all()).order_by("months"),
            # the history names the seeker: only for those who may read the seeker's record
            "history": history_for(request.user, placement) if visible else [],
            "can_edit": scoping.can(request.user, scoping.Action.CHANGE, placement),
            "today": timezone.localdate(),
        },
    )


@login_required
def followup_list(request):
    overdue_only = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    qs = queries.followups_due(request.user, today=today, overdue_only=overdue_only)
    return list_page(request, "markets/labour/followup_list.html", qs, today=today, overdue_only=overdue_only)


@login_required
def followup_record(request, pk: int):
    followup = queries.followup_for(request.user, pk, scoping.Action.CHANGE)
    form = FollowUpForm(
        request.POST or None,
        initial={"version": followup.version, "wage": followup.placement.wage, "still_employed": "yes"},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        record = partial(
            services.record_followup, user=request.user, followup=followup, expected_version=data.pop("version"), **data
        )
        done = saved(request, form, record, _("已记录回访"), "markets:labour_placement_detail", followup.placement_id)
        if done:
            return done
    return render(request, "markets/labour/followup_form.html", {"form": form, "followup": followup})


@login_required
def plan(request):
    """The placement plan with the largest total score for the seekers the user answers for."""

    def make(data):
        postings = None
        if data.get("city"):
            postings = queries.open_postings(request.user).filter(region__code__startswith=data["city"][:4])
        return matching.plan_assignment(request.user, k=data.get("k") or 10, postings=postings)

    return plan_page(request, PlanForm, "markets/labour/plan.html", make, "plan")
