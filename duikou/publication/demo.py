"""The public site's demo: the demo plan of 信阳–苏州 taken through agreement, joint issuance and filing by demo
accounts (its document numbers say 演示), then published with the demo projects and the demo evaluation's reviewed
reports. Every publication is marked ``demo``, so every public page says 示例数据. Needs ``duikou demo`` (the
overseer's account), ``demo-plans``, ``demo-projects`` and ``demo-evaluation`` first; may be run again."""

import datetime

from django.db import transaction

from duikou.accounts.models import Organisation, User
from duikou.indicators.models import Report
from duikou.plans import services as plan_services
from duikou.plans.models import Plan
from duikou.projects.models import Project

from . import services
from .models import Publication

DEMO = "（演示数据）"
NOTE = "演示：示例数据，未经真实保密审查"


def _account(username: str, organisation: str, label: str) -> User:
    """An approver account that records a demo step; it cannot sign in."""
    org = Organisation.objects.get(name=organisation)
    user, created = User.objects.get_or_create(
        username=username, defaults={"organisation": org, "role": User.Role.APPROVER, "display_name": label}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _file_demo_plan(overseer: User) -> Plan | None:
    """The 信阳–苏州 demo plan, filed (agreed by both cities, issued by both provinces, filed by the overseer)."""
    plan = Plan.objects.filter(pairing__code="N09", title__endswith=DEMO, kind=Plan.Kind.FIVE_YEAR).first()
    if plan is None or plan.status == Plan.Status.FILED:
        return plan
    editor = User.objects.filter(username="xinyang_editor").first() or _account(
        "demo_xinyang_editor", "信阳市人民政府", "信阳市演示数据填报（不可登录）"
    )
    xinyang = _account("demo_xinyang_approver", "信阳市人民政府", "信阳市演示数据审批（不可登录）")
    suzhou = _account("demo_suzhou_approver", "苏州市人民政府", "苏州市演示数据审批（不可登录）")
    henan = User.objects.filter(username="henan_approver").first() or _account(
        "demo_henan_approver", "河南省人民政府", "河南省演示数据审批（不可登录）"
    )
    jiangsu = _account("demo_jiangsu_approver", "江苏省人民政府", "江苏省演示数据审批（不可登录）")
    with transaction.atomic():
        if plan.status == Plan.Status.DRAFT:
            plan = plan_services.submit_for_agreement(user=editor, plan=plan)
        for city in (xinyang, suzhou):
            if plan.status == Plan.Status.AGREEING:
                plan = plan_services.agree(user=city, plan=plan)
        day = datetime.date(2026, 3, 1)
        for province, number in ((henan, "演示〔2026〕1号"), (jiangsu, "演示〔2026〕2号")):
            done = plan.issuances.filter(province=province.organisation.region_id).exists()
            if plan.status == Plan.Status.AGREED and not done:
                plan = plan_services.issue(user=province, plan=plan, doc_number=number, date=day)
        if plan.status == Plan.Status.ISSUED:
            plan = plan_services.file_plan(user=overseer, plan=plan, receipt="演示备案〔2026〕1号")
    return plan


def load_demo_publications() -> dict[str, int]:
    """Publish what the demo has: returns how many items of each kind were published now."""
    overseer = User.objects.filter(username="ndrc_approver", is_active=True).first()
    if overseer is None:
        raise LookupError("ndrc_approver")
    counts = {"plan": 0, "project": 0, "report": 0}
    plan = _file_demo_plan(overseer)
    items = [("plan", plan)] if plan is not None and plan.status == Plan.Status.FILED else []
    items += [("project", p) for p in Project.objects.filter(name__endswith=DEMO).order_by("pk")]
    reviewed = Report.objects.filter(status__in=(Report.Status.APPROVED, Report.Status.ACCEPTED)).order_by("pk")
    items += [("report", r) for r in reviewed]
    for kind, item in items:
        if services.subject_of(item).publication is None:
            services.publish(user=overseer, item=item, secrecy_confirmed=True, secrecy_note=NOTE, demo=True)
            counts[kind] += 1
    counts["published"] = Publication.objects.filter(status=Publication.Status.PUBLISHED, demo=True).count()
    return counts
