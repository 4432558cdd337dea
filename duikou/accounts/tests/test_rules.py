"""三员分立: every cell of the account-administration table, through the services that do the writes.

``EXPECTED`` is written out here from the rules as docs/security.md states them, independently of ``rules.py``:
each (actor role, operation) is one test that tries the operation on an account of every role and compares.
"""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied

from duikou import testing
from duikou.accounts import rules, services
from duikou.accounts.models import User
from duikou.accounts.rules import Op

pytestmark = pytest.mark.django_db

ROLES = ["viewer", "editor", "approver", "org_admin", "system_admin", "security_admin", "audit_admin"]
ORDINARY = {"viewer", "editor", "approver", "org_admin"}
EXPECTED: dict[str, dict[Op, set[str]]] = {
    "viewer": {},
    "editor": {},
    "approver": {},
    "org_admin": {Op.CREATE: {"viewer", "editor"}, Op.DEACTIVATE: {"viewer", "editor"}},
    "system_admin": {Op.CREATE: ORDINARY, Op.DEACTIVATE: ORDINARY},
    "security_admin": {
        Op.CHANGE_ROLE: ORDINARY,
        Op.RESET_PASSWORD: ORDINARY,
        Op.RESET_LOCKOUT: ORDINARY,
        Op.RESET_TWO_FACTOR: ORDINARY,
    },
    "audit_admin": {},
}
XINYANG = "信阳市人民政府"


def test_the_table_in_code_is_the_documented_one():
    in_code = {role: {op: set(targets) for op, targets in ops.items()} for role, ops in rules.ACCOUNT_RULES.items()}
    assert {role: ops for role, ops in EXPECTED.items() if ops} == in_code


def attempt(actor: User, op: Op, role: str) -> bool:
    """Try ``op`` as ``actor`` on a 信阳 account of ``role``; whether it was done (refusals leave no trace)."""
    if op == Op.CREATE:
        name = f"new_{role}"
        try:
            services.create_user(
                actor=actor, username=name, password="Hongse-Wenhua-2026", organisation=testing.org(XINYANG), role=role
            )
        except PermissionDenied:
            assert not User.objects.filter(username=name).exists()
            return False
        return User.objects.filter(username=name, role=role).exists()
    target = testing.user(f"target_{role}", XINYANG, role)
    testing.authenticator(target)
    AccessAttempt.objects.create(username=target.username, ip_address="10.0.0.1", failures_since_start=5)
    before = target.password
    act = {
        Op.DEACTIVATE: lambda: services.deactivate_user(actor=actor, user=target),
        Op.CHANGE_ROLE: lambda: services.change_role(
            actor=actor, user=target, role="viewer" if role != "viewer" else "editor"
        ),
        Op.RESET_PASSWORD: lambda: services.reset_password(actor=actor, user=target),
        Op.RESET_LOCKOUT: lambda: services.reset_lockout(actor=actor, user=target),
        Op.RESET_TWO_FACTOR: lambda: services.reset_two_factor(actor=actor, user=target),
    }[op]
    try:
        act()
    except PermissionDenied:
        done = False
    else:
        done = True
    target.refresh_from_db()
    changed = {
        Op.DEACTIVATE: not target.is_active,
        Op.CHANGE_ROLE: target.role != role,
        Op.RESET_PASSWORD: target.password != before,
        Op.RESET_LOCKOUT: not AccessAttempt.objects.filter(username=target.username).exists(),
        Op.RESET_TWO_FACTOR: not target.totpdevice_set.exists(),
    }[op]
    assert done == changed, f"{op} on {role}: the service said {done} but the account says {changed}"
    return done


@pytest.mark.parametrize("op", list(Op))
@pytest.mark.parametrize("actor_role", ROLES)
def test_each_cell_of_the_table(actor_role, op):
    actor = testing.user(f"actor_{actor_role}", XINYANG, actor_role)
    expected = EXPECTED[actor_role].get(op, set())
    wrong = [role for role in ROLES if attempt(actor, op, role) != (role in expected)]
    assert not wrong, f"{actor_role} {op}: wrong for target roles {wrong} (allowed: {sorted(expected)})"


@pytest.mark.parametrize("actor_role", ["org_admin", "system_admin", "security_admin"])
def test_nobody_administers_their_own_account(actor_role):
    actor = testing.user("self", XINYANG, actor_role)
    for op in set(Op) - {Op.CREATE}:
        assert not services.queries.administered_by(actor, op).filter(pk=actor.pk).exists()
    with pytest.raises(PermissionDenied):
        services.deactivate_user(actor=actor, user=actor)
    with pytest.raises(PermissionDenied):
        services.change_role(actor=actor, user=actor, role="system_admin")
    actor.refresh_from_db()
    assert actor.is_active and actor.role == actor_role


def test_security_admin_gives_only_ordinary_roles():
    actor = testing.user("sec", XINYANG, "security_admin")
    target = testing.user("xy", XINYANG, "viewer")
    for role in ("system_admin", "security_admin", "audit_admin"):
        with pytest.raises(PermissionDenied, match="不能把账号「xy」的角色设为"):
            services.change_role(actor=actor, user=target, role=role)
    services.change_role(actor=actor, user=target, role="approver")
    target.refresh_from_db()
    assert target.role == "approver"


def test_org_admin_administers_only_its_own_organisation():
    actor = testing.user("sz_admin", "苏州市人民政府", "org_admin")
    elsewhere = testing.user("xy_viewer", XINYANG, "viewer")
    with pytest.raises(PermissionDenied, match="机构「信阳市人民政府」不在您可管理的范围内"):
        services.create_user(
            actor=actor,
            username="xy_new",
            password="Suzhou-Xinyang-2026",
            organisation=testing.org(XINYANG),
            role="editor",
        )
    with pytest.raises(PermissionDenied):
        services.deactivate_user(actor=actor, user=elsewhere)
    created = services.create_user(
        actor=actor,
        username="sz_new",
        password="Suzhou-Xinyang-2026",
        organisation=testing.org("苏州市人民政府"),
        role="editor",
    )
    assert created.organisation.name == "苏州市人民政府"


def test_system_admin_acts_anywhere_in_its_area_and_nowhere_else():
    henan = testing.user("henan_sys", "河南省人民政府", "system_admin")
    inside = testing.user("xy_editor", XINYANG, "editor")
    outside = testing.user("ya_editor", "延安市人民政府", "editor")
    national = testing.user("ndrc_editor", "国家发展改革委（振兴司）", "editor")
    services.deactivate_user(actor=henan, user=inside)
    for account in (outside, national):
        with pytest.raises(PermissionDenied):
            services.deactivate_user(actor=henan, user=account)
    with pytest.raises(PermissionDenied):
        services.create_user(
            actor=henan,
            username="ya_new",
            password="Hongse-Wenhua-2026",
            organisation=testing.org("延安市人民政府"),
            role="viewer",
        )


def test_reactivation_undoes_a_deactivation_and_both_are_in_the_audit_history():
    from auditlog.models import LogEntry

    actor = testing.user("sys", XINYANG, "system_admin")
    target = testing.user("xy", XINYANG, "editor")
    services.deactivate_user(actor=actor, user=target)
    services.reactivate_user(actor=actor, user=target)
    target.refresh_from_db()
    assert target.is_active
    entries = LogEntry.objects.get_for_object(target).filter(actor=actor).order_by("pk")
    assert [e.changes_dict.get("is_active") for e in entries] == [["True", "False"], ["False", "True"]]


def test_each_security_act_is_in_the_account_history():
    from auditlog.models import LogEntry

    actor = testing.user("sec", XINYANG, "security_admin")
    target = testing.user("xy", XINYANG, "approver")
    testing.authenticator(target)
    password = services.reset_password(actor=actor, user=target)
    services.reset_lockout(actor=actor, user=target)
    services.reset_two_factor(actor=actor, user=target)
    services.change_role(actor=actor, user=target, role="editor")
    keys = [set(e.changes_dict) for e in LogEntry.objects.get_for_object(target).filter(actor=actor).order_by("pk")]
    assert keys == [{"password"}, {"lockout"}, {"two_factor"}, {"role"}]
    assert not LogEntry.objects.filter(changes_text__contains=password).exists()  # the password itself never
