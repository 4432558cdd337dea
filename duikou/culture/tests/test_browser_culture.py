"""An anonymous visitor on a 390 px phone: the pairings' map and list, a pairing's page, a figure's provenance, the
pairing's heritage route drawn on the map, and an oral-history recording that plays. Then an editor and an approver
on a desktop: a draft with a photo, its review and publication. Screenshots go to test-artifacts/."""

import os

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from duikou import testing as base
from duikou.core.tests.test_browser import login, shot, wait_for_map
from duikou.culture import testing as ct
from duikou.culture.models import Resource
from duikou.publication import testing as pub
from duikou.publication.tests.test_browser_public import assert_accessible

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page) -> list:
    problems = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))  # CSP refusals land here
    page.on("pageerror", lambda exc: problems.append(f"{exc} {exc.stack} at {page.url}"))
    return problems


def test_a_visitor_on_a_phone_goes_from_the_map_to_a_route_and_plays_an_oral_history(
    live_server, reference_data, browser, artifacts_dir
):
    cache.clear()
    w = pub.world()
    pub.publish_all(w)
    culture = ct.world(w["who"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True)
    try:
        page = context.new_page()
        problems = _watch(page)
        page.goto(f"{live_server.url}/public/pairings/")
        wait_for_map(page)
        with page.expect_navigation():
            page.get_by_role("link", name="信阳市—苏州市").click()
        sources = page.locator("details.dk-figure-sources").first
        sources.locator("summary").click()
        expect(sources).to_contain_text("河南省人民政府")
        with page.expect_navigation():
            page.get_by_role("link", name="精品线路：测试精品线路").click()
        expect(page.locator("#culture-map")).to_have_attribute("data-ready", "1")
        page.wait_for_timeout(1200)
        expect(page.get_by_role("heading", name="第 2 天")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, artifacts_dir, "culture-route-390.png")
        assert_accessible(page, "a route on a phone")
        with page.expect_navigation():
            page.get_by_role("link", name="测试口述史").click()
        audio = page.locator("audio")
        expect(audio).to_be_visible()
        page.locator("details summary", has_text="文字稿").click()  # a tap: the page may now play sound
        expect(page.locator("details", has_text="口述文字稿内容")).to_be_visible()
        page.evaluate("document.querySelector('audio').play()")
        for _ in range(50):  # the page's CSP refuses string predicates (wait_for_function): poll from here
            if page.evaluate("document.querySelector('audio').currentTime") > 0.2:
                break
            page.wait_for_timeout(200)
        assert page.evaluate("document.querySelector('audio').currentTime") > 0.2
        assert page.evaluate("document.querySelector('audio').error") is None
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        expect(page.locator("#culture-map")).to_have_attribute("data-ready", "1")  # its map drawn before axe reads
        shot(page, artifacts_dir, "culture-oral-history-390.png")
        assert_accessible(page, "an oral-history resource on a phone")
        with page.expect_navigation():
            page.get_by_role("link", name="红色文化数字化传播平台").first.click()
        expect(page.locator("#culture-map")).to_have_attribute("data-ready", "1")
        page.wait_for_timeout(1200)
        expect(page.locator(".dk-resource-list")).to_contain_text("测试纪念馆")
        expect(page.locator("main")).not_to_contain_text("草稿资源不得公开")
        shot(page, artifacts_dir, "culture-catalogue-390.png")
        assert_accessible(page, "the catalogue on a phone")
        assert problems == []
        assert culture["oral"].status == "published"
    finally:
        context.close()


def test_an_editor_drafts_with_a_photo_and_another_approver_publishes(
    live_server, reference_data, browser, artifacts_dir, tmp_path
):
    cache.clear()
    editor = base.user("browser_culture_editor", "信阳市人民政府", "editor")
    approver = base.user("browser_culture_approver", "信阳市人民政府", "approver")
    photo = tmp_path / "外景 IMG_0001.jpg"
    photo.write_bytes(ct.jpeg_with_gps((640, 480)))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        problems = _watch(page)
        login(page, live_server.url, editor.username)
        page.goto(f"{live_server.url}/culture/resources/new/")
        page.select_option("#id_kind", "site")
        page.fill("#id_name", "浏览器测试旧址")
        page.fill("#id_region", "411523")
        page.fill("#id_latitude", "31.64")
        page.fill("#id_longitude", "114.88")
        page.fill("#id_description", "浏览器测试的简介")
        page.fill("#id_sources", "《新县志》")
        with page.expect_navigation():
            page.get_by_role("button", name="保存草稿").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("浏览器测试旧址")
        page.get_by_text("上传媒体文件").click()
        page.set_input_files("#id_file", str(photo))
        page.fill("#id_caption", "外景")
        page.fill("#id_alt", "青砖院落的外景")
        page.fill("#id_credit", "信阳市文物部门拍摄")
        with page.expect_navigation():
            page.get_by_role("button", name="上传").click()
        expect(page.locator(".alert-success, .alert")).to_contain_text("已上传")
        with page.expect_navigation():
            page.get_by_role("button", name="提交审核").click()
        shot(page, artifacts_dir, "culture-editor-submitted-1280.png")
        context.clear_cookies()
        login(page, live_server.url, approver.username)
        item = Resource.objects.get(name="浏览器测试旧址")
        page.goto(f"{live_server.url}/culture/resources/{item.pk}/")
        page.get_by_label("拟发布内容已按本单位规定完成保密审查，不含涉密信息和个人信息").check()
        with page.expect_navigation():
            page.get_by_role("button", name="审核通过并发布").click()
        expect(page.locator("h1 .badge").first).to_have_text("已发布")
        shot(page, artifacts_dir, "culture-approver-published-1280.png")
        page.goto(f"{live_server.url}/public/culture/resources/{item.pk}/")
        image = page.get_by_role("img", name="青砖院落的外景")
        expect(image).to_be_visible()
        assert page.evaluate("document.querySelector('main img').naturalWidth") == 640
        expect(page.locator("#culture-map")).to_have_attribute("data-ready", "1")
        shot(page, artifacts_dir, "culture-public-resource-1280.png")
        assert_accessible(page, "a resource with a photo on a desktop")
        assert problems == []
    finally:
        context.close()
