"""The matching engine against brute force: every pair's score, the top k both ways (ties by the lower index), the
explanation adding up, and the min-cost-flow assignment against SciPy's assignment solver."""

import itertools
import re

import numpy as np
import pytest
from django.utils import translation
from scipy.optimize import linear_sum_assignment

from duikou.markets import engine, scorers


def _scorer(gate: bool = False) -> engine.Scorer:
    # values on a coarse grid, so that many pairs tie and the tie-break is exercised
    return engine.Scorer(
        (
            engine.Term("near", "接近", 50, lambda a, b: 1 - np.abs(a["x"][:, None] - b["y"][None, :]) / 4, _why),
            engine.Term("same", "同类", 30, lambda a, b: a["c"][:, None] == b["c"][None, :], _why),
            engine.Term(
                "big", "规模", 20, lambda a, b: np.broadcast_to(b["y"][None, :] / 4, (len(a["x"]), len(b["y"]))), _why
            ),
        ),
        gate=(lambda a, b: a["c"][:, None] != 2 - b["c"][None, :]) if gate else None,
        gate_reason=(lambda a, b: "类别相斥") if gate else None,
    )


def _why(a, b, value) -> str:
    return f"{value:.2f}"


def _sides(rng, n: int, m: int):
    left = {"x": rng.integers(0, 5, n).astype(np.float64), "c": rng.integers(0, 3, n)}
    right = {"y": rng.integers(0, 5, m).astype(np.float64), "c": rng.integers(0, 3, m)}
    return left, right


def _brute_points(scorer, left, right):
    n, m = len(left["x"]), len(right["y"])
    out = np.zeros((n, m), dtype=np.int64)
    for i, j in itertools.product(range(n), range(m)):
        out[i, j] = (
            round(engine.explain(scorer, left, i, right, j)["score"] * 100)
            if scorer.gate is None
            or bool(scorer.gate(engine.take(left, slice(i, i + 1)), engine.take(right, slice(j, j + 1)))[0, 0])
            else engine.NO_MATCH
        )
    return out


def _brute_top(score: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k per row by (score desc, column asc), skipping excluded pairs."""
    idx = np.full((score.shape[0], k), engine.NO_MATCH)
    val = np.full((score.shape[0], k), engine.NO_MATCH)
    for i, row in enumerate(score):
        order = sorted((j for j in range(len(row)) if row[j] != engine.NO_MATCH), key=lambda j: (-row[j], j))[:k]
        idx[i, : len(order)] = order
        val[i, : len(order)] = row[order]
    return idx, val


@pytest.mark.parametrize("gate", [False, True])
def test_points_equal_the_sum_of_each_pairs_explanation(gate):
    left, right = _sides(np.random.default_rng(7), 9, 11)
    scorer = _scorer(gate)
    assert (engine.points(scorer, left, right) == _brute_points(scorer, left, right)).all()


@pytest.mark.parametrize(("block", "workers", "gate"), [(1, 1, False), (4, 2, False), (100, 2, True), (3, 3, True)])
def test_top_k_both_ways_equals_brute_force_with_ties_by_index(block, workers, gate):
    left, right = _sides(np.random.default_rng(11), 23, 17)
    scorer = _scorer(gate)
    score = _brute_points(scorer, left, right)
    result = engine.top_k(scorer, left, right, 5, block=block, workers=workers)
    li, ls = _brute_top(score, 5)
    ri, rs = _brute_top(score.T, 5)
    assert (result.left_index == li).all() and (result.left_score == ls).all()
    assert (result.right_index == ri).all() and (result.right_score == rs).all()


def test_top_k_leaves_empty_slots_when_fewer_pairs_are_eligible():
    left = {"x": np.array([0.0, 1.0]), "c": np.array([0, 2])}
    right = {"y": np.array([0.0, 4.0, 2.0]), "c": np.array([2, 2, 0])}
    result = engine.top_k(_scorer(gate=True), left, right, 3)
    # left 0 (c=0) may not meet a right row of c=2: only right 2 remains; left 1 (c=2) may not meet right 2 (c=0)
    assert result.left_index[0].tolist() == [2, engine.NO_MATCH, engine.NO_MATCH]
    assert result.left_score[0, 1:].tolist() == [engine.NO_MATCH, engine.NO_MATCH]
    assert sorted(result.left_index[1, :2].tolist()) == [0, 1] and result.left_index[1, 2] == engine.NO_MATCH
    assert result.right_index[2].tolist() == [0, engine.NO_MATCH]


def test_explanation_names_each_term_and_adds_up():
    left, right = _sides(np.random.default_rng(3), 4, 4)
    scorer = _scorer()
    for i, j in itertools.product(range(4), range(4)):
        shown = engine.explain(scorer, left, i, right, j)
        assert [t["key"] for t in shown["terms"]] == ["near", "same", "big"]
        assert round(sum(t["points"] for t in shown["terms"]), 2) == shown["score"]
        for t in shown["terms"]:
            assert 0 <= t["points"] <= t["weight"]


def test_excluded_pair_is_explained_by_the_gate():
    left = {"x": np.array([0.0]), "c": np.array([0])}
    right = {"y": np.array([0.0]), "c": np.array([2])}
    assert engine.explain(_scorer(gate=True), left, 0, right, 0) == {
        "eligible": False,
        "reason": "类别相斥",
        "score": None,
        "terms": [],
    }


def test_weights_must_sum_to_one_hundred():
    with pytest.raises(ValueError, match="sum to 100"):
        engine.Scorer((engine.Term("a", "a", 60, lambda a, b: a, _why),))


def test_assignment_with_unit_capacities_equals_scipy():
    rng = np.random.default_rng(5)
    for n, m in ((6, 6), (5, 8), (9, 4)):
        score = rng.integers(1, 10000, (n, m))
        i, j = np.nonzero(score > 0)
        got = engine.assign(i, j, score[i, j], np.ones(n, dtype=np.int64), np.ones(m, dtype=np.int64))
        rows, cols = linear_sum_assignment(score, maximize=True)
        assert got.total == score[rows, cols].sum()
        assert len(set(got.left)) == len(got.left) and len(set(got.right)) == len(got.right)


def test_assignment_respects_capacities_and_equals_scipy_on_expanded_columns():
    rng = np.random.default_rng(9)
    n, m = 8, 3
    capacity = np.array([3, 1, 2])
    score = rng.integers(1, 10000, (n, m))
    i, j = np.nonzero(score > 0)
    got = engine.assign(i, j, score[i, j], np.ones(n, dtype=np.int64), capacity)
    # the same problem as a plain assignment: one column per unit of capacity
    expanded = np.repeat(score, capacity, axis=1)
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    assert got.total == expanded[rows, cols].sum()
    assert (np.bincount(got.right, minlength=m) <= capacity).all()
    assert np.bincount(got.left, minlength=n).max() <= 1


def test_assignment_leaves_a_row_unassigned_rather_than_use_a_worthless_pair():
    got = engine.assign(np.array([0, 1]), np.array([0, 0]), np.array([500, 0]), np.ones(2, int), np.ones(1, int))
    assert got.left.tolist() == [0] and got.total == 500


def test_labour_terms_on_one_pair_worked_by_hand():
    seeker = {
        "occupations": ["electronics"],
        "skills": ["assembly"],
        "trainings": ["electrician"],
        "preferred_regions": ["320000"],
        "expected_wage": 6000,
        "needs_housing": True,
        "home": "411502",
    }
    posting = {
        "occupation": "electronics",
        "skills": ["assembly", "electrician", "welder"],
        "wage_max": 5400,
        "housing": True,
        "region": "320505",
    }
    shown = engine.explain(
        scorers.labour_scorer([(4115, 3205)]), scorers.seeker_side([seeker]), 0, scorers.posting_side([posting]), 0
    )
    # occupation 20 + skills 2/3 of 30 = 20 + training 10 + wage 5400/6000 of 20 = 18 + housing 5 + region 10 +
    # paired cities 5 = 88.00
    assert {t["key"]: t["points"] for t in shown["terms"]} == {
        "occupation": 20.0,
        "skills": 20.0,
        "training": 10.0,
        "wage": 18.0,
        "housing": 5.0,
        "region": 10.0,
        "pairing": 5.0,
    }
    assert shown["score"] == 88.0


def test_terms_and_reasons_are_written_in_the_readers_language():
    seeker = {
        "occupations": ["electronics"],
        "skills": ["assembly"],
        "trainings": [],
        "preferred_regions": [],
        "expected_wage": 6000,
        "needs_housing": True,
        "home": "411502",
    }
    posting = {"occupation": "construction", "skills": ["assembly", "welder"], "wage_max": 5400, "housing": False}
    posting["region"] = "320505"
    with translation.override("en"):
        shown = engine.explain(
            scorers.labour_scorer([(4115, 3205)]), scorers.seeker_side([seeker]), 0, scorers.posting_side([posting]), 0
        )
    terms = {t["key"]: t for t in shown["terms"]}
    assert terms["wage"]["label"] == "Wage"
    assert terms["wage"]["reason"] == "The job pays up to 5400 yuan against 6000 yuan expected (90% met)"
    assert terms["skills"]["reason"].startswith("Has 1 of 2 required skills (")
    assert not any(re.search(r"[\u3400-\u9fff]", t["label"] + t["reason"]) for t in shown["terms"])
    with translation.override("zh-hans"):
        shown = engine.explain(
            scorers.labour_scorer([(4115, 3205)]), scorers.seeker_side([seeker]), 0, scorers.posting_side([posting]), 0
        )
    assert {t["key"]: t["reason"] for t in shown["terms"]}["wage"] == "岗位工资上限 5400 元，期望 6000 元（满足 90%）"


def test_assignment_with_pair_capacities_equals_the_linear_programme():
    from scipy.optimize import linprog

    rng = np.random.default_rng(13)
    n, m = 4, 3
    score = rng.integers(1, 100, (n, m))
    left_cap, right_cap = np.array([5, 2, 7, 1]), np.array([6, 3, 4])
    i, j = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(m), indexing="ij"))
    carry = np.minimum(left_cap[i], right_cap[j]) - (i == j)  # some pairs may carry less than both sides have
    got = engine.assign(i, j, score[i, j], left_cap, right_cap, pair_capacity=carry)
    # the same transport problem as a linear programme (its optimum is integral: the matrix is unimodular)
    a_ub = np.zeros((n + m, n * m))
    for k, (a, b) in enumerate(zip(i, j, strict=True)):
        a_ub[a, k] = a_ub[n + b, k] = 1
    lp = linprog(
        -score[i, j],
        A_ub=a_ub,
        b_ub=np.concatenate([left_cap, right_cap]),
        bounds=list(zip([0] * len(i), carry, strict=True)),
    )
    assert got.total == round(-lp.fun)
    assert (
        got.units <= carry[[np.flatnonzero((i == a) & (j == b))[0] for a, b in zip(got.left, got.right, strict=True)]]
    ).all()
    assert (np.bincount(got.left, weights=got.units, minlength=n) <= left_cap).all()
    assert (np.bincount(got.right, weights=got.units, minlength=m) <= right_cap).all()
