"""The API of the ways in (duikou/monitoring/api.py): declarations taken by staff on the 12317 hotline or at the
counter, and visits with their one-tap case; both listed in scope with ID and phone numbers masked. The household's
own declaration has no API: it is the public page's."""

import json

import pytest

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, Declaration, Visit

pytestmark = pytest.mark.django_db

VILLAGE = "411526001001"


def bearer(user) -> dict:
    _token, key = issue_token(user=user, name="front")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, url: str, user, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json", **bearer(user))


def text(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def declaration(**extra) -> dict:
    return {
        "channel": "hotline",
        "village": VILLAGE,
        "head_name": "周大勇",
        "id_number": mt.id_number(81),
        "phone": "13600000081",
        "difficulty": "job_loss",
        "description": "工厂停工，三个月无收入",
        "consent": True,
        **extra,
    }


@pytest.fixture
def township():
    mt.place()
    return mt.local_user("api_township", level="township")


def test_township_staff_post_a_hotline_declaration_and_get_the_number_back_masked(client, township):
    response = post(client, "/api/monitoring/declarations", township, declaration())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "hotline" and body["ack_number"].startswith("SB")
    assert body["household_pending"] is True and body["case_id"] is not None
    assert body["id_number"].startswith("4115") and "*" in body["id_number"] and body["phone"] == "136****0081"
    assert mt.id_number(81) not in response.content.decode() and "13600000081" not in response.content.decode()
    assert body["recorded_by"] == "api_township"
    assert Alert.objects.get(pk=body["case_id"]).channel == Alert.Channel.HOTLINE


def test_the_households_own_channel_is_not_for_staff(client, township):
    response = post(client, "/api/monitoring/declarations", township, declaration(channel="self"))
    assert response.status_code == 422 and "12317" in text(response)
    assert not Declaration.objects.exists()


def test_a_declaration_without_consent_or_with_a_bad_id_is_refused_with_its_reason(client, township):
    response = post(client, "/api/monitoring/declarations", township, declaration(consent=False))
    assert response.status_code == 422 and "承诺授权" in text(response)
    response = post(client, "/api/monitoring/declarations", township, declaration(id_number="411526198001010000"))
    assert response.status_code == 422 and "校验位" in text(response)
    assert not Declaration.objects.exists()


def test_village_and_city_users_may_not_take_declarations_and_other_areas_are_not_found(client, township):
    village_cadre = mt.local_user("api_village", level="village")
    assert post(client, "/api/monitoring/declarations", village_cadre, declaration()).status_code == 403
    city = testing.user("api_city", "信阳市人民政府", "editor")
    assert post(client, "/api/monitoring/declarations", city, declaration()).status_code == 403
    mt.place("yanan")
    far = post(client, "/api/monitoring/declarations", township, declaration(village="610602001001"))
    assert far.status_code == 404
    assert not Declaration.objects.exists()


def test_the_list_is_scoped_and_filtered(client, township):
    post(client, "/api/monitoring/declarations", township, declaration())
    post(client, "/api/monitoring/declarations", township, declaration(channel="counter", id_number=mt.id_number(82)))
    _t, far = mt.place("yanan")
    services.declare(
        village=far,
        head_name="延安申报",
        id_number=mt.id_number(83, area="610602"),
        phone="13600000083",
        difficulty="other",
        consent=True,
    )
    rows = client.get("/api/monitoring/declarations", **bearer(township)).json()
    assert {r["channel"] for r in rows} == {"hotline", "counter"} and all(r["village"] == VILLAGE for r in rows)
    rows = client.get("/api/monitoring/declarations?channel=counter", **bearer(township)).json()
    assert [r["channel"] for r in rows] == ["counter"]


def test_a_visit_with_one_tap_raises_the_case_and_a_second_joins_it(client, township):
    home = mt.household(township, number="H090", head_name="吴婶")
    cadre = mt.local_user("api_cadre", level="village")
    body = {"household_id": home.pk, "date": "2026-01-05", "situation": "老伴住院", "risk": "illness"}
    response = post(client, "/api/monitoring/visits", cadre, {**body, "raise_case": True})
    assert response.status_code == 201, response.content
    first = response.json()
    assert first["case_id"] is not None and first["visitor"] == "api_cadre" and first["risk"] == "illness"
    second = post(client, "/api/monitoring/visits", cadre, {**body, "date": "2026-01-06", "raise_case": True}).json()
    assert second["case_id"] == first["case_id"]
    case = Alert.objects.get(household=home)
    assert case.steps.filter(step=AlertStep.Step.LEAD).count() == 2
    plain = post(client, "/api/monitoring/visits", cadre, {**body, "risk": "", "situation": "回访"}).json()
    assert plain["case_id"] is None
    rows = client.get("/api/monitoring/visits?raised=true", **bearer(cadre)).json()
    assert [r["id"] for r in rows] == [second["id"], first["id"]]
    assert len(client.get("/api/monitoring/visits?risk=-", **bearer(cadre)).json()) == 1


def test_a_visit_is_refused_without_a_situation_or_outside_the_area(client, township):
    home = mt.household(township, number="H091", head_name="郑伯")
    cadre = mt.local_user("api_cadre2", level="village")
    body = {"household_id": home.pk, "date": "2026-01-05", "situation": " "}
    response = post(client, "/api/monitoring/visits", cadre, body)
    assert response.status_code == 422 and "请填写走访情况" in text(response)
    far = mt.household(mt.local_user("api_far", "yanan", level="township"), "yanan", number="Y9")
    response = post(client, "/api/monitoring/visits", cadre, {**body, "household_id": far.pk, "situation": "x"})
    assert response.status_code == 404
    assert not Visit.objects.exists()
