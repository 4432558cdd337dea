"""The matching engine: a score made of weighted terms, computed for every pair at once in NumPy; the best k pairs
both ways; and the best assignment under capacities as a min-cost flow (OR-Tools).

A scorer is a tuple of ``Term``s. Each term maps a block of left rows × all right rows to values in [0, 1]; its
points are ``round(weight × value × 100)`` hundredths of a point, and a pair's score is the sum of its terms' points —
integers, so the reasons shown for a pair add up exactly to the score shown (weights sum to 100: a perfect pair
scores 100.00). ``explain()`` computes one pair through the same vectorised functions, so the explanation cannot
drift from the ranking. Sides are dicts of NumPy columns (``Side``), built by each market from its querysets.
Ties are broken by the lower row index, so every ranking is reproducible.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Side = dict[str, np.ndarray]
EMPTY = np.iinfo(np.int64).min + 1  # a key below every real one (and still negatable)
NO_MATCH = -1  # the score of a pair the gate excludes (and the index of an empty top-k slot)


@dataclass(frozen=True)
class Term:
    key: str
    label: str
    weight: int
    value: Callable[[Side, Side], np.ndarray]  # (left block of n rows, right side of m rows) -> n×m floats in [0, 1]
    reason: Callable[[dict, dict, float], str]  # (left row, right row, value) -> a sentence for the user


@dataclass(frozen=True)
class Scorer:
    terms: tuple[Term, ...]
    # pairs that may match at all (for example the same product category); None lets every pair through
    gate: Callable[[Side, Side], np.ndarray] | None = None
    gate_reason: Callable[[dict, dict], str] | None = None

    def __post_init__(self) -> None:
        total = sum(t.weight for t in self.terms)
        if total != 100:
            raise ValueError(f"the weights of a scorer sum to 100, not {total}")


def rows(side: Side) -> int:
    return len(next(iter(side.values())))


def take(side: Side, index) -> Side:
    """The rows ``index`` (a slice or an index array) of every column."""
    return {name: column[index] for name, column in side.items()}


def row(side: Side, i: int) -> dict:
    return {name: column[i] for name, column in side.items()}


def points(scorer: Scorer, left: Side, right: Side) -> np.ndarray:
    """Scores in hundredths of a point, n×m int32; NO_MATCH where the gate excludes the pair."""
    total = np.zeros((rows(left), rows(right)), dtype=np.int32)
    for term in scorer.terms:
        total += np.rint(term.value(left, right) * (term.weight * 100)).astype(np.int32)
    if scorer.gate is not None:
        total[~scorer.gate(left, right)] = NO_MATCH
    return total


def explain(scorer: Scorer, left: Side, i: int, right: Side, j: int) -> dict:
    """One pair, term by term: each term's value, weight and points; the points add up to ``score``."""
    one_left, one_right = take(left, slice(i, i + 1)), take(right, slice(j, j + 1))
    a, b = row(left, i), row(right, j)
    if scorer.gate is not None and not bool(scorer.gate(one_left, one_right)[0, 0]):
        reason = scorer.gate_reason(a, b) if scorer.gate_reason else ""
        return {"eligible": False, "reason": reason, "score": None, "terms": []}
    terms = []
    for term in scorer.terms:
        value = float(term.value(one_left, one_right)[0, 0])
        hundredths = int(np.rint(value * term.weight * 100))
        terms.append(
            {
                "key": term.key,
                "label": term.label,
                "weight": term.weight,
                "value": round(value, 4),
                "points": hundredths / 100,
                "reason": term.reason(a, b, value),
            }
        )
    score = sum(int(round(t["points"] * 100)) for t in terms) / 100
    return {"eligible": True, "reason": "", "score": score, "terms": terms}


def _best(keys: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Indices of the k largest keys along ``axis``, largest first (keys are unique, so the order is total)."""
    k = min(k, keys.shape[axis])
    if k == 0:
        return np.empty((keys.shape[0], 0) if axis == 1 else (0, keys.shape[1]), dtype=np.int64)
    part = np.argpartition(-keys, k - 1, axis=axis).take(range(k), axis=axis)
    order = np.argsort(-np.take_along_axis(keys, part, axis=axis), axis=axis, kind="stable")
    return np.take_along_axis(part, order, axis=axis)


@dataclass
class TopK:
    """For each left row its best k right rows, and for each right row its best k left rows (best first).
    Empty slots (fewer eligible pairs than k) hold index and score NO_MATCH; scores are in hundredths."""

    left_index: np.ndarray  # n×k
    left_score: np.ndarray
    right_index: np.ndarray  # m×k
    right_score: np.ndarray


def top_k(scorer: Scorer, left: Side, right: Side, k: int = 10, *, block: int = 1000, progress=None) -> TopK:
    """Score every pair block by block of left rows (memory ~ block × m) and keep the best k both ways.

    Keys are ``score × N − index`` in int64: unique, larger is better, ties go to the lower index."""
    n, m = rows(left), rows(right)
    kl, kr = min(k, m), min(k, n)
    left_index = np.full((n, kl), NO_MATCH, dtype=np.int64)
    left_score = np.full((n, kl), NO_MATCH, dtype=np.int32)
    right_keys = np.full((kr, m), EMPTY, dtype=np.int64)
    right_index = np.full((kr, m), NO_MATCH, dtype=np.int64)
    cols = np.arange(m, dtype=np.int64)
    for start in range(0, n, block):
        stop = min(start + block, n)
        score = points(scorer, take(left, slice(start, stop)), right).astype(np.int64)
        eligible = score != NO_MATCH
        # left side: best k columns of each row in the block
        keys = np.where(eligible, score * (m + 1) - cols[None, :], EMPTY)
        if kl:
            best = _best(keys, kl, axis=1)
            got = np.take_along_axis(eligible, best, axis=1)
            left_index[start:stop] = np.where(got, best, NO_MATCH)
            left_score[start:stop] = np.where(got, np.take_along_axis(score, best, axis=1), NO_MATCH)
        # right side: merge this block's best k rows of each column with the best so far
        if kr:
            row_ids = np.arange(start, stop, dtype=np.int64)
            keys = np.where(eligible, score * (n + 1) - row_ids[:, None], EMPTY)
            best = _best(keys, min(kr, stop - start), axis=0)
            merged_keys = np.concatenate([right_keys, np.take_along_axis(keys, best, axis=0)])
            merged_index = np.concatenate([right_index, best + start])
            keep = _best(merged_keys, kr, axis=0)
            right_keys = np.take_along_axis(merged_keys, keep, axis=0)
            right_index = np.take_along_axis(merged_index, keep, axis=0)
        if progress:
            progress(stop, n, "计算匹配得分")
    empty = right_keys == EMPTY
    right_score = np.where(empty, NO_MATCH, (right_keys + right_index) // (n + 1)).astype(np.int32)
    right_index = np.where(empty, NO_MATCH, right_index)
    return TopK(left_index, left_score, right_index.T.copy(), right_score.T.copy())


@dataclass
class Assignment:
    left: np.ndarray  # left row of each assigned pair
    right: np.ndarray  # right row of each assigned pair
    score: np.ndarray  # its score in hundredths
    total: int  # the sum of the scores, in hundredths


def assign(
    left: np.ndarray,
    right: np.ndarray,
    score: np.ndarray,
    left_capacity: np.ndarray,
    right_capacity: np.ndarray,
) -> Assignment:
    """The set of candidate pairs (left[i], right[i]) with the largest total score such that no left row is used more
    than ``left_capacity`` times and no right row more than ``right_capacity`` times; a pair is used at most once.

    Solved exactly as a min-cost flow: source → left (capacity) → right (1 per candidate pair, cost −score) → sink
    (capacity), plus a source → sink arc of cost 0 so that leaving someone unassigned is always allowed."""
    from ortools.graph.python import min_cost_flow

    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    score = np.asarray(score, dtype=np.int64)
    n, m = len(left_capacity), len(right_capacity)
    keep = score > 0  # a pair worth nothing never improves the total
    left, right, score = left[keep], right[keep], score[keep]
    supply = int(np.sum(left_capacity))
    source, sink = n + m, n + m + 1
    heads = np.concatenate([np.arange(n), n + right, np.full(m, sink), [sink]])
    tails = np.concatenate([np.full(n, source), left, n + np.arange(m), [source]])
    caps = np.concatenate([left_capacity, np.ones(len(left), dtype=np.int64), right_capacity, [supply]])
    costs = np.concatenate([np.zeros(n, dtype=np.int64), -score, np.zeros(m + 1, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64)
    )
    supplies = np.zeros(n + m + 2, dtype=np.int64)
    supplies[source], supplies[sink] = supply, -supply
    flow.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    used = flow.flows(arcs[n : n + len(left)]) > 0
    return Assignment(left[used], right[used], score[used].astype(np.int32), int(score[used].sum()))
