"""The holiday schedule page in headless Chromium, on a desktop and on a 390 px phone: next year's schedule is said
to be missing, the system administrator enters a day off and sees it listed. Screenshots go to test-artifacts/."""

import os

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.models import CalendarDay

from .test_browser import login, shot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_administrator_enters_a_day_of_next_years_schedule(
    live_server, reference_data, new_page, artifacts_dir, width
):
    testing.user("cal_sysadmin", "国家发展改革委（振兴司）", "system_admin")
    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server.url, "cal_sysadmin")
    page.goto(f"{live_server.url}/calendar/?year=2026")
    expect(page.locator('#calendar-days tr[data-day="2026-10-10"]')).to_contain_text("调休上班日")
    shot(page, artifacts_dir, f"calendar-2026-{width}.png")

    page.goto(f"{live_server.url}/calendar/?year=2027")
    expect(page.locator('.calendar-missing[data-year="2027"]')).to_be_visible()
    expect(page.locator("#calendar-empty")).to_be_visible()
    page.fill("#id_day", "2027-01-01")
    page.select_option("#id_kind", "off")
    page.fill("#id_name", "元旦")
    page.fill("#id_source", "国务院办公厅关于2027年部分节假日安排的通知")
    with page.expect_navigation():
        page.click("#calendar-form button[type=submit]")
    expect(page.locator('#calendar-days tr[data-day="2027-01-01"]')).to_contain_text("元旦")
    expect(page.locator(".calendar-missing")).to_have_count(0)
    shot(page, artifacts_dir, f"calendar-2027-entered-{width}.png")
    assert CalendarDay.objects.get(day="2027-01-01", province="").created_by.username == "cal_sysadmin"
