"""The departmental-signal rule: signals loaded from departments' files reach the snapshot and flag households
exactly at their lines, identically on DuckDB, PostgreSQL and Spark."""

import pytest

from duikou.monitoring import departmental, engine, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, Rule

pytestmark = pytest.mark.django_db

# (household, income 2025 or None, [(kind, date, amount)], fires) — lines: hospital and disaster 10000 元 a year
CASES = [
    ("hosp", "50000", [("hospital", "2025-02-01", "10000")], True),
    ("hosp-miss", "50000", [("hospital", "2025-02-01", "9999.99")], False),
    ("disaster", "50000", [("disaster", "2025-07-01", "6000"), ("disaster", "2025-08-01", "4000")], True),
    ("disaster-miss", "50000", [("disaster", "2025-07-01", "4999.99"), ("disaster", "2025-08-01", "5000")], False),
    ("disability-only", None, [("disability", "2025-05-05", "")], True),
    ("job", "50000", [("job_loss", "2025-09-30", "")], True),
    ("water", "50000", [("water", "2025-01-01", "")], True),
    ("last-year", "50000", [("hospital", "2024-12-31", "90000")], False),
    ("quiet", "50000", [], False),
]


def build(editor):
    rows: dict[str, list] = {}
    for serial, (number, income, signals, _fires) in enumerate(CASES, start=100):
        home = mt.household(editor, number=number, head_name=number)
        services.add_member(user=editor, household=home, name=number, id_number=mt.id_number(serial))
        if income:
            mt.income(editor, home, 2025, income, persons=2)
        for kind, date, amount in signals:
            rows.setdefault(kind, []).append((mt.id_number(serial), date, amount, ""))
    for kind, kind_rows in rows.items():
        batch = departmental.check_department_file(
            user=editor, kind=kind, data=mt.department_csv(kind_rows), filename=f"{kind}.csv"
        )
        assert batch.unknown == 0 and batch.malformed == 0
        departmental.load_department_import(user=editor, batch=batch)


def fired(run) -> dict[str, list[str]]:
    return {a.household.number: a.rules for a in run.alerts.select_related("household")}


def test_signals_flag_households_exactly_at_their_lines(editor, ruleset):
    build(editor)
    run = services.screen_households(user=editor, ruleset=ruleset)
    assert fired(run) == {n: [Rule.Code.DEPARTMENT_SIGNAL] for n, _i, _s, fires in CASES if fires}
    assert run.households == len(CASES)  # the household with signals only is screened too
    values = Alert.objects.get(household__number="disaster").values["department_signal"]
    assert values["signals"] == {"disaster": "10000.00"} and values["disaster_loss"] == "10000.0000"
    assert Alert.objects.get(household__number="job").values["department_signal"]["signals"] == {"job_loss": 1}
    details = dict(Alert.objects.get(household__number="hosp").fired_details())
    assert "10000.00 元" in details[str(Rule.Code.DEPARTMENT_SIGNAL.label)]


def test_the_snapshot_carries_the_signals_of_the_year(editor):
    build(editor)
    from duikou.monitoring.models import Household

    table = engine.snapshot(Household.objects.all(), 2025).to_pylist()
    by_id = {Household.objects.get(pk=r["household_id"]).number: r for r in table}
    assert str(by_id["disaster-miss"]["sig_disaster"]) == "9999.99"
    assert by_id["disability-only"]["sig_disability"] == 1 and by_id["disability-only"]["net_income"] is None
    assert by_id["last-year"]["sig_hospital"] == 0


def test_a_rule_set_without_the_signal_rule_ignores_signals(editor, ruleset):
    build(editor)
    ruleset.rules.filter(code=Rule.Code.DEPARTMENT_SIGNAL).update(enabled=False)
    assert services.screen_households(user=editor, ruleset=ruleset).flagged == 0


def test_every_engine_flags_the_same_households_on_signals_as_duckdb(editor, ruleset, other_engine):
    other = other_engine
    build(editor)
    duck, run = mt.screened_by_duckdb_and(other, user=editor, ruleset=ruleset)
    assert run.snapshot_digest == duck.snapshot_digest
    by_run = {
        run.pk: sorted((a.household_id, tuple(a.rules), str(a.values)) for a in run.alerts.all()) for run in (duck, run)
    }
    assert by_run[run.pk] == by_run[duck.pk] and len(by_run[duck.pk]) == 5
