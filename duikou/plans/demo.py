"""Demo plans (clearly marked as demo): 信阳–苏州 with 豫东南高新区 as the co-built platform, and 三明–上海 and
六安–上海 with tasks assigned to the responsible units that seed 003 names. Wording comes from the seeds; dates and
targets are illustrative and the titles say so."""

import datetime

from django.db import transaction

from duikou.accounts.models import Organisation
from duikou.geo.models import Region
from duikou.pairings.models import Pairing
from duikou.policy.models import Clause, DecomposedTask, Task

from .models import Plan, PlanGoal, PlanItem, PlanMeasure, PlanMilestone, PlanProject, PlanTarget

DEMO = "（演示数据）"


def _plan(pairing: Pairing, title: str, user) -> tuple[Plan, bool]:
    existing = Plan.objects.filter(pairing=pairing, title=title + DEMO).first()
    if existing:
        return existing, False
    return Plan.objects.create(
        pairing=pairing, kind=Plan.Kind.FIVE_YEAR, title=title + DEMO, start_year=2026, end_year=2030, created_by=user
    ), True


def load_demo_plans(user) -> int:
    created = 0
    tasks = {t.code: t for t in Task.objects.filter(kind="key_task")}
    with transaction.atomic():
        xinyang = Pairing.objects.get(code="N09")
        plan, new = _plan(xinyang, "信阳市与苏州市对口合作五年实施方案（2026—2030年）", user)
        if new:
            created += 1
            PlanGoal.objects.create(
                plan=plan,
                order=10,
                text=(
                    "以豫东南高新区和信阳高新区为重点，通过“飞地经济”、合作园区、特色产业园区等多种形式，"
                    "对口承接苏州优势产业，打造革命老区与发达城市对口合作的样板和标杆。"
                ),
            )
            for order, task, due, text, clauses in (
                (
                    10,
                    "KT5",
                    (2026, 12, 31),
                    "将豫东南高新技术产业开发区建设成为苏信合作的样板区、主平台。",
                    ["fgzx-2022-766/3/5"],
                ),
                (20, "KT1", (2027, 6, 30), "规范有序开展以红色文化传承为主题的研学实践活动。", []),
            ):
                due_date = datetime.date(*due)
                item = PlanItem.objects.create(
                    plan=plan, order=order, key_task=tasks[task], year=due_date.year, due_date=due_date, text=text
                )
                if clauses:
                    item.clauses.set(Clause.objects.filter(pk__in=clauses))
            PlanProject.objects.create(
                plan=plan,
                order=10,
                name="豫东南高新区苏信合作产业园（演示）",
                key_task=tasks["KT5"],
                location=Region.objects.get(code="411500"),
                investment_wan=50000,
                start_year=2026,
                end_year=2028,
            )
            PlanTarget.objects.create(plan=plan, indicator_id="signed_projects", year=2026, target=10)
            PlanTarget.objects.create(plan=plan, indicator_id="signed_projects", year=2027, target=12)
            PlanMilestone.objects.create(plan=plan, date=datetime.date(2026, 6, 30), text="召开对口合作联席会议")
            PlanMeasure.objects.create(plan=plan, text="支持结对城市政府间开展互访与交流，共同研究推动重点工作。")
        for code, title in (
            ("N04", "三明市与上海市对口合作五年实施方案（2026—2030年）"),
            ("N08", "六安市与上海市对口合作五年实施方案（2026—2030年）"),
        ):
            plan, new = _plan(Pairing.objects.get(code=code), title, user)
            if not new:
                continue
            created += 1
            for n, task in enumerate(
                DecomposedTask.objects.filter(key_task__isnull=False).select_related("key_task"), 1
            ):
                units = list(task.responsible_units.all())
                PlanItem.objects.create(
                    plan=plan,
                    order=n * 10,
                    key_task=task.key_task,
                    text=task.text[:500],
                    responsible_unit=units[0] if units else None,
                    year=2026 + (n - 1) % 5,
                    due_date=datetime.date(2026 + (n - 1) % 5, 12, 31),
                )
    return created


def demo_user():
    from duikou.accounts.models import User

    org = Organisation.objects.get(name="信阳市人民政府")
    return User.objects.filter(organisation=org).first() or User.objects.filter(is_superuser=True).first()
