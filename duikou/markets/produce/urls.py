from django.urls import path

from . import views

# 产销对接: product listings, demands, recommendations both ways, agreements and deliveries (views.py).
urlpatterns: list = [
    path("produce/listings/", views.listing_list, name="produce_listings"),
    path("produce/listings/export.xlsx", views.listing_export, name="produce_listing_export"),
    path("produce/listings/template.xlsx", views.listing_template, name="produce_listing_template"),
    path("produce/listings/import/", views.listing_import, name="produce_listing_import"),
    path("produce/listings/new/", views.listing_create, name="produce_listing_create"),
    path("produce/listings/<int:pk>/", views.listing_detail, name="produce_listing_detail"),
    path("produce/listings/<int:pk>/edit/", views.listing_edit, name="produce_listing_edit"),
    path("produce/listings/<int:pk>/close/", views.listing_close, name="produce_listing_close"),
    path("produce/demands/", views.demand_list, name="produce_demands"),
    path("produce/demands/export.xlsx", views.demand_export, name="produce_demand_export"),
    path("produce/demands/template.xlsx", views.demand_template, name="produce_demand_template"),
    path("produce/demands/import/", views.demand_import, name="produce_demand_import"),
    path("produce/demands/new/", views.demand_create, name="produce_demand_create"),
    path("produce/demands/<int:pk>/", views.demand_detail, name="produce_demand_detail"),
    path("produce/demands/<int:pk>/edit/", views.demand_edit, name="produce_demand_edit"),
    path("produce/demands/<int:pk>/close/", views.demand_close, name="produce_demand_close"),
    path("produce/plan/", views.plan, name="produce_plan"),
    path("produce/agreements/", views.agreement_list, name="produce_agreements"),
    path("produce/agreements/new/", views.agreement_create, name="produce_agreement_create"),
    path("produce/agreements/<int:pk>/", views.agreement_detail, name="produce_agreement_detail"),
    path("produce/agreements/<int:pk>/deliveries/", views.delivery_create, name="produce_delivery_create"),
]
