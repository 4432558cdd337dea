"""Several people writing the same evaluation scheme, run or rectification notice at the same moment (see
docs/security.md, 并发写入). Each test starts its clients together (``duikou.testing.race``); none may get a server
error, and what should exist once exists once.

Routes and how each race is settled:

- ``POST /api/evaluation/schemes`` and ``…/schemes/{id}/copy`` (and the pages ``evaluation:scheme_create``,
  ``evaluation:scheme_copy``): one scheme per year and level is a unique rule of the database; a scheme made at
  the same moment as another of its year is refused with the same message as one made a moment later (422).
- ``POST /api/evaluation/schemes/{id}/runs`` (``evaluation:run_start``): the scheme's row is locked while the run
  is numbered and a running run looked for; run numbers are unique.
- ``POST /api/evaluation/runs/{id}/publish`` (``evaluation:run_publish``): publication saves with the run's
  version (one wins, the others get 409) and one published run per scheme is a unique rule (422).
- ``POST /api/supervision/runs/{id}/commendations`` (``evaluation:commendation_generate``): one commendation per
  run and pairing is a unique rule; generating again adds none.
- ``POST /api/supervision/notices``: notices are numbered in a savepoint, a number taken meanwhile is retried.
- ``POST /api/supervision/notices/{id}/steps/{step}`` (``evaluation:notice_step``): each step saves with the
  version the user read: one wins, the others get 409.
- ``evaluation:reviews``: a reviewer's mark is unique per item, pairing and reviewer; the same reviewer saving
  from two tabs keeps one mark and is told the other was stale.
"""

import datetime
import json

import pytest
from django.utils import timezone

from duikou import testing
from duikou.evaluation import testing as et
from duikou.evaluation.models import Commendation, Notice, Review, Run, Scheme
from duikou.evaluation.supervision import services


@pytest.fixture
def who(committed_db):
    return et.supervision_people()


def post_json(url, body):
    return lambda client, i: client.post(url, data=json.dumps(body), content_type="application/json")


def codes(results) -> list:
    return [getattr(r, "status_code", repr(r)) for r in results]


def test_a_scheme_made_twice_at_once_is_made_once(who):
    body = {"year": 2031, "level": "national", "name": "2031年度对口合作工作成效评估方案", "items": []}
    results = testing.race(testing.clients(who["ndrc"], post_json("/api/evaluation/schemes", body)))
    assert sorted(codes(results)) == [201] + [422] * (len(results) - 1), testing.statuses(results)
    assert all("2031 年已有国家级评估方案" in str(r.json()["detail"]) for r in results if r.status_code == 422)
    assert Scheme.objects.filter(year=2031, level="national").count() == 1


def test_a_scheme_copied_twice_at_once_to_one_year_is_copied_once(who):
    source = et.scheme(who["ndrc"], year=2030, items=[et.target_item()])
    url = f"/api/evaluation/schemes/{source.pk}/copy"
    results = testing.race(testing.clients(who["ndrc"], post_json(url, {"year": 2032, "name": ""})))
    assert sorted(codes(results)) == [201] + [422] * (len(results) - 1), testing.statuses(results)
    assert Scheme.objects.filter(year=2032, level="national").count() == 1


def test_runs_started_at_once_are_numbered_apart(who):
    scheme = et.scheme(who["ndrc"], year=2029, items=[et.target_item()])
    url = f"/api/evaluation/schemes/{scheme.pk}/runs"
    results = testing.race(testing.clients(who["ndrc"], post_json(url, {})))
    assert set(codes(results)) <= {202, 422}, testing.statuses(results)
    numbers = list(Run.objects.filter(scheme=scheme).values_list("number", flat=True))
    assert len(numbers) == codes(results).count(202) == len(set(numbers))


def test_a_run_published_twice_at_once_is_published_once(who):
    scheme = et.scheme(who["ndrc"], year=2028, items=[et.target_item()])
    run = et.run(scheme, who["ndrc"])
    results = testing.race(testing.clients(who["ndrc"], post_json(f"/api/evaluation/runs/{run.pk}/publish", {})))
    assert sorted(codes(results))[0] == 200 and codes(results).count(200) == 1, testing.statuses(results)
    assert set(codes(results)) <= {200, 409, 422}
    assert Run.objects.filter(scheme=scheme, status=Run.Status.PUBLISHED).count() == 1


def test_commendations_generated_twice_at_once_are_listed_once(who):
    xinyang, yanan = testing.pairing("信阳市", "苏州市"), testing.pairing("延安市", "无锡市")
    run = et.published_run(who["ndrc"], [(xinyang, "95", "excellent"), (yanan, "92", "excellent")], year=2027)
    url = f"/api/supervision/runs/{run.pk}/commendations"
    results = testing.race(testing.clients(who["ndrc"], post_json(url, {})))
    assert set(codes(results)) == {200}, testing.statuses(results)
    assert sum(len(r.json()) for r in results) == 2  # each pairing added by one request
    assert Commendation.objects.filter(run=run).count() == 2


def test_notices_issued_at_once_get_numbers_of_their_own(who):
    xinyang = testing.pairing("信阳市", "苏州市")
    run = et.published_run(who["ndrc"], [(xinyang, "70", "fair")], year=2026)
    deadline = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()

    def send(client, i):
        body = {"run_id": run.pk, "pairing_id": xinyang.pk, "finding": f"问题{i}", "measures_required": "整改"}
        return post_json("/api/supervision/notices", body | {"deadline": deadline})(client, i)

    results = testing.race(testing.clients(who["ndrc"], send))
    assert set(codes(results)) == {201}, testing.statuses(results)
    numbers = list(Notice.objects.filter(run=run).values_list("number", flat=True))
    assert len(numbers) == len(results) == len(set(numbers))


def test_a_notice_step_taken_twice_at_once_is_taken_once(who):
    xinyang = testing.pairing("信阳市", "苏州市")
    run = et.published_run(who["ndrc"], [(xinyang, "70", "fair")], year=2025)
    notice = services.issue_notice(
        run=run,
        pairing=xinyang,
        finding="消费帮扶金额未达年度目标",
        measures_required="拓展消费帮扶渠道",
        deadline=timezone.localdate() + datetime.timedelta(days=60),
        user=who["ndrc"],
    )
    url = f"/api/supervision/notices/{notice.pk}/steps/receive"
    results = testing.race(testing.clients(who["xy_editor"], post_json(url, {"version": notice.version})))
    assert sorted(codes(results)) == [200] + [409] * (len(results) - 1), testing.statuses(results)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.RECEIVED and notice.version == 2


def test_a_reviewers_first_mark_saved_from_two_tabs_is_kept_once(who):
    scheme = et.scheme(who["henan"], year=2025, level="province", province="410000", items=[et.qualitative_item()])
    item = scheme.items.get()
    xinyang = testing.pairing("信阳市", "苏州市")
    key = f"{item.pk}-{xinyang.pk}"
    url = f"/evaluation/schemes/{scheme.pk}/reviews/"
    results = testing.race(
        testing.clients(who["henan"], lambda c, i: c.post(url, {f"mark-{key}": str(80 + i), f"comment-{key}": ""}))
    )
    # saved; or the form shown again (422) saying the mark was saved meanwhile
    assert set(codes(results)) <= {302, 422} and 302 in codes(results), testing.statuses(results)
    assert all("已被他人修改" in r.content.decode() for r in results if r.status_code == 422)
    assert Review.objects.filter(item=item, pairing=xinyang, reviewer=who["henan"]).count() == 1


# ---- at the same moment --------------------------------------------------------------------------------------


def test_a_self_assessment_submitted_twice_at_once_is_submitted_once(committed_db):
    """``POST /api/evaluation/stages/assessments/{id}/steps/submit``: saved with the version read: one wins, the
    others are refused (409 stale, or 403 once it is submitted), never a server error."""
    from duikou.evaluation.assessment import services as stages
    from duikou.evaluation.models import SelfAssessment
    from duikou.evaluation.tests.test_assessment import filled, staged

    people = {"ndrc": testing.user("race_ndrc", "国家发展改革委（振兴司）", "approver")}
    xy = testing.user("race_xy", "信阳市人民政府", "editor")
    xinyang = testing.pairing("信阳市", "苏州市")
    later = datetime.date(2099, 12, 31)
    scheme = staged(people, self_assessment_due=later, opinion_due=later)
    a = stages.save_self_assessment(scheme=scheme, pairing=xinyang, side="old", user=xy, entries=filled(scheme))
    url = f"/api/evaluation/stages/assessments/{a.pk}/steps/submit"
    body = json.dumps({"version": a.version})
    results = testing.race(
        testing.clients(xy, lambda client, i: client.post(url, data=body, content_type="application/json"))
    )
    codes = sorted(r.status_code for r in results)
    assert codes[0] == 200 and codes.count(200) == 1 and set(codes[1:]) <= {403, 409}, testing.statuses(results)
    a.refresh_from_db()
    assert a.status == SelfAssessment.Status.SUBMITTED and a.version == json.loads(body)["version"] + 1
