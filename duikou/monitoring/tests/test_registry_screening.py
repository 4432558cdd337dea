"""Screening a household that has monthly or quarterly income records but no yearly one for the year: the snapshot's
current-year income is the year's months (a quarter's record where one of its months is missing) at a year's rate,
compared here with the sum worked out by hand; a yearly record, where there is one, is used as before."""

from decimal import Decimal

import pytest

from duikou.core.actors import Operator
from duikou.monitoring import engine, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Household

pytestmark = pytest.mark.django_db


def record(user, home, kind, period, net, persons=2, medical=0):
    services.record_income(
        user=user,
        household=home,
        year=2025,
        period_kind=kind,
        period=period,
        persons=persons,
        net_income=Decimal(net),
        medical_expense=Decimal(medical),
    )


def test_sub_year_records_are_annualised_where_there_is_no_yearly_record(editor, ruleset):
    months = mt.household(editor, number="M1", head_name="按月户")
    for month, net, medical in (
        (1, "1000", "100"),
        (2, "1100", "0"),
        (3, "900", "0"),
        (4, "600", "0"),
        (7, "701", "0"),
    ):
        record(editor, months, "month", month, net, medical=medical)
    record(editor, months, "quarter", 2, "3300", persons=3)  # April alone is recorded: the quarter's record counts
    record(editor, months, "quarter", 1, "9999")  # all three months of Q1 are recorded: they count, not this
    quarters = mt.household(editor, number="Q1", head_name="按季户")
    for quarter in (1, 2, 3, 4):
        record(editor, quarters, "quarter", quarter, "2000.01")
    yearly = mt.household(editor, number="Y1", head_name="全年户")
    mt.income(editor, yearly, 2025, "30000")
    record(editor, yearly, "month", 1, "10")
    mt.household(editor, number="N1", head_name="无收支户")

    table = engine.snapshot(Household.objects.all(), 2025).to_pylist()
    rows = {r["household_id"]: r for r in table}
    # by hand: Q1 = 1000 + 1100 + 900 (3 months), Q2 = 3300 (the record; 3 months), July = 701 (1 month)
    assert rows[months.pk]["net_income"] == Decimal("12001.71")  # 7001 × 12 / 7 = 12001.714…
    assert rows[months.pk]["rigid_expense"] == Decimal("171.43")  # 100 × 12 / 7
    assert rows[months.pk]["persons"] == 3
    assert rows[quarters.pk]["net_income"] == Decimal("8000.04") and rows[quarters.pk]["persons"] == 2
    assert rows[yearly.pk]["net_income"] == Decimal("30000.00")
    assert set(rows) == {months.pk, quarters.pk, yearly.pk}

    run = services.screen_households(user=Operator(), ruleset=ruleset)
    flagged = set(run.alerts.values_list("household__number", flat=True))
    # the line with its margin is 7000 × 1.5 per person: 4000.02 per person is below, 30000 / 2 = 15000 is not
    assert "Q1" in flagged and "Y1" not in flagged
