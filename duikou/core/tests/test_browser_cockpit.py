"""The cockpit in the browser: the national overseer opens it from the menu, sees the pairings' map coloured by state
with the words beside it, changes the year, reads it on a 390 px phone and prints it (the PDF holds the Chinese
text); a city user has no menu entry and is refused with a reason."""

import datetime
import os
import re
import subprocess
import zoneinfo
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.indicators.models import DataValue, Report
from duikou.plans.tests import factories as plan_factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_overseer_reads_prints_and_a_city_is_refused(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    who = plan_factories.people()
    plan = plan_factories.filed_plan(who)  # 信阳–苏州, 2026–2030, 签约项目数 2026: 10 个
    xinyang = plan.pairing
    DataValue.objects.create(
        pairing=xinyang, indicator_id="signed_projects", period="2026Q1", value=Decimal("4"), status="approved"
    )
    Report.objects.create(
        pairing=xinyang,
        dataset_id="quarterly",
        period="2026Q1",
        status="approved",
        submitted_at=datetime.datetime(2026, 4, 20, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),  # late
    )
    testing.pairing("延安市", "无锡市")

    page = new_page()
    login(page, base, who["ndrc"].username)
    page.click("#nav-cockpit")
    page.select_option("#cockpit-year-select", "2026")
    page.wait_for_url("**/cockpit/?year=2026")
    expect(page.locator("h1")).to_contain_text("驾驶舱 · 2026年")
    expect(page.locator("#cockpit-map")).to_have_attribute("data-ready", "1")
    row = page.locator('#cockpit-pairings tr[data-pairing="N09"]')
    expect(row).to_contain_text("已备案")
    expect(row.locator(".dk-state")).to_contain_text("需督办")  # 2026Q2 missed (the words, not colour alone)
    expect(page.locator('#cockpit-figures tr[data-figure="signed_projects"]')).to_contain_text("40%")
    expect(page.locator("#cockpit-overdue")).to_contain_text("信阳市—苏州市")
    expect(page.locator("#cockpit-evaluation")).to_contain_text("尚未发布成效评估")
    page.wait_for_timeout(500)
    shot(page, artifacts_dir, "browser-cockpit-desktop.png")

    # the overdue table's link leads to the reminders of the first missed period
    with page.expect_navigation():
        page.locator('#cockpit-overdue tr[data-pairing="N09"] td:nth-child(2) a').click()
    expect(page.locator("h1")).to_contain_text("未上报提醒")
    expect(page.locator('#completeness tr[data-pairing="N09"]')).to_contain_text("逾期未报")

    # a phone: one column, the map above the figures, nothing wider than the screen but the tables' own scroll
    phone = new_page(PHONE)
    login(phone, base, who["henan"].username)
    phone.goto(f"{base}/cockpit/?year=2026")
    expect(phone.locator("#cockpit-map")).to_have_attribute("data-ready", "1")
    expect(phone.locator("#cockpit-pairings")).not_to_contain_text("延安市—无锡市")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.wait_for_timeout(500)
    shot(phone, artifacts_dir, "browser-cockpit-phone.png")

    # printed: the menu and buttons are left out, the Chinese text is in the PDF
    page.goto(f"{base}/cockpit/?year=2026")
    expect(page.locator("#cockpit-map")).to_have_attribute("data-ready", "1")
    expect(page.locator("#cockpit-map-print")).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    page.emulate_media(media="print")
    expect(page.locator("#cockpit-map-print")).to_be_visible()  # the map's picture stands in for its canvas
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator("[data-print]")).to_be_hidden()
    page.wait_for_timeout(500)
    pdf = os.path.join(artifacts_dir, "browser-cockpit-print.pdf")
    page.pdf(path=pdf, format="A4", print_background=True)
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
    printed = ("驾驶舱", "2026年主要指标与方案目标", "签约项目", "逾期事项（按结对关系）", "信阳市—苏州市", "需督办")
    for words in printed:
        assert words in text, words
    assert "退出" not in text  # no menu on paper

    city = new_page()
    login(city, base, who["xy_editor"].username)
    expect(city.locator("#nav-cockpit")).to_have_count(0)
    city.goto(f"{base}/cockpit/")
    expect(city.locator("#cockpit-refused")).to_contain_text("驾驶舱供国家和省级监督使用")
