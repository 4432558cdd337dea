"""The API answers with masked numbers, refuses an overlap with 422 and a stale version with 409."""

import json

import pytest

from duikou.accounts.services import issue_token
from duikou.secondments import testing as st

pytestmark = pytest.mark.django_db


def _call(client, user, method, url, data=None):
    token = issue_token(user=user, name="测试")[1] if not hasattr(user, "_token") else user._token
    user._token = token
    send = getattr(client, method)
    body = {"data": json.dumps(data), "content_type": "application/json"} if data is not None else {}
    return send(url, HTTP_AUTHORIZATION=f"Bearer {token}", **body)


def _payload(pairing, serial, **over):
    return {
        "pairing_id": pairing.pk, "direction": "east_to_old", "kind": "cadre", "name": "孔接口",
        "id_number": st.id_number(serial), "phone": "13500002222", "home_org": "苏州市教育局",
        "host_org": "信阳市教育局", "post": "副局长", "field": "education", "start_date": "2026-03-01",
    } | over  # fmt: skip


def test_a_created_secondment_answers_masked(client, xinyang, pairing):
    response = _call(client, xinyang, "post", "/api/secondments", _payload(pairing, 71))
    assert response.status_code == 201
    body = response.json()
    assert body["id_number_masked"] == st.id_number(71)[:4] + "*" * 10 + st.id_number(71)[-4:]
    assert st.id_number(71) not in response.content.decode() and "13500002222" not in response.content.decode()


def test_an_overlap_answers_422_naming_the_person_masked(client, xinyang, pairing):
    _call(client, xinyang, "post", "/api/secondments", _payload(pairing, 72))
    response = _call(client, xinyang, "post", "/api/secondments", _payload(pairing, 72, start_date="2026-04-01"))
    assert response.status_code == 422
    text = " ".join(response.json()["detail"])
    assert "两段挂职时间重叠" in text and st.id_number(72) not in text


def test_a_stale_version_answers_409(client, xinyang, pairing):
    item = st.secondment(xinyang, serial=73)
    change = {k: v for k, v in _payload(pairing, 73).items() if k not in ("pairing_id", "id_number", "phone")}
    assert _call(client, xinyang, "put", f"/api/secondments/{item.pk}", change | {"version": 1}).status_code == 200
    assert _call(client, xinyang, "put", f"/api/secondments/{item.pk}", change | {"version": 1}).status_code == 409


def test_an_id_number_in_the_lists_query_is_refused(client, xinyang):
    st.secondment(xinyang, serial=74)
    response = _call(client, xinyang, "get", f"/api/secondments?q={st.id_number(74)}")
    assert response.status_code == 422 and "身份证号不能作为网址中的查询条件" in " ".join(response.json()["detail"])
