"""What every worker does beside its jobs, on a second thread: its heartbeat, the recovery of jobs whose worker died,
and the scheduler tick (``core.schedules``)."""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection

from . import schedules
from .jobs import beat, recover_stale

log = logging.getLogger(__name__)


def run_housekeeping_once(worker: str) -> None:
    """One round of what every worker does beside its jobs: its heartbeat, recovery, the schedules."""
    beat(worker)
    recover_stale()
    schedules.tick()


class Housekeeping(threading.Thread):
    """The worker's second thread: heartbeat every few seconds, recovery and the scheduler tick."""

    def __init__(self, worker: str, interval: float | None = None):
        super().__init__(name="duikou-housekeeping", daemon=True)
        self.worker = worker
        self.interval = interval or max(1.0, settings.DUIKOU_JOB_STALE_SECONDS / 6)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                run_housekeeping_once(self.worker)
            except Exception:
                log.exception("worker housekeeping failed; trying again in %.0f s", self.interval)
            finally:
                connection.close()
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
