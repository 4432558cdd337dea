"""API of the pairing recommendation: same data and scoping as the pages."""

import pytest

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.markets.models import EconomicTie
from duikou.markets.recommend import services

pytestmark = pytest.mark.django_db
API = "/api/markets/recommend"


@pytest.fixture(autouse=True)
def shipped():
    services.load_shipped()


def auth(username: str, org: str, role: str = "editor") -> dict:
    _token, key = issue_token(user=testing.user(username, org, role), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_sources_carry_the_official_flag_and_digest(client):
    sources = client.get(f"{API}/sources", **auth("xy", "信阳市人民政府", "viewer")).json()
    flags = {s["file_name"]: s["official"] for s in sources}
    assert flags == {
        "city_profiles_example.csv": False,
        "economic_ties_example.csv": False,
        "old_area_industries.csv": True,
    }
    assert all(len(s["sm3"]) == 64 for s in sources)


def test_ranking_terms_add_up_and_match_the_page(client):
    body = client.get(f"{API}/ranking/411500?k=3", **auth("xy", "信阳市人民政府", "viewer")).json()
    assert [r["name"] for r in body["rows"]] == ["郑州市", "苏州市", "上海市"]
    for row in body["rows"]:
        assert round(sum(t["points"] for t in row["terms"]), 2) == row["score"]
    assert [s["official"] for s in body["sources"]] == [False]


def test_ranking_of_a_city_outside_the_old_areas_is_404(client):
    assert client.get(f"{API}/ranking/320500", **auth("xy", "信阳市人民政府", "viewer")).status_code == 404


def test_review_is_scoped_by_the_pairing(client):
    from duikou.testing import pairing

    headers = auth("xy", "信阳市人民政府", "viewer")
    assert client.get(f"{API}/review/{pairing('信阳市', '苏州市').pk}", **headers).json()["partner_rank"] == 2
    assert client.get(f"{API}/review/{pairing('延安市', '无锡市').pk}", **headers).status_code == 404


def test_tie_by_either_side_not_by_a_stranger(client):
    tie = {"old_region": "411500", "partner_region": "320500", "kind": "trade", "strength": 4, "description": "接口"}
    post = {"content_type": "application/json"}
    assert client.post(f"{API}/ties", tie, **post, **auth("xy", "信阳市人民政府")).status_code == 201
    assert client.post(f"{API}/ties", tie, **post, **auth("sz", "苏州市人民政府")).status_code == 201
    assert client.post(f"{API}/ties", tie, **post, **auth("ya", "延安市人民政府")).status_code == 403
    assert client.post(f"{API}/ties", tie, **post, **auth("xv", "信阳市人民政府", "viewer")).status_code == 403
    assert EconomicTie.objects.filter(description="接口").count() == 2


def test_assignment_respects_the_cap(client):
    body = {"regions": ["411500", "341500", "610600", "360700", "371300"], "cap": 1}
    headers = auth("xy", "信阳市人民政府", "viewer")
    first = client.post(f"{API}/assignment", body, content_type="application/json", **headers).json()
    again = client.post(f"{API}/assignment", body, content_type="application/json", **headers).json()
    assert first == again
    used = [r["candidate"] for r in first["rows"]]
    assert len(used) == len(set(used)) == 5
    assert round(sum(r["score"] for r in first["rows"]), 2) == first["total"]
    for c in first["capacities"]:
        assert c["used"] <= c["capacity"] == max(1 - c["load"], 0)
