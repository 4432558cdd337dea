"""The public API (/public/api/): no sign-in, read-only, its own description, rate limited per address."""

import pytest

from duikou.publication import testing as pub

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = pub.world()
    pub.publish_all(world)
    return world


def test_the_tables_and_their_columns(client, w):
    tables = client.get("/public/api/tables").json()
    assert [t["name"] for t in tables] == [
        "pairings",
        "plans",
        "projects",
        "figures",
        "results",
        "commendations",
        "culture_resources",
        "culture_route_stops",
    ]
    projects = next(t for t in tables if t["name"] == "projects")
    keys = [c["key"] for c in projects["columns"]]
    assert keys.index("status_label") == keys.index("status") + 1  # the label beside its code


def test_a_tables_rows_with_a_date_range(client, w):
    body = client.get("/public/api/tables/figures?start=2026-01-01&end=2026-12-31").json()
    assert [(r["period"], r["status"], r["status_label"]) for r in body["rows"]] == [("2026Q1", "approved", "已审核")]
    assert client.get("/public/api/tables/figures?end=2025-12-31").json()["rows"] == []
    assert client.get("/public/api/tables/figures?start=2026-12-31&end=2026-01-01").status_code == 422
    assert client.get("/public/api/tables/figures?start=abc").status_code == 422
    assert client.get("/public/api/tables/households").status_code == 404


def test_the_pairings(client, w):
    pairings = client.get("/public/api/pairings").json()
    assert len(pairings) == 20 and {"id", "code", "old_region", "partner_region", "url"} <= set(pairings[0])
    one = client.get(f"/public/api/pairings/{w['pairing'].pk}").json()
    assert (one["old_region"]["name"], one["partner_region"]["name"]) == ("信阳市", "苏州市")
    assert client.get("/public/api/pairings/999999").status_code == 404


def test_the_api_has_its_own_description_without_the_internal_routes(client, w):
    response = client.get("/public/api/openapi.json")
    assert response.status_code == 200 and "noindex" in response["X-Robots-Tag"]
    description = response.json()
    paths = set(description["paths"])
    assert "429" in description["paths"]["/public/api/pairings"]["get"]["responses"]
    assert paths == {
        "/public/api/tables",
        "/public/api/tables/{name}",
        "/public/api/pairings",
        "/public/api/pairings/{pairing_id}",
    }
    assert client.get("/api/openapi.json").status_code == 401  # the internal one still needs a sign-in


def test_the_api_writes_nothing(client, w):
    assert client.post("/public/api/tables", {}).status_code == 405


def test_an_address_over_its_limit_is_refused_with_retry_after(client, w, settings):
    settings.DUIKOU_PUBLIC_API_PER_MINUTE = 3
    statuses = [client.get("/public/api/pairings").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/public/data/pairings.csv")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert client.get("/public/api/openapi.json").status_code == 429
    other = client.get("/public/api/pairings", REMOTE_ADDR="198.51.100.9")
    assert other.status_code == 200
