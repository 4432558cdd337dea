import pytest

from duikou import testing
from duikou.accounts.services import issue_token, revoke_token

pytestmark = pytest.mark.django_db

EXPECTED = {
    ("赣州市", "赣闽粤原中央苏区", "深圳市"),
    ("吉安市", "赣闽粤原中央苏区", "东莞市"),
    ("龙岩市", "赣闽粤原中央苏区", "广州市"),
    ("三明市", "赣闽粤原中央苏区", "上海市"),
    ("梅州市", "赣闽粤原中央苏区", "广州市"),
    ("延安市", "陕甘宁革命老区", "无锡市"),
    ("庆阳市", "陕甘宁革命老区", "天津市"),
    ("六安市", "大别山革命老区", "上海市"),
    ("信阳市", "大别山革命老区", "苏州市"),
    ("黄冈市", "大别山革命老区", "宁波市"),
    ("百色市", "左右江革命老区", "深圳市"),
    ("巴中市", "川陕革命老区", "金华市"),
    ("郴州市", "湘赣边革命老区", "佛山市"),
    ("张家界市", "湘鄂渝黔革命老区", "南京市"),
    ("恩施土家族苗族自治州", "湘鄂渝黔革命老区", "杭州市"),
    ("遵义市", "湘鄂渝黔革命老区", "珠海市"),
    ("长治市", "太行革命老区", "北京市"),
    ("汕尾市", "海陆丰革命老区", "深圳市"),
    ("临沂市", "沂蒙革命老区", "济南市"),
    ("丽水市", "浙西南革命老区", "宁波市"),
}


def bearer(user):
    _token, key = issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_national_pairings_through_the_api(client):
    overseer = testing.user("ndrc", "国家发展改革委（振兴司）", "viewer")
    body = client.get("/api/pairings?level=national", **bearer(overseer)).json()
    assert body["count"] == 20
    got = {(p["old_region"]["name"], p["old_area"], p["partner_region"]["name"]) for p in body["items"]}
    assert got == EXPECTED


def test_province_sees_only_its_pairings(client):
    henan = testing.user("hn", "河南省人民政府", "viewer")
    body = client.get("/api/pairings", **bearer(henan)).json()
    assert [p["old_region"]["name"] for p in body["items"]] == ["信阳市"]


def test_revoked_token_is_refused(client):
    user = testing.user("xy", "信阳市人民政府", "viewer")
    token, key = issue_token(user=user, name="t")
    revoke_token(user=user, token=token)
    assert client.get("/api/pairings", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_stale_profile_write_answers_409(client):
    editor = testing.user("xy", "信阳市人民政府", "editor")
    pairing = testing.pairing("信阳市", "苏州市")
    url, auth = f"/api/pairings/{pairing.pk}/profile", bearer(editor)
    first = client.put(url, {"version": 1, "mechanism": "A"}, content_type="application/json", **auth)
    assert first.status_code == 200 and first.json()["version"] == 2
    second = client.put(url, {"version": 1, "mechanism": "B"}, content_type="application/json", **auth)
    assert second.status_code == 409 and "已被他人修改" in second.json()["detail"]


def test_search_endpoint_is_paginated(client):
    user = testing.user("xy", "信阳市人民政府", "viewer")
    body = client.get("/api/policy/search?q=省域副中心城市", **bearer(user)).json()
    assert body["count"] >= 2 and "clause" in body["items"][0]
