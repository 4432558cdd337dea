"""Scheduled work: which slot is due, exactly one run per slot however many workers tick at once, the page, and the
entries of the table (duikou/schedules.py)."""

import datetime

import pytest
from django.utils import timezone

import duikou.schedules
from duikou import testing
from duikou.core import schedules
from duikou.core.models import Job, ScheduleRun
from duikou.core.schedules import Schedule


def at(text: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def noting(*, user, progress, word):
    progress(1, 1)
    return {"summary": f"已执行：{word}"}


DAILY = Schedule(
    name="daily-test",
    title="每日测试",
    function="duikou.core.tests.test_schedules.noting",
    every="day",
    at=datetime.time(2, 0),
    params={"word": "日"},
)
MONTHLY = Schedule(
    name="monthly-test", title="每月测试", function=DAILY.function, every="month", day=1, at=datetime.time(4, 0)
)


@pytest.fixture
def table(monkeypatch):
    monkeypatch.setattr(duikou.schedules, "SCHEDULES", lambda: [DAILY])


def test_a_daily_slot_is_due_once_its_time_has_passed():
    assert DAILY.due_slot(at("2026-05-20 01:59")) == "2026-05-19"
    assert DAILY.due_slot(at("2026-05-20 02:00")) == "2026-05-20"
    assert DAILY.next_run(at("2026-05-20 02:30")) == at("2026-05-21 02:00")


def test_a_monthly_slot_is_due_from_its_day_and_time():
    assert MONTHLY.due_slot(at("2026-01-01 03:00")) == "2025-12"
    assert MONTHLY.due_slot(at("2026-01-01 04:00")) == "2026-01"
    assert MONTHLY.due_slot(at("2026-12-31 23:00")) == "2026-12"
    assert MONTHLY.next_run(at("2026-12-05 00:00")) == at("2027-01-01 04:00")


def test_an_hourly_slot_is_due_from_its_minute_past_each_hour():
    hourly = Schedule(name="hourly-test", title="每小时", function=DAILY.function, every="hour", at=datetime.time(0, 5))
    assert hourly.due_slot(at("2026-05-20 10:04")) == "2026-05-20T09"
    assert hourly.due_slot(at("2026-05-20 10:05")) == "2026-05-20T10"
    assert hourly.due_slot(at("2026-05-20 00:01")) == "2026-05-19T23"
    assert hourly.slot_start("2026-05-20T10") == at("2026-05-20 10:05")
    assert hourly.next_run(at("2026-05-20 23:30")) == at("2026-05-21 00:05")


@pytest.mark.django_db
def test_notification_messages_are_retried_hourly_and_digested_daily(settings):
    names = {s.name: s for s in duikou.schedules.SCHEDULES()}
    assert names["notification-retry"].every == "hour"
    assert names["notification-digest"].at == datetime.time(settings.DUIKOU_DIGEST_HOUR)
    summary = duikou.schedules.send_due_messages(user=None, progress=lambda *a: None)["summary"]
    assert summary == "到期重试：无"


@pytest.mark.django_db
def test_a_tick_runs_the_due_slot_once(table):
    [run] = schedules.tick(at("2026-05-20 02:01"))
    assert (run.name, run.slot) == ("daily-test", "2026-05-20")
    assert run.job.user is None and run.job.status == "done" and run.job.result["summary"] == "已执行：日"
    assert schedules.tick(at("2026-05-20 23:00")) == []
    assert [r.slot for r in schedules.tick(at("2026-05-21 02:00"))] == ["2026-05-21"]
    assert ScheduleRun.objects.count() == 2


def test_two_workers_ticking_at_once_start_one_run(committed_db, table, settings):
    settings.DUIKOU_JOBS_INLINE = False  # queued for a worker: the race is about who starts it
    before = Job.objects.filter(kind="schedule.daily-test").count()
    now = at("2026-06-01 02:00")
    results = testing.race(lambda i: lambda: schedules.tick(now, worker=f"worker-{i}"), n=2)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(len(r) for r in results) == [0, 1]
    assert ScheduleRun.objects.filter(name="daily-test", slot="2026-06-01").count() == 1
    assert Job.objects.filter(kind="schedule.daily-test").count() == before + 1


@pytest.mark.django_db
def test_the_schedules_page_shows_last_run_outcome_and_next_run(client, table):
    schedules.tick(at("2026-05-20 02:01"))
    admin = testing.user("sys", "信阳市人民政府", "system_admin")
    client.force_login(admin)
    page = client.get("/jobs/schedules/", HTTP_HOST="testserver").content.decode()
    assert "每日测试" in page and "2026-05-20" in page and "已完成" in page
    editor = testing.user("xy", "信阳市人民政府", "editor")
    client.force_login(editor)
    assert client.get("/jobs/schedules/").status_code == 403


@pytest.mark.django_db
def test_the_table_has_the_nightly_backup_escalation_and_analytics(settings):
    settings.DUIKOU_SCREENING_MONTHLY_PROVINCES = ["41"]
    names = {s.name: s for s in duikou.schedules.SCHEDULES()}
    assert {"backup", "escalate-notices", "analytics", "screening-41"} <= set(names)
    assert names["screening-41"].every == "month" and names["backup"].params == {"keep": settings.DUIKOU_BACKUP_KEEP}


@pytest.mark.django_db
def test_the_nightly_backup_without_a_key_fails_with_a_clear_message(settings, monkeypatch):
    settings.DUIKOU_BACKUP_KEY_FILE = ""
    monkeypatch.setattr(duikou.schedules, "SCHEDULES", lambda: [s for s in _table() if s.name == "backup"])
    [run] = schedules.tick()
    assert run.job.status == "failed" and run.job.message.startswith("备份失败，未生成归档")


def test_the_nightly_backup_keeps_the_newest_archives(committed_db, settings, tmp_path):
    from duikou.core.backup import generate_key_file

    settings.VAR_DIR = tmp_path
    key = tmp_path / "backup.key"
    generate_key_file(key)
    settings.DUIKOU_BACKUP_KEY_FILE = str(key)
    (tmp_path / "backups").mkdir()
    for day in ("20260101", "20260102", "20260103"):
        (tmp_path / "backups" / f"duikou-{day}-020000.tar.gz.enc").write_bytes(b"old")
    result = duikou.schedules.nightly_backup(user=None, progress=lambda *a, **k: None, keep=2)
    left = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert len(left) == 2 and "duikou-20260103-020000.tar.gz.enc" in left and "删除 2 份" in result["summary"]


@pytest.mark.django_db
def test_escalation_runs_as_a_system_job(monkeypatch):
    monkeypatch.setattr(duikou.schedules, "SCHEDULES", lambda: [s for s in _table() if s.name == "escalate-notices"])
    [run] = schedules.tick()
    assert run.job.status == "done" and run.job.result["summary"].startswith("逾期升级 0 件")


@pytest.mark.django_db
def test_monthly_screening_of_a_province_without_rules_says_so(settings, monkeypatch):
    settings.DUIKOU_SCREENING_MONTHLY_PROVINCES = ["99"]
    monkeypatch.setattr(duikou.schedules, "SCHEDULES", lambda: [s for s in _table() if s.name == "screening-99"])
    [run] = schedules.tick()
    assert run.job.status == "failed" and "省份 99 没有监测规则" in run.job.message


_table = duikou.schedules.SCHEDULES
