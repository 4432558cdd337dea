from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PAIRING_PATHS = ("pairing__old_region", "pairing__partner_region")


class CultureConfig(AppConfig):
    name = "duikou.culture"
    verbose_name = _("红色文化数字化传播平台")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from duikou.accounts import scoping
        from duikou.publication import entries, feedback, pages
        from duikou.publication import opendata as public_tables

        from . import models, opendata, queries

        # A resource belongs to its place; a route to its pairing (both cities answer for it).
        scoping.register(models.Resource, region_paths=("region",))
        scoping.register(models.Medium, region_paths=("resource__region",))
        scoping.register(models.StudyVisit, region_paths=("resource__region",))
        scoping.register(models.Route, region_paths=PAIRING_PATHS)
        scoping.register(models.Stop, region_paths=tuple(f"route__{p}" for p in PAIRING_PATHS))

        auditlog.register(models.Resource, exclude_fields=["created", "updated"])
        auditlog.register(models.Medium)
        auditlog.register(models.Route, exclude_fields=["created", "updated"])
        auditlog.register(models.Stop)
        auditlog.register(models.StudyVisit)
        pages.register_demo(queries.demo_published)
        pages.register_pairing_section(queries.pairing_section)
        feedback.register_subject("resource", queries.feedback_subject)  # the public may comment on a resource
        entries.register(queries.public_entries)  # the public site's search and sitemap
        for table in opendata.TABLES:
            public_tables.register(table)
