from django.urls import path, re_path

from . import front, notices, registry_views, ruleset_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("dashboard/", views.dashboard, name="dashboard"),
    re_path(r"^dashboard/(?P<code>\d{6})/report\.(?P<fmt>xlsx|docx)$", views.county_report, name="county_report"),
    path("screen/", views.screen, name="screen"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/step/", views.alert_step, name="alert_step"),
    path("alerts/<int:pk>/measures/new/", views.measure_add, name="measure_add"),
    path("alerts/<int:pk>/responsible/", views.responsible_assign, name="responsible_assign"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("rulesets/", ruleset_views.ruleset_list, name="rulesets"),
    path("rulesets/new/", ruleset_views.ruleset_new, name="ruleset_new"),
    path("rulesets/<int:pk>/", ruleset_views.ruleset_detail, name="ruleset"),
    path("rulesets/<int:pk>/revise/", ruleset_views.ruleset_revise, name="ruleset_revise"),
    path("rulesets/<int:pk>/edit/", ruleset_views.ruleset_edit, name="ruleset_edit"),
    path("households/", registry_views.household_list, name="households"),
    path("households/new/", registry_views.household_add, name="household_add"),
    path("households/<int:pk>/", registry_views.household_detail, name="household"),
    path("households/<int:pk>/members.csv", registry_views.member_export, name="member_export"),
    path("households/<int:pk>/incomes/new/", registry_views.income_add, name="income_add"),
    path("households/<int:pk>/edit/", registry_views.household_edit, name="household_edit"),
    path("households/<int:pk>/confirm/", registry_views.household_confirm, name="household_confirm"),
    path("households/<int:pk>/members/new/", registry_views.member_add, name="member_add"),
    path("households/<int:pk>/members/<int:member_pk>/edit/", registry_views.member_edit, name="member_edit"),
    re_path(
        r"^households/import/(?P<kind>households|incomes|declarations)/$",
        registry_views.registry_import,
        name="registry_import",
    ),
    re_path(
        r"^households/import/(?P<kind>households|incomes|declarations)/template\.(?P<fmt>xlsx|csv)$",
        registry_views.registry_template,
        name="registry_template",
    ),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    # the ways in from the front line (front.py)
    path("declarations/", front.declaration_list, name="declarations"),
    path("declarations/new/", front.declaration_add, name="declaration_add"),
    path("visits/", front.visit_list, name="visits"),
    path("households/<int:pk>/visits/new/", front.visit_add, name="visit_add"),
    path("posters/", front.posters, name="posters"),
    re_path(r"^posters/(?P<code>\d{12})\.pdf$", front.poster, name="poster"),
    path("notices/", notices.notice_list, name="notices"),
    re_path(r"^notices/(?P<code>\d{12})\.(?P<fmt>docx|pdf)$", notices.notice_document, name="notice_document"),
    path("objections/", notices.objection_list, name="objections"),
    path("alerts/<int:pk>/objections/new/", notices.objection_record, name="objection_record"),
]
