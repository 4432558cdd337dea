"""The two sides of a pairing and whose government answers for each: what the joint workflows (plans, indicator
reports) ask to decide who agrees, submits, issues and approves for which side."""

from duikou.geo.models import Region

from .models import Pairing

SIDES = ("old", "partner")


def side_region(pairing: Pairing, side: str) -> Region:
    return pairing.old_region if side == "old" else pairing.partner_region


def province_of(region: Region) -> Region:
    return region if region.level == Region.Level.PROVINCE else Region.objects.get(code=region.province_code)


def city_sides(user, pairing: Pairing) -> list[str]:
    """The sides whose city government the user belongs to (a municipality's government is its own city)."""
    org = user.organisation
    if org is None:
        return []
    codes = {"old": pairing.old_region_id, "partner": pairing.partner_region_id}
    return [s for s in SIDES if org.region_id == codes[s]]


def provinces(pairing: Pairing) -> list[Region]:
    """The provinces of the two sides, the old side's first (one when both sides are in the same province). Kept on
    the pairing object, as a page asks for them once per step it checks."""
    key = (pairing.old_region_id, pairing.partner_region_id)
    kept = pairing.__dict__.get("_provinces")
    if kept is None or kept[0] != key:
        found = {}
        for side in SIDES:
            province = province_of(side_region(pairing, side))
            found.setdefault(province.code, province)
        kept = pairing.__dict__["_provinces"] = (key, list(found.values()))
    return list(kept[1])


def province_sides(user, pairing: Pairing) -> list[Region]:
    """The provinces of the pairing's two sides that the user's province-level government answers for."""
    org = user.organisation
    if org is None or org.kind != "province":
        return []
    return [p for p in provinces(pairing) if org.region_id == p.code]


def required_provinces(pairing: Pairing) -> set[str]:
    return {p.code for p in provinces(pairing)}
