from django.urls import path

from . import views
from .assessment import views as assessment_views
from .supervision import urls as supervision_urls

app_name = "evaluation"

# Schemes, reviews, runs, results, explanations, comparisons and documents (views.py).
scheme_urls = [
    path("", views.schemes, name="schemes"),
    path("schemes/new/", views.scheme_create, name="scheme_create"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme"),
    path("schemes/<int:pk>/edit/", views.scheme_edit, name="scheme_edit"),
    path("schemes/<int:pk>/copy/", views.scheme_copy, name="scheme_copy"),
    path("schemes/<int:pk>/items/new/", views.item_create, name="item_create"),
    path("schemes/<int:pk>/items/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("schemes/<int:pk>/reviews/", views.reviews, name="reviews"),
    path("schemes/<int:pk>/runs/", views.runs, name="runs"),
    path("schemes/<int:pk>/runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/ranking.xlsx", views.run_export, name="run_export"),
    path("runs/<int:pk>/report/<slug:fmt>/", views.run_report, name="run_report"),
    path("runs/<int:pk>/compare/", views.run_compare, name="run_compare"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run_publish"),
    path("runs/<int:pk>/pairings/<int:pairing_pk>/", views.explanation, name="explanation"),
]

# Self-assessments, the partner's opinion and cross-checks before scoring (assessment/views.py).
stage_urls = [
    path("schemes/<int:pk>/assessments/", assessment_views.assessments, name="assessments"),
    path("schemes/<int:pk>/assessments/export.xlsx", assessment_views.assessments_export, name="assessments_export"),
    path(
        "schemes/<int:pk>/assessments/<int:pairing_pk>/<slug:side>/",
        assessment_views.assessment,
        name="assessment",
    ),
    path(
        "schemes/<int:pk>/assessments/<int:pairing_pk>/<slug:side>/step/<slug:step>/",
        assessment_views.assessment_step,
        name="assessment_step",
    ),
    path("schemes/<int:pk>/cross-checks/assign/", assessment_views.cross_check_assign, name="cross_check_assign"),
    path("cross-checks/<int:pk>/", assessment_views.cross_check, name="cross_check"),
    path("cross-checks/<int:pk>/step/<slug:step>/", assessment_views.cross_check_step, name="cross_check_step"),
]

# Commendations and rectification notices followed to closure (supervision/urls.py).
urlpatterns = scheme_urls + stage_urls + supervision_urls.urlpatterns
