from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "duikou.indicators"
    verbose_name = _("指标填报与分析")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping

        from . import models

        reference = (models.Indicator, models.DataSet, models.ValidationRule, models.Breakdown, models.BreakdownOption)
        for model in reference:
            scoping.register(model, reference=True)
            auditlog.register(model)
        for model in (models.SavedChart, models.Dhis2Id):
            scoping.register(model, custom=_own_organisation)
            auditlog.register(model)
        paths = ("pairing__old_region", "pairing__partner_region")
        for model in (models.Report, models.DataValue):
            scoping.register(model, region_paths=paths)
            auditlog.register(model)
        # an import's value history is read where its pairing is; the import itself by whoever reads its importer's
        # audit entries (its one entry in the audit log is written by the import, not by auditlog's signals)
        scoping.register(models.DataValueHistory, region_paths=paths)
        scoping.register(models.ValueImport, custom=_importer_area)


def _own_organisation(user, prefix, action):
    """Saved charts (one organisation's dashboard) and DHIS2 uid mappings belong to one organisation: its members see
    and change them."""
    from django.db.models import Q

    if user.is_superuser:
        return Q()
    return Q(organisation_id=user.organisation_id) if user.organisation_id else Q(pk__in=[])


def _importer_area(user, prefix, action):
    """An import is seen where its importer's organisation is (as the audit log scopes its entries by actor)."""
    from django.db.models import Q

    if prefix is None:
        return Q()
    return Q(user__organisation__region__code__startswith=prefix) if prefix else Q(pk__in=[])
