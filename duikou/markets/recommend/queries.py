"""Scoped reads of the pairing recommendation: data sources, city profiles and economic ties as the user may see
them."""

from django.db.models import QuerySet

from duikou.accounts import scoping

from ..models import CityProfile, DataSource, EconomicTie


def sources_for(user) -> QuerySet[DataSource]:
    return scoping.scope(user, DataSource).order_by("-imported_at", "-id")


def profiles_for(user, *, q: str = "", official: bool | None = None) -> QuerySet[CityProfile]:
    qs = scoping.scope(user, CityProfile).select_related("region", "source").order_by("region_id", "-year")
    if q:
        qs = qs.filter(region__name__contains=q) | qs.filter(region__code__startswith=q)
    if official is not None:
        qs = qs.filter(source__official=official)
    return qs


def ties_for(user) -> QuerySet[EconomicTie]:
    qs = scoping.scope(user, EconomicTie).select_related("old_region", "partner_region", "source")
    return qs.order_by("old_region_id", "partner_region_id", "id")


def latest_profiles(user) -> dict[str, CityProfile]:
    """Each city's profile: the latest year, an official source before an example one, then the latest import."""
    profiles: dict[str, CityProfile] = {}
    qs = scoping.scope(user, CityProfile).select_related("region", "source")
    for p in qs.order_by("region_id", "-year", "-source__official", "-source_id"):
        profiles.setdefault(p.region_id, p)
    return profiles


def tie_strengths(user) -> dict[tuple[str, str], int]:
    strengths: dict[tuple[str, str], int] = {}
    for a, b, s in scoping.scope(user, EconomicTie).values_list("old_region_id", "partner_region_id", "strength"):
        strengths[(a, b)] = max(s, strengths.get((a, b), 0))
    return strengths
