"""The entry grid keeps what is typed into it: each row is saved as soon as it is left, rows side by side (no queue),
each says where it stands (保存中… / 已保存 / why it was not saved), leaving while a save is on its way asks first,
and on a phone each indicator is a card with a note input across it.

Officials lost the last two of eleven values by leaving the page 1.5 s after typing them: the saves waited in one
queue, and leaving dropped the ones still waiting. ``test_values_typed_quickly_then_left_at_once_are_all_stored``
does that (faster) and finds every value stored."""

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.indicators.models import DataValue, Report

from .factories import GOOD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPED = {**GOOD, "consumption_aid_wan": "1300", "training_persons": "820"}  # within half of last quarter's


def last_quarter(pairing) -> None:
    """2025Q2's values, stored as they are: a change of more than half of one asks for a note."""
    DataValue.objects.bulk_create(
        DataValue(pairing=pairing, indicator_id=code, period="2025Q2", value=Decimal(value))
        for code, value in GOOD.items()
    )


def stored(pairing) -> dict[str, Decimal]:
    return dict(DataValue.objects.filter(pairing=pairing, period="2025Q3").values_list("indicator_id", "value"))


def wait_for_values(pairing, count: int, seconds: float = 10) -> dict[str, Decimal]:
    """The values stored once ``count`` are (saves sent as the page was left arrive after it is gone)."""
    deadline = time.monotonic() + seconds
    while len(values := stored(pairing)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return values


def test_values_typed_quickly_then_left_at_once_are_all_stored(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    testing.user("xy_editor", "信阳市人民政府", "editor")
    testing.user("xy_clerk", "信阳市人民政府", "editor")
    pairing = testing.pairing("信阳市", "苏州市")
    last_quarter(pairing)
    grid = f"{base}/indicators/entry/{pairing.pk}/quarterly/2025Q3/"
    page = new_page()
    login(page, base, "xy_editor")
    dialogs, leave = [], {"ok": True}
    page.on("dialog", lambda d: (dialogs.append(d.type), d.accept() if leave["ok"] else d.dismiss()))
    page.goto(grid)

    # the reported loss: eleven values typed quickly (Enter moves down and saves the row left), the page left at once
    rows = [r.get_attribute("id")[4:] for r in page.locator("#grid tr[id^=row-]").all()]
    codes = [code for code in rows if "__" not in code]  # the totals; a breakdown's sub-rows are code__option
    assert len(codes) == 11
    page.locator(f"#v-{rows[0]}").focus()
    for code in rows:
        page.keyboard.type(TYPED.get(code, ""))  # the sub-rows are left empty
        page.keyboard.press("Enter")
    with page.expect_navigation():
        page.click("text=全部结对")  # a save still on its way asks first (accepted here: the page is left)
    values = wait_for_values(pairing, len(codes))
    assert {code: str(values.get(code, "—")) for code in codes} == {
        code: str(Decimal(TYPED[code]).quantize(Decimal("0.0001"))) for code in codes
    }
    page.goto(grid)  # back on the grid: every value is there
    for code in codes:
        expect(page.locator(f"#v-{code}")).to_have_value(TYPED[code])
    expect(page.locator("#completeness-count")).to_have_text("11 / 11")
    dialogs.clear()

    # saving → saved, and a later edit of a row supersedes the one on its way: hold the row's first save
    held = []
    page.route(re.compile(r"/cell/$"), lambda route: held.append(route))
    page.fill("#v-training_persons", "830")
    page.keyboard.press("Enter")
    expect(page.locator("#s-training_persons")).to_have_text("保存中…")
    expect(page.locator("#row-training_persons")).to_have_attribute("data-state", "saving")
    page.fill("#v-training_persons", "840")  # typed again while 830 is on its way
    page.keyboard.press("Enter")
    # leaving now asks first; staying keeps the page and what was typed
    leave["ok"] = False
    page.click("text=全部结对")
    expect(page.locator("#s-training_persons")).to_have_text("保存中…")
    assert dialogs == ["beforeunload"] and page.url == grid
    assert len(held) == 1  # the row's second save waits for its first: never two of one row at once
    held[0].continue_()
    page.unroute(re.compile(r"/cell/$"))
    expect(page.locator("#s-training_persons")).to_have_text("已保存")
    row = DataValue.objects.get(pairing=pairing, period="2025Q3", indicator="training_persons")
    assert (row.value, row.version) == (840, 3)  # the last value typed, saved after the first (version 2)
    expect(page.locator("#v-training_persons")).to_have_value("840")

    # refused, with the server's reason: a whole number for whole persons
    page.fill("#v-labour_coop_persons", "350.5")
    page.keyboard.press("Enter")
    state = page.locator("#s-labour_coop_persons")
    expect(state).to_have_text("未能保存：「劳务协作人数」须为整数，「350.5」不是整数")
    expect(page.locator("#row-labour_coop_persons")).to_have_attribute("data-state", "refused")
    expect(page.locator("#v-labour_coop_persons")).to_have_attribute("aria-invalid", "true")
    assert stored(pairing)["labour_coop_persons"] == 350

    # saved, but a change of more than half of last quarter's asks for a note: the row says so until it has one
    page.fill("#v-consumption_aid_wan", "5000")
    page.keyboard.press("Enter")
    expect(page.locator("#s-consumption_aid_wan")).to_have_text("已保存；变动较大，须在说明中写明原因")
    expect(page.locator("#msg-consumption_aid_wan")).to_contain_text("请在说明中写明原因")
    expect(page.locator("#c-consumption_aid_wan")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#violation-list")).to_contain_text("消费帮扶金额")
    shot(page, artifacts_dir, "browser-grid-states.png")
    page.fill("#c-consumption_aid_wan", "新增电商销售渠道")
    page.keyboard.press("Tab")
    expect(page.locator("#s-consumption_aid_wan")).to_have_text("已保存")
    expect(page.locator("#c-consumption_aid_wan")).to_have_attribute("aria-invalid", "false")
    expect(page.locator("#row-consumption_aid_wan")).to_have_attribute("data-flag", "")
    expect(page.locator("#violation-list")).to_contain_text("（已说明）")
    row = DataValue.objects.get(pairing=pairing, period="2025Q3", indicator="consumption_aid_wan")
    assert (row.value, row.comment) == (5000, "新增电商销售渠道")

    # two people, one cell: the one who saved second is told, with what is stored, and nothing is overwritten
    other = new_page()
    login(other, base, "xy_clerk")
    other.goto(grid)
    page.fill("#v-coop_parks", "3")
    page.keyboard.press("Enter")
    expect(page.locator("#s-coop_parks")).to_have_text("已保存")
    other.fill("#v-coop_parks", "4")
    other.keyboard.press("Enter")
    expect(other.locator("#s-coop_parks")).to_contain_text("已被他人修改")
    expect(other.locator("#s-coop_parks")).to_contain_text("现存值：3")
    assert stored(pairing)["coop_parks"] == 3

    # a row that was refused is not saved: leaving asks (nothing else is on its way)
    dialogs.clear()
    leave["ok"] = True
    with page.expect_navigation():
        page.click("text=全部结对")
    assert dialogs == ["beforeunload"]
    shot(other, artifacts_dir, "browser-grid-desktop.png")


def test_phone_shows_each_indicator_as_a_card_with_a_wide_note(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    testing.user("xy_editor", "信阳市人民政府", "editor")
    pairing = testing.pairing("信阳市", "苏州市")
    last_quarter(pairing)
    grid = f"{base}/indicators/entry/{pairing.pk}/quarterly/2025Q3/"
    page = new_page({"width": 390, "height": 844})
    login(page, base, "xy_editor")
    page.goto(grid)

    card = page.locator("#row-consumption_aid_wan")
    value, note = page.locator("#v-consumption_aid_wan"), page.locator("#c-consumption_aid_wan")
    value.fill("5000")  # more than half above last quarter's 1200.5: the note is asked for
    value.press("Enter")
    expect(page.locator("#s-consumption_aid_wan")).to_have_text("已保存；变动较大，须在说明中写明原因")
    boxes = {
        name: page.locator(selector).bounding_box()
        for name, selector in {
            "card": "#row-consumption_aid_wan",
            "name": "#row-consumption_aid_wan th",
            "value": "#v-consumption_aid_wan",
            "note": "#c-consumption_aid_wan",
            "state": "#s-consumption_aid_wan",
            "message": "#msg-consumption_aid_wan",
        }.items()
    }
    # one card, full width, its parts one under the other: name, value, note, state, the rule's message
    assert boxes["card"]["width"] > 330, boxes
    order = ["name", "value", "note", "state", "message"]
    assert [boxes[n]["y"] for n in order] == sorted(boxes[n]["y"] for n in order), boxes
    assert boxes["note"]["width"] >= 300 and boxes["note"]["height"] >= 40, boxes  # a thumb can hit it
    assert boxes["value"]["width"] >= 300, boxes
    expect(card).to_contain_text("消费帮扶金额")
    expect(card).to_contain_text("万元")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    note.click()
    note.fill("新增电商销售渠道")
    note.press("Enter")
    expect(page.locator("#s-consumption_aid_wan")).to_have_text("已保存")
    assert DataValue.objects.get(pairing=pairing, period="2025Q3", indicator="consumption_aid_wan").comment
    page.locator("#v-labour_coop_persons").fill("1.5")
    page.locator("#v-labour_coop_persons").press("Enter")
    expect(page.locator("#s-labour_coop_persons")).to_contain_text("未能保存")
    # submitted meanwhile (another tab): the grid is no longer editable, and the row says so
    Report.objects.filter(pairing=pairing, period="2025Q3").update(status=Report.Status.SUBMITTED)
    page.locator("#v-training_persons").fill("900")
    page.locator("#v-training_persons").press("Enter")
    expect(page.locator("#s-training_persons")).to_have_text(
        "未能保存：您已不能修改本期数据（可能已上报或锁定），请刷新页面。"
    )
    page.locator("#row-consumption_aid_wan").scroll_into_view_if_needed()
    shot(page, artifacts_dir, "browser-grid-phone.png")
