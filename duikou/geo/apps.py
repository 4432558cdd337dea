from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "duikou.geo"
    verbose_name = _("行政区划")

    def ready(self) -> None:
        from duikou.accounts import scoping

        from . import models

        for model in (models.Region, models.OldArea, models.Designation):
            scoping.register(model, reference=True)
