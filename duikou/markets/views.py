from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from duikou.accounts import scoping

from . import queries


@login_required
def home(request):
    """The three kinds of matching, each with what the user can see of it."""
    scoping.require(request.user, scoping.Action.VIEW)
    return render(request, "markets/home.html", {"counts": queries.overview(request.user)})
