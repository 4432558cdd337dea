import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from duikou.core.errors import StaleObjectError
from duikou.indicators import services
from duikou.indicators.models import DataValue, Indicator, LockedValueError, Report
from duikou.plans.tests.factories import people

from .factories import fill, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    return people()


def ind(code):
    return Indicator.objects.get(pk=code)


def test_city_editor_saves_a_cell(who):
    rep = report()
    value = services.save_value(user=who["xy_editor"], report=rep, indicator=ind("signed_projects"), value="6")
    assert value.value == Decimal("6") and value.status == DataValue.Status.DRAFT


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", "不是有效数字"), ("1.5", "须为整数"), ("1e20", "超出"), ("1.123456", "小数位过多")],
)
def test_bad_number_is_refused_naming_the_indicator(who, text, message):
    with pytest.raises(ValidationError) as exc:
        services.save_value(user=who["xy_editor"], report=report(), indicator=ind("signed_projects"), value=text)
    assert "签约项目数" in exc.value.messages[0] and message in exc.value.messages[0]


def test_bad_number_is_explained_in_the_users_language(who):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.save_value(user=who["xy_editor"], report=report(), indicator=ind("signed_projects"), value="abc")
    assert exc.value.messages[0] == "“签约项目数”: the value “abc” is not a valid number"
    with pytest.raises(ValidationError) as exc:
        services.save_value(user=who["xy_editor"], report=report(), indicator=ind("signed_projects"), value="abc")
    assert exc.value.messages[0] == "「签约项目数」的值「abc」不是有效数字"


def test_stale_cell_is_refused(who):
    rep = report()
    first = services.save_value(user=who["xy_editor"], report=rep, indicator=ind("signed_projects"), value="6")
    services.save_value(user=who["xy_editor"], report=rep, indicator=ind("signed_projects"), value="7")
    with pytest.raises(StaleObjectError):
        services.save_value(
            user=who["xy_editor"],
            report=rep,
            indicator=ind("signed_projects"),
            value="8",
            expected_version=first.version,
        )


def test_other_city_cannot_enter_values(who):
    with pytest.raises(PermissionDenied):
        services.save_value(user=who["yanan_editor"], report=report(), indicator=ind("signed_projects"), value="1")


def test_cross_indicator_rule_refuses_submission_with_the_violation_named(who):
    rep = fill(who["xy_editor"], report(), funds_in_place_wan="60000")
    with pytest.raises(services.SubmissionRefused) as exc:
        services.submit_report(user=who["xy_editor"], report=rep)
    text = " ".join(exc.value.messages)
    assert "实际到位资金不得超过签约金额" in text and "60000" in text and "52000" in text
    rep.refresh_from_db()
    assert rep.status == Report.Status.OPEN


def test_missing_and_out_of_range_values_are_listed(who):
    rep = fill(who["xy_editor"], report(), coop_parks="101")
    DataValue.objects.filter(indicator="school_pairs").update(value=None)
    messages = [v.message for v in services.validate_report(rep)]
    assert any("共建产业园区数" in m and "超过上限 100" in m for m in messages)
    assert any("教育结对数" in m and "未填写" in m for m in messages)


def test_large_change_against_last_period_needs_a_comment(who):
    fill(who["xy_editor"], report("2025Q2"))
    rep = fill(who["xy_editor"], report(), consumption_aid_wan="5000")
    warnings = [v for v in services.validate_report(rep) if v.severity == "warning"]
    assert [w.code for w in warnings] == ["change:consumption_aid_wan"] and warnings[0].blocking
    with pytest.raises(services.SubmissionRefused, match="较上期"):
        services.submit_report(user=who["xy_editor"], report=rep)
    services.save_value(
        user=who["xy_editor"],
        report=rep,
        indicator=ind("consumption_aid_wan"),
        value="5000",
        comment="新增直播带货渠道",
    )
    rep = services.submit_report(user=who["xy_editor"], report=rep)
    assert rep.status == Report.Status.SUBMITTED


def test_chain_city_submits_province_approves_national_accepts_and_values_lock(who):
    rep = fill(who["xy_editor"], report())
    rep = services.submit_report(user=who["xy_editor"], report=rep)
    with pytest.raises(PermissionDenied):
        services.approve_report(user=who["xy_approver"], report=rep)  # a city does not approve its own report
    rep = services.approve_report(user=who["henan"], report=rep)
    assert rep.status == Report.Status.APPROVED and rep.approved_by == who["henan"]
    assert set(DataValue.objects.filter(period=rep.period).values_list("status", flat=True)) == {"approved"}
    with pytest.raises(LockedValueError):
        services.save_value(user=who["xy_editor"], report=rep, indicator=ind("signed_projects"), value="7")
    row = DataValue.objects.get(indicator="signed_projects", period=rep.period)
    row.value = Decimal("99")
    with pytest.raises(LockedValueError):
        row.save()  # also below the services
    rep = services.accept_report(user=who["ndrc"], report=rep)
    assert rep.status == Report.Status.ACCEPTED


def test_province_outside_the_pairing_cannot_approve(who):
    from duikou import testing

    shaanxi = testing.user("shaanxi", "陕西省人民政府", "approver")
    rep = services.submit_report(user=who["xy_editor"], report=fill(who["xy_editor"], report()))
    with pytest.raises(PermissionDenied):
        services.approve_report(user=shaanxi, report=rep)


def test_unlock_needs_a_reason_and_is_in_the_audit_history(who):
    rep = services.submit_report(user=who["xy_editor"], report=fill(who["xy_editor"], report()))
    rep = services.approve_report(user=who["henan"], report=rep)
    with pytest.raises(ValidationError, match="理由"):
        services.unlock_report(user=who["henan"], report=rep, reason=" ")
    with pytest.raises(PermissionDenied):
        services.unlock_report(user=who["xy_editor"], report=rep, reason="自己解锁")
    rep = services.unlock_report(user=who["henan"], report=rep, reason="签约金额口径调整")
    assert rep.status == Report.Status.OPEN
    entries = [e for e in LogEntry.objects.get_for_object(rep) if "签约金额口径调整" in str(e.changes_dict)]
    assert len(entries) == 1 and entries[0].actor == who["henan"]
    services.save_value(user=who["xy_editor"], report=rep, indicator=ind("signed_projects"), value="7")


def test_return_needs_a_comment(who):
    rep = services.submit_report(user=who["xy_editor"], report=fill(who["xy_editor"], report()))
    with pytest.raises(ValidationError):
        services.return_report(user=who["henan"], report=rep, comment="")
    rep = services.return_report(user=who["henan"], report=rep, comment="请核实签约金额")
    assert rep.status == Report.Status.OPEN and rep.comment == "请核实签约金额"


def test_derived_indicator_cannot_be_entered(who):
    with pytest.raises(ValidationError, match="派生指标"):
        services.save_value(user=who["xy_editor"], report=report(), indicator=ind("funds_in_place_rate"), value="1")


# ---- the table: every step for every persona, and whose turn it is -------------------------------------------


def _submitted(who):
    return services.submit_report(user=who["xy_editor"], report=fill(who["xy_editor"], report()))


def _approved(who):
    return services.approve_report(user=who["henan"], report=_submitted(who))


# state → how to reach it (a complete report: only the table refuses), and whose turn it then is (parties, steps)
STATES = {
    "open": (lambda who: fill(who["xy_editor"], report()), ["信阳市", "苏州市"], ["edit", "submit"], None),
    "submitted": (_submitted, ["河南省", "江苏省"], ["approve", "return"], "DUIKOU_REPORT_APPROVE_DAYS"),
    "approved": (_approved, ["国家发展改革委（振兴司）"], ["accept", "return"], "DUIKOU_REPORT_ACCEPT_DAYS"),
    "accepted": (lambda who: services.accept_report(user=who["ndrc"], report=_approved(who)), [], [], None),
}


def _take(step, user, rep):
    if step == "edit":
        return services.save_value(user=user, report=rep, indicator=ind("signed_projects"), value="7")
    if step == "return":
        return services.return_report(user=user, report=rep, comment="请核实签约金额")
    if step == "unlock":
        return services.unlock_report(user=user, report=rep, reason="签约金额口径调整")
    take = {"submit": services.submit_report, "approve": services.approve_report, "accept": services.accept_report}
    return take[step](user=user, report=rep)


@pytest.mark.parametrize("state", STATES)
def test_every_step_offered_is_accepted_and_every_other_refused(who, state):
    from duikou import testing
    from duikou.indicators.workflow import WORKFLOW

    rep = STATES[state][0](who)
    users = {**who, "xy_viewer": testing.user("xy_viewer", "信阳市人民政府", "viewer")}
    users["shaanxi"] = testing.user("shaanxi", "陕西省人民政府", "approver")
    testing.assert_steps_agree(WORKFLOW, rep, users, _take)


@pytest.mark.parametrize("state", STATES)
def test_turn_names_who_is_to_act(who, state):
    from duikou import testing
    from duikou.indicators.workflow import WORKFLOW

    build, parties, steps, days = STATES[state]
    rep = build(who)
    # an open report is due on its data set's due date for the period; each review step so many days (a local
    # setting) after the report began waiting for it
    due = timezone.localdate() + datetime.timedelta(days=getattr(settings, days)) if days else None
    if state == "open":
        due = rep.dataset.due_date(rep.period)
    assert testing.turn_of(WORKFLOW, rep) == (parties, steps, due)
