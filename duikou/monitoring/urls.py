from django.urls import path, re_path

from . import notices, ruleset_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("dashboard/", views.dashboard, name="dashboard"),
    re_path(r"^dashboard/(?P<code>\d{6})/report\.(?P<fmt>xlsx|docx)$", views.county_report, name="county_report"),
    path("screen/", views.screen, name="screen"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/step/", views.alert_step, name="alert_step"),
    path("alerts/<int:pk>/measures/new/", views.measure_add, name="measure_add"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("households/", views.household_list, name="households"),
    path("households/new/", views.household_add, name="household_add"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/members.csv", views.member_export, name="member_export"),
    path("households/<int:pk>/incomes/new/", views.income_add, name="income_add"),
    path("rulesets/", ruleset_views.ruleset_list, name="rulesets"),
    path("rulesets/new/", ruleset_views.ruleset_new, name="ruleset_new"),
    path("rulesets/<int:pk>/", ruleset_views.ruleset_detail, name="ruleset"),
    path("rulesets/<int:pk>/revise/", ruleset_views.ruleset_revise, name="ruleset_revise"),
    path("rulesets/<int:pk>/edit/", ruleset_views.ruleset_edit, name="ruleset_edit"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("notices/", notices.notice_list, name="notices"),
    re_path(r"^notices/(?P<code>\d{12})\.(?P<fmt>docx|pdf)$", notices.notice_document, name="notice_document"),
    path("objections/", notices.objection_list, name="objections"),
    path("alerts/<int:pk>/objections/new/", notices.objection_record, name="objection_record"),
]
