from . import queries


def inbox(request):
    """The unread count for the navbar's badge: one COUNT on an index, for signed-in users only."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": queries.unread_count(user)}
