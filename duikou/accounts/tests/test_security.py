import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from duikou import testing
from duikou.accounts import scoping
from duikou.accounts.services import create_user

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_lockout_after_repeated_failures(client):
    testing.user("xy", "信阳市人民政府", "viewer")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "xy", "wrong-password")
    response = login(client, "xy", testing.PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_correct_password_signs_in(client):
    testing.user("xy", "信阳市人民政府", "viewer")
    response = login(client, "xy", testing.PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize("password", ["short1!", "onlyletters-and-symbols", "1234567890123", "abcdefghij12345"])
def test_password_policy_rejects_weak_passwords(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_policy_accepts_a_strong_password():
    validate_password("Hongse-Wenhua-2026")


def test_sessions_expire_when_idle_and_move_on_with_use_at_most_once_a_refresh(client):
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    assert settings.SESSION_COOKIE_AGE <= 1800
    client.force_login(testing.user("idle", "信阳市人民政府", "viewer"))
    key = client.session.session_key
    client.get("/")
    first = Session.objects.get(session_key=key).expire_date
    client.get("/")  # within the refresh interval: no write, the expiry stays
    assert Session.objects.get(session_key=key).expire_date == first
    store = SessionStore(session_key=key)
    store["_seen"] -= settings.DUIKOU_SESSION_REFRESH_SECONDS  # last written a refresh interval ago
    store.save()
    written = Session.objects.get(session_key=key).expire_date
    client.get("/")  # past the interval: the expiry moves on
    assert Session.objects.get(session_key=key).expire_date > written


def test_three_administrators_are_separated():
    system = testing.user("sys", "国家发展改革委（振兴司）", "system_admin")
    audit = testing.user("aud", "国家发展改革委（振兴司）", "audit_admin")
    security = testing.user("sec", "国家发展改革委（振兴司）", "security_admin")
    pairing = testing.pairing("信阳市", "苏州市")
    assert not scoping.may(system, scoping.Action.AUDIT)
    assert scoping.may(audit, scoping.Action.AUDIT)
    for admin in (system, audit, security):
        assert not scoping.can(admin, scoping.Action.CHANGE, pairing)
    assert not scoping.may(audit, scoping.Action.MANAGE_USERS) and not scoping.may(
        security, scoping.Action.MANAGE_USERS
    )


def test_user_creation_enforces_the_password_policy():
    admin = testing.user("sysadm", "国家发展改革委（振兴司）", "system_admin")
    with pytest.raises(ValidationError):
        create_user(
            actor=admin, username="weak", password="password", organisation=testing.org("信阳市人民政府"), role="viewer"
        )
