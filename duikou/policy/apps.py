from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "duikou.policy"
    verbose_name = _("政策文件库")

    def ready(self) -> None:
        from duikou.accounts import scoping

        from . import models

        for model in (
            models.Document,
            models.Section,
            models.Clause,
            models.Box,
            models.Task,
            models.DecomposedTask,
        ):
            scoping.register(model, reference=True)
