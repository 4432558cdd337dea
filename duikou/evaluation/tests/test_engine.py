"""The scoring engine on plain data: each method, totals, ranks and grades (no database)."""

from decimal import Decimal as D

from duikou.evaluation import engine
from duikou.evaluation.engine import Actual, IndicatorInfo, ItemRule, Occurrences, PairingInputs, Target

FUNDS = IndicatorInfo("funds_in_place_wan", "实际到位资金", "万元")
PARKS = IndicatorInfo("coop_parks", "共建产业园区数", "个")
COST = IndicatorInfo("cost", "单位成本", "元", engine.LOWER)


def rule(method, weight="20", indicator=FUNDS, **extra) -> ItemRule:
    return ItemRule(id=extra.pop("id", 1), name="项", key_task="KT5", method=method, weight=D(weight),
                    indicator=indicator, **extra)  # fmt: skip


def actual(value, basis="2025Q1–Q4 已审核值之和") -> Actual:
    return Actual(None if value is None else D(value), basis)


def grade(total):
    return "excellent" if total >= 90 else "good" if total >= 80 else "fair" if total >= 60 else "poor"


def test_target_below_target_is_proportional():
    scored = engine.score_target(rule("target"), actual("8000"), Target(D("10000"), "方案"), year=2025)
    assert scored.score == D("16.00")
    assert "= 80%，× 分值 20 = 16.00 分" in scored.explanation


def test_target_over_target_is_capped_at_the_items_cap():
    scored = engine.score_target(rule("target", cap=D("1.2")), actual("15000"), Target(D("10000"), "方案"), year=2025)
    assert scored.score == D("24.00")
    assert "= 150%，封顶 120%，× 分值 20 = 24.00 分" in scored.explanation


def test_target_without_approved_value_scores_zero_and_says_why():
    scored = engine.score_target(
        rule("target"), Actual(None, "2025Q1–Q4 均无已审核数值"), Target(D("10000"), "方案"), year=2025
    )
    assert scored.score == D("0.00")
    assert "实际到位资金 2025 年无已审核数值（2025Q1–Q4 均无已审核数值）" in scored.explanation


def test_target_of_a_lower_is_better_indicator_divides_target_by_actual():
    scored = engine.score_target(rule("target", indicator=COST), actual("125"), Target(D("100"), "方案"), year=2025)
    assert scored.score == D("16.00")
    assert "越低越好：目标 ÷ 实际" in scored.explanation


def test_threshold_reached_gets_full_marks():
    scored = engine.score_threshold(rule("threshold", "10", PARKS, threshold=D("2")), actual("2"), year=2025)
    assert scored.score == D("10.00")
    assert "≥ 达标值 2 个（越高越好），达标，得满分 10.00 分" in scored.explanation


def test_threshold_missed_gets_zero():
    scored = engine.score_threshold(rule("threshold", "10", PARKS, threshold=D("2")), actual("1"), year=2025)
    assert scored.score == D("0.00")
    assert "< 达标值 2 个" in scored.explanation


def test_threshold_follows_a_lower_is_better_direction():
    item = rule("threshold", "10", COST, threshold=D("100"))
    assert engine.score_threshold(item, actual("90"), year=2025).score == D("10.00")
    assert engine.score_threshold(item, actual("110"), year=2025).score == D("0.00")


def test_rank_shares_ties_and_puts_missing_values_last():
    scores = engine.score_rank(
        rule("rank", "30"),
        {"a": actual("5"), "b": actual("9"), "c": actual("5"), "d": Actual(None, "无")},
        year=2025,
    )
    # n = 4: b 1st → 30; a, c share 2nd → 30 × 2/3 = 20; d has no value → last, 0
    assert {k: s.score for k, s in scores.items()} == {
        "a": D("20.00"),
        "b": D("30.00"),
        "c": D("20.00"),
        "d": D("0.00"),
    }
    assert scores["a"].inputs["rank"] == 2 and scores["d"].inputs["rank"] == 4


def test_rank_of_a_lower_is_better_indicator_puts_the_smallest_first():
    scores = engine.score_rank(rule("rank", "10", COST), {"a": actual("3"), "b": actual("1")}, year=2025)
    assert (scores["b"].score, scores["a"].score) == (D("10.00"), D("0.00"))


def test_deduction_is_points_times_occurrences_up_to_the_weight():
    item = rule("deduction", "5", None, deduction_basis="overdue_rectification", deduction_points=D("2"))
    scored = engine.score_deduction(
        item, Occurrences(3, ["对口整改〔2026〕1号", "对口整改〔2026〕2号", "对口整改〔2026〕3号"])
    )
    assert scored.score == D("-5.00")
    assert "整改逾期 3 项（对口整改〔2026〕1号" in scored.explanation
    assert "= 6 分，超过本项分值 5 分，按 5 分扣，扣 5.00 分" in scored.explanation


def test_deduction_without_occurrences_is_zero():
    item = rule("deduction", "5", None, deduction_basis="missed_reporting", deduction_points=D("1"))
    assert engine.score_deduction(item, Occurrences(0)).score == D("0.00")


def test_qualitative_drops_highest_and_lowest_with_three_reviews():
    item = rule("qualitative", "10", None, drop_extremes=True)
    scored = engine.score_qualitative(item, [D("95"), D("80"), D("60"), D("85")])
    # without 95 and 60: (80 + 85) / 2 = 82.5 → 10 × 0.825 = 8.25
    assert scored.score == D("8.25")
    assert "去掉最高分 95 和最低分 60 后平均 82.5" in scored.explanation


def test_qualitative_keeps_all_marks_with_fewer_than_three_reviews():
    item = rule("qualitative", "10", None, drop_extremes=True)
    scored = engine.score_qualitative(item, [D("90"), D("70")])
    assert scored.score == D("8.00")
    assert "评议人不足 3 位，不去掉最高分和最低分" in scored.explanation


def test_qualitative_without_drop_averages_all():
    scored = engine.score_qualitative(rule("qualitative", "10", None), [D("90"), D("70"), D("50")])
    assert scored.score == D("7.00")


def test_qualitative_without_reviews_scores_zero():
    assert engine.score_qualitative(rule("qualitative", "10", None), []).score == D("0.00")


def test_scores_round_half_up_to_two_places():
    scored = engine.score_target(rule("target", "10"), actual("1"), Target(D("3"), "方案"), year=2025)
    assert scored.score == D("3.33")
    scored = engine.score_target(rule("target", "1"), actual("1"), Target(D("8"), "方案"), year=2025)
    assert scored.score == D("0.13")  # 0.125 → 0.13


def test_total_is_floored_at_zero():
    items = [rule("deduction", "5", None, id=1, deduction_basis="missed_reporting", deduction_points=D("5"))]
    data = {"a": PairingInputs(occurrences={1: Occurrences(1, ["2025Q1"])})}
    outcome = engine.evaluate(items, data, year=2025, grade_for=grade)["a"]
    assert outcome.scores[0].score == D("-5.00")
    assert outcome.total == D("0.00")
    assert outcome.grade == "poor"


def test_equal_totals_share_a_rank_and_the_next_rank_is_skipped():
    items = [rule("qualitative", "100", None, id=1)]
    marks = {"a": [D("90")], "b": [D("90")], "c": [D("70")]}
    data = {k: PairingInputs(marks={1: m}) for k, m in marks.items()}
    outcomes = engine.evaluate(items, data, year=2025, grade_for=grade)
    assert {k: (o.total, o.rank, o.grade) for k, o in outcomes.items()} == {
        "a": (D("90.00"), 1, "excellent"),
        "b": (D("90.00"), 1, "excellent"),
        "c": (D("70.00"), 3, "fair"),
    }


def test_task_scores_sum_the_items_of_each_key_task():
    items = [
        ItemRule(id=1, name="甲", key_task="KT1", method="qualitative", weight=D("40")),
        ItemRule(id=2, name="乙", key_task="KT5", method="qualitative", weight=D("60")),
        ItemRule(id=3, name="丙", key_task="KT5", method="deduction", weight=D("5"),
                 deduction_basis="missed_reporting", deduction_points=D("1")),
    ]  # fmt: skip
    data = {"a": PairingInputs(marks={1: [D("50")], 2: [D("100")]}, occurrences={3: Occurrences(2, [])})}
    outcome = engine.evaluate(items, data, year=2025, grade_for=grade)["a"]
    assert outcome.task_scores == {"KT1": D("20.00"), "KT5": D("58.00")}
    assert outcome.total == D("78.00")


def test_numbers_are_shown_with_thousands_separators_and_no_trailing_zeros():
    assert engine.num(D("12000.0000")) == "12,000"
    assert engine.num(D("1234.50")) == "1,234.5"
    assert engine.quantity(D("40.0"), "%") == "40%"
