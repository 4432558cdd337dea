"""The administrators' command line: `duikou create-admin`, `duikou reset-admin`, and the demo accounts."""

from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from duikou import testing
from duikou.accounts.models import User

pytestmark = pytest.mark.django_db
NDRC = "国家发展改革委（振兴司）"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "audit_admin"])
def test_create_admin_makes_one_of_the_three_with_a_generated_password(client, role):
    out = run("create-admin", "--role", role, "--username", "admin1", "--organisation", NDRC, "--generate-password")
    user = User.objects.get(username="admin1")
    assert user.role == role and user.organisation.name == NDRC
    password = out.split("密码（只显示这一次）：")[1].split()[0]
    assert user.check_password(password) and "首次登录时须用手机验证器应用" in out


def test_create_admin_refuses_an_ordinary_role_an_unknown_organisation_and_a_taken_name():
    with pytest.raises(CommandError, match="invalid choice"):
        run("create-admin", "--role", "approver", "--username", "a", "--organisation", NDRC, "--generate-password")
    with pytest.raises(CommandError, match="没有名为「某机构」的机构"):
        run(
            "create-admin",
            "--role",
            "audit_admin",
            "--username",
            "a",
            "--organisation",
            "某机构",
            "--generate-password",
        )
    testing.user("taken", NDRC, "viewer")
    with pytest.raises(CommandError, match="用户名「taken」已存在"):
        run(
            "create-admin",
            "--role",
            "audit_admin",
            "--username",
            "taken",
            "--organisation",
            NDRC,
            "--generate-password",
        )
    assert not User.objects.filter(role="audit_admin").exists()


def test_create_admin_without_a_terminal_asks_for_generate_password(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match="--generate-password"):
        run("create-admin", "--role", "audit_admin", "--username", "a", "--organisation", NDRC)


def test_reset_admin_gives_a_new_password_and_removes_the_authenticator_and_lockout():
    admin = testing.user("sec", NDRC, "security_admin")
    testing.authenticator(admin)
    AccessAttempt.objects.create(username="sec", ip_address="10.0.0.1", failures_since_start=5)
    out = run("reset-admin", "--username", "sec", "--generate-password")
    admin.refresh_from_db()
    assert admin.check_password(out.split("密码（只显示这一次）：")[1].split()[0])
    assert not TOTPDevice.objects.filter(user=admin).exists() and not AccessAttempt.objects.exists()


def test_reset_admin_leaves_ordinary_accounts_to_the_security_admin():
    testing.user("xy", "信阳市人民政府", "approver")
    with pytest.raises(CommandError, match="不是三员账号"):
        run("reset-admin", "--username", "xy", "--generate-password")


def test_demo_has_a_province_approver_and_says_who_enrols_an_authenticator():
    out = run("demo")
    henan = User.objects.get(username="henan_approver")
    assert henan.role == "approver" and henan.organisation.name == "河南省人民政府"
    assert "henan_approver" in out and "首次登录须绑定验证器" in out
    line = next(line for line in out.splitlines() if "xinyang_editor" in line)
    assert "验证器" not in line
