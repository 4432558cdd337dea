"""Background jobs: what a job records, how it refuses what a worker elsewhere could not run, retries with back-off,
cancel, recovery of a job whose worker died, and a real worker loop taking a job off the queue."""

import datetime
import json
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from duikou import testing
from duikou.core import jobs
from duikou.core.errors import UserFacingError
from duikou.core.jobs import NotAJobFunction, execute, recover_stale, request_cancel, start_job
from duikou.core.models import Job, ScheduleRun

pytestmark = pytest.mark.django_db


def counting(*, user, progress, n):
    for i in range(1, n + 1):
        progress(i, n, f"第 {i} 项")
    return {"summary": f"完成 {n} 项", "_file": ("out.txt", b"done"), "filename": "out.txt"}


def refusing(*, user, progress):
    raise UserFacingError("第 3 行「投资」不能为负数", details={"errors": [{"row": 3, "column": "投资"}]})


def crashing(*, user, progress):
    raise RuntimeError("boom")


def echoing(*, user, progress, data, filename):
    return {"summary": f"{filename}: {data.decode()}"}


def writes_then_is_cancelled(*, user, progress, job_title):
    """Writes a row in its transaction, is asked to stop meanwhile, and reports progress."""
    with transaction.atomic():
        ScheduleRun.objects.create(name="partial", slot="2026-01-01")
        Job.objects.filter(title=job_title).update(cancel_requested=True)
        progress(1, 2, "写入中")
    return {"summary": "不该完成"}


def editor():
    from duikou.accounts.models import User

    return User.objects.filter(username="xy").first() or testing.user("xy", "信阳市人民政府", "editor")


def queued(fn, *, params=None, title="任务", user=None, settings=None):
    """A job stored and queued for a worker (not run inline)."""
    settings.DUIKOU_JOBS_INLINE = False
    return start_job(kind="x", title=title, user=user or editor(), fn=fn, params=params or {})


def test_job_records_progress_result_and_file():
    job = start_job(kind="count", title="计数", user=editor(), fn=counting, params={"n": 5})
    assert (job.status, job.done, job.total, job.percent, job.attempts) == ("done", 5, 5, 100, 1)
    assert job.result["summary"] == "完成 5 项" and job.result_file.read() == b"done"
    assert job.function == "duikou.core.tests.test_jobs.counting" and job.params == {"n": 5}


def test_user_error_is_shown_as_it_is():
    job = start_job(kind="x", title="导入", user=editor(), fn=refusing)
    assert job.status == "failed" and job.message == "第 3 行「投资」不能为负数"
    assert job.result["errors"][0]["row"] == 3


def test_internal_error_gets_a_reference_number():
    job = start_job(kind="x", title="x", user=editor(), fn=crashing)
    assert job.status == "failed" and job.message.startswith("内部错误，参考编号 ")
    assert "boom" not in job.message


def test_a_closure_is_refused_with_a_clear_error():
    def work(*, user, progress):
        return {}

    with pytest.raises(NotAJobFunction, match="模块级函数"):
        start_job(kind="x", title="x", user=editor(), fn=work)
    with pytest.raises(NotAJobFunction, match="模块级函数"):
        start_job(kind="x", title="x", user=editor(), fn=lambda **kw: {})
    assert not Job.objects.exists()


def test_params_that_are_not_json_are_refused():
    with pytest.raises(NotAJobFunction, match="JSON"):
        start_job(kind="x", title="x", user=editor(), fn=counting, params={"n": b"5"})
    with pytest.raises(NotAJobFunction, match="JSON"):
        start_job(kind="x", title="x", user=editor(), fn=counting, params={"when": datetime.date(2026, 1, 1)})


def test_a_path_that_does_not_import_is_refused():
    with pytest.raises(NotAJobFunction, match="无法导入"):
        start_job(kind="x", title="x", user=editor(), fn="duikou.core.tests.test_jobs.no_such_function")


def test_the_upload_is_stored_encrypted_and_deleted_after_success(settings):
    job = start_job(kind="x", title="x", user=editor(), fn=echoing, upload=("名单.csv", b"41152619800101123X"))
    assert job.status == "done" and job.result["summary"] == "名单.csv: 41152619800101123X"
    assert not job.input_file and not list((settings.MEDIA_ROOT / "jobs" / "inputs").rglob("*.bin"))


def test_a_waiting_upload_is_not_readable_in_the_clear(settings):
    settings.DUIKOU_JOBS_INLINE = False
    job = start_job(kind="x", title="x", user=editor(), fn=echoing, upload=("名单.csv", b"41152619800101123X"))
    stored = job.input_file.path
    assert stored.startswith(str(settings.MEDIA_ROOT / "jobs" / "inputs"))
    assert b"41152619800101123X" not in open(stored, "rb").read()
    assert execute(job.pk) == "done" and not Job.objects.get(pk=job.pk).input_file


def test_queueing_puts_one_task_on_the_database_queue(settings):
    job = queued(counting, params={"n": 2}, settings=settings)
    task = DBTaskResult.objects.get()
    assert task.task_path == "duikou.core.jobs.run_job" and task.args_kwargs["args"] == [str(job.pk)]
    assert job.status == "queued"


def test_unexpected_errors_are_retried_with_back_off(settings):
    settings.DUIKOU_JOB_RETRY_SECONDS, settings.DUIKOU_JOB_MAX_ATTEMPTS = 10, 3
    job = queued(crashing, settings=settings)
    before = timezone.now()
    assert execute(job.pk) == "retrying"
    job.refresh_from_db()
    assert job.attempts == 1 and "第 2 次执行" in job.message
    assert datetime.timedelta(seconds=9) < job.retry_at - before < datetime.timedelta(seconds=12)
    retry = DBTaskResult.objects.exclude(run_after__year=9999).get()
    assert retry.run_after == job.retry_at and retry.args_kwargs["args"] == [str(job.pk)]

    before = timezone.now()
    assert execute(job.pk) == "retrying"
    job.refresh_from_db()
    assert datetime.timedelta(seconds=39) < job.retry_at - before < datetime.timedelta(seconds=42)  # 10 s × 4

    assert execute(job.pk) == "failed"
    job.refresh_from_db()
    assert job.attempts == 3 and job.message.startswith("内部错误，参考编号 ") and "已执行 3 次" in job.message


def test_a_user_error_is_not_retried(settings):
    job = queued(refusing, settings=settings)
    assert execute(job.pk) == "failed"
    assert Job.objects.get(pk=job.pk).attempts == 1 and DBTaskResult.objects.count() == 1


def test_a_waiting_job_is_cancelled_at_once_and_never_runs(settings):
    job = queued(counting, params={"n": 2}, settings=settings)
    job = request_cancel(job=job, user=job.user)
    assert job.status == "cancelled"
    assert execute(job.pk) == "cancelled" and Job.objects.get(pk=job.pk).done == 0


def test_a_running_job_stops_at_its_next_progress_report_with_nothing_written(settings):
    job = queued(writes_then_is_cancelled, params={"job_title": "会被取消"}, title="会被取消", settings=settings)
    assert execute(job.pk) == "cancelled"
    job.refresh_from_db()
    assert job.message == "已取消，未写入任何数据" and not ScheduleRun.objects.filter(name="partial").exists()


def test_only_the_owner_or_the_system_administrator_may_cancel(settings):
    job = queued(counting, params={"n": 2}, settings=settings)
    other = testing.user("xy2", "信阳市人民政府", "editor")
    with pytest.raises(PermissionDenied):
        request_cancel(job=job, user=other)
    admin = testing.user("sysadmin", "信阳市人民政府", "system_admin")
    assert request_cancel(job=job, user=admin).status == "cancelled"


def _running(job, *, seconds_ago, attempts=1):
    Job.objects.filter(pk=job.pk).update(
        status="running",
        worker="dead-worker",
        attempts=attempts,
        heartbeat=timezone.now() - datetime.timedelta(seconds=seconds_ago),
    )


def test_a_job_whose_worker_died_is_retried(settings):
    settings.DUIKOU_JOB_STALE_SECONDS = 60
    job = queued(counting, params={"n": 2}, settings=settings)
    DBTaskResult.objects.update(status="RUNNING", worker_ids=["dead-worker"])
    _running(job, seconds_ago=61)
    [recovered] = recover_stale()
    assert recovered.status == "retrying" and "执行任务的进程中断" in recovered.message
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1  # the dead run's own queue row
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the retry
    assert execute(job.pk) == "done" and Job.objects.get(pk=job.pk).attempts == 2


def test_a_job_with_a_fresh_heartbeat_is_left_alone(settings):
    job = queued(counting, params={"n": 2}, settings=settings)
    _running(job, seconds_ago=5)
    assert recover_stale() == [] and Job.objects.get(pk=job.pk).status == "running"


def test_a_dead_workers_job_fails_after_its_last_attempt(settings):
    settings.DUIKOU_JOB_MAX_ATTEMPTS = 3
    job = queued(counting, params={"n": 2}, settings=settings)
    _running(job, seconds_ago=600, attempts=3)
    [recovered] = recover_stale()
    assert recovered.status == "failed" and "执行任务的进程中断" in recovered.message
    assert "已执行 3 次" in recovered.message


def test_the_worker_loop_takes_the_job_off_the_queue(settings, monkeypatch):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)  # the test's connection holds its data
    job = queued(counting, params={"n": 3}, settings=settings)
    testing.queue_worker(interval=0, batch=True).run()
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 3)
    assert json.loads(json.dumps(DBTaskResult.objects.get().return_value)) == "done"


def test_progress_page_polls_until_done(client):
    user = editor()
    job = Job.objects.create(kind="x", title="进行中的任务", user=user, status="running", done=2, total=4)
    client.force_login(user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "50%" in page
    job.status = "done"
    job.save()
    partial = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "<html" not in partial


def test_retry_delay_grows_four_times(settings):
    settings.DUIKOU_JOB_RETRY_SECONDS = 10
    assert [jobs.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [10, 40, 160]


def test_the_jobs_page_lists_own_jobs_filtered_by_status(client, settings):
    owner, other = editor(), testing.user("xy2", "信阳市人民政府", "editor")
    start_job(kind="x", title="已完成的导出", user=owner, fn=counting, params={"n": 1})
    start_job(kind="x", title="失败的导入", user=owner, fn=refusing)
    start_job(kind="x", title="别人的任务", user=other, fn=counting, params={"n": 1})
    client.force_login(owner)
    page = client.get("/jobs/").content.decode()
    assert "已完成的导出" in page and "失败的导入" in page and "别人的任务" not in page
    page = client.get("/jobs/?status=failed").content.decode()
    assert "失败的导入" in page and "已完成的导出" not in page
    admin = testing.user("sysadmin", "信阳市人民政府", "system_admin")
    client.force_login(admin)
    assert "别人的任务" in client.get("/jobs/").content.decode()


def test_the_owner_cancels_a_waiting_job_from_the_page(client, settings):
    job = queued(counting, params={"n": 2}, settings=settings)
    client.force_login(job.user)
    assert "取消任务" in client.get(f"/jobs/{job.pk}/").content.decode()
    response = client.post(f"/jobs/{job.pk}/cancel")
    assert response.status_code == 302 and Job.objects.get(pk=job.pk).status == "cancelled"


def audited(*, user, progress, name):
    """Changes a row (an audited write) and logs a line."""
    logging.getLogger("duikou.test").warning("job writing")
    user.first_name = name
    user.save()
    return {}


def test_a_job_carries_the_request_id_that_started_it_into_its_logs_and_audit_entries(settings):
    from auditlog.models import LogEntry

    from duikou.core.requestid import bound, current_request_id

    from .test_requestid import _json_lines

    with bound("req-started-0001"):
        job = queued(audited, params={"name": "小王"}, settings=settings)
    assert job.request_id == "req-started-0001"
    assert current_request_id() is None  # a worker runs it later, outside the request
    lines = _json_lines(logging.getLogger("duikou.test"), lambda: execute(job.pk))
    assert Job.objects.get(pk=job.pk).status == "done"
    assert [line["request_id"] for line in lines if line["message"] == "job writing"] == ["req-started-0001"]
    entry = LogEntry.objects.get_for_object(job.user).latest("timestamp")
    assert entry.changes_dict["first_name"][1] == "小王" and entry.cid == "req-started-0001"


def saying_done(*, user, progress):
    from django.utils.translation import gettext

    return {"summary": gettext("已完成")}


def test_a_job_runs_in_its_owners_language_and_its_fixed_messages_read_in_the_readers():
    """A job composes its texts in the language of the user who started it; a fixed message stored in Chinese (已完成,
    正在保存结果) is shown in the language of whoever reads the page."""
    from django.utils import translation

    english = testing.user("en_owner", "信阳市人民政府", "editor", language="en")
    job = start_job(kind="x", title="t", user=english, fn=saying_done)
    job.refresh_from_db()
    assert job.message == "Done", job.message
    chinese = start_job(kind="x", title="t", user=editor(), fn=crashing)
    chinese.refresh_from_db()
    finished = Job(message=jobs.DONE_MESSAGE)
    with translation.override("en"):
        assert finished.display_message == "Done" and chinese.display_message.startswith("内部错误")
    assert finished.display_message == "已完成"
