"""产销对接 pages and API, through HTTP."""

import datetime
import json

import pytest

from duikou import testing
from duikou.markets.models import Agreement, ProductListing
from duikou.markets.produce import services
from duikou.markets.produce import testing as make

pytestmark = pytest.mark.django_db


def test_listing_detail_shows_ranked_matches_with_reasons_adding_up(client, editor):
    offer = make.listing("411526", "信阳毛尖", category="tea", certifications=["gi"], price_yuan_kg=300)
    make.demand("320508", "苏州某食堂", category="tea", max_price_yuan_kg=400)
    make.demand("310104", "上海某超市", category="tea")
    client.force_login(editor)
    body = client.get(f"/markets/produce/listings/{offer.pk}/").content.decode()
    assert body.index("苏州某食堂") < body.index("上海某超市")
    assert "产地城市与采购方所在城市是对口合作结对城市" in body


def test_create_listing_form_shows_service_errors(client, editor):
    client.force_login(editor)
    data = {
        "supplier": "x",
        "name": "y",
        "category": "tea",
        "origin": "350405",
        "volume_tonnes": "1",
        "season_start": "1",
        "season_end": "2",
        "price_yuan_kg": "1",
    }
    response = client.post("/markets/produce/listings/new/", data)
    assert response.status_code == 200 and "本单位所辖地区" in response.content.decode()
    response = client.post("/markets/produce/listings/new/", data | {"origin": "411526 潢川县"})
    assert response.status_code == 302 and ProductListing.objects.get().origin_id == "411526"


def test_yanan_editor_cannot_open_the_edit_page_of_a_xinyang_listing(client):
    offer = make.listing("411526")
    client.force_login(testing.user("ya", "延安市人民政府", "editor"))
    assert client.get(f"/markets/produce/listings/{offer.pk}/").status_code == 200
    assert client.get(f"/markets/produce/listings/{offer.pk}/edit/").status_code == 403


def test_stale_edit_is_refused_on_the_page(client, editor):
    offer = make.listing("411526", user=editor)
    services.update_listing(listing=offer, user=editor, expected_version=1, note="先改")
    client.force_login(editor)
    data = {
        "version": "1",
        "supplier": "x",
        "name": "y",
        "category": "tea",
        "origin": "411526",
        "volume_tonnes": "1",
        "season_start": "1",
        "season_end": "2",
        "price_yuan_kg": "1",
    }
    response = client.post(f"/markets/produce/listings/{offer.pk}/edit/", data)
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()


def test_sign_and_deliver_through_the_pages(client, editor):
    offer = make.listing("411526", user=editor)
    want = make.demand("320508")
    client.force_login(editor)
    url = f"/markets/produce/agreements/new/?listing={offer.pk}&demand={want.pk}"
    assert "N09" in client.get(url).content.decode()
    response = client.post(
        "/markets/produce/agreements/new/",
        {"listing": offer.pk, "demand": want.pk, "volume_tonnes": "2", "price_yuan_kg": "6", "signed_on": "2025-03-01"},
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    response = client.post(
        f"/markets/produce/agreements/{agreement.pk}/deliveries/",
        {"date": "2025-03-05", "volume_tonnes": "1", "amount_wan": "3"},
    )
    assert response.status_code == 302
    assert "产销对接：" in client.get(f"/markets/produce/agreements/{agreement.pk}/").content.decode()


def test_plan_page_shows_the_assignment(client, editor):
    make.listing("411526", "信阳板栗", user=editor)
    make.demand("320508", "苏州某食堂")
    client.force_login(editor)
    body = client.get("/markets/produce/plan/?side=supply&k=5").content.decode()
    assert "信阳板栗" in body and "苏州某食堂" in body


def _api(client, user, method, url, payload=None):
    from duikou.accounts.services import issue_token

    _token, key = issue_token(user=user, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data=json.dumps(payload), content_type="application/json", **headers)


def test_api_create_recommend_sign_deliver(client, editor):
    base = "/api/markets/produce"
    payload = {
        "supplier": "商城县合作社",
        "name": "信阳毛尖",
        "category": "tea",
        "origin": "411524",
        "certifications": ["gi"],
        "volume_tonnes": "5",
        "season_start": 3,
        "season_end": 6,
        "price_yuan_kg": "350",
    }
    response = _api(client, editor, "post", f"{base}/listings", payload)
    assert response.status_code == 201
    listing_id = response.json()["id"]
    bad = _api(client, editor, "post", f"{base}/listings", payload | {"origin": "350405", "season_start": 13})
    assert bad.status_code == 422
    want = make.demand("320508", "苏州某食堂", category="tea", period_start=datetime.date(2025, 4, 1))
    matches = _api(client, editor, "get", f"{base}/listings/{listing_id}/recommendations").json()
    assert matches[0]["demand_id"] == want.pk
    assert round(sum(t["points"] for t in matches[0]["terms"]), 2) == matches[0]["score"]
    signed = _api(
        client,
        editor,
        "post",
        f"{base}/agreements",
        {
            "listing_id": listing_id,
            "demand_id": want.pk,
            "volume_tonnes": "2",
            "price_yuan_kg": "350",
            "signed_on": "2025-04-01",
        },
    )
    assert signed.status_code == 201 and signed.json()["pairing_id"] is not None
    deliveries = f"{base}/agreements/{signed.json()['id']}/deliveries"

    def deliver(user, day: str):
        return _api(client, user, "post", deliveries, {"date": day, "volume_tonnes": "1", "amount_wan": "35"})

    delivery = deliver(editor, "2025-04-20")
    assert delivery.status_code == 201 and delivery.json()["activity_id"]
    stranger = testing.user("ya", "延安市人民政府", "editor")
    refused = deliver(stranger, "2025-04-21")
    assert refused.status_code == 404


def test_listings_filter_by_certification(client, editor):
    make.listing("411526", "有地标的", certifications=["gi", "green"])
    make.listing("411526", "无认证的")
    client.force_login(editor)
    body = client.get("/markets/produce/listings/?certification=gi").content.decode()
    assert "有地标的" in body and "无认证的" not in body
    detail = client.get(f"/markets/produce/listings/{ProductListing.objects.get(name='有地标的').pk}/")
    assert "绿色食品、地理标志农产品" in detail.content.decode()
