"""Every read of notifications, scoped to the user: a user reads only their own; the system administrator (OPERATE)
also reads every delivery, for the operator page."""

from django.db.models import Prefetch, QuerySet

from duikou.accounts import scoping

from .models import Delivery, Notification, Preference


def notifications_for(user, *, unread: bool = False) -> QuerySet[Notification]:
    qs = scoping.scope(user, Notification).prefetch_related(
        Prefetch("deliveries", queryset=scoping.scope(user, Delivery).order_by("channel"))
    )
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def notification_for(user, pk) -> Notification:
    return scoping.get_for(user, Notification, pk=pk)


def unread_count(user) -> int:
    """The navbar's badge on every page: the user's own rows by their recipient, which is what the scoping layer's
    rule for notifications is, read without the layer so that a page's check of its own scoping (the permission
    matrix) is not satisfied by the badge."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preference_for(user) -> Preference:
    """The user's stored preference, or the default one (unsaved) when none is stored."""
    pref = scoping.scope(user, Preference).first()
    return pref if pref is not None else Preference(user=user)


def deliveries_for_operator(user, *, status: str = "") -> QuerySet[Delivery]:
    """Every delivery, for the system administrator: what failed, what waits, with the error."""
    scoping.require(user, scoping.Action.OPERATE)
    qs = scoping.scope(user, Delivery).select_related("recipient__organisation", "notification")
    if status in Delivery.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def delivery_for_operator(user, pk) -> Delivery:
    scoping.require(user, scoping.Action.OPERATE)
    return scoping.get_for(user, Delivery, pk=pk)
