from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "duikou.plans"
    verbose_name = _("实施方案与计划")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping

        from . import models, signals  # noqa: F401  (signals guard filed content)

        for model in models.PLAN_MODELS:
            paths = ("pairing__old_region", "pairing__partner_region")
            if model is not models.Plan:
                paths = tuple(f"plan__{p}" for p in paths)
            scoping.register(model, region_paths=paths)
            auditlog.register(model, m2m_fields={"tasks", "clauses"} if model is models.PlanItem else None)
