from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PAIRING_PATHS = ("pairing__old_region", "pairing__partner_region")


class SecondmentsConfig(AppConfig):
    name = "duikou.secondments"
    verbose_name = _("挂职干部与专业人才")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping
        from duikou.indicators import records

        from . import models, queries

        # A secondment belongs to its pairing: both cities (and their provinces) record and read it.
        scoping.register(models.Secondment, region_paths=PAIRING_PATHS)
        scoping.register(models.SecondmentReport, region_paths=tuple(f"secondment__{p}" for p in PAIRING_PATHS))

        # the ID and phone numbers stay out of the history in clear: only their masked copies are recorded
        auditlog.register(models.Secondment, exclude_fields=[*models.Secondment.ENCRYPTED, "created", "updated"])
        auditlog.register(models.SecondmentReport, exclude_fields=["created"])

        # the people serving in a period, beside the reported 干部双向挂职人数
        records.register(queries.INDICATOR, _("挂职名册"), queries.serving_total)
