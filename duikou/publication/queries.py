"""Scoped reads for the staff pages: what is published of the pairings a user answers for, and an item to publish."""

from django.db.models import Model, QuerySet
from django.http import Http404

from duikou.accounts import scoping
from duikou.core.querysets import filter_given
from duikou.indicators.models import Report
from duikou.pairings.queries import pairing_for
from duikou.plans.queries import plan_for
from duikou.projects.queries import project_for

from .models import Publication


def publications_for(user, *, kind: str = "", status: str = "", pairing: int | None = None) -> QuerySet[Publication]:
    """Every publication of the user's pairings, open and withdrawn (the decisions' history), newest first."""
    qs = scoping.scope(user, Publication).select_related(
        "pairing__old_region",
        "pairing__partner_region",
        "plan",
        "project",
        "report__dataset",
        "published_by__organisation",
        "withdrawn_by__organisation",
    )
    return filter_given(qs, kind=kind, status=status, pairing_id=pairing).order_by("-published_at", "-pk")


def item_for(user, kind: str, pk: int) -> Model:
    """The item of ``kind`` a publish or withdraw request names, read through the scoping layer (404 outside it)."""
    if kind == Publication.Kind.PLAN:
        return plan_for(user, pk)
    if kind == Publication.Kind.PROJECT:
        return project_for(user, pk)
    if kind == Publication.Kind.REPORT:
        return scoping.get_for(user, Report.objects.select_related("pairing", "dataset"), pk=pk)
    if kind == Publication.Kind.PAIRING:
        return pairing_for(user, pk)
    raise Http404("no such kind of item")
