"""产销对接 matching: listings and demands scored both ways, each score explained term by term, and the plan of
volumes with the largest total of score × tonnes."""

import math

import numpy as np
from django.db.models import Q, Sum

from duikou.accounts import scoping
from duikou.geo.models import Designation
from duikou.pairings.queries import active_pairings

from .. import engine
from ..models import Agreement, Demand, ProductListing
from ..scorers import demand_side, listing_side, produce_scorer
from .queries import demands_for, listings_for


def active_pairing_prefixes() -> list[tuple[str, str]]:
    """(old-area prefix, partner prefix) of every active pairing. The pairing list is published policy; the term
    only says whether two places are paired, so it reads the whole list whatever the user's scope."""
    return [(p.old_region.prefix, p.partner_region.prefix) for p in active_pairings()]


def assisted_counties() -> set[str]:
    return set(Designation.objects.filter(kind=Designation.Kind.ASSIST_COUNTY).values_list("region_id", flat=True))


def sides(listings, demands) -> tuple[engine.Side, engine.Side]:
    return (
        listing_side(listings, assisted=assisted_counties()),
        demand_side(demands, pairings=active_pairing_prefixes()),
    )


def explain_pair(listing: ProductListing, demand: Demand) -> dict:
    """The score of one listing and one demand, term by term (or why they cannot match)."""
    left, right = sides([listing], [demand])
    return engine.explain(produce_scorer(), left, 0, right, 0)


def _recommend(user, obj, others, k: int, *, for_listing: bool) -> list[dict]:
    """The best k of ``others`` (open demands for a listing, open listings for a demand), best first, each with its
    explanation."""
    scoping.require(user, scoping.Action.VIEW, obj)
    others = list(others.order_by("id"))
    if not others:
        return []
    scorer = produce_scorer()
    left, right = sides([obj], others) if for_listing else sides(others, [obj])
    best = engine.top_k(scorer, left, right, k)
    index, scores = (
        (best.left_index[0], best.left_score[0]) if for_listing else (best.right_index[0], best.right_score[0])
    )
    found = []
    for x, score in zip(index, scores, strict=True):
        if x == engine.NO_MATCH:
            continue
        i, j = (0, x) if for_listing else (x, 0)
        explanation = engine.explain(scorer, left, i, right, j)
        found.append(
            {"demand" if for_listing else "listing": others[x], "score": int(score) / 100, "explanation": explanation}
        )
    return found


def recommend_for_listing(user, listing: ProductListing, k: int = 10) -> list[dict]:
    """The best k open demands for a listing, best first, each with its explanation."""
    return _recommend(user, listing, demands_for(user), k, for_listing=True)


def recommend_for_demand(user, demand: Demand, k: int = 10) -> list[dict]:
    """The best k open listings for a demand, best first, each with its explanation."""
    return _recommend(user, demand, listings_for(user), k, for_listing=False)


def _agreed() -> Sum:
    return Sum("agreements__volume_tonnes", filter=~Q(agreements__status=Agreement.Status.CANCELLED))


def plan_assignment(user, *, side: str = "supply", k: int = 10, listings=None, demands=None) -> dict:
    """The volumes to place, listing by demand, with the largest total of score × tonnes.

    ``side`` "supply" plans the listings the user answers for against every open demand; "demand" the other way;
    "all" every open listing against every open demand. Capacities are whole tonnes (floor of the volume not yet
    agreed); a pair may carry as many tonnes as both sides have left.
    Only each side's top-k candidates are considered."""
    change = scoping.Action.CHANGE
    if listings is None:
        listings = listings_for(user, action=change) if side == "supply" else listings_for(user)
    if demands is None:
        demands = demands_for(user, action=change) if side == "demand" else demands_for(user)
    listings, demands = listings.annotate(committed=_agreed()), demands.annotate(committed=_agreed())
    listings, demands = list(listings.order_by("id")), list(demands.order_by("id"))
    result = {"rows": [], "total": 0.0, "tonnes": 0, "listings": len(listings), "demands": len(demands)}
    if not listings or not demands:
        return result
    scorer = produce_scorer()
    left, right = sides(listings, demands)
    best = engine.top_k(scorer, left, right, k)
    score = best.candidates()
    # what is already agreed is no longer free to place
    cap_left = np.array([math.floor(x.volume_tonnes - (x.committed or 0)) for x in listings], dtype=np.int64)
    cap_right = np.array([math.floor(x.volume_tonnes - (x.committed or 0)) for x in demands], dtype=np.int64)
    cap_left, cap_right = np.maximum(cap_left, 0), np.maximum(cap_right, 0)
    pairs = sorted(score)
    # a pair carries as many whole tonnes as both sides have left
    carry = np.array([min(cap_left[i], cap_right[j]) for i, j in pairs], dtype=np.int64)
    if not pairs or carry.sum() == 0:
        return result
    plan = engine.assign(
        np.array([i for i, _j in pairs], dtype=np.int64),
        np.array([j for _i, j in pairs], dtype=np.int64),
        np.array([score[p] for p in pairs], dtype=np.int64),
        cap_left,
        cap_right,
        pair_capacity=carry,
    )
    units = {(i, j): u for i, j, u in zip(plan.left.tolist(), plan.right.tolist(), plan.units.tolist(), strict=True)}
    rows = []
    for (i, j), count in sorted(units.items(), key=lambda item: (-score[item[0]], item[0])):
        rows.append(
            {
                "listing": listings[i],
                "demand": demands[j],
                "tonnes": count,
                "score": score[(i, j)] / 100,
                "explanation": engine.explain(scorer, left, i, right, j),
            }
        )
    return result | {
        "rows": rows,
        "total": plan.total / 100,
        "tonnes": sum(r["tonnes"] for r in rows),
    }
