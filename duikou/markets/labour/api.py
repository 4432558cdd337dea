"""API of 劳务协作: postings, seekers (masked: never an ID or phone number in an answer), matches both ways with
their term-by-term explanation, the placement plan, placements and follow-ups.

Same scoping and checks as the pages: reads through ``queries``, writes through ``services``; a stale ``version``
answers 409, a rule broken 422 with the reasons in Chinese, a change on another area's record 403.
"""

import datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from duikou.accounts import scoping
from duikou.core import pii
from duikou.core.pagination import Pages
from duikou.geo.queries import region_named
from duikou.geo.schemas import RegionRef

from ..schemas import TermOut, TopK
from . import matching, queries, services

router = Router(tags=["markets-labour"])


class PostingOut(Schema):
    id: int
    employer: str
    title: str
    region: RegionRef
    occupation: str
    skills: list[str]
    wage_min: int
    wage_max: int
    housing: bool
    headcount: int
    valid_until: datetime.date
    status: str
    version: int


class PostingFields(Schema):
    employer: str
    title: str
    region: str  # a city or county code, e.g. 320505
    occupation: str
    skills: list[str] = []
    wage_min: int
    wage_max: int
    housing: bool = False
    headcount: int
    valid_until: datetime.date


class PostingUpdateIn(PostingFields):
    version: int


class VersionIn(Schema):
    version: int


class SeekerOut(Schema):
    """A seeker as every answer shows one: the masked ID and phone, never the numbers."""

    id: int
    name: str
    home: RegionRef
    id_number_masked: str
    phone_masked: str
    occupations: list[str]
    skills: list[str]
    trainings: list[str]
    preferred_regions: list[str]
    expected_wage: int
    needs_housing: bool
    status: str
    version: int


class SeekerFields(Schema):
    name: str
    occupations: list[str] = []
    skills: list[str] = []
    trainings: list[str] = []
    preferred_regions: list[str] = []
    expected_wage: int
    needs_housing: bool = False


class SeekerIn(SeekerFields):
    home: str  # a county code, e.g. 411526
    id_number: str
    phone: str = ""


class SeekerUpdateIn(SeekerFields):
    version: int
    phone: str | None = None  # null keeps the stored number


class LabourMatchOut(Schema):
    rank: int
    seeker_id: int | None  # null where the caller may not read the seeker's record
    seeker_name: str
    id_number_masked: str | None
    home_city: str
    skills: list[str]
    trainings: list[str]
    posting_id: int
    posting: str
    score: Decimal
    terms: list[TermOut]


class LabourPlanOut(Schema):
    total: Decimal
    seekers: int
    postings: int
    candidates: int
    matches: list[LabourMatchOut]


class PlacementOut(Schema):
    id: int
    seeker_id: int
    posting_id: int
    posting_title: str
    pairing_id: int | None
    activity_id: int | None
    start_date: datetime.date
    wage: int
    score: Decimal | None
    status: str
    version: int

    @staticmethod
    def resolve_posting_title(obj):
        return obj.posting.title


class PlacementIn(Schema):
    seeker_id: int
    posting_id: int
    start_date: datetime.date
    wage: int
    note: str = ""


class FollowUpOut(Schema):
    id: int
    placement_id: int
    months: int
    due: datetime.date
    done_on: datetime.date | None
    still_employed: bool | None
    wage: int | None
    note: str
    version: int


class FollowUpIn(Schema):
    version: int
    still_employed: bool
    wage: int | None = None
    done_on: datetime.date | None = None
    note: str = ""


# --- postings ---------------------------------------------------------------------------------------------------


@router.get("/postings", response=list[PostingOut])
@paginate(Pages, page_size=50)
def list_labour_postings(request, q: str = "", status: str = "", occupation: str = "", city: str = ""):
    return queries.postings_for(request.user, q=q, status=status, occupation=occupation, city=city)


@router.get("/postings/{int:posting_id}", response=PostingOut)
def get_labour_posting(request, posting_id: int):
    return queries.posting_for(request.user, posting_id)


@router.post("/postings", response={201: PostingOut})
def create_labour_posting(request, payload: PostingFields):
    scoping.require(request.user, scoping.Action.CHANGE)
    data = payload.dict() | {"region": region_named(request.user, payload.region, "region")}
    posting = services.create_posting(user=request.user, **data)
    return Status(201, queries.posting_for(request.user, posting.pk))


@router.put("/postings/{int:posting_id}", response=PostingOut)
def update_labour_posting(request, posting_id: int, payload: PostingUpdateIn):
    """Edit a posting; send the version you read. A stale version answers 409."""
    posting = queries.posting_for(request.user, posting_id, scoping.Action.CHANGE)
    data = payload.dict(exclude={"version"}) | {"region": region_named(request.user, payload.region, "region")}
    services.update_posting(user=request.user, posting=posting, expected_version=payload.version, **data)
    return queries.posting_for(request.user, posting_id)


@router.post("/postings/{int:posting_id}/close", response=PostingOut)
def close_labour_posting(request, posting_id: int, payload: VersionIn):
    posting = queries.posting_for(request.user, posting_id, scoping.Action.CHANGE)
    return services.close_posting(user=request.user, posting=posting, expected_version=payload.version)


@router.get("/postings/{int:posting_id}/matches", response=list[LabourMatchOut])
def labour_posting_matches(request, posting_id: int, k: TopK = 10):
    """The best k seekers for the posting, each explained term by term (the points add up to the score)."""
    posting = queries.posting_for(request.user, posting_id)
    return [m.as_dict() for m in matching.matches_for_posting(request.user, posting, k=k)]


# --- seekers ----------------------------------------------------------------------------------------------------


@router.get("/seekers", response=list[SeekerOut])
@paginate(Pages, page_size=50)
def list_labour_seekers(request, q: str = "", status: str = "", occupation: str = "", skill: str = ""):
    """`q` is part of a name. An ID number is never a query parameter (URLs are kept in access logs): one is
    refused (422); find a seeker by ID number with `POST /seekers/search`."""
    if pii.looks_like_id_number(q):
        raise ValidationError(
            _("身份证号不能放在网址中查询，请用 POST %(path)s 查找") % {"path": "/api/markets/labour/seekers/search"}
        )
    return queries.find_seekers(request.user, q=q, status=status, occupation=occupation, skill=skill)


class SeekerSearchIn(Schema):
    id_number: str = Field(max_length=40)


@router.post("/seekers/search", response=list[SeekerOut])
def search_labour_seekers(request, payload: SeekerSearchIn):
    """The seekers registered with this ID number (in the body, never in the URL), matched by its keyed digest."""
    return list(queries.find_seekers(request.user, id_number=payload.id_number)[:10])


@router.get("/seekers/{int:seeker_id}", response=SeekerOut)
def get_labour_seeker(request, seeker_id: int):
    return queries.seeker_for(request.user, seeker_id)


@router.post("/seekers", response={201: SeekerOut})
def create_labour_seeker(request, payload: SeekerIn):
    scoping.require(request.user, scoping.Action.CHANGE)
    data = payload.dict() | {"home": region_named(request.user, payload.home, "home")}
    seeker = services.register_seeker(user=request.user, **data)
    return Status(201, queries.seeker_for(request.user, seeker.pk))


@router.put("/seekers/{int:seeker_id}", response=SeekerOut)
def update_labour_seeker(request, seeker_id: int, payload: SeekerUpdateIn):
    seeker = queries.seeker_for(request.user, seeker_id, scoping.Action.CHANGE)
    services.update_seeker(
        user=request.user, seeker=seeker, expected_version=payload.version, **payload.dict(exclude={"version"})
    )
    return queries.seeker_for(request.user, seeker_id)


@router.get("/seekers/{int:seeker_id}/matches", response=list[LabourMatchOut])
def labour_seeker_matches(request, seeker_id: int, k: TopK = 10):
    seeker = queries.seeker_for(request.user, seeker_id)
    return [m.as_dict() for m in matching.matches_for_seeker(request.user, seeker, k=k)]


@router.get("/plan", response=LabourPlanOut)
def labour_plan(request, k: Annotated[int, Field(ge=1, le=50)] = 10, city: str = ""):
    """The placement plan with the largest total score for the seekers the caller answers for."""
    postings = queries.open_postings(request.user).filter(region__code__startswith=city[:4]) if city else None
    plan = matching.plan_assignment(request.user, k=k, postings=postings)
    return {
        "total": plan.total,
        "seekers": plan.seekers,
        "postings": plan.postings,
        "candidates": plan.candidates,
        "matches": [m.as_dict() for m in plan.matches],
    }


# --- placements and follow-ups ----------------------------------------------------------------------------------


@router.get("/placements", response=list[PlacementOut])
@paginate(Pages, page_size=50)
def list_labour_placements(request, status: str = "", pairing: int | None = None):
    return queries.placements_for(request.user, status=status, pairing=pairing)


@router.get("/placements/{int:placement_id}", response=PlacementOut)
def get_labour_placement(request, placement_id: int):
    return queries.placement_for(request.user, placement_id)


@router.post("/placements", response={201: PlacementOut})
def create_labour_placement(request, payload: PlacementIn):
    """Place a seeker (the seeker's side records it); counted as a 劳务协作 activity of the pairing."""
    seeker = queries.seeker_for(request.user, payload.seeker_id, scoping.Action.CHANGE)
    posting = queries.posting_for(request.user, payload.posting_id)
    data = payload.dict(exclude={"seeker_id", "posting_id"})
    return Status(201, services.record_placement(user=request.user, seeker=seeker, posting=posting, **data))


@router.get("/placements/{int:placement_id}/followups", response=list[FollowUpOut])
def list_labour_placement_followups(request, placement_id: int):
    placement = queries.placement_for(request.user, placement_id)
    return list(scoping.scope(request.user, placement.followups.all()).order_by("months"))


@router.get("/followups", response=list[FollowUpOut])
@paginate(Pages, page_size=50)
def list_labour_followups_due(request, overdue: bool = False, within: Annotated[int, Field(ge=0, le=366)] = 30):
    """Follow-ups not yet done: due within ``within`` days, or only the overdue ones."""
    return queries.followups_due(request.user, within=within, overdue_only=overdue)


@router.put("/followups/{int:followup_id}", response=FollowUpOut)
def record_labour_followup(request, followup_id: int, payload: FollowUpIn):
    followup = queries.followup_for(request.user, followup_id, scoping.Action.CHANGE)
    data = payload.dict()
    version = data.pop("version")
    return services.record_followup(user=request.user, followup=followup, expected_version=version, **data)
