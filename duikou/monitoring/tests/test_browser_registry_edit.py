"""The household page and its edit form in headless Chromium, on a desktop and on a 390 px phone: a township cadre
opens a household with unknown checks, edits it (labour capacity, social assistance), adds a member whose ID number is
shown masked, and records a quarter's income. Screenshots go to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from duikou.core.tests.test_browser import login, shot
from duikou.monitoring import testing as mt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_township_cadre_edits_a_household_on_its_page(live_server, reference_data, new_page, artifacts_dir, width):
    cadre = mt.local_user("edit_chunshen", level="township")
    home = mt.household(cadre, number="H001", head_name="王大")
    plain = mt.id_number(8, area="411526")
    page = new_page({"width": width, "height": 900})
    login(page, live_server.url, "edit_chunshen")
    page.goto(f"{live_server.url}/monitoring/households/{home.pk}/")
    expect(page.locator("#household-checks .check-unknown")).to_have_count(5)

    page.click("#household-edit")
    page.fill("#id_address", "一组 3 号")
    page.select_option("#id_labour_capacity", "0")
    page.check("#id_social_assistance")
    shot(page, artifacts_dir, f"registry-edit-form-{width}.png")
    with page.expect_navigation():
        page.click("#household-edit-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    expect(page.locator("#household-facts")).to_contain_text("兜底保障")

    page.click("#member-add")
    page.fill("#id_name", "王小")
    page.fill("#id_relation", "子女")
    page.fill("#id_id_number", plain)
    page.fill("#id_phone", "13700001234")
    with page.expect_navigation():
        page.click("#member-form button[type=submit]")
    expect(page.locator("#member-table")).to_contain_text(plain[:4] + "**********" + plain[-4:])
    expect(page.locator("#member-table")).to_contain_text("137****1234")
    assert plain not in page.content()

    page.click("#income-add")
    page.fill("#id_year", "2026")
    page.select_option("#id_cycle", "quarter-1")
    page.fill("#id_persons", "2")
    page.fill("#id_net_income", "4500")
    with page.expect_navigation():
        page.click("#income-form button")
    expect(page.locator(".income-year")).to_contain_text("2026年第1季度")
    expect(page.locator(".income-year")).to_contain_text("9000.00")
    expect(page.locator("#check-history")).to_contain_text("有劳动能力")
    shot(page, artifacts_dir, f"registry-household-{width}.png")
