from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _own(user, prefix, action):
    """A user's own notifications and preferences; nobody reads anyone else's."""
    return Q(recipient=user)


def _deliveries(user, prefix, action):
    """Each user's own deliveries; the system administrator's all of them (the operator page)."""
    from duikou.accounts import scoping

    return Q() if scoping.may(user, scoping.Action.OPERATE) else Q(recipient=user)


class NotificationsConfig(AppConfig):
    name = "duikou.notifications"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        from duikou.accounts import scoping

        from . import models

        scoping.register(models.Notification, custom=_own)
        scoping.register(models.Preference, custom=lambda user, prefix, action: Q(user=user))
        scoping.register(models.Delivery, custom=_deliveries)
        scoping.register(models.Reminder, custom=lambda user, prefix, action: Q(sent_by=user))
