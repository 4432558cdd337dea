"""My to-do walked in the browser: 信阳 submits a plan, 苏州 finds it on its home page and in its to-do, confirms it
there, and the provinces find it next — on a desktop and on a 390 px phone."""

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.plans import services
from duikou.plans.tests.factories import drafted_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def smtp(settings, tmp_path):
    """A real local SMTP server (aiosmtpd) that keeps what it receives; the site sends e-mail to it."""
    from duikou.notifications.tests.servers import smtp_server

    settings.DUIKOU_MESSAGING_BACKEND = "live"
    settings.DUIKOU_MESSAGING_OUTBOX = tmp_path
    settings.EMAIL_HOST = "127.0.0.1"
    controller, box = smtp_server()
    settings.EMAIL_PORT = controller.port
    yield box
    controller.stop()


def test_a_submitted_plan_reaches_the_partner_city_then_the_provinces(
    live_server, reference_data, new_page, artifacts_dir, smtp, settings
):
    base = live_server.url
    settings.DUIKOU_SITE_URL = base
    who = {
        "xy_editor": testing.user("xy_editor", "信阳市人民政府", "editor"),
        "xy_approver": testing.user("xy_approver", "信阳市人民政府", "approver"),
        "sz_approver": testing.user("sz_approver", "苏州市人民政府", "approver"),
        "henan": testing.user("henan", "河南省人民政府", "approver"),
    }
    who["sz_approver"].email = "sz.approver@example.gov.cn"
    who["sz_approver"].save()
    plan = drafted_plan(who)

    # 信阳 submits in the page; the page says whose turn it is and until when
    page = new_page()
    login(page, base, "xy_editor")
    page.goto(f"{base}/plans/{plan.pk}/")
    with page.expect_navigation():
        page.click("button[value=submit]")
    expect(page.locator("#workflow-turn")).to_contain_text("等待 信阳市、苏州市 处理，截止")
    expect(page.locator("#workflow-turn")).to_contain_text("本地规则")
    # 苏州's approver gets the e-mail, read back from the SMTP server: the plan, the step and the link to it
    assert [m["to"] for m in smtp.messages] == [["sz.approver@example.gov.cn"]]
    mail = smtp.messages[0]
    assert str(plan) in mail["subject"] + mail["body"] and f"{base}/plans/{plan.pk}/" in mail["body"]
    services.agree(user=who["xy_approver"], plan=plan.__class__.objects.get(pk=plan.pk))

    # 苏州 finds it on its home page, on a phone, and opens it from there
    phone = new_page(PHONE)
    login(phone, base, "sz_approver")
    phone.goto(f"{base}/")
    item = phone.locator("#home-todo .todo-item", has_text=str(plan))
    expect(item).to_contain_text(str(plan))
    expect(item).to_contain_text("确认同意")
    shot(phone, artifacts_dir, "browser-todo-home-phone.png")
    with phone.expect_navigation():
        item.click()
    expect(phone.locator("#workflow-turn")).to_contain_text("等待 苏州市 处理")
    with phone.expect_navigation():
        phone.click("button[value=agree]")
    expect(phone.locator("#plan-status")).to_have_text("双方已确认")
    phone.goto(f"{base}/todo/?source=plans")
    expect(phone.locator("#todo-empty")).to_be_visible()

    # the province finds it next, in its to-do list on a desktop
    desk = new_page()
    login(desk, base, "henan")
    desk.goto(f"{base}/todo/")
    row = desk.locator("#todo-list .todo-item", has_text=str(plan))
    expect(row).to_contain_text(str(plan))
    expect(row).to_contain_text("登记本省印发")
    expect(row).to_contain_text("本地规则")
    shot(desk, artifacts_dir, "browser-todo-province.png")
    desk.goto(f"{base}/todo/?source=plans&overdue=1")
    expect(desk.locator("#todo-empty")).to_contain_text("没有逾期的待办事项")
