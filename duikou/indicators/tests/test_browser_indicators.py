"""A quarter of 信阳–苏州 values entered in the grid, refused for a rule violation, corrected, submitted, approved
by 河南, and then locked for the city."""

import os
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.indicators.models import DataValue

from .factories import GOOD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHOROPLETH = [("延安市", "无锡市", Decimal("20000")), ("赣州市", "深圳市", Decimal("90000"))]


def test_quarter_refused_corrected_submitted_approved_then_locked(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    testing.user("xy_editor", "信阳市人民政府", "editor")
    testing.user("henan", "河南省人民政府", "approver")
    pairing = testing.pairing("信阳市", "苏州市")
    grid = f"{base}/indicators/entry/{pairing.pk}/quarterly/2025Q3/"

    page = new_page()
    login(page, base, "xy_editor")
    page.goto(grid)
    # keyboard entry: type a value, Enter moves down to the next row (and saves the cell left behind)
    values = {**GOOD, "funds_in_place_wan": "60000"}  # more in place than signed: violates the rule
    page.locator("#v-consumption_aid_wan").focus()
    for code in [r.get_attribute("id")[4:] for r in page.locator("#grid tr[id^=row-]").all()]:
        expect(page.locator(f"#v-{code}")).to_be_focused()
        page.keyboard.type(values.get(code, ""))  # a breakdown's sub-rows (code__option) are left empty
        page.keyboard.press("Enter")
    expect(page.locator("#completeness-count")).to_have_text("11 / 11")
    expect(page.locator("#violation-list")).to_contain_text("实际到位资金不得超过签约金额")
    expect(page.locator("#grid")).not_to_contain_text("未填写")  # every row's notes follow each save
    expect(page.locator("#msg-funds_in_place_wan")).to_contain_text("实际到位资金不得超过签约金额")
    expect(page.locator("#v-consumption_aid_wan")).to_have_value("1200.5")
    shot(page, artifacts_dir, "browser-indicators-violation.png")

    with page.expect_navigation():
        page.click("#submit-report")
    expect(page.locator(".alert-danger")).to_contain_text("实际到位资金不得超过签约金额")
    expect(page.locator("#report-status")).to_have_text("填报中")

    # correct it: the rule is satisfied and the violation disappears
    page.fill("#v-funds_in_place_wan", "18000")
    page.keyboard.press("Enter")
    expect(page.locator("#no-violations")).to_be_visible()
    expect(page.locator("#d-funds_in_place_rate")).to_have_text("34.6154")  # recomputed as the cell is saved
    with page.expect_navigation():
        page.click("#submit-report")
    expect(page.locator("#report-status")).to_have_text("已上报")

    # 河南 approves
    province = new_page()
    login(province, base, "henan")
    province.goto(grid)
    with province.expect_navigation():
        province.click("#approve-report")
    expect(province.locator("#report-status")).to_have_text("省级已审核")
    shot(province, artifacts_dir, "browser-indicators-approved.png")

    # the approved quarter in the analytics pivot, with its chart
    province.goto(f"{base}/indicators/analytics/?indicator=signed_amount_wan&rows=province&cols=period&status=approved")
    expect(province.locator("#chart-pivot")).to_have_attribute("data-ready", "1")
    expect(province.locator("#map-pivot")).to_have_attribute("data-ready", "1")
    expect(province.locator("#pivot-total")).to_have_text("52000")
    province.wait_for_timeout(1200)  # let the bars animate in before the screenshot
    shot(province, artifacts_dir, "browser-indicators-pivot.png")
    province.goto(f"{base}/indicators/analytics/?indicator=signed_amount_wan&rows=city&cols=year")
    expect(province.locator("#map-pivot")).to_have_attribute("data-ready", "1")
    expect(province.locator("#map-pivot")).to_have_attribute("data-cities", "1")  # 河南 sees 信阳 only
    province.wait_for_timeout(1200)
    shot(province, artifacts_dir, "browser-indicators-city-map.png")

    # the national overseer's choropleth: each old-area city coloured by its value, the others grey
    for old, partner, value in CHOROPLETH:
        DataValue.objects.create(
            pairing=testing.pairing(old, partner), indicator_id="signed_amount_wan", period="2025Q3", value=value
        )
    testing.user("ndrc", "国家发展改革委（振兴司）", "viewer")
    nation = new_page()
    login(nation, base, "ndrc")
    nation.goto(f"{base}/indicators/analytics/?indicator=signed_amount_wan&rows=partner_province&cols=year")
    expect(nation.locator("#map-pivot")).to_have_attribute("data-ready", "1")
    expect(nation.locator("#map-pivot")).to_have_attribute("data-cities", str(len(CHOROPLETH) + 1))
    expect(nation.locator("#pivot-table")).to_contain_text("江苏省")  # partner side as a dimension
    fills = nation.evaluate(
        """(names) => {
            const data = echarts.getInstanceByDom(document.getElementById("map-pivot")).getModel()
                .getSeriesByIndex(0).getData();
            return names.map((name) => {
                const i = data.indexOfName(name);
                return i < 0 ? null : data.getItemVisual(i, "style").fill;
            });
        }""",
        ["信阳市", "延安市", "赣州市", "张家界市"],
    )
    assert all(fills[:3]) and len(set(fills[:3])) == 3, fills  # three values, three shades
    assert fills[3] is None  # 张家界 reported nothing: not in the data, drawn grey
    nation.wait_for_timeout(1200)
    nation.locator("#map-pivot").screenshot(path=os.path.join(artifacts_dir, "browser-indicators-choropleth.png"))
    shot(nation, artifacts_dir, "browser-indicators-choropleth-page.png")

    # locked for the city: no inputs, no submit, and a forged cell save is refused
    page.goto(grid)
    expect(page.locator("#grid input.cell-value")).to_have_count(0)
    expect(page.locator("#v-funds_in_place_wan")).to_have_text("18000")
    expect(page.locator("#d-funds_in_place_rate")).to_have_text("34.6154")  # 18000 / 52000 × 100, derived
    expect(page.locator("#submit-report")).to_have_count(0)
    status = page.evaluate(
        """async ([url]) => {
            const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const body = new URLSearchParams({indicator: "funds_in_place_wan", value: "1"});
            return (await fetch(url, {method: "POST", body, headers: {"X-CSRFToken": token}})).status;
        }""",
        [f"{grid}cell/"],
    )
    assert status == 403
    assert DataValue.objects.get(pairing=pairing, indicator="funds_in_place_wan", period="2025Q3").value == 18000
    shot(page, artifacts_dir, "browser-indicators-locked.png")
