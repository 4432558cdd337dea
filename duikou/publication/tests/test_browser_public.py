"""An anonymous visitor on a 390 px phone and on a desktop: the public site's home, the pairings on the map and in
the list beside it, a pairing's page with its published project, a figure's provenance opened from the keyboard,
the open data, the search box and its results, a message left on a pairing's page and the region page of its
old-area side, and the site in English; nothing the Content-Security-Policy refuses, nothing wider than the phone, and
no WCAG 2.1 A/AA violation axe-core finds on any of those pages. Screenshots go to test-artifacts/."""

import os

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from duikou.core.tests.test_browser import shot, wait_for_map
from duikou.core.tests.test_browser_english import assert_english_chrome
from duikou.publication import testing as pub

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = "/static/vendor/axe-core/axe.min.js"  # duikou/static/vendor/axe-core (README there): for the tests only
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_accessible(page, what: str) -> None:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the page as it stands: fails naming each violation's rule, impact and
    the elements it found. The script is added by its address on the site (``add_script_tag(url=)``), not inline
    (``path=``): the pages' Content-Security-Policy refuses inline scripts, and the test keeps that policy on."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert not problems, f"axe-core on {what}:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_visitor_follows_a_pairing_from_the_map_list_to_a_figures_provenance(
    live_server, reference_data, browser, artifacts_dir, width
):
    cache.clear()
    w = pub.world()
    pub.evaluation(w)
    pub.publish_all(w)
    base = live_server.url
    context = browser.new_context(viewport={"width": width, "height": 860}, locale="zh-CN")
    try:
        page = context.new_page()
        problems = []
        page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))  # CSP refusals land here
        page.on("pageerror", lambda exc: problems.append(f"{exc} {exc.stack} at {page.url}"))

        response = page.goto(f"{base}/public/")
        assert "x-robots-tag" not in response.headers  # the public site is meant to be found
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
        shot(page, artifacts_dir, f"public-site-home-{width}.png")
        assert_accessible(page, f"the home page at {width} px")

        nav = page.get_by_role("navigation", name="公开网站导航")
        with page.expect_navigation():  # by the keyboard, from the skip link on
            nav.get_by_role("link", name="结对关系").press("Enter")
        wait_for_map(page)
        expect(page.get_by_role("img", name="全国对口合作结对关系地图")).to_be_visible()
        expect(page.locator("ol[aria-labelledby=national-list] li")).to_have_count(20)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, artifacts_dir, f"public-site-pairings-{width}.png")
        assert_accessible(page, f"the pairings at {width} px")

        with page.expect_navigation():
            page.get_by_role("link", name="信阳市—苏州市").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("信阳市—苏州市")
        expect(page.locator("#projects-title + .table-responsive")).to_contain_text("苏信合作产业园一期")
        sources = page.locator("details.dk-figure-sources").first
        sources.locator("summary").focus()
        page.keyboard.press("Enter")
        expect(sources).to_contain_text("河南省人民政府")
        expect(sources).to_contain_text("2026Q1")
        expect(page.locator("main")).not_to_contain_text("审核人王")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, artifacts_dir, f"public-site-pairing-{width}.png")
        assert_accessible(page, f"a pairing's page at {width} px")

        form = page.locator("#feedback-form")  # feedback: the text only, thanked, shown after moderation
        form.get_by_label("留言内容").fill("希望公开园区招商进展")
        with page.expect_navigation():
            form.get_by_role("button", name="提交留言").click()
        expect(page.locator("#feedback-thanks")).to_be_visible()
        with page.expect_navigation():
            page.get_by_role("link", name="返回「信阳市—苏州市」").click()
        expect(page.locator("#feedback")).not_to_contain_text("希望公开园区招商进展")
        with page.expect_navigation():  # the old-area side's region page, and up its breadcrumbs
            page.locator("main dl").get_by_role("link", name="信阳市").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("信阳市")
        expect(page.locator("#region-pairings")).to_contain_text("信阳市—苏州市")
        expect(page.locator("#region-children")).to_contain_text("潢川县")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, artifacts_dir, f"public-site-region-{width}.png")

        with page.expect_navigation():
            page.get_by_role("navigation", name="公开网站导航").get_by_role("link", name="开放数据").click()
        expect(page.get_by_label("截止日期").first).to_be_visible()
        shot(page, artifacts_dir, f"public-site-data-{width}.png")
        assert_accessible(page, f"the open data at {width} px")

        search = page.get_by_role("search")
        search.get_by_label("搜索公开内容").fill("信阳 产业园")
        with page.expect_navigation():  # a plain GET form: no script needed
            search.get_by_label("搜索公开内容").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("搜索")
        expect(page.locator("#search-summary")).to_have_text("“信阳 产业园”找到 1 项。")
        expect(page.locator(".dk-search-results mark").first).to_have_text("信阳")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, artifacts_dir, f"public-site-search-{width}.png")
        assert_accessible(page, f"the search results at {width} px")
        with page.expect_navigation():
            page.get_by_role("link", name="信阳市—苏州市").click()
        with page.expect_navigation():
            page.get_by_role("navigation", name="公开网站导航").get_by_role("link", name="开放数据").click()

        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert_english_chrome(page)
        shot(page, artifacts_dir, f"public-site-data-en-{width}.png")
        page.goto(f"{base}/public/pairings/{w['pairing'].pk}/")
        expect(page.locator("#figures-title")).to_have_text("Reviewed figures against the plan's targets")
        expect(page.locator("main")).to_contain_text("Signed projects")  # the indicator's English name
        shot(page, artifacts_dir, f"public-site-pairing-en-{width}.png")
        assert_accessible(page, f"a pairing's page in English at {width} px")
        assert problems == []
    finally:
        context.close()
