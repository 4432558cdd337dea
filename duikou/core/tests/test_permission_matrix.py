"""The permission matrix: every URL pattern and API route, every role, an in-scope and an out-of-scope object.

Routes are enumerated from the URL resolver, so a new view or endpoint without an entry here fails
``test_every_route_is_in_the_matrix``. For each route the matrix checks the HTTP answer per role and that
the request went through the scoping layer; where the route shows scoped data it checks that the
in-scope object is there and the out-of-scope one is not (no IDOR, no leak through lists or exports).
"""

import io
import json
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from duikou.accounts import scoping
from duikou.accounts.services import issue_token
from duikou.core import testing
from duikou.core.jobs import run_job
from duikou.core.models import Job
from duikou.pairings import services as pairing_services

pytestmark = pytest.mark.django_db

ROLES = ["viewer", "editor", "approver", "org_admin", "system_admin", "security_admin", "audit_admin"]

# Routes anyone may open without the scoping layer, and why.
PUBLIC = {
    "login": "the sign-in page",
    "logout": "ends the caller's own session",
    "set_language": "sets the caller's own language cookie",
    "healthz": "liveness probe, no data",
    "api:api-root": "API index, no data",
    "api:openapi-json": "API description, no data",
    "api:openapi-view": "API documentation page, no data",
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
    inside_plan, outside_plan = (
        make_plan(users["editor"], inside, "信阳侧方案"),
        make_plan(stranger, outside, "延安侧方案"),
    )
    return {
        "inside_plan": inside_plan,
        "outside_plan": outside_plan,
        "inside": inside,
        "outside": outside,
        "users": users,
        "stranger": stranger,
        "stranger_token": stranger_token,
        "stranger_job": stranger_job,
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
    }


def allowed(role: str, action) -> bool:
    if action is None:
        return True
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
    covered = set(cases(world)) | set(PUBLIC)
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
        from duikou.plans.models import PlanGoal

        print("DEBUG", name, list(PlanGoal.objects.values_list("pk", "plan_id")))
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
        role = next(r for r in ROLES if allowed(r, case.action))
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
