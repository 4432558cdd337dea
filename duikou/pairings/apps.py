from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingsConfig(AppConfig):
    name = "duikou.pairings"
    verbose_name = _("结对关系")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping

        from . import models

        scoping.register(models.Pairing, region_paths=("old_region", "partner_region"))
        auditlog.register(models.Pairing, exclude_fields=["children", "superseded_by"])
