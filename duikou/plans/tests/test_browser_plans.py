"""A five-year plan walked from draft to filed in the browser by both cities, both provinces and the overseer."""

import json

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.core.tests.test_browser import login, shot
from duikou.plans.models import Plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(new_page, base, username):
    page = new_page()
    login(page, base, username)
    return page


def open_plan(page, base, plan_id):
    page.goto(f"{base}/plans/{plan_id}/")
    return page


def test_plan_from_draft_to_filed_then_frozen(live_server, reference_data, new_page, artifacts_dir, client):
    base = live_server.url
    for username, org, role in [
        ("xy_editor", "信阳市人民政府", "editor"),
        ("xy_approver", "信阳市人民政府", "approver"),
        ("sz_approver", "苏州市人民政府", "approver"),
        ("henan", "河南省人民政府", "approver"),
        ("jiangsu", "江苏省人民政府", "approver"),
        ("ndrc", "国家发展改革委（振兴司）", "approver"),
    ]:
        testing.user(username, org, role)

    # 信阳 drafts: create, add a goal and an item, submit
    page = as_user(new_page, base, "xy_editor")
    page.goto(f"{base}/plans/new/")
    page.select_option("#id_pairing", label="信阳市—苏州市")
    page.fill("#id_title", "信阳市与苏州市对口合作五年实施方案")
    with page.expect_navigation():
        page.click("#create-plan")
    plan_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    page.click("#goals summary")
    page.fill("#id_goals-text", "打造革命老区与发达城市对口合作的样板")
    with page.expect_navigation():
        page.click(".add-goals button")
    page.click("#items summary")
    page.select_option("#id_items-key_task", value="KT5")
    page.fill("#id_items-text", "将豫东南高新区建设成为苏信合作的主平台")
    with page.expect_navigation():
        page.click(".add-items button")
    expect(page.locator(".plan-item")).to_contain_text("豫东南高新区")
    shot(page, artifacts_dir, "browser-plan-draft.png")
    with page.expect_navigation():
        page.click("button[value=submit]")
    expect(page.locator("#plan-status")).to_have_text("双方确认中")

    # both cities agree
    for username in ("xy_approver", "sz_approver"):
        p = open_plan(as_user(new_page, base, username), base, plan_id)
        with p.expect_navigation():
            p.click("button[value=agree]")
    expect(open_plan(p, base, plan_id).locator("#plan-status")).to_have_text("双方已确认")

    # both provinces issue, each with its own document number
    for username, number in (("henan", "豫政〔2026〕18号"), ("jiangsu", "苏政发〔2026〕27号")):
        p = open_plan(as_user(new_page, base, username), base, plan_id)
        p.fill("input[name=doc_number]", number)
        p.fill("input[name=date]", "2026-03-01")
        with p.expect_navigation():
            p.click("form[action$='/step/issue/'] button")
    expect(p.locator("#plan-status")).to_have_text("两省已联合印发")

    # the national overseer files it
    p = open_plan(as_user(new_page, base, "ndrc"), base, plan_id)
    p.fill("input[name=receipt]", "发改振兴备〔2026〕3号")
    with p.expect_navigation():
        p.click("form[action$='/step/file/'] button")
    expect(p.locator("#plan-status")).to_have_text("已备案")
    shot(p, artifacts_dir, "browser-plan-filed.png")

    # 信阳's editor can no longer edit it in the page: no forms, and a forged POST is refused
    page = open_plan(page, base, plan_id)
    expect(page.locator(".add-goals")).to_have_count(0)
    status = page.evaluate(
        """async ([url]) => {
            const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const body = new URLSearchParams({"goals-text": "篡改", "goals-plan_version": "99"});
            return (await fetch(url, {method: "POST", body, headers: {"X-CSRFToken": token}})).status;
        }""",
        [f"{base}/plans/{plan_id}/goals/"],
    )
    assert status == 403
    # ... nor through the API
    plan = Plan.objects.get(pk=plan_id)
    _token, key = issue_token(user=plan.created_by, name="browser-test")
    response = client.post(
        f"/api/plans/{plan_id}/content/goals",
        data=json.dumps({"text": "篡改", "plan_version": plan.version}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 422 and "已备案" in response.json()["detail"][0]
    assert list(Plan.objects.get(pk=plan_id).goals.values_list("text", flat=True)) == [
        "打造革命老区与发达城市对口合作的样板"
    ]
