"""Permission-matrix cases of plans: the 信阳侧 plan is in scope, the 延安侧 one is not."""

import datetime

from duikou.accounts import scoping
from duikou.accounts.models import Organisation
from duikou.permission_matrix import Case, api, api_write, by_pk, form_post, listing
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
    plan_api = by_pk("/api/plans/{}", pl_in, pl_out)
    goals_api, annual_api = (
        by_pk("/api/plans/{}/content/goals", pl_in, pl_out),
        by_pk("/api/plans/{}/steps/annual", pl_in, pl_out),
    )
    last_goal = (
        f"/plans/{pl_in.pk}/goals/{pl_in.goals.last().pk}/",
        f"/plans/{pl_out.pk}/goals/{pl_out.goals.last().pk}/",
    )
    first_goal = tuple(f"/api/plans/{p.pk}/content/goals/{p.goals.first().pk}" for p in (pl_in, pl_out))
    first_measure = tuple(
        f"/api/plans/{p.pk}/content/measures/{p.measures.first().pk}?plan_version=PLAN_VERSION" for p in (pl_in, pl_out)
    )
    new_goal = {"goals-text": "新目标", "goals-plan_version": "PLAN_VERSION"}
    renamed = {"version": "PLAN_VERSION", "title": "接口改名", "start_year": 2026, "end_year": 2030}
    annual = "2027年对口合作工作计划"

    def new_plan(pairing, title):
        return {"pairing_id": pairing.pk, "kind": "five_year", "title": title, "start_year": 2026, "end_year": 2030}

    def text(words):
        return {"text": words, "plan_version": "PLAN_VERSION"}

    plans_url = ("/api/plans", "/api/plans")
    created, trespass = new_plan(inside, "接口新建方案"), new_plan(outside, "越权")
    return {
        "plans:list": Case(
            "/plans/", present=[f"/plans/{pl_in.pk}/"], absent=[f"/plans/{pl_out.pk}/"], scoped=("Plan",)
        ),
        "plans:create": Case(
            "/plans/new/", action=A.CHANGE, present=["信阳市—苏州市"], absent=["延安市—无锡市"], scoped=("Pairing",)
        ),
        "plans:matrix": listing("/plans/matrix/", "信阳侧方案责任单位", "延安侧方案责任单位", ("PlanItem",)),
        "plans:items": listing("/plans/items/", "信阳侧方案的逾期事项", "延安侧方案的逾期事项", ("PlanItem",)),
        "plans:detail": Case(
            f"/plans/{pl_in.pk}/", f"/plans/{pl_out.pk}/", present=["信阳侧方案的目标"], scoped=("Plan",)
        ),
        "plans:docx": Case(
            *by_pk("/plans/{}/plan.docx", pl_in, pl_out), present=["信阳侧方案的目标"], scoped=("Plan",)
        ),
        "plans:compare": Case(
            f"/plans/{pl_in.pk}/compare/", f"/plans/{pl_out.pk}/compare/", present=["信阳侧方案"], scoped=("Plan",)
        ),
        "plans:content_add": form_post(*by_pk("/plans/{}/goals/", pl_in, pl_out), data=new_goal, scoped=("Plan",)),
        "plans:content_edit": form_post(
            *last_goal, data={"remove": "1", "plan_version": "PLAN_VERSION"}, scoped=("Plan",)
        ),
        "plans:item_done": form_post(
            *by_pk("/plans/items/{}/done/", pl_in.items.first(), pl_out.items.first()), scoped=("PlanItem",)
        ),
        "plans:step": form_post(*by_pk("/plans/{}/step/annual/", pl_in, pl_out), data={"year": 2026}, scoped=("Plan",)),
        "api:list_plans": listing("/api/plans", "信阳侧方案", "延安侧方案", ("Plan",), api=True),
        "api:get_plan": api(*plan_api, present=["信阳侧方案"], scoped=("Plan",)),
        "api:create_plan": api_write(
            *plans_url, "post_json", created, data_out=trespass, present=["接口新建方案"], scoped=("Pairing",)
        ),
        "api:update_plan": api_write(*plan_api, "put", renamed, present=["接口改名"], scoped=("Plan",)),
        "api:add_content": api_write(*goals_api, "post_json", text("接口目标"), present=["接口目标"], scoped=("Plan",)),
        "api:change_content": api_write(
            *first_goal, "put", text("接口改目标"), present=["接口改目标"], scoped=("Plan",)
        ),
        "api:remove_content": api_write(
            *first_measure, "delete", {}, present=["信阳侧方案的逾期事项"], scoped=("Plan",)
        ),
        "api:take_step": api_write(
            *annual_api, "post_json", {"year": 2027}, ok=200, present=[annual], scoped=("Plan",)
        ),
    }
