"""The two cities recording the same person at the same moment, each with another start date: the periods overlap,
so one is recorded (201) and the others are refused (422) as they would be a moment later; never a server error."""

import json

import pytest

from duikou import testing
from duikou.secondments import testing as st
from duikou.secondments.models import Secondment


@pytest.fixture
def editors(committed_db):
    return testing.user("xy_race", "信阳市人民政府", "editor"), testing.user("sz_race", "苏州市人民政府", "editor")


def test_one_person_recorded_by_both_cities_at_once_with_overlapping_periods_is_recorded_once(editors):
    pairing = testing.pairing("信阳市", "苏州市")
    body = {
        "pairing_id": pairing.pk, "direction": "east_to_old", "kind": "cadre", "name": "并发挂职",
        "id_number": st.id_number(91), "home_org": "甲", "host_org": "乙", "post": "丙", "field": "other",
    }  # fmt: skip

    def send(client, i):
        day = f"2026-0{i % 9 + 1}-01"  # each client another start date: only the overlap check can settle it
        return client.post(
            "/api/secondments", data=json.dumps(body | {"start_date": day}), content_type="application/json"
        )

    def prepare(i):
        client = testing.logged_in(editors[i % 2])
        return lambda: send(client, i)

    results = testing.race(prepare)
    assert testing.statuses(results) == sorted([201] + [422] * (len(results) - 1), key=str)
    refused = [" ".join(r.json()["detail"]) for r in results if r.status_code == 422]
    assert all("两段挂职时间重叠" in text and st.id_number(91) not in text for text in refused)
    assert Secondment.objects.filter(name="并发挂职").count() == 1
