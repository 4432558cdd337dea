from django.urls import path

from . import views


def _kind_urls(kind: str) -> list:
    """The pages of listings or of demands: list, export, template, import, new, detail, edit, close."""
    at, name, by_kind = f"produce/{kind}s/", f"produce_{kind}", {"kind": kind}
    return [
        path(at, views.object_list, by_kind, name=f"{name}s"),
        path(f"{at}export.xlsx", views.export, by_kind, name=f"{name}_export"),
        path(f"{at}template.xlsx", views.template, by_kind, name=f"{name}_template"),
        path(f"{at}import/", views.import_table, by_kind, name=f"{name}_import"),
        path(f"{at}new/", views.create, by_kind, name=f"{name}_create"),
        path(f"{at}<int:pk>/", views.detail, by_kind, name=f"{name}_detail"),
        path(f"{at}<int:pk>/edit/", views.edit, by_kind, name=f"{name}_edit"),
        path(f"{at}<int:pk>/close/", views.close, by_kind, name=f"{name}_close"),
    ]


# 产销对接: product listings, demands, recommendations both ways, agreements and deliveries (views.py).
urlpatterns: list = [
    *_kind_urls("listing"),
    *_kind_urls("demand"),
    path("produce/plan/", views.plan, name="produce_plan"),
    path("produce/agreements/", views.agreement_list, name="produce_agreements"),
    path("produce/agreements/new/", views.agreement_create, name="produce_agreement_create"),
    path("produce/agreements/<int:pk>/", views.agreement_detail, name="produce_agreement_detail"),
    path("produce/agreements/<int:pk>/deliveries/", views.delivery_create, name="produce_delivery_create"),
]
