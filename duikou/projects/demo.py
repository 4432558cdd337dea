"""Demo projects and activities, clearly marked as demo (names end with 「（演示数据）」, notes say what is invented).

What is not invented comes from seed 001 (the 2022-06-11 Suzhou–Xinyang meeting): the meeting itself, its date,
the Henan delegation led by 河南省委常委、副省长费东斌, and 豫东南高新区 and 信阳高新区 as the focus of the co-built
platforms. Every figure (investment, head counts, amounts), every further date and every other name is invented
for demonstration. Loading is idempotent: what exists is left as it is.
"""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from duikou.core.actors import Operator
from duikou.geo.models import Region
from duikou.pairings.models import Pairing
from duikou.policy.models import Task

from . import services
from .models import Activity, Milestone, Project

DEMO = "（演示数据）"
INVENTED = "演示数据：投资额、人数、金额、日期和所在县区等数字与名称为虚构，仅供演示。"
MEETING = (
    "6月11日，苏州市、信阳市召开革命老区重点城市对口合作工作座谈会。信阳市提出紧抓对口合作机遇，"
    "努力将豫东南高新技术产业开发区建设成为苏信合作的样板区、主平台；河南省提出以豫东南高新区和信阳高新区为重点，"
    "通过“飞地经济”、合作园区、特色产业园区等多种形式，对口承接苏州优势产业。"
    "（摘自《周四大学堂 学习资料（十五）》，2022年6月23日）"
)

D = datetime.date


def _project(operator, pairing, tasks, *, milestones=(), updates=(), **fields) -> tuple[Project, bool]:
    name = fields["name"] + DEMO
    project = Project.objects.filter(pairing=pairing, name=name).first()
    created = project is None
    if created:
        project = services.create_project(
            user=operator, pairing=pairing, **(fields | {"name": name, "note": INVENTED + fields.get("note", "")})
        )
    for m_name, due, done in milestones:
        if not Milestone.objects.filter(project=project, name=m_name).exists():
            services.add_milestone(project=project, user=operator, name=m_name, due_date=due, done_date=done)
    for date, text, files in updates:
        if not project.updates.filter(date=date, text=text).exists():
            services.add_progress_update(project=project, user=operator, date=date, text=text, files=files)
    return project, created


def _activity(operator, pairing, **fields) -> bool:
    if Activity.objects.filter(
        pairing=pairing, kind=fields["kind"], date=fields["date"], title=fields["title"]
    ).exists():
        return False
    services.create_activity(user=operator, pairing=pairing, **fields)
    return True


def load_demo_projects() -> dict[str, int]:
    """Create what is missing of the demo set; return how many projects and activities were created."""
    operator = Operator()
    tasks = {t.code: t for t in Task.objects.filter(kind=Task.Kind.KEY_TASK)}
    county = {r.code: r for r in Region.objects.filter(code__in=["411526", "411571", "411502"])}
    xinyang = Pairing.objects.get(code="N09", status=Pairing.Status.ACTIVE)
    sanming = Pairing.objects.get(code="N04", status=Pairing.Status.ACTIVE)
    luan = Pairing.objects.get(code="N08", status=Pairing.Status.ACTIVE)
    counts = {"projects": 0, "activities": 0}
    with transaction.atomic():
        evidence = SimpleUploadedFile("苏信座谈会摘录.txt", MEETING.encode("utf-8"), content_type="text/plain")
        _p, new = _project(
            operator,
            xinyang,
            tasks,
            name="豫东南高新区苏信合作产业园（一期）",
            industry="equipment",
            key_task=tasks["KT5"],
            location=county["411526"],
            park="豫东南高新区",
            investment_planned=Decimal("50000"),
            investment_signed=Decimal("30000"),
            investment_in_place=Decimal("12000"),
            funding_sources=["social_capital", "special_bonds"],
            land_quota_guarantee=True,
            status=Project.Status.CONSTRUCTION,
            milestones=[
                ("完成园区规划设计", D(2023, 6, 30), D(2023, 6, 20)),
                ("一期标准厂房封顶", D(2024, 12, 31), None),  # overdue: shows on the overdue list
                ("首批苏州企业入驻投产", D(2027, 6, 30), None),
            ],
            updates=[
                (D(2022, 6, 11), "苏信两市召开对口合作工作座谈会，明确豫东南高新区为苏信合作的主平台。", [evidence]),
                (D(2024, 9, 30), "一期标准厂房主体施工中（演示数据）。", []),
            ],
        )
        counts["projects"] += new
        _p, new = _project(
            operator,
            xinyang,
            tasks,
            name="信阳高新区生物医药合作项目",
            industry="biomedicine",
            key_task=tasks["KT5"],
            location=county["411571"] if "411571" in county else county["411502"],
            park="信阳高新区",
            investment_planned=Decimal("20000"),
            investment_signed=Decimal("20000"),
            investment_in_place=Decimal("0"),
            funding_sources=["social_capital"],
            status=Project.Status.SIGNED,
            milestones=[
                ("签订投资协议", D(2025, 3, 31), D(2025, 3, 20)),
                ("开工建设", D(2026, 6, 30), None),
            ],
        )
        counts["projects"] += new

        activities = [
            (
                xinyang,
                dict(
                    kind=Activity.Kind.VISIT,
                    key_task=tasks["KT5"],
                    date=D(2022, 6, 11),
                    title="苏州信阳两市革命老区重点城市对口合作工作座谈会",
                    delegation_size=20,
                    delegation_level=Activity.DelegationLevel.PROVINCE,
                    note=(
                        "河南省委常委、副省长费东斌，江苏省委常委、苏州市委书记曹路宝出席并讲话；会前考察苏州工业园区"
                        "展示中心、生物医药产业园等地（据种子文件 001）。代表团人数为演示数据。"
                    ),
                ),
            ),
            (
                xinyang,
                dict(
                    kind=Activity.Kind.EXCHANGE,
                    key_task=tasks["KT5"],
                    date=D(2023, 3, 1),
                    title="苏州—信阳干部双向挂职（第一批）" + DEMO,
                    exchange_people=10,
                    exchange_direction=Activity.Direction.EAST_TO_OLD,
                    exchange_months=12,
                    note=INVENTED,
                ),
            ),
            (
                xinyang,
                dict(
                    kind=Activity.Kind.CONSUMPTION,
                    key_task=tasks["KT2"],
                    date=D(2024, 4, 20),
                    title="信阳特色农产品苏州展销" + DEMO,
                    sales_amount=Decimal("350.00"),
                    product_category="茶叶",
                    sales_channel="展销会",
                    note=INVENTED,
                ),
            ),
            (
                sanming,
                dict(
                    kind=Activity.Kind.STUDY_TRIP,
                    key_task=tasks["KT1"],
                    date=D(2024, 7, 15),
                    title="上海学生赴三明红色研学" + DEMO,
                    participants=120,
                    note=INVENTED,
                ),
            ),
            (
                sanming,
                dict(
                    kind=Activity.Kind.HOSPITAL_PAIR,
                    key_task=tasks["KT3"],
                    date=D(2023, 9, 1),
                    title="沪明重点医院结对" + DEMO,
                    institution_old="三明市某医院" + DEMO,
                    institution_partner="上海市某医院" + DEMO,
                    note=INVENTED,
                ),
            ),
            (
                luan,
                dict(
                    kind=Activity.Kind.LABOUR,
                    key_task=tasks["KT2"],
                    date=D(2024, 3, 10),
                    title="六安农村劳动力赴沪就业对接" + DEMO,
                    people_placed=300,
                    note=INVENTED,
                ),
            ),
            (
                luan,
                dict(
                    kind=Activity.Kind.TRAINING,
                    key_task=tasks["KT2"],
                    date=D(2024, 10, 12),
                    title="六安基层干部赴沪学习培训" + DEMO,
                    training_sessions=2,
                    trainees=80,
                    note=INVENTED,
                ),
            ),
        ]
        for pairing, fields in activities:
            counts["activities"] += _activity(operator, pairing, **fields)
    return counts
