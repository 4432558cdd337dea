from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "duikou.core"
    verbose_name = _("平台")

    def ready(self) -> None:
        from django.db.models import Q

        from duikou.accounts import scoping

        from . import models

        scoping.register(models.Job, custom=lambda user, prefix, action: Q(user=user))
