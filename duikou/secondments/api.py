"""API of the seconded-people register: the list with its filters, one secondment with its reports, recording,
editing, ending and reports, and a pairing's counts for a period. Same scoping and checks as the pages: reads through
``queries``, writes through ``services``. An answer shows the masked ID and phone, never the numbers; a stale
``version`` answers 409, a rule broken 422 with the reasons in Chinese, another area's record 404 or 403.
"""

import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from duikou.accounts import scoping
from duikou.core import pii
from duikou.core.pagination import Pages
from duikou.pairings.models import Pairing

from . import queries, services
from .models import Secondment

router = Router(tags=["secondments"])


class SecondmentOut(Schema):
    """A secondment as every answer shows one: the masked ID and phone, never the numbers."""

    id: int
    pairing_id: int
    direction: str
    kind: str
    name: str
    id_number_masked: str
    phone_masked: str
    home_org: str
    host_org: str
    post: str
    field: str
    start_date: datetime.date
    end_date: datetime.date | None
    status: str
    end_reason: str
    version: int


class SecondmentFields(Schema):
    direction: str
    kind: str
    name: str = Field(max_length=60)
    home_org: str = Field(max_length=120)
    host_org: str = Field(max_length=120)
    post: str = Field(max_length=120)
    field: str
    start_date: datetime.date
    end_date: datetime.date | None = None


class SecondmentIn(SecondmentFields):
    pairing_id: int
    id_number: str = Field(max_length=40)
    phone: str = Field("", max_length=20)


class SecondmentUpdateIn(SecondmentFields):
    version: int
    phone: str | None = Field(None, max_length=20)  # null keeps the stored number


class SecondmentEndIn(Schema):
    version: int
    on: datetime.date
    early: bool
    reason: str = Field("", max_length=2000)


class SecondmentReportIn(Schema):
    date: datetime.date
    title: str = Field(max_length=200)
    text: str = Field(max_length=20000)


class SecondmentReportOut(Schema):
    id: int
    secondment_id: int
    date: datetime.date
    title: str
    text: str


class SecondmentCountsOut(Schema):
    pairing_id: int
    since: datetime.date
    until: datetime.date
    total: int
    direction: dict[str, int]
    field: dict[str, int]


@router.get("", response=list[SecondmentOut])
@paginate(Pages, page_size=50)
def list_secondments(
    request,
    q: str = "",
    pairing: int | None = None,
    direction: str = "",
    field: str = "",
    status: str = "",
    serving_on: datetime.date | None = None,
):
    """`q` is part of a name or an organisation (an ID number is refused: URLs are kept in access logs); `serving_on`
    keeps those serving on that date."""
    if pii.looks_like_id_number(q):
        raise ValidationError(str(queries.ID_IN_ADDRESS))
    return queries.secondments_for(
        request.user,
        q=q[:60],
        pairing=pairing,
        direction=direction,
        field=field,
        status=status,
        serving_on=serving_on,
    )


@router.get("/counts", response=SecondmentCountsOut)
def secondment_counts(request, pairing: int, since: datetime.date, until: datetime.date):
    """The people serving at any time within [since, until]: what the reporting grid shows beside 干部双向挂职人数."""
    found = scoping.get_for(request.user, Pairing, pk=pairing)
    counts = queries.counts(request.user, pairing=found.pk, since=since, until=until)
    return {
        "pairing_id": found.pk,
        "since": since,
        "until": until,
        "total": counts["total"],
        "direction": dict(zip(Secondment.Direction.values, [n for _l, n in counts["direction"]], strict=True)),
        "field": dict(zip(Secondment.Field.values, [n for _l, n in counts["field"]], strict=True)),
    }


@router.get("/{int:secondment_id}", response=SecondmentOut)
def get_secondment(request, secondment_id: int):
    return queries.secondment_for(request.user, secondment_id)


@router.post("", response={201: SecondmentOut})
def create_secondment(request, payload: SecondmentIn):
    scoping.require(request.user, scoping.Action.CHANGE)
    pairing = get_object_or_404(scoping.scope(request.user, Pairing), pk=payload.pairing_id)
    item = services.create_secondment(user=request.user, pairing=pairing, **payload.dict(exclude={"pairing_id"}))
    return Status(201, queries.secondment_for(request.user, item.pk))


@router.put("/{int:secondment_id}", response=SecondmentOut)
def update_secondment(request, secondment_id: int, payload: SecondmentUpdateIn):
    """Edit a secondment; send the version you read. A stale version answers 409."""
    item = queries.secondment_for(request.user, secondment_id, scoping.Action.CHANGE)
    services.update_secondment(
        user=request.user, secondment=item, expected_version=payload.version, **payload.dict(exclude={"version"})
    )
    return queries.secondment_for(request.user, secondment_id)


@router.post("/{int:secondment_id}/end", response=SecondmentOut)
def end_secondment(request, secondment_id: int, payload: SecondmentEndIn):
    """End the secondment: 期满 (`early` false) or 提前结束 with its reason. The record stays."""
    item = queries.secondment_for(request.user, secondment_id, scoping.Action.CHANGE)
    services.end_secondment(
        user=request.user,
        secondment=item,
        expected_version=payload.version,
        on=payload.on,
        early=payload.early,
        reason=payload.reason,
    )
    return queries.secondment_for(request.user, secondment_id)


@router.get("/{int:secondment_id}/reports", response=list[SecondmentReportOut])
def list_secondment_reports(request, secondment_id: int):
    item = queries.secondment_for(request.user, secondment_id)
    return list(queries.reports_of(request.user, item))


@router.post("/{int:secondment_id}/reports", response={201: SecondmentReportOut})
def add_secondment_report(request, secondment_id: int, payload: SecondmentReportIn):
    item = queries.secondment_for(request.user, secondment_id, scoping.Action.CHANGE)
    return Status(201, services.add_report(user=request.user, secondment=item, **payload.dict()))
