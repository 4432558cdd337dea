"""Scoped reads of schemes, reviews, runs, results and scores (every one through the scoping layer).

Who sees what is decided in ``apps.owner_q`` / ``apps.outcome_q``: schemes and runs by level (a national
scheme is read by everyone signed in, a province scheme inside its province); results and scores by pairing —
a province sees its cities at once, a city its own scores before publication only when the scheme says so,
and after publication everyone who reads the run sees the ranking, but explanations only of their own pairings.
"""

from django.db.models import QuerySet

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search
from duikou.pairings.models import Pairing

from .models import Item, Result, Review, Run, Scheme, Score, ranking_order


def schemes_for(
    user, *, year: int | None = None, level: str = "", q: str = "", action: scoping.Action = scoping.Action.VIEW
) -> QuerySet[Scheme]:
    qs = scoping.scope(user, Scheme, action).select_related("province", "copied_from")
    qs = filter_given(qs, year=year, level=level)
    return search(qs, q, "name__contains", "province__name__contains").order_by("-year", "level", "province__code")


def scheme_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Scheme:
    return scoping.get_for(user, Scheme.objects.select_related("province", "copied_from"), action, pk=pk)


def items_for(user, scheme: Scheme) -> QuerySet[Item]:
    return (
        scoping.scope(user, Item)
        .filter(scheme=scheme)
        .select_related("key_task", "indicator", "clause")
        .order_by("order", "pk")
    )


def item_for(user, scheme: Scheme, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Item:
    return scoping.get_for(user, Item.objects.filter(scheme=scheme).select_related("scheme"), action, pk=pk)


def reviews_for(user, scheme: Scheme, *, reviewer=None) -> QuerySet[Review]:
    """The working papers of the qualitative review: only for those who keep the scheme."""
    qs = scoping.scope(user, Review).filter(item__scheme=scheme).select_related("item", "pairing", "reviewer")
    if reviewer is not None:
        qs = qs.filter(reviewer=reviewer)
    return qs


def runs_for(user, *, scheme: Scheme | None = None, status: str = "") -> QuerySet[Run]:
    qs = scoping.scope(user, Run).select_related("scheme__province", "job", "started_by", "published_by")
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    return filter_given(qs, status=status).order_by("scheme__year", "scheme_id", "-number")


def run_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Run:
    return scoping.get_for(
        user, Run.objects.select_related("scheme__province", "job", "started_by", "published_by"), action, pk=pk
    )


def results_for(user, run: Run) -> QuerySet[Result]:
    """The ranking as far as the user may see it; the pairings with no report due (unranked) last."""
    return (
        scoping.scope(user, Result)
        .filter(run=run)
        .select_related("pairing__old_region", "pairing__partner_region", "pairing__old_area")
        .order_by(*ranking_order())
    )


def result_for(user, run: Run, pairing_pk: int) -> Result:
    return scoping.get_for(
        user,
        Result.objects.filter(run=run).select_related("pairing__old_region", "pairing__partner_region"),
        pairing_id=pairing_pk,
    )


def scores_for(user, run: Run, pairing: Pairing | int | None = None) -> QuerySet[Score]:
    """Scores with their explanations: a pairing's own, its province's and the overseer's to read."""
    qs = scoping.scope(user, Score).filter(run=run).select_related("item__key_task", "item__indicator", "pairing")
    if pairing is not None:
        qs = qs.filter(pairing=pairing)
    return qs.order_by("pairing__code", "item__order", "item_id")


def explained_pairings(user, run: Run) -> set[int]:
    """The pairings of the run whose explanations the user may open."""
    return set(scoping.scope(user, Score).filter(run=run).values_list("pairing_id", flat=True).distinct())
