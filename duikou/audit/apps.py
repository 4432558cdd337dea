from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _log_scope(user, prefix, action):
    """Audit admins read the history of changes made in their area; the national one reads everything."""
    if prefix is None:
        return Q()
    return Q(actor__organisation__region__code__startswith=prefix) if prefix else Q(pk__in=[])


class AuditConfig(AppConfig):
    name = "duikou.audit"
    verbose_name = _("审计")

    def ready(self) -> None:
        from auditlog.models import LogEntry

        from duikou.accounts import scoping

        scoping.register(LogEntry, custom=_log_scope)
