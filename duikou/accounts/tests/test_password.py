"""A password someone else chose (a new account, a reset) is changed by its holder at the next sign-in."""

import pytest
from auditlog.models import LogEntry
from django.test import Client

from duikou import testing
from duikou.accounts.models import User
from duikou.accounts.services import create_user, reset_password

pytestmark = pytest.mark.django_db

XINYANG = "信阳市人民政府"
INITIAL = "Hongse-Wenhua-2026"
CHOSEN = "Dabie-Shan-Lvse-88"


def new_account() -> User:
    admin = testing.user("xy_sysadmin", "国家发展改革委（振兴司）", "system_admin")
    return create_user(
        actor=admin, username="xy_new", password=INITIAL, organisation=testing.org(XINYANG), role="editor"
    )


def signed_in_with(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    return client


def change(client, old: str, new: str, again: str | None = None):
    return client.post(
        "/accounts/password/", {"old_password": old, "new_password": new, "new_password_again": again or new}
    )


def test_a_new_account_must_choose_its_own_password_before_anything_else():
    new_account()
    client = signed_in_with("xy_new", INITIAL)
    for path in ("/", "/pairings/", "/accounts/profile/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/password/?next=")
    api = client.get("/api/pairings/")
    assert api.status_code == 403 and "修改初始密码" in api.json()["detail"]
    page = client.get("/accounts/password/")
    assert "管理员设置的" in page.content.decode()


def test_after_choosing_a_password_the_holder_stays_signed_in_and_reaches_the_site():
    account = new_account()
    client = signed_in_with("xy_new", INITIAL)
    response = change(client, INITIAL, CHOSEN)
    assert response.status_code == 302
    assert client.get("/pairings/").status_code == 200
    account.refresh_from_db()
    assert not account.must_change_password and account.check_password(CHOSEN)
    notes = LogEntry.objects.get_for_object(account).values_list("changes", flat=True)
    assert any("本人修改了密码" in str(n) for n in notes)


def test_a_password_reset_by_the_security_admin_must_be_changed_again():
    account = testing.user("xy_editor", XINYANG, "editor")
    security = testing.user("sec", "国家发展改革委（振兴司）", "security_admin")
    temporary = reset_password(actor=security, user=account)
    client = signed_in_with("xy_editor", temporary)
    assert client.get("/").status_code == 302
    change(client, temporary, CHOSEN)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("old", "new", "again", "field", "message"),
    [
        ("wrong-Password-1", CHOSEN, CHOSEN, "old_password", "原密码不正确"),
        (INITIAL, INITIAL, INITIAL, "new_password", "不能与原密码相同"),
        (INITIAL, "short1!", "short1!", "new_password", ""),
        (INITIAL, CHOSEN, CHOSEN + "x", "new_password_again", "不一致"),
    ],
)
def test_a_bad_new_password_is_refused_with_the_reason(old, new, again, field, message):
    account = new_account()
    client = signed_in_with("xy_new", INITIAL)
    response = change(client, old, new, again)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    account.refresh_from_db()
    assert account.must_change_password and account.check_password(INITIAL)


def test_anyone_signed_in_may_change_their_own_password_from_the_profile():
    account = testing.user("xy_viewer", XINYANG, "viewer")
    client = signed_in_with("xy_viewer", testing.PASSWORD)
    assert "/accounts/password/" in client.get("/accounts/profile/").content.decode()
    assert change(client, testing.PASSWORD, CHOSEN).status_code == 302
    account.refresh_from_db()
    assert account.check_password(CHOSEN)


def test_the_password_page_needs_a_signed_in_user(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
