"""On a phone-sized screen: a 西关社区 cadre verifies an alert, the 春申街道 cadre includes the household as a
monitoring object, the village cadre records assistance, risk elimination is refused until the income records
that satisfy the criteria are entered, then proposed, and the township confirms it."""

import re

import pytest
from playwright.sync_api import Page, expect

from duikou.core.actors import Operator
from duikou.core.tests.test_browser import login, shot
from duikou.geo.models import Region
from duikou.monitoring import services
from duikou.monitoring import testing as mt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


def add_income(page: Page, year: int, net: str) -> None:
    page.click("#add-income")
    page.fill("#id_year", str(year))
    page.fill("#id_persons", "2")
    page.fill("#id_net_income", net)
    with page.expect_navigation():
        page.click("#income-form button")
    expect(page.locator(".alert-success")).to_contain_text(f"已登记 {year} 年收支")


def test_village_cadre_takes_a_case_to_risk_elimination_on_a_phone(
    live_server, reference_data, new_page, artifacts_dir
):
    base = live_server.url
    cadre = mt.local_user("xiguan", level="village")  # 西关社区居民委员会
    mt.local_user("chunshen", level="township")  # 春申街道
    ruleset = services.create_ruleset(user=Operator(), province=Region.objects.get(code="410000"), year=2024)
    home = mt.household(cadre, head_name="王大")
    services.add_member(user=cadre, household=home, name="王大", id_number=mt.id_number(31), phone="13912345678")
    mt.income(cadre, home, 2024, "8000", persons=2)  # 4000 a person, under 7000 × 1.5
    services.screen_households(user=Operator(), ruleset=ruleset)
    alert = home.alerts.get()

    village = new_page(PHONE)
    login(village, base, "xiguan")
    # on a phone the menu folds behind the toggler
    expect(village.locator("#dk-nav-menu")).not_to_be_visible()
    village.click(".navbar-toggler")
    expect(village.locator("#dk-nav-menu")).to_have_class(re.compile(r"(^| )show( |$)"))  # opened, not opening
    shot(village, artifacts_dir, "monitoring-phone-0-menu.png")
    with village.expect_navigation():
        village.get_by_role("link", name="返贫监测").click()
    item = village.locator("#alert-list .alert-item").first
    expect(item).to_contain_text("王大户")
    expect(item).to_contain_text("待核实")
    no_horizontal_scroll(village)
    shot(village, artifacts_dir, "monitoring-phone-1-alerts.png")

    # verification (核实): the village cadre's only step
    item.click()
    expect(village.locator("#step-verify")).to_be_visible()
    expect(village.locator("#step-include")).to_have_count(0)
    village.fill("#verify-note", "入户核实：家中两人，务工收入中断")
    with village.expect_navigation():
        village.click("#step-verify button")
    expect(village.locator("#case-status")).to_contain_text("待认定")
    no_horizontal_scroll(village)
    shot(village, artifacts_dir, "monitoring-phone-2-verified.png")

    # the township includes the household as a monitoring object
    township = new_page(PHONE)
    login(township, base, "chunshen")
    township.goto(f"{base}/monitoring/alerts/{alert.pk}/")
    township.select_option("#include-category", label="边缘易致贫户")
    with township.expect_navigation():
        township.click("#step-include button")
    expect(township.locator("#case-status")).to_contain_text("监测帮扶中")

    # assistance recorded by the village cadre
    village.reload()
    expect(village.locator("#case-status")).to_contain_text("监测帮扶中")
    village.select_option("#id_kind", label="就业帮扶")
    village.select_option("#id_responsible_unit", label="西关社区居民委员会")
    village.fill("#id_description", "安排乡村公益性岗位（保洁员），每月 1200 元")
    with village.expect_navigation():
        village.click("#step-assist button")
    expect(village.locator("#measures + ul")).to_contain_text("安排乡村公益性岗位")
    expect(village.locator("#measures + ul")).to_contain_text("ssw-2021-xczx/2/1")

    # risk elimination refused, with the reasons
    expect(village.locator("#elimination-criteria")).to_contain_text("未满足")
    with village.expect_navigation():
        village.click("#step-propose_elimination button")
    refusal = village.locator(".alert-danger")
    expect(refusal).to_contain_text("不满足风险消除条件")
    expect(refusal).to_contain_text("缺少 2023 年收支记录")
    expect(refusal).to_contain_text("2024 年人均纯收入 4000.00 元，未高于监测范围上限")
    expect(village.locator("#case-status")).to_contain_text("监测帮扶中")
    no_horizontal_scroll(village)
    shot(village, artifacts_dir, "monitoring-phone-3-refused.png")

    # the income records that satisfy the criteria: two years above the line with its margin (10,500 a person)
    add_income(village, 2025, "22000")
    expect(village.locator("#elimination-criteria")).to_contain_text("未满足")
    add_income(village, 2026, "22000")
    expect(village.locator("#elimination-criteria")).to_contain_text("已满足")
    with village.expect_navigation():
        village.click("#step-propose_elimination button")
    expect(village.locator(".alert-success")).to_contain_text("已办理：申请风险消除")
    expect(village.locator("#case-status")).to_contain_text("风险消除待审定")
    no_horizontal_scroll(village)
    shot(village, artifacts_dir, "monitoring-phone-4-proposed.png")

    # the township confirms: the case is closed and the household leaves monitoring
    township.reload()
    with township.expect_navigation():
        township.click("#step-eliminate button")
    expect(township.locator("#case-status")).to_contain_text("已关闭")
    expect(township.locator("#case-steps .case-step")).to_have_count(5)
    shot(township, artifacts_dir, "monitoring-phone-5-closed.png")
    home.refresh_from_db()
    assert home.category == ""


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
