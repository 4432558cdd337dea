"""The official procedure of a monitoring case (issue 15): the step table enumerated by role and level, separation
of duties, deadlines in working days across the National Day holiday and its 调休 Saturday, risk elimination judged
on the line that defines monitoring, leads attached to the open case, the 公示 and its objections, and what a check
nobody has made means to the screening engines."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from duikou import testing
from duikou.accounts import scoping
from duikou.core import workdays
from duikou.core.actors import Operator
from duikou.core.models import CalendarDay
from duikou.geo.models import Region
from duikou.monitoring import services, workflow
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, AssistanceMeasure, Household, Objection, Rule

pytestmark = pytest.mark.django_db
S, K, L = Alert.Status, AlertStep.Step, workflow.Level
BOUND = "监测范围上限 10500 元（监测收入标准 7000 元上浮 50%）"
D = datetime.date


@pytest.fixture
def hands():
    return mt.procedure_users()


@pytest.fixture
def case(hands):
    """A 西关社区 household with a case opened by a cadre's visit, awaiting verification (no screening run)."""
    return mt.visited_case(hands)


def take(user, alert, name, **fields):
    alert = Alert.objects.select_related("household").get(pk=alert.pk)
    return services.take_step(user=user, alert=alert, step=name, expected_version=alert.version, **fields)


# ---- the step table enumerated by level and role ---------------------------------------------------------------

MEETING = {"meeting_date": D(2026, 1, 5), "attendees": 9, "opinion": "同意"}
INPUT = {
    K.VERIFY: {"checks": mt.ALL_OK},
    K.RECHECK: {"checks": mt.ALL_OK},
    K.PROPOSE_ELIMINATION: {"checks": mt.ALL_OK},
    K.CONSENT: {"consent_date": D(2026, 1, 4)},
    K.DELIBERATE: {**MEETING, "category": "marginal"},
    K.EL_DELIBERATE: MEETING,
    K.INCLUDE: {"category": "marginal"},
}


def attempt(name: str, user, alert: Alert):
    """Take step ``name`` with valid input, so that only the table (level, role, area, separation) can refuse it."""
    if name == K.ASSIST:
        return services.add_measure(
            user=user,
            alert=alert,
            expected_version=alert.version,
            kind="employment",
            responsible_unit=services.responsible_units(alert.household).first(),
            description="公益性岗位",
            start_date=D(2026, 3, 1),
        )
    if name == K.SAFETY_NET:  # only for a household without labour capacity on social assistance
        Household.objects.filter(pk=alert.household_id).update(labour_capacity=False, social_assistance=True)
        alert = Alert.objects.select_related("household").get(pk=alert.pk)
    return services.take_step(
        user=user, alert=alert, step=name, expected_version=alert.version, note="办理说明", **INPUT.get(name, {})
    )


def state(alert: Alert) -> tuple:
    """Everything a step writes: the case, its steps and measures, the household."""
    a = Alert.objects.get(pk=alert.pk)
    h = Household.objects.get(pk=alert.household_id)
    return (
        a.version,
        a.status,
        a.deadline,
        AlertStep.objects.filter(alert=a).count(),
        AssistanceMeasure.objects.filter(alert=a).count(),
        h.version,
    )


def ended(alert: Alert) -> Alert:
    mt._end_publicity(alert)
    return Alert.objects.get(pk=alert.pk)


# the status each step starts from, and how a fresh case gets there (its 公示 over where a step waits for that)
REACH = {
    S.VERIFYING: lambda a: a,
    S.CONSENTING: lambda a: mt.walk(a, "consenting"),
    S.DELIBERATING: lambda a: mt.walk(a, "deliberating"),
    S.PUBLICISING: lambda a: ended(mt.walk(a, "publicising")),
    S.TOWNSHIP_REVIEW: lambda a: mt.walk(a, "township_review"),
    S.COUNTY_DECISION: lambda a: mt.walk(a, "county_decision"),
    S.MONITORED: mt.ready_for_elimination,
    S.EL_DELIBERATING: lambda a: mt.walk_elimination(mt.ready_for_elimination(a), "el_deliberating"),
    S.EL_PUBLICISING: lambda a: ended(mt.walk_elimination(mt.ready_for_elimination(a), "el_publicising")),
    S.EL_TOWNSHIP: lambda a: mt.walk_elimination(mt.ready_for_elimination(a), "el_township"),
    S.EL_COUNTY: lambda a: mt.walk_elimination(mt.ready_for_elimination(a), "el_county"),
}
LEVELS = {
    "national": L.NATIONAL,
    "province": L.PROVINCE,
    "city": L.PREFECTURE,
    "county": L.COUNTY,
    "township": L.TOWNSHIP,
    "village": L.VILLAGE,
}


def people() -> dict[tuple[str, str, bool], object]:
    """(level, role, in the case's area) → a user of that level and role who has taken no step of any case: every
    role at each level of 西关社区's chain, and a village, township and county elsewhere."""
    out = {}
    for role in scoping.ROLE_ACTIONS:
        out[("national", role, True)] = testing.user(f"n_{role}", "国家发展改革委（振兴司）", role)
        out[("province", role, True)] = testing.user(f"p_{role}", "河南省人民政府", role)
        out[("city", role, True)] = testing.user(f"c_{role}", "信阳市人民政府", role)
        out[("county", role, True)] = testing.user(f"x_{role}", testing.county_org("411526"), role)
        for level in ("township", "village"):
            out[(level, role, True)] = mt.local_user(f"{level[0]}_{role}", level=level, role=role)
    for level in ("county", "township", "village"):  # 略阳县 (another province) and 浉河区 (another 信阳 county)
        out[(level, "editor", False)] = mt.local_user(f"ly_{level}", "lueyang", level=level)
    out[("county", "approver", False)] = testing.user("shihe", testing.county_org("411502"), "approver")
    return out


@pytest.mark.parametrize("status", list(REACH))
def test_each_step_is_refused_to_every_level_and_role_but_its_own(case, status):
    """For every step starting from ``status``, every level (national to village) and every role: accepted exactly
    when the user's level is the step's and the user may change data in the case's area; any other attempt is
    refused with PermissionDenied and writes nothing."""
    alert = REACH[status](case)
    assert alert.status == status
    steps = [s for s in workflow.WORKFLOW if s.starts_from(status)]
    assert steps
    wrong, everyone = [], people()
    for step in steps:
        for (level, role, inside), user in everyone.items():
            expected = (
                inside and scoping.Action.CHANGE in scoping.ROLE_ACTIONS[role] and LEVELS[level] in step.who.levels
            )
            before = state(alert)
            savepoint = transaction.savepoint()
            try:
                attempt(step.name, user, Alert.objects.select_related("household").get(pk=alert.pk))
                refusal = None
            except (PermissionDenied, ValidationError) as exc:
                refusal = exc
            after = state(alert)
            transaction.savepoint_rollback(savepoint)
            who = f"{step.name} × {level} {role}{'' if inside else ' elsewhere'}"
            if expected and refusal is not None:
                wrong.append(f"{who}: refused ({type(refusal).__name__}: {refusal})")
            elif not expected and refusal is None:
                wrong.append(f"{who}: accepted")
            elif not expected and not isinstance(refusal, PermissionDenied):
                wrong.append(f"{who}: refused with {type(refusal).__name__} ({refusal}), not PermissionDenied")
            elif not expected and after != before:
                wrong.append(f"{who}: refused but changed {before} → {after}")
            elif expected and after == before:
                wrong.append(f"{who}: accepted but wrote nothing")
    assert not wrong, "\n".join(wrong)


def test_every_step_has_exactly_one_level_and_the_village_decides_nothing():
    decisions = {K.TOWNSHIP_DISMISS, K.INCLUDE, K.DISMISS, K.SAFETY_NET, K.ELIMINATE}
    for step in workflow.WORKFLOW:
        if step.name in (K.ASSIST, K.RECHECK):  # work recorded by the village or the township, no status moved
            assert step.who.levels == (L.VILLAGE, L.TOWNSHIP) and not step.who.moves
            continue
        assert len(step.who.levels) == 1, step.name
        if step.name in decisions or step.target in (S.MONITORED, S.CLOSED, S.SAFETY_NET, S.COUNTY_DECISION):
            assert L.VILLAGE not in step.who.levels, step.name


def test_the_village_never_decides(case, hands):
    village = mt.local_user("xiguan3", level="village")  # a cadre who has taken no step of the case
    alert = mt.walk(case, "county_decision")
    for name, fields in ((K.INCLUDE, {"category": "marginal"}), (K.DISMISS, {"note": "不属实"})):
        with pytest.raises(PermissionDenied, match=f"「{K(name).label}」只能由县级用户办理"):
            take(village, alert, name, **fields)
    alert = take(hands["county"], alert, K.COUNTY_RETURN, note="请乡镇补充审核")
    for name in (K.TOWNSHIP_APPROVE, K.TOWNSHIP_DISMISS):
        with pytest.raises(PermissionDenied, match=f"「{K(name).label}」只能由乡镇级用户办理"):
            take(village, alert, name, note="同意")
    alert = mt.walk_elimination(
        mt.ready_for_elimination(take(hands["township"], alert, K.TOWNSHIP_APPROVE)), "el_county"
    )
    with pytest.raises(PermissionDenied, match="「县级确认风险消除并公告」只能由县级用户办理"):
        take(village, alert, K.ELIMINATE, note="同意")
    assert Alert.objects.get(pk=alert.pk).status == S.EL_COUNTY


def test_a_county_user_cannot_verify(case, hands):
    with pytest.raises(PermissionDenied, match="「入户核实」只能由村级用户办理"):
        take(hands["county"], case, K.VERIFY, checks=mt.ALL_OK, note="属实")
    assert state(case)[1:4] == (S.VERIFYING, case.deadline, 1)  # only the visit's lead


# ---- separation of duties ------------------------------------------------------------------------------------


def test_one_user_cannot_take_two_consecutive_steps_but_a_later_one(case, hands):
    village, village2 = hands["village"], hands["village2"]
    take(village, case, K.VERIFY, checks=mt.ALL_OK, note="属实")
    with pytest.raises(PermissionDenied) as refused:
        take(village, case, K.CONSENT, consent_date=D(2026, 1, 4))
    assert str(refused.value.args[0]) == (
        "「记录承诺授权」须由另一名村级用户办理：上一步是您办理的，同一人不能连续办理两个步骤"
    )
    assert Alert.objects.get(pk=case.pk).status == S.CONSENTING
    take(village2, case, K.CONSENT, consent_date=D(2026, 1, 4))
    # the step after the next is the first cadre's again
    assert take(village, case, K.DELIBERATE, **MEETING, category="marginal").status == S.PUBLICISING


def test_work_recorded_between_steps_does_not_make_the_next_step_someone_elses(case, hands):
    """A measure or a recheck records work without moving the case: the separation looks at the last step that
    moved it."""
    alert = mt.walk(case, "monitored")  # the county included it
    services.add_measure(
        user=hands["township"],
        alert=alert,
        expected_version=alert.version,
        kind="employment",
        responsible_unit=services.responsible_units(alert.household).first(),
        description="公益性岗位",
        start_date=D(2026, 3, 1),
    )
    take(hands["township"], alert, K.RECHECK, checks={"water_ok": True})
    assert workflow.last_actor_id(Alert.objects.get(pk=alert.pk)) == hands["county"].pk
    mt.stable_months(hands["village"], alert.household, "2000")
    assert take(hands["village"], alert, K.PROPOSE_ELIMINATION, checks=mt.ALL_OK).status == S.EL_DELIBERATING


# ---- working days: the National Day holiday and its 调休 Saturday ------------------------------------------------


def national_day_ruleset():
    return services.create_ruleset(
        user=Operator(),
        province=Region.objects.get(code="410000"),
        year=2026,
        thresholds={"response_days": {"value": 5, "source": "测试：入户核实 5 个工作日"}},
    )


def test_the_calendar_holds_the_2026_national_day_schedule():
    rows = dict(
        CalendarDay.objects.filter(province="", day__range=(D(2026, 9, 30), D(2026, 10, 12))).values_list("day", "kind")
    )
    assert {D(2026, 10, d) for d in range(1, 8)} == {day for day, kind in rows.items() if kind == "off"}
    assert [day for day, kind in rows.items() if kind == "workday"] == [D(2026, 10, 10)]  # a Saturday
    assert D(2026, 10, 10).weekday() == 5


def test_a_case_opened_before_national_day_is_due_in_working_days(hands):
    """Opened Wednesday 2026-09-30 with 5 working days to verify: 10-01 to 10-07 are the holiday, 10-08 and 10-09
    count, Saturday 10-10 is worked (调休) and counts, then Monday 10-12 and Tuesday 10-13: due 2026-10-13 (Monday to
    Friday alone would give 10-07, in the middle of the holiday)."""
    ruleset = national_day_ruleset()
    home = mt.household(hands["county"], number="GQ")
    alert, opened = services.open_case(household=home, channel="hotline", user=hands["township"], today=D(2026, 9, 30))
    assert opened and alert.ruleset == ruleset
    assert alert.deadline == D(2026, 10, 13)
    # overdue counts from the due date: not on the 13th, from the 14th
    assert services.flag_overdue_cases(today=D(2026, 10, 13)) == []
    assert services.flag_overdue_cases(today=D(2026, 10, 14)) == [alert.pk]
    # the whole identification: 15 working days from the day the case was opened
    Alert.objects.filter(pk=alert.pk).update(
        created=datetime.datetime(2026, 9, 30, 10, tzinfo=timezone.get_current_timezone())
    )
    alert = take(hands["village"], alert, K.VERIFY, checks=mt.ALL_OK, note="属实", today=D(2026, 10, 10))
    assert alert.deadline == workflow.identification_due(alert) == D(2026, 10, 27)


def test_the_publicity_runs_in_calendar_days_and_the_report_is_due_the_next_working_day(hands):
    """A 公示 of 5 calendar days from Tuesday 2026-09-29 ends Saturday 10-03, inside the holiday; the village reports
    to the township the next working day, Thursday 10-08; reporting on 10-03 is refused with the end date."""
    national_day_ruleset()
    home = mt.household(hands["county"], number="GS")
    alert, _opened = services.open_case(household=home, channel="visit", user=hands["village"], today=D(2026, 9, 28))
    alert = mt.walk(alert, "deliberating")
    alert = take(hands["village"], alert, K.DELIBERATE, **MEETING, category="sudden", today=D(2026, 9, 29))
    assert (alert.publicity_start, alert.publicity_end, alert.deadline) == (
        D(2026, 9, 29),
        D(2026, 10, 3),
        D(2026, 10, 8),
    )
    with pytest.raises(ValidationError, match="公示期至 2026-10-03，期满后方可上报"):
        take(hands["village2"], alert, K.SUBMIT, today=D(2026, 10, 3))
    assert take(hands["village2"], alert, K.SUBMIT, today=D(2026, 10, 8)).status == S.TOWNSHIP_REVIEW


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the 调休 Saturday is the third working day
        (D(2026, 10, 9), 1, D(2026, 10, 10)),
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Sunday 2026-09-20 is worked as well
        (D(2025, 9, 26), 1, D(2025, 9, 28)),  # 2025: Sunday 09-28 and Saturday 10-11 were worked
        (D(2025, 9, 30), 3, D(2025, 10, 11)),
        (D(2025, 10, 10), 2, D(2025, 10, 13)),
    ],
)
def test_working_days_count_the_weekend_days_worked_and_skip_the_holiday(start, days, due):
    assert workdays.add_working_days(start, days, "41").day == due


# ---- risk elimination ------------------------------------------------------------------------------------------


def test_elimination_is_refused_while_income_is_below_the_line_with_its_margin(case, hands):
    alert = mt.to_monitored(case, measure="公益性岗位")
    mt.stable_months(hands["village"], alert.household, "1500")  # 9000 a person a year: above 7000, below 10500
    with pytest.raises(services.EliminationRefused) as refused:
        take(hands["village"], alert, K.PROPOSE_ELIMINATION, checks=mt.ALL_OK)
    text = str(refused.value)
    assert text.startswith("不满足风险消除条件：")
    assert f"人均纯收入（按年折算）9000.00 元，未高于{BOUND}" in text
    assert Alert.objects.get(pk=alert.pk).status == S.MONITORED


def test_elimination_is_refused_while_a_check_is_unknown(case, hands):
    alert = mt.ready_for_elimination(case)
    with pytest.raises(ValidationError, match="请逐项核实并填写：饮水安全有保障"):
        take(hands["village"], alert, K.PROPOSE_ELIMINATION, checks=dict(mt.ALL_OK, water_ok=None))
    alert = mt.walk_elimination(alert, "el_county")
    # a check that has become unknown since (the registry corrected) stops the county's confirmation
    Household.objects.filter(pk=alert.household_id).update(water_ok=None)
    with pytest.raises(services.EliminationRefused, match="尚未核实：饮水安全有保障"):
        take(hands["county"], alert, K.ELIMINATE, note="同意")
    assert Alert.objects.get(pk=alert.pk).status == S.EL_COUNTY


def test_a_household_without_labour_capacity_on_social_assistance_goes_under_the_safety_net(case, hands):
    alert = mt.ready_for_elimination(case)
    Household.objects.filter(pk=alert.household_id).update(labour_capacity=False, social_assistance=True)
    with pytest.raises(services.EliminationRefused, match="不标注风险消除，转入兜底保障"):
        take(hands["village"], alert, K.PROPOSE_ELIMINATION, checks=mt.ALL_OK)
    county2 = mt.local_user("huangchuan2", level="county")  # the county official who included it takes no next step
    with pytest.raises(PermissionDenied, match="另一名县级用户"):
        take(hands["county"], alert, K.SAFETY_NET, note="低保兜底")
    with pytest.raises(ValidationError, match="兜底保障的依据"):
        take(county2, alert, K.SAFETY_NET)
    alert = take(county2, alert, K.SAFETY_NET, note="享受农村低保，无劳动能力")
    assert alert.status == S.SAFETY_NET and alert.outcome == ""


def test_a_household_with_labour_capacity_is_not_put_under_the_safety_net(case, hands):
    alert = mt.ready_for_elimination(case)
    with pytest.raises(ValidationError, match="只有无劳动能力且享受低保或特困供养的户才能转入兜底保障"):
        take(mt.local_user("huangchuan2", level="county"), alert, K.SAFETY_NET, note="兜底")


def test_the_full_elimination_procedure_each_step_by_its_own_hand(case, hands):
    alert = mt.ready_for_elimination(case)
    village, village2, township, county = (hands[k] for k in ("village", "village2", "township", "county"))
    alert = take(village, alert, K.PROPOSE_ELIMINATION, checks=mt.ALL_OK, note="务工收入稳定")
    assert alert.status == S.EL_DELIBERATING
    alert = take(village2, alert, K.EL_DELIBERATE, **MEETING)
    assert alert.status == S.EL_PUBLICISING and alert.publicity_start == timezone.localdate()
    with pytest.raises(ValidationError, match=f"公示期至 {alert.publicity_end:%Y-%m-%d}，期满后方可上报"):
        take(village, alert, K.EL_SUBMIT)
    alert = take(village, ended(alert), K.EL_SUBMIT)
    assert alert.status == S.EL_TOWNSHIP
    with pytest.raises(PermissionDenied, match="只能由乡镇级用户办理"):
        take(county, alert, K.EL_TOWNSHIP_APPROVE)
    alert = take(township, alert, K.EL_TOWNSHIP_APPROVE, note="审核同意")
    assert alert.status == S.EL_COUNTY
    alert = take(county, alert, K.ELIMINATE, note="审定同意")
    assert (alert.status, alert.outcome) == (S.CLOSED, Alert.Outcome.ELIMINATED)
    assert alert.announce_start == timezone.localdate()
    actors = list(alert.steps.exclude(step__in=[K.LEAD, K.ASSIST]).values_list("step", "actor__username"))
    assert actors[-5:] == [
        ("propose_elimination", village.username),
        ("el_deliberate", village2.username),
        ("el_submit", village.username),
        ("el_township_approve", township.username),
        ("eliminate", county.username),
    ]
    assert Household.objects.get(pk=alert.household_id).category == ""


# ---- leads: one open case per household ------------------------------------------------------------------------


def test_a_declaration_or_visit_for_a_household_with_an_open_case_is_a_lead_of_that_case(case, hands):
    home = case.household
    services.add_member(
        user=hands["county"], household=home, name="刘大", id_number=mt.id_number(51), phone="13900000051"
    )
    declaration = services.declare(
        village=home.village,
        head_name="刘大",
        id_number=mt.id_number(51),
        phone="13900000051",
        difficulty="illness",
        consent=True,
        channel="hotline",
        user=hands["township"],
    )
    visit = services.record_visit(
        user=hands["village2"],
        household=home,
        date=timezone.localdate(),
        situation="再次走访",
        risk="illness",
        raise_case=True,
    )
    assert declaration.case == visit.case == case
    assert Alert.objects.filter(household=home).count() == 1
    leads = list(case.steps.filter(step=K.LEAD).values_list("note", flat=True))
    assert len(leads) == 3 and leads[1].startswith("农户自主申报（12317 热线）") and leads[2].startswith("基层干部排查")
    assert Alert.objects.get(pk=case.pk).version == case.version  # a lead does not move the case nor stale its forms


# ---- the 公示 and its objections --------------------------------------------------------------------------------


def test_submit_with_an_unanswered_objection_is_refused(case, hands):
    alert = mt.walk(case, "publicising")
    objection = services.lodge_objection(case=alert, kind="objection", subject="", text="该户有车有房")
    assert objection.subject == Objection.Subject.INCLUSION and objection.online
    alert = ended(alert)
    with pytest.raises(ValidationError, match="公示期间的 1 件异议尚未答复，答复后方可上报"):
        take(hands["village2"], alert, K.SUBMIT)
    services.answer_objection(
        user=hands["township"], objection=objection, answer="经核实车辆为营运用车", expected_version=objection.version
    )
    assert take(hands["village2"], alert, K.SUBMIT).status == S.TOWNSHIP_REVIEW


def test_an_objection_is_lodged_only_during_the_publicity(case, hands):
    with pytest.raises(ValidationError, match="该户不在公示期内，不能提出公示异议"):
        services.lodge_objection(case=case, kind="objection", subject="", text="异议")
    alert = mt.walk(case, "publicising")
    after_end = alert.publicity_end + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="该户不在公示期内"):
        services.lodge_objection(case=alert, kind="objection", subject="", text="异议", today=after_end)
    services.lodge_objection(case=alert, kind="objection", subject="", text="异议", today=alert.publicity_end)
    # staff record one for a villager: the county or the township, never the village nor the city
    for user in (hands["village"], testing.user("xy_ed", "信阳市人民政府")):
        with pytest.raises(PermissionDenied):
            services.lodge_objection(case=alert, kind="objection", subject="", text="代录", user=user)
    recorded = services.lodge_objection(case=alert, kind="objection", subject="", text="代录", user=hands["township"])
    assert not recorded.online and alert.objections.count() == 2


def test_appeals_only_against_a_decision(case, hands):
    with pytest.raises(ValidationError, match="该户当前为「待入户核实」，不能就「纳入监测」申诉"):
        services.lodge_objection(case=case, kind="appeal", subject="inclusion", text="不服")
    alert = mt.walk(case, "monitored")
    with pytest.raises(ValidationError, match="不能就「不予纳入」申诉"):
        services.lodge_objection(case=alert, kind="appeal", subject="dismissal", text="不服")
    appeal = services.lodge_objection(case=alert, kind="appeal", subject="category", text="应为突发严重困难户")
    assert appeal.kind == Objection.Kind.APPEAL and appeal.subject == "category"
    with pytest.raises(ValidationError, match="请选择申诉的事项"):
        services.lodge_objection(case=alert, kind="appeal", subject="nothing", text="不服")


def test_a_dismissed_household_may_appeal_the_dismissal(case, hands):
    alert = take(hands["county"], mt.walk(case, "county_decision"), K.DISMISS, note="收入超标")
    appeal = services.lodge_objection(case=alert, kind="appeal", subject="dismissal", text="收入计算有误")
    assert appeal.case == alert and appeal.status == Objection.Status.OPEN


def test_an_objection_is_answered_by_the_township_and_escalates_to_the_county_when_late(case, hands):
    alert = mt.walk(case, "publicising")
    today = alert.publicity_start
    objection = services.lodge_objection(case=alert, kind="objection", subject="", text="异议", today=today)
    assert objection.due == workdays.add_working_days(today, 5, "41").day
    assert not services.may_answer(hands["village"], objection) and services.may_answer(hands["township"], objection)
    with pytest.raises(PermissionDenied, match="异议由乡镇或县级答复"):
        services.answer_objection(user=hands["village"], objection=objection, answer="答", expected_version=1)
    assert services.escalate_overdue_objections(today=objection.due) == []
    assert services.escalate_overdue_objections(today=objection.due + datetime.timedelta(days=1)) == [objection.pk]
    assert services.escalate_overdue_objections(today=objection.due + datetime.timedelta(days=2)) == []  # once
    objection.refresh_from_db()
    assert objection.escalated == objection.due + datetime.timedelta(days=1)
    assert not services.may_answer(hands["township"], objection) and services.may_answer(hands["county"], objection)
    with pytest.raises(PermissionDenied, match="逾期未答复的异议已上报县级，由县级答复"):
        services.answer_objection(
            user=hands["township"], objection=objection, answer="答复", expected_version=objection.version
        )
    answered = services.answer_objection(
        user=hands["county"], objection=objection, answer="县级答复：维持", expected_version=objection.version
    )
    assert (answered.status, answered.answered_by) == (Objection.Status.ANSWERED, hands["county"])
    with pytest.raises(ValidationError, match="该异议已答复"):
        services.answer_objection(user=hands["county"], objection=answered, answer="再答", expected_version=2)


def test_the_case_page_offers_the_answer_form_to_the_township_only(case, hands, client):
    alert = mt.walk(case, "publicising")
    objection = services.lodge_objection(case=alert, kind="objection", subject="", text="该户有车")
    for hand, shown in (("village", False), ("township", True), ("county", True)):
        client.force_login(hands[hand])
        page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
        assert "该户有车" in page and (f'id="answer-{objection.pk}"' in page) == shown, hand
    client.force_login(hands["township"])
    response = client.post(
        f"/monitoring/objections/{objection.pk}/answer/", {"answer": "经核实属实", "version": objection.version}
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.answer == "经核实属实" and objection.answered_by == hands["township"]


# ---- CHECK_FAILED: a check nobody made never fires, on every engine ---------------------------------------------

# (number, checks): every household has an income well above the line, so only the checks can make it fire
CHECK_HOMES = [
    ("unknown", {}),
    ("all-ok", mt.ALL_OK),
    ("one-failed", dict(mt.ALL_OK, housing_ok=False)),
    ("unknown-and-failed", {"water_ok": False}),
    ("unknown-and-ok", {"water_ok": True, "medical_ok": True}),
    ("all-failed", dict.fromkeys(Household.CHECKS, False)),
]
FIRES = {
    "one-failed": ["housing_ok"],
    "unknown-and-failed": ["water_ok"],
    "all-failed": list(Household.CHECKS),
}


def check_homes(editor):
    for number, checks in CHECK_HOMES:
        mt.income(editor, mt.household(editor, number=number, **checks), 2025, "60000", persons=2, prev="60000")


def fired(run) -> dict:
    return {a.household.number: a.values[Rule.Code.CHECK_FAILED]["failed"] for a in run.alerts.all() if a.rules}


def test_only_an_explicit_failed_check_fires_on_duckdb(editor, ruleset):
    check_homes(editor)
    run = services.screen_households(user=editor, ruleset=ruleset)
    assert fired(run) == FIRES
    assert all(a.rules == [Rule.Code.CHECK_FAILED] for a in run.alerts.all())


def test_only_an_explicit_failed_check_fires_on_every_engine(editor, ruleset, other_engine):
    check_homes(editor)
    duck, other = mt.screened_by_duckdb_and(other_engine, user=editor, ruleset=ruleset)
    assert fired(duck) == fired(other) == FIRES
    assert other.engine == other_engine and other.snapshot_digest == duck.snapshot_digest
