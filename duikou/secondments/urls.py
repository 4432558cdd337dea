from django.urls import path

from . import views

app_name = "secondments"
urlpatterns = [
    path("", views.secondment_list, name="list"),
    path("new/", views.secondment_new, name="new"),
    path("export.xlsx", views.secondment_export, name="export"),
    path("import/", views.secondment_import, name="import"),
    path("import/template.xlsx", views.secondment_template, name="template"),
    path("pairings/<int:pk>/", views.pairing_summary, name="pairing"),
    path("<int:pk>/", views.secondment_detail, name="detail"),
    path("<int:pk>/edit/", views.secondment_edit, name="edit"),
    path("<int:pk>/end/", views.secondment_end, name="end"),
    path("<int:pk>/reports/", views.report_add, name="report_add"),
]
