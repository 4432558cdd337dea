"""A project's money as dated transactions: recorded and cancelled through the services, summed per period, imported
and exported, through the API, and shown beside the reported 实际到位资金 in the reporting grid."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from duikou import testing
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.indicators.models import DataSet
from duikou.indicators.services import get_report
from duikou.projects import queries, services, tables
from duikou.projects import testing as pt
from duikou.projects.models import FundTransaction

from .test_api import bearer

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def world():
    xinyang = testing.pairing("信阳市", "苏州市")
    editor = testing.user("xy_funds", "信阳市人民政府", "editor")
    project = pt.project(
        xinyang,
        "潢川电子产业园",
        investment_planned=Decimal("2000"),
        start_date=D(2024, 1, 1),
        end_date=D(2026, 12, 31),
    )
    return {"xinyang": xinyang, "editor": editor, "project": project}


MAY_20 = D(2025, 5, 20)


def add(world, kind="disbursement", date=MAY_20, amount="300", **extra):
    values = {"source": "social_capital", "provider": "苏州某投资公司", "receiver": "潢川县某公司"} | extra
    return services.add_fund_transaction(
        project=world["project"], user=world["editor"], kind=kind, date=date, amount_wan=amount, **values
    )


# --- services -----------------------------------------------------------------------------------------------------


def test_a_transaction_is_recorded_with_its_amount_in_cents(world):
    record = add(world, amount="300.5")
    record.refresh_from_db()
    assert (record.kind, record.amount_wan, record.status, record.version) == (
        "disbursement",
        Decimal("300.50"),
        "active",
        1,
    )


def test_a_date_before_the_project_starts_is_refused_naming_the_transaction_and_the_project_dates(world):
    with pytest.raises(ValidationError) as caught:
        add(world, date=D(2023, 12, 31), amount="100")
    message = caught.value.message_dict["date"][0]
    assert "2023-12-31 拨付到位 100.00 万元" in message
    assert "潢川电子产业园" in message and "2024-01-01 至 2026-12-31" in message
    assert not FundTransaction.objects.exists()


def test_a_project_without_dates_lives_within_its_pairing_period(world):
    bare = pt.project(world["xinyang"], "无起止日期的项目")
    start, end = bare.life()
    assert start == D(world["xinyang"].start_year, 1, 1) and end == D(world["xinyang"].end_year, 12, 31)
    with pytest.raises(ValidationError) as caught:
        services.add_fund_transaction(
            project=bare,
            user=world["editor"],
            kind="commitment",
            date=end + datetime.timedelta(days=1),
            amount_wan="10",
            source="other",
        )
    assert f"{start} 至 {end}" in caught.value.message_dict["date"][0]


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_an_amount_of_zero_or_less_is_refused_naming_the_transaction(world, amount):
    with pytest.raises(ValidationError) as caught:
        add(world, amount=amount)
    assert "2025-05-20 拨付到位" in caught.value.message_dict["amount_wan"][0]
    assert "须大于 0 万元" in caught.value.message_dict["amount_wan"][0]


def test_the_same_transaction_twice_is_refused(world):
    add(world, reference="苏投〔2025〕1号")
    with pytest.raises(ValidationError) as caught:
        add(world, reference="苏投〔2025〕1号")
    assert "请填写不同的文号" in " ".join(caught.value.messages)


def test_a_cancelled_transaction_stays_with_its_reason_and_no_longer_counts(world):
    record = add(world, amount="300")
    add(world, amount="200", date=D(2025, 6, 1))
    cancelled = services.cancel_fund_transaction(
        fund_transaction=record, user=world["editor"], expected_version=1, reason="金额录错"
    )
    assert (cancelled.status, cancelled.cancel_reason, cancelled.version) == ("cancelled", "金额录错", 2)
    assert cancelled.cancelled_by == world["editor"] and cancelled.cancelled_at is not None
    assert FundTransaction.objects.count() == 2
    [year] = queries.fund_figures(world["editor"], project=world["project"])
    assert year["in_place"] == Decimal("200")
    # the same transaction, entered again correctly, is not taken for the cancelled one
    add(world, amount="300")


def test_cancelling_without_a_reason_is_refused(world):
    record = add(world)
    with pytest.raises(ValidationError) as caught:
        services.cancel_fund_transaction(fund_transaction=record, user=world["editor"], expected_version=1, reason=" ")
    assert "须填写原因" in caught.value.message_dict["reason"][0]
    assert "2025-05-20 拨付到位 300.00 万元" in caught.value.message_dict["reason"][0]


def test_cancelling_a_stale_version_is_refused(world):
    record = add(world)
    services.cancel_fund_transaction(fund_transaction=record, user=world["editor"], expected_version=1, reason="重复")
    with pytest.raises(StaleObjectError):
        services.cancel_fund_transaction(
            fund_transaction=record, user=world["editor"], expected_version=1, reason="再次作废"
        )


def test_cancelling_twice_is_refused_with_a_message(world):
    record = add(world)
    fresh = services.cancel_fund_transaction(
        fund_transaction=record, user=world["editor"], expected_version=1, reason="重复"
    )
    with pytest.raises(ValidationError) as caught:
        services.cancel_fund_transaction(fund_transaction=fresh, user=world["editor"], expected_version=2, reason="再")
    assert "已作废" in caught.value.messages[0]


def test_a_city_outside_the_pairing_cannot_record_a_transaction(world):
    stranger = testing.user("ya_funds", "延安市人民政府", "editor")
    with pytest.raises(PermissionDenied):
        services.add_fund_transaction(
            project=world["project"],
            user=stranger,
            kind="commitment",
            date=D(2025, 1, 1),
            amount_wan="1",
            source="other",
        )


# --- per period ---------------------------------------------------------------------------------------------------


def test_figures_per_year_quarter_and_month_with_running_totals_against_the_plan(world):
    add(world, kind="commitment", date=D(2024, 11, 5), amount="1500")
    add(world, date=D(2024, 12, 20), amount="400")
    add(world, date=D(2025, 2, 10), amount="600")
    add(world, date=D(2025, 2, 25), amount="100")
    add(world, kind="expenditure", date=D(2025, 8, 1), amount="250")
    years = queries.fund_figures(world["editor"], project=world["project"], by="year")
    assert [(y["period"], y["signed"], y["in_place"], y["spent"]) for y in years] == [
        ("2024", Decimal("1500"), Decimal("400"), Decimal("0")),
        ("2025", Decimal("0"), Decimal("700"), Decimal("250")),
    ]
    assert years[-1]["in_place_total"] == Decimal("1100") and years[-1]["in_place_share"] == Decimal("55.0")
    quarters = queries.fund_figures(world["editor"], pairing=world["xinyang"].pk, by="quarter")
    assert [q["period"] for q in quarters] == ["2024Q4", "2025Q1", "2025Q3"]
    assert quarters[1]["in_place"] == Decimal("700")
    months = queries.fund_figures(world["editor"], project=world["project"], by="month")
    assert [m["period"] for m in months] == ["2024-11", "2024-12", "2025-02", "2025-08"]


def test_pairing_figures_add_up_the_pairing_projects_and_their_plans(world):
    other = pt.project(world["xinyang"], "茶叶加工", investment_planned=Decimal("1000"))
    add(world, date=D(2025, 3, 1), amount="300")
    services.add_fund_transaction(
        project=other, user=world["editor"], kind="disbursement", date=D(2025, 3, 2), amount_wan="150", source="other"
    )
    [quarter] = queries.fund_figures(world["editor"], pairing=world["xinyang"].pk, by="quarter")
    assert quarter["in_place"] == Decimal("450") and quarter["planned"] == Decimal("3000")


# --- import and export --------------------------------------------------------------------------------------------

HEADERS = [c.header for c in tables.FUND_COLUMNS]


def fund_row(**overrides) -> dict:
    return {
        "项目": "N09 潢川电子产业园",
        "类型": "拨付到位",
        "日期": "2025-05-20",
        "金额（万元）": 300,
        "资金来源": "东部城市财政资金",
        "提供方": "苏州市财政局",
        "接收方": "潢川县财政局",
        "文号或凭证号": "苏财〔2025〕8号",
        "备注": "",
    } | overrides


def workbook(rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "资金往来"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h) for h in HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def import_funds(world, data: bytes, filename="funds.xlsx", dry_run=False):
    return tables.import_kind(kind="funds", user=world["editor"], data=data, filename=filename, dry_run=dry_run)


def test_import_dry_run_writes_nothing_then_the_import_records_every_row(world):
    data = workbook([fund_row(), fund_row(类型="签约承诺", 日期="2024-06-01", **{"金额（万元）": 1200})])
    assert import_funds(world, data, dry_run=True)["created"] == 2
    assert not FundTransaction.objects.exists()
    assert import_funds(world, data)["created"] == 2
    assert sorted(FundTransaction.objects.values_list("kind", flat=True)) == ["commitment", "disbursement"]
    assert import_funds(world, data)["unchanged"] == 2


def test_import_refuses_the_whole_file_naming_row_and_column_of_each_bad_cell(world):
    data = workbook([fund_row(), fund_row(日期="2023-05-01"), fund_row(项目="N09 不存在的项目", **{"金额（万元）": 0})])
    with pytest.raises(UserFacingError) as caught:
        import_funds(world, data)
    errors = caught.value.details["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(3, "C 日期"), (4, "A 项目"), (4, "D 金额（万元）")}
    date_error = next(e for e in errors if e["row"] == 3)
    assert "2024-01-01 至 2026-12-31" in date_error["reason"]
    assert not FundTransaction.objects.exists()


def test_an_imported_row_like_a_cancelled_transaction_is_recorded_anew(world):
    record = add(world, amount="300", source="eastern_fiscal", reference="苏财〔2025〕8号")
    services.cancel_fund_transaction(fund_transaction=record, user=world["editor"], expected_version=1, reason="错")
    assert import_funds(world, workbook([fund_row()]))["created"] == 1
    assert FundTransaction.objects.filter(status="active").count() == 1


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_loads_back_unchanged(world, fmt):
    add(world, kind="commitment", date=D(2024, 6, 1), amount="1200.5", note="第一笔\n签约")
    add(world, amount="300", reference="=cmd|' /C calc'!A0")
    cancelled = add(world, amount="99")
    services.cancel_fund_transaction(fund_transaction=cancelled, user=world["editor"], expected_version=1, reason="错")
    _name, content = tables.export_file(kind="funds", user=world["editor"], filters={}, fmt=fmt)
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == HEADERS and len(rows) == 3  # the cancelled one is not exported
    result = import_funds(world, content, filename=f"funds.{fmt}")
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 2)


def test_cli_exports_the_pairing_transactions_and_imports_them_back_unchanged(world, tmp_path, capsys):
    add(world, amount="300")
    add(world, kind="commitment", amount="900")
    out = tmp_path / "funds.csv"
    call_command("export-funds", str(out), "--user", "xy_funds", "--pairing", "N09")
    assert out.read_text(encoding="utf-8-sig").count("N09 潢川电子产业园") == 2
    call_command("import-funds", str(out), "--user", "xy_funds")
    assert "新增 0 条、更新 0 条，2 条无变化" in capsys.readouterr().out


def test_the_template_offers_the_user_projects_and_the_kinds_as_dropdowns(world):
    pt.project(testing.pairing("延安市", "无锡市"), "延安项目")
    book = load_workbook(io.BytesIO(tables.template_for(tables.FUND_SPEC, world["editor"])))
    assert [c.value for c in book["资金往来"][1]] == HEADERS
    options = book["选项"]
    columns = {options.cell(1, c).value: c for c in range(1, options.max_column + 1)}

    def listed(key):
        column = columns[key]
        return [r[0] for r in options.iter_rows(min_row=2, min_col=column, max_col=column, values_only=True) if r[0]]

    assert listed("project") == ["N09 潢川电子产业园"]
    assert listed("kind") == ["签约承诺", "拨付到位", "支出"]
    checked = {str(v.sqref).split(":")[0] for v in book["资金往来"].data_validations.dataValidation}
    assert {"A2", "B2", "D2", "E2"} <= checked


# --- API ----------------------------------------------------------------------------------------------------------


def api_post(client, url, data, user):
    return client.post(url, json.dumps(data), content_type="application/json", **bearer(user))


def test_api_records_lists_and_cancels_transactions(client, world):
    url = f"/api/projects/{world['project'].pk}/funds"
    payload = {"kind": "disbursement", "date": "2025-05-20", "amount_wan": "300", "source": "social_capital"}
    created = api_post(client, url, payload, world["editor"])
    assert created.status_code == 201, created.content
    record = created.json()
    assert record["amount_wan"] in ("300.00", "300.0", "300") and record["status"] == "active"
    cancel = f"/api/projects/funds/{record['id']}/cancel"
    assert api_post(client, cancel, {"version": 1, "reason": "录重了"}, world["editor"]).json()["status"] == "cancelled"
    stale = api_post(client, cancel, {"version": 1, "reason": "再次"}, world["editor"])
    assert stale.status_code == 409
    listed = client.get(url, **bearer(world["editor"])).json()
    assert [(r["id"], r["cancel_reason"]) for r in listed] == [(record["id"], "录重了")]


def test_api_refuses_a_date_outside_the_project_with_the_reason(client, world):
    payload = {"kind": "commitment", "date": "2027-01-01", "amount_wan": "5", "source": "other"}
    answer = api_post(client, f"/api/projects/{world['project'].pk}/funds", payload, world["editor"])
    assert answer.status_code == 422
    assert "2024-01-01 至 2026-12-31" in " ".join(answer.json()["detail"])


def test_api_figures_per_quarter_of_a_pairing(client, world):
    add(world, date=D(2025, 2, 1), amount="100")
    add(world, date=D(2025, 8, 1), amount="50")
    answer = client.get(
        f"/api/projects/funds/figures?pairing={world['xinyang'].pk}&by=quarter", **bearer(world["editor"])
    )
    assert [(r["period"], Decimal(r["in_place"])) for r in answer.json()] == [
        ("2025Q1", Decimal("100")),
        ("2025Q3", Decimal("50")),
    ]
    assert client.get("/api/projects/funds/figures?by=week", **bearer(world["editor"])).status_code == 422


# --- pages --------------------------------------------------------------------------------------------------------


def test_the_project_page_records_a_transaction_and_shows_the_year_figures(client, world):
    client.force_login(world["editor"])
    url = f"/projects/{world['project'].pk}/"
    data = {"kind": "disbursement", "date": "2025-05-20", "amount_wan": "300", "source": "social_capital"}
    answer = client.post(f"{url}funds/", data)
    assert answer.status_code == 302
    html = client.get(url).content.decode()
    assert 'id="fund-figures"' in html and 'data-period="2025"' in html and "300.00" in html


def test_the_project_page_shows_a_refused_date_at_the_field(client, world):
    client.force_login(world["editor"])
    data = {"kind": "disbursement", "date": "2027-02-01", "amount_wan": "300", "source": "social_capital"}
    answer = client.post(f"/projects/{world['project'].pk}/funds/", data)
    assert answer.status_code == 400
    assert "2024-01-01 至 2026-12-31" in answer.content.decode()


def test_a_transaction_is_cancelled_through_the_page_with_its_reason(client, world):
    client.force_login(world["editor"])
    record = add(world)
    client.post(f"/projects/funds/{record.pk}/cancel/", {"version": 1, "reason": "凭证有误"})
    record.refresh_from_db()
    assert (record.status, record.cancel_reason) == ("cancelled", "凭证有误")
    page = client.get(f"/projects/{world['project'].pk}/").content.decode()
    assert "凭证有误" in page


def test_the_transactions_page_adds_up_the_chosen_pairing_per_quarter(client, world):
    client.force_login(world["editor"])
    add(world, date=D(2025, 2, 1), amount="100")
    add(world, date=D(2025, 3, 1), amount="40")
    add(world, date=D(2025, 8, 1), amount="50")
    html = client.get(f"/projects/funds/?pairing={world['xinyang'].pk}&by=quarter").content.decode()
    first = html[html.index('data-period="2025Q1"') :].split("</tr>")[0]
    assert '<td class="text-end fund-in-place">140.00</td>' in first
    assert 'data-period="2025Q3"' in html and 'data-period="2025"' not in html


def test_the_projects_list_shows_the_disbursements_beside_the_reported_funds(client, world):
    client.force_login(world["editor"])
    add(world, amount="123.45")
    html = client.get("/projects/").content.decode()
    assert "到位记录（万元）" in html and '<td class="text-end funds-in-place">123.45</td>' in html


def test_the_reporting_grid_shows_the_disbursements_beside_the_reported_funds_in_place(client, world):
    add(world, date=D(2025, 7, 3), amount="300")
    add(world, date=D(2025, 9, 30), amount="200")
    add(world, date=D(2025, 10, 1), amount="999")  # the next quarter
    add(world, kind="commitment", date=D(2025, 8, 1), amount="800")
    report = get_report(pairing=world["xinyang"], dataset=DataSet.objects.get(pk="quarterly"), period="2025Q3")
    client.force_login(world["editor"])
    html = client.get(f"/indicators/entry/{world['xinyang'].pk}/quarterly/2025Q3/").content.decode()
    assert report.pk
    funds_row = html[html.index('id="r-funds_in_place_wan"') :].split("</td>")[0]
    assert "资金到位记录：500" in funds_row
    signed_row = html[html.index('id="r-signed_amount_wan"') :].split("</td>")[0]
    assert "签约承诺记录：800" in signed_row
