import datetime

from ninja import Router, Schema

from . import queries

router = Router(tags=["monitoring"])


class AlertOut(Schema):
    id: int
    household_id: int
    household: str
    village: str
    rules: list[str]
    values: dict
    status: str
    deadline: datetime.date
    run_id: int


class MemberOut(Schema):
    name: str
    relation: str
    id_number: str  # masked
    phone: str  # masked


class HouseholdOut(Schema):
    id: int
    number: str
    head_name: str
    township: str
    village: str
    category: str
    checks: dict[str, bool]
    members: list[MemberOut]
    version: int


@router.get("/alerts", response=list[AlertOut])
def list_alerts(request, status: str = "open", area: str = "", rule: str = ""):
    return [
        {
            "id": a.pk,
            "household_id": a.household_id,
            "household": str(a.household),
            "village": a.household.village_id,
            "rules": a.rules,
            "values": a.values,
            "status": a.status,
            "deadline": a.deadline,
            "run_id": a.run_id,
        }
        for a in queries.alerts_for(request.user, status=status, area=area, rule=rule)[:1000]
    ]


@router.get("/households/{household_id}", response=HouseholdOut)
def get_household(request, household_id: int):
    """The household with its members; ID and phone numbers are always masked here."""
    h = queries.household_for(request.user, household_id)
    return {
        "id": h.pk,
        "number": h.number,
        "head_name": h.head_name,
        "township": h.township_id,
        "village": h.village_id,
        "category": h.category,
        "checks": {c: getattr(h, c) for c in h.CHECKS},
        "members": [
            {"name": m.name, "relation": m.relation, "id_number": m.id_number_masked, "phone": m.phone_masked}
            for m in queries.members_of(request.user, h)
        ],
        "version": h.version,
    }
