"""The dashboard in a browser: the 略阳县 county sees its townships in the table and the bar chart, drills down to
a township's villages, and finds the download links of its 专栏1 periodic report."""

import pytest
from playwright.sync_api import expect

from duikou.core.tests.test_browser import login, shot
from duikou.monitoring.tests.test_dashboard import T1, cases, lueyang_user  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_drills_down_the_dashboard(live_server, reference_data, cases, lueyang_user, new_page, artifacts_dir):  # noqa: F811
    page = new_page()
    login(page, live_server.url, "ly_viewer")
    page.goto(f"{live_server.url}/monitoring/dashboard/")
    expect(page.locator("#dashboard-chart")).to_have_attribute("data-ready", "1")
    page.wait_for_timeout(1200)  # let the bars grow in
    row = page.locator("#dashboard-table tbody tr[data-code='610727001'] td")
    expect(row).to_have_text(["兴州街道", *map(str, T1)])
    expect(page.locator("#county-report a")).to_have_count(2)
    shot(page, artifacts_dir, "monitoring-dashboard.png")
    with page.expect_navigation():
        page.click("text=兴州街道")
    expect(page.locator("#dashboard-table tbody tr")).to_have_count(1)
    expect(page.locator("#dashboard-table tbody")).to_contain_text("南街居委会")
    expect(page.locator("#dashboard-trail")).to_contain_text("兴州街道")
    expect(page.locator("#dashboard-chart")).to_have_attribute("data-ready", "1")
    page.wait_for_timeout(1200)
    shot(page, artifacts_dir, "monitoring-dashboard-township.png")
