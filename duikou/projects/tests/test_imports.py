import datetime
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from openpyxl import load_workbook

from duikou import testing
from duikou.core.errors import UserFacingError
from duikou.core.tests.bombs import package, rows_xml, shared_string_bomb
from duikou.projects import tables
from duikou.projects import testing as pt
from duikou.projects.models import Activity, Project

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in tables.PROJECT_COLUMNS]


@pytest.fixture
def editor():
    return testing.user("xy_editor", "信阳市人民政府", "editor")


def good_rows() -> list[dict]:
    return [
        pt.project_row(项目名称="电子信息产业园", 所在县区代码="411526 潢川县"),
        pt.project_row(项目名称="茶叶精深加工", 产业="农产品加工", 所在县区代码="411502", 资金来源="社会资本"),
        pt.project_row(项目名称="光伏发电基地", 产业="清洁能源", **{"签约投资（万元）": 500, "到位资金（万元）": 0}),
        pt.project_row(项目名称="苏州飞地园区", 所在县区代码="320505 虎丘区", 用地指标重点保障="否", 状态="签约"),
    ]


def bad_file() -> bytes:
    """The acceptance file: a wrong column, an unknown county code, a duplicate row and a negative investment."""
    headers = ["园区名称" if h == "共建园区" else h for h in HEADERS]
    rows = good_rows()
    rows[1]["所在县区代码"] = "419999"  # row 3: no such county
    rows[2]["签约投资（万元）"] = -50  # row 4: negative
    rows.append(dict(rows[0]))  # row 6: duplicates row 2
    for row in rows:
        row["园区名称"] = row.pop("共建园区")
    return pt.workbook(rows, headers)


def import_file(user, data: bytes, dry_run: bool = False, filename: str = "projects.xlsx") -> dict:
    return tables.import_projects(user=user, data=data, filename=filename, dry_run=dry_run)


def errors_of(user, data: bytes, **kwargs) -> list[dict]:
    with pytest.raises(UserFacingError) as exc:
        import_file(user, data, **kwargs)
    assert "未写入任何数据" in str(exc.value)
    return exc.value.details["errors"]


def test_file_with_four_problems_loads_nothing_and_reports_each_with_row_and_column(editor):
    before = LogEntry.objects.count()
    errors = errors_of(editor, bad_file())
    found = {(e["row"], e["column"]): e for e in errors}
    assert found[(1, "F 园区名称")]["reason"].startswith("未知的列「园区名称」")
    assert (1, "共建园区") not in found  # an optional column may be missing; the unknown one is the error
    assert found[(3, "E 所在县区代码")] == {
        "row": 3,
        "column": "E 所在县区代码",
        "value": "419999",
        "reason": "区划代码「419999」不存在",
    }
    assert found[(4, "H 签约投资（万元）")]["reason"] == "不能为负数"
    assert found[(4, "H 签约投资（万元）")]["value"] == "-50"
    assert found[(6, "B 项目名称")]["reason"] == "与第 2 行重复（同一结对关系下的同名项目）"
    assert len(errors) == 4
    assert not Project.objects.exists() and LogEntry.objects.count() == before


def test_corrected_file_loads_and_loading_it_again_changes_nothing(editor):
    data = pt.workbook(good_rows())
    result = import_file(editor, data)
    assert (result["created"], result["updated"], result["unchanged"]) == (4, 0, 0)
    assert "新增 4 条" in result["summary"]
    park = Project.objects.get(name="电子信息产业园")
    assert park.investment_planned == Decimal("1200.50") and park.funding_sources == ["special_bonds", "social_capital"]
    assert park.land_quota_guarantee and park.status == "construction" and park.location.code == "411526"
    assert LogEntry.objects.get_for_object(park).get().actor == editor  # created rows are in the audit history

    snapshot = list(Project.objects.order_by("pk").values())
    entries = LogEntry.objects.count()
    again = import_file(editor, data)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert list(Project.objects.order_by("pk").values()) == snapshot
    assert LogEntry.objects.count() == entries


def test_dry_run_reports_and_writes_nothing(editor):
    entries = LogEntry.objects.count()
    result = import_file(editor, pt.workbook(good_rows()), dry_run=True)
    assert result["dry_run"] and result["created"] == 4
    assert "试导入通过" in result["summary"] and "未写入任何数据" in result["summary"]
    assert not Project.objects.exists() and LogEntry.objects.count() == entries


def test_dry_run_of_a_bad_file_reports_the_errors(editor):
    errors = errors_of(editor, bad_file(), dry_run=True)
    assert {e["row"] for e in errors} == {1, 3, 4, 6}


def test_changed_row_updates_the_stored_project_with_a_new_version(editor):
    import_file(editor, pt.workbook(good_rows()))
    rows = good_rows()
    rows[0]["状态"] = "建成投产"
    rows[0]["到位资金（万元）"] = 800
    result = import_file(editor, pt.workbook(rows))
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 3)
    park = Project.objects.get(name="电子信息产业园")
    assert (park.status, park.investment_in_place, park.version) == ("operating", Decimal("800.00"), 2)
    change = LogEntry.objects.get_for_object(park).latest("timestamp")
    assert change.changes_dict["status"] == ["construction", "operating"] and change.actor == editor


def test_row_rules_of_the_model_are_reported_at_their_column(editor):
    rows = [
        pt.project_row(项目名称="超额到位", **{"签约投资（万元）": 100, "到位资金（万元）": 150}),
        pt.project_row(项目名称="地级所在地", 所在县区代码="411500 信阳市"),
        pt.project_row(项目名称="不在结对内", 所在县区代码="610602 宝塔区"),
        pt.project_row(项目名称="未知产业", 产业="旅游", 资金来源="彩票", 状态="进行中", 用地指标重点保障="也许"),
        pt.project_row(项目名称="", 重点任务="KT9", **{"计划投资（万元）": "一千", "签约投资（万元）": 1.234}),
    ]
    found = {(e["row"], e["column"].split()[-1]): e["reason"] for e in errors_of(editor, pt.workbook(rows))}
    assert found[(2, "到位资金（万元）")] == "到位资金（150.00 万元）不能超过签约投资（100.00 万元）"
    assert found[(3, "所在县区代码")] == "「信阳市」（411500）是地级，须填写县级区划代码"
    assert "不在结对双方" in found[(4, "所在县区代码")]
    assert found[(5, "产业")].startswith("不是可选值（可选：清洁能源、有色金属")
    assert found[(5, "资金来源")].startswith("「彩票」不是可选值")
    assert found[(5, "状态")].startswith("不是可选值")
    assert found[(5, "用地指标重点保障")] == "请填写「是」或「否」"
    assert found[(6, "项目名称")] == "必填，不能为空"
    assert found[(6, "重点任务")].startswith("「KT9」不是重点任务")
    assert found[(6, "计划投资（万元）")] == "不是数字"
    assert found[(6, "签约投资（万元）")] == "最多两位小数"


def test_pairing_outside_the_users_scope_is_refused_without_saying_whether_it_exists(editor):
    rows = [pt.project_row(结对编号="N06 延安市—无锡市", 所在县区代码="610602")]
    (error,) = errors_of(editor, pt.workbook(rows))
    assert error["row"] == 2 and error["column"] == "A 结对编号"
    assert error["reason"] == "结对编号「N06」不存在，或您无权为该结对关系填报"


def test_viewer_cannot_import():
    viewer = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    with pytest.raises(UserFacingError, match="您的角色不能导入数据"):
        import_file(viewer, pt.workbook(good_rows()))


@pytest.mark.parametrize(
    "data,filename,message",
    [
        (b"not a zip", "projects.xlsx", "不是有效的 .xlsx 工作簿"),
        (b"%PDF-1.4", "projects.pdf", "不是 .xlsx 或 .csv 文件"),
        (b"", "projects.csv", "是空文件"),
    ],
)
def test_a_file_that_is_not_a_workbook_gets_a_clear_error(editor, data, filename, message):
    with pytest.raises(UserFacingError, match=message):
        import_file(editor, data, filename=filename)


def test_csv_in_utf8_or_gbk_imports_like_the_workbook(editor):
    lines = [",".join(HEADERS)] + [
        ",".join(str("" if row[h] is None else row[h]) for h in HEADERS) for row in good_rows()[:2]
    ]
    text = "\n".join(lines) + "\n"
    result = import_file(editor, text.encode("gbk"), filename="projects.csv")
    assert result["created"] == 2
    assert import_file(editor, text.encode("utf-8-sig"), filename="projects.csv")["unchanged"] == 2


def test_template_has_dropdowns_number_checks_and_a_hidden_sheet_of_values(editor):
    book = load_workbook(io.BytesIO(tables.template_for(tables.PROJECT_SPEC, editor)))
    sheet, options = book["重大项目"], book["选项"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert options.sheet_state == "hidden"
    values = {
        options.cell(1, col).value: [
            r[0] for r in options.iter_rows(min_row=2, min_col=col, max_col=col, values_only=True) if r[0]
        ]
        for col in range(1, options.max_column + 1)
    }
    assert values["pairing"] == ["N09 信阳市—苏州市"]  # only what this user may record for
    assert "KT5 共同建设产业合作平台载体" in values["key_task"] and len(values["key_task"]) == 5
    assert "411526 潢川县" in values["county"] and "320505 虎丘区" in values["county"]
    assert "610602 宝塔区" not in values["county"]
    assert values["industry"] == [
        "清洁能源",
        "有色金属",
        "装备制造",
        "纺织服装",
        "生物医药",
        "电子信息",
        "农产品加工",
        "其他",
    ]
    assert values["status"] == ["储备", "签约", "在建", "建成投产", "终止"]
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert validations["A2"].type == "list" and validations["A2"].formula1.startswith("'选项'!$A$2")
    assert validations["C2"].type == "list"  # industry
    assert validations["D2"].type == "list"  # key task
    assert validations["E2"].type == "list"  # county
    assert validations["G2"].type == "decimal" and validations["G2"].operator == "greaterThanOrEqual"
    assert validations["G2"].formula1 == "0"
    assert validations["L2"].type == "list"  # status
    assert "填写说明" in book.sheetnames


def test_filled_template_imports(editor):
    book = load_workbook(io.BytesIO(tables.template_for(tables.PROJECT_SPEC, editor)))
    sheet = book["重大项目"]
    row = pt.project_row(项目名称="模板填写的项目")
    for col, header in enumerate(HEADERS, start=1):
        sheet.cell(2, col, row[header])
    buffer = io.BytesIO()
    book.save(buffer)
    assert import_file(editor, buffer.getvalue())["created"] == 1


# --- activities -------------------------------------------------------------------------------------------------

ACTIVITY_HEADERS = [c.header for c in tables.ACTIVITY_COLUMNS]


def activity_row(**overrides) -> dict:
    row = {
        "结对编号": "N09 信阳市—苏州市",
        "类型": "互访",
        "重点任务": "KT5 共同建设产业合作平台载体",
        "日期": datetime.datetime(2024, 5, 20),  # noqa: DTZ001 (Excel cells are naive)
        "标题": "苏州代表团考察豫东南高新区",
        "代表团人数": 15,
        "代表团级别": "市级",
    }
    return row | overrides


def test_activities_import_is_all_or_nothing_and_idempotent(editor):
    rows = [
        activity_row(),
        {
            "结对编号": "N09",
            "类型": "消费帮扶",
            "重点任务": "衔接推进乡村振兴和新型城镇化",
            "日期": "2024/06/18",
            "标题": "信阳毛尖进苏州",
            "消费帮扶金额（万元）": 120.5,
            "产品类别": "茶叶",
            "销售渠道": "电商平台",
        },
        {
            "结对编号": "N09",
            "类型": "挂职",
            "重点任务": "KT5",
            "日期": "2024年3月1日",
            "标题": "第二批挂职干部",
            "挂职人数": 8,
            "挂职方向": "老区→东部",
            "挂职月数": 6,
        },
    ]
    bad = rows + [
        activity_row(标题="缺人数", 代表团人数=None),
        activity_row(标题="多填了", 研学人数=30),
        activity_row(日期="下周一", 标题="坏日期"),
        activity_row(),  # duplicates row 2
    ]
    data = pt.workbook(bad, ACTIVITY_HEADERS, "合作活动")
    with pytest.raises(UserFacingError) as exc:
        tables.import_activities(user=editor, data=data, filename="a.xlsx")
    found = {(e["row"], e["column"].split()[-1]): e["reason"] for e in exc.value.details["errors"]}
    assert found == {
        (5, "代表团人数"): "互访须填写「代表团人数」",
        (6, "研学人数"): "「研学人数」只适用于研学，互访请留空",
        (7, "日期"): "不是有效日期（如 2024-05-20）",
        (8, "标题"): "与第 2 行重复（同一结对关系、类型、日期和标题）",
    }
    assert not Activity.objects.exists()

    good = pt.workbook(rows, ACTIVITY_HEADERS, "合作活动")
    assert tables.import_activities(user=editor, data=good, filename="a.xlsx")["created"] == 3
    exchange = Activity.objects.get(title="第二批挂职干部")
    assert (exchange.date, exchange.exchange_direction, exchange.key_task_id) == (
        datetime.date(2024, 3, 1),
        "old_to_east",
        "KT5",
    )
    assert Activity.objects.get(title="信阳毛尖进苏州").key_task_id == "KT2"
    again = tables.import_activities(user=editor, data=good, filename="a.xlsx")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


@pytest.mark.parametrize(
    "bomb,message",
    [
        (
            lambda: shared_string_bomb(),
            "「bomb.xlsx」中的「xl/sharedStrings.xml」解压后超过 20.0 MB，超过单个部分解压后的上限 1 MB",
        ),
        (lambda: package(rows_xml(5000)), "「bomb.xlsx」超过单次导入上限 100 行"),
    ],
)
def test_upload_bombs_are_refused_naming_the_limit(editor, settings, bomb, message):
    settings.DUIKOU_UPLOAD_MEMBER_MAX_MB, settings.DUIKOU_UPLOAD_MAX_ROWS = 1, 100
    with pytest.raises(UserFacingError, match=message):
        import_file(editor, bomb(), filename="bomb.xlsx")
    assert not Project.objects.exists()


def test_a_file_over_the_upload_limit_starts_no_import(editor, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DUIKOU_UPLOAD_MAX_MB = 1
    upload = SimpleUploadedFile("大批项目.xlsx", pt.workbook(good_rows()) + b"\0" * (1024 * 1024))
    with pytest.raises(UserFacingError, match="「大批项目.xlsx」有 1.0 MB，超过上传文件上限 1 MB"):
        tables.start_import(kind="projects", user=editor, upload=upload, dry_run=True)


def test_one_dry_run_reports_every_error_of_every_row(editor):
    entries = LogEntry.objects.count()
    errors = errors_of(editor, pt.workbook(pt.rows_with_many_errors()), dry_run=True)
    found = {(e["row"], e["column"]): e for e in errors}
    assert found[(2, "G 计划投资（万元）")]["reason"] == "不能为负数"
    assert found[(2, "G 计划投资（万元）")]["value"] == "-100"
    assert "不在结对双方" in found[(2, "E 所在县区代码")]["reason"]
    assert found[(2, "I 到位资金（万元）")]["reason"] == "到位资金（150.00 万元）不能超过签约投资（100.00 万元）"
    assert found[(3, "C 产业")]["reason"].startswith("不是可选值")
    assert len(errors) == 4
    assert not Project.objects.exists() and LogEntry.objects.count() == entries


def test_a_rule_that_needs_an_unreadable_cell_is_not_reported(editor):
    """A signed amount that is not a number leaves out the check of funds in place against it, and a bad county
    the check that it lies in the pairing: only the cells' own errors are reported, nothing about empty values."""
    row = pt.project_row(所在县区代码="419999", **{"签约投资（万元）": "八百", "到位资金（万元）": 900})
    found = {e["column"]: e["reason"] for e in errors_of(editor, pt.workbook([row]))}
    assert found == {"E 所在县区代码": "区划代码「419999」不存在", "H 签约投资（万元）": "不是数字"}


def test_activity_rows_report_cell_and_kind_errors_together(editor):
    row = activity_row(日期="下周一", 代表团人数=None, 研学人数=30)
    with pytest.raises(UserFacingError) as exc:
        tables.import_activities(user=editor, data=pt.workbook([row], ACTIVITY_HEADERS, "合作活动"), filename="a.xlsx")
    found = {e["column"].split()[-1]: e["reason"] for e in exc.value.details["errors"]}
    assert found == {
        "日期": "不是有效日期（如 2024-05-20）",
        "代表团人数": "互访须填写「代表团人数」",
        "研学人数": "「研学人数」只适用于研学，互访请留空",
    }
    assert not Activity.objects.exists()


def test_a_workbook_made_before_the_optional_date_columns_imports_with_them_blank(editor):
    old_headers = [h for h in HEADERS if h not in ("项目起始日期", "项目截止日期")]
    result = import_file(editor, pt.workbook(good_rows(), old_headers))
    assert result["created"] == 4
    stored = Project.objects.get(name="电子信息产业园")
    assert (stored.start_date, stored.end_date) == (None, None)
    assert stored.park == good_rows()[0]["共建园区"]


def test_a_workbook_without_the_optional_date_columns_leaves_stored_dates_as_they_are(editor):
    rows = good_rows()
    rows[0].update(项目起始日期="2025-03-01", 项目截止日期="2026-06-30")
    import_file(editor, pt.workbook(rows))
    old_headers = [h for h in HEADERS if h not in ("项目起始日期", "项目截止日期")]
    result = import_file(editor, pt.workbook(good_rows(), old_headers))
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 4)
    stored = Project.objects.get(name="电子信息产业园")
    assert (stored.start_date, stored.end_date) == (datetime.date(2025, 3, 1), datetime.date(2026, 6, 30))


def test_a_workbook_without_a_required_column_is_still_refused(editor):
    data = pt.workbook(good_rows(), [h for h in HEADERS if h != "项目名称"])
    found = {(e["row"], e["column"]): e["reason"] for e in errors_of(editor, data)}
    assert found[(1, "项目名称")] == "缺少列「项目名称」"
    assert not Project.objects.exists()


def test_each_imported_row_has_the_audit_entry_a_save_would_write(editor):
    from auditlog.diff import model_instance_diff

    import_file(editor, pt.workbook(good_rows()))
    for project in Project.objects.all():
        entry = LogEntry.objects.get_for_object(project).get()
        assert entry.action == LogEntry.Action.CREATE and entry.actor == editor
        expected = {name: list(change) for name, change in model_instance_diff(None, project).items()}
        assert entry.changes_dict == expected
