"""Faults of the machine under the service: a full disk for uploads and job results, a database that restarts
(connections dropped under the web server and a worker). Each gives a clear message, leaves nothing half-written,
and the work can be done again."""

import errno
import signal
import subprocess

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from duikou import testing
from duikou.core import jobs
from duikou.core.models import Job
from duikou.projects import testing as pt
from duikou.projects.models import Project

from .test_worker_live import DELAY_MS, ROWS, job_state, queued_import, wait_for, worker


def disk_full_for(monkeypatch, folder: str):
    """Saving a file under ``folder`` of the media storage fails as a full disk does, after writing part of it."""
    save = FileSystemStorage._save

    def full(self, name, content):
        if name.startswith(folder):
            written = save(self, name, content)  # part of it reached the disk before the error
            raise OSError(errno.ENOSPC, "No space left on device", self.path(written))
        return save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", full)


@pytest.mark.django_db
def test_an_upload_on_a_full_disk_is_refused_at_the_form_and_leaves_no_job_and_no_file(client, settings, monkeypatch):
    settings.DUIKOU_JOBS_INLINE = False
    client.force_login(testing.user("disk_editor", "信阳市人民政府", "editor"))
    disk_full_for(monkeypatch, "jobs/inputs")
    content = pt.workbook([pt.project_row(项目名称="满盘导入")])
    page = client.post("/projects/import/", {"file": SimpleUploadedFile("projects.xlsx", content)})
    assert page.status_code == 200
    text = page.content.decode()
    assert "服务器存储空间已满" in text and "projects.xlsx" in text and "未保存" in text
    assert not Job.objects.exists()
    assert not files_under(settings.MEDIA_ROOT / "jobs" / "inputs")


@pytest.mark.django_db
def test_a_result_file_on_a_full_disk_keeps_the_done_work_and_says_the_file_is_missing(client, settings, monkeypatch):
    user = testing.user("disk_viewer", "信阳市人民政府", "editor")
    disk_full_for(monkeypatch, "jobs/2")  # results are kept under jobs/<year>/<month>/
    job = jobs.start_job(kind="test", title="导出", user=user, fn=export_with_file)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and not job.result_file
    assert job.result["summary"] == "已导出 3 行" and "结果文件“out.xlsx”未能保存" in job.result["file_error"]
    assert not files_under(settings.MEDIA_ROOT / "jobs")
    client.force_login(user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "服务器存储空间已满" in page and "job-download" not in page


def files_under(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()]


def export_with_file(*, user, progress):
    return {"summary": "已导出 3 行", "_file": ("out.xlsx", b"x" * 100)}


@pytest.mark.django_db
def test_a_database_that_cannot_be_reached_answers_503_saying_nothing_was_saved(client, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    client.force_login(testing.user("db_down", "信阳市人民政府", "viewer"))
    client.raise_request_exception = False

    def unreachable(self):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    page = client.get("/")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "数据库暂时无法访问" in page.content.decode() and "没有保存" in page.content.decode()
    api = client.get("/api/pairings")
    assert api.status_code == 503 and "数据库暂时无法访问" in api.json()["detail"]


def drop_connections_of_others():
    """What a database restart does to every client: their connections are closed by the server."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_worker_outlives_a_database_restart_and_runs_the_interrupted_job_again(committed_db, settings):
    job = queued_import(settings, "restart_editor", "重启导入")
    process = worker("live-restart", settings, DUIKOU_TEST_IMPORT_ROW_DELAY_MS=str(DELAY_MS))
    try:
        wait_for(lambda: job_state(job.pk).done > ROWS, 30, "the worker to be writing rows")
        assert drop_connections_of_others() >= 1
        assert process.poll() is None  # the worker did not exit
        done = wait_for(lambda: (j := job_state(job.pk)).status in Job.FINAL and j, 60, "the job to be run again")
        assert done.status == Job.Status.DONE, (done.status, done.message)
        assert done.attempts == 2 and done.worker == "live-restart"
        names = list(Project.objects.filter(name__startswith="重启导入").values_list("name", flat=True))
        assert len(names) == ROWS and len(set(names)) == ROWS  # the first attempt left nothing
        assert process.poll() is None
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
