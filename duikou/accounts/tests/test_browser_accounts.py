"""In the browser: an approver's first sign-in enrols an authenticator app (read from the page as a phone would),
and the security admin finds an account and resets its second factor."""

import os
import re

import pytest
from django_otp.oath import TOTP, hotp
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(secret: str) -> str:
    """What an authenticator app shows now for a base32 secret typed in by hand."""
    import base64

    key = base64.b32decode(secret)
    return f"{hotp(key, TOTP(key).t()):06d}"


def test_first_sign_in_enrols_an_authenticator_on_desktop_and_phone(live_server, reference_data, browser, new_page,
                                                                    artifacts_dir):  # fmt: skip
    testing.user("xy_approver", "信阳市人民政府", "approver", display_name="王审核")
    base = live_server.url
    page = new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "xy_approver")
    page.fill("#id_password", testing.PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/enrol/\?next=%2F$"))
    expect(page.locator("#totp-qr svg")).to_be_visible()
    expect(page.locator("nav .navbar-nav")).to_have_count(0)  # nothing else to open yet
    shot(page, artifacts_dir, "accounts-enrol-desktop.png")
    phone = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        small = phone.new_page()
        small.context.add_cookies(page.context.cookies())
        small.goto(page.url)
        expect(small.locator("#totp-qr svg")).to_be_visible()
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the enrol page scrolls sideways on a phone ({width}px)"
        small.screenshot(path=os.path.join(artifacts_dir, "accounts-enrol-390.png"), full_page=True)
    finally:
        phone.close()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("#id_code", code_for(secret))
    with page.expect_navigation():
        page.click("#totp-confirm")
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("alert")).to_contain_text("验证器已绑定")


def test_security_admin_finds_an_account_and_resets_its_second_factor(live_server, reference_data, new_page,
                                                                       artifacts_dir):  # fmt: skip
    approver = testing.user("xy_approver", "信阳市人民政府", "approver", display_name="王审核")
    testing.authenticator(approver)
    testing.user("xy_sec", "信阳市人民政府", "security_admin")
    base = live_server.url
    page = new_page()
    login(page, base, "xy_sec")
    page.goto(f"{base}/accounts/users/")
    page.fill("#id_q", "王审核")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    with page.expect_navigation():
        page.locator("#user-table").get_by_role("link", name="xy_approver").click()
    expect(page.locator("#account-actions button")).to_have_text(
        ["变更角色", "重置密码", "解除登录锁定", "重置双因素验证"]
    )
    shot(page, artifacts_dir, "accounts-user-detail.png")
    with page.expect_navigation():
        page.get_by_role("button", name="重置双因素验证").click()
    expect(page.get_by_role("alert")).to_contain_text("下次登录时须重新绑定验证器")
    assert not approver.totpdevice_set.exists()
