"""Old addresses of renamed matching subjects: an API route answers 308 (a POST stays a POST, with its body), a page
301, and the rest of the path and the query string are carried over."""

import pytest
from django.test import override_settings
from django.urls import include, path

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.markets import redirects
from duikou.markets.models import EconomicTie
from duikou.markets.recommend import services

pytestmark = pytest.mark.django_db
OLD, NEW = "/api/markets/pairing-review", "/api/markets/recommend"


@pytest.fixture
def headers():
    services.load_shipped()
    _token, key = issue_token(user=testing.user("xy", "信阳市人民政府", "editor"), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_old_api_route_is_a_308_to_the_new_one_with_its_query(client):
    response = client.get(f"{OLD}/ranking/411500?k=3")
    assert response.status_code == 308
    assert response["Location"] == f"{NEW}/ranking/411500?k=3"


def test_old_api_read_answers_what_the_new_route_does(client, headers):
    # the test client re-sends a followed GET's own data rather than the query of the Location, so pass it as data
    old = client.get(f"{OLD}/ranking/411500", {"k": 3}, follow=True, **headers)
    assert old.redirect_chain == [(f"{NEW}/ranking/411500?k=3", 308)]
    assert old.json() == client.get(f"{NEW}/ranking/411500", {"k": 3}, **headers).json()
    assert len(old.json()["rows"]) == 3


def test_a_post_through_the_308_stays_a_post_with_its_body(client, headers):
    tie = {"old_region": "411500", "partner_region": "320500", "kind": "trade", "strength": 4, "description": "旧地址"}
    response = client.post(f"{OLD}/ties", tie, content_type="application/json", follow=True, **headers)
    assert response.redirect_chain == [(f"{NEW}/ties", 308)]
    assert response.status_code == 201
    assert response.json()["description"] == "旧地址"
    assert EconomicTie.objects.filter(description="旧地址", strength=4).count() == 1


def test_the_redirect_does_not_let_a_stranger_through(client):
    _token, key = issue_token(user=testing.user("ya", "延安市人民政府", "editor"), name="t")
    tie = {"old_region": "411500", "partner_region": "320500", "kind": "trade", "strength": 4, "description": "越权"}
    response = client.post(
        f"{OLD}/ties", tie, content_type="application/json", follow=True, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 403
    assert not EconomicTie.objects.filter(description="越权").exists()


# A page moved under a new name answers 301: no page of a matching subject has moved so far, so the rule is tried on
# a page prefix added for this test only.


@pytest.fixture
def moved_page(monkeypatch):
    monkeypatch.setitem(redirects.MOVED, "markets/old-produce", "markets/produce")
    patterns = [redirects.moved_path("markets/old-produce"), path("", include("duikou.urls"))]
    with override_settings(ROOT_URLCONF=type("URLs", (), {"urlpatterns": patterns})):
        yield


def test_old_page_is_a_301_to_the_new_one(client, moved_page):
    response = client.get("/markets/old-produce/listings/", {"q": "茶", "page": "2"})
    assert response.status_code == 301
    assert response["Location"] == "/markets/produce/listings/?q=%E8%8C%B6&page=2"


def test_a_page_redirect_does_not_keep_the_method(client, moved_page):
    """A form posted to a page's old address is not re-sent: 301 is what a moved page answers."""
    assert client.post("/markets/old-produce/listings/new/", {"name": "茶"}).status_code == 301
