"""Scoped reads of 产销对接: listings, demands, agreements and deliveries as the user may see them."""

from django.db.models import QuerySet, Sum

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search

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
    return scoping.get_for(user, ProductListing.objects.select_related("origin__parent"), action, pk=pk)


def demand_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Demand:
    return scoping.get_for(user, Demand.objects.select_related("region__parent"), action, pk=pk)


def agreements_for(
    user, *, listing=None, demand=None, status: str = "", pairing: int | None = None
) -> QuerySet[Agreement]:
    qs = scoping.scope(user, Agreement).select_related(
        "listing__origin", "demand__region", "pairing__old_region", "pairing__partner_region"
    )
    qs = filter_given(qs, listing=listing, demand=demand, status=status, pairing_id=pairing)
    totals = {"delivered_tonnes": Sum("deliveries__volume_tonnes"), "delivered_wan": Sum("deliveries__amount_wan")}
    return qs.annotate(**totals).order_by("-signed_on", "-id")  # an aggregate drops Meta.ordering


def agreement_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Agreement:
    qs = Agreement.objects.select_related(
        "listing__origin", "demand__region", "pairing__old_region", "pairing__partner_region"
    )
    return scoping.get_for(user, qs, action, pk=pk)


def deliveries_for(user, *, agreement=None) -> QuerySet[Delivery]:
    qs = scoping.scope(user, Delivery).select_related("agreement__listing", "agreement__demand", "activity")
    return filter_given(qs, agreement=agreement)
