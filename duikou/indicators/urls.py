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
    path("export/", views.export_values, name="export"),
    path("analytics/", views.pivot, name="pivot"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/save/", views.chart_save, name="chart_save"),
    path("dashboard/<int:pk>/remove/", views.chart_remove, name="chart_remove"),
]
