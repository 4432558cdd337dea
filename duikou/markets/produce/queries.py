"""Scoped reads of 产销对接: listings, demands, agreements and deliveries as the user may see them."""

from django.db.models import Q, QuerySet, Sum

from duikou.accounts import scoping

from ..models import Agreement, Certification, Delivery, Demand, ListingStatus, ProductListing


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
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if origin:
        qs = qs.filter(origin__code__startswith=origin)
    if q:
        qs = qs.filter(
            Q(name__contains=q) | Q(supplier__contains=q) | Q(origin__name__contains=q) | Q(note__contains=q)
        )
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
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if buyer_kind:
        qs = qs.filter(buyer_kind=buyer_kind)
    if region:
        qs = qs.filter(region__code__startswith=region)
    if q:
        qs = qs.filter(Q(buyer__contains=q) | Q(description__contains=q) | Q(region__name__contains=q))
    return qs


def listing_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> ProductListing:
    return scoping.get_for(user, ProductListing.objects.select_related("origin__parent"), action, pk=pk)


def demand_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Demand:
    return scoping.get_for(user, Demand.objects.select_related("region__parent"), action, pk=pk)


def agreements_for(user, *, listing=None, demand=None, status: str = "") -> QuerySet[Agreement]:
    qs = scoping.scope(user, Agreement).select_related(
        "listing__origin", "demand__region", "pairing__old_region", "pairing__partner_region"
    )
    if listing is not None:
        qs = qs.filter(listing=listing)
    if demand is not None:
        qs = qs.filter(demand=demand)
    if status:
        qs = qs.filter(status=status)
    totals = {"delivered_tonnes": Sum("deliveries__volume_tonnes"), "delivered_wan": Sum("deliveries__amount_wan")}
    return qs.annotate(**totals).order_by("-signed_on", "-id")  # an aggregate drops Meta.ordering


def agreement_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Agreement:
    qs = Agreement.objects.select_related(
        "listing__origin", "demand__region", "pairing__old_region", "pairing__partner_region"
    )
    return scoping.get_for(user, qs, action, pk=pk)


def deliveries_for(user, *, agreement=None) -> QuerySet[Delivery]:
    qs = scoping.scope(user, Delivery).select_related("agreement__listing", "agreement__demand", "activity")
    if agreement is not None:
        qs = qs.filter(agreement=agreement)
    return qs
