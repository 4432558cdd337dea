from django.urls import path

from ..routes import record_paths
from . import views

PAGES = {
    "list": views.object_list,
    "export": views.export,
    "template": views.template,
    "import": views.import_table,
    "create": views.create,
    "detail": views.detail,
    "edit": views.edit,
    "close": views.close,
}

CERTIFICATION_PAGES = {
    "list": views.certification_list,
    "export": views.certification_export,
    "template": views.certification_template,
    "import": views.certification_import,
    "create": views.certification_create,
    "detail": views.certification_detail,
    "edit": views.certification_edit,
}

# 产销对接: product listings, demands, recommendations both ways, agreements and deliveries (views.py).
urlpatterns: list = [
    *record_paths("produce", "listing", PAGES, {"kind": "listing"}),
    *record_paths("produce", "demand", PAGES, {"kind": "demand"}),
    *record_paths("produce", "certification", CERTIFICATION_PAGES),
    path("produce/certifications/<int:pk>/step/", views.certification_step, name="produce_certification_step"),
    path("produce/reserved/", views.reserved_share, name="produce_reserved"),
    path("produce/reserved/export.xlsx", views.reserved_share_export, name="produce_reserved_export"),
    path("produce/plan/", views.plan, name="produce_plan"),
    path("produce/agreements/", views.agreement_list, name="produce_agreements"),
    path("produce/agreements/new/", views.agreement_create, name="produce_agreement_create"),
    path("produce/agreements/<int:pk>/", views.agreement_detail, name="produce_agreement_detail"),
    path("produce/agreements/<int:pk>/deliveries/", views.delivery_create, name="produce_delivery_create"),
]
