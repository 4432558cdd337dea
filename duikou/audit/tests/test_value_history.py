"""An indicator import's value history in the audit pages: the import's one entry, the page and export of its value
changes, a value's own history page; each scoped as the rest of the audit trail."""

import io

import pytest
from auditlog.models import LogEntry
from openpyxl import load_workbook

from duikou import testing
from duikou.indicators import services, transfer
from duikou.indicators.models import DataValue, Indicator, ValueImport
from duikou.indicators.tests.factories import report
from duikou.plans.tests.factories import people

pytestmark = pytest.mark.django_db


def imported(user, value: str, filename: str, comment: str = "") -> ValueImport:
    pairing = report().pairing
    body = f"dataElement,period,orgUnit,value,comment\nsigned_amount_wan,2025Q3,{pairing.code},{value},{comment}\n"
    transfer.import_values(user=user, data=body.encode(), filename=filename)
    return ValueImport.objects.get(filename=filename)


@pytest.fixture
def who():
    return people()


def test_the_imports_entry_in_the_log_opens_its_value_changes(client, who):
    first = imported(who["xy_editor"], "12.5", "first.csv")
    second = imported(who["xy_approver"], "20", "second.csv", "口径调整")
    auditor = testing.user("xy_auditor", "信阳市人民政府", "audit_admin")
    client.force_login(auditor)
    log = client.get("/audit/", {"model": "valueimport"}).content.decode()
    assert f'href="/audit/imports/{first.pk}/"' in log and "first.csv" in log
    page = client.get(f"/audit/imports/{second.pk}/").content.decode()
    assert "second.csv" in page and "xy_approver" in page and "口径调整" in page
    assert "12.5000" in page and "20.0000" in page  # before and after
    value = DataValue.objects.get(indicator="signed_amount_wan")
    assert f'href="/indicators/values/{value.pk}/history/"' in page


def test_the_export_of_an_import_names_who_set_each_value_to_what_and_from_which_file(client, who):
    imported(who["xy_editor"], "12.5", "first.csv")
    second = imported(who["xy_editor"], "20", "second.csv")
    client.force_login(testing.user("xy_auditor", "信阳市人民政府", "audit_admin"))
    response = client.get(f"/audit/imports/{second.pk}/export.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 2
    assert (row["用户"], row["操作"], row["原数值"], row["新数值"], row["导入文件"]) == (
        "xy_editor",
        "修改",
        "12.5",
        "20",
        "second.csv",
    )
    assert row["数值编号"] == DataValue.objects.get(indicator="signed_amount_wan").pk


def test_a_values_history_page_joins_its_imports_and_its_cell_saves(client, who):
    imported(who["xy_editor"], "12.5", "first.csv")
    value = DataValue.objects.get(indicator="signed_amount_wan")
    services.save_value(
        user=who["xy_editor"], report=report(), indicator=Indicator.objects.get(pk="signed_amount_wan"), value="30"
    )
    client.force_login(who["xy_approver"])
    page = client.get(f"/indicators/values/{value.pk}/history/").content.decode()
    assert "导入「first.csv」：将数值设为「12.5」" in page
    assert "12.5" in page and "30" in page and page.count("xy_editor") >= 2
    # the cell save keeps its own entry in the audit log, as before
    assert LogEntry.objects.get_for_object(value).filter(action=LogEntry.Action.UPDATE).exists()


def test_users_outside_the_pairings_area_see_none_of_its_value_history(client, who):
    record = imported(who["xy_editor"], "12.5", "first.csv")
    value = DataValue.objects.get(indicator="signed_amount_wan")
    client.force_login(who["yanan_editor"])
    assert client.get(f"/indicators/values/{value.pk}/history/").status_code == 404
    client.force_login(testing.user("ya_auditor", "延安市人民政府", "audit_admin"))
    assert client.get(f"/audit/imports/{record.pk}/").status_code == 404
    assert client.get(f"/audit/imports/{record.pk}/export.xlsx").status_code == 404
    # a national audit admin reads the import; the editor who made it reads no audit log
    client.force_login(testing.user("nat_auditor", "国家发展改革委（振兴司）", "audit_admin"))
    assert "first.csv" in client.get(f"/audit/imports/{record.pk}/").content.decode()
    client.force_login(who["xy_editor"])
    assert client.get(f"/audit/imports/{record.pk}/").status_code == 403


def test_the_system_admin_reads_no_value_history(client, who):
    imported(who["xy_editor"], "12.5", "first.csv", "首批")
    value = DataValue.objects.get(indicator="signed_amount_wan")
    client.force_login(testing.user("xy_sysadmin", "信阳市人民政府", "system_admin"))
    page = client.get(f"/indicators/values/{value.pk}/history/").content.decode()
    assert "first.csv" not in page and "暂无修改记录" in page
