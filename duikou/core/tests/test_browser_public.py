"""A page open to the public (``public_base.html``, the form of test_public.py) in headless Chromium with JavaScript
switched off, as on a cheap phone, at 390 px and on a desktop: a visitor without an account fills the form by its
labels, sends it and switches the language, with nothing the Content-Security-Policy refuses. Screenshots go to
test-artifacts/."""

import os

import pytest
from playwright.sync_api import expect

from .test_browser import shot
from .test_public import public_form  # noqa: F401 (fixture: the test-only public page)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_visitor_without_javascript_fills_the_public_form_and_switches_language(
    live_server,
    browser,
    public_form,  # noqa: F811
    artifacts_dir,
    width,
):
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 800}, locale="zh-CN")
    try:
        page = context.new_page()
        problems = []
        page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))  # CSP refusals land here
        response = page.goto(f"{live_server.url}{public_form}")
        assert response.headers["x-robots-tag"] == "noindex, nofollow, noarchive"
        expect(page.get_by_role("heading", name="困难申报")).to_be_visible()
        expect(page.locator("nav")).to_have_count(0)
        # one column on a phone: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, artifacts_dir, f"public-page-{width}.png")

        page.get_by_label("户主姓名").fill("张三")
        with page.expect_navigation():
            page.get_by_role("button", name="提交").click()
        expect(page.locator("body")).to_contain_text("已收到 张三（411502001001）")

        page.goto(f"{live_server.url}{public_form}")
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("button", name="简体中文")).to_be_visible()
        shot(page, artifacts_dir, f"public-page-en-{width}.png")
        assert problems == []
    finally:
        context.close()
