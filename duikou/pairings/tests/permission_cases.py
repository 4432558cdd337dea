"""Permission-matrix cases of pairings: 信阳–苏州 is in scope, 延安–无锡 is not."""

from duikou.accounts import scoping
from duikou.pairings import services
from duikou.permission_matrix import Case, api, api_write, by_pk


def world(w) -> dict:
    """An audit trail on both sides: one change of the profile by a 信阳 user, one by the 延安 editor (the audit app's
    cases read them too)."""
    for pairing, user, mechanism in (
        (w["inside"], w["users"]["editor"], "信阳侧机制说明"),
        (w["outside"], w["stranger"], "延安侧机制说明"),
    ):
        services.update_pairing_profile(
            pairing=pairing, user=user, expected_version=pairing.version, mechanism=mechanism, contacts="", note=""
        )
        pairing.refresh_from_db()
    return {}


def cases(w) -> dict[str, Case]:
    inside, outside = w["inside"], w["outside"]
    pin, pout = f"/pairings/{inside.pk}/", f"/pairings/{outside.pk}/"
    yanan_label, xinyang_label = "延安市", "信阳市"
    A = scoping.Action
    profile = {"version": "VERSION", "mechanism": "API 修改"}
    return {
        "pairings:list": Case("/pairings/", present=[pin], absent=[pout], scoped=("Pairing",)),
        "pairings:export": Case(
            "/pairings/export.xlsx", present=[xinyang_label], absent=[yanan_label], scoped=("Pairing",)
        ),
        "pairings:map_data": Case("/pairings/map-data.json", present=[pin], absent=[pout], scoped=("Pairing",)),
        # the pairing's hub reads each section through the scoping layer (duikou.hub)
        "pairings:detail": Case(
            pin,
            pout,
            present=["信阳侧机制说明"],
            absent=["延安侧机制说明"],
            scoped=(
                *("Pairing", "Plan", "PlanTarget", "DataValue", "Project", "Activity", "Agreement"),
                *("Result", "Notice"),
            ),
        ),
        "pairings:edit": Case(f"{pin}edit/", f"{pout}edit/", action=A.CHANGE, scoped=("Pairing",)),
        "api:list_pairings": api("/api/pairings", present=["信阳市"], absent=["延安市"], scoped=("Pairing",)),
        "api:get_pairing": api(*by_pk("/api/pairings/{}", inside, outside), present=["信阳市"], scoped=("Pairing",)),
        "api:update_profile": api_write(
            *by_pk("/api/pairings/{}/profile", inside, outside), "put", profile, scoped=("Pairing",)
        ),
    }
