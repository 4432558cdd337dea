"""Several people taking a plan's workflow steps at the same moment (see docs/security.md, 并发写入). Each test starts
its clients together (``duikou.testing.race``) through ``POST /api/plans/{id}/steps/{step}``; none may get a server
error, each step is taken once, and a plan never stops half-way.

Routes and how each race is settled:

- ``agree``, ``submit``, ``return``: the step locks the plan's row and decides there — from the stored plan, not
  the copy the request read — so the two cities agreeing at once both count and the plan is agreed; an approver
  whose side has agreed meanwhile is refused (409).
- ``issue``: the same lock, and the provinces that have issued are read under it: the second province's issuance
  completes the plan; a province issuing twice at once issues once.
- ``file``: the plan's row is locked and its status checked there; the filing chain is held by the database (one
  filing per previous digest), so two plans filed at once chain one after the other (the later one is retried
  on the new end of the chain) instead of forking it.
- ``revise``, ``annual``: the source plan's row is locked while the new plan is made, so a second request finds
  the revision (or the year's annual plan) made and is refused.
- content edits (``POST/PUT/DELETE /api/plans/{id}/content…``, ``PUT /api/plans/{id}``) name the plan's version
  and bump it with a conditional update: one wins, the others get 409.
"""

import datetime
import json

import pytest

from duikou import testing
from duikou.plans import services
from duikou.plans.models import Plan, PlanIssuance

from .factories import drafted_plan, people


@pytest.fixture
def who(committed_db):
    return people()


def step(plan, name, **body):
    url = f"/api/plans/{plan.pk}/steps/{name}"
    return lambda client, i: client.post(url, data=json.dumps(body), content_type="application/json")


def two_sides(a, b, send):
    """A ``prepare``: half the clients logged in as ``a``, half as ``b``."""
    return lambda i: testing.clients(a if i % 2 else b, send)(i)


def approver(username, organisation):
    return testing.user(username, organisation, "approver")


def agreeing(who):
    return services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))


def issued(who, plan):
    plan = services.agree(user=who["xy_approver"], plan=plan)
    plan = services.agree(user=who["sz_approver"], plan=plan)
    plan = services.issue(user=who["henan"], plan=plan, doc_number="豫政〔2026〕1号", date=datetime.date(2026, 3, 1))
    return services.issue(user=who["jiangsu"], plan=plan, doc_number="苏政〔2026〕2号", date=datetime.date(2026, 3, 2))


def only_refusals(results, *codes):
    return {r.status_code for r in results if r.status_code != 200} <= set(codes)


def test_both_cities_agreeing_at_once_agree_the_plan(who):
    plan = agreeing(who)
    results = testing.race(two_sides(who["xy_approver"], who["sz_approver"], step(plan, "agree")))
    # one agreement per side; an approver whose side agreed a moment before is refused
    assert [r.status_code for r in results].count(200) == 2 and only_refusals(results, 403, 409), testing.statuses(
        results
    )
    plan.refresh_from_db()
    assert plan.status == Plan.Status.AGREED
    assert plan.old_side_agreed_at and plan.partner_side_agreed_at


def test_both_provinces_issuing_at_once_issue_the_plan(who):
    plan = agreeing(who)
    plan = services.agree(user=who["xy_approver"], plan=plan)
    plan = services.agree(user=who["sz_approver"], plan=plan)
    results = testing.race(
        two_sides(who["henan"], who["jiangsu"], step(plan, "issue", doc_number="联合〔2026〕1号", date="2026-03-01"))
    )
    assert [r.status_code for r in results].count(200) == 2 and only_refusals(results, 403, 409), testing.statuses(
        results
    )
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ISSUED
    assert sorted(PlanIssuance.objects.filter(plan=plan).values_list("province_id", flat=True)) == ["320000", "410000"]


def test_two_plans_filed_at_once_keep_one_chain(who):
    first, second = issued(who, agreeing(who)), issued(who, agreeing(who))
    results = testing.race(
        lambda i: testing.clients(who["ndrc"], step(first if i % 2 else second, "file", receipt=f"备案{i}"))(i)
    )
    assert [r.status_code for r in results].count(200) == 2 and only_refusals(results, 403, 409), testing.statuses(
        results
    )
    assert Plan.objects.filter(pk__in=[first.pk, second.pk], status=Plan.Status.FILED).count() == 2
    assert services.verify_filings() == []


def test_a_filed_plan_revised_twice_at_once_has_one_revision(who):
    plan = issued(who, agreeing(who))
    plan = services.file_plan(user=who["ndrc"], plan=plan, receipt="备案〔2026〕9号")
    results = testing.race(testing.clients(who["xy_editor"], step(plan, "revise")))
    assert [r.status_code for r in results].count(200) == 1 and only_refusals(results, 403, 409, 422), testing.statuses(
        results
    )
    assert Plan.objects.filter(previous=plan).count() == 1


def test_an_annual_plan_made_twice_at_once_is_made_once(who):
    plan = drafted_plan(who)
    results = testing.race(testing.clients(who["xy_editor"], step(plan, "annual", year=2026)))
    assert [r.status_code for r in results].count(200) == 1 and only_refusals(results, 409, 422), testing.statuses(
        results
    )
    assert Plan.objects.filter(source_plan=plan, kind=Plan.Kind.ANNUAL, start_year=2026).count() == 1


def test_content_added_twice_on_one_version_is_added_once(who):
    plan = drafted_plan(who)
    goals = plan.goals.count()
    body = json.dumps({"text": "同时添加的目标", "plan_version": plan.version})
    url = f"/api/plans/{plan.pk}/content/goals"
    results = testing.race(
        testing.clients(who["xy_editor"], lambda c, i: c.post(url, data=body, content_type="application/json"))
    )
    assert testing.statuses(results) == [201] + [409] * (len(results) - 1)
    assert plan.goals.count() == goals + 1


def test_a_chain_that_forked_before_the_rule_stops_the_migration_and_names_the_filings(who):
    """Two filings onto one end of the chain (what the race left) are evidence, not repaired: the migration that
    adds the rule stops and names them."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = ("plans", "0001_initial"), ("plans", "0002_filing_chain_unique")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("plans", "Plan")
    fields = {"pairing_id": testing.pairing("信阳市", "苏州市").pk, "kind": "five_year", "start_year": 2026}
    fields |= {"end_year": 2030, "created_by_id": who["ndrc"].pk, "status": "filed", "filing_prev_digest": "a" * 64}
    forked = [
        old.objects.create(
            title=f"分叉备案{n}", filing_digest=str(n) * 64, filed_at=datetime.datetime.now(datetime.UTC), **fields
        ).pk
        for n in range(2)
    ]
    try:
        with pytest.raises(RuntimeError) as stopped:
            MigrationExecutor(connection).migrate([after])
        assert "备案链已分叉" in str(stopped.value)
        assert all(f"#{pk}「分叉备案" in str(stopped.value) for pk in forked)
    finally:
        old.objects.filter(pk__in=forked).delete()
        MigrationExecutor(connection).migrate([after])
