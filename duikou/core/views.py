from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render

from duikou.pairings.queries import pairings_for


@login_required
def home(request):
    pairings = pairings_for(request.user)
    return render(
        request,
        "core/home.html",
        {
            "pairing_count": pairings.count(),
            "old_region_count": pairings.values("old_region").distinct().count(),
            "partner_count": pairings.values("partner_region").distinct().count(),
        },
    )


def healthz(request):
    return JsonResponse({"status": "ok"})


def paginate(request, queryset, per_page: int = 50):
    """The page of ``queryset`` asked for, and the query string to keep filters across pages."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
