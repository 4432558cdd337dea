"""Working days by the official holiday schedule: seeded from chinesecalendar, 调休 weekend days counted, a missing
year said, extended by the system administrator on /calendar/, a province's own days."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from duikou import testing
from duikou.core import workdays
from duikou.core.models import CalendarDay

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_national_day_week_is_off_and_the_exchanged_saturday_is_worked():
    assert {2024, 2025, 2026} <= workdays.covered_years()
    assert workdays.add_working_days(D(2026, 9, 30), 1) == workdays.Deadline(D(2026, 10, 8))  # 1–7 October off
    assert workdays.add_working_days(D(2026, 10, 9), 1).day == D(2026, 10, 10)  # a Saturday worked (调休)
    assert workdays.add_working_days(D(2026, 9, 18), 1).day == D(2026, 9, 20)  # a Sunday worked before the holiday
    calendar = workdays.Calendar()
    assert calendar.between(D(2026, 9, 30), D(2026, 10, 10)) == 3  # 8, 9 and the Saturday 10 October
    assert CalendarDay.objects.get(day=D(2026, 10, 1), province="").name == "国庆节"


def test_a_year_without_its_schedule_counts_monday_to_friday_and_says_so():
    deadline = workdays.add_working_days(D(2026, 12, 28), 5)
    assert deadline == workdays.Deadline(D(2027, 1, 4), (2027,))  # 1 January 2027 counted as a working day


def test_the_administrator_enters_next_years_days_on_the_page_and_deadlines_follow(client):
    admin = testing.user("cal_admin", "国家发展改革委（振兴司）", "system_admin")
    client.force_login(admin)
    page = client.get("/calendar/?year=2027").content.decode()
    assert "2027 年的节假日安排尚未录入" in page and 'id="calendar-form"' in page
    for day in (D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)):
        answer = client.post("/calendar/day", {"day": day, "kind": "off", "name": "元旦", "source": "国办通知"})
        assert answer.status_code == 302
    assert 2027 in workdays.covered_years()
    assert workdays.add_working_days(D(2026, 12, 28), 5) == workdays.Deadline(D(2027, 1, 5))
    page = client.get("/calendar/?year=2027").content.decode()
    assert "尚未录入" not in page.split("<nav")[0] and 'data-day="2027-01-01"' in page
    entry = LogEntry.objects.get_for_object(CalendarDay.objects.get(day=D(2027, 1, 1), province=""))
    assert entry.get().actor == admin


def test_a_weekday_cannot_be_entered_as_an_exchanged_working_day():
    admin = testing.user("cal_admin2", "国家发展改革委（振兴司）", "system_admin")
    with pytest.raises(ValidationError) as refused:
        workdays.set_day(user=admin, day=D(2027, 2, 3), kind="workday", name="春节")
    assert "本来就是工作日" in str(refused.value)


def test_the_page_refuses_a_bad_day_with_a_message_and_others_only_read(client):
    viewer = testing.user("cal_viewer", "信阳市人民政府", "viewer")
    client.force_login(viewer)
    page = client.get("/calendar/?year=2026").content.decode()
    assert "国庆节" in page and 'id="calendar-form"' not in page
    assert client.post("/calendar/day", {"day": "2027-01-01", "kind": "off", "name": "元旦"}).status_code == 403
    client.force_login(testing.user("cal_admin3", "国家发展改革委（振兴司）", "system_admin"))
    answer = client.post("/calendar/day", {"day": "2027-02-03", "kind": "workday", "name": "春节"}, follow=True)
    assert "本来就是工作日" in answer.content.decode() and not CalendarDay.objects.filter(day=D(2027, 2, 3)).exists()


def test_a_province_has_its_own_days():
    admin = testing.user("cal_admin4", "国家发展改革委（振兴司）", "system_admin")
    workdays.set_day(user=admin, day=D(2026, 10, 8), kind="off", name="省内调整", province="41")
    assert workdays.add_working_days(D(2026, 9, 30), 1, province="41").day == D(2026, 10, 9)
    assert workdays.add_working_days(D(2026, 9, 30), 1).day == D(2026, 10, 8)  # the nation's unchanged


def test_loading_the_package_again_adds_nothing_and_keeps_what_was_entered():
    admin = testing.user("cal_admin5", "国家发展改革委（振兴司）", "system_admin")
    workdays.set_day(user=admin, day=D(2026, 10, 1), kind="off", name="国庆节（核对）", source="国办通知")
    assert workdays.load_package(CalendarDay) == 0
    assert CalendarDay.objects.get(day=D(2026, 10, 1), province="").name == "国庆节（核对）"


def test_a_bulk_path_reads_each_calendar_once_and_others_read_it_afresh(django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = datetime.date(2026, 9, 30)
    with workdays.reused_calendars():
        first = workdays.add_working_days(start, 5, "41")
        with django_assert_num_queries(0):
            again = workdays.add_working_days(start, 5, "41")
    assert first == again
    # outside the block every call reads the table: a day the administrator enters counts at once
    with CaptureQueriesContext(connection) as outside:
        workdays.add_working_days(start, 5, "41")
    assert len(outside.captured_queries) > 0
