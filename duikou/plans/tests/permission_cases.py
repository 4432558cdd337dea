"""Permission-matrix cases of plans: the 信阳侧 plan is in scope, the 延安侧 one is not."""

import datetime

from duikou.accounts import scoping
from duikou.accounts.models import Organisation
from duikou.core.permission_matrix import Case
from duikou.plans import services as plan_services
from duikou.policy.models import Task


def world(w) -> dict:
    return {
        "inside_plan": make_plan(w["users"]["editor"], w["inside"], "信阳侧方案"),
        "outside_plan": make_plan(w["stranger"], w["outside"], "延安侧方案"),
    }


def make_plan(user, pairing, title):
    """A five-year plan with two goals, a measure and an overdue item with its own responsible unit."""
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


def cases(w) -> dict[str, Case]:
    inside, outside = w["inside"], w["outside"]
    pl_in, pl_out = w["inside_plan"], w["outside_plan"]
    A = scoping.Action
    return {
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
    }
