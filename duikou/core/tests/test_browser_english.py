"""The pages added since the first English catalogue, seen by an English-language system administrator in headless
Chromium: the jobs and schedules pages, indicator analytics and user administration show English labels; indicators
are named in English, a job's title as its starter wrote it. Screenshots go to test-artifacts/."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from duikou import testing
from duikou.core.jobs import start_job

from .test_browser import login, shot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHINESE = re.compile(r"[\u3400-\u9fff]")


def counting(*, user, progress, n):
    for i in range(n):
        progress(i + 1, n)
    return {"summary": f"{n} done"}


def assert_english_chrome(page: Page) -> None:
    """Headings, column headers, form labels and buttons of the page's content carry no Chinese (they come from
    templates and code; data sit in table cells, options and links)."""
    texts = page.locator("main h1, main h2, main th, main label, main button").all_inner_texts()
    assert texts, "no headings, labels or buttons found"
    chinese = [t for t in texts if CHINESE.search(t)]
    assert not chinese, f"untranslated labels: {chinese}"


def test_english_system_administrator_sees_english_on_the_newer_pages(
    live_server, reference_data, new_page, artifacts_dir
):
    owner = testing.user("xy_en_editor", "信阳市人民政府", "editor")
    testing.user("en_sysadmin", "国家发展改革委（振兴司）", "system_admin", language="en")
    start_job(kind="x", title="导出项目（xlsx）", user=owner, fn=counting, params={"n": 3})
    base = live_server.url
    page = new_page()
    login(page, base, "en_sysadmin")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#nav-jobs")).to_have_text("Background jobs")

    page.goto(f"{base}/jobs/")
    expect(page.locator("main h1")).to_have_text("All background jobs")
    expect(page.locator("#job-list thead")).to_contain_text("Attempts")
    expect(page.locator("#job-list tbody tr")).to_have_count(1)
    expect(page.locator("#job-list tbody")).to_contain_text("导出项目（xlsx）")  # the title is data
    assert_english_chrome(page)
    shot(page, artifacts_dir, "english-jobs.png")

    page.goto(f"{base}/jobs/schedules/")
    expect(page.locator("main h1")).to_have_text("Scheduled jobs")
    table = page.locator("main table")
    for label in ["Last run", "Next run", "Nightly backup", "Daily at 02:00", "Not run yet"]:
        expect(table).to_contain_text(label)
    expect(table).not_to_contain_text(CHINESE)
    assert_english_chrome(page)
    shot(page, artifacts_dir, "english-schedules.png")

    page.goto(f"{base}/indicators/analytics/")
    expect(page.locator("main h1")).to_have_text("Indicator analytics")
    expect(page.locator("main")).to_contain_text("Consumption assistance sales (10k yuan), Sum")  # in English
    expect(page.get_by_label("Indicator", exact=True)).not_to_contain_text(CHINESE)  # the choices too
    assert_english_chrome(page)
    shot(page, artifacts_dir, "english-analytics.png")

    page.goto(f"{base}/accounts/users/")
    expect(page.locator("main h1")).to_have_text("Users")
    expect(page.get_by_label("Username or name")).to_be_visible()
    expect(page.locator("main select[name=role] option").first).to_have_text("All roles")
    assert_english_chrome(page)
    shot(page, artifacts_dir, "english-users.png")

    page.goto(f"{base}/accounts/users/{owner.pk}/")
    expect(page.locator("main")).to_contain_text("Available actions")
    expect(page.get_by_role("button", name="Deactivate account")).to_be_visible()
    assert_english_chrome(page)
    shot(page, artifacts_dir, "english-user-detail.png")

    page.goto(f"{base}/accounts/users/new/")
    assert_english_chrome(page)
    shot(page, artifacts_dir, "english-user-new.png")

    page.goto(f"{base}/accounts/profile/")
    expect(page.locator("#two-factor-status")).to_contain_text("Authenticator linked")
    expect(page.locator("#token-table thead")).to_contain_text("Expires")
    assert_english_chrome(page)
    shot(page, artifacts_dir, "english-profile.png")

    page.goto(f"{base}/accounts/password/")
    expect(page.get_by_label("New password again")).to_be_visible()
    assert_english_chrome(page)
    shot(page, artifacts_dir, "english-password.png")


def test_an_english_editor_reads_the_grid_the_hub_and_the_inbox_in_english(
    live_server, reference_data, new_page, artifacts_dir
):
    """What officials found half translated: indicator names and units, period labels, the grid's checks, place and
    government names, a notification's title. An English-speaking 信阳 editor meets each in English, on a wide screen
    and on a 390 px phone; the only Chinese left is data entered in Chinese."""
    from duikou.plans import services as plans
    from duikou.plans.tests.factories import drafted_plan, people

    who = people()
    editor = who["xy_editor"]
    for account in (editor, who["sz_approver"]):
        account.language = "en"
        account.save(update_fields=["language"])
    plan = drafted_plan(who)
    plans.submit_for_agreement(user=who["xy_editor"], plan=plan)  # tells 苏州's approver, who reads English
    pairing = testing.pairing("信阳市", "苏州市")
    base = live_server.url

    page = new_page()
    login(page, base, "xy_editor")
    page.goto(f"{base}/indicators/entry/{pairing.pk}/quarterly/2025Q3/")
    expect(page.locator("main h1")).to_contain_text("Xinyang—Suzhou")
    expect(page.locator("main h1")).to_contain_text("Q3 2025")
    grid = page.locator("#grid")
    expect(grid).to_contain_text("Signed investment")
    expect(grid).to_contain_text("10k yuan")
    page.fill("#v-signed_amount_wan", "-5")
    page.keyboard.press("Enter")
    expect(page.locator("#msg-signed_amount_wan")).to_contain_text("below the minimum of 0")
    expect(grid).not_to_contain_text(CHINESE)
    shot(page, artifacts_dir, "english-grid.png")

    phone = new_page({"width": 390, "height": 844})
    login(phone, base, "sz_approver")
    phone.goto(f"{base}/pairings/{pairing.pk}/")
    expect(phone.locator("main h1")).to_contain_text("Xinyang — Suzhou")
    assert_english_chrome(phone)
    shot(phone, artifacts_dir, "english-hub-phone.png")
    phone.goto(f"{base}/inbox/")
    item = phone.locator("main").get_by_text("Submitted to you | ")
    expect(item).to_be_visible()
    expect(item).to_contain_text("Agree")
    shot(phone, artifacts_dir, "english-inbox-phone.png")
