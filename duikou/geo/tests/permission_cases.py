"""Permission-matrix cases of regions and old areas: reference data every signed-in user reads; a region's page lists
only the pairings in the caller's scope."""

from duikou.permission_matrix import Case


def cases(w) -> dict[str, Case]:
    pout = f"/pairings/{w['outside'].pk}/"
    return {
        "geo:region_list": Case("/regions/?q=延安", present=["610600"], scoped=("Region",)),
        "geo:region_detail": Case(
            "/regions/610600/", present=["宝塔区", "610600"], absent=[pout], scoped=("Region", "Pairing", "Designation")
        ),
        "geo:old_area_list": Case("/old-areas/", present=["陕甘宁革命老区"], scoped=("OldArea", "Pairing")),
        "api:list_regions": Case("/api/regions?q=延安", api=True, present=["610600"], scoped=("Region",)),
        "api:get_region": Case(
            "/api/regions/610600", "/api/regions/999999", api=True, present=["延安市"], scoped=("Region",)
        ),
        "api:list_old_areas": Case("/api/old-areas", api=True, present=["大别山革命老区"], scoped=("OldArea",)),
    }
