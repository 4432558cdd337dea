"""Scoped reads of 产销对接: listings, demands, agreements and deliveries as the user may see them."""

from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search

from ..models import (
    Agreement,
    Certification,
    CertificationBasis,
    Delivery,
    Demand,
    ListingStatus,
    ProductCategory,
    ProductCertification,
    ProductListing,
)


def certified_today():
    """Whether the listing's product holds a certification valid today (the badge on listings)."""
    valid = ProductCertification.objects.filter(ProductCertification.valid_on_q(timezone.localdate()))
    return Exists(valid.filter(listing=OuterRef("pk")))


def open_listings(user) -> QuerySet[ProductListing]:
    return scoping.scope(user, ProductListing).filter(status=ListingStatus.OPEN)


def open_demands(user) -> QuerySet[Demand]:
    return scoping.scope(user, Demand).filter(status=ListingStatus.OPEN)


def listings_for(
    user,
    *,
    q: str = "",
    category: str = "",
    certification: str = "",
    status: str = ListingStatus.OPEN,
    origin: str = "",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[ProductListing]:
    qs = scoping.scope(user, ProductListing, action).select_related("origin__parent")
    qs = qs.annotate(certified=certified_today())
    qs = filter_given(qs, status=status, category=category, origin__code__startswith=origin)
    qs = search(qs, q, "name__contains", "supplier__contains", "origin__name__contains", "note__contains")
    if certification in Certification.values:  # a JSON list of codes: its text holds the quoted code
        qs = qs.filter(certifications__icontains=f'"{certification}"')
    return qs


def demands_for(
    user,
    *,
    q: str = "",
    category: str = "",
    buyer_kind: str = "",
    status: str = ListingStatus.OPEN,
    region: str = "",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[Demand]:
    qs = scoping.scope(user, Demand, action).select_related("region__parent")
    qs = filter_given(qs, status=status, category=category, buyer_kind=buyer_kind, region__code__startswith=region)
    return search(qs, q, "buyer__contains", "description__contains", "region__name__contains")


def listing_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> ProductListing:
    qs = ProductListing.objects.select_related("origin__parent").annotate(certified=certified_today())
    return scoping.get_for(user, qs, action, pk=pk)


def demand_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Demand:
    return scoping.get_for(user, Demand.objects.select_related("region__parent"), action, pk=pk)


def agreements_for(
    user, *, listing=None, demand=None, status: str = "", pairing: int | None = None
) -> QuerySet[Agreement]:
    qs = scoping.scope(user, Agreement).select_related(
        "listing__origin", "demand__region", "pairing__old_region", "pairing__partner_region"
    )
    qs = filter_given(qs, listing=listing, demand=demand, status=status, pairing_id=pairing)
    totals = {
        "delivered_tonnes": Sum("deliveries__volume_tonnes"),
        "delivered_wan": Sum("deliveries__amount_wan"),
        "certified_wan": Sum("deliveries__amount_wan", filter=Q(deliveries__certification__isnull=False)),
    }
    return qs.annotate(**totals).order_by("-signed_on", "-id")  # an aggregate drops Meta.ordering


def agreement_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Agreement:
    qs = Agreement.objects.select_related(
        "listing__origin", "demand__region", "pairing__old_region", "pairing__partner_region"
    )
    return scoping.get_for(user, qs, action, pk=pk)


def deliveries_for(user, *, agreement=None) -> QuerySet[Delivery]:
    qs = scoping.scope(user, Delivery).select_related(
        "agreement__listing", "agreement__demand", "activity", "certification"
    )
    return filter_given(qs, agreement=agreement)


def certified_purchases(user, *, pairing: int, since, until):
    """What the pairing's deliveries of certified products add up to (万元) in [since, until]: the certified part of
    its 消费帮扶, beside the reported 消费帮扶金额 (``indicators.records``); None where none is recorded."""
    qs = deliveries_for(user).filter(
        agreement__pairing_id=pairing, date__gte=since, date__lte=until, certification__isnull=False
    )
    return qs.order_by().aggregate(total=Sum("amount_wan"))["total"]


# --- product certification ---------------------------------------------------------------------------------------

VALIDITY = ("valid", "expired")


def certifications_for(
    user,
    *,
    q: str = "",
    county: str = "",
    basis: str = "",
    status: str = "",
    validity: str = "",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[ProductCertification]:
    """The register as the user may read it; ``validity``: valid today, or expired (past its validity or revoked)."""
    qs = scoping.scope(user, ProductCertification, action).select_related("county__parent", "listing")
    qs = filter_given(qs, status=status, county__code__startswith=county)
    qs = search(qs, q, "name__contains", "supplier__contains", "certificate_no__contains", "county__name__contains")
    if basis in CertificationBasis.values:  # a JSON list of codes: its text holds the quoted code
        qs = qs.filter(basis__icontains=f'"{basis}"')
    today = timezone.localdate()
    if validity == "valid":
        qs = qs.filter(ProductCertification.valid_on_q(today))
    elif validity == "expired":
        qs = qs.filter(certificate_no__isnull=False).exclude(ProductCertification.valid_on_q(today))
    return qs


def certification_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> ProductCertification:
    qs = ProductCertification.objects.select_related("county__parent", "listing", "submitted_by", "reviewed_by")
    return scoping.get_for(user, qs, action, pk=pk)


FOOD = [c for c in ProductCategory.values if c != ProductCategory.CRAFT]


def reserved_shares(user, *, year: int) -> list[dict]:
    """Each budget unit's (a 机关单位食堂 buyer in the user's area) food purchases delivered in ``year``: all of them,
    those of certified products, their share (per cent) and the target (``DUIKOU_CONSUMPTION_RESERVED_SHARE``)."""
    from django.conf import settings

    prefix = scoping.region_prefix(user)
    qs = scoping.scope(user, Delivery).filter(
        agreement__demand__buyer_kind=Demand.BuyerKind.CANTEEN, agreement__listing__category__in=FOOD
    )
    if prefix:
        qs = qs.filter(agreement__demand__region__code__startswith=prefix)
    qs = qs.annotate(year=ExtractYear("date")).filter(year=year)
    rows = (
        qs.values("agreement__demand__buyer", "agreement__demand__region__code", "agreement__demand__region__name")
        .annotate(
            total_wan=Sum("amount_wan"),
            certified_wan=Sum("amount_wan", filter=Q(certification__isnull=False)),
        )
        .order_by("agreement__demand__region__code", "agreement__demand__buyer")
    )
    target = Decimal(settings.DUIKOU_CONSUMPTION_RESERVED_SHARE)
    found = []
    for row in rows:
        cent = Decimal("0.01")  # SQLite sums decimals without their places
        total = (row["total_wan"] or Decimal(0)).quantize(cent)
        certified = (row["certified_wan"] or Decimal(0)).quantize(cent)
        share = (certified * 100 / total).quantize(Decimal("0.1")) if total else Decimal(0)
        found.append(
            {
                "buyer": row["agreement__demand__buyer"],
                "region": f"{row['agreement__demand__region__code']} {row['agreement__demand__region__name']}",
                "total_wan": total,
                "certified_wan": certified,
                "other_wan": total - certified,
                "share": share,
                "target": target,
                "met": share >= target,
            }
        )
    return found
