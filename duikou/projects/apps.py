from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PAIRING_PATHS = ("pairing__old_region", "pairing__partner_region")


class ProjectsConfig(AppConfig):
    name = "duikou.projects"
    verbose_name = _("项目与活动")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping

        from . import models

        # Every row belongs to one pairing; both cities (and their provinces) answer for it.
        scoping.register(models.Project, region_paths=PAIRING_PATHS)
        scoping.register(models.Activity, region_paths=PAIRING_PATHS)
        for model in (models.Milestone, models.ProgressUpdate):
            scoping.register(model, region_paths=tuple(f"project__{p}" for p in PAIRING_PATHS))
        scoping.register(models.FundTransaction, region_paths=tuple(f"project__{p}" for p in PAIRING_PATHS))
        scoping.register(models.Evidence, region_paths=tuple(f"update__project__{p}" for p in PAIRING_PATHS))

        auditlog.register(
            models.Project, exclude_fields=["milestones", "updates", "fund_transactions", "created", "updated"]
        )
        auditlog.register(models.Milestone)
        auditlog.register(models.ProgressUpdate, exclude_fields=["evidence", "created"])
        auditlog.register(models.Evidence)
        auditlog.register(models.Activity, exclude_fields=["created", "updated"])
        auditlog.register(models.FundTransaction, exclude_fields=["created", "updated"])

        from duikou.indicators import records

        from .models import FundTransaction
        from .queries import ACTIVITY_FIGURES, FUND_TOTALS, activity_figure

        for code in ACTIVITY_FIGURES:
            records.register(code, _("活动记录"), activity_figure(code))
        # the official 签约金额 and 实际到位资金 stay what the city reports; the transactions are shown beside them
        records.register("signed_amount_wan", _("签约承诺记录"), FUND_TOTALS[FundTransaction.Kind.COMMITMENT])
        records.register("funds_in_place_wan", _("资金到位记录"), FUND_TOTALS[FundTransaction.Kind.DISBURSEMENT])
