from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render

from duikou.accounts import scoping
from duikou.core.listviews import render_list
from duikou.pairings.queries import pairings_for

from . import queries
from .models import Region


@login_required
def region_list(request):
    q = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    if level not in Region.Level.values:
        level = ""
    parent = "" if (q or level) else None
    qs = queries.regions_for(request.user, q=q, level=level)
    if parent is None:
        qs = qs.filter(level=Region.Level.PROVINCE)
    return render_list(request, "geo/region_list.html", qs, q=q, level=level, levels=Region.Level.choices)


@login_required
def region_detail(request, code: str):
    region = scoping.get_for(request.user, Region.objects.select_related("parent"), code=code)
    children = queries.regions_for(request.user, parent=region.code)
    pairings = pairings_for(request.user, status="").filter(
        Q(old_region__code__startswith=region.prefix) | Q(partner_region__code__startswith=region.prefix)
    )
    return render_list(
        request,
        "geo/region_detail.html",
        children,
        per_page=100,
        region=region,
        ancestors=region.ancestors(),
        pairings=pairings,
        designations=queries.designations_for(request.user, region),
        old_areas=region.old_areas.all(),
    )


@login_required
def old_area_list(request):
    return render(request, "geo/old_area_list.html", {"old_areas": queries.old_areas_for(request.user)})
