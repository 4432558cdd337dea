"""Permission-matrix cases of notifications: each caller's own notifications are in scope, the 延安 editor's are not
(not even for the system administrator, who sees every delivery's state on the operator page but reads no one's
inbox)."""

from duikou.accounts.scoping import Action
from duikou.notifications import services
from duikou.notifications.models import Delivery, Notification
from duikou.permission_matrix import Case, api, api_write, form_post

OWN, STRANGERS = "矩阵本人的通知", "延安用户的通知"


def world(w) -> dict:
    users = list(w["users"].values())
    services.notify(recipients=users, kind="reminder", obj=w["inside"], title=OWN, link="/", key="matrix")
    services.notify(recipients=[w["stranger"]], kind="reminder", obj=w["outside"], title=STRANGERS, link="/", key="m")
    for user in users:
        services.save_preference(
            user=user, email_enabled=True, email="matrix@example.gov.cn", channels=[], phone=None, digest=False
        )
    theirs = Notification.objects.get(recipient=w["stranger"], key="m")
    failed = Delivery.objects.create(
        recipient=w["stranger"],
        notification=theirs,
        channel="email",
        status=Delivery.Status.FAILED,
        attempts=6,
        last_error="矩阵的发送错误",
        next_attempt_at=theirs.created_at,
    )
    return {"stranger_notification": theirs, "failed_delivery": failed}


def own(user) -> Notification:
    return Notification.objects.get(recipient=user, key="matrix")


def cases(w) -> dict[str, Case]:
    theirs = w["stranger_notification"].pk
    mine = ("Notification",)
    return {
        "notifications:inbox": Case("/inbox/", present=[OWN], absent=[STRANGERS], scoped=mine),
        "notifications:open": Case(lambda user: f"/inbox/{own(user).pk}/", f"/inbox/{theirs}/", ok=302, scoped=mine),
        "notifications:read": Case(
            lambda user: f"/inbox/{own(user).pk}/read", f"/inbox/{theirs}/read", method="post", ok=302, scoped=mine
        ),
        "notifications:read_all": form_post("/inbox/read-all", action=Action.VIEW, scoped=mine),
        "notifications:preferences": Case(
            "/inbox/preferences/", present=["matrix@example.gov.cn"], scoped=("Preference",)
        ),
        "notifications:deliveries": Case(
            "/inbox/deliveries/", action=Action.OPERATE, present=["矩阵的发送错误"], scoped=("may:operate", "Delivery")
        ),
        "notifications:delivery_retry": form_post(
            f"/inbox/deliveries/{w['failed_delivery'].pk}/retry", action=Action.OPERATE, scoped=("may:operate",)
        ),
        "api:list_my_notifications": api("/api/me/notifications", present=[OWN], absent=[STRANGERS], scoped=mine),
        "api:read_my_notification": api_write(
            lambda user: f"/api/me/notifications/{own(user).pk}/read",
            f"/api/me/notifications/{theirs}/read",
            "post",
            {},
            action=Action.VIEW,
            ok=200,
            scoped=mine,
        ),
        "api:read_all_my_notifications": api_write(
            "/api/me/notifications/read-all", None, "post", {}, action=Action.VIEW, ok=200, scoped=("may:view", *mine)
        ),
    }
