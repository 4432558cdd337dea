"""The service as it is deployed, on PostgreSQL: the production web server (`duikou web`, gunicorn) and `duikou worker`
processes. A city editor signs in over HTTP, uploads a project import through the page, and is sent to the job's
page; the first worker is killed (SIGKILL) while it writes the rows, a second one takes the job over, and the job
page, read over HTTP from the web server, shows it done with every row written once. Then every database connection
is closed, as a database restart does, and the web server goes on answering.

Runs in the PostgreSQL pass of bin/run-tests (skipped on SQLite); about a minute, most of it collectstatic."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from duikou import testing
from duikou.core.models import Job
from duikou.projects import testing as pt
from duikou.projects.models import Project

from .test_faults import drop_connections_of_others
from .test_worker_live import DELAY_MS, ROWS, wait_for, worker

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(settings, tmp_path) -> dict:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    skip = ("DUIKOU_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    return {k: v for k, v in os.environ.items() if not k.startswith(skip)} | {
        "DUIKOU_DATABASE_URL": f"postgresql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/"
        + db["NAME"],
        "DUIKOU_VAR_DIR": str(settings.VAR_DIR),  # the same secret and personal-data keys as this process
        "DUIKOU_MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the media folder the web server and the workers share
        "DUIKOU_STATIC_ROOT": str(tmp_path / "static"),
        "DUIKOU_WEB_WORKERS": "2",
        "DUIKOU_WEB_THREADS": "2",
        "PYTHONPATH": str(ROOT),
    }


def test_an_import_over_http_is_run_by_a_worker_and_survives_the_death_of_one(committed_db, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: runs in the PostgreSQL pass of bin/run-tests")
    env = _environment(settings, tmp_path)
    subprocess.run([sys.executable, "-m", "duikou", "collectstatic", "--noinput", "-v0"], env=env, check=True)
    editor = testing.user("live_http_editor", "信阳市人民政府", "editor")
    # the tests hash passwords with a fast hasher the deployed settings do not have: a real hash for the web server
    editor.password = PBKDF2PasswordHasher().encode(testing.PASSWORD, PBKDF2PasswordHasher().salt())
    editor.save()
    testing.pairing("信阳市", "苏州市")
    base = f"http://127.0.0.1:{_free_port()}"
    log = (tmp_path / "web.log").open("w")
    web = subprocess.Popen(
        [sys.executable, "-m", "duikou", "web", base.removeprefix("http://")], env=env, stdout=log, stderr=log
    )
    first = second = None
    try:
        wait_for(lambda: _answers(f"{base}/healthz") or (web.poll() is not None and _fail(tmp_path)), 90, "duikou web")
        assert requests.get(f"{base}/readyz", timeout=30).status_code == 200

        http = requests.Session()
        http.get(f"{base}/accounts/login/", timeout=30)
        signed_in = http.post(
            f"{base}/accounts/login/",
            data={
                "username": "live_http_editor",
                "password": testing.PASSWORD,
                "csrfmiddlewaretoken": http.cookies["csrftoken"],
            },
            timeout=30,
        )
        assert signed_in.url == f"{base}/", signed_in.url
        http.get(f"{base}/projects/import/", timeout=30)
        content = pt.workbook([pt.project_row(项目名称=f"网页导入{n:04d}") for n in range(ROWS)])
        started = http.post(
            f"{base}/projects/import/",
            data={"csrfmiddlewaretoken": http.cookies["csrftoken"]},
            files={"file": ("projects.xlsx", content)},
            timeout=60,
        )
        job_url = started.url
        match = re.fullmatch(rf"{base}/jobs/([0-9a-f-]+)/", job_url)
        assert match, job_url
        job = Job.objects.get(pk=match.group(1))
        assert job.status == Job.Status.QUEUED and job.request_id  # nothing runs in the web process

        first = worker("live-http-1", settings, DUIKOU_TEST_IMPORT_ROW_DELAY_MS=str(DELAY_MS))
        wait_for(lambda: Job.objects.get(pk=job.pk).done > ROWS, 60, "the first worker to be writing rows")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert not Project.objects.filter(name__startswith="网页导入").exists()

        second = worker("live-http-2", settings)
        page = wait_for(lambda: _if_done(http.get(job_url, timeout=30).text), 60, "the job page to show it done")
        done = Job.objects.get(pk=job.pk)
        assert (done.status, done.attempts, done.worker, done.result["created"]) == ("done", 2, "live-http-2", ROWS)
        assert str(ROWS) in page
        names = set(Project.objects.filter(name__startswith="网页导入").values_list("name", flat=True))
        assert len(names) == ROWS == Project.objects.filter(name__startswith="网页导入").count()

        # a database restart closes every client's connection: the web server's next pages connect anew
        assert drop_connections_of_others() >= 1
        for _ in range(6):
            assert http.get(f"{base}/", timeout=30).status_code == 200
    finally:
        for process in (first, second, web):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        log.close()


def _if_done(page: str) -> str | None:
    return page if "已完成" in page else None


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.ConnectionError:
        time.sleep(0.3)
        return False


def _fail(tmp_path):
    raise AssertionError("duikou web stopped:\n" + (tmp_path / "web.log").read_text()[-3000:])
