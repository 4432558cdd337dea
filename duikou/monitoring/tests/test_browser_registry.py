"""The household registry in headless Chromium, on a desktop and on a 390 px phone: a township cadre finds it empty
with what to do first, registers a household, finds it by name and by a member's ID number. Screenshots go to
test-artifacts/."""

import pytest
from playwright.sync_api import expect

from duikou.core.tests.test_browser import login, shot
from duikou.monitoring import services
from duikou.monitoring import testing as mt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_township_cadre_registers_and_finds_a_household(live_server, reference_data, new_page, artifacts_dir, width):
    cadre = mt.local_user("reg_chunshen", level="township")
    _township, village = mt.place()
    page = new_page({"width": width, "height": 900})
    login(page, live_server.url, "reg_chunshen")
    page.goto(f"{live_server.url}/monitoring/households/")
    expect(page.locator("#registry-empty")).to_contain_text("本辖区还没有登记监测户")
    shot(page, artifacts_dir, f"registry-empty-{width}.png")

    page.click("#household-add")
    page.select_option("#id_village", village.code)
    page.fill("#id_number", "H001")
    page.fill("#id_head_name", "王大")
    with page.expect_navigation():
        page.click("#household-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("已登记：王大户（H001）")

    home = services.Household.objects.get(number="H001")
    id_number = mt.id_number(3, area="411526")
    services.add_member(user=cadre, household=home, name="王大", id_number=id_number, relation="户主")
    mt.household(cadre, number="H002", head_name="李二")
    page.goto(f"{live_server.url}/monitoring/households/")
    expect(page.locator(".household-item")).to_have_count(2)
    page.fill("#household-filters input[name=q]", "王大")
    with page.expect_navigation():
        page.click("#household-filters button")
    expect(page.locator(".household-item")).to_have_count(1)
    page.goto(f"{live_server.url}/monitoring/households/")
    page.fill("#id-search input[name=id_number]", id_number)
    with page.expect_navigation():
        page.click("#id-search button")
    expect(page.locator(".household-item")).to_have_count(1)
    expect(page.locator(".household-item")).to_contain_text("王大户")
    assert id_number not in page.url
    shot(page, artifacts_dir, f"registry-found-{width}.png")
