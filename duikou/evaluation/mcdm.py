"""Objective weighting as a second view of an evaluation: entropy weights and TOPSIS.

Rows of ``matrix`` are the alternatives (pairings), columns the criteria (indicators); ``directions`` holds
+1 for a criterion where more is better (benefit) and −1 where less is better (cost).

* :func:`topsis` is the classic TOPSIS of Hwang & Yoon (1981) — vector normalisation ``x / ‖x‖``, weighted,
  Euclidean distances to the ideal and anti-ideal, closeness ``D⁻ / (D⁺ + D⁻)`` — computed by
  ``pymcdm.methods.TOPSIS`` with ``vector_normalization`` (pymcdm's default is min–max, which is not the
  classic method).
* :func:`entropy_weights` is the entropy method of Hwang & Yoon (1981): ``p_ij = x_ij / Σ_i x_ij``,
  ``e_j = −Σ_i p_ij ln p_ij / ln m``, ``w_j = (1 − e_j) / Σ_k (1 − e_k)``. The entropy is taken with
  ``scipy.stats.entropy``, which counts ``0 · ln 0`` as 0. ``pymcdm.weights.entropy_weights`` is not used
  because it refuses any zero in the matrix (its sum normalisation requires positive values), and a zero is
  an ordinary value here: a pairing that reported nothing for an indicator.

Degenerate input gets a defined result or a :class:`MCDMError` that says what is wrong, never a NaN.
"""

from collections.abc import Sequence

import numpy as np
from pymcdm.methods import TOPSIS
from pymcdm.normalizations import vector_normalization
from scipy.stats import entropy

from duikou.core.errors import UserFacingError

BENEFIT, COST = 1, -1

# A criterion whose entropy is this close to 1 does not separate the alternatives (float noise, not data).
_NO_INFORMATION = 1e-12


class MCDMError(UserFacingError, ValueError):
    """The matrix, weights or directions cannot be evaluated; the message says which and where."""


def entropy_weights(matrix: Sequence[Sequence[float]], directions: Sequence[int]) -> list[float]:
    """Entropy weight of each criterion; the weights sum to 1.

    The entropy measures how evenly a criterion's values are spread over the alternatives, which does not
    depend on whether more or less is better: ``directions`` is checked (same length, ±1) so that callers can
    pass one set of arguments to both functions, but it does not change the weights.

    Defined results: a criterion whose values are all equal (or all 0) carries no information and gets weight
    0; when no criterion carries information, every criterion gets the same weight. Negative values are
    refused (shares of a total must not be negative).
    """
    x = _matrix(matrix)
    _directions(directions, x.shape[1])
    _need_two_alternatives(x, "熵权法")
    if (x < 0).any():
        row, col = (int(i) for i in np.argwhere(x < 0)[0])
        raise MCDMError(f"熵权法要求指标值不为负数：第 {row + 1} 个评价对象的第 {col + 1} 项指标为 {x[row, col]:g}")
    m, n = x.shape
    totals = x.sum(axis=0)
    informative = totals > 0  # an all-zero column has no distribution at all: no information
    e = np.ones(n)
    if informative.any():
        e[informative] = entropy(x[:, informative], base=m, axis=0)
    d = 1.0 - e
    d[d < _NO_INFORMATION] = 0.0
    if d.sum() == 0:
        return [1.0 / n] * n
    return (d / d.sum()).tolist()


def topsis(matrix: Sequence[Sequence[float]], weights: Sequence[float], directions: Sequence[int]) -> list[float]:
    """Closeness coefficient of each alternative to the ideal solution, in [0, 1]; higher is better.

    ``weights`` need not sum to 1 (they are scaled; the closeness does not change), must not be negative,
    and at least one must be positive. A criterion on which all alternatives are equal, or whose weight is 0,
    separates nothing and is left out (this changes no distance). When nothing separates the alternatives,
    each gets 0.5.
    """
    x = _matrix(matrix)
    m, n = x.shape
    types = _directions(directions, n)
    _need_two_alternatives(x, "TOPSIS")
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise MCDMError(f"权重个数（{w.size}）与指标个数（{n}）不一致")
    if not np.isfinite(w).all() or (w < 0).any():
        raise MCDMError("权重须为非负数")
    if w.sum() == 0:
        raise MCDMError("权重不能全为 0")
    keep = (w > 0) & (x.max(axis=0) != x.min(axis=0))
    if not keep.any():
        return [0.5] * m
    method = TOPSIS(normalization_function=vector_normalization)
    closeness = method(x[:, keep], w[keep] / w[keep].sum(), types[keep], validation=False)
    return [float(c) for c in closeness]


def _matrix(matrix) -> np.ndarray:
    try:
        x = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MCDMError(f"决策矩阵须为数值矩阵：{exc}") from exc
    if x.ndim != 2 or x.shape[1] == 0:
        raise MCDMError("决策矩阵须为二维（每行一个评价对象，每列一项指标），且至少有一项指标")
    if not np.isfinite(x).all():
        row, col = (int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise MCDMError(f"第 {row + 1} 个评价对象的第 {col + 1} 项指标不是有限数值")
    return x


def _directions(directions, n: int) -> np.ndarray:
    types = np.asarray(directions)
    if types.shape != (n,):
        raise MCDMError(f"指标方向个数（{types.size}）与指标个数（{n}）不一致")
    if not np.isin(types, (BENEFIT, COST)).all():
        raise MCDMError("指标方向只能是 1（越大越好）或 -1（越小越好）")
    return types.astype(int)


def _need_two_alternatives(x: np.ndarray, method: str) -> None:
    if x.shape[0] < 2:
        raise MCDMError(f"{method}至少需要两个评价对象，当前只有 {x.shape[0]} 个")
