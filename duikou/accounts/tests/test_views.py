"""The account pages: creating, finding, deactivating and resetting accounts under the table in rules.py."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from duikou import testing
from duikou.accounts.models import User
from duikou.accounts.services import issue_token

pytestmark = pytest.mark.django_db

XINYANG = "信阳市人民政府"
NEW_USER = {"username": "new_one", "display_name": "", "password": "Hongse-Wenhua-2026"}


def signed_in(user) -> Client:
    client = Client()
    testing.login(client, user)
    return client


def sign_in_with_password(client, username: str, password: str = testing.PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.parametrize("role", ["approver", "org_admin", "system_admin", "security_admin", "audit_admin"])
def test_org_admin_cannot_create_an_account_above_editor(client, role):
    admin = testing.user("suzhou_orgadmin", "苏州市人民政府", "org_admin")
    testing.login(client, admin)
    suzhou = testing.org("苏州市人民政府")
    response = client.post("/accounts/users/new/", {**NEW_USER, "organisation": suzhou.pk, "role": role})
    assert response.status_code == 200 and "role" in response.context["form"].errors
    assert not User.objects.filter(username="new_one").exists()


def test_org_admin_is_offered_viewer_and_editor_only(client):
    testing.login(client, testing.user("suzhou_orgadmin", "苏州市人民政府", "org_admin"))
    form = client.get("/accounts/users/new/").context["form"]
    assert [value for value, _label in form.fields["role"].choices] == ["viewer", "editor"]
    assert [org.name for org in form.fields["organisation"].queryset] == ["苏州市人民政府"]


def test_org_admin_creates_an_editor_of_its_organisation(client):
    testing.login(client, testing.user("suzhou_orgadmin", "苏州市人民政府", "org_admin"))
    suzhou = testing.org("苏州市人民政府")
    response = client.post("/accounts/users/new/", {**NEW_USER, "organisation": suzhou.pk, "role": "editor"})
    created = User.objects.get(username="new_one")
    assert response.status_code == 302 and response["Location"] == f"/accounts/users/{created.pk}/"
    assert created.role == "editor" and created.organisation == suzhou


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "audit_admin"])
def test_system_admin_cannot_create_an_administrator(client, role):
    testing.login(client, testing.user("sysadmin", "国家发展改革委（振兴司）", "system_admin"))
    ndrc = testing.org("国家发展改革委（振兴司）")
    response = client.post("/accounts/users/new/", {**NEW_USER, "organisation": ndrc.pk, "role": role})
    assert response.status_code == 200 and "role" in response.context["form"].errors
    assert not User.objects.filter(username="new_one").exists()


def test_user_list_searches_filters_and_pages(client, settings):
    settings.PAGE_SIZE = 2
    testing.login(client, testing.user("sec", XINYANG, "security_admin"))
    testing.user("xy_wang", XINYANG, "viewer", display_name="王小明")
    testing.user("xy_li", XINYANG, "editor", display_name="李红", is_active=False)
    testing.user("ya_wang", "延安市人民政府", "viewer", display_name="王大明")
    names = lambda response: [u.username for u in response.context["page_obj"]]  # noqa: E731
    assert names(client.get("/accounts/users/?q=王")) == ["xy_wang"]
    assert names(client.get("/accounts/users/?role=editor")) == ["xy_li"]
    assert names(client.get("/accounts/users/?active=no")) == ["xy_li"]
    first = client.get("/accounts/users/")
    assert first.context["page_obj"].paginator.count == 3 and len(names(first)) == 2
    assert "page=2" in first.content.decode()
    assert len(names(client.get("/accounts/users/?page=2"))) == 1


def test_detail_shows_each_administrator_its_own_buttons(client):
    target = testing.user("xy_editor", XINYANG, "editor")
    security = signed_in(testing.user("sec", XINYANG, "security_admin")).get(f"/accounts/users/{target.pk}/")
    system = signed_in(testing.user("sys", XINYANG, "system_admin")).get(f"/accounts/users/{target.pk}/")
    assert security.context["operations"] == {"change_role", "reset_password", "reset_lockout", "reset_two_factor"}
    assert "停用账号" not in security.content.decode() and "重置密码" in security.content.decode()
    assert system.context["operations"] == {"deactivate"}
    assert "停用账号" in system.content.decode() and "变更角色" not in system.content.decode()


def test_no_page_changes_an_administrator(client):
    sysadmin = testing.user("sys", XINYANG, "system_admin")
    security = signed_in(testing.user("sec", XINYANG, "security_admin"))
    page = security.get(f"/accounts/users/{sysadmin.pk}/")
    assert page.context["operations"] == set() and "三员账号只能在服务器命令行上创建和重置" in page.content.decode()
    assert security.post(f"/accounts/users/{sysadmin.pk}/role/", {"role": "viewer"}).status_code == 403
    assert security.post(f"/accounts/users/{sysadmin.pk}/password/").status_code == 403
    assert signed_in(sysadmin).post(f"/accounts/users/{sysadmin.pk}/deactivate/").status_code == 403
    sysadmin.refresh_from_db()
    assert sysadmin.role == "system_admin" and sysadmin.is_active


def test_a_deactivated_account_cannot_sign_in_nor_use_its_tokens_until_reactivated(client):
    target = testing.user("xy_editor", XINYANG, "editor")
    _token, key = issue_token(user=target, name="脚本")
    session = signed_in(target)
    admin = signed_in(testing.user("sys", XINYANG, "system_admin"))
    assert admin.post(f"/accounts/users/{target.pk}/deactivate/").status_code == 302
    assert client.get("/api/pairings", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    assert sign_in_with_password(client, "xy_editor").status_code == 200  # the form again, not signed in
    assert session.get("/pairings/").status_code == 302  # the open session ends too
    assert admin.post(f"/accounts/users/{target.pk}/reactivate/").status_code == 302
    assert client.get("/api/pairings", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert sign_in_with_password(client, "xy_editor")["Location"] == "/"


def test_security_admin_changes_a_role_through_the_page():
    target = testing.user("xy_editor", XINYANG, "editor")
    security = signed_in(testing.user("sec", XINYANG, "security_admin"))
    response = security.post(f"/accounts/users/{target.pk}/role/", {"role": "approver"}, follow=True)
    target.refresh_from_db()
    assert target.role == "approver" and "角色已改为「审核」" in response.content.decode()
    assert security.post(f"/accounts/users/{target.pk}/role/", {"role": "audit_admin"}).status_code == 302
    target.refresh_from_db()
    assert target.role == "approver"


def test_a_reset_password_is_shown_once_and_signs_in(client):
    target = testing.user("xy_editor", XINYANG, "editor")
    security = signed_in(testing.user("sec", XINYANG, "security_admin"))
    response = security.post(f"/accounts/users/{target.pk}/password/")
    password = response.context["new_password"]
    assert password in response.content.decode()
    assert sign_in_with_password(client, "xy_editor", password)["Location"] == "/"


# ---- lockouts are scoped --------------------------------------------------------------------------------


def lock(username: str) -> None:
    AccessAttempt.objects.create(username=username, ip_address="10.0.0.1", failures_since_start=5)


def test_city_security_admin_sees_and_resets_only_lockouts_in_its_area():
    national = testing.user("ndrc_approver", "国家发展改革委（振兴司）", "approver")
    local = testing.user("xy_editor", XINYANG, "editor")
    lock(national.username)
    lock(local.username)
    security = signed_in(testing.user("xy_sec", XINYANG, "security_admin"))
    listed = security.get("/accounts/lockouts/").content.decode()
    assert "xy_editor" in listed and "ndrc_approver" not in listed
    assert security.post(f"/accounts/users/{national.pk}/reset-lockout/").status_code == 404
    assert AccessAttempt.objects.filter(username="ndrc_approver").exists()
    response = security.post(f"/accounts/users/{local.pk}/reset-lockout/", {"back": "lockouts"})
    assert response.status_code == 302 and response["Location"] == "/accounts/lockouts/"
    assert not AccessAttempt.objects.filter(username="xy_editor").exists()


def test_a_lockout_is_never_reset_by_a_username_from_the_form():
    lock("ndrc_approver")
    security = signed_in(testing.user("xy_sec", XINYANG, "security_admin"))
    assert security.post("/accounts/lockouts/", {"username": "ndrc_approver"}).status_code == 405
    assert AccessAttempt.objects.filter(username="ndrc_approver").exists()
