"""API of 产销对接 (/api/markets/produce): listings, demands, recommendations with their explanations, agreements
and deliveries, through the same queries and services as the pages (403 not allowed, 404 not visible, 409 stale,
422 invalid)."""

import datetime
from decimal import Decimal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from duikou.accounts import scoping
from duikou.core.pagination import Pages
from duikou.geo.queries import region_named

from ..schemas import TermOut, TopK
from . import matching, queries, services

router = Router(tags=["markets-produce"])


class ListingOut(Schema):
    id: int
    supplier: str
    name: str
    category: str
    origin_id: str
    certifications: list[str]
    volume_tonnes: Decimal
    season_start: int
    season_end: int
    price_yuan_kg: Decimal
    note: str
    status: str
    version: int


class ListingIn(Schema):
    supplier: str
    name: str
    category: str
    origin: str  # county code
    certifications: list[str] = []
    volume_tonnes: Decimal
    season_start: int
    season_end: int
    price_yuan_kg: Decimal
    note: str = ""


class DemandOut(Schema):
    id: int
    buyer: str
    buyer_kind: str
    region_id: str
    category: str
    description: str
    volume_tonnes: Decimal
    period_start: datetime.date
    period_end: datetime.date
    certifications_required: list[str]
    max_price_yuan_kg: Decimal | None
    status: str
    version: int


class DemandIn(Schema):
    buyer: str
    buyer_kind: str
    region: str  # city or county code
    category: str
    description: str = ""
    volume_tonnes: Decimal
    period_start: datetime.date
    period_end: datetime.date
    certifications_required: list[str] = []
    max_price_yuan_kg: Decimal | None = None


class ProduceMatchOut(Schema):
    listing_id: int
    demand_id: int
    score: float
    terms: list[TermOut]


class AgreementIn(Schema):
    listing_id: int
    demand_id: int
    volume_tonnes: Decimal
    price_yuan_kg: Decimal
    signed_on: datetime.date


class AgreementOut(Schema):
    id: int
    listing_id: int
    demand_id: int
    pairing_id: int | None
    volume_tonnes: Decimal
    price_yuan_kg: Decimal
    signed_on: datetime.date
    score: Decimal | None
    status: str


class DeliveryIn(Schema):
    date: datetime.date
    volume_tonnes: Decimal
    amount_wan: Decimal


class DeliveryOut(Schema):
    id: int
    agreement_id: int
    date: datetime.date
    volume_tonnes: Decimal
    amount_wan: Decimal
    activity_id: int | None


@router.get("/listings", response=list[ListingOut])
@paginate(Pages, page_size=50)
def produce_listings(request, q: str = "", category: str = "", certification: str = ""):
    return queries.listings_for(request.user, q=q, category=category, certification=certification)


@router.post("/listings", response={201: ListingOut})
def produce_create_listing(request, payload: ListingIn):
    scoping.require(request.user, scoping.Action.CHANGE)
    data = payload.dict() | {"origin": region_named(request.user, payload.origin, "origin")}
    return Status(201, services.create_listing(user=request.user, **data))


@router.get("/listings/{int:listing_id}/recommendations", response=list[ProduceMatchOut])
def produce_listing_recommendations(request, listing_id: int, k: TopK = 10):
    listing = queries.listing_for(request.user, listing_id)
    return [
        {"listing_id": listing.pk, "demand_id": r["demand"].pk, "score": r["score"], "terms": r["explanation"]["terms"]}
        for r in matching.recommend_for_listing(request.user, listing, k=k)
    ]


@router.get("/demands", response=list[DemandOut])
@paginate(Pages, page_size=50)
def produce_demands(request, q: str = "", category: str = "", buyer_kind: str = ""):
    return queries.demands_for(request.user, q=q, category=category, buyer_kind=buyer_kind)


@router.post("/demands", response={201: DemandOut})
def produce_create_demand(request, payload: DemandIn):
    scoping.require(request.user, scoping.Action.CHANGE)
    data = payload.dict() | {"region": region_named(request.user, payload.region, "region")}
    return Status(201, services.create_demand(user=request.user, **data))


@router.get("/demands/{int:demand_id}/recommendations", response=list[ProduceMatchOut])
def produce_demand_recommendations(request, demand_id: int, k: TopK = 10):
    demand = queries.demand_for(request.user, demand_id)
    return [
        {"listing_id": r["listing"].pk, "demand_id": demand.pk, "score": r["score"], "terms": r["explanation"]["terms"]}
        for r in matching.recommend_for_demand(request.user, demand, k=k)
    ]


@router.get("/agreements", response=list[AgreementOut])
@paginate(Pages, page_size=50)
def produce_agreements(request, status: str = ""):
    return queries.agreements_for(request.user, status=status)


@router.post("/agreements", response={201: AgreementOut})
def produce_sign_agreement(request, payload: AgreementIn):
    scoping.require(request.user, scoping.Action.CHANGE)
    listing = queries.listing_for(request.user, payload.listing_id)
    demand = queries.demand_for(request.user, payload.demand_id)
    data = payload.dict(exclude={"listing_id", "demand_id"})
    return Status(201, services.sign_agreement(user=request.user, listing=listing, demand=demand, **data))


@router.get("/agreements/{int:agreement_id}/deliveries", response=list[DeliveryOut])
def produce_deliveries(request, agreement_id: int):
    agreement = queries.agreement_for(request.user, agreement_id)
    return list(queries.deliveries_for(request.user, agreement=agreement))


@router.post("/agreements/{int:agreement_id}/deliveries", response={201: DeliveryOut})
def produce_record_delivery(request, agreement_id: int, payload: DeliveryIn):
    agreement = queries.agreement_for(request.user, agreement_id, scoping.Action.CHANGE)
    return Status(201, services.record_delivery(user=request.user, agreement=agreement, **payload.dict()))


__all__ = ["router"]
