"""Scoped reads of organisations, users, tokens, second-factor devices and lockouts."""

from axes.models import AccessAttempt
from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from duikou.core.querysets import filter_given, search

from . import scoping
from .models import ApiToken, Organisation, User
from .rules import OWN_ORGANISATION_ONLY, SCOPE_ACTION, Op, target_roles


def organisations_for(user, action: scoping.Action = scoping.Action.VIEW) -> QuerySet[Organisation]:
    qs = scoping.scope(user, Organisation, action).select_related("region")
    if action == scoping.Action.MANAGE_USERS and user.role in OWN_ORGANISATION_ONLY:
        qs = qs.filter(pk=user.organisation_id)
    return qs


def users_for(user) -> QuerySet[User]:
    """Accounts the user may look up: a system or security admin's in its area, an org admin's in its own org."""
    if scoping.may(user, scoping.Action.MANAGE_USERS):
        qs = scoping.scope(user, User, scoping.Action.MANAGE_USERS)
    else:
        qs = scoping.scope(user, User, scoping.Action.SECURITY)
    if user.role in OWN_ORGANISATION_ONLY:
        qs = qs.filter(organisation=user.organisation)
    return qs.select_related("organisation").order_by("organisation__name", "username")


def search_users(user, *, q: str = "", role: str = "", organisation: str = "", active: str = "") -> QuerySet[User]:
    """``users_for`` narrowed by a search text (username or name), a role, an organisation and active/inactive."""
    qs = users_for(user)
    qs = search(qs, q, "username__icontains", "display_name__icontains")
    qs = filter_given(qs, role=role, organisation__name__icontains=organisation)
    if active in ("yes", "no"):
        qs = qs.filter(is_active=active == "yes")
    return qs


def administered_by(actor, op: Op) -> QuerySet[User]:
    """The accounts ``actor`` may take ``op`` on, by the table in ``rules``: never itself nor a superuser."""
    roles = target_roles(actor, op)
    if not roles:
        return User.objects.none()
    qs = scoping.scope(actor, User, SCOPE_ACTION[op]).filter(role__in=roles, is_superuser=False).exclude(pk=actor.pk)
    if actor.role in OWN_ORGANISATION_ONLY:
        qs = qs.filter(organisation=actor.organisation_id)
    return qs


def allowed_operations(actor, target: User) -> set[Op]:
    """What ``actor`` may do to ``target``'s account: every page asks this to show its buttons."""
    return {op for op in Op if op != Op.CREATE and administered_by(actor, op).filter(pk=target.pk).exists()}


def tokens_for(user) -> QuerySet[ApiToken]:
    return scoping.scope(user, ApiToken).order_by("-created")


def devices_for(user) -> QuerySet[TOTPDevice]:
    """The user's own authenticator apps (TOTP devices)."""
    return scoping.scope(user, TOTPDevice).order_by("pk")


def has_authenticator(account: User) -> bool:
    """Whether an account (already read through ``users_for``) has a confirmed authenticator app."""
    return TOTPDevice.objects.devices_for_user(account, confirmed=True).exists()


def lockouts_for(user) -> QuerySet[AccessAttempt]:
    """Failed sign-ins and lockouts of the accounts whose lockout the user may reset (never others')."""
    usernames = administered_by(user, Op.RESET_LOCKOUT).values("username")
    return AccessAttempt.objects.filter(username__in=usernames).order_by("-attempt_time")
