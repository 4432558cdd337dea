"""Scoring a run: the scheme's items as the engine's rules, the engine's scores and the entropy-weight TOPSIS view
over the gathered inputs, and the rows a run keeps (results, scores, the scheme as it was scored).

Nothing here writes: ``services.compute_run`` checks the run, calls ``score`` and saves what it returns in one
transaction, so a failure anywhere before leaves the database as it was.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from duikou.pairings.models import Pairing

from . import engine, inputs
from .models import Item, Result, Run, Scheme, Score


@dataclass
class Scored:
    """A computed run, not yet saved: its results and scores, and the entropy weights of the second view."""

    results: list[Result]
    scores: list[Score]
    entropy_weights: dict[str, float]


def steps(pairings: list[Pairing]) -> int:
    """The progress steps of scoring a run: gathering, scoring, the second view and one per pairing written."""
    return len(pairings) + 2


def score(run: Run, items: list[Item], pairings: list[Pairing], *, today: datetime.date, progress) -> Scored:
    """Score every pairing on the scheme's items, reporting progress up to the last step (writing the rows)."""
    scheme = run.scheme
    total_steps = steps(pairings)
    progress(0, total_steps, "汇总已审核数值、方案目标、填报和整改情况")
    gathered = inputs.gather_inputs(scheme, items, pairings, today=today)
    progress(1, total_steps, "计分")
    rules = [item_rule(i) for i in items]
    # a pairing with no report due in the year is not scored: it neither ranks nor counts among those ranked
    apart = {pid: data for pid, data in gathered.items() if data.reporting == engine.NONE_DUE}
    gathered = {pid: data for pid, data in gathered.items() if pid not in apart}
    outcomes = engine.evaluate(rules, gathered, year=scheme.year, grade_for=scheme.grade_for)
    from . import mcdm  # numpy, scipy and pymcdm load only when a run needs them

    try:
        view = engine.objective_view(rules, gathered)
    except mcdm.MCDMError as exc:  # e.g. a negative value: the scheme's own scores stand without the second view
        view, second_view = None, f"未计算熵权-TOPSIS：{exc}"
    else:
        second_view = "" if view else "参评结对少于 2 个或没有指标类评估项，未计算熵权-TOPSIS"
    weights, closeness, topsis_ranks = view if view else ({}, {}, {})
    progress(2, total_steps, second_view or "写入结果")
    by_pk = {p.pk: p for p in pairings}
    by_item = {i.pk: i for i in items}
    results, scores = [], []
    for n, (pid, outcome) in enumerate(sorted(outcomes.items(), key=lambda kv: (kv[1].rank, by_pk[kv[0]].code)), 1):
        results.append(
            Result(
                run=run,
                pairing=by_pk[pid],
                total=outcome.total,
                rank=outcome.rank,
                grade=outcome.grade,
                task_scores={k: str(v) for k, v in outcome.task_scores.items()},
                topsis_score=Decimal(str(round(closeness[pid], 6))) if pid in closeness else None,
                topsis_rank=topsis_ranks.get(pid),
                reporting=gathered[pid].reporting,
                reporting_note=gathered[pid].reporting_note,
            )
        )
        for s in outcome.scores:
            scores.append(
                Score(
                    run=run,
                    pairing=by_pk[pid],
                    item=by_item[s.item.id],
                    score=s.score,
                    actual=None if s.actual is None else s.actual.quantize(Decimal("0.0001")),
                    target=None if s.target is None else Decimal(s.target).quantize(Decimal("0.0001")),
                    explanation=s.explanation,
                    inputs=s.inputs,
                )
            )
        progress(2 + n, total_steps)
    for n, pid in enumerate(sorted(apart, key=lambda pid: by_pk[pid].code), len(results) + 1):
        results.append(
            Result(
                run=run,
                pairing=by_pk[pid],
                total=None,
                rank=None,
                grade="",
                task_scores={},
                reporting=engine.NONE_DUE,
                reporting_note=apart[pid].reporting_note,
            )
        )
        progress(2 + n, total_steps)
    return Scored(results, scores, {code: round(w, 6) for code, w in weights.items()})


def item_rule(item: Item) -> engine.ItemRule:
    """An item as the engine reads it (the engine knows no models)."""
    ind = item.indicator
    return engine.ItemRule(
        id=item.pk,
        order=item.order,
        name=item.name,
        key_task=item.key_task_id,
        method=item.method,
        weight=item.weight,
        indicator=engine.IndicatorInfo(ind.code, ind.name, ind.unit, ind.direction) if ind else None,
        target=item.target,
        cap=item.cap,
        threshold=item.threshold,
        deduction_basis=item.deduction_basis,
        deduction_points=item.deduction_points,
        drop_extremes=item.drop_extremes,
    )


def snapshot(scheme: Scheme, items: list[Item], pairings: list[Pairing], today: datetime.date) -> dict:
    """The scheme as the run scored it (cut-offs and items), the pairings and the day of the data: kept on the run."""

    def s(value):
        return None if value is None else str(value)

    return {
        "scheme": {
            "id": scheme.pk,
            "name": scheme.name,
            "year": scheme.year,
            "level": scheme.level,
            "province": scheme.province_id,
            "excellent_min": s(scheme.excellent_min),
            "good_min": s(scheme.good_min),
            "fair_min": s(scheme.fair_min),
            "cities_see_before_publication": scheme.cities_see_before_publication,
            "version": scheme.version,
        },
        "items": [
            {
                "id": i.pk,
                "order": i.order,
                "name": i.name,
                "key_task": i.key_task_id,
                "key_task_name": i.key_task.name,
                "clause": i.clause_id,
                "weight": s(i.weight),
                "method": i.method,
                "indicator": i.indicator_id,
                "indicator_name": i.indicator.name if i.indicator_id else None,
                "criterion": i.criterion,
                "target": s(i.target),
                "cap": s(i.cap),
                "threshold": s(i.threshold),
                "deduction_basis": i.deduction_basis,
                "deduction_points": s(i.deduction_points),
                "drop_extremes": i.drop_extremes,
            }
            for i in items
        ],
        "pairings": [p.pk for p in pairings],
        "as_of": today.isoformat(),
    }
