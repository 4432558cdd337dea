"""Scoring, pure: the five methods of ``Item``, key-task sums, totals, ranks and grades. No database access.

``inputs.gather_inputs`` gathers what a run needs (approved values, plan targets, missed reports, overdue
rectification steps, reviewers' marks) into the plain data below; ``evaluate`` turns it into, for every
pairing and item, a score rounded to two places with a Chinese explanation that names the values (with
their periods and approval status), the target and where it came from, and the rule — and the same as
structured ``inputs`` for the API and for documents. Decimal arithmetic throughout; only the final score of
an item is rounded (half up), and totals are sums of those rounded scores, so a page adds up.
"""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")

TARGET, THRESHOLD, RANK, DEDUCTION, QUALITATIVE = "target", "threshold", "rank", "deduction", "qualitative"
INDICATOR_METHODS = (TARGET, THRESHOLD, RANK)
HIGHER, LOWER = "higher", "lower"

# whether a pairing reported what was due of it in the year (models.Reporting): one with none due is not scored
REPORTED, MISSED, NONE_DUE = "reported", "missed", "none_due"

BASIS_LABELS = {"overdue_rectification": "整改逾期", "missed_reporting": "未按期填报"}
BASIS_UNITS = {"overdue_rectification": "项", "missed_reporting": "期"}


# ---- inputs ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    name: str
    unit: str
    direction: str = HIGHER


@dataclass(frozen=True)
class ItemRule:
    """An item as the engine sees it (built from ``Item`` or from a run's scheme snapshot)."""

    id: int
    name: str
    key_task: str
    method: str
    weight: Decimal
    order: int = 0
    indicator: IndicatorInfo | None = None
    target: Decimal | None = None
    cap: Decimal = Decimal("1")
    threshold: Decimal | None = None
    deduction_basis: str = ""
    deduction_points: Decimal | None = None
    drop_extremes: bool = False


@dataclass
class Actual:
    """A pairing's value of an indicator for the year, and how it was arrived at.

    ``basis`` reads as the bracket after the number: "2025Q1–Q4 已审核值之和"; ``values`` lists what was used
    (period, value, status; for a derived indicator also the component indicators).
    """

    value: Decimal | None
    basis: str
    values: list[dict] = field(default_factory=list)


@dataclass
class Target:
    value: Decimal | None
    source: str  # "《…》年度指标目标" or "评估方案所定目标值"
    plan_id: int | None = None
    note: str = ""  # e.g. a plan target that was not used, and why


@dataclass
class Occurrences:
    count: int
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Adjustment:
    """A cross-check's (交叉核查) change to one item's score, with who made it and why."""

    points: Decimal
    reason: str
    reviewer: str
    finding: str = ""


@dataclass
class PairingInputs:
    """Everything one pairing is scored on, keyed by item id."""

    actuals: dict[int, Actual] = field(default_factory=dict)
    targets: dict[int, Target] = field(default_factory=dict)
    occurrences: dict[int, Occurrences] = field(default_factory=dict)
    marks: dict[int, list[Decimal]] = field(default_factory=dict)
    adjustments: dict[int, Adjustment] = field(default_factory=dict)
    reporting: str = REPORTED
    reporting_note: str = ""


# ---- outputs ---------------------------------------------------------------------------------------------


@dataclass
class ItemScore:
    item: ItemRule
    score: Decimal
    explanation: str
    inputs: dict
    actual: Decimal | None = None
    target: Decimal | None = None


@dataclass
class Outcome:
    key: Hashable
    scores: list[ItemScore]
    task_scores: dict[str, Decimal]
    total: Decimal
    rank: int = 0
    grade: str = ""


# ---- formatting ------------------------------------------------------------------------------------------


def num(value: Decimal | int | None) -> str:
    """12000.0000 → "12,000"; 1234.5 → "1,234.5"; None → "—"."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == 0:
        return "0"
    return f"{value.normalize():,f}"


def quantity(value: Decimal | None, unit: str) -> str:
    if unit in ("%", "％"):
        return f"{num(value)}%"
    return f"{num(value)} {unit}".rstrip()


def percent(share: Decimal) -> str:
    return f"{num((share * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP))}%"


def points(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP)}"


def round2(value: Decimal) -> Decimal:
    return (value + ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def _s(value: Decimal | None) -> str | None:
    """Decimals in ``inputs`` are strings, so JSON keeps them exact."""
    return None if value is None else format(Decimal(value).normalize(), "f")


def competition_rank(values: Iterable[tuple[Hashable, Decimal]], *, descending: bool = True) -> dict[Hashable, int]:
    """Standard competition ranking ("1224"): equal values share a rank and the next rank is skipped."""
    ordered = sorted(values, key=lambda kv: kv[1], reverse=descending)
    ranks: dict[Hashable, int] = {}
    previous, rank = None, 0
    for position, (key, value) in enumerate(ordered, 1):
        if value != previous:
            rank, previous = position, value
        ranks[key] = rank
    return ranks


# ---- the five methods ------------------------------------------------------------------------------------


def _actual_text(item: ItemRule, actual: Actual, year: int) -> str:
    ind = item.indicator
    if actual.value is None:
        return f"{ind.name} {year} 年无已审核数值（{actual.basis}）"
    return f"{ind.name} {year} 年 {quantity(actual.value, ind.unit)}（{actual.basis}）"


def _base_inputs(item: ItemRule, actual: Actual | None) -> dict:
    data = {"method": item.method, "weight": _s(item.weight)}
    if item.indicator:
        data["indicator"] = {
            "code": item.indicator.code,
            "name": item.indicator.name,
            "unit": item.indicator.unit,
            "direction": item.indicator.direction,
        }
    if actual is not None:
        data["actual"] = {"value": _s(actual.value), "basis": actual.basis, "values": actual.values}
    return data


def score_target(item: ItemRule, actual: Actual, target: Target, *, year: int) -> ItemScore:
    """weight × min(actual / target, cap); for a lower-is-better indicator the share is target / actual."""
    ind = item.indicator
    inputs = _base_inputs(item, actual) | {
        "target": {"value": _s(target.value), "source": target.source, "plan_id": target.plan_id, "note": target.note},
        "cap": _s(item.cap),
    }
    target_text = (
        f"目标 {quantity(target.value, ind.unit)}（{target.source}{'；' + target.note if target.note else ''}）"
    )
    if target.value is None or target.value <= 0:
        text = f"{_actual_text(item, actual, year)}；{target_text}无有效目标值，无法计算完成度，得 0.00 分"
        return ItemScore(item, round2(ZERO), text, inputs | {"share": None}, actual.value, target.value)
    if actual.value is None:
        text = f"{_actual_text(item, actual, year)}，{target_text}，完成度按 0 计，得 0.00 分"
        return ItemScore(item, round2(ZERO), text, inputs | {"share": "0"}, None, target.value)
    if ind.direction == LOWER:
        share = item.cap if actual.value <= 0 else target.value / actual.value
        formula = f"{target_text}÷ {_actual_text(item, actual, year)}（越低越好：目标 ÷ 实际）"
    else:
        share = actual.value / target.value
        formula = f"{_actual_text(item, actual, year)}÷ {target_text}"
    share = max(share, ZERO)
    used = min(share, item.cap)
    score = round2(item.weight * used)
    capped = f"，封顶 {percent(item.cap)}" if share > item.cap else ""
    text = f"{formula}= {percent(share)}{capped}，× 分值 {num(item.weight)} = {points(score)} 分"
    return ItemScore(
        item, score, text, inputs | {"share": _s(share), "share_used": _s(used)}, actual.value, target.value
    )


def score_threshold(item: ItemRule, actual: Actual, *, year: int) -> ItemScore:
    """Full marks when the actual reaches the threshold in the indicator's direction, else 0."""
    ind = item.indicator
    inputs = _base_inputs(item, actual) | {"threshold": _s(item.threshold)}
    bar = quantity(item.threshold, ind.unit)
    if actual.value is None:
        text = f"{_actual_text(item, actual, year)}，达标值 {bar}，未达标，得 0.00 分"
        return ItemScore(item, round2(ZERO), text, inputs | {"reached": False}, None, item.threshold)
    if ind.direction == LOWER:
        reached, sign = actual.value <= item.threshold, ("≤" if actual.value <= item.threshold else ">")
    else:
        reached, sign = actual.value >= item.threshold, ("≥" if actual.value >= item.threshold else "<")
    score = round2(item.weight if reached else ZERO)
    outcome = f"达标，得满分 {points(score)} 分" if reached else "未达标，得 0.00 分"
    direction = "越低越好" if ind.direction == LOWER else "越高越好"
    text = f"{_actual_text(item, actual, year)}{sign} 达标值 {bar}（{direction}），{outcome}"
    return ItemScore(item, score, text, inputs | {"reached": reached}, actual.value, item.threshold)


def score_rank(item: ItemRule, actuals: dict[Hashable, Actual], *, year: int) -> dict[Hashable, ItemScore]:
    """weight × (n − rank) / (n − 1) among all pairings evaluated; a pairing without a value is ranked last."""
    ind = item.indicator
    n = len(actuals)
    valued = [(key, a.value) for key, a in actuals.items() if a.value is not None]
    ranks = competition_rank(valued, descending=ind.direction != LOWER)
    direction = "越低越好" if ind.direction == LOWER else "越高越好"
    out = {}
    for key, actual in actuals.items():
        inputs = _base_inputs(item, actual) | {"evaluated": n}
        if actual.value is None:
            rank, score = n, round2(ZERO)
            text = f"{_actual_text(item, actual, year)}，在 {n} 个参评结对中按末位（第 {n} 名）计，得 0.00 分"
        else:
            rank = ranks[key]
            if n == 1:
                score = round2(item.weight)
                rule = f"仅 1 个结对参评，得满分 {points(score)} 分"
            else:
                score = round2(item.weight * (n - rank) / (n - 1))
                rule = f"× 分值 {num(item.weight)} ×（{n} − {rank}）÷（{n} − 1）= {points(score)} 分"
            text = f"{_actual_text(item, actual, year)}在 {n} 个参评结对中排第 {rank} 名（{direction}），{rule}"
        out[key] = ItemScore(item, score, text, inputs | {"rank": rank}, actual.value, None)
    return out


def score_deduction(item: ItemRule, occurrences: Occurrences) -> ItemScore:
    """−min(weight, points × occurrences)."""
    label = BASIS_LABELS.get(item.deduction_basis, item.deduction_basis)
    unit = BASIS_UNITS.get(item.deduction_basis, "次")
    per = item.deduction_points or ZERO
    inputs = _base_inputs(item, None) | {
        "basis": item.deduction_basis,
        "points": _s(per),
        "count": occurrences.count,
        "details": occurrences.details,
    }
    if occurrences.count == 0:
        return ItemScore(item, round2(ZERO), f"无{label}，不扣分（0.00 分）", inputs | {"deducted": "0"})
    raw = per * occurrences.count
    deducted = min(item.weight, raw)
    detail = f"（{'、'.join(occurrences.details)}）" if occurrences.details else ""
    limit = f"，超过本项分值 {num(item.weight)} 分，按 {num(item.weight)} 分扣" if raw > item.weight else ""
    score = round2(-deducted)
    text = (
        f"{label} {occurrences.count} {unit}{detail or ' '}× 每{unit}扣 {num(per)} 分 = {num(raw)} 分{limit}，"
        f"扣 {points(deducted)} 分（得分 {points(score)}）"
    )
    return ItemScore(item, score, text, inputs | {"deducted": _s(deducted)})


def score_qualitative(item: ItemRule, marks: list[Decimal]) -> ItemScore:
    """The reviewers' average share of full marks (0–100), optionally without the highest and the lowest."""
    inputs = _base_inputs(item, None) | {"marks": [_s(m) for m in marks], "drop_extremes": item.drop_extremes}
    if not marks:
        return ItemScore(item, round2(ZERO), "暂无评议意见，得 0.00 分", inputs | {"average": None, "used": []})
    ordered = sorted(marks)
    listed = "、".join(num(m) for m in marks)
    head = f"{len(marks)} 位评议人评分 {listed}（百分制）"
    if item.drop_extremes and len(marks) >= 3:
        used = ordered[1:-1]
        step = f"，去掉最高分 {num(ordered[-1])} 和最低分 {num(ordered[0])} 后"
    else:
        used = ordered
        step = "，评议人不足 3 位，不去掉最高分和最低分，" if item.drop_extremes else "，"
    average = sum(used, ZERO) / len(used)
    score = round2(item.weight * average / HUNDRED)
    shown = num(average.quantize(CENT, rounding=ROUND_HALF_UP))
    text = f"{head}{step}平均 {shown}，× 分值 {num(item.weight)} ÷ 100 = {points(score)} 分"
    return ItemScore(item, score, text, inputs | {"average": _s(average), "used": [_s(m) for m in used]})


def adjust(scored: ItemScore, adjustment: Adjustment) -> ItemScore:
    """An item's score with a cross-check's adjustment added, the reason in its explanation and its inputs."""
    score = round2(scored.score + adjustment.points)
    sign = "+" if adjustment.points >= 0 else "−"
    text = (
        f"{scored.explanation}；交叉核查（{adjustment.reviewer}）调整 {sign}{points(adjustment.points.copy_abs())} 分，"
        f"理由：{adjustment.reason}，调整后得 {points(score)} 分"
    )
    inputs = scored.inputs | {
        "cross_check": {
            "before": _s(scored.score),
            "adjustment": _s(adjustment.points),
            "reason": adjustment.reason,
            "reviewer": adjustment.reviewer,
            "finding": adjustment.finding,
        }
    }
    return ItemScore(scored.item, score, text, inputs, scored.actual, scored.target)


# ---- a whole run -----------------------------------------------------------------------------------------


def evaluate(
    items: list[ItemRule],
    inputs: dict[Hashable, PairingInputs],
    *,
    year: int,
    grade_for: Callable[[Decimal], str],
) -> dict[Hashable, Outcome]:
    """Every item for every pairing, then key-task sums, totals (floored at 0), competition ranks and grades."""
    items = sorted(items, key=lambda i: (i.order, i.id))
    per_key: dict[Hashable, list[ItemScore]] = {key: [] for key in inputs}
    for item in items:
        if item.method == RANK:
            actuals = {key: data.actuals[item.id] for key, data in inputs.items()}
            for key, scored in score_rank(item, actuals, year=year).items():
                per_key[key].append(scored)
            continue
        for key, data in inputs.items():
            if item.method == TARGET:
                scored = score_target(item, data.actuals[item.id], data.targets[item.id], year=year)
            elif item.method == THRESHOLD:
                scored = score_threshold(item, data.actuals[item.id], year=year)
            elif item.method == DEDUCTION:
                scored = score_deduction(item, data.occurrences.get(item.id, Occurrences(0)))
            elif item.method == QUALITATIVE:
                scored = score_qualitative(item, data.marks.get(item.id, []))
            else:
                raise ValueError(f"未知的计分方法「{item.method}」")
            per_key[key].append(scored)
    for key, scores in per_key.items():
        made = inputs[key].adjustments
        per_key[key] = [adjust(s, made[s.item.id]) if s.item.id in made else s for s in scores]
    outcomes = {}
    for key, scores in per_key.items():
        tasks: dict[str, Decimal] = {}
        for s in scores:
            tasks[s.item.key_task] = tasks.get(s.item.key_task, ZERO) + s.score
        total = round2(max(sum((s.score for s in scores), ZERO), ZERO))
        outcomes[key] = Outcome(key, scores, {k: round2(v) for k, v in sorted(tasks.items())}, total)
    ranks = competition_rank((key, o.total) for key, o in outcomes.items())
    for key, outcome in outcomes.items():
        outcome.rank = ranks[key]
        outcome.grade = grade_for(outcome.total)
    return outcomes


def objective_view(
    items: list[ItemRule], inputs: dict[Hashable, PairingInputs]
) -> tuple[dict[str, float], dict[Hashable, float], dict[Hashable, int]] | None:
    """Entropy weights and TOPSIS closeness over the indicator-based items' actual values (the second view).

    One column per indicator (an indicator scored by two items counts once); a missing value is 0. Returns
    (weights by indicator code, closeness by pairing, TOPSIS rank by pairing), or None when there is nothing
    to compare (fewer than two pairings, or no indicator-based item).
    """
    from . import mcdm

    columns: dict[str, tuple[ItemRule, IndicatorInfo]] = {}
    for item in sorted(items, key=lambda i: (i.order, i.id)):
        if item.method in INDICATOR_METHODS and item.indicator and item.indicator.code not in columns:
            columns[item.indicator.code] = (item, item.indicator)
    keys = list(inputs)
    if len(keys) < 2 or not columns:
        return None
    matrix = [[float(inputs[key].actuals[item.id].value or 0) for item, _ind in columns.values()] for key in keys]
    directions = [-1 if ind.direction == LOWER else 1 for _item, ind in columns.values()]
    weights = mcdm.entropy_weights(matrix, directions)
    closeness = mcdm.topsis(matrix, weights, directions)
    by_key = {key: float(c) for key, c in zip(keys, closeness, strict=True)}
    ranks = competition_rank((key, Decimal(str(round(c, 6)))) for key, c in by_key.items())
    return {code: float(w) for code, w in zip(columns, weights, strict=True)}, by_key, ranks
