"""分类明细 (breakdowns): sub-rows of an indicator entered under its total, the rule that they add up to it, the
records per option beside them, pivoting by option, and dataValueSets naming options as category option combos."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from duikou.accounts.services import issue_token
from duikou.core.actors import Operator
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.indicators import analytics, services, transfer
from duikou.indicators.models import Breakdown, BreakdownOption, DataValue, Indicator
from duikou.plans.tests.factories import people

from .factories import fill, report

pytestmark = pytest.mark.django_db

LABOUR = "labour_coop_persons"


@pytest.fixture
def who():
    return people()


def option(code: str, indicator: str = LABOUR) -> BreakdownOption:
    return Indicator.objects.get(pk=indicator).breakdown.options.get(code=code)


def sub(user, rep, code: str, value, indicator: str = LABOUR, **kwargs):
    return services.save_value(
        user=user,
        report=rep,
        indicator=Indicator.objects.get(pk=indicator),
        value=value,
        option=option(code, indicator),
        **kwargs,
    )


# ---- the library ---------------------------------------------------------------------------------------------


def test_the_seeded_breakdowns_are_exhaustive_and_carry_dhis2_uids():
    carried = dict(Indicator.objects.filter(breakdown__isnull=False).values_list("code", "breakdown_id"))
    assert carried == {
        "labour_coop_persons": "labour_group",
        "training_persons": "training_kind",
        "consumption_aid_wan": "product_category",
    }
    for breakdown in Breakdown.objects.all():
        names = list(breakdown.options.values_list("name", flat=True))
        assert names[-1] == "其他"  # what is not in one option is in another: sub-rows add up to the total
    assert list(option("lifted").breakdown.options.values_list("name", flat=True)) == ["脱贫人口", "监测对象", "其他"]
    from duikou.markets.models import ProductCategory

    products = set(Breakdown.objects.get(pk="product_category").options.values_list("code", flat=True))
    assert products == {c.value for c in ProductCategory} | {"other"}
    assert all(len(uid) == 11 for uid in BreakdownOption.objects.values_list("uid", flat=True))


def test_reseeding_keeps_the_breakdowns_and_their_uids():
    before = sorted(BreakdownOption.objects.values_list("breakdown_id", "code", "uid"))
    assert "分类明细 3" in services.load_starter_library()
    assert sorted(BreakdownOption.objects.values_list("breakdown_id", "code", "uid")) == before
    assert Indicator.objects.get(pk=LABOUR).breakdown_id == "labour_group"


# ---- sub-rows and the rule that they add up --------------------------------------------------------------------


def test_a_sub_row_is_saved_beside_the_total_without_touching_it(who):
    rep = fill(who["xy_editor"], report())
    saved = sub(who["xy_editor"], rep, "monitored", "120")
    assert (saved.option.code, saved.value, saved.version) == ("monitored", Decimal("120"), 1)
    total = DataValue.objects.get(indicator=LABOUR, option__isnull=True)
    assert total.value == Decimal("350") and total.version == 1
    assert services.values_of(rep)[LABOUR].value == Decimal("350")  # the totals only
    assert services.completeness(rep) == (11, 11)  # sub-rows are not counted as values to fill


def test_sub_rows_that_do_not_add_up_name_the_indicator_the_period_and_the_difference(who):
    rep = fill(who["xy_editor"], report())
    sub(who["xy_editor"], rep, "lifted", "200")
    sub(who["xy_editor"], rep, "monitored", "100")
    found = [v for v in services.validate_report(rep) if v.code == f"breakdown:{LABOUR}"]
    assert len(found) == 1 and found[0].severity == "error"
    assert found[0].message == "「劳务协作人数」2025年第3季度 各分类子项之和为 300，与合计 350 不符（相差 -50）"


def test_submitting_with_sub_rows_that_do_not_add_up_is_refused(who):
    rep = fill(who["xy_editor"], report())
    sub(who["xy_editor"], rep, "lifted", "200")
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_report(user=who["xy_editor"], report=rep)
    assert any("劳务协作人数" in m and "相差 -150" in m for m in refused.value.messages)
    sub(who["xy_editor"], rep, "other", "150")
    rep.refresh_from_db()
    assert services.submit_report(user=who["xy_editor"], report=rep).status == "submitted"
    # the sub-rows follow their report: locked with it
    assert set(DataValue.objects.filter(option__isnull=False).values_list("status", flat=True)) == {"submitted"}


def test_an_option_of_another_breakdown_is_refused_by_name(who):
    rep = report()
    with pytest.raises(ValidationError, match="「茶叶」不是指标「劳务协作人数」的分类选项"):
        services.save_value(
            user=who["xy_editor"],
            report=rep,
            indicator=Indicator.objects.get(pk=LABOUR),
            value="3",
            option=option("tea", "consumption_aid_wan"),
        )
    assert not DataValue.objects.exists()


def test_two_first_saves_of_a_sub_row_keep_one_and_tell_the_other(who):
    rep = report()
    sub(who["xy_editor"], rep, "lifted", "5", expected_version=0)
    with pytest.raises(StaleObjectError) as stale:
        sub(who["sz_approver"], rep, "lifted", "6", expected_version=0)
    assert "「劳务协作人数·脱贫人口」2025Q3 的数值已被他人保存（第 1 版）" in str(stale.value)
    assert DataValue.objects.get(option__code="lifted").value == Decimal("5")
    sub(who["sz_approver"], rep, "lifted", "6", expected_version=1)
    assert DataValue.objects.get(option__code="lifted").version == 2


# ---- the grid -------------------------------------------------------------------------------------------------


def _placed_worker(*, monitored: bool | None, serial: int):
    """A worker from 潢川县 (信阳) placed in 苏州 on 2025-08-01; ``monitored`` True/False: a member of a registry
    household with/without a monitoring category; None: not in the registry."""
    from duikou.markets.labour import services as labour
    from duikou.markets.labour import testing as lt
    from duikou.monitoring import services as monitoring
    from duikou.monitoring import testing as mt

    number = lt.id_number(serial)
    if monitored is not None:
        township, village = mt.place("xinyang")
        household = monitoring.create_household(
            user=Operator(),
            township=township,
            village=village,
            number=f"H{serial:03d}",
            head_name="刘大",
            category="marginal" if monitored else "",
        )
        monitoring.add_member(user=Operator(), household=household, name="刘大", id_number=number)
    seeker = lt.seeker(serial=serial, id_number_=number)
    posting = lt.posting(headcount=5)
    return labour.record_placement(
        user=Operator(), seeker=seeker, posting=posting, start_date=datetime.date(2025, 8, 1), wage=5500
    )


def test_the_grid_shows_sub_rows_under_the_total_with_the_placements_per_group(client, who):
    rep = report()
    _placed_worker(monitored=True, serial=11)
    _placed_worker(monitored=False, serial=12)
    _placed_worker(monitored=None, serial=13)
    _placed_worker(monitored=None, serial=14)
    client.force_login(who["xy_editor"])
    page = client.get(f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/").content.decode()
    order = [page.index(f'id="row-{key}"') for key in (LABOUR, f"{LABOUR}__lifted", f"{LABOUR}__other")]
    assert order == sorted(order) and page.index('id="row-training_persons"') > order[-1]
    assert "其中：监测对象" in page
    recorded = {
        key: page[page.index(f'id="r-{LABOUR}{key}"') :].split("</div></div>")[0]
        for key in ("", "__lifted", "__monitored", "__other")
    }
    assert "就业安置记录：4" in recorded[""]
    assert "就业安置记录：1" in recorded["__lifted"] and "就业安置记录：1" in recorded["__monitored"]
    assert "就业安置记录：2" in recorded["__other"]


def test_a_sub_row_cell_is_saved_through_the_grid_and_answers_the_sum_check(client, who):
    rep = fill(who["xy_editor"], report())
    client.force_login(who["xy_editor"])
    url = f"/indicators/entry/{rep.pairing_id}/quarterly/2025Q3/cell/"
    answer = client.post(url, {"indicator": LABOUR, "option": "lifted", "value": "300", "version": "0"}).json()
    assert answer["saved"] and answer["option"] == "lifted" and answer["version"] == 1
    assert f"{LABOUR}__lifted" in answer["rows"]
    assert "各分类子项之和为 300，与合计 350 不符（相差 -50）" in answer["violations"]
    stale = client.post(url, {"indicator": LABOUR, "option": "lifted", "value": "310", "version": "0"})
    assert stale.status_code == 409 and "劳务协作人数·脱贫人口" in stale.json()["detail"]
    assert client.post(url, {"indicator": "signed_projects", "option": "lifted", "value": "1"}).status_code == 404


# ---- analytics, export, API ---------------------------------------------------------------------------------


def test_pivot_by_option_and_totals_unaffected_by_sub_rows(who):
    rep = fill(who["xy_editor"], report())
    sub(who["xy_editor"], rep, "lifted", "200")
    sub(who["xy_editor"], rep, "other", "150")
    analytics.refresh(full=True)
    by_option = analytics.pivot(who["henan"], indicator=LABOUR, rows="option", cols="year")
    assert dict(zip(by_option["rows"], by_option["row_totals"], strict=True)) == {
        "脱贫人口": Decimal("200"),
        "其他": Decimal("150"),
    }
    assert by_option["total"] == Decimal("350")  # the sum of the sub-rows
    by_province = analytics.pivot(who["henan"], indicator=LABOUR, rows="province", cols="year")
    assert by_province["total"] == Decimal("350")  # the total, not the total plus its parts
    plain = analytics.pivot(who["henan"], indicator="signed_projects", rows="option", cols="year")
    assert plain["total"] is None and plain["rows"] == []  # an indicator without a breakdown has no options


def test_the_pivot_page_offers_the_option_dimension(client, who):
    rep = fill(who["xy_editor"], report())
    sub(who["xy_editor"], rep, "monitored", "350")
    client.force_login(who["henan"])
    page = client.get(f"/indicators/analytics/?indicator={LABOUR}&rows=option&cols=year").content.decode()
    assert "分类选项" in page and "监测对象" in page


def test_exports_name_the_option_of_each_sub_row(who, client):
    rep = fill(who["xy_editor"], report())
    sub(who["xy_editor"], rep, "monitored", "350")
    body, _n, _t = transfer.export_values(DataValue.objects.all(), "json")
    rows = [r for r in json.loads(body)["dataValues"] if r["dataElement"] == LABOUR]
    assert [r.get("categoryOptionCombo") for r in rows] == [None, option("monitored").uid]
    xlsx, _n, _t = transfer.export_values(DataValue.objects.all(), "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx)).active
    header = [c.value for c in sheet[1]]
    assert header[-1] == "categoryOptionCombo"
    assert option("monitored").uid in [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    # and what was exported comes back unchanged
    again = transfer.import_values(user=who["xy_editor"], data=body, filename="dataValueSets.json")
    assert again["importCount"]["ignored"] == 12


def test_the_api_reads_and_writes_a_sub_row(who, client):
    rep = fill(who["xy_editor"], report())
    _t, key = issue_token(user=who["xy_editor"], name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = {"pairing_id": rep.pairing_id, "indicator": LABOUR, "period": "2025Q3", "option": "other", "value": "9"}
    put = client.put("/api/indicators/values", data=json.dumps(body), content_type="application/json", **auth)
    assert put.status_code == 200 and put.json()["option"] == "other"
    values = client.get(f"/api/indicators/values?indicator={LABOUR}", **auth).json()
    assert [(v["option"], v["value"]) for v in values] == [("", "350.0000"), ("other", "9.0000")]
    wrong = client.put(
        "/api/indicators/values",
        data=json.dumps({**body, "indicator": "signed_projects"}),
        content_type="application/json",
        **auth,
    )
    assert wrong.status_code == 422 and "签约项目数" in str(wrong.json()["detail"])


# ---- dataValueSets --------------------------------------------------------------------------------------------


def test_a_dhis2_set_with_breakdown_combos_fills_the_sub_rows(who):
    """The shape of DHIS2's documentation (Data values → Sending bulks of data values): set-level dataSet,
    completeDate, period, orgUnit and attributeOptionCombo; each value its dataElement and categoryOptionCombo."""
    org = report().pairing.code
    body = json.dumps(
        {
            "dataSet": "quarterly",
            "completeDate": "2025-10-10",
            "period": "2025Q3",
            "orgUnit": org,
            "attributeOptionCombo": "HllvX50cXC0",
            "dataValues": [
                {"dataElement": LABOUR, "categoryOptionCombo": "HllvX50cXC0", "value": "10", "comment": "合计"},
                {"dataElement": LABOUR, "categoryOptionCombo": option("lifted").uid, "value": "6"},
                {"dataElement": LABOUR, "categoryOptionCombo": option("monitored").uid, "value": "3"},
                {"dataElement": LABOUR, "categoryOptionCombo": "other", "value": "1"},  # by the option's code
            ],
        }
    ).encode()
    result = transfer.import_values(user=who["xy_editor"], data=body, filename="dataValueSets.json")
    assert result["importCount"] == {"imported": 4, "updated": 0, "ignored": 0, "deleted": 0}
    stored = dict(DataValue.objects.values_list("option__code", "value"))
    assert stored == {None: Decimal("10"), "lifted": Decimal("6"), "monitored": Decimal("3"), "other": Decimal("1")}
    again = transfer.import_values(user=who["xy_editor"], data=body, filename="dataValueSets.json")
    assert again["importCount"]["ignored"] == 4


def test_a_combo_the_indicator_does_not_have_is_refused_by_row_and_column(who):
    org = report().pairing.code
    body = {"period": "2025Q3", "orgUnit": org, "dataValues": [
        {"dataElement": LABOUR, "categoryOptionCombo": "lifted", "value": "3"},
        {"dataElement": "signed_projects", "categoryOptionCombo": option("lifted").uid, "value": "3"},
        {"dataElement": LABOUR, "categoryOptionCombo": "Prlt0C1RF0s", "value": "3"},
    ]}  # fmt: skip
    with pytest.raises(UserFacingError) as exc:
        transfer.import_values(user=who["xy_editor"], data=json.dumps(body).encode(), filename="a.json")
    errors = exc.value.details["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "categoryOptionCombo"), (3, "categoryOptionCombo")]
    assert "「签约项目数」" in errors[0]["reason"] and option("lifted").uid in errors[0]["reason"]
    assert "只接受 default" in errors[0]["reason"]
    assert "「劳务协作人数」" in errors[1]["reason"] and "Prlt0C1RF0s" in errors[1]["reason"]
    assert not DataValue.objects.exists()


def test_the_same_sub_row_twice_in_a_file_is_refused_as_a_duplicate(who):
    org = report().pairing.code
    body = {"period": "2025Q3", "orgUnit": org, "dataValues": [
        {"dataElement": LABOUR, "categoryOptionCombo": "lifted", "value": "3"},
        {"dataElement": LABOUR, "categoryOptionCombo": option("lifted").uid, "value": "4"},
        {"dataElement": LABOUR, "value": "7"},
    ]}  # fmt: skip
    with pytest.raises(UserFacingError) as exc:
        transfer.import_values(user=who["xy_editor"], data=json.dumps(body).encode(), filename="a.json")
    errors = exc.value.details["errors"]
    assert [(e["row"], e["reason"]) for e in errors] == [(2, "与第 1 行重复（同一结对、指标、分类选项、报告期）")]


def test_a_records_source_may_answer_per_option_beside_the_old_total_only_sources(monkeypatch):
    from duikou.indicators import records

    monkeypatch.setattr(records, "_SOURCES", {})
    span = {"pairing": 1, "since": datetime.date(2025, 7, 1), "until": datetime.date(2025, 9, 30)}
    records.register("training_persons", "课时记录", lambda user, *, pairing, since, until: Decimal(7))
    records.register(
        "training_persons", "名单", None, by_option=lambda user, *, pairing, since, until: {"cadres": 2, "other": 1}
    )
    assert records.recorded(None, **span) == {"training_persons": [("课时记录", 7), ("名单", 3)]}  # the sum
    assert records.recorded_by_option(None, **span) == {"training_persons": [("名单", {"cadres": 2, "other": 1})]}
    with pytest.raises(ValueError):
        records.register("training_persons", "空", None)
