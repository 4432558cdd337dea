"""Publishing is a decision: who may publish and withdraw what, what may be published at all, and the history."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from duikou import testing
from duikou.core.errors import UserFacingError
from duikou.pairings.models import Pairing
from duikou.publication import services
from duikou.publication import testing as pub
from duikou.publication.cache import generation
from duikou.publication.models import Publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return pub.world()


def test_filing_accepting_and_recording_publish_nothing(w):
    assert not Publication.objects.exists()
    assert services.subject_of(w["plan"]).status == "unpublished"


def test_the_pairings_approver_publishes_a_filed_plan_with_the_secrecy_review(w):
    publication = services.publish(
        user=w["who"]["xy_approver"], item=w["plan"], secrecy_confirmed=True, secrecy_note="经办公室审查"
    )
    assert (publication.kind, publication.plan, publication.pairing) == ("plan", w["plan"], w["pairing"])
    assert publication.secrecy_confirmed and publication.secrecy_note == "经办公室审查"
    assert services.subject_of(w["plan"]).status == "published"


def test_without_the_secrecy_confirmation_nothing_is_published(w):
    with pytest.raises(UserFacingError, match="保密审查"):
        services.publish(user=w["who"]["xy_approver"], item=w["project"], secrecy_confirmed=False)
    assert not Publication.objects.exists()


def test_a_draft_plan_cannot_be_published(w):
    with pytest.raises(UserFacingError, match="已备案"):
        services.publish(user=w["who"]["xy_approver"], item=w["draft"], secrecy_confirmed=True)


def test_a_report_not_yet_approved_cannot_be_published(w):
    with pytest.raises(UserFacingError, match="已审核"):
        services.publish(user=w["who"]["xy_approver"], item=w["open_report"], secrecy_confirmed=True)


def test_an_editor_cannot_publish(w):
    with pytest.raises(PermissionDenied):
        services.publish(user=w["who"]["xy_editor"], item=w["project"], secrecy_confirmed=True)


def test_an_approver_of_another_area_cannot_publish(w):
    outsider = testing.user("ya_approver", "延安市人民政府", "approver")
    with pytest.raises(PermissionDenied):
        services.publish(user=outsider, item=w["project"], secrecy_confirmed=True)


def test_the_province_and_the_overseer_may_publish_too(w):
    services.publish(user=w["who"]["henan"], item=w["project"], secrecy_confirmed=True)
    services.publish(user=w["who"]["ndrc"], item=w["report"], secrecy_confirmed=True)
    assert Publication.objects.filter(status="published").count() == 2


def test_publishing_twice_is_refused(w):
    services.publish(user=w["who"]["xy_approver"], item=w["project"], secrecy_confirmed=True)
    with pytest.raises(UserFacingError, match="已公开"):
        services.publish(user=w["who"]["sz_approver"], item=w["project"], secrecy_confirmed=True)


def test_withdrawal_keeps_the_publication_in_the_history_and_a_new_publication_is_a_new_row(w):
    first = services.publish(user=w["who"]["xy_approver"], item=w["project"], secrecy_confirmed=True)
    withdrawn = services.withdraw(user=w["who"]["sz_approver"], item=w["project"], reason="投资数额待核实")
    assert (withdrawn.pk, withdrawn.status, withdrawn.withdrawn_by) == (first.pk, "withdrawn", w["who"]["sz_approver"])
    assert withdrawn.withdraw_reason == "投资数额待核实"
    again = services.publish(user=w["who"]["xy_approver"], item=w["project"], secrecy_confirmed=True)
    assert again.pk != first.pk
    assert list(Publication.objects.filter(project=w["project"]).values_list("status", flat=True).order_by("pk")) == [
        "withdrawn",
        "published",
    ]
    entries = LogEntry.objects.get_for_objects(Publication.objects.filter(project=w["project"]))
    assert entries.count() == 3  # two creations and the withdrawal
    assert {e.actor for e in entries} == {w["who"]["xy_approver"], w["who"]["sz_approver"]}


def test_a_withdrawal_needs_a_reason_and_an_open_publication(w):
    with pytest.raises(UserFacingError, match="未公开"):
        services.withdraw(user=w["who"]["xy_approver"], item=w["project"], reason="无")
    services.publish(user=w["who"]["xy_approver"], item=w["project"], secrecy_confirmed=True)
    with pytest.raises(UserFacingError, match="撤回理由"):
        services.withdraw(user=w["who"]["xy_approver"], item=w["project"], reason="  ")


def test_an_editor_cannot_withdraw(w):
    services.publish(user=w["who"]["xy_approver"], item=w["project"], secrecy_confirmed=True)
    with pytest.raises(PermissionDenied):
        services.withdraw(user=w["who"]["xy_editor"], item=w["project"], reason="x")


def test_each_decision_raises_the_public_sites_generation(w):
    before = generation()
    services.publish(user=w["who"]["xy_approver"], item=w["project"], secrecy_confirmed=True)
    services.withdraw(user=w["who"]["xy_approver"], item=w["project"], reason="更正")
    assert generation() == before + 2


def test_a_national_pairing_is_public_already_and_a_province_pairing_is_published_by_its_province(w):
    with pytest.raises(UserFacingError, match="国家确定"):
        services.publish(user=w["who"]["henan"], item=w["pairing"], secrecy_confirmed=True)
    local = Pairing.objects.create(
        code="P-T1",
        old_region_id="411500",
        partner_region_id="410100",
        level=Pairing.Level.PROVINCE,
        start_year=2024,
        end_year=2030,
        valid_from="2024-01-01",
    )
    with pytest.raises(PermissionDenied):  # the city's approver: the province registered it and decides
        services.publish(user=w["who"]["xy_approver"], item=local, secrecy_confirmed=True)
    publication = services.publish(user=w["who"]["henan"], item=local, secrecy_confirmed=True)
    assert (publication.kind, publication.pairing) == ("pairing", local)
