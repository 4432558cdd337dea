from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuikouConfig(AppConfig):
    """The project's wiring as an app, for the commands that know every app (``duikou seed``); no models."""

    name = "duikou"
    verbose_name = _("对口合作平台")
