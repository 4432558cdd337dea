"""An anonymous visitor on a 390 px phone and on a desktop: the public site's home, the pairings on the map and in
the list beside it, a pairing's page with its published project, a figure's provenance opened from the keyboard,
a message left there and the region page of its old-area side, the open data, and the site in English; nothing the
Content-Security-Policy refuses, nothing wider than the phone. Screenshots go to test-artifacts/."""

import os

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from duikou.core.tests.test_browser import shot, wait_for_map
from duikou.core.tests.test_browser_english import assert_english_chrome
from duikou.publication import testing as pub

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
        page.on("pageerror", lambda exc: problems.append(str(exc)))

        response = page.goto(f"{base}/public/")
        assert response.headers["x-robots-tag"] == "noindex, nofollow, noarchive"
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
        shot(page, artifacts_dir, f"public-site-home-{width}.png")

        nav = page.get_by_role("navigation", name="公开网站导航")
        with page.expect_navigation():  # by the keyboard, from the skip link on
            nav.get_by_role("link", name="结对关系").press("Enter")
        wait_for_map(page)
        expect(page.get_by_role("img", name="全国对口合作结对关系地图")).to_be_visible()
        expect(page.locator("ol[aria-labelledby=national-list] li")).to_have_count(20)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, artifacts_dir, f"public-site-pairings-{width}.png")

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

        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert_english_chrome(page)
        shot(page, artifacts_dir, f"public-site-data-en-{width}.png")
        page.goto(f"{base}/public/pairings/{w['pairing'].pk}/")
        expect(page.locator("#figures-title")).to_have_text("Reviewed figures against the plan's targets")
        expect(page.locator("main")).to_contain_text("Signed projects")  # the indicator's English name
        shot(page, artifacts_dir, f"public-site-pairing-en-{width}.png")
        assert problems == []
    finally:
        context.close()
