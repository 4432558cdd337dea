"""The one scoping layer: what a user may read and write.

Every view, API endpoint, export and admin page asks this module, never builds an unscoped query of its
own. Two questions are answered here and only here:

* which *actions* a role may take at all (``ROLE_ACTIONS``), and
* which *rows* a user's organisation answers for: an organisation sits at one place in the region tree and
  sees what touches that place (a 信阳 city sees the 信阳–苏州 pairing, a 河南 province every pairing with a
  河南 city, the national overseer everything). Each model registers the paths from it to a ``Region``.
"""

from collections.abc import Callable, Iterable
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404


class Action(StrEnum):
    VIEW = "view"  # read domain data in scope
    CHANGE = "change"  # create and edit domain data in scope
    APPROVE = "approve"  # approve, issue, file, lock
    MANAGE_USERS = "manage_users"  # accounts and organisations (system admin; org admin for its own org)
    SECURITY = "security"  # roles, lockouts, security policy (security admin)
    AUDIT = "audit"  # read, search and export the audit history (audit admin)
    OPERATE = "operate"  # everyone's background jobs (see, cancel) and the schedules (system admin)


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "viewer": frozenset({Action.VIEW}),
    "editor": frozenset({Action.VIEW, Action.CHANGE}),
    "approver": frozenset({Action.VIEW, Action.CHANGE, Action.APPROVE}),
    "org_admin": frozenset({Action.VIEW, Action.CHANGE, Action.MANAGE_USERS}),
    # The three separated administrators (三员分立): none of them edits domain data; the system admin cannot
    # read the audit history; the audit admin can read it and change nothing.
    "system_admin": frozenset({Action.VIEW, Action.MANAGE_USERS, Action.OPERATE}),
    "security_admin": frozenset({Action.VIEW, Action.SECURITY}),
    "audit_admin": frozenset({Action.VIEW, Action.AUDIT}),
}

# model -> (paths from the model to a Region, or None for reference data everyone signed in may read)
_REGISTRY: dict[type[Model], tuple[str, ...] | None] = {}
_CUSTOM: dict[type[Model], Callable[[object, str | None, Action], Q]] = {}


def register(
    model: type[Model],
    *,
    region_paths: Iterable[str] | None = None,
    reference: bool = False,
    custom: Callable[[object, str | None, Action], Q] | None = None,
) -> None:
    """Declare how rows of ``model`` are scoped: by region paths, as public reference data, or by a custom Q."""
    if reference:
        _REGISTRY[model] = None
    elif custom is not None:
        _REGISTRY[model] = ()
        _CUSTOM[model] = custom
    else:
        paths = tuple(region_paths or ())
        if not paths:
            raise ValueError(f"{model.__name__}: give region_paths, reference=True or custom=")
        _REGISTRY[model] = paths


def actions_for(user) -> frozenset[Action]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Action)
    return ROLE_ACTIONS.get(user.role, frozenset())


def may(user, action: Action) -> bool:
    return action in actions_for(user)


def region_prefix(user) -> str | None:
    """Code prefix of the user's area of responsibility; None is the whole country."""
    if user.is_superuser:
        return None
    org = user.organisation
    if org is None:
        return ""  # matches nothing: a user without an organisation sees no domain data
    return org.region_prefix


PROVINCE_PREFIX_LENGTH = 2  # a province's division code prefix: 41 for 河南 (410000)


def oversees(user) -> bool:
    """Whether the user answers for a whole area that others report to — the whole country (the national overseer)
    or a whole province — and may read its data: the audience of the cockpit. City, county and lower users answer
    for their own pairings and see them on their own pages."""
    return may(user, Action.VIEW) and watches_area(user)


def watches_area(user) -> bool:
    """The area half of ``oversees``: the user's area is the country or a province (whatever their role)."""
    prefix = region_prefix(user)
    return prefix is None or len(prefix) == PROVINCE_PREFIX_LENGTH


def region_q(path: str, prefix: str | None) -> Q:
    if prefix is None:
        return Q()
    if prefix == "":
        return Q(pk__in=[])
    return Q(**{f"{path}__code__startswith": prefix})


def scope(user, queryset: QuerySet | type[Model], action: Action = Action.VIEW) -> QuerySet:
    """The rows of ``queryset`` that ``user`` may take ``action`` on."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    model = qs.model
    if model not in _REGISTRY:
        raise LookupError(f"{model.__name__} is not registered with the scoping layer")
    if not may(user, action):
        return qs.none()
    paths = _REGISTRY[model]
    if paths is None:
        return qs if action == Action.VIEW else (qs if user.is_superuser else qs.none())
    prefix = region_prefix(user)
    if model in _CUSTOM:
        condition = _CUSTOM[model](user, prefix, action)
        return qs.none() if condition == NOTHING else qs.filter(condition)
    if prefix is None:
        return qs
    if prefix == "":
        return qs.none()
    condition = Q(pk__in=[])
    for path in paths:
        condition |= region_q(path, prefix)
    return qs.filter(condition)


NOTHING = Q(pk__in=[])  # what a custom scope answers for a user who may read no row of its model


def reads(user, model: type[Model]) -> bool:
    """Whether ``user`` may read rows of ``model`` at all (their role, and the model's scope for them): a page that
    gathers several kinds of data (the pairing page) leaves out a section of a kind the user may not read, rather
    than showing it empty."""
    return not scope(user, model).query.is_empty()


def get_for(user, queryset: QuerySet | type[Model], action: Action = Action.VIEW, **lookup):
    """Fetch one object for ``action``: 404 if the user may not even see it, 403 if they see it but may not act."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    visible = scope(user, qs, Action.VIEW)
    try:
        obj = visible.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, ValidationError) as exc:
        # an id that is not one (「abc」 for a number) names no object either
        raise Http404(f"{qs.model._meta.verbose_name} not found") from exc
    if action != Action.VIEW and not scope(user, qs.filter(pk=obj.pk), action).exists():
        raise PermissionDenied
    return obj


def can(user, action: Action, obj: Model) -> bool:
    """Whether ``user`` may take ``action`` on ``obj``. Answers are kept on the user object (one per request) for the
    models scoped by region paths alone, whose answer depends only on the user's role and area and on the object's
    place, so that a page asking the same question for each of its steps asks the database once. Models with a
    custom scope (which may look at the object's state) are asked every time."""
    model = type(obj)
    if model in _CUSTOM or obj.pk is None:
        return scope(user, model._default_manager.filter(pk=obj.pk), action).exists()
    key = (action, model._meta.label, obj.pk, getattr(user, "pk", None), getattr(user, "role", None))
    key += (getattr(user, "organisation_id", None), getattr(user, "is_active", None), user.is_superuser)
    memo = user.__dict__.setdefault("_scope_answers", {})
    if key not in memo:
        memo[key] = scope(user, model._default_manager.filter(pk=obj.pk), action).exists()
    return memo[key]


def require(user, action: Action, obj: Model | None = None) -> None:
    """Raise PermissionDenied unless the user may take ``action`` (on ``obj`` when given)."""
    if obj is None:
        if not may(user, action):
            raise PermissionDenied
    elif not can(user, action, obj):
        raise PermissionDenied


def registered_models() -> list[type[Model]]:
    return list(_REGISTRY)
