"""Two-factor sign-in (等保 三级) through the real login form, with codes computed here from the device key."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from duikou import testing
from duikou.accounts.services import issue_token

pytestmark = pytest.mark.django_db

ENROL = "/accounts/two-factor/enrol/"
VERIFY = "/accounts/two-factor/verify/"


def sign_in(client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": testing.PASSWORD}, follow=True)


def test_the_default_roles_are_the_approver_and_the_three_administrators():
    assert set(settings.DUIKOU_2FA_ROLES) == {"approver", "system_admin", "security_admin", "audit_admin"}


def test_an_approver_enrols_an_authenticator_on_first_sign_in(client):
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    response = sign_in(client, "xy_approver")
    assert response.redirect_chain[-1][0] == f"{ENROL}?next=%2F"
    page = response.content.decode()
    assert "<svg" in page and "绑定验证器" in page
    device = TOTPDevice.objects.get(user=approver, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert device.config_url.split("secret=")[1].startswith(secret)
    # until the code is given, nothing else opens: pages redirect to the enrolment, the session API is refused
    assert client.get("/plans/")["Location"] == f"{ENROL}?next=%2Fplans%2F"
    api = client.get("/api/pairings")
    assert api.status_code == 403 and "双因素验证" in api.json()["detail"]
    code = f"{hotp(device.bin_key, device_t(device)):06d}"  # what the app shows now for the key it scanned
    response = client.post(ENROL, {"code": code, "next": "/plans/"})
    assert response.status_code == 302 and response["Location"] == "/plans/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/plans/").status_code == 200 and client.get("/api/pairings").status_code == 200


def device_t(device) -> int:
    from django_otp.oath import TOTP

    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()


def test_an_enrolled_approver_gives_a_code_at_each_sign_in(client):
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    testing.authenticator(approver)
    response = sign_in(client, "xy_approver")
    assert response.redirect_chain[-1][0] == f"{VERIFY}?next=%2F"
    wrong = client.post(VERIFY, {"code": "000000" if testing.totp_code(approver) != "000000" else "111111"})
    assert wrong.status_code == 200 and "动态码不正确" in wrong.content.decode()
    assert AccessAttempt.objects.get(username="xy_approver").failures_since_start == 1


def test_the_right_code_opens_the_platform(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    testing.authenticator(approver)
    sign_in(client, "xy_approver")
    response = client.post(VERIFY, {"code": testing.totp_code(approver), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_code_is_taken_once(client):
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    testing.authenticator(approver)
    sign_in(client, "xy_approver")
    code = testing.totp_code(approver)
    assert client.post(VERIFY, {"code": code})["Location"] == "/"
    client.post("/accounts/logout/")
    sign_in(client, "xy_approver")
    assert client.post(VERIFY, {"code": code}).status_code == 200  # refused: the same code again


def test_a_viewer_is_not_asked(client):
    testing.user("xy_viewer", "信阳市人民政府", "viewer")
    response = sign_in(client, "xy_viewer")
    assert response.redirect_chain == [("/", 302)] and response.status_code == 200
    assert not TOTPDevice.objects.exists()


def test_the_roles_that_are_asked_are_a_setting(client, settings):
    settings.DUIKOU_2FA_ROLES = ["editor"]
    testing.user("xy_editor", "信阳市人民政府", "editor")
    testing.user("xy_approver", "信阳市人民政府", "approver")
    assert sign_in(client, "xy_editor").redirect_chain[-1][0].startswith(ENROL)
    client.post("/accounts/logout/")
    assert sign_in(client, "xy_approver").redirect_chain == [("/", 302)]


def test_wrong_codes_lock_the_account(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # only the lockout here, not the slowing down
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    testing.authenticator(approver)
    sign_in(client, "xy_approver")
    wrong = "000000" if testing.totp_code(approver) != "000000" else "111111"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(VERIFY, {"code": wrong}).status_code == 200
    locked = client.post(VERIFY, {"code": wrong})
    assert locked.status_code == 429 and "锁定" in locked.content.decode()
    assert client.get("/")["Location"].startswith("/accounts/login/")  # signed out
    again = client.post("/accounts/login/", {"username": "xy_approver", "password": testing.PASSWORD})
    assert again.status_code == 429


def test_after_a_wrong_code_the_next_try_must_wait(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 3600
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    testing.authenticator(approver)
    sign_in(client, "xy_approver")
    client.post(VERIFY, {"code": "000000" if testing.totp_code(approver) != "000000" else "111111"})
    response = client.post(VERIFY, {"code": testing.totp_code(approver)})
    assert response.status_code == 200 and "之后再试" in response.content.decode()


def test_a_bearer_token_is_unaffected_and_an_unverified_session_never_stands_in_for_one(client):
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    _token, key = issue_token(user=approver, name="脚本")
    assert client.get("/api/pairings", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    sign_in(client, "xy_approver")  # password only
    assert client.get("/api/pairings", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert client.get("/api/pairings", HTTP_AUTHORIZATION="Bearer dk_wrong").status_code == 401


def test_security_admin_resets_an_authenticator_within_its_area(client):
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    elsewhere = testing.user("ya_approver", "延安市人民政府", "approver")
    testing.authenticator(approver)
    testing.authenticator(elsewhere)
    testing.login(client, testing.user("xy_sec", "信阳市人民政府", "security_admin"))
    assert client.post(f"/accounts/users/{elsewhere.pk}/reset-two-factor/").status_code == 404
    assert client.post(f"/accounts/users/{approver.pk}/reset-two-factor/").status_code == 302
    assert not TOTPDevice.objects.filter(user=approver).exists()
    assert TOTPDevice.objects.filter(user=elsewhere).exists()
    client.post("/accounts/logout/")
    assert sign_in(client, "xy_approver").redirect_chain[-1][0].startswith(ENROL)


def test_force_login_in_tests_passes_the_second_factor(client):
    """The provision every other test relies on (duikou/conftest.py): force_login verifies approvers' sessions."""
    client.force_login(testing.user("xy_approver", "信阳市人民政府", "approver"))
    assert client.get("/plans/").status_code == 200
