"""Pages of the pairing recommendation: data sources and their import, city profiles, economic ties, the ranking of
candidates for an old-area city or county (with its .xlsx export), the review of a pairing and the assignment."""

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.exports import xlsx_response
from duikou.core.uploads import read_upload
from duikou.core.views import paginate
from duikou.geo.models import Region
from duikou.pairings import queries as pairing_queries

from . import matching, queries, services, tables
from .forms import ImportForm, TieForm

SESSION_UPLOAD_MB = 2  # the checked file waits in the session for the confirmation: less than other uploads
SESSION_KEY = "recommend_import"


def _ranking_region(request) -> Region | None:
    code = (request.GET.get("county") or "").strip() or (request.GET.get("region") or "").strip()
    if not code:
        return None
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None or not matching.is_old_area(region):
        raise Http404("not an old-area city or county")
    return region


@login_required
def sources(request):
    qs = queries.sources_for(request.user)
    return render(
        request,
        "markets/recommend/sources.html",
        {"sources": qs, "can_import": services.may_import(request.user)},
    )


@login_required
def source_import(request):
    if not services.may_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and request.POST.get("confirm"):
        stash = request.session.get(SESSION_KEY)
        if not stash or stash.get("sm3") != request.POST["confirm"]:
            messages.error(request, _("试导入已过期，请重新上传文件"))
            return redirect("markets:recommend_import")
        data = base64.b64decode(stash["data"])
        result = services.import_file(user=request.user, data=data, dry_run=False, **stash["meta"])
        del request.session[SESSION_KEY]
        if result.ok:
            messages.success(request, _("已导入"))
            return redirect("markets:recommend_sources")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        meta = {k: form.cleaned_data[k] for k in ("kind", "name", "publisher", "official", "note")}
        meta["filename"] = upload.name
        try:
            data = read_upload(upload, limit_mb=SESSION_UPLOAD_MB)
            result = services.import_file(user=request.user, data=data, dry_run=True, **meta)
        except UserFacingError as exc:
            form.add_error("file", str(exc))
        else:
            if result.ok:
                request.session[SESSION_KEY] = {
                    "sm3": result.sm3,
                    "data": base64.b64encode(data).decode(),
                    "meta": meta,
                }
    return render(
        request,
        "markets/recommend/import.html",
        {"form": form, "result": result, "kinds": tables.KINDS, "industries": tables.INDUSTRIES},
    )


@login_required
def profiles(request):
    q = (request.GET.get("q") or "").strip()
    official = request.GET.get("official")
    qs = queries.profiles_for(request.user, q=q, official=official == "1" if official in ("1", "0") else None)
    page, querystring = paginate(request, qs, settings.PAGE_SIZE)
    return render(
        request,
        "markets/recommend/profiles.html",
        {"page_obj": page, "querystring": querystring, "q": q, "official": official},
    )


@login_required
def ties(request):
    page, querystring = paginate(request, queries.ties_for(request.user), settings.PAGE_SIZE)
    return render(
        request,
        "markets/recommend/ties.html",
        {"page_obj": page, "querystring": querystring, "can_change": scoping.may(request.user, scoping.Action.CHANGE)},
    )


@login_required
def tie_create(request):
    scoping.require(request.user, scoping.Action.CHANGE)
    form = TieForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_tie(user=request.user, **form.cleaned_data)
        except PermissionDenied:
            form.add_error(None, _("只能录入本方（老区一方或候选城市一方）参与的经济联系"))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已录入经济联系"))
            return redirect("markets:recommend_ties")
    return render(request, "markets/recommend/tie_form.html", {"form": form})


def _rank(request, k: int):
    region = _ranking_region(request)
    ranking, error = None, ""
    if region is not None:
        try:
            ranking = matching.rank_candidates(request.user, region, k)
        except matching.NoProfile as exc:
            error = _("%(city)s 没有城市概况数据，无法计算产业结构互补") % {"city": exc}
    return region, ranking, error


@login_required
def rank(request):
    scoping.require(request.user, scoping.Action.VIEW)
    region, ranking, error = _rank(request, 10)
    return render(
        request,
        "markets/recommend/rank.html",
        {"cities": matching.old_area_regions(request.user), "region": region, "ranking": ranking, "error": error},
    )


@login_required
def rank_export(request):
    scoping.require(request.user, scoping.Action.VIEW)
    region, ranking, error = _rank(request, 0)
    if ranking is None:
        raise Http404(error or "choose a region")
    header = [str(_("老区城市或县")), str(_("名次")), str(_("候选城市")), str(_("得分"))]
    terms = ranking.rows[0]["terms"] if ranking.rows else []
    for t in terms:
        header += [
            str(_("%(term)s（%(weight)s）") % {"term": t["label"], "weight": t["weight"]}),
            str(_("取值")),
            str(_("说明")),
        ]
    rows = []
    for r in ranking.rows:
        line = [ranking.old.region.name, r["rank"], r["candidate"].name, r["score"]]
        for t in r["terms"]:
            line += [t["points"], t["value"], t["reason"]]
        rows.append(line)
    return xlsx_response(f"pairing-ranking-{region.code}.xlsx", str(_("结对推荐")), header, rows)


@login_required
def review(request, pk: int):
    pairing = pairing_queries.pairing_for(request.user, pk)
    try:
        result = matching.review_pairing(request.user, pairing)
    except matching.NoProfile as exc:
        return render(request, "markets/recommend/review.html", {"pairing": pairing, "error": str(exc)})
    return render(request, "markets/recommend/review.html", {"pairing": pairing, "review": result})


@login_required
def assign(request):
    scoping.require(request.user, scoping.Action.VIEW)
    cities = matching.old_area_regions(request.user)
    chosen = request.GET.getlist("regions")
    try:
        cap = max(1, min(int(request.GET.get("cap") or 1), 10))
    except ValueError:
        cap = 1
    result, error = None, ""
    if chosen:
        regions = [c for c in cities if c.code in chosen]
        try:
            result = matching.optimal_assignment(request.user, regions, cap)
        except matching.NoProfile as exc:
            error = _("%(city)s 没有城市概况数据") % {"city": exc}
    return render(
        request,
        "markets/recommend/assign.html",
        {"cities": cities, "chosen": chosen, "cap": cap, "result": result, "error": error},
    )
