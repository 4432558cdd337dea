"""The signed-in user's notifications over the API: the same reads (and the same scoping: one's own only) as the
inbox page."""

import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from duikou.core.pagination import Pages

from . import queries, services

router = Router(tags=["notifications"])


class MessageDeliveryOut(Schema):
    channel: str
    status: str
    attempts: int
    last_error: str
    sent_at: datetime.datetime | None


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    link: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    deliveries: list[MessageDeliveryOut]

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_deliveries(obj) -> list:
        return list(obj.deliveries.all())


class ReadAllOut(Schema):
    marked: int


@router.get("", response=list[NotificationOut])
@paginate(Pages, page_size=50)
def list_my_notifications(request, unread: bool = False):
    """The caller's notifications, newest first (``unread=true``: only unread ones)."""
    return queries.notifications_for(request.user, unread=unread)


@router.post("/{notification_id}/read", response=NotificationOut)
def read_my_notification(request, notification_id: int):
    item = queries.notification_for(request.user, notification_id)
    return services.mark_read(user=request.user, notification=item)


@router.post("/read-all", response=ReadAllOut)
def read_all_my_notifications(request):
    return {"marked": services.mark_all_read(user=request.user)}
