"""Background work with visible progress.

A job is a row (``core.Job``) plus a function ``fn(*, progress, **kwargs) -> dict`` that reports progress
through ``progress(done, total, message)``. The page polls the row (htmx) and draws a progress bar; the CLI
runs the same function in the foreground with a tqdm bar. Jobs run on a small in-process thread pool, so the
embedded mode needs no broker; a job cut off by a restart is marked failed when the next one starts.
"""

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import close_old_connections, connection
from django.utils import timezone

from .errors import UserFacingError
from .models import Job

log = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="duikou-job")
_started_at = timezone.now()


class Progress:
    """Writes progress to the job row at most every half second (and always at the end)."""

    def __init__(self, job: Job):
        self.job, self._last = job, 0.0

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        now = time.monotonic()
        if total is not None:
            self.job.total = total
        self.job.done = done
        if message:
            self.job.message = message
        if now - self._last >= 0.5 or (self.job.total and done >= self.job.total):
            self._last = now
            Job.objects.filter(pk=self.job.pk).update(
                done=self.job.done, total=self.job.total, message=self.job.message
            )


def run_job(job: Job, fn: Callable, kwargs: dict) -> Job:
    """Run ``fn`` for ``job`` here and now, recording the outcome. Errors a user can cause are shown as
    they are; others are logged with a reference number that the page shows."""
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started=timezone.now())
    job.status = Job.Status.RUNNING
    try:
        result = fn(progress=Progress(job), **kwargs) or {}
        file = result.pop("_file", None)
        job.result = result
        if file is not None:
            name, content = file
            job.result_file.save(name, ContentFile(content), save=False)
        job.status = Job.Status.DONE
    except UserFacingError as exc:
        job.status, job.message, job.result = Job.Status.FAILED, str(exc), getattr(exc, "details", {}) or {}
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("job %s (%s) failed, reference %s", job.pk, job.kind, reference)
        job.status, job.message = Job.Status.FAILED, f"内部错误，参考编号 {reference}"
    job.finished = timezone.now()
    job.save()
    return job


def _in_thread(job_id, fn, kwargs):
    close_old_connections()
    try:
        run_job(Job.objects.get(pk=job_id), fn, kwargs)
    finally:
        connection.close()  # pool threads live on: hold no connection between jobs


def start_job(*, kind: str, title: str, user, fn: Callable, **kwargs) -> Job:
    """Create the job row and run ``fn`` in the background (inline when DUIKOU_JOBS_INLINE is set, as in tests)."""
    Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING], created__lt=_started_at).update(
        status=Job.Status.FAILED, message="服务重启，任务中断，请重新发起", finished=timezone.now()
    )
    job = Job.objects.create(kind=kind, title=title, user=user)
    if settings.DUIKOU_JOBS_INLINE:
        return run_job(job, fn, kwargs)
    _pool.submit(_in_thread, job.pk, fn, kwargs)
    return job
