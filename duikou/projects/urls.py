from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/export/", views.project_export, name="export"),
    path("projects/template.xlsx", views.project_template, name="project_template"),
    path("projects/import/", views.project_import, name="import"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/overdue/", views.overdue_milestones, name="overdue"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:pk>/milestones/", views.milestone_create, name="milestone_create"),
    path("projects/<int:pk>/updates/", views.progress_create, name="progress_create"),
    path("projects/milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    path("projects/milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("projects/evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("projects/<int:pk>/funds/", views.fund_create, name="fund_create"),
    path("projects/funds/", views.fund_list, name="fund_list"),
    path("projects/funds/export/", views.fund_export, name="fund_export"),
    path("projects/funds/template.xlsx", views.fund_template, name="fund_template"),
    path("projects/funds/import/", views.fund_import, name="fund_import"),
    path("projects/funds/<int:pk>/cancel/", views.fund_cancel, name="fund_cancel"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/export/", views.activity_export, name="activity_export"),
    path("activities/template.xlsx", views.activity_template, name="activity_template"),
    path("activities/import/", views.activity_import, name="activity_import"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
]
