from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "duikou.core"
    verbose_name = _("平台")

    def backup_keys(self) -> dict[str, str | None]:
        """The key outside the database that personal identifiers are encrypted under (monitored households'
        members, the labour market's job seekers), by fingerprint: a backup records it and a restore refuses
        another key."""
        from . import pii

        return {"DUIKOU_PII_KEY": pii.key_fingerprint()}

    def ready(self) -> None:
        from django.db.models import Q

        from duikou.accounts import scoping

        from . import models

        scoping.register(models.Job, custom=lambda user, prefix, action: Q(user=user))
