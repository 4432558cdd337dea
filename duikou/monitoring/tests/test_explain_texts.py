"""The explanations of a whole run computed column by column equal ``engine.explain()`` row by row."""

import json
from decimal import Decimal

import numpy as np
import pyarrow as pa

from duikou.monitoring import engine
from duikou.monitoring.models import Rule
from duikou.monitoring.services import DEFAULT_THRESHOLDS

THRESHOLDS = {str(k): Decimal(v) for k, (v, _source) in DEFAULT_THRESHOLDS.items()}


def snapshot(n: int, seed: int = 7) -> pa.Table:
    """Households built to reach every branch: negative and zero incomes, odd cents over an even household (a
    half cent to round), no record last year, failed checks in every combination, and departmental signals."""
    rng = np.random.default_rng(seed)
    persons = rng.integers(1, 7, n)
    net_cents = rng.integers(-50_000, 4_000_000, n)
    net_cents[::17] = persons[::17] * rng.integers(0, 3, len(persons[::17])) + 1  # tiny, often a half cent a head
    net_cents[::23] = -1  # −0.01 元: a negative zero per head once rounded
    prev_cents = np.where(rng.random(n) < 0.5, net_cents + rng.integers(-1_000_000, 2_000_000, n), net_cents * 3)
    prev_mask = rng.random(n) < 0.1
    rigid_cents = np.where(rng.random(n) < 0.4, rng.integers(0, 3_000_000, n), 0)

    def money(cents, mask=None):
        return pa.array([Decimal(int(c)) / 100 for c in cents], pa.decimal128(14, 2), mask=mask)

    columns = {
        "household_id": pa.array(np.arange(1, n + 1), pa.int64()),
        "persons": pa.array(persons, pa.int32()),
        "net_income": money(net_cents),
        "prev_net_income": money(prev_cents, prev_mask),
        "rigid_expense": money(rigid_cents),
    }
    for k, check in enumerate(engine.Household.CHECKS):
        columns[check] = pa.array((np.arange(n) >> k) % 32 != 1)  # every combination of failures turns up
    for column, (_kind, amount) in engine.SIGNALS.items():
        values = np.where(rng.random(n) < 0.03, rng.integers(1, 9_000_000, n), 0)
        columns[column] = money(values) if amount else pa.array(values // 1_000_000, pa.int32())
    return pa.table(columns, schema=engine.SCHEMA)


def test_column_by_column_explanations_equal_the_row_by_row_ones():
    flagged = engine.evaluate(snapshot(6000), THRESHOLDS, set(Rule.Code.values))
    assert flagged.num_rows > 1000
    rules, values = engine.explain_texts(flagged, THRESHOLDS)
    seen = set()
    for row, rule_text, value_text in zip(flagged.to_pylist(), rules, values, strict=True):
        fired, explained = engine.explain(row, THRESHOLDS)
        assert json.loads(rule_text) == fired
        assert json.loads(value_text) == json.loads(json.dumps(explained)), row
        seen.update(fired)
    assert seen == set(Rule.Code.values)  # every rule was explained at least once


def test_a_run_with_some_rules_disabled_explains_only_those():
    enabled = {Rule.Code.INCOME_FALL, Rule.Code.CHECK_FAILED}
    flagged = engine.evaluate(snapshot(800, seed=3), THRESHOLDS, enabled)
    rules, values = engine.explain_texts(flagged, THRESHOLDS)
    for row, rule_text, value_text in zip(flagged.to_pylist(), rules, values, strict=True):
        fired, explained = engine.explain(row, THRESHOLDS)
        assert json.loads(rule_text) == fired and set(fired) <= enabled
        assert json.loads(value_text) == json.loads(json.dumps(explained))


def test_nothing_flagged_explains_nothing():
    flagged = engine.evaluate(snapshot(50).slice(0, 0), THRESHOLDS, set(Rule.Code.values))
    assert engine.explain_texts(flagged, THRESHOLDS) == ([], [])


def test_a_fall_of_income_and_a_rigid_expense_are_explained_in_percentages():
    from duikou.monitoring.models import Alert

    alert = Alert(
        rules=[Rule.Code.INCOME_FALL, Rule.Code.RIGID_EXPENSE],
        values={
            Rule.Code.INCOME_FALL: {"previous": "20000.00", "current": "9118.00", "fall_share": "0.5441"}
            | {"threshold": "0.3000"},
            Rule.Code.RIGID_EXPENSE: {"rigid_expense": "12000.00", "net_income": "9118.00", "threshold": "0.5000"},
        },
    )
    details = dict(alert.fired_details())
    assert details[str(Rule.Code.INCOME_FALL.label)] == "纯收入由 20000.00 元降至 9118.00 元，降幅 54.4%（阈值 30%）"
    assert details[str(Rule.Code.RIGID_EXPENSE.label)].endswith("（阈值比例 50%）")
