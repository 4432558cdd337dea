import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from duikou.accounts import scoping
from duikou.core.pagination import Pages

from . import queries, services

router = Router(tags=["pairings"])


class SideOut(Schema):
    code: str
    name: str


class PairingOut(Schema):
    id: int
    code: str
    old_region: SideOut
    old_area: str | None
    partner_region: SideOut
    level: str
    start_year: int
    end_year: int
    valid_from: datetime.date
    valid_to: datetime.date | None
    status: str
    source_clause: str | None
    mechanism: str
    contacts: str
    note: str
    version: int

    @staticmethod
    def resolve_old_area(obj):
        return obj.old_area.name if obj.old_area_id else None

    @staticmethod
    def resolve_source_clause(obj):
        return obj.source_clause_id


class ProfileIn(Schema):
    version: int
    mechanism: str = ""
    contacts: str = ""
    note: str = ""


@router.get("", response=list[PairingOut])
@paginate(Pages, page_size=50)
def list_pairings(
    request, level: str = "", old_area: str = "", province: str = "", q: str = "", status: str = "active"
):
    return queries.pairings_for(
        request.user,
        level=level,
        old_area=old_area,
        province=province,
        q=q,
        status="" if status == "all" else status,
    )


@router.get("/{int:pairing_id}", response=PairingOut)
def get_pairing(request, pairing_id: int):
    return queries.pairing_for(request.user, pairing_id)


@router.put("/{int:pairing_id}/profile", response=PairingOut)
def update_profile(request, pairing_id: int, payload: ProfileIn):
    """Edit the working profile; send the version you read. A stale version answers 409."""
    pairing = queries.pairing_for(request.user, pairing_id, scoping.Action.CHANGE)
    return services.update_pairing_profile(
        pairing=pairing,
        user=request.user,
        expected_version=payload.version,
        mechanism=payload.mechanism,
        contacts=payload.contacts,
        note=payload.note,
    )
