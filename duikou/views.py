"""The home page: what the signed-in user's area holds, across the apps; and the overseers' cockpit."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from duikou import cockpit as cockpit_queries
from duikou.accounts import scoping
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


@login_required
def cockpit(request):
    """Where the pairings the overseer answers for stand in a year: one printable page (national and province users;
    others are refused by the scoping layer's ``oversees``)."""
    if not scoping.oversees(request.user):
        return render(request, "cockpit_refused.html", status=403)
    years = cockpit_queries.years()
    asked = request.GET.get("year", "")
    year = int(asked) if asked.isdigit() and int(asked) in years else years[0]
    data = cockpit_queries.cockpit_for(request.user, year)
    bad_year = bool(asked) and asked != str(year)
    return render(request, "cockpit.html", {"c": data, "years": years, "asked_bad_year": bad_year})
