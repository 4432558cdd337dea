"""Background work with visible progress, run by workers that survive restarts.

A job is a row (``core.Job``) naming a module-level function by its dotted path and its JSON parameters. The
function is called as ``fn(*, user, progress, **params)`` (``user`` is None for a system job, such as a scheduled
one); a job started with an upload also gets ``data`` (the file's bytes) and ``filename``. It reports progress
through ``progress(done, total, message)`` (at ``done == total`` without a message it says 「正在保存结果」: the work
is counted out but not finished) and returns a dict for the page (``summary``, ``link``, ``errors``; a
``_file: (name, bytes)`` becomes the job's download); a finished job's message is then that ``summary`` (or
「已完成」), never its last progress text.

``start_job`` stores the row (and the upload, encrypted, under MEDIA_ROOT/jobs/inputs/) and enqueues one django-tasks
task, ``run_job(job_id)``, on the database backend; any ``duikou worker`` process on any machine sharing the
database and MEDIA_ROOT runs it. The page polls the row, so its progress bar works whichever worker runs the job.

- An error a user can cause (``UserFacingError``) fails the job with its message, at once.
- Any other error is retried: ``DUIKOU_JOB_MAX_ATTEMPTS`` runs in all, the first retry after
  ``DUIKOU_JOB_RETRY_SECONDS``, each next one 4× later; then the job fails with a reference number.
- A cancel (``request_cancel``) ends a waiting job at once; a running one ends at its next progress report, where
  ``Progress`` raises ``JobCancelled`` inside the work's transaction, so nothing it wrote stays.
- A worker that dies leaves its job RUNNING with a heartbeat that stops; another worker's housekeeping
  (``recover_stale``) retries it, or fails it with a clear message after the last attempt.

The imports are all-or-nothing (one transaction), so a retry after a crash starts from a clean slate.
"""

import base64
import datetime
import errno
import importlib
import inspect
import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django_tasks import task

from .errors import UserFacingError
from .models import Job
from .requestid import bound, current_request_id

log = logging.getLogger(__name__)

# The name of this process's worker (``duikou worker`` sets it); written on the jobs it runs.
WORKER = {"name": "inline"}
RETRY_FACTOR = 4
INTERRUPTED = gettext_noop("执行任务的进程中断")
DATABASE_LOST = gettext_noop("执行中数据库连接中断（可能正在重启），本次执行的写入已全部撤销")
DISK_FULL = gettext_noop("服务器存储空间已满")
# what a job says once its work is counted out but it is still running (saving its result, committing)
FINISHING = gettext_noop("正在保存结果")
# what a finished job says when its result has no summary: never its last progress text
DONE_MESSAGE = gettext_noop("已完成")
CANCELLED = gettext_noop("已取消")
# errors of a storage that has no room left: the disk, or the user's quota on it
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class JobCancelled(Exception):
    """Raised by ``Progress`` inside the running work when its job was asked to stop."""


class NotAJobFunction(TypeError):
    """``start_job`` was handed something a worker elsewhere could not call: a closure, a lambda, non-JSON params."""


# ---- progress ----------------------------------------------------------------------------------------------------

# On PostgreSQL a job's progress is written through another connection than the work's: the work's transaction
# (an import writes all its rows in one) would otherwise hide the bar until it commits, and hold the job's row locked
# so that a cancel would wait for the end. SQLite has one writer at a time, so there it shares the work's connection.
_side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="duikou-job-progress")


def _side_connection_possible() -> bool:
    """A job run at the top level (by a worker, not inside a transaction of its caller, as in a test) on PostgreSQL."""
    return not settings.DUIKOU_JOBS_INLINE and connection.vendor == "postgresql" and not connection.in_atomic_block


def _write_progress(pk, fields: dict) -> int:
    close_old_connections()
    return Job.objects.filter(pk=pk, cancel_requested=False).update(**fields)


class Progress:
    """Writes progress (and the heartbeat) to the job row at most every half second, and always at the end; raises
    ``JobCancelled`` when it finds the job asked to stop."""

    def __init__(self, job: Job):
        self.job, self._last = job, 0.0
        self._side = _side_connection_possible()

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        import time

        now = time.monotonic()
        if total is not None:
            self.job.total = total
        self.job.done = done
        if message:
            self.job.message = message
        elif self.job.total and done >= self.job.total:
            # all counted but not finished: say so, never a bare 100 % beside the last step's text
            self.job.message = FINISHING
        if now - self._last >= 0.5 or (self.job.total and done >= self.job.total):
            self._last = now
            fields = {
                "done": self.job.done,
                "total": self.job.total,
                "message": self.job.message,
                "heartbeat": timezone.now(),
            }
            if self._side and connection.in_atomic_block:
                written = _side.submit(_write_progress, self.job.pk, fields).result()
            else:
                written = Job.objects.filter(pk=self.job.pk, cancel_requested=False).update(**fields)
            if not written:
                raise JobCancelled


# ---- starting ----------------------------------------------------------------------------------------------------


def function_path(fn: str | Callable) -> str:
    """The dotted path of a module-level function, refusing what a worker could not import (closures, lambdas,
    methods); a path given as text must import."""
    if callable(fn):
        qualname = getattr(fn, "__qualname__", "")
        module = getattr(fn, "__module__", None)
        if not inspect.isfunction(fn) or "<" in qualname or "." in qualname or not module:
            raise NotAJobFunction(
                f"后台任务的函数须为模块级函数（按路径导入），不能是闭包或 lambda：{qualname or fn!r}"
            )
        path = f"{module}.{qualname}"
    else:
        path = fn
    try:
        resolve(path)
    except (ImportError, AttributeError, ValueError) as exc:
        raise NotAJobFunction(f"后台任务的函数路径「{path}」无法导入：{exc}") from exc
    return path


def resolve(path: str) -> Callable:
    module, _, name = path.rpartition(".")
    if not module:
        raise ValueError("not a dotted path")
    fn = getattr(importlib.import_module(module), name)
    if not inspect.isfunction(fn):
        raise AttributeError(f"{path} is not a function")
    return fn


def _checked_params(params: dict) -> dict:
    try:
        text = json.dumps(params, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise NotAJobFunction(
            f"后台任务的参数须可存为 JSON（数字、文字、列表、字典）：{exc}；上传文件请用 upload= 传入"
        ) from exc
    return json.loads(text)


def _encrypted(data: bytes) -> bytes:
    """Uploads may hold personal data (ID numbers in a departmental file): stored encrypted under the PII key."""
    from duikou.core import pii

    return pii.encrypt(base64.b64encode(data).decode()).hex().encode()


def _decrypted(blob: bytes) -> bytes:
    from duikou.core import pii

    return base64.b64decode(pii.decrypt(bytes.fromhex(blob.decode())))


class NoSpace(Exception):
    """The storage had no room for a file; what was written of it is removed."""


def _keep(job: Job, field, filename: str, content: bytes) -> None:
    """Save ``content`` as the job's ``field`` file; on a full disk remove the part written and raise NoSpace."""
    # the name the storage will choose: free now, so whatever stands there after a failure is this file's part
    name = field.storage.get_available_name(field.field.generate_filename(job, filename), field.field.max_length)
    try:
        field.save(filename, ContentFile(content), save=False)
    except OSError as exc:
        if exc.errno not in NO_SPACE:
            raise
        if field.storage.exists(name):
            field.storage.delete(name)
        field.name = ""
        raise NoSpace(str(exc)) from exc


def start_job(
    *,
    kind: str,
    title: str,
    user,
    fn: str | Callable,
    params: dict | None = None,
    upload: tuple[str, bytes] | None = None,
) -> Job:
    """Store the job (and its upload, ``(filename, bytes)``) and queue it for a worker; inline when
    DUIKOU_JOBS_INLINE is set, as in tests."""
    path = function_path(fn)
    job = Job(
        kind=kind,
        title=title[:200],
        user=user,
        function=path,
        params=_checked_params(params or {}),
        max_attempts=settings.DUIKOU_JOB_MAX_ATTEMPTS,
        request_id=current_request_id() or "",
    )
    if upload is not None:
        name, data = upload
        job.input_name = name[:255]
        try:
            _keep(job, job.input_file, f"{uuid.uuid4().hex}.bin", _encrypted(data))
        except NoSpace as exc:
            raise UserFacingError(
                f"{DISK_FULL}，上传的文件“{name}”未保存，任务没有开始；请系统管理员清理磁盘后重新上传"
            ) from exc
    job.save()
    if settings.DUIKOU_JOBS_INLINE:
        execute(job.pk)
        job.refresh_from_db()
    else:
        run_job.enqueue(str(job.pk))
    return job


# ---- running -----------------------------------------------------------------------------------------------------


@task()
def run_job(job_id: str) -> str:
    """The one task on the queue: run the job ``job_id`` (its row says what to run)."""
    return execute(job_id)


def retry_delay(attempt: int) -> datetime.timedelta:
    """The wait before the run after ``attempt`` failed: RETRY_SECONDS, then 4× longer each time."""
    return datetime.timedelta(seconds=settings.DUIKOU_JOB_RETRY_SECONDS * RETRY_FACTOR ** (attempt - 1))


def _finish(job: Job, **fields) -> bool:
    """Write the outcome, unless the job is no longer this run's (recovered by another worker meanwhile)."""
    fields.setdefault("finished", timezone.now())
    written = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker=job.worker).update(**fields)
    if written and fields.get("status") in Job.FINAL:
        _drop_input(job)
    return bool(written)


def _drop_input(job: Job) -> None:
    if job.input_file:
        job.input_file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(input_file="")


def _schedule_retry(job: Job, message: str, *, now=None) -> str:
    """Queue the job's next run, or fail it after its last attempt; returns the new status. Called with the job
    RUNNING (an error in its run) or taken from a dead worker."""
    now = now or timezone.now()
    if job.attempts < job.max_attempts and not settings.DUIKOU_JOBS_INLINE:
        retry_at = now + retry_delay(job.attempts)
        fields = {
            "status": Job.Status.RETRYING,
            "retry_at": retry_at,
            "message": gettext("%(message)s；将于 %(at)s 第 %(attempt)s 次执行")
            % {
                "message": gettext(message),
                "at": f"{timezone.localtime(retry_at):%H:%M:%S}",
                "attempt": job.attempts + 1,
            },
            "finished": None,
        }
        if _finish(job, **fields):
            run_job.using(run_after=retry_at).enqueue(str(job.pk))
        return Job.Status.RETRYING
    tried = gettext("（已执行 %(n)s 次）") % {"n": job.attempts} if job.attempts > 1 else ""
    _finish(job, status=Job.Status.FAILED, message=gettext(message) + tried)
    return Job.Status.FAILED


def execute(job_id) -> str:
    """Run the job here and now, recording the outcome; returns its status. A job cancelled, finished or taken by
    another worker meanwhile is left alone."""
    now = timezone.now()
    waiting = Job.objects.filter(pk=job_id, status__in=[Job.Status.QUEUED, Job.Status.RETRYING])
    waiting.filter(cancel_requested=True).update(status=Job.Status.CANCELLED, finished=now, message=CANCELLED)
    claimed = waiting.filter(cancel_requested=False).update(
        status=Job.Status.RUNNING,
        started=now,
        heartbeat=now,
        worker=WORKER["name"],
        attempts=F("attempts") + 1,
        retry_at=None,
    )
    job = Job.objects.select_related("user").get(pk=job_id)
    if not claimed:
        if job.status == Job.Status.CANCELLED:
            _drop_input(job)
        return job.status
    # its log lines and audit entries name the request that started it; its messages are in its owner's language
    language = getattr(job.user, "language", "") or settings.LANGUAGE_CODE
    with bound(job.request_id or None), translation.override(language):
        return _run(job)


def _run(job: Job) -> str:
    try:
        fn = resolve(job.function)
        kwargs = dict(job.params)
        if job.input_file:
            with job.input_file.open("rb") as stored:
                kwargs |= {"data": _decrypted(stored.read()), "filename": job.input_name}
        result = fn(user=job.user, progress=Progress(job), **kwargs) or {}
        file = result.pop("_file", None)
        if file is not None:
            name, content = file
            try:
                _keep(job, job.result_file, name, content)
            except NoSpace:  # the work is done and committed; only its file could not be kept
                result["file_error"] = gettext("%(reason)s，结果文件“%(name)s”未能保存（已完成的工作不受影响）") % {
                    "reason": gettext(DISK_FULL),
                    "name": name,
                }
        # a finished job's message is its result's summary, never the last progress text
        _finish(
            job,
            status=Job.Status.DONE,
            result=result,
            result_file=job.result_file.name or "",
            message=str(result.get("summary") or DONE_MESSAGE),
        )
        return Job.Status.DONE
    except JobCancelled:
        _finish_cancelled(job)
        return Job.Status.CANCELLED
    except UserFacingError as exc:
        _finish(job, status=Job.Status.FAILED, message=str(exc), result=getattr(exc, "details", {}) or {})
        return Job.Status.FAILED
    except (OperationalError, InterfaceError):
        # the connection died under the job (a database restart): its transaction is rolled back; on a new
        # connection it is queued again (if the database is still down this raises, and the worker loop waits)
        log.warning("job %s (%s): database connection lost on attempt %s", job.pk, job.kind, job.attempts)
        connection.close()
        return _schedule_retry(job, DATABASE_LOST)
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("job %s (%s) failed on attempt %s, reference %s", job.pk, job.kind, job.attempts, reference)
        return _schedule_retry(job, gettext("内部错误，参考编号 %(reference)s") % {"reference": reference})


def _finish_cancelled(job: Job) -> None:
    written = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker=job.worker).update(
        status=Job.Status.CANCELLED, finished=timezone.now(), message="已取消，未写入任何数据"
    )
    if written:
        _drop_input(job)


# ---- cancel and recovery -----------------------------------------------------------------------------------------


def may_cancel(user, job: Job) -> bool:
    """The job's owner, or whoever may operate every job (the system administrator)."""
    from duikou.accounts import scoping

    return job.status in Job.ACTIVE and (job.user_id == user.pk or scoping.may(user, scoping.Action.OPERATE))


def request_cancel(*, job: Job, user) -> Job:
    """Ask the job to stop: a waiting one ends at once, a running one at its next progress report."""
    from django.core.exceptions import PermissionDenied

    if not may_cancel(user, job):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE).update(cancel_requested=True)
        Job.objects.filter(pk=job.pk, status__in=[Job.Status.QUEUED, Job.Status.RETRYING]).update(
            status=Job.Status.CANCELLED, finished=now, message=CANCELLED
        )
    job.refresh_from_db()
    if job.status == Job.Status.CANCELLED:
        _drop_input(job)
    return job


def beat(worker: str) -> int:
    """Mark the jobs ``worker`` is running as alive."""
    return Job.objects.filter(status=Job.Status.RUNNING, worker=worker).update(heartbeat=timezone.now())


def recover_stale(*, now=None) -> list[Job]:
    """Jobs whose worker stopped beating (killed, machine down) for DUIKOU_JOB_STALE_SECONDS: retried, or failed
    after their last attempt. Safe to run in every worker at once: each job is taken by one conditional update."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.DUIKOU_JOB_STALE_SECONDS)
    stale = Job.objects.filter(status=Job.Status.RUNNING).filter(Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True))
    recovered = []
    for job in stale:
        _fail_task_results(job)
        log.warning("job %s (%s): worker %s stopped, attempt %s", job.pk, job.kind, job.worker, job.attempts)
        if job.cancel_requested:
            _finish_cancelled(job)
        else:
            _schedule_retry(job, f"{INTERRUPTED}（进程 {job.worker}），请重新发起", now=now)
        job.refresh_from_db()
        recovered.append(job)
    return recovered


def release_orphans(worker: str) -> list[Job]:
    """Jobs still marked running by ``worker`` when it runs none (its loop lost the database mid-job): queued again,
    or failed after their last attempt, saying why."""
    released = []
    for job in Job.objects.filter(status=Job.Status.RUNNING, worker=worker):
        _fail_task_results(job)
        _schedule_retry(job, DATABASE_LOST)
        released.append(job)
    return released


def _fail_task_results(job: Job) -> None:
    """The queue's own row of a dead worker's run stays RUNNING forever: mark it failed, for the record."""
    from django_tasks_db.models import DBTaskResult

    for result in DBTaskResult.objects.filter(status="RUNNING", task_path=run_job.module_path):
        if result.args_kwargs.get("args") == [str(job.pk)]:
            DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
                status="FAILED",
                finished_at=timezone.now(),
                exception_class_path="duikou.core.jobs.WorkerDied",
                traceback=f"{INTERRUPTED}: worker {job.worker}",
            )
