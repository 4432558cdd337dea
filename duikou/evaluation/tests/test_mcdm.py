"""Entropy weights and TOPSIS (the evaluation's second view) against published worked examples and by hand."""

import math

import numpy as np
import pytest
from pymcdm.weights import entropy_weights as pymcdm_entropy_weights

from duikou.evaluation.mcdm import MCDMError, entropy_weights, topsis

# Hwang & Yoon's fighter-aircraft problem: A1–A4 × maximum speed (Mach), ferry range (NM), maximum payload (lb),
# acquisition cost ($10^6, a cost criterion), reliability and manoeuvrability (both on a 1–9 scale).
FIGHTERS = [
    [2.0, 1500, 20000, 5.5, 5, 9],
    [2.5, 2700, 18000, 6.5, 3, 5],
    [1.8, 2000, 21000, 4.5, 7, 7],
    [2.2, 1800, 20000, 5.0, 5, 5],
]
FIGHTER_DIRECTIONS = [1, 1, 1, -1, 1, 1]


def test_topsis_reproduces_hodgett_car_example_to_four_decimals():
    """R. E. Hodgett, "TOPSIS in Excel", http://hodgett.co.uk/topsis-in-excel/ — the worked car example.

    Three cars (Corsa, Clio, Fiesta) on purchase price (£, cost), economy (mpg), aesthetics (score) and boot
    capacity (litres), weights 0.35 / 0.25 / 0.25 / 0.15, vector normalisation. The page's final column of
    relative closeness reads 0.4817, 0.5182, 0.1780. The R package MCDA (Bigaret, Hodgett, Meyer, Mironova &
    Olteanu, EURO Journal on Decision Processes 5 (2017) 169–194) checks its TOPSIS against the same example
    and figures in tests/TOPSIS.R ("This test example is the same as http://hodgett.co.uk/topsis-in-excel/").
    """
    matrix = [
        [5490, 51.4, 8.5, 285],  # Corsa
        [6500, 70.6, 7.0, 288],  # Clio
        [6489, 54.3, 7.5, 290],  # Fiesta
    ]
    closeness = topsis(matrix, [0.35, 0.25, 0.25, 0.15], [-1, 1, 1, 1])
    assert [round(c, 4) for c in closeness] == [0.4817, 0.5182, 0.1780]


def test_topsis_reproduces_hwang_and_yoon_fighter_example_to_the_printed_precision():
    """Hwang, C.-L. & Yoon, K. (1981), Multiple Attribute Decision Making: Methods and Applications, Lecture
    Notes in Economics and Mathematical Systems 186, Springer — the TOPSIS section's numerical example
    (fighter aircraft, weights w = (0.2, 0.1, 0.1, 0.1, 0.2, 0.3)): relative closeness C1* = 0.643,
    C2* = 0.268, C3* = 0.613, C4* = 0.312, order A1, A3, A4, A2.

    The book rounds every intermediate table to four decimals (its normalised cost column reads .5063 where
    full precision gives .5069), so an exact computation agrees with the printed three decimals within 0.001,
    not digit for digit (C3* is 0.61354 at full precision).
    """
    closeness = topsis(FIGHTERS, [0.2, 0.1, 0.1, 0.1, 0.2, 0.3], FIGHTER_DIRECTIONS)
    assert closeness == pytest.approx([0.643, 0.268, 0.613, 0.312], abs=1e-3)
    assert sorted(range(4), key=lambda i: -closeness[i]) == [0, 2, 3, 1]


def test_entropy_weights_by_hand():
    """Three alternatives, so k = 1 / ln 3, with p_ij = x_ij / Σ_i x_ij and e_j = −k Σ_i p_ij ln p_ij.

    Column 1, values 1, 1, 2: p = (1/4, 1/4, 1/2);
        e1 = −k (2 · ¼ ln ¼ + ½ ln ½) = k (½ ln 4 + ½ ln 2) = 1.5 ln 2 / ln 3 = 0.946395
    Column 2, values 0, 1, 1 (a pairing that reported nothing): p = (0, ½, ½), and 0 · ln 0 counts as 0;
        e2 = −k (2 · ½ ln ½) = ln 2 / ln 3 = 0.630930
    Column 3, values 2, 2, 2: p = (⅓, ⅓, ⅓); e3 = 1 (no information).
    Column 4, values 0, 0, 0: no distribution at all; no information, e4 = 1.
    d = 1 − e = (0.053605, 0.369070, 0, 0); w = d / Σd = (0.053605 / 0.422676, …) = (0.126824, 0.873176, 0, 0).
    """
    matrix = [[1, 0, 2, 0], [1, 1, 2, 0], [2, 1, 2, 0]]
    e1, e2 = 1.5 * math.log(2) / math.log(3), math.log(2) / math.log(3)
    d1, d2 = 1 - e1, 1 - e2
    weights = entropy_weights(matrix, [1, 1, 1, -1])
    assert weights == pytest.approx([d1 / (d1 + d2), d2 / (d1 + d2), 0, 0], abs=1e-12)
    assert [round(w, 6) for w in weights] == [0.126824, 0.873176, 0.0, 0.0]


def test_entropy_weights_equal_pymcdm_where_pymcdm_accepts_the_data():
    """pymcdm computes the same method but refuses zeros; on all-positive data the two must agree."""
    ours = entropy_weights(FIGHTERS, FIGHTER_DIRECTIONS)
    assert ours == pytest.approx(list(pymcdm_entropy_weights(np.array(FIGHTERS, dtype=float))), abs=1e-12)
    assert sum(ours) == pytest.approx(1)


def test_entropy_weights_do_not_depend_on_direction():
    assert entropy_weights(FIGHTERS, FIGHTER_DIRECTIONS) == entropy_weights(FIGHTERS, [1] * 6)


def test_entropy_weights_are_equal_when_no_criterion_separates_the_alternatives():
    assert entropy_weights([[3, 0], [3, 0]], [1, 1]) == [0.5, 0.5]


def test_topsis_leaves_out_constant_and_all_zero_criteria():
    base = [[1, 10], [2, 8], [3, 9]]
    with_constant = [row + [5, 0] for row in base]
    expected = topsis(base, [0.6, 0.4], [1, -1])
    assert topsis(with_constant, [0.6, 0.4, 0.3, 0.3], [1, -1, 1, 1]) == pytest.approx(expected)
    assert all(0 <= c <= 1 for c in expected)


def test_topsis_weights_are_scaled_not_required_to_sum_to_one():
    assert topsis(FIGHTERS, [2, 1, 1, 1, 2, 3], FIGHTER_DIRECTIONS) == pytest.approx(
        topsis(FIGHTERS, [0.2, 0.1, 0.1, 0.1, 0.2, 0.3], FIGHTER_DIRECTIONS)
    )


def test_topsis_cost_criterion_prefers_less():
    assert topsis([[1], [2], [3]], [1], [-1]) == pytest.approx([1.0, 0.5, 0.0])


def test_topsis_gives_a_tie_when_nothing_separates_the_alternatives():
    assert topsis([[4, 1], [4, 1], [4, 1]], [0.5, 0.5], [1, 1]) == [0.5, 0.5, 0.5]
    assert topsis([[1, 4], [3, 2]], [1, 0], [1, 1]) == [0.0, 1.0]  # a zero weight leaves its criterion out


@pytest.mark.parametrize("function", ["entropy", "topsis"])
def test_fewer_than_two_alternatives_is_a_clear_error(function):
    with pytest.raises(MCDMError, match="至少需要两个评价对象，当前只有 1 个"):
        if function == "entropy":
            entropy_weights([[1, 2]], [1, 1])
        else:
            topsis([[1, 2]], [0.5, 0.5], [1, 1])


@pytest.mark.parametrize(
    ("matrix", "weights", "directions", "message"),
    [
        ([[1, float("nan")], [1, 2]], [0.5, 0.5], [1, 1], "第 1 个评价对象的第 2 项指标不是有限数值"),
        ([[1, 2], [1, 2]], [0.5, 0.5], [1, 0], "指标方向只能是"),
        ([[1, 2], [1, 2]], [0.5, 0.5], [1], "指标方向个数（1）与指标个数（2）不一致"),
        ([[1, 2], [1, 2]], [0.5], [1, 1], "权重个数（1）与指标个数（2）不一致"),
        ([[1, 2], [1, 2]], [0.5, -0.5], [1, 1], "权重须为非负数"),
        ([[1, 2], [1, 2]], [0, 0], [1, 1], "权重不能全为 0"),
        ([[1, 2, 3], [1, 2]], [0.5, 0.5], [1, 1], "决策矩阵须为数值矩阵"),
    ],
)
def test_topsis_refuses_bad_input_saying_what_is_wrong(matrix, weights, directions, message):
    with pytest.raises(MCDMError, match=message):
        topsis(matrix, weights, directions)


def test_entropy_weights_refuse_negative_values_naming_the_cell():
    with pytest.raises(MCDMError, match="第 2 个评价对象的第 1 项指标为 -3"):
        entropy_weights([[1, 2], [-3, 2]], [1, 1])
