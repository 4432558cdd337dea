"""Leads arriving at the same moment for a household without a case (committed transactions, one thread and one
database connection per lead): they end in exactly one open case holding both leads, never a second case and never
an integrity error. The tests carry no ``django_db`` mark (see ``committed_db``)."""

import pytest
from django.utils import timezone

from duikou import testing
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, Declaration, Visit


@pytest.fixture
def hands(committed_db):
    return mt.procedure_users()


@pytest.fixture
def home(hands):
    household = mt.household(hands["county"], number="RACE-1", head_name="同时申报")
    services.add_member(
        user=hands["county"], household=household, name="同时申报", id_number=mt.id_number(61), phone="13900000061"
    )
    return household


def test_a_declaration_and_a_visit_at_once_open_one_case_with_two_leads(hands, home):
    def declaration():
        return services.declare(
            village=home.village,
            head_name="同时申报",
            id_number=mt.id_number(61),
            phone="13900000061",
            difficulty="illness",
            description="住院",
            consent=True,
            channel="hotline",
            user=hands["township"],
        )

    def visit():
        return services.record_visit(
            user=hands["village"],
            household=home,
            date=timezone.localdate(),
            situation="户主住院",
            risk="illness",
            raise_case=True,
        )

    results = testing.race(lambda i: (declaration, visit)[i], n=2)
    assert not [r for r in results if isinstance(r, BaseException)], results
    cases = Alert.objects.filter(household=home)
    assert cases.count() == 1
    case = cases.get()
    assert Declaration.objects.get(household=home).case == case and Visit.objects.get(household=home).case == case
    leads = sorted(case.steps.filter(step=AlertStep.Step.LEAD).values_list("note", flat=True))
    assert len(leads) == 2 and leads[0].startswith("农户自主申报（12317 热线）") and leads[1].startswith("基层干部排查")


def test_leads_from_every_racer_at_once_open_one_case(hands, home):
    n = testing.racers()

    def lead(i):
        return lambda: services.open_case(household=home, channel="visit", user=hands["village"], note=f"线索{i}")

    results = testing.race(lead, n=n)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(opened for _case, opened in results) == [False] * (n - 1) + [True]
    assert len({case.pk for case, _opened in results}) == 1
    assert Alert.objects.filter(household=home).count() == 1
    assert AlertStep.objects.filter(alert__household=home, step=AlertStep.Step.LEAD).count() == n
