from functools import partial

from django.apps import AppConfig
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def province_q(user, prefix: str | None, action, *, path: str = "province") -> Q:
    """Every user in a province reads its rule sets and runs; only the province (or the nation) changes them."""
    from duikou.accounts.scoping import Action

    if prefix is None:
        return Q()
    if prefix == "":
        return Q(pk__in=[])
    if action != Action.VIEW and len(prefix) > 2:
        return Q(pk__in=[])
    return Q(**{f"{path}__code": prefix[:2] + "0000"})


class MonitoringConfig(AppConfig):
    name = "duikou.monitoring"
    verbose_name = _("防止返贫动态监测")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping

        from . import models

        scoping.register(models.Household, region_paths=("village",))
        for model in (models.Member, models.IncomeRecord, models.Alert, models.DepartmentSignal):
            scoping.register(model, region_paths=("household__village",))
        for model in (models.AlertStep, models.AssistanceMeasure):
            scoping.register(model, region_paths=("alert__household__village",))
        for model in (models.Declaration, models.Visit):
            scoping.register(model, region_paths=("household__village",))
        scoping.register(models.Objection, region_paths=("case__household__village",))
        # an import batch is seen by the area of the organisation that imported it (its report lists that area's
        # members); a national batch has no region and is seen nationally only
        scoping.register(models.DepartmentImport, region_paths=("region",))
        scoping.register(models.RuleSet, custom=province_q)
        scoping.register(models.ScreeningRun, custom=partial(province_q, path="ruleset__province"))
        for model in (
            models.Household,
            models.IncomeRecord,
            models.RuleSet,
            models.Threshold,
            models.Rule,
            models.Alert,
            models.AlertStep,
            models.AssistanceMeasure,
            models.DepartmentSignal,
            models.Visit,
            models.Objection,
        ):
            auditlog.register(model)
        auditlog.register(models.Declaration, exclude_fields=list(models.Declaration.ENCRYPTED))
        # the encrypted columns and their digests never enter the audit diff; only the masked values do
        auditlog.register(models.Member, exclude_fields=list(models.Member.ENCRYPTED))
        # the dry-run report (masked IDs, row by row) stays in the batch; the history records its status and counts
        auditlog.register(models.DepartmentImport, exclude_fields=["report"])
