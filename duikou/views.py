"""The home page: what the signed-in user's area holds, across the apps."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from duikou.pairings.queries import pairings_for


@login_required
def home(request):
    pairings = pairings_for(request.user)
    return render(
        request,
        "home.html",
        {
            "pairing_count": pairings.count(),
            "old_region_count": pairings.values("old_region").distinct().count(),
            "partner_count": pairings.values("partner_region").distinct().count(),
        },
    )
