"""One case walked through identification by four hands, on a phone-sized screen and on a desktop: 西关社区's first
cadre verifies (the five checks start unset and must each be answered), the second records the household's 承诺授权,
the first holds the 民主评议 and opens the 公示, the second reports it to the township when the 公示 is over, 春申街道
reviews and 潢川县 decides. Then a village cadre imports departmental data on a phone."""

import re

import pytest
from playwright.sync_api import Page, expect

from duikou.core.actors import Operator
from duikou.core.tests.test_browser import login, shot
from duikou.geo.models import Region
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, Household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page is {width}px wide on a {viewport}px screen"


def take(page: Page, step: str, status: str) -> None:
    """Press the step's button and see the case in its next status."""
    with page.expect_navigation():
        page.click(f"#step-{step} button")
    expect(page.locator(".alert-success")).to_contain_text("已办理")
    expect(page.locator("#case-status")).to_contain_text(status)
    no_horizontal_scroll(page)


@pytest.mark.parametrize(("screen", "size"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_a_case_is_identified_by_four_hands(live_server, reference_data, new_page, artifacts_dir, screen, size):
    base = live_server.url
    hands = mt.procedure_users()
    ruleset = services.create_ruleset(user=Operator(), province=Region.objects.get(code="410000"), year=2025)
    home = mt.household(hands["county"], head_name="王大")
    services.add_member(
        user=hands["county"], household=home, name="王大", id_number=mt.id_number(31), phone="13912345678"
    )
    mt.income(hands["county"], home, 2025, "8000", persons=2)  # 4000 a person, under 7000 × 1.5
    services.screen_households(user=Operator(), ruleset=ruleset)
    alert = home.alerts.get()
    case_url = f"{base}/monitoring/alerts/{alert.pk}/"

    def shot_as(page: Page, n: int, name: str) -> None:
        shot(page, artifacts_dir, f"monitoring-procedure-{screen}-{n}-{name}.png")

    # 入户核实 by the first village cadre: the five checks start unset, and each must be answered
    village = new_page(size)
    login(village, base, hands["village"].username)
    if screen == "phone":  # on a phone the menu folds behind the toggler
        expect(village.locator("#dk-nav-menu")).not_to_be_visible()
        village.click(".navbar-toggler")
        expect(village.locator("#dk-nav-menu")).to_have_class(re.compile(r"(^| )show( |$)"))  # opened, not opening
        shot_as(village, 0, "menu")
        with village.expect_navigation():
            village.get_by_role("link", name="返贫监测").click()
    else:
        village.goto(f"{base}/monitoring/")
    item = village.locator("#alert-list .alert-item").first
    expect(item).to_contain_text("王大户")
    expect(item).to_contain_text("待入户核实")
    item.click()
    form = village.locator("#step-verify")
    expect(form).to_be_visible()
    expect(village.locator("#step-include")).to_have_count(0)
    expect(form.locator("input[type=radio]")).to_have_count(10)
    expect(form.locator("input[type=radio]:checked")).to_have_count(0)
    expect(form).to_contain_text("尚未核实")
    no_horizontal_scroll(village)
    shot_as(village, 1, "verify-form")
    for field in Household.CHECKS:
        village.click(f"label[for=verify-{field}-yes]")
    village.click("label[for=verify-housing_ok-no]")  # the roof leaks
    village.fill("#verify-note", "入户核实：家中两人，务工收入中断，房屋漏雨")
    take(village, "verify", "待承诺授权")
    # the same cadre cannot take the next step: the page says whose turn it is
    expect(village.locator("#step-consent")).to_have_count(0)
    expect(village.locator("#workflow-turn")).to_contain_text("等待 西关社区居民委员会 处理")
    shot_as(village, 2, "verified")

    # 承诺授权 recorded by the second village cadre
    village2 = new_page(size)
    login(village2, base, hands["village2"].username)
    village2.goto(case_url)
    village2.fill("#consent-consent", "2026-01-04")
    take(village2, "consent", "待村级民主评议")

    # 村级民主评议 by the first cadre: the meeting's record, which opens the 公示
    village.reload()
    expect(village.locator("#step-deliberate")).to_contain_text("办理后即在村内公示 5 天")
    village.fill("#deliberate-meeting", "2026-01-05")
    village.fill("#deliberate-attendees", "12")
    village.fill("#deliberate-opinion", "与会村民代表一致同意纳入")
    village.select_option("#deliberate-category", label="突发严重困难户")
    shot_as(village, 3, "deliberate-form")
    take(village, "deliberate", "村内公示中")
    expect(village.locator("#case-publicity")).to_contain_text("村内公示中")
    shot_as(village, 4, "publicising")

    # the 公示 is over: the second cadre reports the case to the township
    mt._end_publicity(Alert.objects.get(pk=alert.pk))
    village2.reload()
    take(village2, "submit", "待乡镇审核")

    # 乡镇审核 by 春申街道
    township = new_page(size)
    login(township, base, hands["township"].username)
    township.goto(case_url)
    expect(township.locator("#step-township_dismiss")).to_be_visible()
    shot_as(township, 5, "township-review")
    take(township, "township_approve", "待县级审定")

    # 县级审定 by 潢川县: the category the meeting proposed is preselected
    county = new_page(size)
    login(county, base, hands["county"].username)
    county.goto(case_url)
    expect(county.locator("#include-category option:checked")).to_have_text("突发严重困难户")
    take(county, "include", "监测帮扶中")
    expect(county.locator("#case-steps .case-step")).to_have_count(6)
    shot_as(county, 6, "monitored")
    home.refresh_from_db()
    assert (home.category, home.housing_ok, home.water_ok) == ("sudden", False, True)


def test_village_cadre_imports_departmental_data_on_a_phone(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    cadre = mt.local_user("xiguan", level="village")
    home = mt.household(cadre, head_name="李二")
    services.add_member(user=cadre, household=home, name="李二", id_number=mt.id_number(41))
    content = mt.department_csv(
        [
            (mt.id_number(41), "2025-04-02", "16800", "住院 12 天"),
            (mt.id_number(42, area="110105"), "2025-04-03", "900", ""),  # nobody's
            (mt.id_number(41), "2025/99/01", "100", ""),  # malformed date
        ]
    )
    page = new_page(PHONE)
    login(page, base, "xiguan")
    page.goto(f"{base}/monitoring/imports/")
    page.select_option("#id_kind", value="hospital")
    page.set_input_files("#id_file", files=[{"name": "医保住院.csv", "mimeType": "text/csv", "buffer": content}])
    with page.expect_navigation():
        page.click("#start-check")
    expect(page.locator(".job-summary")).to_contain_text("试导入完成（尚未导入）")
    expect(page.locator(".job-errors")).to_contain_text("未找到该身份证号对应的家庭成员")
    page.click(".job-link")
    expect(page.locator("#matched-rows")).to_contain_text("李二")
    expect(page.locator("#unknown-rows")).to_contain_text("1101**********")
    expect(page.locator("#malformed-rows")).to_contain_text("日期为空或格式不正确")
    assert mt.id_number(41) not in page.content()
    no_horizontal_scroll(page)
    shot(page, artifacts_dir, "monitoring-phone-6-import-report.png")
    with page.expect_navigation():
        page.click("#confirm-import")
    expect(page.locator(".job-summary")).to_contain_text("已导入 1 条部门数据信号")
    page.click(".job-link")
    expect(page.locator("#import-summary")).to_contain_text("已导入")
    expect(page.locator("#confirm-import")).to_have_count(0)
    assert home.signals.get().amount == 16800
