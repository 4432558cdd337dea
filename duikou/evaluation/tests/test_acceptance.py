"""The acceptance example of issue 5: three pairings, four items, known targets and values, scored by hand.

Scheme: 河南 2025 (grades 优秀 ≥ 90, 良好 ≥ 80, 一般 ≥ 60). Pairings whose old side is in 河南:
A 信阳–苏州 (the national pairing) and two province-internal test pairings, B 驻马店–郑州 and C 南阳–洛阳.

Items
1. target    实际到位资金 (sum of quarters), weight 50, target 10,000 万元 (the scheme's), cap 100%  — KT5
2. rank      签约项目数 (sum), weight 20, score = 20 × (3 − rank) / (3 − 1)                       — KT5
3. qualitative, weight 30, three reviewers, highest and lowest dropped                              — KT1
4. deduction, missed reporting, 1 point per period, at most 5                                       — KT2

By hand
    item 1 实际到位资金 (万元)                         item 2 签约项目数 (个)
A   3000 × 4 = 12,000 → 120% → capped 100% → 50.00   2 × 4 = 8       → rank 2 (tie) → 20 × 1/2 = 10.00
B   2000 × 4 = 8,000  → 80%                → 40.00   3 × 4 = 12      → rank 1       → 20 × 2/2 = 20.00
C   2500 × 3 = 7,500  → 75%                → 37.50   2 + 3 + 3 = 8   → rank 2 (tie) → 20 × 1/2 = 10.00
    (C's Q4 values are drafts: not used)

    item 3 marks (drop highest and lowest)        item 4 missed reports      total   rank  grade
A   90 80 70  → 80 → 30 × 0.80 = 24.00            0         →  0.00          84.00   1     良好
B   60 70 100 → 70 → 30 × 0.70 = 21.00            0         →  0.00          81.00   2     良好
C   85 85 85  → 85 → 30 × 0.85 = 25.50            1 (2025Q4) → −1.00         72.00   3     一般

A and C tie on 签约项目数 and share rank 2 (10.00 each). Totals rank A 1, B 2, C 3; grades 良好, 良好, 一般.
Key tasks: A KT1 24.00, KT2 0.00, KT5 60.00; B 21.00, 0.00, 60.00; C 25.50, −1.00, 47.50.
"""

from decimal import Decimal

import pytest

from duikou import testing
from duikou.evaluation import services
from duikou.evaluation import testing as ev

pytestmark = pytest.mark.django_db


@pytest.fixture
def example():
    keeper = testing.user("ev_henan_keeper", "河南省人民政府", "approver")
    reviewers = [keeper] + [testing.user(f"ev_henan_reviewer{n}", "河南省人民政府", "editor") for n in (1, 2)]
    a = testing.pairing("信阳市", "苏州市")
    b = ev.province_pairing("驻马店市", "郑州市", "T-HN-1")
    c = ev.province_pairing("南阳市", "洛阳市", "T-HN-2")
    scheme = ev.scheme(
        keeper,
        level="province",
        province="410000",
        items=[ev.target_item(), ev.rank_item(), ev.qualitative_item(), ev.deduction_item()],
    )
    quarters = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    for pairing, funds, projects in ((a, "3000", "2"), (b, "2000", "3")):
        ev.values(
            pairing,
            {
                "funds_in_place_wan": dict.fromkeys(quarters, funds),
                "signed_projects": dict.fromkeys(quarters, projects),
            },
        )
    ev.values(
        c,
        {
            "funds_in_place_wan": dict.fromkeys(quarters[:3], "2500"),
            "signed_projects": {"2025Q1": "2", "2025Q2": "3", "2025Q3": "3"},
        },
    )
    ev.values(c, {"funds_in_place_wan": {"2025Q4": "9999"}, "signed_projects": {"2025Q4": "9"}}, status="draft")
    ev.all_reported(a)
    ev.all_reported(b)
    ev.reports(c, {"2025Q1": "approved", "2025Q2": "accepted", "2025Q3": "approved", "2025Q4": "open"})
    qualitative = scheme.items.get(method="qualitative")
    for pairing, marks in ((a, (90, 80, 70)), (b, (60, 70, 100)), (c, (85, 85, 85))):
        for reviewer, mark in zip(reviewers, marks, strict=True):
            services.record_review(user=reviewer, item=qualitative, pairing=pairing, mark=mark)
    run = ev.run(scheme, keeper)
    return {"run": run, "a": a, "b": b, "c": c, "scheme": scheme}


def _scores(run, pairing):
    return {s.item.method: s for s in run.scores.filter(pairing=pairing).select_related("item")}


def test_acceptance_example_scores_ranks_and_grades(example):
    run = example["run"]
    assert run.status == "done"
    results = {r.pairing_id: r for r in run.results.all()}
    assert set(results) == {example[k].pk for k in "abc"}
    expected = {
        "a": ("84.00", 1, "good", {"KT1": "24.00", "KT2": "0.00", "KT5": "60.00"}),
        "b": ("81.00", 2, "good", {"KT1": "21.00", "KT2": "0.00", "KT5": "60.00"}),
        "c": ("72.00", 3, "fair", {"KT1": "25.50", "KT2": "-1.00", "KT5": "47.50"}),
    }
    for key, (total, rank, grade, tasks) in expected.items():
        result = results[example[key].pk]
        assert (result.total, result.rank, result.grade, result.task_scores) == (Decimal(total), rank, grade, tasks)
    per_item = {
        "a": {"target": "50.00", "rank": "10.00", "qualitative": "24.00", "deduction": "0.00"},
        "b": {"target": "40.00", "rank": "20.00", "qualitative": "21.00", "deduction": "0.00"},
        "c": {"target": "37.50", "rank": "10.00", "qualitative": "25.50", "deduction": "-1.00"},
    }
    for key, by_method in per_item.items():
        scores = _scores(run, example[key])
        assert {m: str(s.score) for m, s in scores.items()} == by_method


def test_acceptance_example_explanations_name_values_target_and_rule(example):
    run, a, c = example["run"], example["a"], example["c"]
    a_scores, c_scores = _scores(run, a), _scores(run, c)
    assert a_scores["target"].explanation == (
        "实际到位资金 2025 年 12,000 万元（2025Q1–Q4 已审核值之和）÷ 目标 10,000 万元（评估方案所定目标值）"
        "= 120%，封顶 100%，× 分值 50 = 50.00 分"
    )
    assert c_scores["target"].explanation == (
        "实际到位资金 2025 年 7,500 万元（2025Q1–Q3 已审核值之和；2025Q4 无已审核数值）÷ 目标 10,000 万元"
        "（评估方案所定目标值）= 75%，× 分值 50 = 37.50 分"
    )
    assert a_scores["rank"].explanation == (
        "签约项目数 2025 年 8 个（2025Q1–Q4 已审核值之和）在 3 个参评结对中排第 2 名（越高越好），"
        "× 分值 20 ×（3 − 2）÷（3 − 1）= 10.00 分"
    )
    assert a_scores["qualitative"].explanation == (
        "3 位评议人评分 90、80、70（百分制），去掉最高分 90 和最低分 70 后平均 80，× 分值 30 ÷ 100 = 24.00 分"
    )
    assert c_scores["deduction"].explanation == (
        "未按期填报 1 期（2025Q4「对口合作季度监测」填报中）× 每期扣 1 分 = 1 分，扣 1.00 分（得分 -1.00）"
    )
    inputs = a_scores["target"].inputs
    assert inputs["actual"]["value"] == "12000"
    assert [v["period"] for v in inputs["actual"]["values"]] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert inputs["target"] == {"value": "10000", "source": "评估方案所定目标值", "plan_id": None, "note": ""}


def test_acceptance_example_snapshot_and_topsis_view(example):
    run = example["run"]
    assert [i["name"] for i in run.scheme_snapshot["items"]] == [
        "实际到位资金完成度",
        "签约项目数排名",
        "红色文化传承成效评议",
        "未按期填报扣分",
    ]
    assert run.scheme_snapshot["as_of"] == "2026-03-31"
    assert set(run.entropy_weights) == {"funds_in_place_wan", "signed_projects"}
    assert sum(run.entropy_weights.values()) == pytest.approx(1, abs=1e-5)
    topsis = {r.pairing_id: (r.topsis_score, r.topsis_rank) for r in run.results.all()}
    assert all(0 <= score <= 1 for score, _rank in topsis.values())
    # B has the most projects but the least money; A leads on money and ties C on projects
    assert topsis[example["a"].pk][1] == 1
