import logging
import os
import socket
import time

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands import db_worker

from duikou.core import jobs
from duikou.core.housekeeping import Housekeeping

log = logging.getLogger("duikou.core.jobs")


def default_worker_id() -> str:
    """host-pid-random: unique across machines, and says where a job ran (shown on the jobs page)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"


class ResilientWorker(db_worker.Worker):
    """django-tasks-db's worker loop, kept alive when the database goes away (a restart, a fail-over): it waits and
    reconnects instead of exiting, then queues again the jobs it was running when the connection died (their
    transactions were rolled back)."""

    WAIT_SECONDS = 5

    def run(self) -> None:
        while True:
            try:
                return super().run()
            except (OperationalError, InterfaceError) as exc:
                if not self.running:
                    raise
                log.warning(
                    "worker %s: database unavailable (%s); retrying in %s s", self.worker_id, exc, self.WAIT_SECONDS
                )
                self.running_task = False
                connections.close_all()
                time.sleep(self.WAIT_SECONDS)
                try:
                    for job in jobs.release_orphans(self.worker_id):
                        log.warning("job %s (%s) queued again after the database came back", job.pk, job.kind)
                except DatabaseError:
                    connections.close_all()  # still down: the loop tries again


class Command(db_worker.Command):
    help = (
        "启动后台任务 worker：从数据库队列取任务执行（可在多台机器上启动多个，共享数据库和 MEDIA_ROOT）；"
        "同时维护心跳、接管进程中断的任务并按时启动定时任务"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=None, reload=False)
        parser.add_argument(
            "--no-housekeeping",
            action="store_true",
            help="不运行心跳、中断任务接管和定时任务（仅供调试；心跳停止的任务会被其他 worker 视为中断）",
        )

    def handle(self, *args, worker_id=None, no_housekeeping=False, **options):
        worker_id = worker_id or default_worker_id()
        jobs.WORKER["name"] = worker_id
        housekeeping = None if no_housekeeping else Housekeeping(worker_id)
        if housekeeping is not None:
            housekeeping.start()
        log.info("worker %s started", worker_id)
        db_worker.Worker = ResilientWorker  # the parent's handle builds its worker from this name
        try:
            super().handle(*args, worker_id=worker_id, **options)
        finally:
            if housekeeping is not None:
                housekeeping.stop()
