from django.urls import path

from . import views

app_name = "culture"
urlpatterns = [
    path("", views.resource_list, name="resources"),
    path("resources/new/", views.resource_new, name="resource_new"),
    path("import/", views.resource_import, name="resource_import"),
    path("import/template.xlsx", views.resource_template, name="resource_template"),
    path("export.xlsx", views.resource_export, name="resource_export"),
    path("resources/<int:pk>/", views.resource_detail, name="resource"),
    path("resources/<int:pk>/edit/", views.resource_edit, name="resource_edit"),
    path("resources/<int:pk>/step/", views.resource_step, name="resource_step"),
    path("resources/<int:pk>/media/", views.medium_add, name="medium_add"),
    path("resources/<int:pk>/visits/", views.visit_add, name="visit_add"),
    path("media/<int:pk>/", views.medium_file, name="medium_file"),
    path("media/<int:pk>/remove/", views.medium_remove, name="medium_remove"),
    path("visits/<int:pk>/remove/", views.visit_remove, name="visit_remove"),
    path("routes/", views.route_list, name="routes"),
    path("routes/new/", views.route_new, name="route_new"),
    path("routes/import/", views.route_import, name="route_import"),
    path("routes/import/template.xlsx", views.route_template, name="route_template"),
    path("routes/<int:pk>/", views.route_detail, name="route"),
    path("routes/<int:pk>/edit/", views.route_edit, name="route_edit"),
    path("routes/<int:pk>/step/", views.route_step, name="route_step"),
    path("routes/<int:pk>/stops/", views.stop_add, name="stop_add"),
    path("stops/<int:pk>/remove/", views.stop_remove, name="stop_remove"),
]
