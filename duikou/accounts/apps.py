from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _own_tokens(user, prefix, action):
    return Q(user=user)


class AccountsConfig(AppConfig):
    name = "duikou.accounts"
    verbose_name = _("机构与用户")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models, scoping

        scoping.register(models.Organisation, region_paths=("region",))
        scoping.register(models.User, region_paths=("organisation__region",))
        scoping.register(models.ApiToken, custom=_own_tokens)
        auditlog.register(models.Organisation, exclude_fields=["units", "users", "decomposed_tasks"])
        auditlog.register(models.User, exclude_fields=["password", "last_login"])
        auditlog.register(models.ApiToken, exclude_fields=["key_digest"])
