"""The services behind the ways in, called directly (``services.declare``, ``services.record_visit``): who may use
which channel, what a declaration makes of a household the registry does not know, and how later leads join the one
open case."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duikou.core import pii
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, Declaration, Household, Member

pytestmark = pytest.mark.django_db


def declare(**extra) -> Declaration:
    fields = {
        "village": mt.place()[1],
        "head_name": "何二妹",
        "id_number": mt.id_number(51),
        "phone": "13511112222",
        "difficulty": "disability",
        "consent": True,
    }
    return services.declare(**(fields | extra))


def test_the_households_own_channel_takes_no_user_and_staff_channels_need_an_editor():
    township = mt.local_user("svc_township", level="township")
    with pytest.raises(ValidationError, match="12317"):
        declare(user=township)
    with pytest.raises(PermissionDenied):
        declare(channel="hotline", user=mt.local_user("svc_viewer", level="township", role="viewer"))
    assert declare(channel="counter", user=township).recorded_by == township


def test_village_cadres_and_other_areas_staff_cannot_record_hotline_declarations():
    with pytest.raises(PermissionDenied):
        declare(channel="hotline", user=mt.local_user("svc_village", level="village"))
    with pytest.raises(PermissionDenied):
        declare(channel="hotline", user=mt.local_user("svc_far", "yanan", level="county"))
    assert not Declaration.objects.exists()


def test_a_declaration_without_consent_or_for_a_township_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        declare(consent=False)
    assert "consent" in refused.value.message_dict
    township, _village = mt.place()
    with pytest.raises(ValidationError) as refused:
        declare(village=township)
    assert "village" in refused.value.message_dict


def test_an_unknown_household_is_added_pending_with_its_head_as_a_member_found_by_digest():
    declaration = declare()
    home = declaration.household
    assert home.pending and home.township_id == "411526001" and home.number.startswith("申报")
    head = Member.objects.get(household=home)
    assert head.relation == "户主" and head.id_number_digest == pii.digest(mt.id_number(51))
    assert head.id_number_masked == declaration.id_number_masked and head.phone_masked == "135****2222"
    assert declaration.case.household == home and declaration.case.status == Alert.Status.VERIFYING


def test_a_second_declaration_of_the_same_person_joins_the_pending_household_and_its_case():
    first = declare()
    second = declare(description="补充：已住院")
    assert second.household == first.household and second.case == first.case
    assert Household.objects.filter(pending=True).count() == 1
    assert first.case.steps.filter(step=AlertStep.Step.LEAD).count() == 2


def test_a_declaration_after_the_case_closed_opens_a_new_one():
    first = declare()
    Alert.objects.filter(pk=first.case_id).update(status=Alert.Status.CLOSED, outcome=Alert.Outcome.DISMISSED)
    second = declare()
    assert second.case != first.case and second.case.is_open
    assert second.household == first.household


def test_a_visit_raises_the_case_only_when_asked_and_with_the_risk_found():
    cadre = mt.local_user("svc_cadre", level="village")
    home = mt.household(mt.local_user("svc_registrar", level="township"), number="H050")
    day = datetime.date(2026, 1, 5)
    plain = services.record_visit(user=cadre, household=home, date=day, situation="正常", risk="illness")
    assert plain.case is None and not Alert.objects.exists()
    with pytest.raises(ValidationError, match="风险类别"):
        services.record_visit(user=cadre, household=home, date=day, situation="说不清", raise_case=True)
    raised = services.record_visit(
        user=cadre, household=home, date=day, situation="住院", risk="illness", raise_case=True
    )
    assert raised.case.channel == Alert.Channel.VISIT and raised.case.household == home


def test_city_staff_do_not_record_visits():
    from duikou import testing

    home = mt.household(mt.local_user("svc_registrar2", level="township"), number="H051")
    with pytest.raises(PermissionDenied):
        services.record_visit(
            user=testing.user("svc_city", "信阳市人民政府", "editor"),
            household=home,
            date=datetime.date(2026, 1, 5),
            situation="市里来访",
        )


def test_a_hotline_declaration_without_staff_is_refused_not_a_crash():
    from django.core.exceptions import PermissionDenied

    from duikou.monitoring import services
    from duikou.monitoring import testing as mt

    _township, village = mt.place()
    with pytest.raises(PermissionDenied, match="须由县、乡镇工作人员登记"):
        services.declare(
            village=village,
            head_name="张三",
            id_number=mt.id_number(77),
            phone="13800000077",
            difficulty="illness",
            consent=True,
            channel="hotline",
            user=None,
        )
