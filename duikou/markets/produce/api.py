"""API of 产销对接 (/api/markets/produce): listings, demands, recommendations with their explanations, agreements
and deliveries, through the same queries and services as the pages (403 not allowed, 404 not visible, 409 stale,
422 invalid)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.pagination import Pages
from duikou.geo.queries import region_named

from ..schemas import TermOut, TopK
from . import matching, queries, services
from .workflow import WORKFLOW

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
    certified: bool  # its product holds a 消费帮扶产品认定 valid today


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
    certified: bool | None = None  # None: as the product's certification on the date says


class DeliveryOut(Schema):
    id: int
    agreement_id: int
    date: datetime.date
    volume_tonnes: Decimal
    amount_wan: Decimal
    activity_id: int | None
    certification_id: int | None


@router.get("/listings", response=list[ListingOut])
@paginate(Pages, page_size=50)
def produce_listings(request, q: str = "", category: str = "", certification: str = ""):
    return queries.listings_for(request.user, q=q, category=category, certification=certification)


@router.post("/listings", response={201: ListingOut})
def produce_create_listing(request, payload: ListingIn):
    scoping.require(request.user, scoping.Action.CHANGE)
    data = payload.dict() | {"origin": region_named(request.user, payload.origin, "origin")}
    listing = services.create_listing(user=request.user, **data)
    return Status(201, queries.listing_for(request.user, listing.pk))


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


class CertificationOut(Schema):
    id: int
    supplier: str
    county_id: str
    name: str
    category: str
    basis: list[str]
    annual_value_wan: Decimal
    traceability: str
    listing_id: int | None
    status: str
    review_note: str
    publicity_start: datetime.date | None
    publicity_end: datetime.date | None
    returned_reason: str
    certificate_no: str | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    revoked_on: datetime.date | None
    revoked_reason: str
    valid_today: bool
    allowed_steps: list[str]
    version: int

    @staticmethod
    def resolve_valid_today(obj) -> bool:
        return obj.valid_on(timezone.localdate())

    @staticmethod
    def resolve_allowed_steps(obj, context) -> list[str]:
        return [step.name for step in WORKFLOW.allowed_steps(context["request"].user, obj)]


class CertificationIn(Schema):
    supplier: str
    county: str  # county code
    name: str
    category: str
    basis: list[str]
    annual_value_wan: Decimal
    traceability: str
    listing_id: int | None = None


class CertificationStepIn(Schema):
    version: int
    note: str = ""
    publicity_start: datetime.date | None = None
    publicity_end: datetime.date | None = None
    certificate_no: str = ""
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    revoked_on: datetime.date | None = None


@router.get("/certifications", response=list[CertificationOut])
@paginate(Pages, page_size=50)
def produce_certifications(
    request, q: str = "", county: str = "", basis: str = "", status: str = "", validity: str = ""
):
    filters = {"q": q, "county": county, "basis": basis, "status": status, "validity": validity}
    return queries.certifications_for(request.user, **filters)


@router.get("/certifications/{int:certification_id}", response=CertificationOut)
def produce_certification(request, certification_id: int):
    return queries.certification_for(request.user, certification_id)


@router.post("/certifications", response={201: CertificationOut})
def produce_create_certification(request, payload: CertificationIn):
    scoping.require(request.user, scoping.Action.CHANGE)
    data = payload.dict(exclude={"listing_id"})
    data["county"] = region_named(request.user, payload.county, "county")
    data["listing"] = queries.listing_for(request.user, payload.listing_id) if payload.listing_id else None
    return Status(201, services.create_certification(user=request.user, **data))


@router.post("/certifications/{int:certification_id}/steps/{step}", response=CertificationOut)
def produce_certification_step(request, certification_id: int, step: str, payload: CertificationStepIn):
    """Take a step of the certification (submit, publicize, certify, return, revoke); 409 when someone else acted
    on the same version first."""
    cert = queries.certification_for(request.user, certification_id)
    if step not in WORKFLOW:
        raise ValidationError({"step": [f"没有「{step}」这一步骤"]})
    data = payload.dict()
    try:
        return services.certification_step(
            certification=cert, user=request.user, name=step, expected_version=data.pop("version"), **data
        )
    except UserFacingError as exc:
        raise ValidationError(str(exc)) from exc


__all__ = ["router"]
