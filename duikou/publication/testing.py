"""Test helpers: a 信阳–苏州 pairing with a filed plan, a draft plan, projects, reports in every state, a published
evaluation, and personal data in every free-text field a page might be tempted to show — what the public must and
must not see."""

import datetime

from duikou.evaluation import testing as ev
from duikou.evaluation.models import Commendation
from duikou.indicators.models import Report
from duikou.pairings.models import Pairing
from duikou.plans import services as plan_services
from duikou.plans.tests.factories import filed_plan, people
from duikou.projects import testing as pt  # noqa: F401 (tests make projects with it)

# what never appears on the public site
PERSONAL = ["张联络", "13800000031", "李负责", "13900000032", "审核人王", "接收人赵", "xy_approver", "henan_approver"]
SECRET = ["草稿方案不得公开", "未公开的项目", "未公开报告的数值说明", "77777"]


def world() -> dict:
    """信阳–苏州: its filed plan (targets 签约项目数 10 in 2026), a draft plan, a project to publish and one not, a
    report 2026Q1 (4 projects, approved by 河南) to publish and 2026Q2 (77777, accepted) not; persons named in
    contacts, notes and on the users."""
    who = people()
    who["henan"].display_name = "审核人王"
    who["henan"].save()
    who["ndrc"].display_name = "接收人赵"
    who["ndrc"].save()
    plan = filed_plan(who)
    pairing = plan.pairing
    Pairing.objects.filter(pk=pairing.pk).update(contacts="张联络 13800000031", note="李负责 13900000032")
    draft = plan_services.create_plan(
        user=who["xy_editor"], pairing=pairing, kind="annual", title="草稿方案不得公开", start_year=2026, end_year=2026
    )
    project = pt.project(pairing, "苏信合作产业园一期", note="李负责 13900000032", park="豫东南高新区")
    hidden = pt.project(pairing, "未公开的项目")
    ev.values(pairing, {"signed_projects": {"2026Q1": "4"}}, status="approved")
    ev.values(pairing, {"signed_projects": {"2026Q2": "77777"}}, status="accepted")
    ev.values(pairing, {"signed_projects": {"2026Q3": "5"}}, status="draft")
    at = datetime.datetime(2026, 8, 1, 9, tzinfo=datetime.UTC)
    report = Report.objects.create(
        pairing=pairing,
        dataset_id="quarterly",
        period="2026Q1",
        status="approved",
        approved_by=who["henan"],
        approved_at=at,
        comment="审核人王 13800000031",
    )
    unpublished = Report.objects.create(
        pairing=pairing,
        dataset_id="quarterly",
        period="2026Q2",
        status="accepted",
        approved_by=who["henan"],
        approved_at=at,
        accepted_by=who["ndrc"],
        accepted_at=at,
        comment="未公开报告的数值说明",
    )
    open_report = Report.objects.create(pairing=pairing, dataset_id="quarterly", period="2026Q3", status="open")
    return {
        "who": who,
        "pairing": pairing,
        "plan": plan,
        "draft": draft,
        "project": project,
        "hidden_project": hidden,
        "report": report,
        "unpublished_report": unpublished,
        "open_report": open_report,
    }


def province_pairing(code: str) -> Pairing:
    """An active province-internal pairing 信阳–郑州 (``code`` its own), which only 河南's decision makes public."""
    return Pairing.objects.create(
        code=code,
        old_region_id="411500",
        partner_region_id="410100",
        level="province",
        start_year=2024,
        end_year=2030,
        valid_from="2024-01-01",
    )


def evaluation(w: dict) -> None:
    """A published national run with 信阳–苏州 ranked first and commended."""
    run = ev.published_run(w["who"]["ndrc"], [(w["pairing"], "91.5", "excellent")], year=2025)
    Commendation.objects.create(
        run=run, pairing=w["pairing"], reason="合作园区建设成效明显", created_by=w["who"]["ndrc"]
    )


def publish_all(w: dict) -> None:
    """信阳's approver publishes the filed plan, the first project and the 2026Q1 report."""
    from . import services

    for key in ("plan", "project", "report"):
        services.publish(
            user=w["who"]["xy_approver"], item=w[key], secrecy_confirmed=True, secrecy_note="保密审查说明内部"
        )
