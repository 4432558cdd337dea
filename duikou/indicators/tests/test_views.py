import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from duikou.core.models import Job
from duikou.indicators import services
from duikou.indicators.models import DataValue
from duikou.plans.tests.factories import people

from .factories import fill, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    return people()


def test_library_lists_indicators_with_their_clauses(client, who):
    client.force_login(who["xy_editor"])
    text = client.get("/indicators/").content.decode()
    assert "消费帮扶金额" in text and "fgzx-2022-766/3/2" in text and "资金到位率" in text


def test_completeness_and_reminders(client, who):
    rep = fill(who["xy_editor"], report())
    client.force_login(who["henan"])
    text = client.get("/indicators/reports/?period=2025Q3").content.decode()
    assert "信阳市—苏州市" in text and "11 / 11" in text
    assert "信阳市—苏州市" in client.get("/indicators/reminders/?period=2025Q3").content.decode()
    services.submit_report(user=who["xy_editor"], report=rep)
    assert "信阳市—苏州市" not in client.get("/indicators/reminders/?period=2025Q3").content.decode()
    book = load_workbook(io.BytesIO(client.get("/indicators/reminders/?period=2025Q3&format=xlsx").content))
    assert book.active.max_row == 1  # 河南 has one pairing with 信阳 and it has reported... only the header is left


def test_bad_period_in_the_page_is_a_message_not_a_crash(client, who):
    client.force_login(who["xy_editor"])
    response = client.get("/indicators/reports/?period=2025Q9")
    assert response.status_code == 200 and "2025Q9" in response.content.decode()
    assert client.get(f"/indicators/entry/{report().pairing_id}/quarterly/2025Q9/").status_code == 404


def test_cell_with_a_bad_number_is_refused_with_the_message(client, who):
    client.force_login(who["xy_editor"])
    rep = report()
    response = client.post(
        f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/cell/", {"indicator": "signed_projects", "value": "六"}
    )
    answer = response.json()
    assert response.status_code == 422 and not answer["saved"]
    assert answer["detail"] == "「签约项目数」的值「六」不是有效数字"
    assert (answer["value"], answer["version"]) == ("", 0)  # the cell as stored: still empty
    assert not DataValue.objects.exists()


def test_cell_of_a_derived_indicator_is_refused_with_the_message(client, who):
    client.force_login(who["xy_editor"])
    rep = report()
    response = client.post(
        f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/cell/", {"indicator": "funds_in_place_rate", "value": "5"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "「资金到位率」是派生指标，由公式计算，不能直接填报"
    assert not DataValue.objects.exists()


def test_saved_cell_answers_with_its_version_and_the_whole_grids_notes(client, who):
    """One value can settle or break another row's rule: the answer brings every row's notes and flag, the checks
    and the derived values, and the revision they were read at."""
    rep = fill(who["xy_editor"], report(), funds_in_place_wan="60000")  # more in place than signed: breaks the rule
    client.force_login(who["xy_editor"])
    stored = DataValue.objects.get(pairing=rep.pairing, period=rep.period, indicator="signed_amount_wan")
    response = client.post(
        f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/cell/",
        {"indicator": "signed_amount_wan", "value": "80,000", "comment": "新签两个大项目", "version": stored.version},
    )
    answer = response.json()
    assert response.status_code == 200 and answer["saved"] and answer["detail"] == ""
    assert (answer["value"], answer["comment"], answer["version"]) == ("80000", "新签两个大项目", stored.version + 1)
    assert answer["revision"] == sum(DataValue.objects.filter(pairing=rep.pairing).values_list("version", flat=True))
    assert answer["rows"]["funds_in_place_wan"] == {
        "flag": "",
        "messages": '<td class="small dk-grid-messages" id="msg-funds_in_place_wan"></td>',
    }
    assert answer["derived"]["funds_in_place_rate"] == "75"  # 60000 / 80000 × 100
    assert 'id="no-violations"' in answer["violations"]


def test_a_change_of_more_than_half_without_a_note_flags_its_row(client, who):
    fill(who["xy_editor"], report("2025Q2"))
    rep = report()
    client.force_login(who["xy_editor"])
    url = f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/cell/"
    answer = client.post(url, {"indicator": "consumption_aid_wan", "value": "5000", "version": "0"}).json()
    assert answer["saved"] and answer["rows"]["consumption_aid_wan"]["flag"] == "note"
    assert "请在说明中写明原因" in answer["rows"]["consumption_aid_wan"]["messages"]
    answer = client.post(
        url, {"indicator": "consumption_aid_wan", "value": "5000", "comment": "新增电商渠道", "version": "1"}
    ).json()
    assert answer["saved"] and answer["rows"]["consumption_aid_wan"]["flag"] == ""


def test_a_cell_saved_by_someone_else_since_is_refused_naming_the_stored_value(client, who):
    rep = report()
    url = f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/cell/"
    client.force_login(who["xy_editor"])
    assert client.post(url, {"indicator": "signed_projects", "value": "7", "version": "0"}).status_code == 200
    response = client.post(url, {"indicator": "signed_projects", "value": "8", "version": "0"})
    answer = response.json()
    assert response.status_code == 409 and not answer["saved"]
    assert "已被他人保存" in answer["detail"] and answer["detail"].endswith("现存值：7")
    assert (answer["value"], answer["version"]) == ("7", 1)
    assert DataValue.objects.get(pairing=rep.pairing, indicator="signed_projects").value == 7


def test_submit_refused_lists_the_violation(client, who):
    rep = fill(who["xy_editor"], report(), funds_in_place_wan="60000")
    client.force_login(who["xy_editor"])
    response = client.post(f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/step/submit/", follow=True)
    assert "不能上报" in response.content.decode() and "实际到位资金不得超过签约金额" in response.content.decode()


def test_import_page_runs_a_job_and_reports_conflicts(client, who):
    client.force_login(who["xy_editor"])
    body = json.dumps(
        {"dataValues": [{"dataElement": "nope", "period": "2025Q3", "orgUnit": report().pairing.code, "value": "1"}]}
    ).encode()
    response = client.post(
        "/indicators/import/", {"file": SimpleUploadedFile("v.json", body), "dry_run": ""}, follow=True
    )
    text = response.content.decode()
    assert "未知指标「nope」" in text and "未写入任何数据" in text
    assert Job.objects.get().status == Job.Status.FAILED and not DataValue.objects.exists()


def test_export_in_three_formats(client, who):
    fill(who["xy_editor"], report())
    client.force_login(who["xy_editor"])
    data = client.get("/indicators/export/?format=json").json()["dataValues"]
    assert {"dataElement": "consumption_aid_wan", "period": "2025Q3", "orgUnit": report().pairing.code}.items() <= (
        next(v for v in data if v["dataElement"] == "consumption_aid_wan").items()
    )
    assert "consumption_aid_wan,2025Q3" in client.get("/indicators/export/?format=csv").content.decode("utf-8-sig")
    assert client.get("/indicators/export/?format=xlsx")["Content-Type"].startswith("application/vnd.openxml")
    assert client.get("/indicators/export/?format=pdf").status_code == 400


def test_api_write_validate_and_approve(client, who):
    from duikou.accounts.services import issue_token

    rep = report()
    _t, city = issue_token(user=who["xy_editor"], name="t")
    _t, henan = issue_token(user=who["henan"], name="t")
    url = f"/api/indicators/reports/{rep.pairing_id}/quarterly/2025Q3"
    put = client.put(
        "/api/indicators/values",
        data=json.dumps(
            {"pairing_id": rep.pairing_id, "indicator": "signed_projects", "period": "2025Q3", "value": "x"}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {city}",
    )
    assert put.status_code == 422 and "不是有效数字" in put.json()["detail"][0]
    fill(who["xy_editor"], rep, funds_in_place_wan="60000")
    result = client.get(url, HTTP_AUTHORIZATION=f"Bearer {city}").json()
    assert [v["code"] for v in result["violations"]] == ["rule:funds_le_signed"] and "submit" in result["steps"]
    refused = client.post(
        f"{url}/steps/submit", data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {city}"
    )
    assert refused.status_code == 422 and any("实际到位资金" in m for m in refused.json()["detail"])
    fill(who["xy_editor"], rep)
    client.post(f"{url}/steps/submit", data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {city}")
    approved = client.post(
        f"{url}/steps/approve", data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {henan}"
    )
    assert approved.json()["status"] == "approved"
    locked = client.put(
        "/api/indicators/values",
        data=json.dumps(
            {"pairing_id": rep.pairing_id, "indicator": "signed_projects", "period": "2025Q3", "value": "9"}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {city}",
    )
    assert locked.status_code in (403, 422) and "锁定" in json.dumps(locked.json(), ensure_ascii=False)


def test_dashboard_keeps_charts_per_organisation(client, who):
    fill(who["xy_editor"], report())
    client.force_login(who["xy_editor"])
    response = client.post(
        "/indicators/dashboard/save/",
        {"indicator": "signed_amount_wan", "rows": "province", "cols": "year", "title": "签约金额按省"},
        follow=True,
    )
    text = response.content.decode()
    assert "签约金额按省" in text and 'class="chart-total">52000<' in text
    client.force_login(who["yanan_editor"])
    assert "签约金额按省" not in client.get("/indicators/dashboard/").content.decode()
    client.force_login(who["xy_approver"])  # same organisation: sees it and may remove it
    from duikou.indicators.models import SavedChart

    chart = SavedChart.objects.get()
    assert client.post(f"/indicators/dashboard/{chart.pk}/remove/").status_code == 302
    assert not SavedChart.objects.exists()


def test_saving_a_chart_with_bad_dimensions_is_refused(client, who):
    client.force_login(who["xy_editor"])
    response = client.post(
        "/indicators/dashboard/save/", {"indicator": "signed_amount_wan", "rows": "x", "cols": "year"}, follow=True
    )
    assert "维度无效" in response.content.decode()


@pytest.mark.parametrize("role", ["viewer", "system_admin", "security_admin", "audit_admin"])
def test_read_only_roles_cannot_save_or_remove_dashboard_charts(client, role):
    """The dashboard is the organisation's shared data: a viewer and the three administrators see it, but only a role
    that changes data may save a chart to it or remove one."""
    from duikou import testing
    from duikou.indicators.models import Indicator, SavedChart

    editor = testing.user("xy_editor", "信阳市人民政府", "editor")
    chart = services.save_chart(
        user=editor,
        title="签约金额按省",
        indicator=Indicator.objects.get(pk="signed_amount_wan"),
        rows="province",
        cols="year",
    )
    client.force_login(testing.user(f"xy_{role}", "信阳市人民政府", role))
    page = client.get("/indicators/dashboard/").content.decode()
    assert "签约金额按省" in page and f"/indicators/dashboard/{chart.pk}/remove/" not in page
    save = client.post(
        "/indicators/dashboard/save/", {"indicator": "signed_amount_wan", "rows": "year", "cols": "province"}
    )
    remove = client.post(f"/indicators/dashboard/{chart.pk}/remove/")
    assert (save.status_code, remove.status_code) == (403, 403)
    assert list(SavedChart.objects.values_list("title", flat=True)) == ["签约金额按省"]


def test_entry_page_says_whose_turn_it_is(client, who):
    rep = services.submit_report(user=who["xy_editor"], report=fill(who["xy_editor"], report()))
    client.force_login(who["xy_editor"])
    response = client.get(f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/")
    turn = f"等待 河南省、江苏省 处理，截止 {rep.step_due.isoformat()}（本地规则）"
    assert str(response.context["turn"]) == turn
    assert f'id="workflow-turn">{turn}</p>' in response.content.decode()


def test_a_saved_cell_and_the_grid_read_the_database_a_bounded_number_of_times(
    client, who, django_assert_max_num_queries
):
    """The grid's busiest path: a saved cell answers from the rows, checks and derived values only (32 queries here
    when this was written, the grid 28; on the demo data of `make run` 35 and 31, from 64 and 39 before), so a page
    that re-reads per step or per row shows up here. The breakdowns' options and the placements per group added one
    read each to the grid; each source registered in ``indicators.records`` reads once (the projects' two
    fund-transaction sums added two, the seconded-people register's count one, the certified purchases one)."""
    rep = fill(who["xy_editor"], report())
    client.force_login(who["xy_editor"])
    grid = f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/"
    client.get(grid)  # the session and the user are read once before counting, as on any later request
    with django_assert_max_num_queries(36):
        page = client.get(grid)
    version = DataValue.objects.get(pairing=rep.pairing, period="2025Q3", indicator="signed_projects").version
    with django_assert_max_num_queries(34):
        saved = client.post(f"{grid}cell/", {"indicator": "signed_projects", "value": "7", "version": version})
    assert page.status_code == 200 and saved.status_code == 200 and saved.json()["saved"]
    assert DataValue.objects.get(pairing=rep.pairing, period="2025Q3", indicator="signed_projects").value == 7


def test_the_grids_save_states_and_leave_warning_are_in_the_pages_language(client, who):
    """entry.js shows the words the page gives it (data-* attributes), translated with the page."""
    rep = report()
    client.force_login(who["xy_editor"])
    client.cookies["django_language"] = "en"
    text = client.get(f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/").content.decode()
    for said in ('data-saving="Saving…"', 'data-saved="Saved"', 'data-refused="Not saved: "', ">Save status</th>"):
        assert said in text
    assert 'data-leave="Some values are still being saved or were not saved; leaving now loses them."' in text
    client.cookies["django_language"] = "zh-hans"
    answer = client.post(
        f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/cell/", {"indicator": "signed_projects", "value": "7"}
    ).json()
    client.cookies["django_language"] = "en"
    refused = client.post(
        f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/cell/",
        {"indicator": "signed_projects", "value": "8", "version": "0"},
    ).json()
    assert answer["saved"] and not refused["saved"]
    assert refused["detail"].endswith(" The stored value is 7.")
