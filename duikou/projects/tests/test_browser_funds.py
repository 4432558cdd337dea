"""A 信阳 editor records two disbursements on a project's page, sees the year's in-place figure add them up, then
opens the quarter's reporting grid and sees their sum beside the reported 实际到位资金; on a desktop and on a 390 px
phone."""

import datetime
import os
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.projects import testing as pt

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def record(page: Page, kind: str, day: datetime.date, amount: str, provider: str) -> None:
    form = page.locator("#fund-form")
    form.locator("#id_kind").select_option(label=kind)
    form.locator("#id_date").fill(day.isoformat())
    form.locator("#id_amount_wan").fill(amount)
    form.locator("#id_source").select_option(label="东部城市财政资金")
    form.locator("#id_provider").fill(provider)
    form.locator("#id_receiver").fill("潢川县财政局")
    with page.expect_navigation():
        form.get_by_role("button", name="记录").click()
    expect(page.locator(".alert-success")).to_contain_text("已记录资金往来")


@pytest.mark.parametrize("width", [1280, 390])
def test_two_disbursements_on_the_project_page_show_beside_the_reported_funds(
    live_server, reference_data, new_page, artifacts_dir, width
):
    testing.user("xy_funds", "信阳市人民政府", "editor")
    pairing = testing.pairing("信阳市", "苏州市")
    today = timezone.localdate()
    project = pt.project(
        pairing, "潢川电子产业园", investment_planned=Decimal("2000"), start_date=today.replace(month=1, day=1)
    )
    base = live_server.url
    page = new_page({"width": width, "height": 900})
    login(page, base, "xy_funds")

    page.goto(f"{base}/projects/{project.pk}/")
    record(page, "拨付到位", today, "300", "苏州市财政局")
    record(page, "拨付到位", today.replace(day=1), "200", "苏州工业园区管委会")
    expect(page.locator("#fund-table tbody tr")).to_have_count(2)
    year = page.locator(f'#fund-figures tr[data-period="{today.year}"]')
    expect(year.locator(".fund-in-place")).to_have_text("500.00")
    expect(year).to_contain_text("25.0%")  # 500 of the 2000 planned
    page.locator("#funds").scroll_into_view_if_needed()
    shot(page, artifacts_dir, f"funds-1-project-{width}.png")
    if width == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the project page scrolls sideways"

    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    page.goto(f"{base}/indicators/entry/{pairing.pk}/quarterly/{quarter}/")
    expect(page.locator("#r-funds_in_place_wan")).to_contain_text("资金到位记录：500")
    page.locator("#r-funds_in_place_wan").scroll_into_view_if_needed()
    shot(page, artifacts_dir, f"funds-2-grid-{width}.png")
