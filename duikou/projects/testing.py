"""Small factories for tests of projects and activities (and for the permission matrix)."""

import datetime
import io
from decimal import Decimal

from openpyxl import Workbook

from duikou.core.actors import Operator
from duikou.geo.models import Region
from duikou.pairings.models import Pairing
from duikou.policy.models import Task

from . import services
from .models import Activity, Project
from .tables import PROJECT_COLUMNS

# A county on each side of the pairings the tests use.
COUNTY = {"N09": "411526", "N06": "610602", "N04": "350404", "N08": "341502"}  # 潢川县, 宝塔区, 三元区, 金安区


def task(code: str = "KT5") -> Task:
    return Task.objects.get(code=code)


def county(code: str) -> Region:
    return Region.objects.get(code=code)


def project(pairing: Pairing, name: str = "测试项目", *, user=None, **fields) -> Project:
    values = {
        "industry": "equipment",
        "key_task": task("KT5"),
        "location": county(COUNTY[pairing.code]),
        "park": "",
        "investment_planned": Decimal("1000"),
        "investment_signed": Decimal("800"),
        "investment_in_place": Decimal("200"),
        "funding_sources": ["social_capital"],
        "status": Project.Status.CONSTRUCTION,
    } | fields
    return services.create_project(user=user or Operator(), pairing=pairing, name=name, **values)


def activity(pairing: Pairing, title: str = "测试互访", *, user=None, **fields) -> Activity:
    values = {
        "kind": Activity.Kind.VISIT,
        "key_task": task("KT5"),
        "date": datetime.date(2024, 5, 20),
        "delegation_size": 12,
        "delegation_level": Activity.DelegationLevel.CITY,
    } | fields
    return services.create_activity(user=user or Operator(), pairing=pairing, title=title, **values)


def project_row(**overrides) -> dict:
    """One row of the projects template, by column header."""
    row = {
        "结对编号": "N09 信阳市—苏州市",
        "项目名称": "导入项目",
        "产业": "电子信息",
        "重点任务": "KT5 共同建设产业合作平台载体",
        "所在县区代码": "411526 潢川县",
        "共建园区": "豫东南高新区",
        "计划投资（万元）": 1200.5,
        "签约投资（万元）": 800,
        "到位资金（万元）": 300,
        "资金来源": "社会资本、地方政府专项债",
        "用地指标重点保障": "是",
        "状态": "在建",
        "备注": "",
        "项目起始日期": None,
        "项目截止日期": None,
    }
    row.update(overrides)
    return row


def rows_with_many_errors() -> list[dict]:
    """Row 2 has three errors at once (a negative amount, a county outside the pairing N09, funds in place above the
    signed amount); row 3 has one of its own (an industry that is not one of the choices)."""
    first = project_row(项目名称="一行三错", 所在县区代码="610602 宝塔区")
    first.update({"计划投资（万元）": -100, "签约投资（万元）": 100, "到位资金（万元）": 150})
    return [first, project_row(项目名称="产业有误", 产业="旅游")]


def workbook(rows: list[dict], headers: list[str] | None = None, title: str = "重大项目") -> bytes:
    """An .xlsx with ``headers`` (default: the projects template's) and the given rows (dicts by header)."""
    headers = headers or [c.header for c in PROJECT_COLUMNS]
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def matrix_world(editor, stranger, inside: Pairing, outside: Pairing) -> dict:
    """For the permission matrix: on each side a project with an overdue and an open milestone, a progress
    update with an evidence file, and an activity; every text says which side it belongs to."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    world = {}
    for side, user, pairing in (("inside", editor, inside), ("outside", stranger, outside)):
        label = "信阳侧" if side == "inside" else "延安侧"
        proj = project(pairing, f"{label}项目", user=user)
        world[f"{side}_project"] = proj
        world[f"{side}_milestone"] = services.add_milestone(
            project=proj, user=user, name=f"{label}逾期节点", due_date=datetime.date(2025, 1, 31)
        )
        world[f"{side}_open_milestone"] = services.add_milestone(
            project=proj, user=user, name=f"{label}待完成节点", due_date=datetime.date(2099, 6, 30)
        )
        update = services.add_progress_update(
            project=proj,
            user=user,
            date=datetime.date(2025, 2, 1),
            text=f"{label}进展",
            files=[SimpleUploadedFile(f"{label}.txt", f"{label}佐证材料".encode())],
        )
        world[f"{side}_evidence"] = update.evidence.get()
        world[f"{side}_activity"] = activity(pairing, f"{label}互访", user=user)
        # one transaction for the page's cancel, one for the API's: each role cancels both in its own world
        for key, day in (("fund", 1), ("api_fund", 2)):
            world[f"{side}_{key}"] = services.add_fund_transaction(
                project=proj,
                user=user,
                kind="disbursement",
                date=datetime.date(2025 if side == "inside" else 2024, 2, day),
                amount_wan=Decimal("50"),
                source="eastern_fiscal",
                provider=f"{label}拨付方",
            )
    return world
