"""Departmental data: dry run, confirmation, all-or-nothing load of the good rows, and no plain ID anywhere."""

import io
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import translation
from openpyxl import Workbook

from duikou import testing
from duikou.core.errors import UserFacingError
from duikou.core.models import Job
from duikou.monitoring import departmental, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import DepartmentImport, DepartmentSignal

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(editor):
    """Two members of two 西关社区 households; their ID numbers are known only to the test."""
    numbers = [mt.id_number(11), mt.id_number(12)]
    for n, number in enumerate(numbers):
        home = mt.household(editor, number=f"H{n}", head_name=f"户主{n}")
        services.add_member(user=editor, household=home, name=f"成员{n}", id_number=number)
    return numbers


UNKNOWN = mt.id_number(77, area="110105")  # valid, but nobody's
BAD_CHECK = mt.id_number(13)[:17] + ("0" if mt.id_number(13)[17] != "0" else "1")  # wrong check digit


def acceptance_file(members) -> bytes:
    return mt.department_csv(
        [
            (members[0], "2025-03-01", "12000", "住院"),  # row 2: good
            (UNKNOWN, "2025-03-02", "5000", ""),  # row 3: unknown ID number
            (members[1], "2025-13-40", "800", ""),  # row 4: malformed date
            (BAD_CHECK, "2025-03-04", "-5", ""),  # row 5: bad check digit and negative amount
            (members[1], "2025-05-06", "20000.50", ""),  # row 6: good
        ]
    )


def all_database_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith("geo_") or table.startswith("policy_"):
                continue  # reference data
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the introspection
            chunks.append(repr(cursor.fetchall()))
    return "\n".join(chunks)


def test_a_file_with_an_unknown_id_and_a_malformed_row_loads_the_good_rows_only_after_confirmation(
    editor, members, caplog
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # the SQL sent to the database is logged too
    try:
        batch = departmental.check_department_file(
            user=editor, kind="hospital", data=acceptance_file(members), filename="医保住院.csv"
        )
        assert DepartmentSignal.objects.count() == 0  # a dry run loads nothing
        assert (batch.status, batch.rows, batch.matched, batch.unknown, batch.malformed) == ("checked", 5, 2, 1, 2)
        assert [r["row"] for r in batch.report["matched"]] == [2, 6]
        assert batch.report["unknown"] == [
            {"row": 3, "id": f"1101**********{UNKNOWN[-4:]}", "reason": departmental.UNKNOWN}
        ]
        reasons = {(e["row"], e["column"]): e["reason"] for e in batch.report["malformed"]}
        assert reasons == {
            (4, "日期"): "日期为空或格式不正确（应为 2025-03-01）",
            (5, "身份证号"): "身份证号码校验位不正确（GB 11643），请核对后重新输入",
            (5, "金额（元）"): "金额须为不小于 0 的数，最多两位小数",
        }
        loaded = departmental.load_department_import(user=editor, batch=batch)
    finally:
        connection.force_debug_cursor = False
    assert loaded.status == "loaded" and loaded.signals_created == 2 and loaded.loaded_by == editor
    signals = list(DepartmentSignal.objects.order_by("date").values_list("member__name", "amount", "source_digest"))
    assert [(name, str(amount)) for name, amount, _d in signals] == [("成员0", "12000.00"), ("成员1", "20000.50")]
    assert {d for _n, _a, d in signals} == {batch.source_digest}
    stored = all_database_text()
    for number in (*members, UNKNOWN, BAD_CHECK):
        assert number not in stored
        assert number not in caplog.text
    assert "SELECT" in caplog.text  # the SQL log was captured


def test_nothing_is_loaded_without_confirmation(editor, members):
    departmental.check_department_file(user=editor, kind="hospital", data=acceptance_file(members), filename="a.csv")
    assert DepartmentSignal.objects.count() == 0
    assert DepartmentImport.objects.get().status == "checked"


def test_a_batch_loads_once_and_the_same_file_is_not_taken_again(editor, members):
    data = acceptance_file(members)
    batch = departmental.check_department_file(user=editor, kind="hospital", data=data, filename="a.csv")
    departmental.load_department_import(user=editor, batch=batch)
    with pytest.raises(UserFacingError, match="已于"):
        departmental.load_department_import(user=editor, batch=batch)
    with pytest.raises(UserFacingError, match="已导入过"):
        departmental.check_department_file(user=editor, kind="hospital", data=data, filename="a.csv")
    with translation.override("en"):
        with pytest.raises(UserFacingError, match=f"Import #{batch.pk} “a.csv” was loaded at "):
            departmental.load_department_import(user=editor, batch=batch)
        with pytest.raises(UserFacingError, match="“a.csv” .SM3 .{12}…. has already been imported"):
            departmental.check_department_file(user=editor, kind="hospital", data=data, filename="a.csv")
    assert DepartmentSignal.objects.count() == 2


def test_rows_already_loaded_or_repeated_are_reported_not_loaded_twice(editor, members):
    first = mt.department_csv([(members[0], "2025-03-01", "100", "")])
    departmental.load_department_import(
        user=editor,
        batch=departmental.check_department_file(user=editor, kind="hospital", data=first, filename="a.csv"),
    )
    again = mt.department_csv([(members[0], "2025-03-01", "100", "复诊"), (members[1], "2025-03-01", "1", "")] * 2)
    batch = departmental.check_department_file(user=editor, kind="hospital", data=again, filename="b.csv")
    reasons = [(e["row"], e["reason"]) for e in batch.report["malformed"]]
    assert reasons == [(2, "该记录已导入过"), (4, "该记录已导入过"), (5, "与第 3 行重复")]
    assert [r["row"] for r in batch.report["matched"]] == [3]


def test_rows_loaded_by_another_batch_since_the_dry_run_are_counted_not_loaded_again(editor, members):
    data = mt.department_csv([(members[0], "2025-03-01", "100", ""), (members[1], "2025-03-01", "100", "")])
    batch = departmental.check_department_file(user=editor, kind="hospital", data=data, filename="a.csv")
    other = departmental.check_department_file(
        user=editor, kind="hospital", data=mt.department_csv([(members[1], "2025-03-01", "100", "x")]), filename="b.csv"
    )
    departmental.load_department_import(user=editor, batch=other)
    loaded = departmental.load_department_import(user=editor, batch=batch)
    assert (loaded.status, loaded.signals_created, loaded.signals_already_loaded) == ("loaded", 1, 1)
    assert departmental.summary_loaded(loaded) == "已导入 1 条部门数据信号；1 条此前已由其他批次导入，未重复导入"
    assert DepartmentSignal.objects.count() == 2


def test_a_member_moved_out_of_scope_since_the_dry_run_refuses_the_whole_load(editor, members):
    from duikou.monitoring.models import Member

    data = mt.department_csv([(members[0], "2025-03-01", "100", ""), (members[1], "2025-03-01", "100", "")])
    batch = departmental.check_department_file(user=editor, kind="hospital", data=data, filename="a.csv")
    yanan_home = mt.household(testing.user("yanan_editor", "延安市人民政府", "editor"), "yanan", number="Y1")
    Member.objects.filter(name="成员1").update(household=yanan_home)
    with pytest.raises(UserFacingError, match="未导入任何数据"):
        departmental.load_department_import(user=editor, batch=batch)
    assert DepartmentSignal.objects.count() == 0
    assert DepartmentImport.objects.get(pk=batch.pk).status == "checked"


def test_members_outside_the_users_area_are_unknown_to_it(editor, members):
    yanan = testing.user("yanan_editor", "延安市人民政府", "editor")
    batch = departmental.check_department_file(
        user=yanan, kind="disability", data=mt.department_csv([(members[0], "2025-03-01", "", "")]), filename="a.csv"
    )
    assert batch.matched == 0 and batch.unknown == 1 and "成员0" not in str(batch.report)
    with pytest.raises(UserFacingError, match="没有可导入的行"):
        departmental.load_department_import(user=yanan, batch=batch)
    with pytest.raises(PermissionDenied):
        departmental.load_department_import(
            user=yanan,
            batch=departmental.check_department_file(
                user=editor,
                kind="disability",
                data=mt.department_csv([(members[0], "2025-03-01", "", "")]),
                filename="b.csv",
            ),
        )


def test_hospital_rows_need_an_amount_and_the_header_is_checked(editor, members):
    batch = departmental.check_department_file(
        user=editor, kind="hospital", data=mt.department_csv([(members[0], "2025-03-01", "", "")]), filename="a.csv"
    )
    assert batch.report["malformed"][0]["reason"] == "此类数据须填写金额（元）"
    with pytest.raises(UserFacingError, match="缺少列：金额"):
        departmental.check_department_file(
            user=editor, kind="hospital", data="身份证号,日期\n".encode(), filename="a.csv"
        )
    with pytest.raises(UserFacingError, match="不是 .xlsx 或 .csv"):
        departmental.check_department_file(user=editor, kind="hospital", data=b"x", filename="a.pdf")


def test_xlsx_files_and_id_numbers_stored_as_numbers(editor, members):
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "日期", "金额", "说明"])
    sheet.append([members[0], "2025-06-01", 3000, "水灾"])
    sheet.append([int(members[1][:15]), "2025-06-01", 3000, ""])  # a number: Excel keeps only 15 digits
    out = io.BytesIO()
    book.save(out)
    batch = departmental.check_department_file(user=editor, kind="disaster", data=out.getvalue(), filename="灾损.xlsx")
    assert batch.matched == 1 and batch.report["malformed"][0]["reason"].startswith("身份证号须以文本格式填写")
    assert members[1][:15] not in str(batch.report)


def test_the_dry_run_and_the_load_run_as_background_jobs(editor, members):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("医保.csv", acceptance_file(members))
    job = departmental.start_department_check(user=editor, kind="hospital", upload=upload)
    assert job.status == Job.Status.DONE and "试导入完成" in job.result["summary"]
    assert [e["row"] for e in job.result["errors"]] == [3, 4, 5, 5]
    batch = DepartmentImport.objects.get(pk=job.result["batch"])
    load = departmental.start_department_load(user=editor, batch=batch)
    assert load.status == Job.Status.DONE and DepartmentSignal.objects.count() == 2
    for number in (*members, UNKNOWN):
        assert number not in str(Job.objects.values_list("result", "message", "title"))


def test_an_upload_bomb_is_refused_naming_the_limit(editor, settings):
    from duikou.core.tests.bombs import shared_string_bomb

    settings.DUIKOU_UPLOAD_MEMBER_MAX_MB = 1
    with pytest.raises(UserFacingError, match="「医保.xlsx」中的「xl/sharedStrings.xml」.*上限 1 MB"):
        departmental.check_department_file(
            user=editor, kind="hospital", data=shared_string_bomb(), filename="医保.xlsx"
        )
    assert not DepartmentImport.objects.exists()


def test_a_file_over_the_upload_limit_is_not_taken(editor, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DUIKOU_UPLOAD_MAX_MB = 1
    upload = SimpleUploadedFile("医保.csv", b"x" * (1024 * 1024 + 1))
    with pytest.raises(UserFacingError, match="「医保.csv」有 1.0 MB，超过上传文件上限 1 MB"):
        departmental.start_department_check(user=editor, kind="hospital", upload=upload)
