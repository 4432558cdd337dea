"""The pairing page as its hub in the browser: 信阳's editor reads each section with its count, the figures against
the plan's target and the history as sentences, follows a section to its filtered list, and reads the page on a
390 px phone without sideways scrolling."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from duikou.core.tests.test_browser import login, shot
from duikou.evaluation import testing as ev
from duikou.indicators.models import Report
from duikou.pairings import services as pairing_services
from duikou.plans.tests import factories as plan_factories
from duikou.projects import testing as pt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_editor_reads_the_pairing_hub_and_follows_a_section(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    who = plan_factories.people()
    plan = plan_factories.filed_plan(who)  # 信阳–苏州, 签约项目数 2026: 10 个
    xinyang = plan.pairing
    ev.values(xinyang, {"signed_projects": {"2026Q1": "4", "2026Q2": "2"}})
    Report.objects.create(
        pairing=xinyang, dataset_id="quarterly", period="2026Q2", status="approved", approved_by=who["henan"]
    )
    pt.project(xinyang, "苏信合作产业园一期", investment_in_place=Decimal("600"))
    pt.activity(xinyang, "苏州代表团来信阳考察", date=datetime.date(2026, 5, 20))
    pairing_services.update_pairing_profile(
        pairing=xinyang,
        user=who["xy_editor"],
        expected_version=xinyang.version,
        mechanism="两市每季度召开联席会议",
        contacts="",
        note="",
    )

    page = new_page()
    login(page, base, "xy_editor")
    page.goto(f"{base}/pairings/{xinyang.pk}/")
    expect(page.locator("#hub-plans")).to_have_attribute("data-count", "1")
    expect(page.locator("#hub-projects")).to_contain_text("苏信合作产业园一期")
    figure = page.locator('#hub-figures-list li[data-indicator="signed_projects"][data-year="2026"]')
    expect(figure).to_contain_text("60.0%")
    expect(figure).to_contain_text("2026Q2")
    expect(figure).to_contain_text("henan_approver")
    expect(page.locator("#hub-agreements")).to_contain_text("尚无计入本结对的产销协议")
    history = page.locator(".dk-history li")
    expect(history.first).to_contain_text("xy_editor 将工作机制设为「两市每季度召开联席会议」")
    expect(history.last).to_contain_text("新建结对关系「信阳市—苏州市」")
    shot(page, artifacts_dir, "browser-pairing-hub.png")

    page.locator("#hub-projects .card-header a").click()
    expect(page).to_have_url(f"{base}/projects/?pairing={xinyang.pk}")
    expect(page.locator("main")).to_contain_text("苏信合作产业园一期")

    phone = new_page(PHONE)
    login(phone, base, "xy_editor")
    phone.goto(f"{base}/pairings/{xinyang.pk}/")
    expect(phone.locator("#hub-figures-list")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, artifacts_dir, "browser-pairing-hub-phone.png")
