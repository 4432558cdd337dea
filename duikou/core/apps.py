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

        def jobs(user, prefix, action):
            """Each user's own jobs; the system administrator's all of them (system jobs too)."""
            return Q() if scoping.may(user, scoping.Action.OPERATE) else Q(user=user)

        scoping.register(models.Job, custom=jobs)
        scoping.register(
            models.ScheduleRun,
            custom=lambda user, prefix, action: Q() if scoping.may(user, scoping.Action.OPERATE) else Q(pk__in=[]),
        )
        # the holiday schedule: everyone reads it (deadlines are counted with it); the system administrator keeps it
        scoping.register(
            models.CalendarDay,
            custom=lambda user, prefix, action: (
                Q() if action == scoping.Action.VIEW or scoping.may(user, scoping.Action.OPERATE) else Q(pk__in=[])
            ),
        )
        from auditlog.registry import auditlog

        auditlog.register(models.CalendarDay)
