"""Rule sets in headless Chromium: a province editor revises the rule set in use on a 390 px phone, the old version
says it was superseded; screenshots go to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.actors import Operator
from duikou.core.tests.test_browser import login, shot
from duikou.geo.models import Region
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import RuleSet, Threshold, threshold

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_province_editor_supersedes_the_rule_set_in_use_on_a_phone(
    live_server, reference_data, new_page, artifacts_dir
):
    base = live_server.url
    henan = Region.objects.get(code="410000")
    first = services.create_ruleset(user=Operator(), province=henan, year=2026)
    services.open_case(household=mt.household(mt.local_user("rs_township", level="township")), channel="visit")
    testing.user("rs_province", "河南省人民政府", "editor")

    phone = new_page(PHONE)
    login(phone, base, "rs_province")
    phone.goto(f"{base}/monitoring/rulesets/{first.pk}/")
    expect(phone.locator("#ruleset-use")).to_contain_text("不能修改，只能修订为新版本")
    expect(phone.locator("#ruleset-edit")).to_have_count(0)
    expect(phone.locator(".local-setting").first).to_contain_text("本地设置，非政策")
    shot(phone, artifacts_dir, "rulesets-1-in-use-390.png")
    with phone.expect_navigation():
        phone.click("#ruleset-revise")
    phone.fill("#value-income_line", "8050")
    phone.check("#official-income_line")
    phone.fill("#source-income_line", "河南省 2026 年监测范围通知 第二条")
    phone.fill("#rs-note", "按省里公布的监测范围修订")
    shot(phone, artifacts_dir, "rulesets-2-revise-390.png")
    with phone.expect_navigation():
        phone.click("#ruleset-form button")
    second = RuleSet.objects.get(province=henan, year=2026, version=2)
    assert phone.url == f"{base}/monitoring/rulesets/{second.pk}/"
    assert threshold(second, Threshold.Key.INCOME_LINE) == 8050
    expect(phone.locator("#thresholds")).to_contain_text("河南省 2026 年监测范围通知 第二条")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"
    shot(phone, artifacts_dir, "rulesets-3-new-version-390.png")
    phone.goto(f"{base}/monitoring/rulesets/{first.pk}/")
    expect(phone.locator("body")).to_contain_text("已被第 2 版取代")
