"""Reads of the audit history, through the scoping layer.

The full log (search, export) is for the audit admin (Action.AUDIT). The history of one object is shown to
whoever may see the object — except the system admin, who may not read audit history at all (三员分立).
"""

import datetime

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search


def log_for(
    user,
    *,
    q: str = "",
    actor: str = "",
    model: str = "",
    action: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[LogEntry]:
    qs = scoping.scope(user, LogEntry, scoping.Action.AUDIT).select_related("actor", "content_type")
    qs = search(qs, q, "object_repr__icontains", "changes_text__icontains", "object_pk")
    qs = filter_given(qs, actor__username__icontains=actor, content_type__model=model)
    if action != "":
        qs = qs.filter(action=int(action))
    qs = filter_given(qs, timestamp__date__gte=since, timestamp__date__lte=until)
    return qs.order_by("-timestamp", "-pk")


def reads_history(user) -> bool:
    """Whether ``user`` may read any history: everyone but the system admin (三员分立)."""
    return user.role != "system_admin"


def history_for(user, obj: Model) -> QuerySet[LogEntry]:
    if not reads_history(user) or not scoping.can(user, scoping.Action.VIEW, obj):
        return LogEntry.objects.none()
    return (
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_pk=str(obj.pk))
        .select_related("actor")
        .order_by("-timestamp")
    )
