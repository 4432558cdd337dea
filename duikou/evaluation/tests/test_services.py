"""Evaluation services: inputs (plan targets, derived and period-end values, overdue rectification), schemes and items,
copy forward, reviews, runs, publication, freezing, re-runs and comparison, and who sees what."""

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from duikou import testing
from duikou.core.errors import StaleObjectError
from duikou.evaluation import comparison, inputs, queries, services
from duikou.evaluation import testing as ev
from duikou.evaluation.models import FrozenRunError, FrozenSchemeError, Item, Review, Run, Scheme
from duikou.policy.models import Task

pytestmark = pytest.mark.django_db

Q4 = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]


@pytest.fixture
def pairings():
    return {"xinyang": testing.pairing("信阳市", "苏州市"), "yanan": testing.pairing("延安市", "无锡市")}


def national(who, *, see_before=False, items=None) -> Scheme:
    scheme = ev.scheme(who["ndrc"], items=items or [ev.target_item(), ev.qualitative_item(weight="50")])
    if see_before:
        scheme = services.update_scheme(
            user=who["ndrc"], scheme=scheme, expected_version=scheme.version, cities_see_before_publication=True
        )
    return scheme


@pytest.fixture
def done(who, pairings):
    """A finished, unpublished national 2025 run with values for 信阳–苏州 and 延安–无锡."""
    ev.values(pairings["xinyang"], {"funds_in_place_wan": dict.fromkeys(Q4, "2500")})
    ev.values(pairings["yanan"], {"funds_in_place_wan": dict.fromkeys(Q4, "1000")})
    scheme = national(who)
    return ev.run(scheme, who["ndrc"])


# ---- inputs ------------------------------------------------------------------------------------------------


def test_target_comes_from_the_pairings_filed_plan_for_the_year():
    from duikou.plans.tests import factories as plan_factories

    people = plan_factories.people()
    plan = plan_factories.filed_plan(people)  # 签约项目数 2026: 10 个
    xinyang = plan.pairing
    ev.values(xinyang, {"signed_projects": {"2026Q1": "4", "2026Q2": "2"}})
    scheme = ev.scheme(people["ndrc"], year=2026, items=[ev.target_item("signed_projects", "20", "50")])
    run = ev.run(scheme, people["ndrc"], today=datetime.date(2027, 3, 31))
    score = run.scores.get(pairing=xinyang)
    assert score.score == Decimal("12.00")  # 6 / 10 = 60% × 20
    assert score.target == Decimal("10")
    assert score.explanation == (
        "签约项目数 2026 年 6 个（2026Q1–Q2 已审核值之和；2026Q3–Q4 无已审核数值）÷ 目标 10 个"
        "（《信阳市与苏州市对口合作五年实施方案》年度指标目标）= 60%，× 分值 20 = 12.00 分"
    )
    assert score.inputs["target"]["plan_id"] == plan.pk
    other = run.scores.get(pairing=testing.pairing("延安市", "无锡市"))
    assert other.target == Decimal("50") and "评估方案所定目标值" in other.explanation


def test_a_draft_plans_target_is_not_used(who, pairings):
    from duikou.plans.models import Plan, PlanTarget

    plan = Plan.objects.create(
        pairing=pairings["xinyang"],
        kind="annual",
        title="草稿计划",
        start_year=2025,
        end_year=2025,
        created_by=who["ndrc"],
    )
    PlanTarget.objects.create(plan=plan, indicator_id="funds_in_place_wan", year=2025, target=1)
    ev.values(pairings["xinyang"], {"funds_in_place_wan": {"2025Q1": "5000"}})
    run = ev.run(ev.scheme(who["ndrc"], items=[ev.target_item()]), who["ndrc"])
    assert run.scores.get(pairing=pairings["xinyang"]).target == Decimal("10000")


def test_derived_indicator_is_computed_from_the_years_component_values(who, pairings):
    ev.values(
        pairings["xinyang"],
        {"funds_in_place_wan": {"2025Q1": "4000", "2025Q2": "8000"}, "signed_amount_wan": {"2025Q1": "30000"}},
    )
    scheme = ev.scheme(who["ndrc"], items=[ev.target_item("funds_in_place_rate", "10", "50")])
    score = ev.run(scheme, who["ndrc"]).scores.get(pairing=pairings["xinyang"])
    assert score.actual == Decimal("40")  # 12,000 ÷ 30,000 × 100
    assert score.score == Decimal("8.00")  # 40 / 50 = 80% × 10
    assert score.explanation.startswith(
        "资金到位率 2025 年 40%（按公式 实际到位资金 ÷ 签约金额 × 100 计算：实际到位资金 12,000 万元"
    )


def test_period_end_indicator_takes_the_last_approved_value(who, pairings):
    ev.values(pairings["xinyang"], {"coop_parks": {"2025Q1": "1", "2025Q3": "2"}})
    ev.values(pairings["xinyang"], {"coop_parks": {"2025Q4": "5"}}, status="submitted")
    scheme = ev.scheme(who["ndrc"], items=[ev.threshold_item(threshold="2")])
    score = ev.run(scheme, who["ndrc"]).scores.get(pairing=pairings["xinyang"])
    assert score.score == Decimal("10.00")
    assert score.explanation.startswith("共建产业园区数 2025 年 2 个（期末值，2025Q3 已审核）≥ 达标值 2 个")


def test_accepted_values_count_and_are_named_so(who, pairings):
    ev.values(pairings["xinyang"], {"funds_in_place_wan": {"2025Q1": "1000", "2025Q2": "1000"}}, status="accepted")
    ev.values(pairings["xinyang"], {"funds_in_place_wan": {"2025Q3": "1000"}})
    score = ev.run(ev.scheme(who["ndrc"], items=[ev.target_item()]), who["ndrc"]).scores.get(
        pairing=pairings["xinyang"]
    )
    assert score.actual == Decimal("3000")
    assert "（2025Q1–Q2 已接收、2025Q3 已审核值之和；2025Q4 无已审核数值）" in score.explanation


def test_overdue_rectification_steps_are_deducted(who, pairings):
    from duikou.evaluation.models import Notice
    from duikou.evaluation.supervision import services as supervision

    earlier = ev.published_run(who["ndrc"], [(pairings["xinyang"], "70", "fair")], year=2024)
    notice = supervision.issue_notice(
        run=earlier,
        pairing=pairings["xinyang"],
        finding="资金到位慢",
        measures_required="加快资金到位",
        deadline=timezone.localdate() + datetime.timedelta(days=60),
        user=who["ndrc"],
    )
    Notice.objects.filter(pk=notice.pk).update(step_due=datetime.date(2026, 1, 10))
    item = ev.deduction_item("overdue_rectification", weight="6", points="2")
    score = ev.run(ev.scheme(who["ndrc"], items=[item]), who["ndrc"]).scores.get(pairing=pairings["xinyang"])
    assert score.score == Decimal("-2.00")
    assert score.explanation == (
        f"整改逾期 1 项（{notice.number} 已下发，本环节时限 2026-01-10）× 每项扣 2 分 = 2 分，扣 2.00 分（得分 -2.00）"
    )


def test_a_province_scheme_evaluates_only_pairings_whose_old_side_is_in_the_province(who, pairings):
    scheme = ev.scheme(who["henan"], level="province", province="410000", items=[ev.target_item()])
    run = ev.run(scheme, who["henan"])
    assert list(run.results.values_list("pairing__code", flat=True)) == ["N09"]
    assert run.scheme_snapshot["pairings"] == [pairings["xinyang"].pk]


# ---- schemes and items -------------------------------------------------------------------------------------


def test_city_cannot_create_a_scheme(who):
    with pytest.raises(PermissionDenied):
        ev.scheme(who["xy_approver"])


def test_province_keeps_only_its_own_province_scheme(who):
    with pytest.raises(PermissionDenied):
        ev.scheme(who["henan"])  # national
    with pytest.raises(PermissionDenied):
        ev.scheme(who["henan"], level="province", province="610000")
    assert not Scheme.objects.exists()
    assert ev.scheme(who["henan"], level="province", province="410000").province_id == "410000"


def test_one_scheme_per_year_and_level(who):
    ev.scheme(who["ndrc"])
    with pytest.raises(ValidationError, match="2025 年已有国家级评估方案"):
        ev.scheme(who["ndrc"])


def test_cut_offs_must_be_ordered(who):
    scheme = ev.scheme(who["ndrc"])
    with pytest.raises(ValidationError, match="分数线须满足"):
        services.update_scheme(user=who["ndrc"], scheme=scheme, expected_version=scheme.version, good_min=95)


def test_scheme_edit_on_a_stale_version_is_refused(who):
    scheme = ev.scheme(who["ndrc"])
    services.update_scheme(user=who["ndrc"], scheme=scheme, expected_version=scheme.version, name="新名称")
    with pytest.raises(StaleObjectError):
        services.update_scheme(user=who["ndrc"], scheme=scheme, expected_version=scheme.version, name="旧副本")


def test_target_item_needs_a_target_value(who):
    with pytest.raises(ValidationError, match="目标完成度计分须填写大于 0 的目标值"):
        ev.scheme(who["ndrc"], items=[ev.target_item(target=None)])


def test_indicator_methods_need_an_indicator(who):
    with pytest.raises(ValidationError, match="须选择指标"):
        ev.scheme(who["ndrc"], items=[ev.rank_item(indicator=None)])


def test_deduction_item_needs_basis_and_points(who):
    with pytest.raises(ValidationError, match="扣分项须选择扣分依据"):
        ev.scheme(who["ndrc"], items=[ev.deduction_item(basis="")])


def test_item_key_task_must_be_a_key_task(who):
    scheme = ev.scheme(who["ndrc"])
    with pytest.raises(ValidationError, match="请选择重点任务"):
        services.add_item(
            user=who["ndrc"], scheme=scheme, **(ev.qualitative_item() | {"key_task": Task.objects.get(pk="Y26-01")})
        )


def test_item_change_on_a_stale_scheme_version_is_refused(who):
    scheme = ev.scheme(who["ndrc"], items=[ev.qualitative_item()])
    item = scheme.items.get()
    services.update_item(user=who["ndrc"], item=item, expected_version=scheme.version, weight="40")
    with pytest.raises(StaleObjectError):
        services.update_item(user=who["ndrc"], item=item, expected_version=scheme.version, weight="45")


def test_item_scored_in_a_run_cannot_be_removed(who, done):
    item = done.scheme.items.get(method="target")
    with pytest.raises(ValidationError, match="已在第1次评估中计分，不能删除"):
        services.remove_item(user=who["ndrc"], item=item)


def test_an_unscored_item_is_removed_and_the_history_keeps_it(who):
    scheme = ev.scheme(who["ndrc"], items=[ev.qualitative_item()])
    item = scheme.items.get()
    pk = item.pk
    services.remove_item(user=who["ndrc"], item=item)
    assert not scheme.items.exists()
    entry = LogEntry.objects.get(object_pk=str(pk), action=LogEntry.Action.DELETE, content_type__model="item")
    assert entry.actor == who["ndrc"]


def test_changes_are_audited_with_the_actor(who):
    scheme = ev.scheme(who["ndrc"], items=[ev.qualitative_item()])
    assert LogEntry.objects.get_for_object(scheme).first().actor == who["ndrc"]
    assert LogEntry.objects.get_for_object(scheme.items.get()).first().actor == who["ndrc"]


# ---- copy forward ------------------------------------------------------------------------------------------


def test_copy_forward_copies_items_cut_offs_and_options(who):
    scheme = ev.scheme(
        who["ndrc"],
        name="2025年度对口合作工作成效评估方案",
        items=[ev.target_item(cap="1.2"), ev.rank_item(), ev.qualitative_item(), ev.deduction_item()],
    )
    scheme = services.update_scheme(
        user=who["ndrc"],
        scheme=scheme,
        expected_version=scheme.version,
        excellent_min=Decimal("85"),
        cities_see_before_publication=True,
    )
    copy = services.copy_scheme_forward(scheme=scheme, year=2026, user=who["ndrc"])
    assert (copy.year, copy.level, copy.copied_from, copy.name) == (
        2026,
        "national",
        scheme,
        "2026年度对口合作工作成效评估方案",
    )
    assert (copy.excellent_min, copy.good_min, copy.fair_min) == (Decimal("85"), Decimal("80"), Decimal("60"))
    assert copy.cities_see_before_publication

    def fields(s):
        return list(s.items.values_list(*services.ITEM_FIELDS))

    assert fields(copy) == fields(scheme)
    assert not Item.objects.filter(scheme=copy, pk__in=scheme.items.values("pk")).exists()


def test_copy_forward_of_a_published_scheme_is_editable(who, done):
    services.publish_run(run=done, user=who["ndrc"])
    copy = services.copy_scheme_forward(scheme=done.scheme, year=2026, user=who["ndrc"])
    services.update_item(user=who["ndrc"], item=copy.items.get(method="target"), target="12000")
    assert copy.items.get(method="target").target == Decimal("12000")


def test_copy_forward_refuses_a_year_that_already_has_a_scheme(who):
    scheme = ev.scheme(who["ndrc"])
    services.copy_scheme_forward(scheme=scheme, year=2026, user=who["ndrc"])
    with pytest.raises(ValidationError, match="2026 年已有国家级评估方案"):
        services.copy_scheme_forward(scheme=scheme, year=2026, user=who["ndrc"])


def test_province_cannot_copy_the_national_scheme(who):
    scheme = ev.scheme(who["ndrc"])
    with pytest.raises(PermissionDenied):
        services.copy_scheme_forward(scheme=scheme, year=2026, user=who["henan"])
    assert Scheme.objects.count() == 1


# ---- reviews -----------------------------------------------------------------------------------------------


def test_review_is_saved_once_per_reviewer_and_changed_in_place(who, pairings):
    scheme = ev.scheme(who["ndrc"], items=[ev.qualitative_item()])
    item = scheme.items.get()
    first = services.record_review(user=who["ndrc"], item=item, pairing=pairings["xinyang"], mark="80")
    second = services.record_review(
        user=who["ndrc"], item=item, pairing=pairings["xinyang"], mark="85.5", expected_version=first.version
    )
    assert Review.objects.count() == 1 and second.mark == Decimal("85.5") and second.version == 2


def test_review_mark_must_be_between_0_and_100(who, pairings):
    item = ev.scheme(who["ndrc"], items=[ev.qualitative_item()]).items.get()
    with pytest.raises(ValidationError, match="超出 0–100"):
        services.record_review(user=who["ndrc"], item=item, pairing=pairings["xinyang"], mark="101")


def test_only_qualitative_items_are_reviewed(who, pairings):
    item = ev.scheme(who["ndrc"], items=[ev.target_item()]).items.get()
    with pytest.raises(ValidationError, match="不是定性评议项"):
        services.record_review(user=who["ndrc"], item=item, pairing=pairings["xinyang"], mark="80")


def test_city_cannot_review(who, pairings):
    item = ev.scheme(who["ndrc"], items=[ev.qualitative_item()]).items.get()
    with pytest.raises(PermissionDenied):
        services.record_review(user=who["xy_approver"], item=item, pairing=pairings["xinyang"], mark="100")


def test_province_reviews_only_pairings_of_its_scheme(who, pairings):
    item = ev.scheme(who["henan"], level="province", province="410000", items=[ev.qualitative_item()]).items.get()
    with pytest.raises(ValidationError, match="不在方案"):
        services.record_review(user=who["henan"], item=item, pairing=pairings["yanan"], mark="80")


# ---- runs --------------------------------------------------------------------------------------------------


def test_start_run_is_a_background_job_with_progress_and_a_link(who, done):
    job = done.job
    assert job.status == "done" and job.kind == "evaluation"
    assert job.done == job.total > 0
    assert job.result["link"]["url"] == f"/evaluation/runs/{done.pk}/"
    assert done.number == 1 and done.finished is not None


def test_a_scheme_without_items_cannot_run(who):
    with pytest.raises(ValidationError, match="还没有评估指标项"):
        services.start_run(scheme=ev.scheme(who["ndrc"]), user=who["ndrc"])


def test_province_cannot_run_the_national_scheme(who, done):
    with pytest.raises(PermissionDenied):
        services.start_run(scheme=done.scheme, user=who["henan"])


def test_a_failed_computation_marks_the_run_failed(who, monkeypatch):
    scheme = ev.scheme(who["ndrc"], items=[ev.target_item()])

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(inputs, "gather_inputs", broken)
    job = services.start_run(scheme=scheme, user=who["ndrc"])
    assert job.status == "failed" and "参考编号" in job.message
    assert scheme.runs.get().status == Run.Status.FAILED


def test_rerun_makes_a_new_run_and_compare_shows_the_differences(who, pairings, done):
    from duikou.indicators.models import DataValue

    # a correction after unlocking (the reporting workflow has its own tests): 1,000 → 7,000 in 2025Q1
    DataValue.objects.filter(pairing=pairings["yanan"], period="2025Q1").update(value=Decimal("7000"))
    again = ev.run(done.scheme, who["ndrc"])
    assert again.number == 2 and again.pk != done.pk
    assert done.results.count() == again.results.count() == 20
    changes = {c.pairing.code: c for c in comparison.compare_runs(again, done)}
    yanan = changes["N06"]
    assert (yanan.before.total, yanan.after.total) == (Decimal("20.00"), Decimal("50.00"))  # 4,000 → 10,000 of 10,000
    assert yanan.total_delta == Decimal("30.00") and yanan.rank_delta > 0 and yanan.changed
    item_change = next(i for i in yanan.items if i.item.method == "target")
    assert (item_change.before, item_change.after, item_change.delta) == (
        Decimal("20.00"),
        Decimal("50.00"),
        Decimal("30.00"),
    )
    assert not changes["N09"].total_delta and not any(i.changed for i in changes["N09"].items)


def test_compare_refuses_runs_of_different_schemes(who, done):
    other = ev.run(ev.scheme(who["ndrc"], year=2024, items=[ev.target_item()]), who["ndrc"])
    with pytest.raises(ValidationError, match="同一评估方案"):
        comparison.compare_runs(done, other)


# ---- publication and freezing ------------------------------------------------------------------------------


def test_city_approver_cannot_publish(who, done):
    with pytest.raises(PermissionDenied):
        services.publish_run(run=done, user=who["xy_approver"])


def test_province_cannot_publish_a_national_run(who, done):
    with pytest.raises(PermissionDenied):
        services.publish_run(run=done, user=who["henan"])


def test_national_editor_without_approval_right_cannot_publish(who, done):
    with pytest.raises(PermissionDenied):
        services.publish_run(run=done, user=who["ndrc_editor"])


def test_national_overseer_publishes_a_national_run(who, done):
    run = services.publish_run(run=done, user=who["ndrc"])
    assert (run.status, run.published_by) == (Run.Status.PUBLISHED, who["ndrc"])
    assert LogEntry.objects.get_for_object(run).first().actor == who["ndrc"]


def test_province_publishes_its_own_run(who):
    scheme = ev.scheme(who["henan"], level="province", province="410000", items=[ev.target_item()])
    run = services.publish_run(run=ev.run(scheme, who["henan"]), user=who["henan"])
    assert run.published


def test_only_one_run_of_a_scheme_is_published(who, done):
    again = ev.run(done.scheme, who["ndrc"])
    services.publish_run(run=done, user=who["ndrc"])
    with pytest.raises(ValidationError, match="每个方案只发布一次"):
        services.publish_run(run=again, user=who["ndrc"])


def test_a_failed_run_cannot_be_published(who, done):
    Run.objects.filter(pk=done.pk).update(status=Run.Status.FAILED)
    done.refresh_from_db()
    with pytest.raises(ValidationError, match="只有计算完成、待发布的评估批次可以发布"):
        services.publish_run(run=done, user=who["ndrc"])


def test_published_results_are_refused_by_the_models(who, done):
    services.publish_run(run=done, user=who["ndrc"])
    run = Run.objects.get(pk=done.pk)
    result, score = run.results.first(), run.scores.first()
    result.total = Decimal("100")
    with pytest.raises(FrozenRunError):
        result.save()
    with pytest.raises(FrozenRunError):
        score.delete()
    with pytest.raises(FrozenRunError):
        run.save()
    item = run.scheme.items.first()
    item.weight = Decimal("1")
    with pytest.raises(FrozenSchemeError):
        item.save()
    with pytest.raises(FrozenSchemeError):
        run.scheme.save()


def test_published_scheme_is_refused_by_the_services(who, pairings, done):
    services.publish_run(run=done, user=who["ndrc"])
    scheme = Scheme.objects.get(pk=done.scheme_id)
    item = scheme.items.get(method="qualitative")
    with pytest.raises(FrozenSchemeError):
        services.update_item(user=who["ndrc"], item=item, weight="10")
    with pytest.raises(FrozenSchemeError):
        services.add_item(user=who["ndrc"], scheme=scheme, **ev.qualitative_item())
    with pytest.raises(FrozenSchemeError):
        services.update_scheme(user=who["ndrc"], scheme=scheme, expected_version=scheme.version, name="改名")
    with pytest.raises(FrozenSchemeError):
        services.record_review(user=who["ndrc"], item=item, pairing=pairings["xinyang"], mark="90")


# ---- who sees what -----------------------------------------------------------------------------------------


def test_city_does_not_see_its_scores_before_publication_by_default(who, pairings, done):
    assert not queries.results_for(who["xy_viewer"], done).exists()
    assert not queries.scores_for(who["xy_viewer"], done, pairings["xinyang"]).exists()


def test_city_sees_its_own_scores_before_publication_when_the_scheme_says_so(who, pairings):
    ev.values(pairings["xinyang"], {"funds_in_place_wan": {"2025Q1": "2500"}})
    run = ev.run(national(who, see_before=True), who["ndrc"])
    assert list(queries.results_for(who["xy_viewer"], run).values_list("pairing__code", flat=True)) == ["N09"]
    assert queries.scores_for(who["xy_viewer"], run, pairings["xinyang"]).count() == 2
    assert not queries.scores_for(who["xy_viewer"], run, pairings["yanan"]).exists()


def test_after_publication_city_sees_the_ranking_but_not_others_explanations(who, pairings, done):
    services.publish_run(run=done, user=who["ndrc"])
    assert queries.results_for(who["xy_viewer"], done).count() == 20
    assert queries.scores_for(who["xy_viewer"], done, pairings["xinyang"]).count() == 2
    assert not queries.scores_for(who["xy_viewer"], done, pairings["yanan"]).exists()
    assert queries.explained_pairings(who["xy_viewer"], done) == {pairings["xinyang"].pk}


def test_province_sees_its_cities_before_publication(who, pairings, done):
    assert list(queries.results_for(who["henan_viewer"], done).values_list("pairing__code", flat=True)) == ["N09"]
    assert queries.scores_for(who["henan_viewer"], done, pairings["xinyang"]).count() == 2
    assert not queries.scores_for(who["henan_viewer"], done, pairings["yanan"]).exists()


def test_national_overseer_sees_everything(who, done):
    assert queries.results_for(who["ndrc"], done).count() == 20
    assert queries.scores_for(who["ndrc"], done).count() == 40


def test_province_scheme_is_not_visible_in_another_province(who):
    scheme = ev.scheme(who["henan"], level="province", province="410000")
    assert not queries.schemes_for(who["shaanxi"]).filter(pk=scheme.pk).exists()
    assert not queries.schemes_for(who["ya_viewer"]).filter(pk=scheme.pk).exists()
    assert queries.schemes_for(who["xy_viewer"]).filter(pk=scheme.pk).exists()


def test_compare_with_a_user_counts_only_what_they_may_see(who, pairings, done):
    again = ev.run(done.scheme, who["ndrc"])
    assert [c.pairing.code for c in comparison.compare_runs(done, again, user=who["henan_viewer"])] == ["N09"]
