"""The red-culture platform on the public site: only published items, their media (with byte ranges for phones), the
routes with their days, the study visits, the link from the pairing page, and a takedown gone at once."""

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from duikou.culture import services
from duikou.culture import testing as ct
from duikou.culture.models import Medium

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return ct.world()


def test_the_catalogue_shows_published_items_only(client, w):
    text = client.get("/public/culture/").content.decode()
    for shown in ("测试旧址", "测试口述史", "测试纪念馆", "测试精品线路"):
        assert shown in text
    for hidden in ("草稿资源不得公开", "已下架资源不得公开", "草稿线路不得公开"):
        assert hidden not in text
    points = json.loads(re.search(r'id="culture-map-data"[^>]*>(.*?)</script>', text).group(1))["points"]
    assert {p["name"] for p in points} == {"测试旧址", "测试口述史", "测试纪念馆"}
    only_oral = client.get("/public/culture/?kind=oral").content.decode()
    assert (
        "测试口述史" in only_oral and "测试纪念馆" not in only_oral.split('id="resource-list"')[1].split("精品线路")[0]
    )


def test_a_resource_page_shows_media_transcript_sources_and_visits_but_nothing_personal(client, w):
    text = client.get(f"/public/culture/resources/{w['site'].pk}/").content.decode()
    assert 'alt="红砖院落外景"' in text and "测试来源：某年某报" in text
    assert "苏州学生赴新县研学" in text and "40 人" in text
    assert "13800000099" not in text and "xy_editor" not in text and "xy_approver" not in text
    oral = client.get(f"/public/culture/resources/{w['oral'].pk}/").content.decode()
    assert "<audio controls" in oral and "口述文字稿内容" in oral


def test_drafts_and_taken_down_items_answer_404(client, w):
    for item in (w["draft"], w["gone"]):
        assert client.get(f"/public/culture/resources/{item.pk}/").status_code == 404
    assert client.get(f"/public/culture/routes/{w['draft_route'].pk}/").status_code == 404


def test_media_are_served_with_byte_ranges(client, w):
    medium = Medium.objects.get(resource=w["oral"])
    url = f"/public/culture/media/{medium.pk}/"
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "audio/wav" and whole["Accept-Ranges"] == "bytes"
    body = b"".join(whole.streaming_content)
    assert body[:4] == b"RIFF" and len(body) == medium.size
    part = client.get(url, HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206 and part.content == body[:10]
    assert part["Content-Range"] == f"bytes 0-9/{medium.size}"
    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert tail.status_code == 206 and tail.content == body[-4:]
    assert client.get(url, HTTP_RANGE=f"bytes={medium.size + 10}-").status_code == 416
    draft_file = services.add_medium(
        w["who"]["xy_editor"], w["draft"], ct.upload("d.pdf", b"%PDF-1.4\n"), caption="草稿档案", credit="馆藏"
    )
    assert client.get(f"/public/culture/media/{draft_file.pk}/").status_code == 404


def test_a_route_shows_its_days_and_stops_on_the_map(client, w):
    text = client.get(f"/public/culture/routes/{w['route'].pk}/").content.decode()
    assert text.index("第 1 天") < text.index("测试旧址") < text.index("第 2 天") < text.index("测试纪念馆")
    data = json.loads(re.search(r'id="culture-map-data"[^>]*>(.*?)</script>', text).group(1))
    assert len(data["routes"][0]["coords"]) == 3 and data["points"][0]["label"] == "D1-1"


def test_the_pairing_page_links_its_route_and_resources(client, w):
    text = client.get(f"/public/pairings/{w['pairing'].pk}/").content.decode()
    assert f"/public/culture/routes/{w['route'].pk}/" in text
    assert f"/public/culture/resources/{w['memorial'].pk}/" in text
    assert "草稿资源不得公开" not in text


@override_settings(DUIKOU_PUBLIC_CACHE_SECONDS=3600)
def test_a_takedown_is_gone_at_once_despite_the_cache(client, w):
    url = f"/public/culture/resources/{w['site'].pk}/"
    assert client.get(url).status_code == 200 and "测试旧址" in client.get("/public/culture/").content.decode()
    services.step(w["who"]["xy_approver"], w["site"], "takedown", version=w["site"].version, note="待核实")
    assert client.get(url).status_code == 404
    assert "测试旧址" not in client.get("/public/culture/").content.decode()
    medium = Medium.objects.get(resource=w["site"])
    assert client.get(f"/public/culture/media/{medium.pk}/").status_code == 404


def test_english_shows_the_editors_english_and_marks_chinese_only_text(client, w):
    client.cookies["django_language"] = "en"
    text = client.get(f"/public/culture/resources/{w['site'].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Test former site" in text and "About the site" in text
    other = client.get(f"/public/culture/resources/{w['memorial'].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="zh-Hans">旧址简介' in other


def test_demo_items_mark_every_page(client, w):
    assert "demo-notice" not in client.get("/public/culture/").content.decode()
    w["memorial"].__class__.objects.filter(pk=w["memorial"].pk).update(demo=True)
    services.step(w["who"]["xy_approver"], w["site"], "takedown", version=w["site"].version, note="换代")
    for url in ("/public/", "/public/culture/", f"/public/culture/resources/{w['memorial'].pk}/"):
        assert "demo-notice" in client.get(url).content.decode(), url


def test_the_open_data_has_the_catalogue_and_the_routes_stops_with_the_demo_flag(client, w, settings):
    settings.DUIKOU_PUBLIC_API_PER_MINUTE = 1000
    Resource = w["memorial"].__class__
    Resource.objects.filter(pk=w["memorial"].pk).update(demo=True)
    rows = client.get("/public/api/tables/culture_resources").json()["rows"]
    assert {r["name"]: r["demo"] for r in rows} == {"测试旧址": 0, "测试口述史": 0, "测试纪念馆": 1}
    site = next(r for r in rows if r["name"] == "测试旧址")
    assert site["kind_label"] == "革命旧址、纪念设施" and site["region_code"] == ct.XINXIAN
    assert site["url"] == f"/public/culture/resources/{w['site'].pk}/"
    stops = client.get("/public/data/culture_route_stops.csv").content.decode("utf-8-sig")
    assert "测试精品线路" in stops and "草稿线路不得公开" not in stops and "已下架资源不得公开" not in stops
    assert stops.count("\n") == 1 + 3  # the header, then one row per stop


def test_search_and_the_sitemap_find_published_resources_and_routes_only(client, w):
    found = client.get("/public/search/", {"q": "口述文字稿内容"}).content.decode()
    assert f"/public/culture/resources/{w['oral'].pk}/" in found
    route = client.get("/public/search/", {"q": "测试精品线路"}).content.decode()
    assert f"/public/culture/routes/{w['route'].pk}/" in route
    draft = client.get("/public/search/", {"q": "草稿资源不得公开"}).content.decode()
    assert f"/public/culture/resources/{w['draft'].pk}/" not in draft and "草稿简介秘密" not in draft
    sitemap = client.get("/public/sitemap.xml").content.decode()
    assert f"/public/culture/resources/{w['site'].pk}/" in sitemap
    assert f"/public/culture/routes/{w['route'].pk}/" in sitemap
    assert f"/public/culture/resources/{w['draft'].pk}/" not in sitemap
    services.step(w["who"]["xy_approver"], w["oral"], "takedown", version=w["oral"].version, note="下架")
    again = client.get("/public/search/", {"q": "口述文字稿内容"}).content.decode()
    assert f"/public/culture/resources/{w['oral'].pk}/" not in again


def test_the_public_comments_on_a_resource_and_its_citys_approver_moderates(client, w):
    from duikou.publication.feedback import services as feedback_services
    from duikou.publication.models import Feedback

    url = f"/public/culture/resources/{w['site'].pk}/"
    page = client.get(url).content.decode()
    assert f'action="/public/feedback/resource/{w["site"].pk}/"' in page
    response = client.post(
        f"/public/feedback/resource/{w['site'].pk}/", {"body": "建议增加讲解员预约。", "website": ""}
    )
    assert response.status_code == 200
    item = Feedback.objects.get(subject_kind="resource")
    assert item.region_id == ct.XINXIAN and item.status == "pending"
    assert "建议增加讲解员预约" not in client.get(url).content.decode()
    with pytest.raises(PermissionDenied):  # the partner city's approver does not moderate 新县's resource
        feedback_services.moderate(user=w["who"]["sz_approver"], item=item, step="show", version=item.version)
    feedback_services.moderate(user=w["who"]["xy_approver"], item=item, step="show", version=item.version)
    assert "建议增加讲解员预约" in client.get(url).content.decode()
    draft = client.post(f"/public/feedback/resource/{w['draft'].pk}/", {"body": "草稿也能留言吗", "website": ""})
    assert draft.status_code == 404
