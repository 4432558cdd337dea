"""分类明细 in the entry grid: a total and its sub-rows that do not add up are shown as a check message naming the
indicator, the period and the difference; submitting is refused; corrected, the report goes up."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.indicators.models import DataValue

from .factories import GOOD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LABOUR = "labour_coop_persons"


def test_sub_rows_that_do_not_add_up_are_named_refused_then_corrected(
    live_server, reference_data, new_page, artifacts_dir
):
    base = live_server.url
    testing.user("xy_editor", "信阳市人民政府", "editor")
    pairing = testing.pairing("信阳市", "苏州市")
    DataValue.objects.bulk_create(  # every other value of the quarter is there
        DataValue(pairing=pairing, indicator_id=code, period="2025Q3", value=Decimal(value))
        for code, value in GOOD.items()
        if code != LABOUR
    )
    grid = f"{base}/indicators/entry/{pairing.pk}/quarterly/2025Q3/"
    page = new_page()
    login(page, base, "xy_editor")
    page.goto(grid)
    expect(page.locator(f"#row-{LABOUR}__lifted th")).to_have_text("其中：脱贫人口")

    # the total, then its sub-rows by keyboard: Enter moves from the total down through its sub-rows
    page.locator(f"#v-{LABOUR}").focus()
    for value in ("350", "200", "100", "30"):
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    expect(page.locator("#v-training_persons")).to_be_focused()
    expect(page.locator(f"#s-{LABOUR}__other")).to_have_text("已保存")
    message = "「劳务协作人数」2025年第3季度 各分类子项之和为 330，与合计 350 不符（相差 -20）"
    expect(page.locator("#violation-list")).to_contain_text(message)
    expect(page.locator(f"#msg-{LABOUR}")).to_contain_text("相差 -20")
    page.locator(f"#row-{LABOUR}").scroll_into_view_if_needed()
    shot(page, artifacts_dir, "browser-breakdowns-desktop.png")

    with page.expect_navigation():
        page.click("#submit-report")
    expect(page.locator(".alert-danger")).to_contain_text(message)
    expect(page.locator("#report-status")).to_have_text("填报中")

    # on a phone: the sub-rows are cards under the total's, the message beside the total
    phone = new_page({"width": 390, "height": 844})
    login(phone, base, "xy_editor")
    phone.goto(grid)
    phone.locator(f"#row-{LABOUR}__other").scroll_into_view_if_needed()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    expect(phone.locator(f"#msg-{LABOUR}")).to_contain_text("相差 -20")
    phone.locator(f"#row-{LABOUR}").scroll_into_view_if_needed()
    shot(phone, artifacts_dir, "browser-breakdowns-phone.png")

    # corrected: 其他 is 50, the check passes and the report is submitted
    page.fill(f"#v-{LABOUR}__other", "50")
    page.keyboard.press("Enter")
    expect(page.locator(f"#s-{LABOUR}__other")).to_have_text("已保存")
    expect(page.locator("#no-violations")).to_be_visible()
    with page.expect_navigation():
        page.click("#submit-report")
    expect(page.locator("#report-status")).to_have_text("已上报")
    stored = dict(DataValue.objects.filter(indicator=LABOUR).values_list("option__code", "value"))
    assert stored == {None: 350, "lifted": 200, "monitored": 100, "other": 50}
