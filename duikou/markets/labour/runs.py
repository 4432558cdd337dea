"""The stored matches of 劳务协作: every seeking job seeker's best k open postings and every open posting's best k
seekers, computed by the engine in one pass (``engine.top_k``) and written in one transaction, so that a match page
is one indexed read instead of scoring one listing against every open one.

A run is a background job: started after an import of seekers or postings, by the nightly schedule
(``duikou/schedules.py``) and by hand (``duikou match-run``). Two runs started at once: the database lets one
``RUNNING`` row exist per market, so the second is told that a run is under way and computes nothing. A new run's
rows replace the previous run's in the transaction that writes them: a page reads either the old rows or the new.
"""

import datetime
import io
import logging

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from duikou.core.errors import UserFacingError

from .. import engine
from ..models import JobPosting, JobSeeker, ListingStatus, MatchRun, StoredMatch
from ..scorers import labour_scorer, posting_side, seeker_side
from .matching import SEEKER_SCORED, posting_dict, scorer_pairs
from .queries import with_remaining

log = logging.getLogger(__name__)

K = 10  # the stored top k of each listing: what a match page shows
BLOCK = 1000  # left rows scored at a time (memory ~ BLOCK × postings × 2 bytes per worker)
WORKERS = 2
# a RUNNING row older than this is a run whose process died; the next run marks it failed and goes ahead
STALE_AFTER = datetime.timedelta(hours=6)
JOB_KIND = "markets.labour_match_run"
COLUMNS = ("run_id", "side", "listing_id", "rank", "counterpart_id", "score")


class MatchRunBusy(UserFacingError):
    """Another run is computing: this one did nothing."""


def open_posting_rows(today: datetime.date) -> list[tuple[int, dict]]:
    """The postings a run matches: open, still valid and with room (headcount above the people in post), by id."""
    qs = JobPosting.objects.filter(status=ListingStatus.OPEN, valid_until__gte=today)
    fields = ("occupation", "skills", "wage_max", "housing", "region_id", "headcount", "placed")
    rows = with_remaining(qs).order_by("pk").values_list("pk", *fields)
    return [(pk, posting_dict(_Row(dict(zip(fields, rest, strict=True))))) for pk, *rest in rows if rest[5] > rest[6]]


class _Row:
    def __init__(self, values: dict):
        self.__dict__.update(values)


def seeking_rows() -> tuple[list[int], list[dict]]:
    """The seekers a run matches: every seeking one, by id, with only the columns the scorer reads."""
    rows = JobSeeker.objects.filter(status=JobSeeker.Status.SEEKING).order_by("pk").values_list("pk", *SEEKER_SCORED)
    ids, seekers = [], []
    for pk, *values in rows.iterator(chunk_size=10_000):
        ids.append(pk)
        seekers.append(dict(zip(SEEKER_SCORED, values, strict=True)))
    return ids, seekers


def compute(seekers: list[dict], postings: list[dict], pairs, *, k: int = K, workers: int = WORKERS, progress=None):
    """The engine's top k both ways for these records: the same call the in-memory ranking makes."""
    scorer = labour_scorer(pairs)
    return engine.top_k(
        scorer, seeker_side(seekers), posting_side(postings), k, block=BLOCK, workers=workers, progress=progress
    )


def stored_rows(top: engine.TopK, seeker_ids, posting_ids) -> dict[str, np.ndarray]:
    """The stored slots of a top k as columns (side, listing, rank, counterpart, score): the seekers' rows first,
    then the postings', each listing's in rank order; empty slots are left out."""
    seeker_ids, posting_ids = np.asarray(seeker_ids, dtype=np.int64), np.asarray(posting_ids, dtype=np.int64)
    parts = []
    for side, index, score, mine, theirs in (
        (StoredMatch.Side.SEEKER, top.left_index, top.left_score, seeker_ids, posting_ids),
        (StoredMatch.Side.POSTING, top.right_index, top.right_score, posting_ids, seeker_ids),
    ):
        n, k = index.shape
        used = index != engine.NO_MATCH
        listing = np.repeat(np.arange(n), k).reshape(n, k)[used]
        rank = np.tile(np.arange(1, k + 1), n).reshape(n, k)[used]
        parts.append(
            {
                "side": np.full(len(listing), int(side), dtype=np.int16),
                "listing_id": mine[listing],
                "rank": rank.astype(np.int16),
                "counterpart_id": theirs[index[used]],
                "score": score[used].astype(np.int16),
            }
        )
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _write(run: MatchRun, columns: dict[str, np.ndarray]) -> int:
    """Insert the run's rows: ``COPY`` on PostgreSQL (CSV written by Arrow), ``executemany`` elsewhere."""
    count = len(columns["side"])
    table = connection.ops.quote_name(StoredMatch._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            import pyarrow as pa
            import pyarrow.csv as pacsv

            data = {"run_id": pa.array(np.full(count, run.pk, dtype=np.int64))} | {
                name: pa.array(values) for name, values in columns.items()
            }
            buffer = io.BytesIO()
            pacsv.write_csv(
                pa.table({c: data[c] for c in COLUMNS}),
                buffer,
                pacsv.WriteOptions(include_header=False, quoting_style="none"),
            )
            view = buffer.getbuffer()
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
                for start in range(0, len(view), 1 << 23):
                    copy.write(view[start : start + (1 << 23)])
        else:
            values = [columns[name].tolist() for name in COLUMNS[1:]]
            rows = zip([run.pk] * count, *values, strict=True)
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES (%s, %s, %s, %s, %s, %s)", rows)
    return count


def _claim(trigger: str) -> MatchRun:
    """The RUNNING row of a new run; ``MatchRunBusy`` when another run holds it (one left by a dead process is
    marked failed first)."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return MatchRun.objects.create(market=MatchRun.Market.LABOUR, trigger=trigger, started=timezone.now())
        except IntegrityError:
            running = MatchRun.objects.filter(market=MatchRun.Market.LABOUR, status=MatchRun.Status.RUNNING).first()
            if running is None:
                continue  # it finished in between
            if running.started < timezone.now() - STALE_AFTER:
                MatchRun.objects.filter(pk=running.pk, status=MatchRun.Status.RUNNING).update(
                    status=MatchRun.Status.FAILED, finished=timezone.now(), message="计算进程中断"
                )
                continue
            started = timezone.localtime(running.started)
            raise MatchRunBusy(
                f"另一次劳务匹配计算正在进行（{started:%Y-%m-%d %H:%M:%S} 开始），本次未计算；"
                "完成后页面显示那一次的结果"
            ) from None
    raise MatchRunBusy("劳务匹配计算无法开始：另一次计算刚刚开始，请稍后再试")


def run_labour_matching(*, trigger: str, progress=None, k: int = K, workers: int = WORKERS) -> MatchRun:
    """Compute and store every open listing's top k; returns the finished run. Raises ``MatchRunBusy`` when
    another run is computing."""
    run = _claim(trigger)
    progress = progress or (lambda *args, **kwargs: None)
    try:
        progress(0, None, "读取求职者和岗位")
        today = timezone.localdate()
        ids, seekers = seeking_rows()
        posting_rows = open_posting_rows(today)
        posting_ids, postings = [pk for pk, _ in posting_rows], [p for _, p in posting_rows]
        pairs = scorer_pairs()
        progress(0, len(seekers), "计算匹配得分")
        if seekers and postings:
            top = compute(seekers, postings, pairs, k=k, workers=workers, progress=progress)
            columns = stored_rows(top, ids, posting_ids)
        else:
            columns = {name: np.zeros(0, dtype=np.int64) for name in COLUMNS[1:]}
        scorer = labour_scorer(())
        params = {
            "k": k,
            "block": BLOCK,
            "workers": workers,
            "weights": {t.key: t.weight for t in scorer.terms},
            "today": today.isoformat(),
        }
        progress(len(seekers), len(seekers), "保存匹配结果")
        with transaction.atomic():
            StoredMatch.objects.filter(run__market=MatchRun.Market.LABOUR).exclude(run=run).delete()
            stored = _write(run, columns)
            MatchRun.objects.filter(pk=run.pk).update(
                status=MatchRun.Status.DONE,
                finished=timezone.now(),
                left_count=len(seekers),
                right_count=len(postings),
                stored=stored,
                params=params,
            )
    except BaseException as exc:
        MatchRun.objects.filter(pk=run.pk).update(
            status=MatchRun.Status.FAILED, finished=timezone.now(), message=type(exc).__name__
        )
        raise
    run.refresh_from_db()
    log.info("labour match run %s (%s): %s rows", run.pk, trigger, run.stored)
    return run


# ---- the job -------------------------------------------------------------------------------------------------------


def labour_match_run(*, user, progress, trigger: str = MatchRun.Trigger.SCHEDULE) -> dict:
    """The job function (system job: no user). A run already computing is an answer, not a failure."""
    try:
        run = run_labour_matching(trigger=trigger, progress=progress)
    except MatchRunBusy as exc:
        return {"summary": str(exc)}
    return {"summary": summary(run)}


def summary(run: MatchRun) -> str:
    return f"劳务匹配已计算：求职者 {run.left_count:,} 人、岗位 {run.right_count:,} 个，保存 {run.stored:,} 条匹配"


def request_match_run(trigger: str) -> None:
    """Queue a run unless one is already waiting to start (a run already computing reads the data as it was when it
    began, so a change made during it still queues the next)."""
    from duikou.core.jobs import start_job
    from duikou.core.models import Job

    waiting = Job.objects.filter(kind=JOB_KIND, status__in=[Job.Status.QUEUED, Job.Status.RETRYING])
    if waiting.exists():
        return
    start_job(
        kind=JOB_KIND,
        title="劳务协作匹配计算",
        user=None,
        fn="duikou.markets.labour.runs.labour_match_run",
        params={"trigger": str(trigger)},
    )


def after_records_change(trigger: str = MatchRun.Trigger.IMPORT) -> None:
    """Queue a run once the current transaction commits (after an import or another change in bulk)."""
    transaction.on_commit(lambda: request_match_run(trigger))
