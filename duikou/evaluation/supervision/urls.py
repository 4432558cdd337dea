"""Commendations and rectification notices followed to closure: included by ``evaluation/urls.py``, so the URL names
stay in the ``evaluation`` namespace (``evaluation:notices``, ``evaluation:notice_detail`` …)."""

from django.urls import path

from . import views

urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("notices/export.xlsx", views.notice_export, name="notice_export"),
    path("notices/national/", views.national_desk, name="national_desk"),
    path("notices/new/", views.notice_issue, name="notice_issue"),
    path("notices/new/batch/", views.notice_issue_batch, name="notice_issue_batch"),
    path("notices/batch/<uuid:batch>/notices.zip", views.notice_batch_zip, name="notice_batch_zip"),
    path("notices/remind/", views.notice_remind, name="notice_remind"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/notice.docx", views.notice_docx, name="notice_docx"),
    path("notices/<int:pk>/step/<slug:step>/", views.notice_step, name="notice_step"),
    path("commendations/<int:run_id>/", views.commendations, name="commendations"),
    path("commendations/<int:run_id>/generate/", views.commendation_generate, name="commendation_generate"),
    path("commendations/<int:run_id>/commendations.docx", views.commendation_docx, name="commendation_docx"),
]
