"""The inbox walked in the browser: 苏州's approver finds 信阳's submitted plan behind the navbar's badge, opens it,
and reads the rest on a 390 px phone."""

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.notifications.models import Notification
from duikou.plans import services as plans
from duikou.plans.tests.factories import drafted_plan, people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_inbox_on_desktop_and_phone(live_server, reference_data, new_page, artifacts_dir, settings, tmp_path):
    settings.DUIKOU_MESSAGING_CHANNELS = ["sms", "dingtalk"]
    settings.DUIKOU_MESSAGING_OUTBOX = tmp_path
    who = people()
    plan = plans.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    henan = testing.user("henan_editor", "河南省人民政府", "editor")
    from duikou.indicators import services as indicators
    from duikou.indicators.models import DataSet

    indicators.remind_unreported(user=henan, dataset=DataSet.objects.get(pk="quarterly"), period="2025Q3")
    unread = Notification.objects.filter(recipient=who["sz_approver"]).count()
    assert unread == 2

    page = new_page()
    login(page, live_server.url, "sz_approver")
    expect(page.locator("#unread-badge")).to_contain_text(str(unread))
    page.click("#nav-inbox")
    items = page.locator("#inbox li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("催办提醒")  # newest first
    expect(page.locator("#inbox li[data-unread='1']")).to_have_count(2)
    shot(page, artifacts_dir, "browser-inbox-desktop.png")

    with page.expect_navigation():
        page.locator("#inbox li", has_text="提交给您处理").locator("a").click()
    assert page.url.endswith(f"/plans/{plan.pk}/")
    expect(page.locator("#unread-badge")).to_contain_text("1")

    phone = new_page({"width": 390, "height": 844})
    login(phone, live_server.url, "sz_approver")
    phone.goto(f"{live_server.url}/inbox/?unread=1")
    expect(phone.locator("#inbox li")).to_have_count(1)
    expect(phone.locator("#nav-inbox-phone")).to_be_visible()  # the badge outside the folded menu
    shot(phone, artifacts_dir, "browser-inbox-phone.png")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the screen
    with phone.expect_navigation():
        phone.click("#inbox .mark-read")
    expect(phone.locator("#inbox-empty")).to_be_visible()
    expect(phone.locator("#unread-badge")).to_have_count(0)
    expect(phone.locator("#nav-inbox-phone")).to_have_count(0)
    shot(phone, artifacts_dir, "browser-inbox-phone-empty.png")

    phone.click("#preferences-link")
    phone.uncheck("#id_email_enabled")  # the account has no e-mail address
    phone.check("#channel-sms")
    phone.fill("#id_phone", "13800138000")
    phone.check("#id_digest")
    with phone.expect_navigation():
        phone.click("#preference-form button.btn-danger")
    expect(phone.locator(".alert-success")).to_contain_text("通知设置已保存")
    expect(phone.locator("#id_phone")).to_have_attribute("placeholder", "138****8000")
    expect(phone.locator("#channel-sms")).to_be_checked()
    shot(phone, artifacts_dir, "browser-inbox-preferences-phone.png")
