from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    name = "duikou.publication"
    verbose_name = _("信息公开")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping

        from . import entries, feedback, models, pages, site

        # a publication belongs to one pairing; both sides (and their provinces) answer for it
        scoping.register(models.Publication, region_paths=("pairing__old_region", "pairing__partner_region"))
        scoping.register(models.Generation, reference=True)
        auditlog.register(models.Publication)
        pages.register_demo(site.demo_published)
        entries.register(site.pairing_entries)  # the public pairings' pages: the site search and the sitemap
        # feedback from the public: the approvers of its subject's pairing (either side) or region moderate it
        scoping.register(models.Feedback, region_paths=("pairing__old_region", "pairing__partner_region", "region"))
        auditlog.register(models.Feedback)
        feedback.register_subject("pairing", site.pairing_subject)

        # the evaluation publishes its results itself (they are public once published): a change of a run or of a
        # commendation raises the public site's generation in the same transaction, so the pages show it at once
        from django.db.models.signals import post_save

        from duikou.evaluation.models import Commendation, Run

        for model in (Run, Commendation):
            post_save.connect(_evaluation_changed, sender=model, dispatch_uid=f"public-generation-{model.__name__}")


def _evaluation_changed(sender, instance, **kwargs) -> None:
    from .services import bump_generation

    if sender.__name__ == "Commendation" or instance.status == "published":
        bump_generation()
