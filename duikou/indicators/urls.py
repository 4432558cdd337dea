from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.library, name="library"),
    path("reports/", views.reports, name="reports"),
    path("reminders/", views.reminders, name="reminders"),
    path("timeliness/", views.timeliness, name="timeliness"),
    path("timeliness/data/", views.timeliness_data, name="timeliness_data"),
    path("datasets/<slug:code>/due/", views.dataset_due, name="dataset_due"),
    path("reminders/send", views.remind, name="remind"),
    path("entry/<int:pairing_id>/<slug:dataset>/<str:period>/", views.entry, name="entry"),
    path("entry/<int:pairing_id>/<slug:dataset>/<str:period>/cell/", views.cell, name="cell"),
    path("entry/<int:pairing_id>/<slug:dataset>/<str:period>/step/<slug:step>/", views.step, name="step"),
    path("import/", views.import_values, name="import"),
    path("values/<int:pk>/history/", views.value_history, name="value_history"),
    path("export/", views.export_values, name="export"),
    path("dhis2-ids/", views.dhis2_ids, name="dhis2_ids"),
    path("dhis2-ids/<int:pk>/retire/", views.dhis2_id_retire, name="dhis2_id_retire"),
    path("dhis2-ids/export/", views.dhis2_ids_export, name="dhis2_ids_export"),
    path("dhis2-ids/import/", views.dhis2_ids_import, name="dhis2_ids_import"),
    path("analytics/", views.pivot, name="pivot"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/save/", views.chart_save, name="chart_save"),
    path("dashboard/<int:pk>/remove/", views.chart_remove, name="chart_remove"),
]
