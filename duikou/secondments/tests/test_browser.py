"""A 信阳 editor on a desktop records two seconded people through the form (one serving from the first quarter into
the second, one from the second), sees them counted in the pairing's summary and beside 干部双向挂职人数 in the
reporting grid; then the register and the summary on a 390 px phone. Screenshots go to test-artifacts/."""

import os
import re

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.secondments import testing as st

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _record(page, base, *, name, serial, kind, field, direction, start, end=""):
    page.goto(f"{base}/secondments/new/")
    pairing = testing.pairing("信阳市", "苏州市")
    page.select_option("#id_pairing", str(pairing.pk))
    page.select_option("#id_direction", direction)
    page.select_option("#id_kind", kind)
    page.fill("#id_name", name)
    page.fill("#id_id_number", st.id_number(serial))
    page.fill("#id_phone", "13800138000")
    page.fill("#id_home_org", "苏州市发展和改革委员会")
    page.fill("#id_host_org", "信阳市发展和改革委员会")
    page.fill("#id_post", "副主任")
    page.select_option("#id_field", field)
    page.fill("#id_start_date", start)
    if end:
        page.fill("#id_end_date", end)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("#secondment-facts")).not_to_contain_text(st.id_number(serial))
    assert st.id_number(serial) not in page.url


def test_an_editor_records_two_cadres_and_sees_them_counted_in_the_summary_and_the_grid(
    live_server, reference_data, browser, artifacts_dir
):
    editor = testing.user("browser_secondment_editor", "信阳市人民政府", "editor")
    pairing = testing.pairing("信阳市", "苏州市")
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        login(page, base, editor.username)
        _record(page, base, name="蔡挂职", serial=81, kind="cadre", field="industry", direction="east_to_old",
                start="2026-02-01", end="2026-05-31")  # fmt: skip
        shot(page, artifacts_dir, "secondments-person-1280.png")
        _record(page, base, name="韩医生", serial=82, kind="professional", field="health", direction="old_to_east",
                start="2026-04-15")  # fmt: skip
        page.goto(f"{base}/secondments/pairings/{pairing.pk}/?year=2026")
        counts = page.locator("#secondment-counts")
        expect(counts.locator('[data-period="2026Q1"]')).to_have_text("1")
        expect(counts.locator('[data-period="2026Q2"]')).to_have_text("2")
        expect(counts.locator('[data-period="2026Q3"]')).to_have_text("1")
        shot(page, artifacts_dir, "secondments-pairing-1280.png")
        with page.expect_navigation():
            counts.get_by_role("link", name="填报表").nth(1).click()
        expect(page).to_have_url(re.compile(r"/indicators/entry/\d+/quarterly/2026Q2/$"))
        beside = page.locator("#r-cadre_exchange_persons")
        expect(beside).to_contain_text("挂职名册：2")
        beside.scroll_into_view_if_needed()
        shot(page, artifacts_dir, "secondments-grid-1280.png")
        context.close()

        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True)
        page = context.new_page()
        login(page, base, editor.username)
        page.goto(f"{base}/secondments/?q=韩")
        expect(page.locator("#secondment-list")).to_contain_text("韩医生")
        expect(page.locator("#secondment-list")).not_to_contain_text("蔡挂职")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, artifacts_dir, "secondments-list-390.png")
        page.goto(f"{base}/secondments/pairings/{pairing.pk}/?year=2026")
        expect(page.locator('[data-period="2026Q2"]')).to_have_text("2")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, artifacts_dir, "secondments-pairing-390.png")
    finally:
        context.close()
