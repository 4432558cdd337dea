"""Reporting timeliness: each report is on time, late, missing or not yet due against its data set's due date (so
many days after the period's end), and the completeness and reminders pages, the reporting-rate chart, the API and
the evaluation's deduction for missed reports all say the same."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest

from duikou import testing
from duikou.evaluation import testing as ev
from duikou.indicators import queries, services
from duikou.indicators.models import DataSet, Report
from duikou.indicators.periods import parse_period
from duikou.indicators.queries import Timeliness
from duikou.plans.tests.factories import people

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")
Q3_DUE = datetime.date(2025, 10, 15)  # 2025Q3 ends 2025-09-30; 15 days after it


@pytest.fixture
def who():
    return people()


@pytest.fixture
def quarterly():
    return DataSet.objects.get(pk="quarterly")


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def state(*, status="submitted", submitted_at=None, today=Q3_DUE):
    return queries.timeliness(due=Q3_DUE, status=status, submitted_at=submitted_at, today=today)


def reported(pairing, period: str, submitted_at, status=Report.Status.APPROVED) -> Report:
    """A report row as the workflow leaves it (the workflow has its own tests), submitted at ``submitted_at``."""
    return Report.objects.create(
        pairing=pairing, dataset_id="quarterly", period=period, status=status, submitted_at=submitted_at
    )


# ---- the rule ---------------------------------------------------------------------------------------------------


def test_due_date_is_the_default_number_of_days_after_the_period_end(quarterly, settings):
    assert settings.DUIKOU_REPORT_DUE_DAYS == 15 and quarterly.due_days is None
    assert quarterly.due_date("2025Q3") == Q3_DUE
    assert quarterly.due_date(parse_period("2025Q4")) == datetime.date(2026, 1, 15)
    settings.DUIKOU_REPORT_DUE_DAYS = 20
    assert quarterly.due_date("2025Q3") == datetime.date(2025, 10, 20)


def test_a_data_set_rule_overrides_the_default(quarterly, settings):
    quarterly.due_days = 0
    assert quarterly.due_date("2025Q3") == datetime.date(2025, 9, 30)
    quarterly.due_days = 31
    assert quarterly.due_date("2025Q4") == datetime.date(2026, 1, 31)


def test_submitted_on_the_due_date_late_in_the_evening_is_on_time():
    assert state(submitted_at=at(Q3_DUE, 23, 59)) == Timeliness.ON_TIME


def test_submitted_the_day_after_the_due_date_just_after_midnight_is_late():
    """The day is the local (Beijing) day: 00:10 on 10-16 in Beijing is still 10-15 in UTC, and still late."""
    submitted = at(Q3_DUE + datetime.timedelta(days=1), 0, 10)
    assert submitted.astimezone(datetime.UTC).date() == Q3_DUE
    assert state(submitted_at=submitted) == Timeliness.LATE


def test_late_stays_late_once_approved_or_accepted():
    late = at(Q3_DUE + datetime.timedelta(days=40), 9)
    assert {state(status=s, submitted_at=late) for s in ("submitted", "approved", "accepted")} == {Timeliness.LATE}


def test_not_submitted_is_not_yet_due_up_to_the_due_date_and_missing_the_day_after():
    assert state(status=None, today=Q3_DUE) == Timeliness.NOT_DUE
    assert state(status="open", today=Q3_DUE - datetime.timedelta(days=20)) == Timeliness.NOT_DUE
    assert state(status=None, today=Q3_DUE + datetime.timedelta(days=1)) == Timeliness.MISSING


def test_a_returned_report_is_missing_once_the_due_date_passed_even_if_it_was_submitted_before():
    """Returned reports are open again: what counts is a submission that stands."""
    assert state(status="open", submitted_at=at(Q3_DUE, 9), today=Q3_DUE + datetime.timedelta(days=1)) == (
        Timeliness.MISSING
    )


def test_report_states_cover_every_pairing_period_of_the_data_set(quarterly):
    xinyang, yanan = testing.pairing("信阳市", "苏州市"), testing.pairing("延安市", "无锡市")
    reported(xinyang, "2025Q1", at(datetime.date(2025, 4, 15), 18))
    reported(xinyang, "2025Q2", at(datetime.date(2025, 7, 16), 8))
    Report.objects.create(pairing=xinyang, dataset=quarterly, period="2025Q3")  # started, never submitted
    states = queries.report_states(
        [xinyang, yanan],
        [quarterly],
        lambda ds: [parse_period(f"2025Q{q}") for q in range(1, 5)],
        today=datetime.date(2026, 1, 15),
    )
    got = {(s.pairing_id, s.period.id): s.state for s in states}
    assert got == {
        (xinyang.pk, "2025Q1"): Timeliness.ON_TIME,
        (xinyang.pk, "2025Q2"): Timeliness.LATE,
        (xinyang.pk, "2025Q3"): Timeliness.MISSING,
        (xinyang.pk, "2025Q4"): Timeliness.NOT_DUE,  # due 2026-01-15: today
        (yanan.pk, "2025Q1"): Timeliness.MISSING,
        (yanan.pk, "2025Q2"): Timeliness.MISSING,
        (yanan.pk, "2025Q3"): Timeliness.MISSING,
        (yanan.pk, "2025Q4"): Timeliness.NOT_DUE,
    }


# ---- the pages ----------------------------------------------------------------------------------------------------


def test_completeness_page_shows_the_due_date_and_each_state_in_words(client, who):
    xinyang = testing.pairing("信阳市", "苏州市")
    reported(xinyang, "2025Q3", at(Q3_DUE + datetime.timedelta(days=3), 10))
    client.force_login(who["henan"])
    text = client.get("/indicators/reports/?period=2025Q3").content.decode()
    assert "上报截止 2025-10-15（报告期结束后 15 天）" in text
    assert "本地规则（系统默认），非政策规定" in text
    row = text[text.index('data-pairing="N09"') :].split("</tr>")[0]
    assert "2025-10-15" in row and 'data-timeliness="late"' in row and "逾期上报" in row


def test_reminders_say_missing_after_the_due_date_and_not_yet_due_before_it(client, who):
    client.force_login(who["henan"])
    text = client.get("/indicators/reminders/?period=2025Q3").content.decode()
    row = text[text.index('data-pairing="N09"') :].split("</tr>")[0]
    assert 'data-timeliness="missing"' in row and "逾期未报" in row
    future = parse_period("2100Q1")
    text = client.get(f"/indicators/reminders/?period={future.id}").content.decode()
    row = text[text.index('data-pairing="N09"') :].split("</tr>")[0]
    assert 'data-timeliness="not_due"' in row and "未到期" in row and "2100-04-15" in row


def test_only_who_may_change_reference_data_sets_a_data_sets_due_days(client, who, quarterly):
    client.force_login(who["ndrc"])
    assert 'name="due_days"' not in client.get("/indicators/").content.decode()
    assert client.post("/indicators/datasets/quarterly/due/", {"due_days": "30"}).status_code == 403
    admin = testing.user("root", "国家发展改革委（振兴司）", "approver", is_superuser=True)
    client.force_login(admin)
    assert 'name="due_days"' in client.get("/indicators/").content.decode()
    response = client.post("/indicators/datasets/quarterly/due/", {"due_days": "400"}, follow=True)
    assert "对口合作季度监测：" in response.content.decode()  # the error names the data set
    quarterly.refresh_from_db()
    assert quarterly.due_days is None
    client.post("/indicators/datasets/quarterly/due/", {"due_days": "30"})
    quarterly.refresh_from_db()
    assert quarterly.due_days == 30 and quarterly.due_date("2025Q3") == datetime.date(2025, 10, 30)
    assert "报告期结束后 30 天" in client.get("/indicators/").content.decode()
    client.post("/indicators/datasets/quarterly/due/", {"due_days": ""})
    quarterly.refresh_from_db()
    assert quarterly.due_days is None


def test_seeding_the_indicators_again_keeps_a_data_sets_own_rule(quarterly):
    quarterly.due_days = 30
    quarterly.save()
    services.load_starter_library()
    quarterly.refresh_from_db()
    assert quarterly.due_days == 30


# ---- the chart's data and the API -----------------------------------------------------------------------------------


def test_chart_data_counts_rates_by_province_and_period(client, who):
    xinyang, yanan = testing.pairing("信阳市", "苏州市"), testing.pairing("延安市", "无锡市")
    reported(xinyang, "2025Q1", at(datetime.date(2025, 4, 1), 9))
    reported(xinyang, "2025Q2", at(datetime.date(2025, 8, 1), 9))  # late
    reported(yanan, "2025Q1", at(datetime.date(2025, 4, 2), 9))
    client.force_login(who["ndrc"])
    data = client.get("/indicators/timeliness/data/?dataset=quarterly&year=2025").json()
    assert data["due_days"] == 15 and [p["id"] for p in data["periods"]][:2] == ["2025Q1", "2025Q2"]
    cells = {(c["province"], c["period"]): c for c in data["cells"]}
    henan_q1, henan_q2 = cells[("410000", "2025Q1")], cells[("410000", "2025Q2")]
    n = henan_q1["expected"]  # every active 河南 old-area pairing in the national list
    assert n >= 1
    assert (henan_q1["reported"], henan_q1["on_time"], henan_q1["late"], henan_q1["missing"]) == (1, 1, 0, n - 1)
    assert (henan_q2["reported"], henan_q2["on_time"], henan_q2["late"]) == (1, 0, 1)
    assert henan_q1["reporting_rate"] == round(100 / n, 1) and henan_q2["on_time_rate"] == 0
    shaanxi = cells[("610000", "2025Q1")]
    assert shaanxi["on_time"] == 1
    everyone = {c["period"]: c for c in data["by_period"]}["2025Q1"]
    assert everyone["on_time"] == 2 and everyone["expected"] == sum(c["expected"] for c in data["by_province"]) // 4
    # a province sees its own pairings only
    client.force_login(who["henan"])
    data = client.get("/indicators/timeliness/data/?dataset=quarterly&year=2025").json()
    assert {p["code"] for p in data["provinces"]} <= {"410000"} | {"320000"}
    assert ("610000", "2025Q1") not in {(c["province"], c["period"]) for c in data["cells"]}


def test_chart_data_leaves_out_periods_not_yet_due_and_refuses_a_bad_year(client, who):
    client.force_login(who["ndrc"])
    data = client.get("/indicators/timeliness/data/?dataset=quarterly&year=2100").json()
    assert data["periods"] == [] and data["cells"] == []
    response = client.get("/indicators/timeliness/data/?dataset=quarterly&year=abc")
    assert response.status_code == 400 and "year" in response.json()["errors"]
    page = client.get("/indicators/timeliness/?dataset=quarterly&year=2100").content.decode()
    assert 'id="timeliness-empty"' in page


def test_timeliness_page_shows_the_table_behind_the_chart(client, who):
    reported(testing.pairing("信阳市", "苏州市"), "2025Q1", at(datetime.date(2025, 4, 1), 9))
    client.force_login(who["henan"])
    text = client.get("/indicators/timeliness/?dataset=quarterly&year=2025").content.decode()
    assert 'id="timeliness-by-province"' in text and 'id="timeliness-data"' in text
    row = text[text.index('<tr data-province="410000">') :].split("</tr>")[0]
    q1 = row[row.index('data-period="2025Q1"') :].split("</td>")[0]
    n = queries.reporting_pairings_for(who["henan"], DataSet.objects.get(pk="quarterly")).filter(
        old_region__code__startswith="41"
    )
    rate = round(100 / n.count(), 1)
    assert f'data-reporting-rate="{rate}"' in q1 and f'data-on-time-rate="{rate}"' in q1


def test_api_report_carries_its_due_date_and_timeliness(client, who):
    from duikou.accounts.services import issue_token

    xinyang = testing.pairing("信阳市", "苏州市")
    reported(xinyang, "2025Q3", at(Q3_DUE, 20))
    _token, key = issue_token(user=who["henan"], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = client.get(f"/api/indicators/reports/{xinyang.pk}/quarterly/2025Q3", **headers).json()
    assert (body["due_date"], body["timeliness"]) == ("2025-10-15", "on_time")
    body = client.get(f"/api/indicators/reports/{xinyang.pk}/quarterly/2025Q2", **headers).json()
    assert (body["due_date"], body["timeliness"]) == ("2025-07-15", "missing")
    rates = client.get("/api/indicators/timeliness?dataset=quarterly&year=2025", **headers).json()
    q3 = {(c["province"], c["period"]): c for c in rates["cells"]}[("410000", "2025Q3")]
    assert q3["on_time"] == 1


# ---- the evaluation's deduction -----------------------------------------------------------------------------------


def test_deduction_counts_missing_reports_past_their_due_date_and_not_late_ones():
    staff = ev.People()
    xinyang = testing.pairing("信阳市", "苏州市")
    reported(xinyang, "2025Q1", at(datetime.date(2025, 4, 10), 9))  # on time
    reported(xinyang, "2025Q2", at(datetime.date(2025, 9, 1), 9))  # late: not a missed report
    # 2025Q3: never started; 2025Q4: due 2026-01-15
    scheme = ev.scheme(staff["ndrc"], items=[ev.deduction_item(points="1")])
    on_due_day = ev.run(scheme, staff["ndrc"], today=datetime.date(2026, 1, 15)).scores.get(pairing=xinyang)
    assert on_due_day.score == Decimal("-1.00")
    assert "2025Q3「对口合作季度监测」未填报" in on_due_day.explanation
    assert "2025Q4" not in on_due_day.explanation and "2025Q2" not in on_due_day.explanation
    day_after = ev.run(scheme, staff["ndrc"], today=datetime.date(2026, 1, 16)).scores.get(pairing=xinyang)
    assert day_after.score == Decimal("-2.00")
    assert "2025Q4「对口合作季度监测」未填报" in day_after.explanation


def test_deduction_follows_a_data_sets_own_due_days(quarterly):
    staff = ev.People()
    xinyang = testing.pairing("信阳市", "苏州市")
    ev.all_reported(xinyang)
    Report.objects.filter(pairing=xinyang, period="2025Q4").delete()
    quarterly.due_days = 60  # 2025Q4 due 2026-03-01
    quarterly.save()
    scheme = ev.scheme(staff["ndrc"], items=[ev.deduction_item(points="1")])
    assert ev.run(scheme, staff["ndrc"], today=datetime.date(2026, 3, 1)).scores.get(pairing=xinyang).score == 0
    assert ev.run(scheme, staff["ndrc"], today=datetime.date(2026, 3, 2)).scores.get(pairing=xinyang).score == -1
