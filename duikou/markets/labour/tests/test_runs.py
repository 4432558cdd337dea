"""The stored matches (``labour/runs.py``): a run stores exactly the engine's top k both ways; the match pages read
the stored rows (and score a listing newer than the run for the request); imports and the schedule start a run;
two runs at once leave one winner and a clear answer."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from duikou import testing
from duikou.markets import engine
from duikou.markets.labour import matching, runs, services, tables
from duikou.markets.labour import testing as lt
from duikou.markets.models import JobSeeker, MatchRun, StoredMatch
from duikou.markets.scorers import labour_scorer, posting_side, seeker_side

SKILLS = ["electrician", "welder", "cook", "assembly", "elderly_care"]
HOMES = ["411526", "411525", "341502", "610602"]
WORK = ["320505", "310115", "320214"]


def some_world(seekers: int = 14, postings: int = 12, start: int = 1) -> None:
    """Seekers and postings with varied skills, wages and places: enough of each that every top k is cut."""
    for n in range(start, start + seekers):
        lt.seeker(
            HOMES[n % len(HOMES)],
            f"求职者{n}",
            serial=n,
            skills=SKILLS[n % 3 : n % 3 + n % 3],
            trainings=SKILLS[n % 2 : n % 2 + 1] if n % 4 else [],
            expected_wage=4500 + 250 * (n % 7),
            needs_housing=bool(n % 2),
        )
    for n in range(postings):
        lt.posting(
            WORK[n % len(WORK)],
            f"岗位{n}",
            employer=f"测试用工单位{n}",
            skills=SKILLS[n % 4 : n % 4 + n % 3],
            wage_min=4000,
            wage_max=4200 + 300 * (n % 8),
            housing=bool(n % 3),
            headcount=1 + n % 3,
        )


def in_memory_top(k: int) -> tuple[list[int], list[int], engine.TopK]:
    """The engine's top k over the same records, computed in memory (the reference the stored rows must equal)."""
    ids, seekers = runs.seeking_rows()
    postings = runs.open_posting_rows(timezone.localdate())
    scorer = labour_scorer(matching.scorer_pairs())
    top = engine.top_k(scorer, seeker_side(seekers), posting_side([p for _, p in postings]), k)
    return ids, [pk for pk, _ in postings], top


def stored(run: MatchRun, side: int) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = {}
    rows = StoredMatch.objects.filter(run=run, side=side).order_by("listing_id", "rank")
    for listing, rank, counterpart, score in rows.values_list("listing_id", "rank", "counterpart_id", "score"):
        out.setdefault(listing, []).append((counterpart, score))
        assert rank == len(out[listing])
    return out


def expected(top_index, top_score, mine, theirs) -> dict[int, list[tuple[int, int]]]:
    return {
        mine[i]: [(theirs[int(j)], int(s)) for j, s in zip(index, score, strict=True) if j != engine.NO_MATCH]
        for i, (index, score) in enumerate(zip(top_index, top_score, strict=True))
    }


@pytest.mark.django_db
def test_a_run_stores_exactly_the_engines_top_k_both_ways():
    some_world()
    run = runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL, k=5)
    ids, posting_ids, top = in_memory_top(5)
    assert run.status == MatchRun.Status.DONE and (run.left_count, run.right_count) == (14, 12)
    assert stored(run, StoredMatch.Side.SEEKER) == expected(top.left_index, top.left_score, ids, posting_ids)
    assert stored(run, StoredMatch.Side.POSTING) == expected(top.right_index, top.right_score, posting_ids, ids)
    assert run.stored == 14 * 5 + 12 * 5 and run.params["k"] == 5 and run.params["weights"]["skills"] == 30


@pytest.mark.django_db
def test_a_new_run_replaces_the_previous_runs_rows():
    some_world(seekers=4, postings=3)
    first = runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    second = runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    assert not StoredMatch.objects.filter(run=first).exists()
    assert StoredMatch.objects.filter(run=second).count() == second.stored == 4 * 3 + 3 * 4
    assert MatchRun.objects.filter(status=MatchRun.Status.DONE).count() == 2  # the runs stay as the history


@pytest.mark.django_db
def test_closed_and_full_postings_and_placed_seekers_are_not_in_a_run(xinyang, suzhou):
    some_world(seekers=3, postings=3)
    full = lt.posting("320505", "满员岗位", employer="满员单位", headcount=1)
    taker = lt.seeker("411526", "已安置", serial=77)
    services.record_placement(user=xinyang, seeker=taker, posting=full, start_date=datetime.date(2026, 1, 5), wage=5000)
    closed = lt.posting("320505", "关闭岗位", employer="关闭单位")
    services.close_posting(user=suzhou, posting=closed, expected_version=closed.version)
    run = runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    listed = set(StoredMatch.objects.filter(run=run).values_list("listing_id", "side"))
    assert (full.pk, StoredMatch.Side.POSTING) not in listed and (closed.pk, StoredMatch.Side.POSTING) not in listed
    assert (taker.pk, StoredMatch.Side.SEEKER) not in listed
    assert (run.left_count, run.right_count) == (3, 3)


@pytest.mark.django_db
def test_the_posting_page_reads_the_stored_rows(client, suzhou, monkeypatch):
    some_world()
    posting = lt.posting("320505", "读保存结果的岗位", employer="读取单位", skills=["electrician"])
    run = runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    live = matching._live_for_posting(suzhou, posting, 10)
    client.force_login(suzhou)
    url = reverse("markets:labour_posting_detail", args=[posting.pk])
    client.get(url)  # the session and the request's first reads

    def no_scoring(*args, **kwargs):
        raise AssertionError("the page scored every seeker instead of reading the stored rows")

    monkeypatch.setattr(engine, "top_k", no_scoring)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["matches"].run == run and not page.context["matches"].live
    shown = [(m.rank, m.seeker.pk, m.score) for m in page.context["matches"]]
    assert shown == [(m.rank, m.seeker.pk, m.score) for m in live]
    assert "推荐结果计算于" in page.content.decode()
    for m in page.context["matches"]:  # each explanation adds up to the stored score shown
        assert m.changed_score is None and round(sum(t["points"] for t in m.explanation["terms"]), 2) == m.score

    # a bounded number of queries, which does not grow with the number of seekers
    before = count_queries(client, url)
    monkeypatch.setattr(engine, "top_k", REAL_TOP_K)
    some_world(seekers=30, postings=0, start=100)
    runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    monkeypatch.setattr(engine, "top_k", no_scoring)
    assert count_queries(client, url) == before <= PAGE_QUERIES


REAL_TOP_K = engine.top_k
PAGE_QUERIES = 20  # the whole page (19 when written: session, posting, placements, history; six for the matches)


def count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_seeker_page_reads_the_stored_rows(client, xinyang, monkeypatch):
    some_world()
    seeker = JobSeeker.objects.filter(home_id="411526").order_by("pk").first()
    run = runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    live = matching._live_for_seeker(xinyang, seeker, 10)
    monkeypatch.setattr(engine, "top_k", None)  # any scoring of every posting would fail
    client.force_login(xinyang)
    page = client.get(reverse("markets:labour_seeker_detail", args=[seeker.pk]))
    assert page.status_code == 200 and page.context["matches"].run == run and not page.context["matches"].live
    assert [(m.rank, m.posting.pk, m.score) for m in page.context["matches"]] == [
        (m.rank, m.posting.pk, m.score) for m in live
    ]


@pytest.mark.django_db
def test_seekers_outside_the_users_area_stay_masked_in_stored_matches(suzhou):
    inside = lt.seeker("411526", "张三丰", serial=1, skills=["electrician"])
    posting = lt.posting("320505", "电工", skills=["electrician"])
    runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    xinyang = testing.user("xy_reader", "信阳市人民政府", "editor")
    [mine] = matching.matches_for_posting(xinyang, posting)
    [theirs] = matching.matches_for_posting(suzhou, posting)
    assert mine.visible and mine.seeker_name == "张三丰" and mine.as_dict()["seeker_id"] == inside.pk
    assert not theirs.visible and theirs.seeker_name != "张三丰" and theirs.as_dict()["seeker_id"] is None


@pytest.mark.django_db
def test_a_listing_edited_after_the_run_is_scored_for_the_request(client, suzhou):
    some_world(seekers=5, postings=2)
    posting = lt.posting("320505", "后改的岗位", employer="后改单位")
    runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    posting = services.update_posting(user=suzhou, posting=posting, expected_version=posting.version, wage_max=9000)
    client.force_login(suzhou)
    page = client.get(reverse("markets:labour_posting_detail", args=[posting.pk]))
    matches = page.context["matches"]
    assert matches.live and matches.newer and "以下得分为即时计算" in page.content.decode()
    assert [(m.seeker.pk, m.score) for m in matches] == [
        (m.seeker.pk, m.score) for m in matching._live_for_posting(suzhou, posting, 10)
    ]


@pytest.mark.django_db
def test_without_a_run_the_page_scores_now_and_says_so(client, suzhou):
    posting = lt.posting("320505", "无计算的岗位")
    lt.seeker("411526", "求职者", serial=1)
    client.force_login(suzhou)
    page = client.get(reverse("markets:labour_posting_detail", args=[posting.pk]))
    assert page.context["matches"].live and not page.context["matches"].newer
    assert "尚未进行匹配计算" in page.content.decode() and len(page.context["matches"]) == 1


@pytest.mark.django_db
def test_a_seeker_changed_after_the_run_shows_the_stored_score_and_the_current_one(xinyang):
    posting = lt.posting("320505", "电工", skills=["electrician"], wage_max=6000)
    seeker = lt.seeker("411526", "李四", serial=1, skills=["electrician"], expected_wage=6000)
    runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    services.update_seeker(user=xinyang, seeker=seeker, expected_version=seeker.version, skills=[])
    [m] = matching.matches_for_posting(xinyang, posting)
    assert m.score == 90 and m.changed_score == 60  # the skills term (30) no longer held (no training: 10)
    assert round(sum(t["points"] for t in m.explanation["terms"]), 2) == m.explained_score == 60


@pytest.mark.django_db
def test_a_placed_seeker_leaves_the_stored_list_at_once(xinyang):
    posting = lt.posting("320505", "电工", headcount=3)
    first = lt.seeker("411526", "甲", serial=1)
    lt.seeker("411526", "乙", serial=2)
    other = lt.posting("320505", "另一岗位", employer="另一单位")
    runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    services.record_placement(user=xinyang, seeker=first, posting=other, start_date=datetime.date(2026, 1, 5), wage=1)
    assert first.pk not in [m.seeker.pk for m in matching.matches_for_posting(xinyang, posting)]


@pytest.mark.django_db
def test_a_run_under_way_answers_the_second_clearly_and_a_dead_one_is_taken_over():
    lt.seeker("411526", "甲", serial=1)
    lt.posting("320505", "电工")
    MatchRun.objects.create(trigger=MatchRun.Trigger.SCHEDULE, started=timezone.now())
    with pytest.raises(runs.MatchRunBusy, match="另一次劳务匹配计算正在进行"):
        runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    answer = runs.labour_match_run(user=None, progress=lambda *a, **k: None, trigger="schedule")
    assert "本次未计算" in answer["summary"]
    MatchRun.objects.filter(status=MatchRun.Status.RUNNING).update(started=timezone.now() - datetime.timedelta(hours=7))
    run = runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL)
    assert run.status == MatchRun.Status.DONE
    assert MatchRun.objects.get(trigger=MatchRun.Trigger.SCHEDULE).status == MatchRun.Status.FAILED


@pytest.mark.django_db
def test_an_import_of_postings_queues_a_run(suzhou, django_capture_on_commit_callbacks):
    from duikou.markets.labour.tests.test_views import POSTING_ROW, posting_file

    lt.seeker("411526", "甲", serial=1)
    with django_capture_on_commit_callbacks(execute=True):
        tables.import_rows(kind="postings", user=suzhou, data=posting_file([POSTING_ROW]), filename="p.xlsx")
    run = MatchRun.objects.get()
    assert run.trigger == MatchRun.Trigger.IMPORT and run.status == MatchRun.Status.DONE and run.stored == 2


@pytest.mark.django_db
def test_a_dry_run_import_queues_nothing(suzhou, django_capture_on_commit_callbacks):
    from duikou.markets.labour.tests.test_views import POSTING_ROW, posting_file

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tables.import_rows(
            kind="postings", user=suzhou, data=posting_file([POSTING_ROW]), filename="p.xlsx", dry_run=True
        )
    assert callbacks == [] and not MatchRun.objects.exists()


@pytest.mark.django_db
def test_the_nightly_schedule_runs_the_matching_as_a_system_job(monkeypatch):
    import duikou.schedules
    from duikou.core import schedules

    table = duikou.schedules.SCHEDULES
    [entry] = [s for s in table() if s.name == "labour-matching"]
    assert entry.every == "day" and entry.at == datetime.time(1, 30)
    monkeypatch.setattr(duikou.schedules, "SCHEDULES", lambda: [entry])
    lt.seeker("411526", "甲", serial=1)
    lt.posting("320505", "电工")
    [started] = schedules.tick()
    assert started.job.status == "done" and started.job.result["summary"].startswith("劳务匹配已计算")
    assert MatchRun.objects.get().trigger == MatchRun.Trigger.SCHEDULE


@pytest.mark.django_db
def test_a_queued_run_is_not_queued_twice():
    from duikou.core.models import Job

    Job.objects.create(kind=runs.JOB_KIND, title="x", function="duikou.markets.labour.runs.labour_match_run")
    runs.request_match_run(MatchRun.Trigger.IMPORT)
    assert Job.objects.filter(kind=runs.JOB_KIND).count() == 1 and not MatchRun.objects.exists()


def test_two_runs_started_at_once_leave_one_set_of_rows(committed_db):
    some_world(seekers=6, postings=4, start=600)
    results = testing.race(lambda i: lambda: runs.run_labour_matching(trigger=MatchRun.Trigger.MANUAL))
    assert all(isinstance(r, MatchRun | runs.MatchRunBusy) for r in results), results
    done = [r for r in results if isinstance(r, MatchRun)]
    assert done and all(r.status == MatchRun.Status.DONE for r in done)
    latest = MatchRun.objects.filter(status=MatchRun.Status.DONE).order_by("-finished").first()
    assert set(StoredMatch.objects.values_list("run_id", flat=True)) == {latest.pk}
    assert StoredMatch.objects.count() == latest.stored == 6 * 4 + 4 * 6
    assert not MatchRun.objects.filter(status=MatchRun.Status.RUNNING).exists()
