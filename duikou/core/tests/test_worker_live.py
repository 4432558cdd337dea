"""The real thing on PostgreSQL: `duikou worker` processes take a project import off the queue; the first worker is
killed (SIGKILL) in the middle of writing the rows, a second one takes the job over once the heartbeat has gone
stale and runs it again, and the projects are there exactly once: nothing of the killed attempt was left.

The import is slowed down by a test hook (DUIKOU_TEST_IMPORT_ROW_DELAY_MS, read by the first worker only) so that
the kill lands in its write transaction deterministically. Runs in the PostgreSQL pass of the suite (bin/run-tests);
the whole test takes about 20 seconds.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from duikou import testing
from duikou.core.models import Job
from duikou.projects import tables
from duikou.projects import testing as pt
from duikou.projects.models import Project

ROWS = 1500  # two batches of the bulk write (1000 + 500): the kill comes after the first, before the commit
DELAY_MS = 4  # per row written, in the first worker: 4 s after the first batch


def worker(name: str, settings, **env) -> subprocess.Popen:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgresql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    environment = {
        **os.environ,
        "DUIKOU_DATABASE_URL": url,  # the test database, where the test's rows are committed
        "DUIKOU_VAR_DIR": str(settings.VAR_DIR),  # the same secret and PII keys as the test process
        "DUIKOU_MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the shared media folder, where the upload is stored
        "DUIKOU_JOB_STALE_SECONDS": "3",
        "DUIKOU_JOB_RETRY_SECONDS": "0",
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        **env,
    }
    command = [sys.executable, "-m", "duikou", "worker", "--worker-id", name, "--interval", "0.2"]
    command += ["--no-startup-delay", "--skip-checks", "--verbosity", "0"]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def job_state(pk) -> Job:
    return Job.objects.get(pk=pk)


def queued_import(settings, username: str, prefix: str) -> Job:
    """On PostgreSQL only: a project import of ROWS rows named ``prefix``NNNN, queued for the workers."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: runs in the PostgreSQL pass of bin/run-tests")
    settings.DUIKOU_JOBS_INLINE = False
    editor = testing.user(username, "信阳市人民政府", "editor")
    testing.pairing("信阳市", "苏州市")
    content = pt.workbook([pt.project_row(项目名称=f"{prefix}{n:04d}") for n in range(ROWS)])
    return tables.start_import(
        kind="projects", user=editor, upload=SimpleUploadedFile("projects.xlsx", content), dry_run=False
    )


def test_a_worker_killed_mid_import_is_replaced_and_the_rows_are_written_once(committed_db, settings):
    job = queued_import(settings, "live_editor", "续跑导入")
    first = worker("live-worker-1", settings, DUIKOU_TEST_IMPORT_ROW_DELAY_MS=str(DELAY_MS))
    second = None
    try:
        # the first batch is written (inside the import's transaction) and the second is being written
        wait_for(lambda: job_state(job.pk).done > ROWS, 30, "the first worker to be writing rows")
        assert job_state(job.pk).worker == "live-worker-1"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert not Project.objects.filter(name__startswith="续跑导入").exists()  # its transaction died with it

        second = worker("live-worker-2", settings)
        done = wait_for(
            lambda: (j := job_state(job.pk)).status in Job.FINAL and j, 40, "the second worker to finish the job"
        )
        assert done.status == Job.Status.DONE, (done.status, done.message)
        assert done.attempts == 2 and done.worker == "live-worker-2"
        assert done.result["created"] == ROWS and not done.input_file
        names = list(Project.objects.filter(name__startswith="续跑导入").values_list("name", flat=True))
        assert len(names) == ROWS and len(set(names)) == ROWS
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
