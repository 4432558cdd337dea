from django.urls import path

from . import views

# 劳务协作: job postings, job seekers, matches both ways, placements and follow-ups (views.py).
urlpatterns: list = [
    path("labour/postings/", views.posting_list, name="labour_postings"),
    path("labour/postings/new/", views.posting_create, name="labour_posting_create"),
    path("labour/postings/export.xlsx", views.posting_export, name="labour_posting_export"),
    path("labour/postings/template.xlsx", views.posting_template, name="labour_posting_template"),
    path("labour/postings/import/", views.posting_import, name="labour_posting_import"),
    path("labour/postings/<int:pk>/", views.posting_detail, name="labour_posting_detail"),
    path("labour/postings/<int:pk>/edit/", views.posting_edit, name="labour_posting_edit"),
    path("labour/postings/<int:pk>/close/", views.posting_close, name="labour_posting_close"),
    path("labour/seekers/", views.seeker_list, name="labour_seekers"),
    path("labour/seekers/new/", views.seeker_create, name="labour_seeker_create"),
    path("labour/seekers/export.xlsx", views.seeker_export, name="labour_seeker_export"),
    path("labour/seekers/template.xlsx", views.seeker_template, name="labour_seeker_template"),
    path("labour/seekers/import/", views.seeker_import, name="labour_seeker_import"),
    path("labour/seekers/<int:pk>/", views.seeker_detail, name="labour_seeker_detail"),
    path("labour/seekers/<int:pk>/edit/", views.seeker_edit, name="labour_seeker_edit"),
    path("labour/place/<int:seeker>/<int:posting>/", views.placement_create, name="labour_placement_create"),
    path("labour/placements/", views.placement_list, name="labour_placements"),
    path("labour/placements/<int:pk>/", views.placement_detail, name="labour_placement_detail"),
    path("labour/followups/", views.followup_list, name="labour_followups"),
    path("labour/followups/<int:pk>/", views.followup_record, name="labour_followup_record"),
    path("labour/plan/", views.plan, name="labour_plan"),
]
