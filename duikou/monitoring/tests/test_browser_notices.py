"""公示 and objections in headless Chromium: on a 390 px phone a villager opens the village's notice page without
signing in, objects to a 公示, gets the acknowledgement number and looks up its status with it; on a desktop the
township's staff find the objection in their list and the village's printable notice. Screenshots go to
test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from duikou.core.tests.test_browser import login, shot
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Objection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_villager_objects_on_the_phone_and_staff_find_it(live_server, reference_data, new_page, artifacts_dir):
    hands = mt.procedure_users()
    home = mt.household(hands["county"], number="B001", head_name="王建国")
    case, _opened = services.open_case(household=home, channel="visit", user=hands["village"], note="患病住院")
    case = mt.walk(case, "publicising", category="sudden")
    included = mt.household(hands["county"], number="B002", head_name="李四海")
    other, _opened = services.open_case(household=included, channel="self", user=None)
    mt.walk(other, "monitored", category="marginal")
    village = home.village_id

    phone = new_page({"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/notices/{village}/")
    expect(phone.locator(".notice")).to_have_count(2)
    entry = phone.locator(f"#notice-publicity-{case.pk}")
    expect(entry).to_contain_text("王**")
    expect(entry).to_contain_text("突发严重困难户")
    expect(phone.locator("body")).not_to_contain_text("王建国")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    shot(phone, artifacts_dir, "notices-village-390.png")

    entry.locator("summary").click()
    entry.locator("textarea").fill("该户家里去年新盖了楼房，收入不低，请核实。")
    with phone.expect_navigation():
        entry.locator("button").click()
    number = phone.locator("#ack-number").inner_text().strip()
    assert re.fullmatch(r"YY[0-9A-Z]{10}", number)
    assert Objection.objects.get().ack_number == number
    shot(phone, artifacts_dir, "notices-objection-received-390.png")

    phone.click("#answer-link")
    phone.fill("#answer-ack", number.lower())
    with phone.expect_navigation():
        phone.click("#answer-form button")
    expect(phone.locator("#answer-status")).to_have_text("待答复")
    shot(phone, artifacts_dir, "notices-answer-390.png")

    desk = new_page({"width": 1280, "height": 900})
    login(desk, live_server.url, hands["township"].username)
    desk.goto(f"{live_server.url}/monitoring/objections/")
    expect(desk.locator(".objection-item")).to_have_count(1)
    expect(desk.locator(".objection-item")).to_contain_text(number)
    shot(desk, artifacts_dir, "notices-objections-1280.png")
    desk.goto(f"{live_server.url}/monitoring/notices/")
    expect(desk.locator(".notice-row")).to_have_count(2)
    shot(desk, artifacts_dir, "notices-staff-1280.png")
    with desk.expect_download() as download:
        desk.click(".notice-docx")
    assert download.value.suggested_filename.startswith(f"notice-{village}-")
