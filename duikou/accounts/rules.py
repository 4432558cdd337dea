"""Who may administer whose account (三员分立): one table that the services, the pages and docs/security.md follow.

``ACCOUNT_RULES[actor role][operation]`` is the set of roles of the accounts that the actor may take that operation
on; the accounts must also lie in the actor's area (``scoping``: its organisation's region and below), and an
organisation administrator's in its own organisation. Nothing here lets anyone act on their own account, on a
superuser or on one of the three administrators: those are created and reset only at the command line
(``duikou create-admin``, ``duikou reset-admin``), so none of them can grant itself or another administrator anything.
The audit administrator reads and exports the audit trail (``scoping.Action.AUDIT``) and administers no account.
"""

from enum import StrEnum

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import scoping


class Op(StrEnum):
    CREATE = "create"
    DEACTIVATE = "deactivate"  # and its undo, reactivation: accounts are never deleted
    CHANGE_ROLE = "change_role"
    RESET_PASSWORD = "reset_password"
    RESET_LOCKOUT = "reset_lockout"
    RESET_TWO_FACTOR = "reset_two_factor"


OP_LABELS = {
    Op.CREATE: _("创建账号"),
    Op.DEACTIVATE: _("停用、恢复账号"),
    Op.CHANGE_ROLE: _("变更角色"),
    Op.RESET_PASSWORD: _("重置密码"),
    Op.RESET_LOCKOUT: _("解除登录锁定"),
    Op.RESET_TWO_FACTOR: _("重置双因素验证"),
}

ORDINARY = frozenset({"viewer", "editor", "approver", "org_admin"})
ADMINISTRATORS = frozenset({"system_admin", "security_admin", "audit_admin"})

ACCOUNT_RULES: dict[str, dict[Op, frozenset[str]]] = {
    "org_admin": {
        Op.CREATE: frozenset({"viewer", "editor"}),
        Op.DEACTIVATE: frozenset({"viewer", "editor"}),
    },
    "system_admin": {
        Op.CREATE: ORDINARY,
        Op.DEACTIVATE: ORDINARY,
    },
    "security_admin": {
        Op.CHANGE_ROLE: ORDINARY,  # from one ordinary role to another
        Op.RESET_PASSWORD: ORDINARY,
        Op.RESET_LOCKOUT: ORDINARY,
        Op.RESET_TWO_FACTOR: ORDINARY,
    },
}

# Roles that administer accounts of their own organisation only (the others: anywhere in their area).
OWN_ORGANISATION_ONLY = frozenset({"org_admin"})

# The scoping action whose area an operation is confined to.
SCOPE_ACTION = {
    Op.CREATE: scoping.Action.MANAGE_USERS,
    Op.DEACTIVATE: scoping.Action.MANAGE_USERS,
    Op.CHANGE_ROLE: scoping.Action.SECURITY,
    Op.RESET_PASSWORD: scoping.Action.SECURITY,
    Op.RESET_LOCKOUT: scoping.Action.SECURITY,
    Op.RESET_TWO_FACTOR: scoping.Action.SECURITY,
}


def target_roles(actor, op: Op) -> frozenset[str]:
    """The roles of the accounts ``actor`` may take ``op`` on (and, for a role change, the roles it may give)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active or actor.is_superuser:
        return frozenset()
    if not scoping.may(actor, SCOPE_ACTION[op]):
        return frozenset()
    return ACCOUNT_RULES.get(actor.role, {}).get(op, frozenset())


def needs_two_factor(user) -> bool:
    """Whether the account signs in with a second factor: the roles of ``DUIKOU_2FA_ROLES`` and every superuser."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.role in settings.DUIKOU_2FA_ROLES
