from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("export.xlsx", views.audit_export, name="export"),
    path("imports/<int:pk>/", views.import_values, name="import"),
    path("imports/<int:pk>/export.xlsx", views.import_export, name="import_export"),
]
