"""The dashboard counts each way in and each step: how many self-declarations, how fast each step was taken, how
many are late."""

import datetime

import pytest
from django.utils import timezone

from duikou.monitoring import queries, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def hands():
    return mt.procedure_users()


def _home(hands, number: str):
    return mt.household(hands["township"], number=number, head_name=f"户主{number}")


def _period():
    today = timezone.localdate()
    return datetime.date(today.year, 1, 1), datetime.date(today.year + 1, 1, 1)


def test_cases_are_counted_by_channel(hands):
    for number, channel in (("C1", "self"), ("C2", "self"), ("C3", "visit"), ("C4", "counter")):
        services.open_case(household=_home(hands, number), channel=channel, user=hands["village"])
    # a second lead for a household with an open case is not a second case
    services.open_case(household=Alert.objects.get(household__number="C1").household, channel="visit")
    start, end = _period()
    counts = queries.channel_counts(hands["county"], area="411526", start=start, end=end)
    assert counts == {"self": 2, "visit": 1, "counter": 1}
    # out of the user's area: nothing
    stranger = mt.local_user("yanan_county", key="yanan", level="county")
    assert queries.channel_counts(stranger, area="610602", start=start, end=end) == {}


def test_step_timeliness_counts_steps_waits_and_late_ones(hands):
    first, _ = services.open_case(household=_home(hands, "T1"), channel="self", user=None)
    second, _ = services.open_case(household=_home(hands, "T2"), channel="visit", user=hands["village"])
    # the first case waited two days for its verification, which was due a day before it was taken
    two_days_ago = timezone.now() - datetime.timedelta(days=2)
    Alert.objects.filter(pk=first.pk).update(created=two_days_ago)
    first.refresh_from_db()
    services.take_step(
        user=hands["village"], alert=first, step="verify", expected_version=first.version, checks=mt.ALL_OK, note="属实"
    )
    AlertStep.objects.filter(alert=first, step="verify").update(due=timezone.localdate() - datetime.timedelta(days=1))
    services.take_step(
        user=hands["village"],
        alert=second,
        step="verify",
        expected_version=second.version,
        checks=mt.ALL_OK,
        note="属实",
    )
    start, end = _period()
    rows = {r["step"]: r for r in queries.step_timeliness(hands["county"], area="411526", start=start, end=end)}
    verify = rows["verify"]
    assert verify["taken"] == 2 and verify["late"] == 1
    assert 0.9 <= verify["mean_days"] <= 1.1  # (2 days + about 0) / 2
    assert rows["consent"]["taken"] == 0 and rows["consent"]["mean_days"] is None
    # a case now waiting past the due date of its consent step is counted once, on that step
    Alert.objects.filter(pk=second.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=3))
    rows = {r["step"]: r for r in queries.step_timeliness(hands["county"], area="411526", start=start, end=end)}
    assert rows["consent"]["overdue_now"] == 1
    assert sum(r["overdue_now"] for r in rows.values()) == 1


def test_dashboard_page_shows_channels_and_steps(client, hands):
    services.open_case(household=_home(hands, "P1"), channel="self", user=None)
    client.force_login(hands["county"])
    page = client.get("/monitoring/dashboard/").content.decode()
    assert 'id="channel-counts"' in page and "农户自主申报（扫码）" in page
    assert 'id="step-timeliness"' in page and "入户核实" in page


def test_key_county_report_counts_channels_and_steps():
    import io

    from docx import Document
    from openpyxl import load_workbook

    from duikou.geo.models import Region
    from duikou.monitoring import reports

    lueyang = mt.procedure_users("lueyang")
    home = mt.household(lueyang["township"], key="lueyang", number="L1", head_name="略阳户主")
    case, _ = services.open_case(household=home, channel="self")
    services.take_step(
        user=lueyang["village"], alert=case, step="verify", expected_version=case.version, checks=mt.ALL_OK, note="属实"
    )
    year = timezone.localdate().year
    report = reports.county_report(user=lueyang["county"], county=Region.objects.get(code="610727"), year=year)
    book = load_workbook(io.BytesIO(reports.report_xlsx(report)))
    channels = {row[0]: row[1] for row in book["发现渠道"].iter_rows(min_row=2, values_only=True)}
    assert channels["农户自主申报（扫码）"] == 1 and channels["部门筛查预警"] == 0
    steps = {row[0]: row[1:] for row in book["办理时效"].iter_rows(min_row=2, values_only=True)}
    assert steps["入户核实"][0] == 1
    text = "\n".join(p.text for p in Document(io.BytesIO(reports.report_docx(report))).paragraphs)
    assert "五、发现渠道" in text and "统计期内新增案件 1 个" in text and "六、办理时效" in text


def test_case_page_says_when_the_holiday_schedule_of_its_deadline_year_is_missing(client, hands):
    from duikou.core.models import CalendarDay

    case, _ = services.open_case(household=_home(hands, "K1"), channel="self")
    client.force_login(hands["village"])
    assert 'id="calendar-missing"' not in client.get(f"/monitoring/alerts/{case.pk}/").content.decode()
    CalendarDay.objects.filter(day__year=case.deadline.year).delete()
    page = client.get(f"/monitoring/alerts/{case.pk}/").content.decode()
    assert 'id="calendar-missing"' in page and f"{case.deadline.year} 年的节假日安排尚未录入" in page
