"""Work that runs on a schedule, by the workers: the machinery. What runs when is one table, ``duikou/schedules.py``.

Every worker's housekeeping thread calls ``tick()`` every few seconds. For each schedule it works out the slot that
is due (today's date once the day's time has passed, this month's once its day and time have passed) and inserts a
``ScheduleRun`` (name, slot) row; the row is unique, so with several workers ticking at once exactly one insert wins,
and that worker starts the work as an ordinary background job (a system job: no user), with the job's retries,
progress and page. The others skip. A slot missed while no worker ran is caught up once, at the next tick.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import ScheduleRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    name: str
    title: str
    function: str  # dotted path of a job function, called as fn(*, user=None, progress, **params)
    every: str  # "hour", "day" or "month"; an hourly schedule runs at ``at``'s minute past each hour
    at: datetime.time
    day: int = 1  # the day of the month, for monthly schedules
    params: dict = field(default_factory=dict)
    enabled: bool = True

    def slot_start(self, slot: str) -> datetime.datetime:
        if self.every == "hour":
            day, hour = slot.split("T")
            at = datetime.time(int(hour), self.at.minute)
            return timezone.make_aware(datetime.datetime.combine(datetime.date.fromisoformat(day), at))
        if self.every == "day":
            date = datetime.date.fromisoformat(slot)
        else:
            year, month = map(int, slot.split("-"))
            date = datetime.date(year, month, self.day)
        return timezone.make_aware(datetime.datetime.combine(date, self.at))

    def due_slot(self, now: datetime.datetime) -> str:
        """The latest slot whose time has come at ``now``."""
        local = timezone.localtime(now)
        if self.every == "hour":
            start = local.replace(minute=self.at.minute, second=0, microsecond=0)
            if local < start:
                start -= datetime.timedelta(hours=1)
            return start.strftime("%Y-%m-%dT%H")
        if self.every == "day":
            date = local.date() if local.time() >= self.at else local.date() - datetime.timedelta(days=1)
            return date.isoformat()
        month = (local.year, local.month)
        if (local.day, local.time()) < (self.day, self.at):
            month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
        return f"{month[0]:04d}-{month[1]:02d}"

    def next_run(self, now: datetime.datetime) -> datetime.datetime:
        """When the slot after the due one starts."""
        start = self.slot_start(self.due_slot(now))
        if self.every == "hour":
            return start + datetime.timedelta(hours=1)
        if self.every == "day":
            return start + datetime.timedelta(days=1)
        local = timezone.localtime(start)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        return self.slot_start(f"{year:04d}-{month:02d}")


def schedules() -> list[Schedule]:
    """The enabled schedules of the table that settings name (``DUIKOU_SCHEDULES``: core knows no domain)."""
    return [s for s in import_string(settings.DUIKOU_SCHEDULES)() if s.enabled]


def claim(schedule: Schedule, slot: str, worker: str = "") -> ScheduleRun | None:
    """Insert the run of ``schedule`` for ``slot``; None when another worker's insert won."""
    try:
        with transaction.atomic():
            return ScheduleRun.objects.create(name=schedule.name, slot=slot, worker=worker)
    except IntegrityError:
        return None


def tick(now: datetime.datetime | None = None, worker: str = "") -> list[ScheduleRun]:
    """Start every schedule whose slot is due and has no run yet; returns the runs this call started."""
    from .jobs import WORKER, start_job

    now = now or timezone.now()
    started = []
    for schedule in schedules():
        slot = schedule.due_slot(now)
        if ScheduleRun.objects.filter(name=schedule.name, slot=slot).exists():
            continue
        run = claim(schedule, slot, worker or WORKER["name"])
        if run is None:
            continue
        log.info("schedule %s: starting the run of %s", schedule.name, slot)
        job = start_job(
            kind=f"schedule.{schedule.name}",
            title=f"定时任务：{schedule.title}（{slot}）",
            user=None,
            fn=schedule.function,
            params=schedule.params,
        )
        ScheduleRun.objects.filter(pk=run.pk).update(job=job)
        run.job = job
        started.append(run)
    return started


def overview(*, runs=None, now: datetime.datetime | None = None) -> list[dict]:
    """Each schedule with its last run (and that run's job, for the outcome) and its next run; ``runs`` is the
    (scoped) ScheduleRun queryset to read."""
    now = now or timezone.now()
    runs = ScheduleRun.objects.all() if runs is None else runs
    rows = []
    for schedule in schedules():
        last = runs.filter(name=schedule.name).select_related("job").order_by("-started").first()
        due = schedule.due_slot(now)
        pending = last is None or last.slot != due
        rows.append(
            {
                "schedule": schedule,
                "last": last,
                "job": last.job if last else None,
                "next_run": now if pending else schedule.next_run(now),
            }
        )
    return rows
