"""Timeliness in the browser: 河南 reads the quarter's due date and each pairing's state in words on the completeness
page, follows the link to the reporting-rate charts and reads them on a desktop and on a 390 px phone."""

import datetime
import zoneinfo

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.indicators.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_province_reads_due_dates_states_and_rates(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    testing.user("henan", "河南省人民政府", "approver")
    xinyang = testing.pairing("信阳市", "苏州市")
    Report.objects.create(
        pairing=xinyang,
        dataset_id="quarterly",
        period="2025Q3",
        status="approved",
        submitted_at=datetime.datetime(2025, 10, 20, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
    )

    page = new_page()
    login(page, base, "henan")
    page.goto(f"{base}/indicators/reports/?dataset=quarterly&period=2025Q3")
    expect(page.locator("#due-rule")).to_contain_text("上报截止 2025-10-15（报告期结束后 15 天）")
    expect(page.locator("#due-rule")).to_contain_text("非政策规定")
    row = page.locator('#completeness tr[data-pairing="N09"]')
    expect(row.locator("[data-timeliness]")).to_have_text("! 逾期上报")
    shot(page, artifacts_dir, "browser-timeliness-completeness.png")

    with page.expect_navigation():
        page.get_by_role("link", name="及时率").click()
    expect(page.locator("h1")).to_contain_text("填报及时率 · 对口合作季度监测 · 2025")
    for chart in ("#timeliness-by-province", "#timeliness-by-period"):
        expect(page.locator(chart)).to_have_attribute("data-ready", "1")
    q3 = page.locator('#timeliness-table tr[data-province="410000"] td[data-period="2025Q3"]')
    expect(q3).to_contain_text("0 · 1 · 0")  # 河南's one pairing: late
    page.wait_for_timeout(1200)
    shot(page, artifacts_dir, "browser-timeliness-desktop.png")

    phone = new_page(PHONE)
    login(phone, base, "henan")
    phone.goto(f"{base}/indicators/timeliness/?dataset=quarterly&year=2025")
    expect(phone.locator("#timeliness-by-period")).to_have_attribute("data-ready", "1")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.wait_for_timeout(1200)
    shot(phone, artifacts_dir, "browser-timeliness-phone.png")
