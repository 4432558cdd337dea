"""Importing the registry from files: the template round trip (download the .xlsx, fill it with openpyxl, dry run,
import, read back), every error of every row reported at once without an ID number in clear, all or nothing,
re-imports that change nothing, income records by period, paper declarations opening cases and attaching leads, and
a township that cannot import another township's rows."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from duikou.core.errors import UserFacingError
from duikou.core.models import Job
from duikou.monitoring import services, tables
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, Declaration, Household, IncomeRecord, Member

pytestmark = pytest.mark.django_db

VILLAGE = mt.PLACES["xinyang"][3]


@pytest.fixture
def township():
    mt.place()
    return mt.local_user("imp_township", level="township")


def xlsx(kind: str, user, rows: list[list]) -> bytes:
    """The downloaded template with its sample row replaced by ``rows``."""
    book = load_workbook(io.BytesIO(tables.template_xlsx(kind, user)))
    sheet = book[tables.SPECS[kind].sheet]
    sheet.delete_rows(2)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def family_rows():
    return [
        [VILLAGE, "H001", "王大", "一组 1 号", "是", "否", "王大", "户主", mt.id_number(101), "13800000101"],
        [VILLAGE, "H001", "王大", "一组 1 号", "是", "否", "李梅", "配偶", mt.id_number(102), ""],
        [VILLAGE, "H002", "赵二", "", "", "是", "赵二", "户主", mt.id_number(103), "13800000103"],
        [VILLAGE, "H003", "钱三", "", "", "", None, None, None, None],
    ]


def test_the_template_round_trip_dry_run_import_and_read_back(client, township):
    client.force_login(township)
    answer = client.get("/monitoring/households/import/households/template.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    sheet = book["监测户"]
    header = [c.value for c in sheet[1]]
    assert header == [c.header for c in tables.HOUSEHOLD_COLUMNS]
    assert str(sheet["A2"].value).startswith("示例") and "填写说明" in book.sheetnames
    sent_back = io.BytesIO(answer.content).getvalue()
    with pytest.raises(UserFacingError) as refused:
        tables.import_households(user=township, data=sent_back, filename="t.xlsx", dry_run=True)
    assert refused.value.details["errors"][0]["reason"] == "这是模板的示例行，请删除或改为实际数据"

    data = xlsx("households", township, family_rows())
    dry = tables.import_households(user=township, data=data, filename="t.xlsx", dry_run=True)
    assert (dry["created"], dry["updated"], dry["unchanged"]) == (6, 0, 0) and not Household.objects.exists()
    done = tables.import_households(user=township, data=data, filename="t.xlsx")
    assert done["created"] == 6
    wang = Household.objects.get(number="H001")
    assert (wang.head_name, wang.address, wang.labour_capacity, wang.social_assistance) == (
        "王大",
        "一组 1 号",
        True,
        False,
    )
    assert Household.objects.get(number="H002").labour_capacity is None
    assert list(wang.members.values_list("name", "relation")) == [("王大", "户主"), ("李梅", "配偶")]
    assert wang.members.first().phone_masked == "138****0101"
    assert not Household.objects.get(number="H003").members.exists()
    page = client.get(f"/monitoring/households/{wang.pk}/").content.decode()
    assert "李梅" in page and mt.id_number(102) not in page

    again = tables.import_households(user=township, data=data, filename="t.xlsx")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 6)
    assert Household.objects.count() == 3 and Member.objects.count() == 3

    changed = family_rows()
    changed[2][3] = "二组 8 号"
    changed[1][7] = "妻子"
    result = tables.import_households(user=township, data=xlsx("households", township, changed), filename="t.xlsx")
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 2, 4)
    assert Household.objects.get(number="H002").address == "二组 8 号"
    assert Member.objects.get(name="李梅").relation == "妻子"


def test_the_csv_template_has_the_header_and_the_sample(client, township):
    client.force_login(township)
    answer = client.get("/monitoring/households/import/incomes/template.csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == [c.header for c in tables.INCOME_COLUMNS] and rows[1][0].startswith("示例")
    filled = "\n".join([",".join(rows[0]), f"{VILLAGE},H001,2025,全年,,2,9000,,,,,,"])
    tables.import_households(user=township, data=xlsx("households", township, family_rows()[:1]), filename="t.xlsx")
    tables.import_incomes(user=township, data=filled.encode(), filename="i.csv")
    assert IncomeRecord.objects.get().net_income == Decimal("9000.00")


def test_every_error_of_every_row_is_reported_at_once_with_no_id_number_in_clear(township):
    mt.place("yanan")
    other = mt.id_number(104)
    rows = [
        [VILLAGE, "H001", "王大", "", "也许", "", "王大", "户主", mt.id_number(101)[:-1] + "0", ""],
        [VILLAGE, "H001", "王小", "", "", "", "王小", "子女", other, "12345"],
        ["610602001001", "H009", "延安户", "", "", "", None, None, None, None],
        ["4115", "H010", "", "", "", "", "某人", "", other, ""],
        [VILLAGE, "H011", "孙四", "", "", "", None, None, mt.id_number(105), ""],
    ]
    if mt.id_number(101)[-1] == "0":
        rows[0][8] = mt.id_number(101)[:-1] + "1"
    with pytest.raises(UserFacingError) as refused:
        tables.import_households(user=township, data=xlsx("households", township, rows), filename="t.xlsx")
    errors = refused.value.details["errors"]
    where = {(e["row"], e["column"].split()[-1]) for e in errors}
    assert {
        (2, "有劳动能力"),
        (2, "身份证号"),
        (3, "户主姓名"),
        (3, "电话"),
        (4, "村代码"),
        (5, "村代码"),
        (5, "户主姓名"),
        (6, "姓名"),
    } <= where
    assert any("杨家岭社区居委会（610602001001）不在您的管辖范围内" in e["reason"] for e in errors)
    text = str(errors)
    assert other not in text and mt.id_number(105) not in text and mt.id_number(101) not in text
    assert not Household.objects.exists()


def test_one_bad_row_and_nothing_is_written(township):
    rows = [*family_rows(), [VILLAGE, "H004", "孙四", "", "", "", "孙四", "户主", mt.id_number(101), ""]]
    with pytest.raises(UserFacingError) as refused:
        tables.import_households(user=township, data=xlsx("households", township, rows), filename="t.xlsx")
    assert refused.value.details["errors"] == [
        {"row": 6, "column": "I 身份证号", "value": mt.id_number(101)[:4] + "*" * 10 + mt.id_number(101)[-4:],
         "reason": "与第 2 行的身份证号重复"}
    ]  # fmt: skip
    assert not Household.objects.exists() and not Member.objects.exists()


def test_a_member_registered_in_another_household_is_refused(township):
    home = mt.household(township, number="H100")
    services.add_member(user=township, household=home, name="王大", id_number=mt.id_number(101))
    with pytest.raises(UserFacingError) as refused:
        tables.import_households(user=township, data=xlsx("households", township, family_rows()), filename="t.xlsx")
    assert [e["reason"] for e in refused.value.details["errors"]] == ["该身份证号码已登记在其他户的成员中"]


def test_a_township_cannot_import_rows_of_another_township(township):
    from duikou.geo.models import Region

    other = Region.objects.create(code="411526002", name="邻乡", level="township", parent_id="411526")
    neighbour = Region.objects.create(code="411526002001", name="邻乡某村", level="village", parent=other)
    rows = [[neighbour.code, "H001", "王大", "", "", "", None, None, None, None]]
    with pytest.raises(UserFacingError) as refused:
        tables.import_households(user=township, data=xlsx("households", township, rows), filename="t.xlsx")
    assert "邻乡某村（411526002001）不在您的管辖范围内" in refused.value.details["errors"][0]["reason"]
    county = mt.local_user("imp_county", level="county")
    assert tables.import_households(user=county, data=xlsx("households", county, rows), filename="t.xlsx")["created"]


def test_a_city_editor_may_not_import(client):
    from duikou import testing

    city = testing.user("imp_city", "信阳市人民政府", "editor")
    with pytest.raises(UserFacingError):
        tables.import_households(user=city, data=b"", filename="t.xlsx")
    client.force_login(city)
    assert client.get("/monitoring/households/import/households/").status_code == 403


def test_incomes_by_period_are_imported_checked_and_reimported_unchanged(township):
    tables.import_households(user=township, data=xlsx("households", township, family_rows()), filename="t.xlsx")
    rows = [
        [VILLAGE, "H001", 2025, "全年", None, 2, 16000, 10000, 4000, 2000, 0, 500, 0],
        [VILLAGE, "H001", 2026, "季度", 1, 2, 4500, None, None, None, None, None, None],
        [VILLAGE, "H001", 2026, "月份", 4, 2, 1600, None, None, None, None, None, None],
    ]
    data = xlsx("incomes", township, rows)
    assert tables.import_incomes(user=township, data=data, filename="i.xlsx", dry_run=True)["created"] == 3
    assert tables.import_incomes(user=township, data=data, filename="i.xlsx")["created"] == 3
    again = tables.import_incomes(user=township, data=data, filename="i.xlsx")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    month = IncomeRecord.objects.get(period_kind="month")
    assert (month.period, month.annual_per_capita) == (4, Decimal("9600.00"))
    bad = [
        [VILLAGE, "H001", 2026, "季度", 5, 2, 4500, None, None, None, None, None, None],
        [VILLAGE, "H404", 2026, "全年", None, 2, 4500, None, None, None, None, None, None],
        [VILLAGE, "H001", 2026, "月份", 4, 0, 1600, None, None, None, None, None, None],
        [VILLAGE, "H002", 2026, "月份", 4, 2, 1600, None, None, None, None, None, None],
        [VILLAGE, "H002", 2026, "月份", 4, 2, 1700, None, None, None, None, None, None],
    ]
    with pytest.raises(UserFacingError) as refused:
        tables.import_incomes(user=township, data=xlsx("incomes", township, bad), filename="i.xlsx")
    reasons = {(e["row"], e["column"].split()[-1]): e["reason"] for e in refused.value.details["errors"]}
    assert "季度须为 1–4" in reasons[(2, "季度或月份")]
    assert "没有户编号为 H404 的户" in reasons[(3, "户编号")]
    assert (4, "家庭人口") in reasons and "与第 5 行是同一户的同一周期" in reasons[(6, "季度或月份")]
    assert IncomeRecord.objects.count() == 3


def declaration_rows():
    return [
        [
            VILLAGE,
            "周五",
            mt.id_number(201),
            "13900000201",
            "因病（大病、慢性病）",
            "住院",
            "2026-03-02",
            "窗口受理",
            "是",
        ],
        [VILLAGE, "吴六", mt.id_number(202), "13900000202", "因自然灾害", "", "2026-03-03", "12317 热线", "是"],
        [VILLAGE, "周五", mt.id_number(201), "13900000201", "因学", "孩子上学", "2026-03-05", "窗口受理", "是"],
    ]


def test_paper_declarations_open_cases_attach_leads_and_reimport_unchanged(township):
    registered = mt.household(township, number="H001", head_name="吴六")
    services.add_member(user=township, household=registered, name="吴六", id_number=mt.id_number(202))
    data = xlsx("declarations", township, declaration_rows())
    dry = tables.import_declarations(user=township, data=data, filename="d.xlsx", dry_run=True)
    assert dry["created"] == 3 and not Declaration.objects.exists()
    done = tables.import_declarations(user=township, data=data, filename="d.xlsx")
    assert (done["created"], done["cases_opened"]) == (3, 2)
    zhou = Household.objects.get(head_name="周五")
    assert zhou.pending and zhou.members.get().id_number_masked.endswith(mt.id_number(201)[-4:])
    case = Alert.objects.get(household=zhou)
    assert case.channel == "counter" and case.declarations.count() == 2
    assert case.steps.filter(step=AlertStep.Step.LEAD).count() == 2
    assert Alert.objects.get(household=registered).channel == "hotline"
    first = Declaration.objects.filter(household=zhou).order_by("consent_at").first()
    assert timezone.localdate(first.consent_at).isoformat() == "2026-03-02" and first.recorded_by == township
    again = tables.import_declarations(user=township, data=data, filename="d.xlsx")
    assert (again["created"], again["unchanged"]) == (0, 3) and Declaration.objects.count() == 3


def test_paper_declarations_need_the_signed_consent_and_report_every_row(township):
    rows = declaration_rows()
    rows[0][8] = "否"
    rows[1][2] = "123"
    rows[2][6] = "2999-01-01"
    with pytest.raises(UserFacingError) as refused:
        tables.import_declarations(user=township, data=xlsx("declarations", township, rows), filename="d.xlsx")
    reasons = {(e["row"], e["column"].split()[-1]): e for e in refused.value.details["errors"]}
    assert "承诺授权书" in reasons[(2, "已签承诺授权书")]["reason"]
    assert reasons[(3, "身份证号")]["value"] == "（不显示）"
    assert "不能晚于今天" in reasons[(4, "申报日期")]["reason"]
    assert not Declaration.objects.exists() and not Household.objects.exists()


def test_the_import_page_starts_a_job_and_reports_errors(client, township):
    client.force_login(township)
    page = client.get("/monitoring/households/import/declarations/").content.decode()
    assert "已签承诺授权书" in page and "西关社区居民委员会" in page
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/monitoring/households/import/declarations/"
    bad = declaration_rows()
    bad[1][2] = mt.id_number(202)[:-1] + ("0" if mt.id_number(202)[-1] != "0" else "1")
    upload = SimpleUploadedFile("d.xlsx", xlsx("declarations", township, bad))
    job = Job.objects.get(pk=client.post(url, {"file": upload})["Location"].rstrip("/").split("/")[-1])
    assert job.kind == "monitoring.declarations.import" and job.status == "failed"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "C 身份证号" in page and "校验位不正确" in page and bad[1][2] not in page
    assert not Declaration.objects.exists()

    upload = SimpleUploadedFile("d.xlsx", xlsx("declarations", township, declaration_rows()))
    job = Job.objects.get(pk=client.post(url, {"file": upload, "dry_run": "on"})["Location"].rstrip("/").split("/")[-1])
    assert job.status == "done" and "试导入通过" in job.result["summary"] and not Declaration.objects.exists()
    upload = SimpleUploadedFile("d.xlsx", xlsx("declarations", township, declaration_rows()))
    job = Job.objects.get(pk=client.post(url, {"file": upload})["Location"].rstrip("/").split("/")[-1])
    assert job.status == "done" and "导入完成" in client.get(f"/jobs/{job.pk}/").content.decode()
    assert Declaration.objects.count() == 3
