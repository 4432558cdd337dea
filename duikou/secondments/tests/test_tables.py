"""The spreadsheets: an import is all-or-nothing with row and column errors (the ID checked by its check digit and
never echoed), importing a file again changes nothing, and the export reads back the same people, masked."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from duikou import testing
from duikou.core.errors import UserFacingError
from duikou.secondments import tables
from duikou.secondments import testing as st
from duikou.secondments.models import Secondment

pytestmark = pytest.mark.django_db

HEADER = [c.header for c in tables.COLUMNS]


def _row(pairing, serial, name, **over):
    values = {
        "结对编号": f"{pairing.code} 信阳市—苏州市",
        "派出方向": "东部→老区",
        "类别": "挂职干部",
        "姓名": name,
        "身份证号": st.id_number(serial),
        "电话": "13800001111",
        "派出单位": "苏州市商务局",
        "挂职（接收）单位": "信阳市商务局",
        "挂职职务": "副局长",
        "领域": "产业",
        "开始日期": "2026-03-01",
        "结束日期": None,
    } | over
    return [values[h] for h in HEADER]


def _file(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = tables.SHEET
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(user, data, dry_run=False):
    return tables.import_rows(user=user, data=data, filename="people.xlsx", dry_run=dry_run)


def test_an_import_records_everyone_and_the_same_file_again_changes_nothing(xinyang, pairing):
    data = _file(_row(pairing, 51, "周一"), _row(pairing, 52, "吴二", 类别="专业技术人才", 领域="教育"))
    assert _import(xinyang, data)["created"] == 2
    again = _import(xinyang, data)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert Secondment.objects.count() == 2


def test_a_dry_run_writes_nothing(xinyang, pairing):
    assert _import(xinyang, _file(_row(pairing, 53, "郑三")), dry_run=True)["created"] == 1
    assert not Secondment.objects.exists()


def test_the_export_reads_back_the_imported_people_masked(client, xinyang, pairing):
    _import(xinyang, _file(_row(pairing, 54, "王四", 结束日期="2026-12-31"), _row(pairing, 55, "冯五", 领域="规划")))
    client.force_login(xinyang)
    sheet = load_workbook(io.BytesIO(client.get("/secondments/export.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][: len(HEADER)]) == HEADER
    by_name = {r[3]: dict(zip(HEADER + ["状态", "提前结束原因"], r, strict=True)) for r in rows[1:]}
    assert set(by_name) == {"王四", "冯五"}
    wang = by_name["王四"]
    assert wang["身份证号"] == st.id_number(54)[:4] + "*" * 10 + st.id_number(54)[-4:]
    assert wang["电话"] == "138****1111" and wang["领域"] == "产业" and wang["状态"] == "在岗"
    assert wang["开始日期"].date().isoformat() == "2026-03-01" and wang["结束日期"].date().isoformat() == "2026-12-31"
    assert by_name["冯五"]["领域"] == "规划" and by_name["冯五"]["结对编号"] == f"{pairing.code} 信阳市—苏州市"


def test_a_wrong_check_digit_is_refused_at_its_row_and_column_without_the_number(xinyang, pairing):
    good = st.id_number(56)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(UserFacingError) as refused:
        _import(xinyang, _file(_row(pairing, 57, "陈六"), _row(pairing, 56, "褚七", 身份证号=bad)))
    errors = refused.value.details["errors"]
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [(3, "E 身份证号", "（不显示）")]
    assert "校验位" in errors[0]["reason"] and bad not in str(refused.value.details)
    assert not Secondment.objects.exists()  # the good row is not kept either


def test_overlapping_rows_of_one_person_are_refused_at_the_second_row(xinyang, pairing):
    rows = (_row(pairing, 58, "卫八"), _row(pairing, 58, "卫八", 开始日期="2026-05-01"))
    with pytest.raises(UserFacingError) as refused:
        _import(xinyang, _file(*rows))
    (error,) = refused.value.details["errors"]
    assert error["row"] == 3 and error["column"] == "K 开始日期" and "两段挂职时间重叠" in error["reason"]
    assert st.id_number(58) not in str(refused.value.details)
    assert not Secondment.objects.exists()


def test_an_end_before_the_start_is_refused_at_the_end_date_column(xinyang, pairing):
    with pytest.raises(UserFacingError) as refused:
        _import(xinyang, _file(_row(pairing, 59, "蒋九", 结束日期="2026-01-31")))
    (error,) = refused.value.details["errors"]
    assert error["column"] == "L 结束日期" and error["reason"] == "结束日期 2026-01-31 早于开始日期 2026-03-01"


def test_a_pairing_the_importer_does_not_answer_for_is_refused(yanan, pairing):
    with pytest.raises(UserFacingError) as refused:
        _import(yanan, _file(_row(pairing, 60, "沈十")))
    (error,) = refused.value.details["errors"]
    assert error["column"] == "A 结对编号" and "无权" in error["reason"]


def test_the_template_offers_only_the_importers_pairings(xinyang, pairing):
    book = load_workbook(io.BytesIO(tables.template_bytes(xinyang)))
    values = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert f"{pairing.code} 信阳市—苏州市" in values
    assert not any("延安市" in v for v in values)
    assert testing.pairing("延安市", "无锡市").code + " 延安市—无锡市" not in values
