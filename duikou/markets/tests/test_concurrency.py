"""Several people signing, delivering, registering or placing at the same moment (see docs/security.md, 并发写入).
Each test starts its clients together (``duikou.testing.race``); none may get a server error, and no quantity is
promised twice.

Routes and how each race is settled:

- ``POST /api/markets/produce/agreements``: the listing's and the demand's rows are locked (in that order) and the
  volume still free read there, so agreements signed at the same moment never promise more than either has.
- ``POST /api/markets/produce/agreements/{id}/deliveries`` (``markets:produce_delivery_create``): the agreement's
  row is locked and the volume delivered so far read there: deliveries never exceed the agreement, and each is
  numbered (its activity's title) after the one before.
- ``POST /api/markets/labour/postings/{id}/close`` and the other edits of postings, seekers, listings, demands and
  agreements (and their pages): saved with the version the user read; one wins, the others get 409.
- ``POST /api/markets/labour/seekers``: one seeker per ID number is a unique rule of the database; a second
  registration at the same moment is refused with the same message as one a moment later.
- ``POST /api/markets/labour/placements``: the seeker's and the posting's rows are locked, so a seeker is placed
  once and a posting never takes more people than its headcount.
- ``PUT /api/markets/labour/followups/{id}``: saved with the version the user read.
"""

import json
from decimal import Decimal

import pytest

from duikou import testing
from duikou.markets.labour import testing as lt
from duikou.markets.models import Agreement, Delivery, JobSeeker, Placement
from duikou.markets.produce import testing as make

PRODUCE = "/api/markets/produce"
LABOUR = "/api/markets/labour"


@pytest.fixture
def xinyang(committed_db):
    return testing.user("xy_editor", "信阳市人民政府", "editor")


@pytest.fixture
def suzhou(committed_db):
    return testing.user("sz_editor", "苏州市人民政府", "editor")


def post_json(url, body, method="post"):
    return lambda client, i: getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def codes(results) -> list:
    return [getattr(r, "status_code", repr(r)) for r in results]


def test_agreements_signed_at_once_never_promise_more_than_the_listing_has(xinyang):
    offer = make.listing("411526", "并发产品", user=xinyang, volume_tonnes=Decimal("25"))
    buyer = make.demand("320508", "并发食堂", volume_tonnes=Decimal("100"))
    body = {"listing_id": offer.pk, "demand_id": buyer.pk, "volume_tonnes": "10", "price_yuan_kg": "6"}
    results = testing.race(
        testing.clients(xinyang, post_json(f"{PRODUCE}/agreements", body | {"signed_on": "2025-05-01"}))
    )
    assert sorted(codes(results)) == [201, 201] + [422] * (len(results) - 2), testing.statuses(results)
    assert all("剩余可供量" in json.dumps(r.json(), ensure_ascii=False) for r in results if r.status_code == 422)
    assert sum(a.volume_tonnes for a in Agreement.objects.filter(listing=offer)) == 20


def test_deliveries_recorded_at_once_never_exceed_the_agreement(xinyang):
    offer = make.listing("411526", "并发交付产品", user=xinyang, volume_tonnes=Decimal("50"))
    buyer = make.demand("320508", "并发交付食堂", volume_tonnes=Decimal("50"))
    agreement = Agreement.objects.get(
        pk=testing.logged_in(xinyang)
        .post(
            f"{PRODUCE}/agreements",
            data=json.dumps(
                {
                    "listing_id": offer.pk,
                    "demand_id": buyer.pk,
                    "volume_tonnes": "25",
                    "price_yuan_kg": "6",
                    "signed_on": "2025-05-01",
                }
            ),
            content_type="application/json",
        )
        .json()["id"]
    )
    body = {"date": "2025-06-01", "volume_tonnes": "10", "amount_wan": "6"}
    results = testing.race(testing.clients(xinyang, post_json(f"{PRODUCE}/agreements/{agreement.pk}/deliveries", body)))
    assert sorted(codes(results)) == [201, 201] + [422] * (len(results) - 2), testing.statuses(results)
    delivered = Delivery.objects.filter(agreement=agreement)
    assert sum(d.volume_tonnes for d in delivered) == 20
    assert len({d.activity.title for d in delivered}) == 2  # 第 1 批, 第 2 批


def test_a_posting_closed_twice_at_once_is_closed_once(suzhou):
    posting = lt.posting("320505", "并发关闭岗位", user=suzhou)
    url = f"{LABOUR}/postings/{posting.pk}/close"
    results = testing.race(testing.clients(suzhou, post_json(url, {"version": posting.version})))
    assert sorted(codes(results)) == [200] + [409] * (len(results) - 1), testing.statuses(results)
    posting.refresh_from_db()
    assert posting.status == "closed" and posting.version == 2


def test_a_seeker_registered_twice_at_once_is_registered_once(xinyang):
    body = {"home": "411526", "name": "并发求职者", "id_number": lt.id_number(41), "expected_wage": 5000}
    results = testing.race(testing.clients(xinyang, post_json(f"{LABOUR}/seekers", body)))
    assert sorted(codes(results)) == [201] + [422] * (len(results) - 1), testing.statuses(results)
    assert all("已登记为求职者" in json.dumps(r.json(), ensure_ascii=False) for r in results if r.status_code == 422)
    assert JobSeeker.objects.filter(name="并发求职者").count() == 1


def test_placements_made_at_once_respect_the_seeker_and_the_headcount(xinyang, suzhou):
    posting = lt.posting("320505", "并发岗位", user=suzhou, headcount=2)
    seekers = [lt.seeker("411526", f"并发安置{n}", serial=50 + n, user=xinyang) for n in range(3)]

    def place(client, i):
        body = {"seeker_id": seekers[i % 3].pk, "posting_id": posting.pk, "start_date": "2025-07-01", "wage": 5500}
        return post_json(f"{LABOUR}/placements", body)(client, i)

    results = testing.race(testing.clients(xinyang, place))
    assert sorted(codes(results)) == [201, 201] + [422] * (len(results) - 2), testing.statuses(results)
    placed = Placement.objects.filter(posting=posting)
    assert placed.count() == 2 and len({p.seeker_id for p in placed}) == 2


def test_a_followup_recorded_twice_at_once_is_recorded_once(xinyang, suzhou):
    posting = lt.posting("320505", "回访岗位", user=suzhou)
    seeker = lt.seeker("411526", "回访求职者", serial=61, user=xinyang)
    placement = Placement.objects.get(
        pk=testing.logged_in(xinyang)
        .post(
            f"{LABOUR}/placements",
            data=json.dumps(
                {"seeker_id": seeker.pk, "posting_id": posting.pk, "start_date": "2025-01-01", "wage": 5000}
            ),
            content_type="application/json",
        )
        .json()["id"]
    )
    followup = placement.followups.order_by("months").first()
    body = {"version": followup.version, "still_employed": True, "wage": 5200, "done_on": "2025-04-01"}
    results = testing.race(testing.clients(xinyang, post_json(f"{LABOUR}/followups/{followup.pk}", body, "put")))
    assert sorted(codes(results)) == [200] + [409] * (len(results) - 1), testing.statuses(results)
    followup.refresh_from_db()
    assert followup.version == 2


def test_county_approvers_acting_on_one_certification_at_once_one_wins(committed_db):
    """``POST /api/markets/produce/certifications/{id}/steps/{step}``: saved with the version the approver read; two
    approvers of the county acting at the same moment (one returns it, the others post it for 公示): one wins, the
    others get 409, never a server error."""
    import datetime

    from django.utils import timezone

    from duikou.markets.models import ProductCertification
    from duikou.markets.produce import services

    county = testing.county_org(make.XIN_XIAN)
    editor = testing.user("hc_race_editor", county, "editor")
    cert = make.certification(user=editor)
    cert = services.certification_step(certification=cert, user=editor, name="submit", expected_version=1)
    n = testing.racers()
    approvers = [testing.user(f"hc_race_approver{i}", county, "approver") for i in range(n)]
    today = timezone.localdate()
    review = {"version": cert.version, "publicity_start": today.isoformat()}
    review["publicity_end"] = (today + datetime.timedelta(days=7)).isoformat()

    def prepare(i: int):
        client = testing.logged_in(approvers[i])
        step, body = ("return", {"version": cert.version, "note": "材料不全"}) if i == 0 else ("publicize", review)
        return lambda: client.post(
            f"{PRODUCE}/certifications/{cert.pk}/steps/{step}", data=json.dumps(body), content_type="application/json"
        )

    results = testing.race(prepare, n)
    assert sorted(codes(results)) == [200] + [409] * (n - 1), testing.statuses(results)
    cert = ProductCertification.objects.get(pk=cert.pk)
    assert cert.version == 3 and cert.status in ("draft", "publicity")
