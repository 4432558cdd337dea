"""The registry's API: a household edited with PATCH and its version (409 when stale, 403 for a city editor),
members added (masked in the answer, a duplicate ID refused), income records of a period added and listed."""

import json

import pytest

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.monitoring import testing as mt

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, key = issue_token(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def send(client, method: str, url: str, user, data: dict):
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json", **bearer(user))


@pytest.fixture
def township():
    return mt.local_user("api_township", level="township")


def test_a_household_is_patched_with_its_version(client, township):
    home = mt.household(township, number="H001", head_name="王大")
    url = f"/api/monitoring/households/{home.pk}"
    answer = send(
        client, "patch", url, township, {"version": home.version, "labour_capacity": False, "address": "一组"}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["labour_capacity"], body["address"], body["head_name"]) == (False, "一组", "王大")
    stale = send(client, "patch", url, township, {"version": home.version, "head_name": "旧"})
    assert stale.status_code == 409
    taken = mt.household(township, number="H002")
    clash = send(client, "patch", f"/api/monitoring/households/{taken.pk}", township, {"version": 1, "number": "H001"})
    assert clash.status_code == 422 and "H001" in clash.content.decode()
    city = testing.user("api_city", "信阳市人民政府", "editor")
    assert send(client, "patch", url, city, {"version": body["version"], "address": "x"}).status_code == 403


def test_members_are_added_masked_and_incomes_by_period(client, township):
    home = mt.household(township, number="H001")
    plain = mt.id_number(61)
    url = f"/api/monitoring/households/{home.pk}"
    member = {"name": "王小", "relation": "子女", "id_number": plain, "phone": "13700001234"}
    answer = send(client, "post", f"{url}/members", township, member)
    assert answer.status_code == 201 and plain not in answer.content.decode()
    assert answer.json()["phone"] == "137****1234"
    assert send(client, "post", f"{url}/members", township, member).status_code == 422
    income = {"year": 2026, "period_kind": "month", "period": 3, "persons": 2, "net_income": "1000"}
    made = send(client, "post", f"{url}/incomes", township, income)
    assert made.status_code == 201 and made.json()["annual_per_capita"] == "6000.00"
    assert send(client, "post", f"{url}/incomes", township, income).status_code == 422
    assert send(client, "post", f"{url}/incomes", township, income | {"period": 13}).status_code == 422
    listed = client.get(f"{url}/incomes", **bearer(township)).json()
    assert [r["label"] for r in listed] == ["2026年3月"]
