"""The labour scorer on a small example worked out by hand: top matches both ways, the optimal assignment under
capacities, and explanations whose points add up to the score.

Weights (scorers.labour_scorer): 职业意向 20, 技能匹配 30, 对口培训 10, 工资 20, 住宿 5, 意向地区 10, 结对城市 5.
Pairings in the data: 信阳 4115 – 苏州 3205, 六安 3415 – 上海 3101, 延安 6106 – 无锡 3202.

Postings
  P1 苏州虎丘区 电工 (生产制造), skills {电工}, wage_max 6000, housing yes, headcount 1
  P2 上海浦东 养老护理员 (家政养老), skills {养老护理, 烹饪}, wage_max 5000, housing no, headcount 2
  P3 无锡新吴区 装配工 (电子装配), no skills required, wage_max 4500, housing yes, headcount 1
Seekers
  S1 潢川县 (信阳): wants 生产制造; skills 电工, trained 电工; prefers 江苏 (32); expects 6000; needs housing
  S2 金安区 (六安): wants 家政养老/电子装配; skill 烹饪, trained 养老护理; prefers 上海 (31); expects 5000; no housing
  S3 宝塔区 (延安): any job; skill 装配; no training; any region; expects 5000; needs housing
  S4 固始县 (信阳): wants 生产制造; skill 电工, trained 电工; prefers 苏州市 (3205); expects 6500; no housing

Points (occupation + skills + training + wage + housing + region + pairing):
  S1×P1 = 20 + 30 + 10 + 20        + 5 + 10 + 5 = 100.00
  S1×P2 =  0 +  0 +  0 + 20×5/6    + 0 +  0 + 0 =  16.67   (1666.67 hundredths → 1667)
  S1×P3 =  0 + 30 + 10 + 20×0.75   + 5 + 10 + 0 =  70.00   (no skill required: skills and training count in full)
  S2×P1 =  0 +  0 +  0 + 20        + 5 +  0 + 0 =  25.00
  S2×P2 = 20 + 30 + 10 + 20        + 5 + 10 + 5 = 100.00   (烹饪 held + 养老护理 trained: 2/2)
  S2×P3 = 20 + 30 + 10 + 20×0.9    + 5 +  0 + 0 =  83.00
  S3×P1 = 20 +  0 +  0 + 20        + 5 + 10 + 0 =  55.00
  S3×P2 = 20 +  0 +  0 + 20        + 0 + 10 + 0 =  50.00   (needs housing, P2 has none)
  S3×P3 = 20 + 30 + 10 + 20×0.9    + 5 + 10 + 5 =  98.00
  S4×P1 = 20 + 30 + 10 + 20×6/6.5  + 5 + 10 + 5 =  98.46   (1846.15 → 1846)
  S4×P2 =  0 +  0 +  0 + 20×5/6.5  + 5 +  0 + 0 =  20.38   (1538.46 → 1538)
  S4×P3 =  0 + 30 + 10 + 20×4.5/6.5 + 5 + 0 + 0 =  58.85   (1384.62 → 1385)

Top matches of each posting:  P1: S1 100, S4 98.46, S3 55, S2 25;  P2: S2 100, S3 50, S4 20.38, S1 16.67;
                              P3: S3 98, S2 83, S1 70, S4 58.85.
Top matches of each seeker:   S1: P1, P3, P2;  S2: P2, P3, P1;  S3: P3, P1, P2;  S4: P1, P3, P2.

Assignment (each seeker once; P1 1, P2 2, P3 1 places). P2's two places go to S2 and one more; the choice is
who takes P1 and P3:
  S1→P1, S3→P3, S2+S4→P2 = 100 + 98 + 100 + 20.38 = 318.38
  S4→P1, S1→P3, S2+S3→P2 = 98.46 + 70 + 100 + 50   = 318.46   ← optimal
  S4→P1, S3→P3, S2+S1→P2 = 98.46 + 98 + 100 + 16.67 = 313.13
Greedy (best pair first: S1→P1, S2→P2, S3→P3, S4→P2) stops at 318.38; the optimum gives P1 to S4.
"""

from decimal import Decimal

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from duikou.core.actors import Operator
from duikou.markets import engine
from duikou.markets.labour import matching, services
from duikou.markets.labour import testing as lt
from duikou.markets.scorers import labour_scorer, posting_side, seeker_side

pytestmark = pytest.mark.django_db

SCORES = {
    ("S1", "P1"): "100.00",
    ("S1", "P2"): "16.67",
    ("S1", "P3"): "70.00",
    ("S2", "P1"): "25.00",
    ("S2", "P2"): "100.00",
    ("S2", "P3"): "83.00",
    ("S3", "P1"): "55.00",
    ("S3", "P2"): "50.00",
    ("S3", "P3"): "98.00",
    ("S4", "P1"): "98.46",
    ("S4", "P2"): "20.38",
    ("S4", "P3"): "58.85",
}


@pytest.fixture
def example():
    postings = {
        "P1": lt.posting("320505", "P1 电工", skills=["electrician"], wage_max=6000, housing=True, headcount=1),
        "P2": lt.posting(
            "310115",
            "P2 养老护理员",
            employer="上海测试养老院",
            occupation="domestic",
            skills=["elderly_care", "cook"],
            wage_min=4000,
            wage_max=5000,
            housing=False,
            headcount=2,
        ),
        "P3": lt.posting(
            "320214",
            "P3 装配工",
            employer="无锡测试机械有限公司",
            occupation="electronics",
            skills=[],
            wage_min=4000,
            wage_max=4500,
            housing=True,
            headcount=1,
        ),
    }
    seekers = {
        "S1": lt.seeker(
            "411526",
            "张一",
            serial=1,
            occupations=["manufacturing"],
            skills=["electrician"],
            trainings=["electrician"],
            preferred_regions=["320000"],
            expected_wage=6000,
            needs_housing=True,
        ),
        "S2": lt.seeker(
            "341502",
            "李二",
            serial=2,
            occupations=["domestic", "electronics"],
            skills=["cook"],
            trainings=["elderly_care"],
            preferred_regions=["310000"],
            expected_wage=5000,
        ),
        "S3": lt.seeker("610602", "王三", serial=3, skills=["assembly"], expected_wage=5000, needs_housing=True),
        "S4": lt.seeker(
            "411525",
            "赵四",
            serial=4,
            occupations=["manufacturing"],
            skills=["electrician"],
            trainings=["electrician"],
            preferred_regions=["320500"],
            expected_wage=6500,
        ),
    }
    return seekers, postings


def names(objects: dict) -> dict[int, str]:
    return {obj.pk: key for key, obj in objects.items()}


def test_every_pair_scores_as_worked_out_by_hand(example):
    seekers, postings = example
    for (s, p), expected in SCORES.items():
        explanation = matching.explain_pair(seekers[s], postings[p])
        assert Decimal(str(explanation["score"])).quantize(Decimal("0.01")) == Decimal(expected), (s, p)


def test_top_matches_of_each_posting(example):
    seekers, postings = example
    who = names(seekers)
    got = {
        key: [(who[m.seeker.pk], str(m.score)) for m in matching.matches_for_posting(Operator(), posting, k=4)]
        for key, posting in postings.items()
    }
    assert got == {
        "P1": [("S1", "100.00"), ("S4", "98.46"), ("S3", "55.00"), ("S2", "25.00")],
        "P2": [("S2", "100.00"), ("S3", "50.00"), ("S4", "20.38"), ("S1", "16.67")],
        "P3": [("S3", "98.00"), ("S2", "83.00"), ("S1", "70.00"), ("S4", "58.85")],
    }


def test_top_matches_of_each_seeker(example):
    seekers, postings = example
    where = names(postings)
    got = {
        key: [where[m.posting.pk] for m in matching.matches_for_seeker(Operator(), s, k=3)]
        for key, s in seekers.items()
    }
    assert got == {
        "S1": ["P1", "P3", "P2"],
        "S2": ["P2", "P3", "P1"],
        "S3": ["P3", "P1", "P2"],
        "S4": ["P1", "P3", "P2"],
    }


def test_top_k_keeps_only_the_best_k(example):
    seekers, postings = example
    assert [m.seeker.pk for m in matching.matches_for_posting(Operator(), postings["P1"], k=2)] == [
        seekers["S1"].pk,
        seekers["S4"].pk,
    ]


def test_each_reason_adds_up_to_the_score(example):
    _seekers, postings = example
    for posting in postings.values():
        for m in matching.matches_for_posting(Operator(), posting, k=4):
            hundredths = sum(round(t["points"] * 100) for t in m.explanation["terms"])
            assert Decimal(hundredths) / 100 == m.score
            assert [t["key"] for t in m.explanation["terms"]] == [
                "occupation",
                "skills",
                "training",
                "wage",
                "housing",
                "region",
                "pairing",
            ]


def test_optimal_assignment_is_the_one_worked_out_by_hand(example):
    seekers, postings = example
    plan = matching.plan_assignment(Operator(), k=10)
    who, where = names(seekers), names(postings)
    got = sorted((who[m.seeker.pk], where[m.posting.pk], str(m.score)) for m in plan.matches)
    assert got == [
        ("S1", "P3", "70.00"),
        ("S2", "P2", "100.00"),
        ("S3", "P2", "50.00"),
        ("S4", "P1", "98.46"),
    ]
    assert plan.total == Decimal("318.46")


def test_assignment_agrees_with_the_hungarian_method(example):
    """With P2's two places as two columns every capacity is 1, which linear_sum_assignment solves exactly."""
    seekers, postings = example
    order_s, order_p = ["S1", "S2", "S3", "S4"], ["P1", "P2", "P2", "P3"]
    scorer = labour_scorer(matching.scorer_pairs())
    left = seeker_side([matching.seeker_dict(seekers[s]) for s in order_s])
    right = posting_side([matching.posting_dict(postings[p]) for p in order_p])
    matrix = engine.points(scorer, left, right)
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    assert int(matrix[rows, cols].sum()) == 31846
    plan = matching.plan_assignment(Operator(), k=10)
    assert int(plan.total * 100) == int(matrix[rows, cols].sum())
    assert sorted((order_s[r], order_p[c]) for r, c in zip(rows, cols, strict=True)) == sorted(
        (names(seekers)[m.seeker.pk], names(postings)[m.posting.pk]) for m in plan.matches
    )


def test_plan_respects_remaining_headcount(example):
    """Once S2 is placed in P2, P2 has one place left and S2 is no longer a candidate."""
    seekers, postings = example
    services.record_placement(
        user=Operator(), seeker=seekers["S2"], posting=postings["P2"], start_date=lt.FAR.replace(year=2025), wage=5000
    )
    plan = matching.plan_assignment(Operator(), k=10)
    per_posting: dict[int, int] = {}
    for m in plan.matches:
        per_posting[m.posting.pk] = per_posting.get(m.posting.pk, 0) + 1
    assert per_posting.get(postings["P2"].pk, 0) <= 1
    assert seekers["S2"].pk not in {m.seeker.pk for m in plan.matches}
    assert np.isclose(float(plan.total), sum(float(m.score) for m in plan.matches))
