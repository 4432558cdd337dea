"""Bad input never crashes: every API route that reads, called with odd query values, answers 2xx or 4xx, never a
server error; so does every list page of the site with odd filter values; a NUL character is refused wherever it
comes, and a value the database refuses is a 400.

The routes are taken from the API's own OpenAPI description, so a new route is covered without an entry here.
Path parameters are filled with real objects (a 信阳 listing, a 苏州 demand, ...) where the route has them and
with an unknown id otherwise."""

import json
import re

import pytest
from django.db import DataError
from django.urls import NoReverseMatch, reverse

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.api import api
from duikou.core.middleware import BadInputMiddleware
from duikou.markets.labour import testing as lt
from duikou.markets.models import ProductListing
from duikou.markets.produce import testing as ct
from duikou.permission_matrix import all_route_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    editor = testing.user("xy_bad_input", "信阳市人民政府", "editor")
    national = testing.user("ndrc_bad_input", "国家发展改革委（振兴司）", "viewer")
    buyer = testing.user("sz_bad_input", "苏州市人民政府", "editor")
    return {
        "user": national,
        "editor": editor,
        "ids": {
            "listing_id": ct.listing(user=editor).pk,
            "demand_id": ct.demand(user=buyer).pk,
            "posting_id": lt.posting(user=buyer).pk,
            "seeker_id": lt.seeker(user=editor).pk,
            "pairing_id": testing.pairing("信阳市", "苏州市").pk,
            "code": "411500",
        },
    }


def get_routes():
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" in operations:
            yield path, operations["get"].get("parameters", [])


def fill(path: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 987654)), path)


def test_api_reads_answer_odd_query_values_without_a_server_error(client, world):
    client.raise_request_exception = False  # a crash is an answer of 500 here, to list them all
    failures = []
    for who in ("user", "editor"):
        _token, key = issue_token(user=world[who], name="bad input")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        for path, parameters in get_routes():
            url = fill(path, world["ids"])
            queries = [p["name"] for p in parameters if p["in"] == "query"]
            assert testing.status_alone(client.get, url, **auth) < 500, url
            for name in queries:
                for value in testing.ODD_VALUES:
                    status = testing.status_alone(client.get, url, {name: value}, **auth)
                    if status >= 500:
                        failures.append(f"{who} GET {url}?{name}={value[:20]!r}: {status}")
    assert not failures, "\n".join(failures)


NOT_PAGES = {"login", "logout", "set_language", "healthz", "readyz"}  # the session's own routes and the probes


def page_routes():
    """Every page of the site that takes no argument in its path."""
    for name in sorted(n for n in all_route_names() if not n.startswith("api:") and n not in NOT_PAGES):
        try:
            yield reverse(name)
        except NoReverseMatch:
            continue  # the route needs an argument


def test_pages_answer_odd_query_values_without_a_server_error(client, world):
    client.raise_request_exception = False
    failures = []
    for who in ("user", "editor"):
        client.force_login(world[who])
        for url in page_routes():
            for value in testing.ODD_VALUES:
                status = testing.status_alone(client.get, url, dict.fromkeys(testing.FILTER_NAMES, value))
                if status >= 500:
                    failures.append(f"{who} GET {url} with every filter {value[:20]!r}: {status}")
    assert not failures, "\n".join(failures)


def test_a_nul_character_is_refused_wherever_it_comes(client, world):
    """A NUL in the path, a form field or a JSON body is answered 400 with a message, before any route runs."""
    client.force_login(world["editor"])
    assert client.get("/api/regions/4115%0000").status_code == 400
    response = client.post(reverse("markets:produce_listing_create"), {"name": "信阳\x00毛尖", "supplier": "x"})
    assert response.status_code == 400 and "空字符" in response.content.decode()
    _token, key = issue_token(user=world["editor"], name="nul")
    body = '{"supplier": "x\\u0000", "name": "信阳毛尖"}'
    response = client.post(
        "/api/markets/produce/listings", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 400
    assert ProductListing.objects.count() == 1  # the world's only


def test_a_value_the_database_refuses_is_a_400_not_a_server_error(rf):
    """The safety net under every page and API route: what the database refuses as data (a number out of range on
    PostgreSQL, too large for SQLite's driver) is answered 400 with a message."""
    middleware = BadInputMiddleware(lambda request: None)
    for exc in (DataError("integer out of range"), OverflowError("Python int too large to convert to SQLite INTEGER")):
        response = middleware.process_exception(rf.get("/projects/"), exc)
        assert response.status_code == 400 and "超出范围" in response.content.decode()
        response = api.refused_value(rf.get("/api/projects"), exc)
        assert response.status_code == 400 and "超出范围" in json.loads(response.content)["detail"]
    assert middleware.process_exception(rf.get("/projects/"), ValueError("a bug")) is None  # not swallowed
