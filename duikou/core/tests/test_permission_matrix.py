"""The permission matrix: every URL pattern and API route, every role, an in-scope and an out-of-scope object.

Routes are enumerated from the URL resolver, so a new view or endpoint without an entry here fails
``test_every_route_is_in_the_matrix``. For each route the matrix checks the HTTP answer per role and that
the request went through the scoping layer; where the route shows scoped data it checks that the
in-scope object is there and the out-of-scope one is not (no IDOR, no leak through lists or exports).
"""

import io
import json
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from duikou.accounts import scoping
from duikou.accounts.services import issue_token
from duikou.core import testing
from duikou.core.jobs import run_job
from duikou.core.models import Job
from duikou.evaluation import testing as evaluation_testing
from duikou.markets import testing as markets_testing
from duikou.monitoring import testing as monitoring_testing
from duikou.pairings import services as pairing_services
from duikou.projects import testing as project_testing

pytestmark = pytest.mark.django_db

ROLES = ["viewer", "editor", "approver", "org_admin", "system_admin", "security_admin", "audit_admin"]

# Routes anyone may open without the scoping layer, and why.
PUBLIC = {
    "login": "the sign-in page",
    "logout": "ends the caller's own session",
    "set_language": "sets the caller's own language cookie",
    "healthz": "liveness probe, no data",
    "api:api-root": "API index: a 404 that names no data (the description and its page need a sign-in)",
}

# Routes that act only on the signed-in user's own account, and why they need no scoping (tested in accounts).
OWN_ACCOUNT = {
    "accounts:password_change": "the signed-in user changes their own password; reads and writes nothing else",
}


def walk(patterns, ns=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = ":".join(x for x in (ns, p.namespace) if x) or None
            yield from walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            yield f"{ns}:{p.name}" if ns else p.name


def all_route_names() -> set[str]:
    return set(walk(get_resolver().url_patterns))


@dataclass
class Case:
    """How to call a route for the in-scope and the out-of-scope object, and what each role should get."""

    url_in: str
    url_out: str | None = None
    action: scoping.Action | None = scoping.Action.VIEW  # what the role needs for the in-scope call
    method: str = "get"
    data: dict = field(default_factory=dict)
    present: list[str] = field(default_factory=list)  # in the body of an allowed in-scope answer
    absent: list[str] = field(default_factory=list)  # never in the body of an allowed answer
    ok: int = 200
    denied: int = 403
    out_status: int = 404
    api: bool = False
    data_out: dict | None = None  # the body for the out-of-scope call, when it differs
    scoped: tuple[str, ...] = ()  # what the view must pass through the scoping layer (model names, may:<action>)


@pytest.fixture
def world():
    """信阳–苏州 is in scope for every user (all belong to 信阳); 延安–无锡 is not."""
    inside = testing.pairing("信阳市", "苏州市")
    outside = testing.pairing("延安市", "无锡市")
    users = {role: testing.user(f"xy_{role}", "信阳市人民政府", role) for role in ROLES}
    stranger = testing.user("yanan_editor", "延安市人民政府", "editor")
    # an audit trail on both sides: one change by a 信阳 user, one by a 延安 user
    pairing_services.update_pairing_profile(
        pairing=inside,
        user=users["editor"],
        expected_version=inside.version,
        mechanism="信阳侧机制说明",
        contacts="",
        note="",
    )
    pairing_services.update_pairing_profile(
        pairing=outside,
        user=stranger,
        expected_version=outside.version,
        mechanism="延安侧机制说明",
        contacts="",
        note="",
    )
    inside.refresh_from_db()
    outside.refresh_from_db()
    stranger_token, _key = issue_token(user=stranger, name="延安令牌")
    for account in users.values():
        issue_token(user=account, name="自己的令牌")
    stranger_job = make_job(stranger)
    make_indicator_values(users["editor"], stranger, inside, outside)
    inside_plan, outside_plan = (
        make_plan(users["editor"], inside, "信阳侧方案"),
        make_plan(stranger, outside, "延安侧方案"),
    )
    return {
        "account": testing.user("xy_account", "信阳市人民政府", "editor"),  # the account the account pages act on
        "inside_plan": inside_plan,
        "outside_plan": outside_plan,
        "inside": inside,
        "outside": outside,
        "users": users,
        "stranger": stranger,
        "stranger_token": stranger_token,
        "stranger_job": stranger_job,
        **project_testing.matrix_world(users["editor"], stranger, inside, outside),
        **monitoring_testing.matrix_world(users["editor"], stranger),
        **evaluation_testing.evaluation_matrix_world(users["editor"], stranger, inside, outside),
        **evaluation_testing.supervision_matrix_world(users["editor"], stranger),
        **markets_testing.matrix_world(users["editor"], stranger, inside, outside),
    }


def make_plan(user, pairing, title):
    import datetime

    from duikou.accounts.models import Organisation
    from duikou.plans import services as plan_services
    from duikou.policy.models import Task

    plan = plan_services.create_plan(
        user=user, pairing=pairing, kind="five_year", title=title, start_year=2026, end_year=2030
    )
    for section, values in (
        ("goals", {"text": f"{title}的目标"}),
        ("goals", {"text": f"{title}的第二个目标"}),
        ("measures", {"text": f"{title}的保障措施"}),
    ):
        plan_services.save_content(user=user, plan=plan, section=section, expected_version=plan.version, values=values)
        plan.refresh_from_db()
    plan_services.save_content(
        user=user,
        plan=plan,
        section="items",
        expected_version=plan.version,
        values={
            "key_task": Task.objects.get(pk="KT5"),
            "text": f"{title}的逾期事项",
            "due_date": datetime.date(2024, 1, 1),
            "responsible_unit": Organisation.objects.create(
                name=f"{title}责任单位", kind="unit", region=user.organisation.region, parent=user.organisation
            ),
        },
    )
    plan.refresh_from_db()
    return plan


def make_job(user):
    def work(*, progress):
        progress(1, 1, "自己的任务")
        return {"_file": ("result.txt", "自己的任务文件".encode()), "filename": "result.txt"}

    job = Job.objects.create(kind="test", title="自己的任务", user=user)
    return run_job(job, work, {})


def make_indicator_values(editor, stranger, inside, outside):
    from duikou.indicators import services as indicator_services
    from duikou.indicators.models import DataSet, Indicator

    dataset, amount = DataSet.objects.get(pk="quarterly"), Indicator.objects.get(pk="signed_amount_wan")
    for user, pairing, value, comment in (
        (editor, inside, "4321.5", "信阳侧指标说明"),
        (stranger, outside, "9876", "延安侧指标说明"),
    ):
        report = indicator_services.get_report(pairing=pairing, dataset=dataset, period="2025Q3")
        indicator_services.save_value(user=user, report=report, indicator=amount, value=value, comment=comment)
    for user, title in ((editor, "信阳侧仪表板"), (stranger, "延安侧仪表板")):
        indicator_services.save_chart(user=user, title=title, indicator=amount, rows="pairing", cols="year")


def indicator_cases(inside, outside) -> dict[str, Case]:
    A = scoping.Action
    from duikou.indicators.models import SavedChart

    chart_in, chart_out = (SavedChart.objects.get(title=t).pk for t in ("信阳侧仪表板", "延安侧仪表板"))
    entry_in, entry_out = (
        f"/indicators/entry/{inside.pk}/quarterly/2025Q3/",
        f"/indicators/entry/{outside.pk}/quarterly/2025Q3/",
    )
    report_in, report_out = (
        f"/api/indicators/reports/{inside.pk}/quarterly/2025Q3",
        f"/api/indicators/reports/{outside.pk}/quarterly/2025Q3",
    )
    pairing_names = {"present": ["信阳市—苏州市"], "absent": ["延安市—无锡市"]}
    value_in = {"pairing_id": inside.pk, "indicator": "training_persons", "period": "2025Q3", "value": "7"}
    dvs = {
        "dataValues": [{"dataElement": "training_persons", "period": "2025Q4", "orgUnit": inside.code, "value": "8"}]
    }
    return {
        "indicators:library": Case("/indicators/", present=["fgzx-2022-766/3/5"], scoped=("Indicator",)),
        "indicators:reports": Case(
            "/indicators/reports/?period=2025Q3", **pairing_names, scoped=("Pairing", "DataSet")
        ),
        "indicators:reminders": Case("/indicators/reminders/?period=2025Q3", **pairing_names, scoped=("Pairing",)),
        "indicators:entry": Case(entry_in, entry_out, present=["信阳侧指标说明"], scoped=("Pairing", "DataSet")),
        "indicators:cell": Case(
            f"{entry_in}cell/",
            f"{entry_out}cell/",
            method="post",
            action=A.CHANGE,
            data={"indicator": "signed_projects", "value": "5"},
            present=['id="row-signed_projects"'],
            scoped=("Pairing",),
        ),
        # submitting an incomplete report is refused with the list, then redirected back to the grid
        "indicators:step": Case(
            f"{entry_in}step/submit/",
            f"{entry_out}step/submit/",
            method="post",
            action=A.CHANGE,
            ok=302,
            scoped=("Pairing",),
        ),
        "indicators:import": Case(
            "/indicators/import/", action=A.CHANGE, present=['name="file"'], scoped=("may:change",)
        ),
        "indicators:export": Case(
            "/indicators/export/?format=json", present=["4321.5"], absent=["9876"], scoped=("DataValue",)
        ),
        "indicators:pivot": Case(
            "/indicators/analytics/?indicator=signed_amount_wan&rows=pairing&cols=period",
            **pairing_names,
            scoped=("Indicator", "Pairing"),
        ),
        "indicators:dashboard": Case(
            "/indicators/dashboard/", present=["信阳侧仪表板"], absent=["延安侧仪表板"], scoped=("SavedChart",)
        ),
        # the dashboard is the organisation's shared data: saving and removing a chart needs CHANGE
        "indicators:chart_save": Case(
            "/indicators/dashboard/save/",
            method="post",
            action=A.CHANGE,
            ok=302,
            data={"indicator": "signed_amount_wan", "rows": "province", "cols": "year"},
            scoped=("Indicator",),
        ),
        "indicators:chart_remove": Case(
            f"/indicators/dashboard/{chart_in}/remove/",
            f"/indicators/dashboard/{chart_out}/remove/",
            method="post",
            action=A.CHANGE,
            ok=302,
            scoped=("SavedChart",),
        ),
        "api:indicator_definitions": Case(
            "/api/indicators/definitions", api=True, present=["fgzx-2022-766/3/5"], scoped=("Indicator",)
        ),
        "api:indicator_values": Case(
            "/api/indicators/values",
            api=True,
            present=["信阳侧指标说明"],
            absent=["延安侧指标说明"],
            scoped=("DataValue",),
        ),
        "api:put_indicator_value": Case(
            "/api/indicators/values",
            "/api/indicators/values",
            api=True,
            method="put",
            action=A.CHANGE,
            data=value_in,
            data_out={**value_in, "pairing_id": outside.pk},
            present=["training_persons"],
            scoped=("Pairing",),
        ),
        "api:indicator_report": Case(
            report_in, report_out, api=True, present=[f'"pairing_id": {inside.pk}'], scoped=("Pairing", "DataSet")
        ),
        # the report is incomplete, so an allowed submission is refused with its violations (422)
        "api:indicator_report_step": Case(
            f"{report_in}/steps/submit",
            f"{report_out}/steps/submit",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=422,
            scoped=("Pairing",),
        ),
        "api:indicator_analytics": Case(
            "/api/indicators/analytics?indicator=signed_amount_wan&rows=pairing",
            api=True,
            **pairing_names,
            scoped=("Indicator", "Pairing"),
        ),
        "api:export_data_value_sets": Case(
            "/api/indicators/dataValueSets",
            api=True,
            present=["信阳侧指标说明"],
            absent=["延安侧指标说明"],
            scoped=("DataValue",),
        ),
        # an out-of-scope orgUnit is a conflict of the import (409, nothing written): see indicators test_transfer
        "api:import_data_value_sets": Case(
            "/api/indicators/dataValueSets",
            api=True,
            method="post_json",
            action=A.CHANGE,
            data=dvs,
            present=["导入完成"],
            scoped=("may:change", "Pairing"),
        ),
    }


def cases(w) -> dict[str, Case]:
    inside, outside = w["inside"], w["outside"]
    pl_in, pl_out = w["inside_plan"], w["outside_plan"]
    pin, pout = f"/pairings/{inside.pk}/", f"/pairings/{outside.pk}/"
    yanan_label, xinyang_label = "延安市", "信阳市"
    A = scoping.Action
    return {
        "home": Case("/", present=['id="stat-pairings">1<'], scoped=("Pairing",)),
        "pairings:list": Case("/pairings/", present=[pin], absent=[pout], scoped=("Pairing",)),
        "pairings:export": Case(
            "/pairings/export.xlsx", present=[xinyang_label], absent=[yanan_label], scoped=("Pairing",)
        ),
        "pairings:map_data": Case("/pairings/map-data.json", present=[pin], absent=[pout], scoped=("Pairing",)),
        "pairings:detail": Case(pin, pout, present=["信阳侧机制说明"], absent=["延安侧机制说明"], scoped=("Pairing",)),
        "pairings:edit": Case(f"{pin}edit/", f"{pout}edit/", action=A.CHANGE, scoped=("Pairing",)),
        "geo:region_list": Case("/regions/?q=延安", present=["610600"], scoped=("Region",)),
        "geo:region_detail": Case(
            "/regions/610600/", present=["宝塔区", "610600"], absent=[pout], scoped=("Region", "Pairing", "Designation")
        ),
        "geo:old_area_list": Case("/old-areas/", present=["陕甘宁革命老区"], scoped=("OldArea", "Pairing")),
        "policy:index": Case("/policy/", present=["fgzx-2022-766"], scoped=("Document", "Task")),
        "policy:document": Case(
            "/policy/fgzx-2022-766/",
            "/policy/no-such-doc/",
            present=["发改振兴〔2022〕766号"],
            scoped=("Document", "Box"),
        ),
        "policy:clause": Case(
            "/policy/clause/fgzx-2022-766/2/6/",
            "/policy/clause/no/such/",
            present=["延安市"],
            absent=[pout],
            scoped=("Clause", "Pairing"),
        ),
        "policy:search": Case("/policy/search/?q=延安", present=["fgzx-2022-766/2/6"], scoped=("Clause", "Document")),
        "audit:log": Case(
            "/audit/",
            action=A.AUDIT,
            present=["信阳侧机制说明"],
            absent=["延安侧机制说明"],
            scoped=("may:audit", "LogEntry"),
        ),
        "audit:export": Case(
            "/audit/export.xlsx",
            action=A.AUDIT,
            present=["信阳侧机制说明"],
            absent=["延安侧机制说明"],
            scoped=("may:audit", "LogEntry"),
        ),
        "accounts:profile": Case(
            "/accounts/profile/", present=["自己的令牌"], absent=[w["stranger_token"].prefix], scoped=("ApiToken",)
        ),
        "accounts:token_revoke": Case(
            "OWN_TOKEN",
            f"/accounts/tokens/{w['stranger_token'].pk}/revoke/",
            method="post",
            ok=302,
            scoped=("ApiToken",),
        ),
        "accounts:user_list": Case(
            "/accounts/users/", action="users", present=["xy_viewer"], absent=["yanan_editor"], scoped=("User",)
        ),
        "accounts:user_create": Case(
            "/accounts/users/new/",
            action=A.MANAGE_USERS,
            present=["信阳市人民政府"],
            absent=["延安市人民政府"],
            scoped=("may:manage_users",),
        ),
        "accounts:lockouts": Case("/accounts/lockouts/", action=A.SECURITY, scoped=("may:security",)),
        # the account pages: who may do what to whom is duikou/accounts/rules.py (tested cell by cell there)
        **account_cases(w["account"], w["stranger"]),
        "accounts:two_factor_enrol": Case("/accounts/two-factor/enrol/", action=None, ok=302, scoped=("TOTPDevice",)),
        "accounts:two_factor_verify": Case("/accounts/two-factor/verify/", action=None, ok=302, scoped=("TOTPDevice",)),
        "job_detail": Case("OWN_JOB", f"/jobs/{w['stranger_job'].pk}/", present=["自己的任务"], scoped=("Job",)),
        "job_download": Case(
            "OWN_JOB_FILE", f"/jobs/{w['stranger_job'].pk}/download", present=["自己的任务文件"], scoped=("Job",)
        ),
        "plans:list": Case(
            "/plans/", present=[f"/plans/{pl_in.pk}/"], absent=[f"/plans/{pl_out.pk}/"], scoped=("Plan",)
        ),
        "plans:create": Case(
            "/plans/new/", action=A.CHANGE, present=["信阳市—苏州市"], absent=["延安市—无锡市"], scoped=("Pairing",)
        ),
        "plans:matrix": Case(
            "/plans/matrix/", present=["信阳侧方案责任单位"], absent=["延安侧方案责任单位"], scoped=("PlanItem",)
        ),
        "plans:todo": Case(
            "/plans/todo/", present=["信阳侧方案的逾期事项"], absent=["延安侧方案的逾期事项"], scoped=("PlanItem",)
        ),
        "plans:overdue": Case(
            "/plans/overdue/", present=["信阳侧方案的逾期事项"], absent=["延安侧方案的逾期事项"], scoped=("PlanItem",)
        ),
        "plans:detail": Case(
            f"/plans/{pl_in.pk}/", f"/plans/{pl_out.pk}/", present=["信阳侧方案的目标"], scoped=("Plan",)
        ),
        "plans:docx": Case(
            f"/plans/{pl_in.pk}/plan.docx",
            f"/plans/{pl_out.pk}/plan.docx",
            present=["信阳侧方案的目标"],
            scoped=("Plan",),
        ),
        "plans:compare": Case(
            f"/plans/{pl_in.pk}/compare/", f"/plans/{pl_out.pk}/compare/", present=["信阳侧方案"], scoped=("Plan",)
        ),
        "plans:content_add": Case(
            f"/plans/{pl_in.pk}/goals/",
            f"/plans/{pl_out.pk}/goals/",
            method="post",
            action=A.CHANGE,
            ok=302,
            data={"goals-text": "新目标", "goals-plan_version": "PLAN_VERSION"},
            scoped=("Plan",),
        ),
        "plans:content_edit": Case(
            f"/plans/{pl_in.pk}/goals/{pl_in.goals.last().pk}/",
            f"/plans/{pl_out.pk}/goals/{pl_out.goals.last().pk}/",
            method="post",
            action=A.CHANGE,
            ok=302,
            data={"remove": "1", "plan_version": "PLAN_VERSION"},
            scoped=("Plan",),
        ),
        "plans:item_done": Case(
            f"/plans/items/{pl_in.items.first().pk}/done/",
            f"/plans/items/{pl_out.items.first().pk}/done/",
            method="post",
            action=A.CHANGE,
            ok=302,
            scoped=("PlanItem",),
        ),
        "plans:step": Case(
            f"/plans/{pl_in.pk}/step/annual/",
            f"/plans/{pl_out.pk}/step/annual/",
            method="post",
            data={"year": 2026},
            action=A.CHANGE,
            ok=302,
            scoped=("Plan",),
        ),
        # the API's description and its page: for signed-in users only, by token or session
        "api:openapi-json": Case("/api/openapi.json", api=True, present=["PlanStepIn"], scoped=("may:view",)),
        "api:openapi-view": Case("/api/docs", present=["swagger-ui"], scoped=("may:view",)),
        "api:list_plans": Case("/api/plans", api=True, present=["信阳侧方案"], absent=["延安侧方案"], scoped=("Plan",)),
        "api:get_plan": Case(
            f"/api/plans/{pl_in.pk}", f"/api/plans/{pl_out.pk}", api=True, present=["信阳侧方案"], scoped=("Plan",)
        ),
        "api:create_plan": Case(
            "/api/plans",
            "/api/plans",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data={
                "pairing_id": inside.pk,
                "kind": "five_year",
                "title": "接口新建方案",
                "start_year": 2026,
                "end_year": 2030,
            },
            data_out={
                "pairing_id": outside.pk,
                "kind": "five_year",
                "title": "越权",
                "start_year": 2026,
                "end_year": 2030,
            },
            present=["接口新建方案"],
            scoped=("Pairing",),
        ),
        "api:update_plan": Case(
            f"/api/plans/{pl_in.pk}",
            f"/api/plans/{pl_out.pk}",
            api=True,
            method="put",
            action=A.CHANGE,
            data={"version": "PLAN_VERSION", "title": "接口改名", "start_year": 2026, "end_year": 2030},
            present=["接口改名"],
            scoped=("Plan",),
        ),
        "api:add_content": Case(
            f"/api/plans/{pl_in.pk}/content/goals",
            f"/api/plans/{pl_out.pk}/content/goals",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data={"text": "接口目标", "plan_version": "PLAN_VERSION"},
            present=["接口目标"],
            scoped=("Plan",),
        ),
        "api:change_content": Case(
            f"/api/plans/{pl_in.pk}/content/goals/{pl_in.goals.first().pk}",
            f"/api/plans/{pl_out.pk}/content/goals/{pl_out.goals.first().pk}",
            api=True,
            method="put",
            action=A.CHANGE,
            data={"text": "接口改目标", "plan_version": "PLAN_VERSION"},
            present=["接口改目标"],
            scoped=("Plan",),
        ),
        "api:remove_content": Case(
            f"/api/plans/{pl_in.pk}/content/measures/{pl_in.measures.first().pk}?plan_version=PLAN_VERSION",
            f"/api/plans/{pl_out.pk}/content/measures/{pl_out.measures.first().pk}?plan_version=PLAN_VERSION",
            api=True,
            method="delete",
            action=A.CHANGE,
            present=["信阳侧方案的逾期事项"],
            scoped=("Plan",),
        ),
        "api:take_step": Case(
            f"/api/plans/{pl_in.pk}/steps/annual",
            f"/api/plans/{pl_out.pk}/steps/annual",
            api=True,
            method="post_json",
            data={"year": 2027},
            action=A.CHANGE,
            present=["2027年对口合作工作计划"],
            scoped=("Plan",),
        ),
        # API
        "api:list_regions": Case("/api/regions?q=延安", api=True, present=["610600"], scoped=("Region",)),
        "api:get_region": Case(
            "/api/regions/610600", "/api/regions/999999", api=True, present=["延安市"], scoped=("Region",)
        ),
        "api:list_old_areas": Case("/api/old-areas", api=True, present=["大别山革命老区"], scoped=("OldArea",)),
        "api:list_pairings": Case(
            "/api/pairings", api=True, present=["信阳市"], absent=["延安市"], scoped=("Pairing",)
        ),
        "api:get_pairing": Case(
            f"/api/pairings/{inside.pk}",
            f"/api/pairings/{outside.pk}",
            api=True,
            present=["信阳市"],
            scoped=("Pairing",),
        ),
        "api:update_profile": Case(
            f"/api/pairings/{inside.pk}/profile",
            f"/api/pairings/{outside.pk}/profile",
            api=True,
            method="put",
            action=A.CHANGE,
            data={"version": "VERSION", "mechanism": "API 修改"},
            scoped=("Pairing",),
        ),
        **project_cases(w),
        "api:list_documents": Case("/api/policy/documents", api=True, present=["fgzx-2022-766"], scoped=("Document",)),
        "api:get_document": Case(
            "/api/policy/documents/fgzx-2022-766",
            "/api/policy/documents/nope",
            api=True,
            present=["发改振兴"],
            scoped=("Document",),
        ),
        "api:list_document_clauses": Case(
            "/api/policy/documents/fgzx-2022-766/clauses",
            "/api/policy/documents/nope/clauses",
            api=True,
            present=["fgzx-2022-766/3/5"],
            scoped=("Document", "Clause"),
        ),
        "api:get_clause": Case(
            "/api/policy/clauses/fgzx-2022-766/3/5",
            "/api/policy/clauses/x/9/9",
            api=True,
            present=["共同建设产业合作平台载体"],
            scoped=("Clause",),
        ),
        "api:search": Case(
            "/api/policy/search?q=省域副中心城市", api=True, present=["省域副中心城市"], scoped=("Clause",)
        ),
        "api:list_tasks": Case("/api/policy/tasks", api=True, present=["KT1"], scoped=("Task",)),
        **indicator_cases(inside, outside),
        **monitoring_cases(w),
        **evaluation_cases(w),
        **supervision_cases(w),
        **markets_cases(w),
    }


def markets_cases(w) -> dict[str, Case]:
    """Matching (duikou.markets.testing.matrix_world). Listings are offers meant to be found: every user with an
    organisation reads both sides' listings, only their own side changes them (the out-of-scope call of a change is
    refused with 403, not hidden); job seekers are personal data and scoped to their home area."""
    cases = {
        "markets:home": Case("/markets/", scoped=("ProductListing", "JobSeeker")),
    }
    # consumption cases
    cases |= consumption_cases(w)
    # labour cases
    cases.update(labour_cases(w))
    # recommend cases
    cases.update(recommend_cases(w))
    return cases


def labour_cases(w) -> dict[str, Case]:
    """劳务协作 (duikou.markets.labour_testing.matrix_world): postings in 苏州 and 无锡 are read by everyone and changed
    only by their own area (so every 信阳 role is refused a change, in and out of scope, with 403); job seekers, their
    placements and follow-ups are scoped to the seeker's home (延安's answer 404); a seeker from another area appears
    in a match list only masked, and no answer ever holds an ID number."""
    A = scoping.Action
    base, api = "/markets/labour", "/api/markets/labour"
    p_in, p_out = w["inside_posting"].pk, w["outside_posting"].pk
    s_in, s_out = w["inside_seeker"].pk, w["outside_seeker"].pk
    pl_in, pl_out = w["inside_placement"].pk, w["outside_placement"].pk
    f_in, f_out = w["inside_followup"].pk, w["outside_followup"].pk
    mine, theirs = "信阳侧可见苏州岗位", "无锡矩阵岗位"
    person, stranger = "信阳侧求职者", "延安侧求职者"
    ids = [markets_testing.labour_id(901, "411526"), markets_testing.labour_id(902, "610602")]
    posting = {
        "employer": "矩阵接口单位",
        "title": "矩阵接口岗位",
        "region": "320505",
        "occupation": "manufacturing",
        "skills": ["electrician"],
        "wage_min": 4000,
        "wage_max": 5000,
        "headcount": 2,
        "valid_until": "2099-12-31",
    }
    seeker = {
        "name": "矩阵接口求职者",
        "home": "411526",
        "id_number": markets_testing.labour_id(950, "411526"),
        "expected_wage": 5000,
    }
    place = {"posting_id": p_in, "start_date": "2025-05-01", "wage": 5000}
    return {
        "markets:labour_postings": Case(f"{base}/postings/", present=[mine, theirs], scoped=("JobPosting",)),
        "markets:labour_posting_create": Case(
            f"{base}/postings/new/", action=A.CHANGE, present=["用工单位"], scoped=("may:change",)
        ),
        "markets:labour_posting_export": Case(
            f"{base}/postings/export.xlsx", present=[mine, theirs], scoped=("JobPosting",)
        ),
        "markets:labour_posting_template": Case(
            f"{base}/postings/template.xlsx",
            action=A.CHANGE,
            present=["用工单位", "320500 苏州市"],
            scoped=("may:change",),
        ),
        "markets:labour_posting_import": Case(
            f"{base}/postings/import/", action=A.CHANGE, present=["导入用工岗位"], scoped=("may:change",)
        ),
        "markets:labour_posting_detail": Case(
            f"{base}/postings/{p_in}/",
            f"{base}/postings/{p_out}/",
            out_status=200,
            present=[mine, person],
            absent=[stranger, *ids],
            scoped=("JobPosting", "JobSeeker"),
        ),
        "markets:labour_posting_edit": Case(
            f"{base}/postings/{p_in}/edit/",
            f"{base}/postings/{p_out}/edit/",
            action=SUPERVISOR,
            out_status=403,
            scoped=("JobPosting",),
        ),
        "markets:labour_posting_close": Case(
            f"{base}/postings/{p_in}/close/",
            f"{base}/postings/{p_out}/close/",
            method="post",
            action=SUPERVISOR,
            out_status=403,
            scoped=("JobPosting",),
        ),
        "markets:labour_seekers": Case(
            f"{base}/seekers/", present=[person], absent=[stranger, *ids], scoped=("JobSeeker",)
        ),
        "markets:labour_seeker_create": Case(
            f"{base}/seekers/new/", action=A.CHANGE, present=["身份证号"], scoped=("may:change",)
        ),
        "markets:labour_seeker_export": Case(
            f"{base}/seekers/export.xlsx", present=[person], absent=[stranger, *ids], scoped=("JobSeeker",)
        ),
        "markets:labour_seeker_template": Case(
            f"{base}/seekers/template.xlsx",
            action=A.CHANGE,
            present=["411526 潢川县"],
            absent=["610602"],
            scoped=("may:change",),
        ),
        "markets:labour_seeker_import": Case(
            f"{base}/seekers/import/", action=A.CHANGE, present=["导入求职者"], scoped=("may:change",)
        ),
        "markets:labour_seeker_detail": Case(
            f"{base}/seekers/{s_in}/",
            f"{base}/seekers/{s_out}/",
            present=[person, mine],
            absent=[*ids],
            scoped=("JobSeeker", "JobPosting"),
        ),
        "markets:labour_seeker_edit": Case(
            f"{base}/seekers/{s_in}/edit/",
            f"{base}/seekers/{s_out}/edit/",
            action=A.CHANGE,
            present=[person],
            absent=[*ids],
            scoped=("JobSeeker",),
        ),
        "markets:labour_placement_create": Case(
            f"{base}/place/{s_in}/{p_in}/",
            f"{base}/place/{s_out}/{p_in}/",
            action=A.CHANGE,
            present=[person, mine],
            scoped=("JobSeeker", "JobPosting"),
        ),
        "markets:labour_placements": Case(
            f"{base}/placements/", present=[mine], absent=[theirs], scoped=("Placement",)
        ),
        "markets:labour_placement_detail": Case(
            f"{base}/placements/{pl_in}/",
            f"{base}/placements/{pl_out}/",
            present=["信阳侧已安置", mine],
            absent=[*ids],
            scoped=("Placement", "FollowUp"),
        ),
        "markets:labour_followups": Case(f"{base}/followups/", present=[mine], absent=[theirs], scoped=("FollowUp",)),
        "markets:labour_followup_record": Case(
            f"{base}/followups/{f_in}/",
            f"{base}/followups/{f_out}/",
            action=A.CHANGE,
            present=[mine],
            scoped=("FollowUp",),
        ),
        "markets:labour_plan": Case(
            f"{base}/plan/?k=5&go=1", present=[person], absent=[stranger], scoped=("JobSeeker", "JobPosting")
        ),
        "api:list_labour_postings": Case(f"{api}/postings", api=True, present=[mine, theirs], scoped=("JobPosting",)),
        "api:get_labour_posting": Case(
            f"{api}/postings/{p_in}",
            f"{api}/postings/{p_out}",
            api=True,
            out_status=200,
            present=[mine],
            scoped=("JobPosting",),
        ),
        "api:create_labour_posting": Case(
            f"{api}/postings",
            api=True,
            method="post_json",
            data=posting,
            action=SUPERVISOR,
            scoped=("may:change",),
        ),
        "api:update_labour_posting": Case(
            f"{api}/postings/{p_in}",
            f"{api}/postings/{p_out}",
            api=True,
            method="put",
            data=posting | {"version": 1},
            action=SUPERVISOR,
            out_status=403,
            scoped=("JobPosting",),
        ),
        "api:close_labour_posting": Case(
            f"{api}/postings/{p_in}/close",
            f"{api}/postings/{p_out}/close",
            api=True,
            method="post_json",
            data={"version": 1},
            action=SUPERVISOR,
            out_status=403,
            scoped=("JobPosting",),
        ),
        "api:labour_posting_matches": Case(
            f"{api}/postings/{p_in}/matches",
            f"{api}/postings/{p_out}/matches",
            api=True,
            out_status=200,
            present=[person],
            absent=[stranger, *ids],
            scoped=("JobPosting", "JobSeeker"),
        ),
        "api:list_labour_seekers": Case(
            f"{api}/seekers", api=True, present=[person], absent=[stranger, *ids], scoped=("JobSeeker",)
        ),
        # an ID number is searched in the body (POST), never in the URL; 延安's seeker is not found from 信阳
        "api:search_labour_seekers": Case(
            f"{api}/seekers/search",
            api=True,
            method="post_json",
            data={"id_number": ids[0]},
            present=[person],
            absent=[*ids],
            scoped=("JobSeeker",),
        ),
        "api:get_labour_seeker": Case(
            f"{api}/seekers/{s_in}",
            f"{api}/seekers/{s_out}",
            api=True,
            present=[person],
            absent=[*ids],
            scoped=("JobSeeker",),
        ),
        "api:create_labour_seeker": Case(
            f"{api}/seekers",
            api=True,
            method="post_json",
            data=seeker,
            action=A.CHANGE,
            ok=201,
            scoped=("may:change",),
        ),
        "api:update_labour_seeker": Case(
            f"{api}/seekers/{s_in}",
            f"{api}/seekers/{s_out}",
            api=True,
            method="put",
            data={"name": person, "expected_wage": 5000, "skills": ["electrician"], "version": 1},
            action=A.CHANGE,
            present=[person],
            scoped=("JobSeeker",),
        ),
        "api:labour_seeker_matches": Case(
            f"{api}/seekers/{s_in}/matches",
            f"{api}/seekers/{s_out}/matches",
            api=True,
            present=[mine],
            scoped=("JobSeeker", "JobPosting"),
        ),
        "api:labour_plan": Case(
            f"{api}/plan?k=5", api=True, present=[person], absent=[stranger], scoped=("JobSeeker", "JobPosting")
        ),
        "api:list_labour_placements": Case(
            f"{api}/placements", api=True, present=[mine], absent=[theirs], scoped=("Placement",)
        ),
        "api:get_labour_placement": Case(
            f"{api}/placements/{pl_in}",
            f"{api}/placements/{pl_out}",
            api=True,
            present=[mine],
            scoped=("Placement",),
        ),
        "api:list_labour_placement_followups": Case(
            f"{api}/placements/{pl_in}/followups",
            f"{api}/placements/{pl_out}/followups",
            api=True,
            present=[f'"placement_id": {pl_in}, '],
            scoped=("Placement", "FollowUp"),
        ),
        "api:list_labour_followups_due": Case(
            f"{api}/followups",
            api=True,
            present=[f'"placement_id": {pl_in}, '],
            absent=[f'"placement_id": {pl_out}, '],
            scoped=("FollowUp",),
        ),
        "api:record_labour_followup": Case(
            f"{api}/followups/{f_in}",
            f"{api}/followups/{f_out}",
            api=True,
            method="put",
            data={"version": 1, "still_employed": True, "wage": 5600},
            action=A.CHANGE,
            present=["5600"],
            scoped=("FollowUp",),
        ),
        "api:create_labour_placement": Case(
            f"{api}/placements",
            f"{api}/placements",
            api=True,
            method="post_json",
            data=place | {"seeker_id": w["inside_waiting_seeker"].pk},
            data_out=place | {"seeker_id": s_out},
            action=A.CHANGE,
            ok=201,
            scoped=("JobSeeker", "JobPosting"),
        ),
    }


def recommend_cases(w) -> dict[str, Case]:
    """Pairing recommendation: data sources and profiles are read by everyone with an organisation and imported by the
    nation only; ties are read by everyone and entered by either side; a pairing's review is scoped by the pairing."""
    A = scoping.Action
    base, api = "/markets/recommend", "/api/markets/pairing-review"
    example = "城市三次产业结构与优势产业（示例）"
    rank_scope = ("CityProfile", "EconomicTie")
    tie = {"old_region": "411500", "partner_region": "320500", "kind": "trade", "strength": 2}
    tie["description"] = "矩阵联系"
    return {
        "markets:recommend_sources": Case(f"{base}/sources/", present=[example], scoped=("DataSource",)),
        "markets:recommend_import": Case(f"{base}/sources/import/", action=SUPERVISOR, scoped=("may:change",)),
        "markets:recommend_profiles": Case(
            f"{base}/profiles/?q=信阳", present=["411500 信阳市", example], scoped=("CityProfile",)
        ),
        "markets:recommend_ties": Case(
            f"{base}/ties/", present=["信阳侧经济联系", "延安侧经济联系"], scoped=("EconomicTie",)
        ),
        "markets:recommend_tie_create": Case(
            f"{base}/ties/new/", method="post", action=A.CHANGE, data=tie, ok=302, scoped=("may:change", "EconomicTie")
        ),
        "markets:recommend_rank": Case(
            f"{base}/rank/?region=411500", present=["苏州市", "产业结构互补"], scoped=rank_scope
        ),
        "markets:recommend_rank_export": Case(
            f"{base}/rank/export.xlsx?county=411526", present=["产业结构互补", "潢川县"], scoped=rank_scope
        ),
        "markets:recommend_review": Case(
            f"{base}/review/{w['inside'].pk}/",
            f"{base}/review/{w['outside'].pk}/",
            present=["现结对城市苏州市"],
            scoped=("Pairing", *rank_scope),
        ),
        "markets:recommend_assign": Case(
            f"{base}/assign/?regions=411500&regions=610600&cap=1", present=["总得分", "延安市"], scoped=rank_scope
        ),
        "api:recommend_sources": Case(f"{api}/sources", api=True, present=[example], scoped=("DataSource",)),
        "api:recommend_profiles": Case(f"{api}/profiles?q=信阳", api=True, present=["411500"], scoped=("CityProfile",)),
        "api:recommend_ties": Case(
            f"{api}/ties", api=True, present=["信阳侧经济联系", "延安侧经济联系"], scoped=("EconomicTie",)
        ),
        "api:recommend_add_tie": Case(
            f"{api}/ties",
            api=True,
            method="post_json",
            action=A.CHANGE,
            data=tie,
            ok=201,
            scoped=("may:change", "EconomicTie"),
        ),
        "api:recommend_ranking": Case(f"{api}/ranking/411500", api=True, present=["320500"], scoped=rank_scope),
        "api:recommend_review": Case(
            f"{api}/review/{w['inside'].pk}",
            f"{api}/review/{w['outside'].pk}",
            api=True,
            present=["partner_rank"],
            scoped=("Pairing", *rank_scope),
        ),
        "api:recommend_assignment": Case(
            f"{api}/assignment",
            api=True,
            method="post_json",
            data={"regions": ["411500", "610600"], "cap": 1},
            present=["total"],
            scoped=rank_scope,
        ),
    }


def consumption_cases(w) -> dict[str, Case]:
    """产销对接 (duikou.markets.consumption_testing.matrix_world): listings and demands are read by all, changed by
    their own side (so the 延安 one answers 403 to a 信阳 change); agreements and deliveries are seen by their
    parties only (404 for the others)."""
    A = scoping.Action
    li, lo = w["inside_listing"].pk, w["outside_listing"].pk
    di, do = w["inside_demand"].pk, w["outside_demand"].pk
    ai, ao = w["inside_agreement"].pk, w["outside_agreement"].pk
    p = "/markets/produce"
    both = ["信阳侧产品", "延安侧产品"]
    listing = {
        "supplier": "接口合作社",
        "name": "接口新建产品",
        "category": "tea",
        "origin": "411502",
        "volume_tonnes": "3",
        "season_start": 3,
        "season_end": 5,
        "price_yuan_kg": "300",
    }
    demand = {
        "buyer": "接口采购单位",
        "buyer_kind": "canteen",
        "region": "320508",
        "category": "tea",
        "volume_tonnes": "2",
        "period_start": "2025-03-01",
        "period_end": "2025-05-31",
    }
    agreement = {
        "listing_id": li,
        "demand_id": di,
        "volume_tonnes": "0.01",
        "price_yuan_kg": "6",
        "signed_on": "2025-03-02",
    }
    delivery = {"date": "2025-03-20", "volume_tonnes": "0.01", "amount_wan": "0.01"}
    refused = 403
    return {
        "markets:produce_listings": Case(f"{p}/listings/", present=both, scoped=("ProductListing",)),
        "markets:produce_listing_export": Case(f"{p}/listings/export.xlsx", present=both, scoped=("ProductListing",)),
        "markets:produce_listing_template": Case(
            f"{p}/listings/template.xlsx", action=A.CHANGE, present=["产地县区代码"], scoped=("may:change", "Pairing")
        ),
        "markets:produce_listing_import": Case(f"{p}/listings/import/", action=A.CHANGE, scoped=("may:change",)),
        "markets:produce_listing_create": Case(f"{p}/listings/new/", action=A.CHANGE, scoped=("may:change",)),
        "markets:produce_listing_detail": Case(
            f"{p}/listings/{li}/", f"{p}/listings/999999/", present=["信阳侧产品"], scoped=("ProductListing", "Demand")
        ),
        "markets:produce_listing_edit": Case(
            f"{p}/listings/{li}/edit/",
            f"{p}/listings/{lo}/edit/",
            action=A.CHANGE,
            present=["信阳侧产品"],
            out_status=refused,
            scoped=("ProductListing",),
        ),
        "markets:produce_listing_close": Case(
            f"{p}/listings/{w['inside_spare_listing'].pk}/close/",
            f"{p}/listings/{lo}/close/",
            method="post",
            action=A.CHANGE,
            ok=302,
            out_status=refused,
            scoped=("ProductListing",),
        ),
        "markets:produce_demands": Case(
            f"{p}/demands/", present=["信阳侧采购单位", "延安侧采购单位"], scoped=("Demand",)
        ),
        "markets:produce_demand_export": Case(
            f"{p}/demands/export.xlsx", present=["信阳侧采购单位", "延安侧采购单位"], scoped=("Demand",)
        ),
        "markets:produce_demand_template": Case(
            f"{p}/demands/template.xlsx", action=A.CHANGE, present=["所在县区代码"], scoped=("may:change", "Pairing")
        ),
        "markets:produce_demand_import": Case(f"{p}/demands/import/", action=A.CHANGE, scoped=("may:change",)),
        "markets:produce_demand_create": Case(f"{p}/demands/new/", action=A.CHANGE, scoped=("may:change",)),
        "markets:produce_demand_detail": Case(
            f"{p}/demands/{di}/",
            f"{p}/demands/999999/",
            present=["信阳侧采购单位"],
            scoped=("Demand", "ProductListing"),
        ),
        "markets:produce_demand_edit": Case(
            f"{p}/demands/{di}/edit/",
            f"{p}/demands/{do}/edit/",
            action=A.CHANGE,
            present=["信阳侧采购单位"],
            out_status=refused,
            scoped=("Demand",),
        ),
        "markets:produce_demand_close": Case(
            f"{p}/demands/{w['inside_spare_demand'].pk}/close/",
            f"{p}/demands/{do}/close/",
            method="post",
            action=A.CHANGE,
            ok=302,
            out_status=refused,
            scoped=("Demand",),
        ),
        "markets:produce_plan": Case(
            f"{p}/plan/?side=all&k=5",
            present=["信阳侧产品"],
            scoped=("ProductListing", "Demand"),
        ),
        "markets:produce_agreements": Case(
            f"{p}/agreements/", present=["信阳侧产品 →"], absent=["延安侧产品"], scoped=("Agreement",)
        ),
        "markets:produce_agreement_create": Case(
            f"{p}/agreements/new/?listing={li}&demand={di}",
            f"{p}/agreements/new/?listing={lo}&demand={do}",
            action=A.CHANGE,
            present=["信阳侧产品"],
            out_status=refused,
            scoped=("ProductListing", "Demand"),
        ),
        "markets:produce_agreement_detail": Case(
            f"{p}/agreements/{ai}/", f"{p}/agreements/{ao}/", present=["信阳侧产品"], scoped=("Agreement", "Delivery")
        ),
        "markets:produce_delivery_create": Case(
            f"{p}/agreements/{ai}/deliveries/",
            f"{p}/agreements/{ao}/deliveries/",
            method="post",
            action=A.CHANGE,
            ok=302,
            data=delivery,
            scoped=("Agreement",),
        ),
        "api:produce_listings": Case(
            "/api/markets/produce/listings", api=True, present=both, scoped=("ProductListing",)
        ),
        "api:produce_create_listing": Case(
            "/api/markets/produce/listings",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data=listing,
            scoped=("may:change",),
        ),
        "api:produce_listing_recommendations": Case(
            f"/api/markets/produce/listings/{li}/recommendations",
            "/api/markets/produce/listings/999999/recommendations",
            api=True,
            present=[f'"demand_id": {di}'],
            scoped=("ProductListing", "Demand"),
        ),
        "api:produce_demands": Case(
            "/api/markets/produce/demands", api=True, present=["信阳侧采购单位"], scoped=("Demand",)
        ),
        "api:produce_create_demand": Case(
            "/api/markets/produce/demands",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=422,  # 苏州 is not an area the 信阳 users answer for
            data=demand,
            scoped=("may:change",),
        ),
        "api:produce_demand_recommendations": Case(
            f"/api/markets/produce/demands/{di}/recommendations",
            "/api/markets/produce/demands/999999/recommendations",
            api=True,
            present=[f'"listing_id": {li}'],
            scoped=("Demand", "ProductListing"),
        ),
        "api:produce_agreements": Case(
            "/api/markets/produce/agreements",
            api=True,
            present=[f'"id": {ai}'],
            absent=[f'"id": {ao},'],
            scoped=("Agreement",),
        ),
        "api:produce_sign_agreement": Case(
            "/api/markets/produce/agreements",
            "/api/markets/produce/agreements",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data=agreement,
            data_out=agreement | {"listing_id": lo, "demand_id": do},
            out_status=refused,
            scoped=("ProductListing", "Demand"),
        ),
        "api:produce_deliveries": Case(
            f"/api/markets/produce/agreements/{ai}/deliveries",
            f"/api/markets/produce/agreements/{ao}/deliveries",
            api=True,
            present=['"amount_wan": "0.60"'],
            scoped=("Agreement", "Delivery"),
        ),
        "api:produce_record_delivery": Case(
            f"/api/markets/produce/agreements/{ai}/deliveries",
            f"/api/markets/produce/agreements/{ao}/deliveries",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data=delivery,
            scoped=("Agreement",),
        ),
    }


# Routes for the supervising level only (a province or the national overseer): every 信阳 city role is refused.
SUPERVISOR = "supervisor"


def supervision_cases(w) -> dict[str, Case]:
    """Commendations and rectification notices (duikou.evaluation.testing.supervision_matrix_world): the 2023
    national run is published, so its commendation list is read by all; the notices to 信阳 are in scope, the
    one to 延安 is not; issuing, generating and the national desk belong to the supervising level."""
    A = scoping.Action
    run = w["supervision_run"]
    n_in, n_api, n_out = w["inside_notice"], w["inside_api_notice"], w["outside_notice"]
    inside, outside = w["inside"], w["outside"]
    issue_body = {"run_id": run.pk, "finding": "越权下发", "measures_required": "x", "deadline": "2099-01-01"}
    return {
        "evaluation:notices": Case(
            "/evaluation/notices/",
            present=[n_in.number, "信阳侧整改问题"],
            absent=["延安侧整改问题"],
            scoped=("Notice",),
        ),
        "evaluation:notice_export": Case(
            "/evaluation/notices/export.xlsx",
            present=[n_in.number, "信阳侧整改问题"],
            absent=["延安侧整改问题"],
            scoped=("Notice",),
        ),
        "evaluation:national_desk": Case("/evaluation/notices/national/", action=SUPERVISOR, scoped=("may:view",)),
        "evaluation:notice_issue": Case(
            f"/evaluation/notices/new/?run={run.pk}&pairing={inside.pk}",
            f"/evaluation/notices/new/?run={run.pk}&pairing={outside.pk}",
            action=SUPERVISOR,
            scoped=("Run", "Pairing"),
        ),
        "evaluation:notice_detail": Case(
            f"/evaluation/notices/{n_in.pk}/",
            f"/evaluation/notices/{n_out.pk}/",
            present=["信阳侧整改问题"],
            scoped=("Notice",),
        ),
        "evaluation:notice_step": Case(
            f"/evaluation/notices/{n_in.pk}/step/receive/",
            f"/evaluation/notices/{n_out.pk}/step/receive/",
            method="post",
            action=A.CHANGE,
            data={"version": "NOTICE_VERSION"},
            ok=302,
            scoped=("Notice",),
        ),
        "evaluation:notice_docx": Case(
            f"/evaluation/notices/{n_in.pk}/notice.docx",
            f"/evaluation/notices/{n_out.pk}/notice.docx",
            present=["信阳侧整改问题"],
            scoped=("Notice",),
        ),
        "evaluation:commendations": Case(
            f"/evaluation/commendations/{run.pk}/",
            present=["信阳市—苏州市", n_in.number],
            absent=["延安侧整改问题"],
            scoped=("Run", "Commendation", "Notice"),
        ),
        "evaluation:commendation_generate": Case(
            f"/evaluation/commendations/{run.pk}/generate/",
            method="post",
            action=SUPERVISOR,
            ok=302,
            scoped=("Run",),
        ),
        "evaluation:commendation_docx": Case(
            f"/evaluation/commendations/{run.pk}/commendations.docx",
            present=["信阳市"],
            scoped=("Run", "Commendation"),
        ),
        "api:list_commendations": Case(
            f"/api/supervision/runs/{run.pk}/commendations",
            api=True,
            present=["信阳市—苏州市"],
            scoped=("Run", "Commendation"),
        ),
        "api:generate_commendations": Case(
            f"/api/supervision/runs/{run.pk}/commendations",
            api=True,
            method="post_json",
            action=SUPERVISOR,
            scoped=("Run",),
        ),
        "api:list_notices": Case(
            "/api/supervision/notices",
            api=True,
            present=["信阳侧整改问题"],
            absent=["延安侧整改问题"],
            scoped=("Notice",),
        ),
        "api:national_desk_notices": Case(
            "/api/supervision/notices/national-desk", api=True, action=SUPERVISOR, scoped=("may:view",)
        ),
        "api:get_notice": Case(
            f"/api/supervision/notices/{n_in.pk}",
            f"/api/supervision/notices/{n_out.pk}",
            api=True,
            present=["信阳侧整改问题"],
            scoped=("Notice",),
        ),
        "api:issue_notice": Case(
            "/api/supervision/notices",
            "/api/supervision/notices",
            api=True,
            method="post_json",
            action=SUPERVISOR,
            data={**issue_body, "pairing_id": inside.pk},
            data_out={**issue_body, "pairing_id": outside.pk},
            scoped=("Run", "Pairing"),
        ),
        "api:take_notice_step": Case(
            f"/api/supervision/notices/{n_api.pk}/steps/receive",
            f"/api/supervision/notices/{n_out.pk}/steps/receive",
            api=True,
            method="post_json",
            action=A.CHANGE,
            data={"version": "API_NOTICE_VERSION"},
            data_out={"version": "NOTICE_VERSION"},
            present=["信阳侧接口整改问题", '"status": "received"'],
            scoped=("Notice",),
        ),
    }


def monitoring_cases(w) -> dict[str, Case]:
    """Household monitoring: the 信阳侧 household (a 潢川县 village) is in scope, the 延安侧 one is not; ID and phone
    numbers appear only masked, except in the approvers' audited export."""
    A = scoping.Action
    h_in, h_out = w["inside_household"].pk, w["outside_household"].pk
    plain = monitoring_testing.id_number(1, area="411526")
    masked = f"4115**********{plain[-4:]}"
    households = {"present": ["信阳侧户主"], "absent": ["延安侧户主"]}
    return {
        "monitoring:alerts": Case("/monitoring/", **households, scoped=("Alert",)),
        "monitoring:household": Case(
            f"/monitoring/households/{h_in}/",
            f"/monitoring/households/{h_out}/",
            present=["信阳侧成员", masked, "138****0001"],
            absent=[plain, "13800000001"],
            scoped=("Household", "Member"),
        ),
        "monitoring:member_export": Case(
            f"/monitoring/households/{h_in}/members.csv",
            f"/monitoring/households/{h_out}/members.csv",
            action=A.APPROVE,
            present=[plain],
            scoped=("Household",),
        ),
        # 信阳市 sees its counties (潢川县), never 延安's 宝塔区
        "monitoring:dashboard": Case(
            "/monitoring/dashboard/", present=["潢川县"], absent=["宝塔区"], scoped=("Alert",)
        ),
        # 潢川县 is not a 专栏1 county: sent back to the dashboard with a message; 宝塔区 is out of scope
        "monitoring:county_report": Case(
            "/monitoring/dashboard/411526/report.xlsx",
            "/monitoring/dashboard/610602/report.xlsx",
            ok=302,
            scoped=("Region", "may:view"),
        ),
        "monitoring:screen": Case(
            "/monitoring/screen/",
            "/monitoring/screen/",
            method="post",
            action=A.CHANGE,
            data={"ruleset": w["inside_ruleset"].pk},
            data_out={"ruleset": w["outside_ruleset"].pk},
            ok=302,
            scoped=("RuleSet",),
        ),
        "api:list_alerts": Case("/api/monitoring/alerts", api=True, **households, scoped=("Alert",)),
        "api:get_household": Case(
            f"/api/monitoring/households/{h_in}",
            f"/api/monitoring/households/{h_out}",
            api=True,
            present=["信阳侧成员", masked],
            absent=[plain, "13800000001"],
            scoped=("Household", "Member"),
        ),
        **monitoring_case_cases(w, plain, masked),
    }


def monitoring_case_cases(w, plain: str, masked: str) -> dict[str, Case]:
    """Cases of alerts (workflow steps, assistance measures) and departmental imports: 信阳侧 in scope, 延安侧 not.
    A 信阳 city user is above the township level, so may take every step; the web step verifies the alert awaiting
    verification, the API one rechecks the monitored household (a step that keeps its status)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from duikou.monitoring import services as monitoring_services

    A = scoping.Action
    a_in, a_out = w["inside_alert"].pk, w["outside_alert"].pk
    m_in, m_out = w["inside_monitored_alert"], w["outside_monitored_alert"]
    i_in, i_out = w["inside_import"].pk, w["outside_import"].pk
    j_in, j_out = w["inside_import_api"].pk, w["outside_import_api"].pk
    h_in, h_out = w["inside_household"].pk, w["outside_household"].pk
    unit_in, unit_out = (monitoring_services.responsible_units(a.household).first().pk for a in (m_in, m_out))
    measure = {
        "version": "MONITORED_VERSION",
        "kind": "education",
        "description": "矩阵措施",
        "start_date": "2026-01-01",
    }
    upload = monitoring_testing.department_csv(
        [(plain, "2025-06-01", "", ""), ("410105198001011234", "2025-06-01", "", "")]
    )
    return {
        "monitoring:alert": Case(
            f"/monitoring/alerts/{m_in.pk}/",
            f"/monitoring/alerts/{m_out.pk}/",
            present=["信阳侧帮扶户", "信阳侧帮扶措施"],
            absent=["延安侧"],
            scoped=("Alert", "AlertStep", "AssistanceMeasure"),
        ),
        "monitoring:alert_step": Case(
            f"/monitoring/alerts/{a_in}/step/",
            f"/monitoring/alerts/{a_out}/step/",
            method="post",
            action=A.CHANGE,
            data={"step": "verify", "version": "ALERT_VERSION", "note": "矩阵核实"},
            ok=302,
            scoped=("Alert",),
        ),
        "monitoring:measure_add": Case(
            f"/monitoring/alerts/{m_in.pk}/measures/new/",
            f"/monitoring/alerts/{m_out.pk}/measures/new/",
            action=A.CHANGE,
            present=["信阳侧帮扶户", "信阳市人民政府"],
            absent=["延安侧"],
            scoped=("Alert",),
        ),
        "monitoring:income_add": Case(
            f"/monitoring/households/{h_in}/incomes/new/",
            f"/monitoring/households/{h_out}/incomes/new/",
            action=A.CHANGE,
            present=["信阳侧户主"],
            scoped=("Household",),
        ),
        "monitoring:imports": Case(
            "/monitoring/imports/",
            action=A.CHANGE,
            present=["信阳侧部门数据-import.csv"],
            absent=["延安侧部门数据"],
            scoped=("may:change", "DepartmentImport"),
        ),
        "monitoring:import_detail": Case(
            f"/monitoring/imports/{i_in}/",
            f"/monitoring/imports/{i_out}/",
            present=["信阳侧成员", masked],
            absent=[plain, "延安侧"],
            scoped=("DepartmentImport",),
        ),
        "monitoring:import_confirm": Case(
            f"/monitoring/imports/{i_in}/confirm/",
            f"/monitoring/imports/{i_out}/confirm/",
            method="post",
            action=A.CHANGE,
            ok=302,
            scoped=("DepartmentImport",),
        ),
        "api:get_alert": Case(
            f"/api/monitoring/alerts/{m_in.pk}",
            f"/api/monitoring/alerts/{m_out.pk}",
            api=True,
            present=["信阳侧帮扶户", "信阳侧帮扶措施"],
            absent=["延安侧"],
            scoped=("Alert", "AlertStep", "AssistanceMeasure"),
        ),
        "api:take_alert_step": Case(
            f"/api/monitoring/alerts/{m_in.pk}/steps/recheck",
            f"/api/monitoring/alerts/{m_out.pk}/steps/recheck",
            api=True,
            method="post_json",
            action=A.CHANGE,
            data={"version": "MONITORED_VERSION", "checks": {"water_ok": True}, "note": "矩阵复核"},
            present=["矩阵复核"],
            scoped=("Alert",),
        ),
        "api:add_alert_measure": Case(
            f"/api/monitoring/alerts/{m_in.pk}/measures",
            f"/api/monitoring/alerts/{m_out.pk}/measures",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data={**measure, "responsible_unit_id": unit_in},
            data_out={**measure, "responsible_unit_id": unit_out},
            scoped=("Alert",),
        ),
        "api:check_department_import": Case(
            "/api/monitoring/imports",
            api=True,
            method="post",
            action=A.CHANGE,
            ok=201,
            data={"kind": "disability", "file": SimpleUploadedFile("矩阵.csv", upload)},
            scoped=("may:change", "Member"),
        ),
        "api:get_department_import": Case(
            f"/api/monitoring/imports/{j_in}",
            f"/api/monitoring/imports/{j_out}",
            api=True,
            present=["信阳侧成员", masked],
            absent=[plain, "延安侧"],
            scoped=("DepartmentImport",),
        ),
        "api:confirm_department_import": Case(
            f"/api/monitoring/imports/{j_in}/confirm",
            f"/api/monitoring/imports/{j_out}/confirm",
            api=True,
            method="post",
            action=A.CHANGE,
            present=['"status": "loaded"'],
            scoped=("DepartmentImport",),
        ),
    }


def evaluation_cases(w) -> dict[str, Case]:
    """Evaluation schemes and runs: the 河南 scheme (信阳–苏州) is in scope, the 陕西 one (延安–无锡) is not. A city
    never keeps, runs or publishes a scheme, so those routes answer 403 to every 信阳 role (ok=403); the first run of
    each scheme is published, so the city sees its ranking and its own explanation (duikou.evaluation.testing)."""
    A = scoping.Action
    s_in, s_out = w["inside_scheme"].pk, w["outside_scheme"].pk
    r_in, r_out = w["inside_run"].pk, w["outside_run"].pk
    re_in, re_out = w["inside_rerun"].pk, w["outside_rerun"].pk
    i_in, i_out = w["inside_item"].pk, w["outside_item"].pk
    p_in, p_out = w["inside"].pk, w["outside"].pk
    mine, theirs = "信阳侧矩阵评估方案", "延安侧矩阵评估方案"
    ranking = {"present": ["信阳市—苏州市"], "absent": ["延安市—无锡市"]}
    new_scheme = {"year": 2026, "level": "province", "province": "410000", "name": "接口新建方案"}

    def keep(url_in, url_out=None, *, method="get", action=A.CHANGE, scoped=("Scheme",), **extra):
        return Case(url_in, url_out, method=method, action=action, ok=403, scoped=scoped, **extra)

    return {
        "evaluation:schemes": Case("/evaluation/", present=[mine], absent=[theirs], scoped=("Scheme",)),
        "evaluation:scheme_create": keep("/evaluation/schemes/new/", scoped=("may:change",)),
        "evaluation:scheme": Case(
            f"/evaluation/schemes/{s_in}/",
            f"/evaluation/schemes/{s_out}/",
            present=["信阳侧资金到位完成度"],
            scoped=("Scheme", "Item"),
        ),
        "evaluation:scheme_edit": keep(f"/evaluation/schemes/{s_in}/edit/", f"/evaluation/schemes/{s_out}/edit/"),
        "evaluation:scheme_copy": keep(
            f"/evaluation/schemes/{s_in}/copy/",
            f"/evaluation/schemes/{s_out}/copy/",
            method="post",
            data={"year": 2026},
        ),
        "evaluation:item_create": keep(
            f"/evaluation/schemes/{s_in}/items/new/", f"/evaluation/schemes/{s_out}/items/new/"
        ),
        "evaluation:item_edit": keep(
            f"/evaluation/schemes/{s_in}/items/{i_in}/", f"/evaluation/schemes/{s_out}/items/{i_out}/"
        ),
        "evaluation:reviews": keep(f"/evaluation/schemes/{s_in}/reviews/", f"/evaluation/schemes/{s_out}/reviews/"),
        "evaluation:runs": Case(
            f"/evaluation/schemes/{s_in}/runs/",
            f"/evaluation/schemes/{s_out}/runs/",
            present=[f"/evaluation/runs/{r_in}/"],
            scoped=("Scheme", "Run"),
        ),
        "evaluation:run_start": keep(
            f"/evaluation/schemes/{s_in}/runs/start/", f"/evaluation/schemes/{s_out}/runs/start/", method="post"
        ),
        "evaluation:run": Case(
            f"/evaluation/runs/{r_in}/", f"/evaluation/runs/{r_out}/", **ranking, scoped=("Run", "Result", "Score")
        ),
        "evaluation:run_export": Case(
            f"/evaluation/runs/{r_in}/ranking.xlsx",
            f"/evaluation/runs/{r_out}/ranking.xlsx",
            present=["信阳市"],
            absent=["延安市"],
            scoped=("Run", "Result"),
        ),
        "evaluation:run_report": Case(
            f"/evaluation/runs/{r_in}/report/docx/",
            f"/evaluation/runs/{r_out}/report/docx/",
            method="post",
            ok=302,
            scoped=("Run",),
        ),
        "evaluation:explanation": Case(
            f"/evaluation/runs/{r_in}/pairings/{p_in}/",
            f"/evaluation/runs/{r_out}/pairings/{p_out}/",
            present=["信阳侧资金到位完成度", "7,000 万元"],
            scoped=("Run", "Result", "Score"),
        ),
        "evaluation:run_compare": Case(
            f"/evaluation/runs/{re_in}/compare/?other={r_in}",
            f"/evaluation/runs/{re_out}/compare/?other={r_out}",
            **ranking,
            scoped=("Run", "Result", "Score"),
        ),
        "evaluation:run_publish": keep(
            f"/evaluation/runs/{re_in}/publish/",
            f"/evaluation/runs/{re_out}/publish/",
            method="post",
            action=A.APPROVE,
            scoped=("Run",),
        ),
        # API
        "api:evaluation_schemes": Case(
            "/api/evaluation/schemes", api=True, present=[mine], absent=[theirs], scoped=("Scheme",)
        ),
        "api:evaluation_scheme": Case(
            f"/api/evaluation/schemes/{s_in}",
            f"/api/evaluation/schemes/{s_out}",
            api=True,
            present=["信阳侧资金到位完成度"],
            scoped=("Scheme", "Item"),
        ),
        "api:create_evaluation_scheme": keep(
            "/api/evaluation/schemes", method="post_json", data=new_scheme, api=True, scoped=("may:change",)
        ),
        "api:copy_evaluation_scheme": keep(
            f"/api/evaluation/schemes/{s_in}/copy",
            f"/api/evaluation/schemes/{s_out}/copy",
            method="post_json",
            data={"year": 2026},
            api=True,
        ),
        "api:evaluation_runs": Case(
            f"/api/evaluation/schemes/{s_in}/runs",
            f"/api/evaluation/schemes/{s_out}/runs",
            api=True,
            present=[f'"scheme_id": {s_in}'],
            scoped=("Scheme", "Run"),
        ),
        "api:start_evaluation_run": keep(
            f"/api/evaluation/schemes/{s_in}/runs",
            f"/api/evaluation/schemes/{s_out}/runs",
            method="post_json",
            api=True,
        ),
        "api:evaluation_run": Case(
            f"/api/evaluation/runs/{r_in}",
            f"/api/evaluation/runs/{r_out}",
            api=True,
            present=['"status": "published"'],
            scoped=("Run",),
        ),
        "api:publish_evaluation_run": keep(
            f"/api/evaluation/runs/{re_in}/publish",
            f"/api/evaluation/runs/{re_out}/publish",
            method="post_json",
            action=A.APPROVE,
            api=True,
            scoped=("Run",),
        ),
        "api:compare_evaluation_runs": Case(
            f"/api/evaluation/runs/{re_in}/compare/{r_in}",
            f"/api/evaluation/runs/{re_out}/compare/{r_out}",
            api=True,
            **ranking,
            scoped=("Run", "Result", "Score"),
        ),
        "api:evaluation_results": Case(
            f"/api/evaluation/runs/{r_in}/results",
            f"/api/evaluation/runs/{r_out}/results",
            api=True,
            **ranking,
            scoped=("Run", "Result"),
        ),
        "api:evaluation_scores": Case(
            f"/api/evaluation/runs/{r_in}/pairings/{p_in}/scores",
            f"/api/evaluation/runs/{r_out}/pairings/{p_out}/scores",
            api=True,
            present=["7,000 万元"],
            scoped=("Run", "Result", "Score"),
        ),
    }


def project_cases(w) -> dict[str, Case]:
    """Projects and activities: 信阳侧 objects are in scope, 延安侧 ones are not (duikou.projects.testing)."""
    A = scoping.Action
    pr_in, pr_out = w["inside_project"], w["outside_project"]
    ms_in, ms_out = w["inside_open_milestone"], w["outside_open_milestone"]
    ac_in, ac_out = w["inside_activity"], w["outside_activity"]
    p_in, p_out = f"/projects/{pr_in.pk}/", f"/projects/{pr_out.pk}/"
    a_in, a_out = f"/activities/{ac_in.pk}/", f"/activities/{ac_out.pk}/"
    project_fields = {
        "name": "接口新建项目",
        "industry": "electronics",
        "key_task": "KT5",
        "location": "411526",
        "investment_planned": "100",
    }
    activity_fields = {
        "kind": "study_trip",
        "key_task": "KT1",
        "date": "2025-05-04",
        "title": "接口新建研学",
        "participants": 30,
    }
    mine, theirs = "<li>N09 信阳市—苏州市</li>", "延安市"
    return {
        "projects:list": Case("/projects/", present=["信阳侧项目"], absent=["延安侧项目"], scoped=("Project",)),
        "projects:export": Case(
            "/projects/export/", method="post", data={"format": "xlsx"}, ok=302, scoped=("Project",)
        ),
        "projects:project_template": Case(
            "/projects/template.xlsx",
            action=A.CHANGE,
            present=["411502 浉河区", "N09 信阳市—苏州市"],
            absent=[theirs],
            scoped=("may:change", "Pairing", "Task"),
        ),
        "projects:import": Case(
            "/projects/import/", action=A.CHANGE, present=[mine], absent=[theirs], scoped=("may:change", "Pairing")
        ),
        "projects:create": Case(
            "/projects/new/",
            action=A.CHANGE,
            present=["信阳市—苏州市</option>"],
            absent=[theirs],
            scoped=("Pairing", "Task"),
        ),
        "projects:overdue": Case(
            "/projects/overdue/", present=["信阳侧逾期节点"], absent=["延安侧逾期节点"], scoped=("Milestone",)
        ),
        "projects:detail": Case(
            p_in,
            p_out,
            present=["信阳侧项目", "信阳侧逾期节点", "信阳侧进展", "信阳侧.txt"],
            absent=["延安侧"],
            scoped=("Project", "Milestone", "ProgressUpdate", "Evidence"),
        ),
        "projects:edit": Case(
            f"{p_in}edit/", f"{p_out}edit/", action=A.CHANGE, present=["信阳侧项目"], scoped=("Project",)
        ),
        "projects:milestone_edit": Case(
            f"/projects/milestones/{ms_in.pk}/edit/",
            f"/projects/milestones/{ms_out.pk}/edit/",
            action=A.CHANGE,
            present=["信阳侧待完成节点"],
            scoped=("Milestone",),
        ),
        "projects:evidence": Case(
            f"/projects/evidence/{w['inside_evidence'].pk}/",
            f"/projects/evidence/{w['outside_evidence'].pk}/",
            present=["信阳侧佐证材料"],
            scoped=("Evidence",),
        ),
        "projects:milestone_create": Case(
            f"{p_in}milestones/",
            f"{p_out}milestones/",
            method="post",
            action=A.CHANGE,
            data={"name": "矩阵新节点", "due_date": "2027-01-31"},
            ok=302,
            scoped=("Project",),
        ),
        "projects:milestone_done": Case(
            f"/projects/milestones/{ms_in.pk}/done/",
            f"/projects/milestones/{ms_out.pk}/done/",
            method="post",
            action=A.CHANGE,
            ok=302,
            scoped=("Milestone",),
        ),
        "projects:progress_create": Case(
            f"{p_in}updates/",
            f"{p_out}updates/",
            method="post",
            action=A.CHANGE,
            data={"date": "2025-03-01", "text": "矩阵进展"},
            ok=302,
            scoped=("Project",),
        ),
        "projects:activity_list": Case(
            "/activities/", present=["信阳侧互访"], absent=["延安侧互访"], scoped=("Activity",)
        ),
        "projects:activity_export": Case(
            "/activities/export/", method="post", data={"format": "csv"}, ok=302, scoped=("Activity",)
        ),
        "projects:activity_template": Case(
            "/activities/template.xlsx",
            action=A.CHANGE,
            present=["N09 信阳市—苏州市"],
            absent=[theirs],
            scoped=("may:change", "Pairing", "Task"),
        ),
        "projects:activity_import": Case(
            "/activities/import/", action=A.CHANGE, present=[mine], absent=[theirs], scoped=("may:change", "Pairing")
        ),
        "projects:activity_create": Case(
            "/activities/new/",
            action=A.CHANGE,
            present=["信阳市—苏州市</option>"],
            absent=[theirs],
            scoped=("Pairing", "Task"),
        ),
        "projects:activity_detail": Case(a_in, a_out, present=["信阳侧互访"], scoped=("Activity",)),
        "projects:activity_edit": Case(
            f"{a_in}edit/", f"{a_out}edit/", action=A.CHANGE, present=["信阳侧互访"], scoped=("Activity",)
        ),
        # API
        "api:list_projects": Case(
            "/api/projects", api=True, present=["信阳侧项目"], absent=["延安侧项目"], scoped=("Project",)
        ),
        "api:list_overdue_project_milestones": Case(
            "/api/projects/overdue-milestones",
            api=True,
            present=["信阳侧逾期节点"],
            absent=["延安侧逾期节点"],
            scoped=("Milestone",),
        ),
        "api:get_project": Case(
            f"/api/projects/{pr_in.pk}",
            f"/api/projects/{pr_out.pk}",
            api=True,
            present=["信阳侧项目"],
            scoped=("Project",),
        ),
        "api:create_project": Case(
            "/api/projects",
            "/api/projects",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data={"pairing_id": w["inside"].pk, **project_fields},
            data_out={"pairing_id": w["outside"].pk, **project_fields, "location": "610602"},
            scoped=("Pairing",),
        ),
        "api:update_project": Case(
            f"/api/projects/{pr_in.pk}",
            f"/api/projects/{pr_out.pk}",
            api=True,
            method="put",
            action=A.CHANGE,
            data={**project_fields, "name": "信阳侧项目", "park": "接口修改", "version": "PROJECT_VERSION"},
            present=["接口修改"],
            scoped=("Project",),
        ),
        "api:list_project_milestones": Case(
            f"/api/projects/{pr_in.pk}/milestones",
            f"/api/projects/{pr_out.pk}/milestones",
            api=True,
            present=["信阳侧逾期节点"],
            scoped=("Project", "Milestone"),
        ),
        "api:create_project_milestone": Case(
            f"/api/projects/{pr_in.pk}/milestones",
            f"/api/projects/{pr_out.pk}/milestones",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data={"name": "接口节点", "due_date": "2027-01-01"},
            scoped=("Project",),
        ),
        "api:update_project_milestone": Case(
            f"/api/projects/milestones/{ms_in.pk}",
            f"/api/projects/milestones/{ms_out.pk}",
            api=True,
            method="put",
            action=A.CHANGE,
            data={"name": "信阳侧待完成节点", "due_date": "2099-07-31"},
            present=["2099-07-31"],
            scoped=("Milestone",),
        ),
        "api:list_project_updates": Case(
            f"/api/projects/{pr_in.pk}/updates",
            f"/api/projects/{pr_out.pk}/updates",
            api=True,
            present=["信阳侧进展", "信阳侧.txt"],
            scoped=("Project", "ProgressUpdate", "Evidence"),
        ),
        "api:create_project_update": Case(
            f"/api/projects/{pr_in.pk}/updates",
            f"/api/projects/{pr_out.pk}/updates",
            api=True,
            method="post",
            action=A.CHANGE,
            ok=201,
            data={"date": "2025-03-02", "text": "接口进展"},
            scoped=("Project",),
        ),
        "api:list_activities": Case(
            "/api/activities", api=True, present=["信阳侧互访"], absent=["延安侧互访"], scoped=("Activity",)
        ),
        "api:get_activity": Case(
            f"/api/activities/{ac_in.pk}",
            f"/api/activities/{ac_out.pk}",
            api=True,
            present=["信阳侧互访"],
            scoped=("Activity",),
        ),
        "api:create_activity": Case(
            "/api/activities",
            "/api/activities",
            api=True,
            method="post_json",
            action=A.CHANGE,
            ok=201,
            data={"pairing_id": w["inside"].pk, **activity_fields},
            data_out={"pairing_id": w["outside"].pk, **activity_fields},
            scoped=("Pairing",),
        ),
        "api:update_activity": Case(
            f"/api/activities/{ac_in.pk}",
            f"/api/activities/{ac_out.pk}",
            api=True,
            method="put",
            action=A.CHANGE,
            data={
                "kind": "visit",
                "key_task": "KT5",
                "date": "2024-05-20",
                "title": "信阳侧互访",
                "delegation_size": 30,
                "delegation_level": "province",
                "version": "ACTIVITY_VERSION",
            },
            present=["信阳侧互访", "province"],
            scoped=("Activity",),
        ),
    }


def account_cases(inside, outside) -> dict[str, Case]:
    """The pages that administer one account: 404 outside the caller's area, 403 unless the table lets it act."""
    A = scoping.Action
    url_in, url_out = f"/accounts/users/{inside.pk}/", f"/accounts/users/{outside.pk}/"
    post = {"method": "post", "ok": 302, "scoped": ("User",)}
    return {
        "accounts:user_detail": Case(url_in, url_out, action="users", present=["xy_account"], scoped=("User",)),
        "accounts:user_deactivate": Case(
            f"{url_in}deactivate/", f"{url_out}deactivate/", action=A.MANAGE_USERS, **post
        ),
        "accounts:user_reactivate": Case(
            f"{url_in}reactivate/", f"{url_out}reactivate/", action=A.MANAGE_USERS, **post
        ),
        "accounts:user_role": Case(
            f"{url_in}role/", f"{url_out}role/", action=A.SECURITY, data={"role": "viewer"}, **post
        ),
        "accounts:user_password": Case(
            f"{url_in}password/", f"{url_out}password/", action=A.SECURITY, **{**post, "ok": 200}, present=["新密码"]
        ),
        "accounts:user_reset_lockout": Case(
            f"{url_in}reset-lockout/", f"{url_out}reset-lockout/", action=A.SECURITY, **post
        ),
        "accounts:user_reset_two_factor": Case(
            f"{url_in}reset-two-factor/", f"{url_out}reset-two-factor/", action=A.SECURITY, **post
        ),
    }


def allowed(role: str, action) -> bool:
    if action is None:
        return True
    if action == SUPERVISOR:
        return False
    if action == "users":
        return (
            scoping.Action.MANAGE_USERS in scoping.ROLE_ACTIONS[role]
            or scoping.Action.SECURITY in scoping.ROLE_ACTIONS[role]
        )
    return action in scoping.ROLE_ACTIONS[role]


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            " ".join(str(c) for c in row if c is not None) for s in book for row in s.iter_rows(values_only=True)
        )
    if "json" in kind:
        return json.dumps(response.json(), ensure_ascii=False)
    if "wordprocessingml" in kind:
        import docx

        return "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    return response.content.decode()


@pytest.fixture
def scope_calls(monkeypatch):
    calls = []
    original = scoping.scope

    def recording(user, queryset, action=scoping.Action.VIEW):
        model = queryset if isinstance(queryset, type) else queryset.model
        calls.append(model.__name__)
        return original(user, queryset, action)

    monkeypatch.setattr(scoping, "scope", recording)
    original_may = scoping.may

    def recording_may(user, action):
        calls.append(f"may:{action}")
        return original_may(user, action)

    monkeypatch.setattr(scoping, "may", recording_may)
    return calls


def test_every_route_is_in_the_matrix(world):
    covered = set(cases(world)) | set(PUBLIC) | set(OWN_ACCOUNT)
    missing = all_route_names() - covered
    assert not missing, f"routes missing from the permission matrix: {sorted(missing)}"
    stale = covered - all_route_names()
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


def call(client, case: Case, url: str, user, world, outside: bool = False):
    if url in ("OWN_JOB", "OWN_JOB_FILE"):
        job = make_job(user)
        url = f"/jobs/{job.pk}/" + ("download" if url == "OWN_JOB_FILE" else "")
    if url == "OWN_TOKEN":
        token, _key = issue_token(user=user, name="own")
        url = reverse("accounts:token_revoke", args=[token.pk])
    headers = {}
    if case.api:
        _token, key = issue_token(user=user, name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    else:
        client.force_login(user)
    data = dict(case.data_out if outside and case.data_out is not None else case.data)
    plan = world["outside_plan" if outside else "inside_plan"]
    plan.refresh_from_db()
    data = {k: (plan.version if v == "PLAN_VERSION" else v) for k, v in data.items()}
    url = url.replace("PLAN_VERSION", str(plan.version))
    for marker, key in (
        ("PROJECT_VERSION", "project"),
        ("ACTIVITY_VERSION", "activity"),
        ("NOTICE_VERSION", "notice"),
        ("API_NOTICE_VERSION", "api_notice"),
        ("ALERT_VERSION", "alert"),
        ("MONITORED_VERSION", "monitored_alert"),
    ):
        if data.get("version") == marker:
            target = world[f"{'outside' if outside else 'inside'}_{key}"]
            target.refresh_from_db()
            data["version"] = target.version
    if data.get("version") == "VERSION":
        target = world["inside"] if url.startswith(f"/api/pairings/{world['inside'].pk}") else world["outside"]
        target.refresh_from_db()
        data["version"] = target.version
    if case.method == "get":
        return client.get(url, **headers)
    if case.method == "put":
        return client.put(url, data=json.dumps(data), content_type="application/json", **headers)
    if case.method == "post_json":
        return client.post(url, data=json.dumps(data), content_type="application/json", **headers)
    if case.method == "delete":
        return client.delete(url, **headers)
    return client.post(url, data=data, **headers)


@pytest.mark.parametrize("role", ROLES)
def test_matrix(client, world, role, scope_calls):
    user = world["users"][role]
    failures = []
    for name, case in cases(world).items():
        scope_calls.clear()
        response = call(client, case, case.url_in, user, world)
        expected = case.ok if allowed(role, case.action) else case.denied
        if response.status_code != expected:
            failures.append(
                f"{name} in-scope as {role}: {response.status_code}, expected {expected}"
                f" ({response.content[:200].decode(errors='replace') if not response.streaming else ''})"
            )
            continue
        # an allowed call must read each of its objects through the layer; a refusal must come from it
        unscoped = [m for m in case.scoped if m not in scope_calls] if expected == case.ok else []
        if not case.scoped or unscoped or not scope_calls:
            failures.append(f"{name} as {role}: {unscoped or 'nothing'} not read through the scoping layer")
        if expected == case.ok and case.ok == 200:
            text = body_text(response)
            failures += [f"{name} as {role}: missing {p!r}" for p in case.present if p not in text]
            failures += [f"{name} as {role}: leaks {a!r}" for a in case.absent if a in text]
        if case.url_out:
            response = call(client, case, case.url_out, user, world, outside=True)
            if response.status_code != case.out_status:
                failures.append(f"{name} out-of-scope as {role}: {response.status_code}, expected {case.out_status}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login_or_refused(client, world):
    failures = []
    for name, case in cases(world).items():
        url = case.url_out if case.url_in.startswith("OWN_") else case.url_in
        response = getattr(client, {"post_json": "post"}.get(case.method, case.method))(url)
        expected = 401 if case.api else 302
        if response.status_code != expected or (not case.api and "/accounts/login/" not in response["Location"]):
            failures.append(f"{name}: anonymous got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_every_route_depends_on_the_scoping_layer(client, world, monkeypatch):
    """With a scoping layer that allows nothing, no route may still show its data.

    A view that loaded its object without the layer would still answer with the object's data here, so
    removing the scoping call from any one view makes this test fail.
    """
    monkeypatch.setattr(
        scoping,
        "scope",
        lambda user, queryset, action=scoping.Action.VIEW: (
            queryset._default_manager.none() if isinstance(queryset, type) else queryset.none()
        ),
    )
    monkeypatch.setattr(scoping, "may", lambda user, action: False)
    failures = []
    for name, case in cases(world).items():
        role = next((r for r in ROLES if allowed(r, case.action)), "approver")
        response = call(client, case, case.url_in, world["users"][role], world)
        if response.status_code in (403, 404):
            continue
        if response.status_code != case.ok:
            failures.append(f"{name}: answered {response.status_code} with the layer denying everything")
            continue
        if not case.present and case.ok == 200:
            failures.append(f"{name}: has no data marker to check (give the case a `present` marker)")
        text = body_text(response) if case.ok == 200 else ""
        failures += [f"{name}: shows {p!r} although the layer allows nothing" for p in case.present if p in text]
    assert not failures, "\n".join(failures)


def test_reads_answer_odd_query_values_without_a_server_error(client, world):
    """Bad input never crashes: every route of the matrix that reads, called on its in-scope object by a role
    allowed to, with every filter name set to each odd value, answers 2xx, 3xx or 4xx (the pages without a path
    argument are covered in test_bad_input)."""
    client.raise_request_exception = False
    failures = []
    for name, case in cases(world).items():
        if case.method != "get" or case.url_in.startswith("OWN_"):
            continue
        role = next((r for r in ROLES if allowed(r, case.action)), None)
        if role is None:
            continue
        for value in ("-1", "99999999999999999999", "abc", "x" * 5000):  # the kinds that reach a view's logic
            query = urlencode(dict.fromkeys(testing.FILTER_NAMES, value))
            url = f"{case.url_in}{'&' if '?' in case.url_in else '?'}{query}"
            status = testing.status_alone(call, client, case, url, world["users"][role], world)
            if status >= 500:
                failures.append(f"{name} as {role} with every filter {value[:20]!r}: {status}")
    assert not failures, "\n".join(failures)


def test_writes_answer_odd_values_without_a_server_error(client, world):
    """Bad input never crashes: every route of the matrix that writes, called on its in-scope object by a role
    allowed to, with one field of its data at a time set to an odd value (not a number, huge, very long, empty),
    answers with a refusal or a form error, never a server error."""
    client.raise_request_exception = False
    failures = []
    for name, case in cases(world).items():
        if case.method == "get" or case.url_in.startswith("OWN_") or not case.data:
            continue
        role = next((r for r in ROLES if allowed(r, case.action)), None)
        if role is None:
            continue
        for field_name in case.data:
            for value in ("abc", "99999999999999999999", "x" * 5000, ""):
                probe = replace(case, data={**case.data, field_name: value})
                status = testing.status_alone(call, client, probe, case.url_in, world["users"][role], world)
                if status >= 500:
                    failures.append(f"{name} as {role} with {field_name}={value[:20]!r}: {status}")
    assert not failures, "\n".join(failures)
