"""Scoped reads of organisations, users, tokens and lockouts."""

from axes.models import AccessAttempt
from django.db.models import QuerySet

from . import scoping
from .models import ApiToken, Organisation, User


def organisations_for(user, action: scoping.Action = scoping.Action.VIEW) -> QuerySet[Organisation]:
    qs = scoping.scope(user, Organisation, action).select_related("region")
    if action == scoping.Action.MANAGE_USERS and user.role == User.Role.ORG_ADMIN:
        qs = qs.filter(pk=user.organisation_id)
    return qs


def users_for(user) -> QuerySet[User]:
    """Accounts the user administers: system/security admins in their area, an org admin in their own org."""
    if scoping.may(user, scoping.Action.MANAGE_USERS):
        qs = scoping.scope(user, User, scoping.Action.MANAGE_USERS)
    else:
        qs = scoping.scope(user, User, scoping.Action.SECURITY)
    if user.role == User.Role.ORG_ADMIN:
        qs = qs.filter(organisation=user.organisation)
    return qs.select_related("organisation").order_by("organisation__name", "username")


def tokens_for(user) -> QuerySet[ApiToken]:
    return scoping.scope(user, ApiToken).order_by("-created")


def lockouts_for(user) -> QuerySet[AccessAttempt]:
    if not scoping.may(user, scoping.Action.SECURITY):
        return AccessAttempt.objects.none()
    return AccessAttempt.objects.order_by("-attempt_time")
