"""The public site's entries, its search (Chinese and English, ranking, withdrawal at once, pages, bad queries), its
sitemap and robots.txt, and the headers that make the public site indexable while the households' pages are not."""

import xml.etree.ElementTree as ET
from urllib.parse import quote, urlsplit

import pytest
from django.urls import resolve
from django.utils import timezone

from duikou.publication import entries, services
from duikou.publication import testing as pub
from duikou.publication.entries import Entry

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def search(client, q: str, **params):
    response = client.get("/public/search/", {"q": q, **params})
    return response, response.content.decode()


def result_links(html: str) -> list[str]:
    part = html.split('class="list-unstyled dk-search-results"', 1)
    if len(part) == 1:
        return []
    return [chunk.split('"', 1)[0] for chunk in part[1].split("</ol>", 1)[0].split('<a href="')[1:]]


@pytest.fixture
def own_entries(monkeypatch):
    """The site's entries replaced by the ones a test gives (a provider of another app, as the registry takes it)."""
    given: list[Entry] = []
    monkeypatch.setattr(entries, "_providers", [lambda: given])
    return given


def entry(key: str, title: str, text: str = "", **kw) -> Entry:
    return Entry(kind="resource", key=key, url=f"/public/r/{key}/", title=title, text=text, **{"lastmod": None, **kw})


# ---- the registry -----------------------------------------------------------------------------------------------


def test_the_public_pairings_are_entries_with_what_their_page_shows(w):
    pub.publish_all(w)
    by_key = {e.key: e for e in entries.all_entries()}
    xinyang = by_key[f"pairing:{w['pairing'].pk}"]
    assert len(by_key) == 20 and xinyang.url == f"/public/pairings/{w['pairing'].pk}/"
    assert xinyang.title == "信阳市—苏州市" and xinyang.lastmod == timezone.localdate()
    for shown in (
        w["plan"].title,
        "打造对口合作样板",
        "苏信合作产业园一期",
        "豫东南高新区",
        "签约项目",
        "合作园区建设成效明显",
    ):
        assert shown in xinyang.text, shown
    for hidden in ("未公开的项目", "草稿方案不得公开", "保密审查说明内部", *pub.PERSONAL, *pub.SECRET):
        assert hidden not in xinyang.text, hidden


def test_the_registry_refuses_a_key_given_twice_and_an_unknown_kind(monkeypatch):
    monkeypatch.setattr(entries, "_providers", [])
    provider = lambda: [entry("r:1", "甲")]  # noqa: E731
    entries.register(provider)
    entries.register(provider)  # once only
    assert [e.key for e in entries.all_entries()] == ["r:1"]
    entries.register(lambda: [entry("r:1", "乙")])
    with pytest.raises(ValueError, match="r:1"):
        entries.all_entries()
    with pytest.raises(ValueError, match="kind 'notice'"):
        Entry(kind="notice", key="n:1", url="/x/", title="", text="", lastmod=None)


# ---- search -----------------------------------------------------------------------------------------------------


def test_a_chinese_query_finds_the_pairing_by_its_project_and_marks_the_words(client, w):
    pub.publish_all(w)
    response, html = search(client, "苏信合作的产业园")
    assert response.status_code == 200
    assert result_links(html) == [f"/public/pairings/{w['pairing'].pk}/"]
    assert "<mark>产业园</mark>" in html and "“苏信合作的产业园”找到 1 项。" in html
    assert 'value="苏信合作的产业园"' in html  # the box keeps the query


def test_an_english_query_finds_the_pairing_by_its_english_names(client, w):
    client.cookies["django_language"] = "en"
    _response, html = search(client, "xinyang suzhou")
    assert result_links(html) == [f"/public/pairings/{w['pairing'].pk}/"]
    assert "<mark>Xinyang</mark>—<mark>Suzhou</mark>" in html and "1 result for" in html
    _response, html = search(client, "信阳")  # the Chinese name is not on the English page
    assert result_links(html) == [] and 'id="search-empty"' in html


def test_title_hits_rank_above_text_hits_then_more_words_first(client, own_entries):
    own_entries += [
        entry("c", "甲地", "红色旅游线路"),  # one word, in the text
        entry("b", "乙地", "红色教育基地和旅游线路"),  # both words, in the text
        entry("a", "红色教育基地", ""),  # one word, in the title
        entry("d", "丙地", "没有相关的字"),
    ]
    _response, html = search(client, "红色 旅游")
    assert result_links(html) == ["/public/r/a/", "/public/r/b/", "/public/r/c/"]


def test_a_withdrawn_project_is_out_of_the_results_at_once(client, w):
    pub.publish_all(w)
    assert result_links(search(client, "产业园")[1])  # kept in the cache now
    services.withdraw(user=w["who"]["xy_approver"], item=w["project"], reason="撤回")
    _response, html = search(client, "产业园")
    assert result_links(html) == [] and "没有找到与“产业园”相关的内容。" in html


def test_what_is_not_published_finds_nothing(client, w):
    pub.publish_all(w)
    for q in ("张联络", "李负责", "13800000031", "77777", "保密审查说明内部", "未公开"):
        assert result_links(search(client, q)[1]) == [], q


def test_results_come_ten_to_a_page_with_the_query_kept(client, w):
    _response, first = search(client, "市")
    assert len(result_links(first)) == 10 and "“市”找到 20 项。" in first
    assert f'href="?q={quote("市")}&page=2"' in first and "第 1 / 2 页" in first
    _response, second = search(client, "市", page=2)
    assert len(result_links(second)) == 10 and 'start="11"' in second
    assert not set(result_links(first)) & set(result_links(second))
    _response, beyond = search(client, "市", page="99")
    assert result_links(beyond) == result_links(second)  # past the end: the last page


@pytest.mark.parametrize(
    ("q", "status", "message"),
    [
        ("", 200, "请输入要搜索的词。"),
        ("   ", 200, "请输入要搜索的词。"),
        ("信" * 101, 400, "搜索词太长（101 个字符），请不超过 100 个字符。"),
        ("！？。", 400, "搜索词中没有可查找的字或词"),
    ],
)
def test_an_empty_long_or_wordless_query_gets_a_message(client, q, status, message):
    response, html = search(client, q)
    assert response.status_code == status and message in html and 'id="search-problem"' in html
    assert "X-Robots-Tag" in response  # the search results are not for search engines


# ---- sitemap and robots.txt ---------------------------------------------------------------------------------------


def sitemap(client) -> dict[str, str | None]:
    response = client.get("/public/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # well-formed XML
    assert root.tag == f"{SITEMAP}urlset"
    out = {}
    for url in root.findall(f"{SITEMAP}url"):
        lastmod = url.find(f"{SITEMAP}lastmod")
        out[url.find(f"{SITEMAP}loc").text] = lastmod.text if lastmod is not None else None
    return out


def test_the_sitemap_lists_the_fixed_pages_and_every_public_pairing_at_the_public_address(client, w, settings):
    settings.DUIKOU_PUBLIC_BASE_URL = "https://duikou.example.gov.cn"
    pub.publish_all(w)
    urls = sitemap(client)
    base = "https://duikou.example.gov.cn"
    assert {f"{base}/public/", f"{base}/public/pairings/", f"{base}/public/data/"} <= set(urls)
    pairings = [u for u in urls if u.startswith(f"{base}/public/pairings/") and u != f"{base}/public/pairings/"]
    assert len(pairings) == 20 and len(urls) == 23
    assert urls[f"{base}/public/pairings/{w['pairing'].pk}/"] == timezone.localdate().isoformat()
    assert not [u for u in urls if "/search/" in u]


def test_the_sitemap_leaves_out_time_limited_entries(client, own_entries):
    own_entries += [entry("kept", "长期", lastmod=None), entry("gone", "限期", time_limited=True)]
    urls = {urlsplit(u).path for u in sitemap(client)}
    assert "/public/r/kept/" in urls and "/public/r/gone/" not in urls
    assert result_links(search(client, "限期")[1]) == ["/public/r/gone/"]  # searchable while it is public


def test_the_sitemap_has_no_household_notice_or_declaration_page_while_a_notice_runs(client, w):
    from duikou.monitoring import testing as mt
    from duikou.monitoring.tests.test_notices import PAGE, new_case

    hands = mt.procedure_users()
    mt.walk(new_case(hands, "N001", "王建国", 11), "publicising", category="sudden")
    assert "王**" in client.get(PAGE).content.decode()  # the village's 公示 runs today
    paths = [urlsplit(u).path for u in sitemap(client)]
    assert paths and PAGE not in paths
    assert not [p for p in paths if p.startswith(("/notices/", "/declare/"))]
    for path in paths:  # every address listed is a page of the public site its view calls indexable
        match = resolve(path)
        assert match.namespace == "public" and match.func.indexable, path
    assert result_links(search(client, "王建国")[1]) == []


def test_robots_txt_lets_crawlers_read_the_public_site_only_and_names_the_sitemap(client, settings):
    settings.DUIKOU_PUBLIC_BASE_URL = "https://duikou.example.gov.cn"
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[:5] == [
        "User-agent: *",
        "Allow: /public/",
        "Disallow: /public/search/",
        "Disallow: /public/api/",
        "Disallow: /",
    ]
    assert "Sitemap: https://duikou.example.gov.cn/public/sitemap.xml" in lines


# ---- headers ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/public/", "/public/pairings/", "/public/data/", "/public/sitemap.xml", "/robots.txt"]
)
def test_the_public_sites_pages_are_indexable_and_kept_by_the_browser_a_minute(client, w, url):
    response = client.get(url)
    assert response.status_code == 200 and "X-Robots-Tag" not in response
    assert {d.strip() for d in response["Cache-Control"].split(",")} == {"private", "max-age=60"}
    assert 'name="robots"' not in response.content.decode()


def test_a_pairings_page_is_indexable_and_the_downloads_and_search_are_not(client, w):
    page = client.get(f"/public/pairings/{w['pairing'].pk}/")
    assert "X-Robots-Tag" not in page and "max-age=60" in page["Cache-Control"]
    for url in ("/public/data/projects.csv", "/public/search/?q=信阳", "/public/api/tables"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "noindex" in response["X-Robots-Tag"] and "no-store" in response["Cache-Control"], url
