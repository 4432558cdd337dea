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


def term_points(term: Term, left: Side, right: Side) -> np.ndarray:
    """The term's points in hundredths, n×m int16: ``round(weight × value × 100)``. A boolean term gives its full
    weight or nothing; a numeric one is rounded half to even in float64 (as Python's ``round``). ``points`` and
    ``explain`` both use this arithmetic, so the explanation of a pair is exactly the ranking's."""
    value = term.value(left, right)
    if value.dtype == np.bool_:
        return value.view(np.uint8) * np.int16(term.weight * 100)
    scaled = np.multiply(value, float(term.weight * 100), dtype=np.float64)
    np.rint(scaled, out=scaled)
    return scaled.astype(np.int16)


def points(scorer: Scorer, left: Side, right: Side) -> np.ndarray:
    """Scores in hundredths of a point, n×m int16 (at most 10,000); NO_MATCH where the gate excludes the pair."""
    total = np.zeros((rows(left), rows(right)), dtype=np.int16)
    for term in scorer.terms:
        total += term_points(term, left, right)
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
    terms, total = [], 0
    for term in scorer.terms:
        value = float(term.value(one_left, one_right)[0, 0])
        hundredths = int(term_points(term, one_left, one_right)[0, 0])
        total += hundredths
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
    return {"eligible": True, "reason": "", "score": total / 100, "terms": terms}


MAX_POINTS = 10000  # 100.00 points in hundredths


class _Keys:
    """Sort keys that order pairs by score, then by the lower index: ``(score + 1) << bits | (2**bits − 1 − index)``,
    so an excluded pair (score NO_MATCH) has key ``… | x`` below every eligible one and every key is unique. They fit
    uint32 up to 2**18 rows (200,000 job seekers), else uint64: half the memory traffic of int64 where it matters."""

    def __init__(self, count: int):
        self.bits = max(1, int(count - 1).bit_length())
        self.dtype = np.uint32 if (MAX_POINTS + 1) << self.bits < 2**32 else np.uint64
        self.mask = (1 << self.bits) - 1

    def make(self, score: np.ndarray, index: np.ndarray) -> np.ndarray:
        key = (score + 1).astype(self.dtype)
        key <<= self.dtype(self.bits)
        key |= (self.mask - index).astype(self.dtype)
        return key

    def score(self, key: np.ndarray) -> np.ndarray:
        return (key >> self.dtype(self.bits)).astype(np.int32) - 1

    def index(self, key: np.ndarray) -> np.ndarray:
        return self.mask - (key & self.dtype(self.mask)).astype(np.int64)


def _best(keys: np.ndarray, k: int, axis: int) -> np.ndarray:
    """The k largest keys along ``axis``, largest first."""
    k = min(k, keys.shape[axis])
    part = np.partition(keys, keys.shape[axis] - k, axis=axis)
    part = part[:, -k:] if axis == 1 else part[-k:, :]
    return np.flip(np.sort(part, axis=axis), axis=axis)


@dataclass
class TopK:
    """For each left row its best k right rows, and for each right row its best k left rows (best first).
    Empty slots (fewer eligible pairs than k) hold index and score NO_MATCH; scores are in hundredths."""

    left_index: np.ndarray  # n×k
    left_score: np.ndarray
    right_index: np.ndarray  # m×k
    right_score: np.ndarray

    def candidates(self) -> dict[tuple[int, int], int]:
        """(left row, right row) → score of every pair in either side's top k: the pairs a plan chooses from."""
        pairs: dict[tuple[int, int], int] = {}
        for i, (index, score) in enumerate(zip(self.left_index, self.left_score, strict=True)):
            pairs |= {(i, int(j)): int(s) for j, s in zip(index, score, strict=True) if j != NO_MATCH}
        for j, (index, score) in enumerate(zip(self.right_index, self.right_score, strict=True)):
            pairs |= {(int(i), j): int(s) for i, s in zip(index, score, strict=True) if i != NO_MATCH}
        return pairs


def _block(scorer: Scorer, left: Side, right: Side, start: int, stop: int, kl: int, kr: int, lk: _Keys, rk: _Keys):
    """One block of left rows: its rows' best keys over the right side, and each right column's best keys in it."""
    score = points(scorer, take(left, slice(start, stop)), right)
    m = score.shape[1]
    mine = _best(lk.make(score, np.arange(m, dtype=np.int64)[None, :]), kl, axis=1) if kl else None
    theirs = (
        _best(rk.make(score, np.arange(start, stop, dtype=np.int64)[:, None]), min(kr, stop - start), axis=0)
        if kr
        else None
    )
    return start, stop, mine, theirs


def top_k(
    scorer: Scorer, left: Side, right: Side, k: int = 10, *, block: int = 1000, workers: int = 2, progress=None
) -> TopK:
    """Score every pair block by block of left rows (memory ~ block × m per worker) and keep the best k both ways.
    Blocks are scored by ``workers`` threads (NumPy releases the GIL in its loops); merging is in block order, and
    keys are unique, so the result does not depend on the number of workers."""
    from concurrent.futures import ThreadPoolExecutor

    n, m = rows(left), rows(right)
    kl, kr = min(k, m), min(k, n)
    lk, rk = _Keys(m), _Keys(n)
    left_keys = np.zeros((n, kl), dtype=lk.dtype)
    right_keys = np.zeros((kr, m), dtype=rk.dtype)
    starts = list(range(0, n, block))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = [pool.submit(_block, scorer, left, right, s, min(s + block, n), kl, kr, lk, rk) for s in starts]
        for job in jobs:
            start, stop, mine, theirs = job.result()
            if kl:
                left_keys[start:stop] = mine
            if kr:
                right_keys = _best(np.concatenate([right_keys, theirs.astype(rk.dtype)]), kr, axis=0).astype(rk.dtype)
            if progress:
                progress(stop, n, "计算匹配得分")

    def unpack(keys: np.ndarray, codec: _Keys) -> tuple[np.ndarray, np.ndarray]:
        score = codec.score(keys)
        empty = score == NO_MATCH
        return np.where(empty, NO_MATCH, codec.index(keys)), np.where(empty, NO_MATCH, score).astype(np.int32)

    li, ls = unpack(left_keys, lk)
    ri, rs = unpack(right_keys.T, rk)
    return TopK(li, ls, ri, rs)


@dataclass
class Assignment:
    left: np.ndarray  # left row of each assigned pair
    right: np.ndarray  # right row of each assigned pair
    score: np.ndarray  # its score in hundredths
    units: np.ndarray  # how many units the pair carries (1 unless pair capacities were given)
    total: int  # the sum of score × units, in hundredths


def assign(
    left: np.ndarray,
    right: np.ndarray,
    score: np.ndarray,
    left_capacity: np.ndarray,
    right_capacity: np.ndarray,
    pair_capacity: np.ndarray | None = None,
) -> Assignment:
    """The units to put on candidate pairs (left[i], right[i]) with the largest total of score × units such that no
    left row carries more than ``left_capacity`` units and no right row more than ``right_capacity``; a pair carries
    at most ``pair_capacity`` units (1 when not given: a plain many-to-one assignment).

    Solved exactly as a min-cost flow: source → left (capacity) → right (pair capacity, cost −score) → sink
    (capacity), plus a source → sink arc of cost 0 so that leaving someone unassigned is always allowed."""
    from ortools.graph.python import min_cost_flow

    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    score = np.asarray(score, dtype=np.int64)
    n, m = len(left_capacity), len(right_capacity)
    per_pair = np.ones(len(left), dtype=np.int64) if pair_capacity is None else np.asarray(pair_capacity, np.int64)
    keep = (score > 0) & (per_pair > 0)  # a pair worth nothing never improves the total
    left, right, score, per_pair = left[keep], right[keep], score[keep], per_pair[keep]
    supply = int(np.sum(left_capacity))
    source, sink = n + m, n + m + 1
    heads = np.concatenate([np.arange(n), n + right, np.full(m, sink), [sink]])
    tails = np.concatenate([np.full(n, source), left, n + np.arange(m), [source]])
    caps = np.concatenate([left_capacity, per_pair, right_capacity, [supply]])
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
    units = flow.flows(arcs[n : n + len(left)])
    used = units > 0
    return Assignment(
        left[used], right[used], score[used].astype(np.int32), units[used], int((score[used] * units[used]).sum())
    )
