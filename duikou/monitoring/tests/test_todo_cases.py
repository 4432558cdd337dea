"""Monitoring cases and objections in the to-do list, and the case's responsible person (帮扶联系人)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duikou import testing, todo
from duikou.monitoring import services
from duikou.monitoring import testing as mt

pytestmark = pytest.mark.django_db


@pytest.fixture
def hands():
    return mt.procedure_users()


@pytest.fixture
def case(hands):
    return mt.visited_case(hands)


def _cases(user):
    return [(i.link, i.action, i.due) for i in todo.todo_for(user, source="cases")[0]]


def test_a_case_waits_for_the_village_to_verify_by_its_working_day_deadline(case, hands):
    link = f"/monitoring/alerts/{case.pk}/"
    for name in ("village", "village2"):
        assert _cases(hands[name]) == [(link, "入户核实", case.deadline)], name
    for name in ("township", "county"):
        assert _cases(hands[name]) == [], name


def test_the_township_names_a_responsible_person_who_then_has_the_case(case, hands):
    case = services.assign_responsible(
        user=hands["township"], alert=case, responsible=hands["county"], expected_version=case.version
    )
    assert case.responsible == hands["county"]
    assert [a for _l, a, _d in _cases(hands["county"])] == ["跟进帮扶（您是帮扶联系人）"]


def test_only_the_township_or_county_names_someone_of_the_case_area(case, hands):
    with pytest.raises(PermissionDenied):
        services.assign_responsible(
            user=hands["village"], alert=case, responsible=hands["village2"], expected_version=case.version
        )
    stranger = testing.user("yanan_cadre", "延安市人民政府", "editor")
    with pytest.raises(ValidationError):
        services.assign_responsible(
            user=hands["county"], alert=case, responsible=stranger, expected_version=case.version
        )


def test_the_case_page_offers_the_choice_to_the_township(case, hands, client):
    testing.login(client, hands["township"])
    page = client.get(f"/monitoring/alerts/{case.pk}/").content.decode()
    assert 'id="responsible-form"' in page and hands["county"].username in page
    response = client.post(
        f"/monitoring/alerts/{case.pk}/responsible/", {"responsible": hands["village2"].pk, "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.responsible == hands["village2"]
    # a stale version is refused with a message, the choice stays
    client.post(f"/monitoring/alerts/{case.pk}/responsible/", {"responsible": "", "version": case.version - 1})
    case.refresh_from_db()
    assert case.responsible == hands["village2"]
    testing.login(client, hands["village"])
    assert 'id="responsible-form"' not in client.get(f"/monitoring/alerts/{case.pk}/").content.decode()


def test_an_appeal_waits_for_the_township_or_county_to_answer(hands):
    monitored = mt.to_monitored(mt.visited_case(hands, head_name="王二"))
    appeal = services.lodge_objection(case=monitored, kind="appeal", subject="category", text="类别认定有误")
    expected = [(f"/monitoring/alerts/{monitored.pk}/#objections", "答复", appeal.due)]
    for name in ("township", "county"):
        found = [(i.link, i.action, i.due) for i in todo.todo_for(hands[name], source="objections")[0]]
        assert found == expected, name
    assert todo.todo_for(hands["village"], source="objections")[0] == []
