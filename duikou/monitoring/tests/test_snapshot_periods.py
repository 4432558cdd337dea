"""Screening reads monthly and quarterly income records where a household has no yearly record for the year: their
sum at a year's rate, to the cent, the same on SQLite and PostgreSQL."""

from decimal import Decimal as D

import pytest

from duikou.core.actors import Operator
from duikou.geo.models import Region
from duikou.monitoring import engine, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, Household

pytestmark = pytest.mark.django_db


def _record(user, household, kind: str, period: int, net, *, persons=2, medical=0, year=2025):
    services.record_income(
        user=user,
        household=household,
        year=year,
        period_kind=kind,
        period=period,
        persons=persons,
        net_income=D(net),
        medical_expense=D(medical),
    )


def test_sub_year_records_stand_in_for_a_missing_yearly_record(editor):
    monthly = mt.household(editor, number="monthly")
    for month in range(1, 8):  # seven months: 1,000.01 in the first, 1,000 in the others
        _record(editor, monthly, "month", month, "1000.01" if month == 1 else "1000", medical="10" if month == 2 else 0)
    quarterly = mt.household(editor, number="quarterly")
    _record(editor, quarterly, "quarter", 1, "3000", persons=3)
    _record(editor, quarterly, "quarter", 2, "3600", persons=4)
    both = mt.household(editor, number="both")  # a yearly record wins over the months
    mt.income(editor, both, 2025, "50000", persons=2)
    _record(editor, both, "month", 1, "10")
    # a quarter's own record where its months are missing, the months there are where its record is missing
    months_win = mt.household(editor, number="months-win")
    _record(editor, months_win, "quarter", 1, "9000")
    _record(editor, months_win, "month", 4, "2000")
    other_year = mt.household(editor, number="other-year")  # last year's months are not this year's income
    _record(editor, other_year, "month", 12, "100", year=2024)

    table = engine.snapshot(Household.objects.filter(village__code__startswith="41"), 2025)
    rows = {r["household_id"]: r for r in table.to_pylist()}
    assert set(rows) == {monthly.pk, quarterly.pk, both.pk, months_win.pk}
    # 7,000.01 over seven months: 12,000.017… a year, to the cent
    assert (rows[monthly.pk]["net_income"], rows[monthly.pk]["persons"]) == (D("12000.02"), 2)
    assert rows[monthly.pk]["rigid_expense"] == D("17.14")  # the rigid spending at a year's rate too
    assert (rows[quarterly.pk]["net_income"], rows[quarterly.pk]["persons"]) == (D("13200.00"), 4)
    assert rows[both.pk]["net_income"] == D("50000.00")
    assert rows[months_win.pk]["net_income"] == D("33000.00")  # (9,000 + 2,000) over four months


def test_a_household_with_only_monthly_income_is_screened_on_it(editor):
    ruleset = services.create_ruleset(user=Operator(), province=Region.objects.get(code="410000"), year=2025)
    low = mt.household(editor, number="low", **mt.ALL_OK)
    for month in range(1, 7):
        _record(editor, low, "month", month, "1000")  # 12,000 a year for two: 6,000 each, under 10,500
    high = mt.household(editor, number="high", **mt.ALL_OK)
    for month in range(1, 7):
        _record(editor, high, "month", month, "2000")  # 24,000 a year for two: 12,000 each
    services.screen_households(user=Operator(), ruleset=ruleset)
    alert = Alert.objects.get()
    assert alert.household_id == low.pk and alert.rules == ["income_low"]
    assert alert.values["income_low"]["per_capita"] == "6000.00"
