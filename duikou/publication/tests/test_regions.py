"""The public region pages: province → city → county → township → village with breadcrumbs, the children listed with
links, a filter and pages; the public pairings involving each region; links to the 公示/公告 running today in its
villages (only while they run) and, on a village's page, to the household's self-declaration — and nothing personal."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from duikou.monitoring import services as monitoring
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert
from duikou.publication import public_views

pytestmark = pytest.mark.django_db

TOWNSHIP, VILLAGE = mt.PLACES["xinyang"][1], mt.PLACES["xinyang"][3]
HEAD, PHONE = "王建国", "13912345678"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert "noindex" in response["X-Robots-Tag"]
    return response.content.decode()


@pytest.fixture
def publicised():
    """A 西关社区 household (its head named, with an ID and phone number) whose case is in its 村内公示 from today."""
    hands = mt.procedure_users()
    home = mt.household(hands["county"], number="R001", head_name=HEAD)
    monitoring.add_member(
        user=hands["county"], household=home, name=HEAD, id_number=mt.id_number(21), phone=PHONE, relation="户主"
    )
    case, _opened = monitoring.open_case(household=home, channel="visit", user=hands["village"], note="患慢性病住院")
    return mt.walk(case, "publicising", category="sudden")


def test_the_tree_is_walked_from_the_provinces_to_a_village_with_breadcrumbs(client):
    mt.place()
    html = page(client, "/public/regions/")
    assert '<a href="/public/regions/410000/">河南省</a>' in html and html.count("/public/regions/") >= 31
    html = page(client, "/public/regions/410000/")
    assert '<a href="/public/regions/411500/">信阳市</a>' in html
    html = page(client, "/public/regions/411500/")
    assert '<a href="/public/regions/410000/">河南省</a></li>' in html  # the breadcrumb up
    assert '<a href="/public/regions/411526/">潢川县</a>' in html
    html = page(client, "/public/regions/411526/")
    assert f'<a href="/public/regions/{TOWNSHIP}/">春申街道</a>' in html
    html = page(client, f"/public/regions/{TOWNSHIP}/")
    assert f'<a href="/public/regions/{VILLAGE}/">西关社区居民委员会</a>' in html
    html = page(client, f"/public/regions/{VILLAGE}/")
    crumbs = html[html.index('id="region-breadcrumbs"') : html.index("</ol>")]
    assert [n in crumbs for n in ("河南省", "信阳市", "潢川县", "春申街道", "西关社区居民委员会")] == [True] * 5
    assert f'href="/declare/{VILLAGE}/"' in html and 'href="/declare/status/"' in html
    assert 'id="region-children"' not in html


def test_unknown_codes_are_not_found(client):
    for code in ("419999", "41150", "abc", "4115260019", "411526001999"):
        assert client.get(f"/public/regions/{code}/").status_code == 404


def test_each_region_lists_the_public_pairings_involving_it(client):
    for url in ("/public/regions/410000/", "/public/regions/411500/", "/public/regions/411526/"):
        assert "信阳市—苏州市" in page(client, url)
    html = page(client, "/public/regions/320500/")  # 苏州, the supporting side
    assert "信阳市—苏州市" in html and "延安市" not in html
    assert "信阳市—苏州市" not in page(client, "/public/regions/610600/")  # 延安


def test_the_children_are_filtered_and_paged(client, monkeypatch):
    monkeypatch.setattr(public_views, "REGION_PAGE", 5)
    html = page(client, "/public/regions/410000/")
    assert html.count('<li><a href="/public/regions/41') == 5 and "第 1 / 4 页" in html
    html = page(client, "/public/regions/410000/?page=4")
    assert "第 4 / 4 页" in html and "驻马店市" in html  # 河南: 17 cities and its directly administered counties
    html = page(client, "/public/regions/410000/?q=信阳")
    assert html.count('<li><a href="/public/regions/41') == 1 and "信阳市" in html
    assert "没有符合条件的下级地区" in page(client, "/public/regions/410000/?q=无此地")
    assert page(client, "/public/regions/410000/?page=abc&q=" + "x" * 500)


def test_a_region_names_itself_in_english(client):
    client.cookies["django_language"] = "en"
    html = page(client, "/public/regions/410000/")
    assert "Henan" in html and "Xinyang" in html


def test_the_running_publicity_is_linked_from_every_region_above_its_village_only_while_it_runs(client, publicised):
    end = publicised.publicity_end
    link = f'href="/notices/{VILLAGE}/"'
    for code in ("410000", "411500", "411526", TOWNSHIP, VILLAGE):
        html = page(client, f"/public/regions/{code}/")
        assert link in html and f"公示至 {end:%Y-%m-%d}" in html, code
    assert link not in page(client, "/public/regions/610000/")
    past = datetime.timedelta(days=10)
    Alert.objects.filter(pk=publicised.pk).update(
        publicity_start=publicised.publicity_start - past, publicity_end=end - past
    )
    html = page(client, "/public/regions/411526/")  # not cached: it depends on the day
    assert link not in html and "当前没有正在进行的公示或公告" in html


def test_no_region_page_shows_anything_personal(client, publicised):
    for code in ("410000", "411500", "411526", TOWNSHIP, VILLAGE):
        for language in ("zh-hans", "en"):
            client.cookies["django_language"] = language
            html = page(client, f"/public/regions/{code}/")
            for secret in (HEAD, "王**", mt.id_number(21), PHONE, "慢性病", "突发严重困难户", "R001"):
                assert secret not in html, (code, language, secret)
    assert timezone.localdate() <= publicised.publicity_end
