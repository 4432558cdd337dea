"""The case workflow: each transition, who may take it, deadlines and overdue, risk elimination, stale versions."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from duikou import schedules as table
from duikou import testing
from duikou.accounts.models import Organisation
from duikou.core import schedules as schedule_machinery
from duikou.core.actors import Operator
from duikou.core.errors import StaleObjectError
from duikou.geo.models import Region
from duikou.monitoring import queries, services, workflow
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, Household, Threshold

pytestmark = pytest.mark.django_db
S = Alert.Status


@pytest.fixture
def cadre():
    return mt.local_user("xiguan", level="village")  # 西关社区


@pytest.fixture
def township():
    return mt.local_user("chunshen", level="township")  # 春申街道


@pytest.fixture
def alert(ruleset, cadre):
    """A household of 西关社区 with a low 2025 income: screened into one alert awaiting verification."""
    home = mt.household(cadre, head_name="王大")
    mt.income(cadre, home, 2025, "8000", persons=2)
    services.screen_households(user=Operator(), ruleset=ruleset)
    return home.alerts.get()


def allowed(user, alert) -> list[str]:
    return [step.name for step in workflow.WORKFLOW.allowed_steps(user, alert)]


def step(user, alert, name, **kwargs):
    alert.refresh_from_db()
    return services.take_step(user=user, alert=alert, step=name, expected_version=alert.version, **kwargs)


def measure(user, alert, **kwargs):
    alert.refresh_from_db()
    fields = {
        "kind": "employment",
        "responsible_unit": services.responsible_units(alert.household).get(name="西关社区居民委员会"),
        "description": "安排乡村公益性岗位",
        "start_date": datetime.date(2026, 3, 1),
    }
    return services.add_measure(user=user, alert=alert, expected_version=alert.version, **{**fields, **kwargs})


def test_levels_come_from_the_region_prefix(cadre, township):
    assert workflow.user_level(cadre) == workflow.Level.VILLAGE
    assert workflow.user_level(township) == workflow.Level.TOWNSHIP
    assert workflow.user_level(testing.user("xy", "信阳市人民政府")) == workflow.Level.PREFECTURE
    assert workflow.user_level(Operator()) == workflow.Level.NATIONAL


def test_a_new_alert_awaits_verification_within_the_rule_sets_response_days(alert, ruleset):
    assert alert.status == S.VERIFYING
    days = int(ruleset.thresholds.get(key=Threshold.Key.RESPONSE_DAYS).value)
    assert alert.deadline == timezone.localdate() + datetime.timedelta(days=days)


def test_verification_period_is_a_setting_with_a_default_of_15_days(settings):
    assert settings.DUIKOU_MONITORING_VERIFY_DAYS == 15
    settings.DUIKOU_MONITORING_VERIFY_DAYS = 20
    fresh = services.create_ruleset(user=Operator(), province=Region.objects.get(code="410000"), year=2024)
    threshold = fresh.thresholds.get(key=Threshold.Key.RESPONSE_DAYS)
    assert threshold.value == 20 and not threshold.official and "配置值" in threshold.source
    assert workflow.verify_days(fresh) == 20


def test_village_cadre_verifies_and_records_the_checks(alert, cadre, settings):
    checks = {c: True for c in Household.CHECKS} | {"housing_ok": False}
    alert = step(cadre, alert, "verify", note="入户核实：房屋漏雨", checks=checks)
    assert alert.status == S.DECIDING
    assert alert.deadline == timezone.localdate() + datetime.timedelta(days=settings.DUIKOU_MONITORING_DECIDE_DAYS)
    assert Household.objects.get(pk=alert.household_id).housing_ok is False
    taken = alert.steps.get()
    assert (taken.step, taken.from_status, taken.to_status, taken.actor) == ("verify", S.VERIFYING, S.DECIDING, cadre)
    assert "西关社区" in taken.actor_name and taken.note == "入户核实：房屋漏雨" and not taken.late


def test_verification_needs_a_note(alert, cadre):
    with pytest.raises(ValidationError, match="核实情况"):
        step(cadre, alert, "verify", note=" ")


def test_village_cadre_cannot_include_but_township_can(alert, cadre, township, settings):
    step(cadre, alert, "verify", note="属实")
    with pytest.raises(PermissionDenied, match="乡镇级及以上"):
        step(cadre, alert, "include", category="marginal")
    alert = step(township, alert, "include", category="marginal")
    assert alert.status == S.MONITORED and alert.category == "marginal"
    assert Household.objects.get(pk=alert.household_id).category == "marginal"
    assert alert.deadline == timezone.localdate() + datetime.timedelta(days=settings.DUIKOU_MONITORING_ASSIST_DAYS)


def test_inclusion_needs_a_category(alert, cadre, township):
    step(cadre, alert, "verify", note="属实")
    with pytest.raises(ValidationError, match="监测类别"):
        step(township, alert, "include")


def test_dismissal_needs_a_reason_and_closes_the_case(alert, cadre, township, ruleset):
    step(cadre, alert, "verify", note="收入漏报，实际收入较高")
    with pytest.raises(ValidationError, match="排除理由"):
        step(township, alert, "dismiss")
    alert = step(township, alert, "dismiss", note="经核实家庭有稳定务工收入")
    assert (alert.status, alert.outcome, alert.deadline) == (S.CLOSED, Alert.Outcome.DISMISSED, None)
    # closed: the next screening may open a new case for the household
    assert services.screen_households(user=Operator(), ruleset=ruleset).alerts_created == 1


def test_return_sends_the_case_back_to_verification(alert, cadre, township):
    step(cadre, alert, "verify", note="属实")
    alert = step(township, alert, "return", note="请补充收入证明")
    assert alert.status == S.VERIFYING and alert.deadline > timezone.localdate()
    assert list(alert.steps.values_list("step", flat=True)) == ["verify", "return"]


def test_a_step_in_the_wrong_status_is_refused(alert, township):
    with pytest.raises(ValidationError, match="待核实"):
        step(township, alert, "include", category="marginal")


def test_stale_version_is_refused_and_nothing_changes(alert, cadre):
    stale = alert.version
    step(cadre, alert, "verify", note="属实")
    alert.refresh_from_db()
    with pytest.raises(StaleObjectError):
        services.take_step(user=cadre, alert=alert, step="include", expected_version=stale, category="marginal")
    alert.refresh_from_db()
    assert alert.status == S.DECIDING and alert.steps.count() == 1


def test_viewers_and_other_areas_cannot_take_steps(alert):
    viewer = mt.local_user("xiguan_viewer", level="village", role="viewer")
    with pytest.raises(PermissionDenied):
        step(viewer, alert, "verify", note="属实")
    yanan = testing.user("yanan_editor", "延安市人民政府", "editor")
    with pytest.raises(PermissionDenied):
        step(yanan, alert, "verify", note="属实")
    assert allowed(viewer, alert) == [] and allowed(yanan, alert) == []


def test_allowed_steps_follow_the_table(alert, cadre, township):
    city = testing.user("xy_editor", "信阳市人民政府", "editor")
    assert allowed(cadre, alert) == ["verify"]
    step(cadre, alert, "verify", note="属实")
    alert.refresh_from_db()
    assert allowed(cadre, alert) == []
    assert allowed(township, alert) == ["include", "dismiss", "return"]
    assert allowed(city, alert) == ["include", "dismiss", "return"]
    step(township, alert, "include", category="sudden")
    alert.refresh_from_db()
    assert allowed(cadre, alert) == ["assist", "propose_elimination", "recheck"]


def test_a_measure_needs_a_unit_answering_for_the_household(alert, cadre, township):
    step(cadre, alert, "verify", note="属实")
    step(township, alert, "include", category="marginal")
    elsewhere = Organisation.objects.get(name="延安市人民政府")
    with pytest.raises(ValidationError) as refused:
        measure(cadre, alert, responsible_unit=elsewhere, description="")
    assert set(refused.value.message_dict) == {"responsible_unit", "description"}


def test_the_first_measure_meets_the_assistance_deadline(alert, cadre, township):
    step(cadre, alert, "verify", note="属实")
    step(township, alert, "include", category="marginal")
    recorded = measure(cadre, alert)
    alert.refresh_from_db()
    assert alert.deadline is None and alert.status == S.MONITORED
    assert recorded.responsible_unit.name == "西关社区居民委员会" and recorded.basis()[0][0] == "ssw-2021-xczx/2/1"
    assert alert.steps.last().step == "assist"


def test_measures_only_while_monitored(alert, cadre):
    with pytest.raises(ValidationError, match="不能办理「登记帮扶措施」"):
        measure(cadre, alert)


def monitored(alert, cadre, township):
    step(cadre, alert, "verify", note="属实")
    step(township, alert, "include", category="marginal")
    measure(cadre, alert)
    alert.refresh_from_db()
    return alert


def test_risk_elimination_is_refused_until_the_criteria_hold(alert, cadre, township):
    alert = monitored(alert, cadre, township)
    with pytest.raises(services.EliminationRefused) as refused:
        step(cadre, alert, "propose_elimination")
    text = " ".join(refused.value.messages)
    assert "2024 年收支记录" in text
    assert "2025 年人均纯收入 4000.00 元，未高于监测范围上限 10500 元（监测收入标准 7000 元上浮 50%）" in text
    mt.income(cadre, alert.household, 2026, "21000.02", persons=2)  # 10500.01 per person: above the line's margin
    with pytest.raises(services.EliminationRefused, match="2025 年人均纯收入"):
        step(cadre, alert, "propose_elimination")  # 2025 is still in the last two years
    mt.income(cadre, alert.household, 2027, "30000", persons=2)
    alert = step(cadre, alert, "propose_elimination", note="务工收入稳定")
    assert alert.status == S.ELIMINATING
    assert all(c.ok for c in services.elimination_criteria(alert))


def test_income_exactly_at_the_line_with_its_margin_is_not_above_it(alert, cadre, township):
    alert = monitored(alert, cadre, township)
    mt.income(cadre, alert.household, 2026, "21000", persons=2)
    mt.income(cadre, alert.household, 2027, "21000.02", persons=2)
    refused = [c.text for c in services.elimination_criteria(alert) if not c.ok]
    assert refused == ["2026 年人均纯收入 10500.00 元，未高于监测范围上限 10500 元（监测收入标准 7000 元上浮 50%）"]


def test_income_above_the_bare_line_but_within_its_margin_keeps_the_household_monitored(alert, cadre, township):
    """The line that brings a household into monitoring is the one it must leave by: 7,320 yuan a person is above
    the bare 7,000 but within the 50 % margin (10,500) that made the case."""
    alert = monitored(alert, cadre, township)
    mt.income(cadre, alert.household, 2026, "14640", persons=2)
    mt.income(cadre, alert.household, 2027, "14640", persons=2)
    refused = [c.text for c in services.elimination_criteria(alert) if not c.ok]
    assert refused == [
        f"{year} 年人均纯收入 7320.00 元，未高于监测范围上限 10500 元（监测收入标准 7000 元上浮 50%）"
        for year in (2026, 2027)
    ]


def test_the_stable_period_is_the_rule_sets_setting(alert, cadre, township, ruleset):
    alert = monitored(alert, cadre, township)
    Threshold.objects.filter(ruleset=ruleset, key=Threshold.Key.STABLE_YEARS).update(value=1)
    mt.income(cadre, alert.household, 2026, "22000", persons=2)
    assert all(c.ok for c in services.elimination_criteria(alert))


def test_a_failed_check_refuses_elimination_until_rechecked(alert, cadre, township):
    alert = monitored(alert, cadre, township)
    Household.objects.filter(pk=alert.household_id).update(water_ok=False)
    for year in (2026, 2027):
        mt.income(cadre, alert.household, year, "22000", persons=2)
    alert = Alert.objects.get(pk=alert.pk)
    with pytest.raises(services.EliminationRefused, match="饮水安全有保障"):
        step(cadre, alert, "propose_elimination")
    step(cadre, alert, "recheck", checks={c: True for c in Household.CHECKS}, note="已通自来水")
    assert step(cadre, alert, "propose_elimination").status == S.ELIMINATING


def test_township_confirms_elimination_and_the_household_leaves_monitoring(alert, cadre, township):
    alert = monitored(alert, cadre, township)
    for year in (2026, 2027):
        mt.income(cadre, alert.household, year, "22000", persons=2)
    step(cadre, alert, "propose_elimination")
    with pytest.raises(PermissionDenied):
        step(cadre, alert, "eliminate")
    alert = step(township, alert, "eliminate", note="审定同意")
    assert (alert.status, alert.outcome, alert.deadline) == (S.CLOSED, Alert.Outcome.ELIMINATED, None)
    assert alert.category == "marginal"  # the case keeps what it was
    assert Household.objects.get(pk=alert.household_id).category == ""


def test_township_may_return_an_elimination(alert, cadre, township):
    alert = monitored(alert, cadre, township)
    for year in (2026, 2027):
        mt.income(cadre, alert.household, year, "22000", persons=2)
    step(cadre, alert, "propose_elimination")
    with pytest.raises(ValidationError, match="退回理由"):
        step(township, alert, "reject_elimination")
    assert step(township, alert, "reject_elimination", note="收入证明不全").status == S.MONITORED


def test_every_step_is_in_the_audit_history_with_its_actor(alert, cadre, township):
    step(cadre, alert, "verify", note="属实")
    step(township, alert, "include", category="marginal")
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Alert), object_pk=str(alert.pk), action=LogEntry.Action.UPDATE
    ).order_by("timestamp")
    assert [(e.actor, e.changes_dict["status"]) for e in entries] == [
        (cadre, ["verifying", "deciding"]),
        (township, ["deciding", "monitored"]),
    ]
    assert LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(AlertStep), actor=cadre).exists()
    household_entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Household), actor=township, action=LogEntry.Action.UPDATE
    ).get()
    assert household_entry.changes_dict["category"] == ["", "marginal"]


def test_overdue_steps_are_flagged(alert, cadre):
    assert not alert.overdue and not queries.alerts_for(cadre, overdue=True).exists()
    Alert.objects.filter(pk=alert.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    alert.refresh_from_db()
    assert alert.overdue and list(queries.alerts_for(cadre, overdue=True)) == [alert]
    alert = step(cadre, alert, "verify", note="属实")
    assert alert.steps.get().late
    assert not queries.alerts_for(cadre, overdue=True).exists()


def test_a_closed_case_is_never_overdue(alert, cadre, township):
    step(cadre, alert, "verify", note="属实")
    step(township, alert, "dismiss", note="不属实")
    Alert.objects.filter(pk=alert.pk).update(deadline=datetime.date(2020, 1, 1))
    assert not Alert.objects.get(pk=alert.pk).overdue and not queries.alerts_for(cadre, overdue=True).exists()


def test_the_open_filter_covers_every_status_but_closed(alert, cadre, township):
    step(cadre, alert, "verify", note="属实")
    assert list(queries.alerts_for(cadre, status=queries.OPEN)) == [alert]
    step(township, alert, "dismiss", note="不属实")
    assert not queries.alerts_for(cadre, status=queries.OPEN).exists()


def test_at_most_one_open_case_per_household_whatever_its_status(alert, cadre):
    step(cadre, alert, "verify", note="属实")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(household=alert.household, run=alert.run, status=S.MONITORED)


# ---- the table: every step for every persona, and whose turn it is -------------------------------------------

CHECKS = {c: True for c in Household.CHECKS}
INPUT = {"verify": {"checks": CHECKS}, "include": {"category": "marginal"}, "recheck": {"checks": CHECKS}}


def _take(name, user, alert):
    if name == "assist":
        return measure(user, alert)
    return services.take_step(
        user=user, alert=alert, step=name, expected_version=alert.version, note="办理说明", **INPUT.get(name, {})
    )


def _deciding(alert, cadre, township):
    return step(cadre, alert, "verify", note="属实")


def _unassisted(alert, cadre, township):
    step(cadre, alert, "verify", note="属实")
    return step(township, alert, "include", category="marginal")


def _ready(alert, cadre, township):
    """Monitored, with a measure and the last two years' income above the line: risk elimination may be proposed."""
    alert = monitored(alert, cadre, township)
    for year in (2026, 2027):
        mt.income(cadre, alert.household, year, "22000", persons=2)
    return Alert.objects.get(pk=alert.pk)


def _closed(alert, cadre, township):
    return step(township, _deciding(alert, cadre, township), "dismiss", note="不属实")


VILLAGE, TOWNSHIP = ["西关社区居民委员会"], ["春申街道"]
CARE = ["assist", "propose_elimination", "recheck"]
# state → how to reach it (with what risk elimination needs: only the table refuses), whose turn it then is (parties,
# steps) and the setting its due date is counted by (VERIFY: the rule set's response days)
STATES = {
    "verifying": (lambda alert, cadre, township: alert, VILLAGE, ["verify"], "VERIFY"),
    "deciding": (_deciding, TOWNSHIP, ["include", "dismiss", "return"], "DUIKOU_MONITORING_DECIDE_DAYS"),
    "monitored": (_ready, VILLAGE, CARE, None),
    "eliminating": (
        lambda alert, cadre, township: step(cadre, _ready(alert, cadre, township), "propose_elimination"),
        TOWNSHIP,
        ["eliminate", "reject_elimination"],
        "DUIKOU_MONITORING_DECIDE_DAYS",
    ),
    "closed": (_closed, [], [], None),
}


@pytest.mark.parametrize("state", STATES)
def test_every_step_offered_is_accepted_and_every_other_refused(alert, cadre, township, state):
    case = STATES[state][0](alert, cadre, township)
    users = {
        "village": cadre,
        "township": township,
        "county": testing.user("huangchuan", testing.county_org("411526"), "editor"),
        "city": testing.user("xy_editor", "信阳市人民政府", "editor"),
        "village viewer": mt.local_user("xiguan_viewer", level="village", role="viewer"),
        "elsewhere": testing.user("yanan_editor", "延安市人民政府", "editor"),
    }
    testing.assert_steps_agree(workflow.WORKFLOW, case, users, _take)


@pytest.mark.parametrize("state", [*STATES, "monitored, no measure yet"])
def test_turn_names_who_is_to_act_and_by_when(alert, cadre, township, state, settings):
    build, parties, steps, days = STATES.get(state) or (_unassisted, VILLAGE, CARE, "DUIKOU_MONITORING_ASSIST_DAYS")
    case = build(alert, cadre, township)
    if days == "VERIFY":
        days = workflow.verify_days(case.run.ruleset)
    elif days:
        days = getattr(settings, days)
    due = timezone.localdate() + datetime.timedelta(days=days) if days else None
    assert testing.turn_of(workflow.WORKFLOW, case) == (parties, steps, due)


# ---- the daily flag of late steps (schedule "monitoring-overdue") ----


def late(alert, days=1):
    Alert.objects.filter(pk=alert.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=days))
    alert.refresh_from_db()
    return alert


def test_a_late_step_is_flagged_once_with_a_history_line_and_no_new_version(alert, cadre):
    assert services.flag_overdue_cases() == []  # not late yet
    alert = late(alert)
    version = alert.version
    assert services.flag_overdue_cases() == [alert.pk]
    alert.refresh_from_db()
    assert alert.overdue_flagged == timezone.localdate() and alert.version == version
    entry = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Alert), object_pk=str(alert.pk))
    entry = entry.filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor is None and entry.changes_dict["overdue_flagged"] == ["None", str(timezone.localdate())]
    assert services.flag_overdue_cases() == []  # the next day's run does not flag it again
    assert services.flag_overdue_cases(today=timezone.localdate() + datetime.timedelta(days=1)) == []


def test_taking_the_step_clears_the_flag_and_a_later_step_can_be_flagged_again(alert, cadre):
    services.flag_overdue_cases(today=late(alert).deadline + datetime.timedelta(days=1))
    alert = step(cadre, alert, "verify", note="属实")
    assert alert.overdue_flagged is None and not alert.overdue
    alert = late(alert, days=3)
    assert services.flag_overdue_cases() == [alert.pk]


def test_the_case_page_says_since_when_it_is_late(alert, cadre, client):
    services.flag_overdue_cases(today=late(alert).deadline + datetime.timedelta(days=1))
    client.force_login(cadre)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert f"{timezone.localdate():%Y-%m-%d} 起记为逾期" in page


def test_the_daily_schedule_runs_the_flag(alert):
    entry = {s.name: s for s in schedule_machinery.schedules()}["monitoring-overdue"]
    assert entry.function == "duikou.schedules.flag_overdue_cases" and entry.every == "day"
    late(alert)
    assert table.flag_overdue_cases(user=None, progress=lambda *_: None) == {"summary": "新标记逾期案件 1 件"}
    assert Alert.objects.get(pk=alert.pk).overdue_flagged == timezone.localdate()
