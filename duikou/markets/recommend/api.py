"""API of the pairing recommendation (/api/markets/recommend; the old /api/markets/pairing-review paths answer 308
here, ``markets/redirects.py``): data sources, city profiles, economic ties, the ranking of candidates for an
old-area city or county, the review of a pairing and the optimal assignment — scoped like the pages."""

import datetime
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import Field

from duikou.accounts import scoping
from duikou.core.pagination import Pages
from duikou.geo.models import Region
from duikou.pairings import queries as pairing_queries

from . import matching, queries
from .services import create_tie

router = Router(tags=["markets-recommend"])


class SourceOut(Schema):
    id: int
    name: str
    publisher: str
    official: bool
    file_name: str
    sm3: str
    note: str
    imported_at: datetime.datetime


class ProfileOut(Schema):
    region: str
    name: str
    year: int
    primary_share: float
    secondary_share: float
    tertiary_share: float
    industries: list[str]
    source_id: int
    official: bool

    @staticmethod
    def resolve_region(obj):
        return obj.region_id

    @staticmethod
    def resolve_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_official(obj):
        return obj.source.official


class TieOut(Schema):
    id: int
    old_region: str
    partner_region: str
    kind: str
    strength: int
    description: str
    source_id: int | None

    @staticmethod
    def resolve_old_region(obj):
        return obj.old_region_id

    @staticmethod
    def resolve_partner_region(obj):
        return obj.partner_region_id


class TieIn(Schema):
    old_region: str
    partner_region: str
    kind: str
    strength: int
    description: str


class AssignIn(Schema):
    regions: list[str]
    cap: int = 1


def _term_rows(terms):
    return [{k: t[k] for k in ("key", "label", "weight", "value", "points", "reason")} for t in terms]


def _ranking(ranking: matching.Ranking) -> dict:
    old = ranking.old
    return {
        "region": old.region.code,
        "city": old.city.code,
        "note": old.note,
        "named_industries": list(old.named),
        "named_sources": list(old.named_sources),
        "candidates": ranking.candidates,
        "sources": [{"id": s.pk, "name": s.name, "official": s.official, "sm3": s.sm3} for s in ranking.sources],
        "rows": [
            {
                "rank": r["rank"],
                "candidate": r["candidate"].code,
                "name": r["candidate"].name,
                "score": r["score"],
                "current": r["current"],
                "terms": _term_rows(r["terms"]),
            }
            for r in ranking.rows
        ],
    }


def _old_region(code: str) -> Region:
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None or not matching.is_old_area(region):
        raise Http404("not an old-area city or county")
    return region


@router.get("/sources", response=list[SourceOut])
def recommend_sources(request):
    return queries.sources_for(request.user)


@router.get("/profiles", response=list[ProfileOut])
@paginate(Pages, page_size=100)
def recommend_profiles(request, q: str = "", official: bool | None = None):
    return queries.profiles_for(request.user, q=q, official=official)


@router.get("/ties", response=list[TieOut])
@paginate(Pages, page_size=100)
def recommend_ties(request):
    return queries.ties_for(request.user)


@router.post("/ties", response={201: TieOut})
def recommend_add_tie(request, payload: TieIn):
    scoping.require(request.user, scoping.Action.CHANGE)
    regions = {r.code: r for r in Region.objects.filter(code__in=[payload.old_region, payload.partner_region])}
    if payload.old_region not in regions or payload.partner_region not in regions:
        raise HttpError(422, _("区划代码不存在"))
    if not matching.is_old_area(regions[payload.old_region]):
        raise HttpError(422, _("老区一方不是革命老区重点城市或其所辖县"))
    values = payload.dict() | {
        "old_region": regions[payload.old_region],
        "partner_region": regions[payload.partner_region],
    }
    return Status(201, create_tie(user=request.user, **values))


@router.get("/ranking/{code}")
def recommend_ranking(
    request, code: str, k: Annotated[int, Field(ge=0, le=1000, description="0: every candidate")] = 10
):
    scoping.require(request.user, scoping.Action.VIEW)
    try:
        return _ranking(matching.rank_candidates(request.user, _old_region(code), k))
    except matching.NoProfile as exc:
        raise HttpError(422, _("%(city)s 没有城市概况数据") % {"city": exc}) from exc


@router.get("/review/{int:pk}")
def recommend_review(request, pk: int):
    pairing = pairing_queries.pairing_for(request.user, pk)
    try:
        result = matching.review_pairing(request.user, pairing)
    except matching.NoProfile as exc:
        raise HttpError(422, _("%(city)s 没有城市概况数据") % {"city": exc}) from exc
    return {"pairing": pairing.code, "partner": pairing.partner_region_id, "partner_rank": result.partner_rank} | {
        "ranking": _ranking(result.ranking)
    }


@router.post("/assignment")
def recommend_assignment(request, payload: AssignIn):
    scoping.require(request.user, scoping.Action.VIEW)
    if not 1 <= payload.cap <= 10:
        raise HttpError(422, _("上限应为 1–10"))
    regions = [_old_region(code) for code in payload.regions]
    try:
        result = matching.optimal_assignment(request.user, regions, payload.cap)
    except matching.NoProfile as exc:
        raise HttpError(422, _("%(city)s 没有城市概况数据") % {"city": exc}) from exc
    return {
        "cap": result.cap,
        "total": result.total,
        "rows": [
            {
                "region": r["old"].region.code,
                "candidate": r["candidate"].code,
                "name": r["candidate"].name,
                "score": r["score"],
                "terms": _term_rows(r["terms"]),
            }
            for r in result.rows
        ],
        "unassigned": [o.region.code for o in result.unassigned],
        "capacities": [
            {"candidate": c["candidate"].code, "load": c["load"], "capacity": c["capacity"], "used": c["used"]}
            for c in result.capacities
        ],
    }
