"""Supervision services: commendations and rectification notices walked to closure (seed 000 四(四))."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from duikou import testing
from duikou.core.errors import StaleObjectError
from duikou.evaluation.models import Commendation, Notice, Run
from duikou.evaluation.supervision import queries, services
from duikou.evaluation.supervision.workflow import WORKFLOW
from duikou.evaluation.testing import published_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(who, xinyang):
    yanan = testing.pairing("延安市", "无锡市")
    return published_run(
        who["ndrc"],
        [
            (yanan, "93.40", "excellent", {"KT1": "19.5", "KT2": "18", "KT3": "18.4", "KT4": "18.5", "KT5": "19"}),
            (xinyang, "72.00", "fair"),
        ],
    )


@pytest.fixture
def hrun(who, xinyang):
    """河南's own evaluation (a province evaluates its old-area cities' pairings): its notices start at province
    supervision."""
    return published_run(who["henan"], [(xinyang, "72.00", "fair")], province="410000")


def allowed(user, notice) -> set[str]:
    return {step.name for step in WORKFLOW.allowed_steps(user, notice)}


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def issue(run, pairing, user, **extra) -> Notice:
    return services.issue_notice(
        run=run,
        pairing=pairing,
        finding="共建园区招商进展缓慢，签约项目落地率低",
        measures_required="制定招商专项方案，按季度报送项目落地情况",
        deadline=extra.pop("deadline", in_days(60)),
        user=user,
        **extra,
    )


def walk(notice, user, step, **kw):
    fn = {
        "receive": services.receive_notice,
        "report": services.report_measures,
        "verify": services.verify_notice,
        "return": services.return_measures,
        "close": services.close_notice,
        "flag_major": services.flag_major,
    }[step]
    notice.refresh_from_db()
    return fn(notice=notice, user=user, expected_version=notice.version, **kw)


# ---- commendations -----------------------------------------------------------------------------------


def test_commendations_list_the_excellent_pairings_with_a_reason(run, who):
    created = services.generate_commendations(run=run, user=who["ndrc"])
    assert [c.pairing.old_region.name for c in created] == ["延安市"]
    reason = created[0].reason
    assert "93.40 分" in reason and "排名第 1 位" in reason and "2 个结对关系" in reason
    assert "传承弘扬红色文化" in reason and "19.5 / 20.00 分" in reason  # KT1: the best share of full marks


def test_generating_commendations_again_adds_nothing(run, who):
    services.generate_commendations(run=run, user=who["ndrc"])
    assert services.generate_commendations(run=run, user=who["ndrc"]) == []
    assert Commendation.objects.filter(run=run).count() == 1


def test_commendations_only_from_a_published_run(who, xinyang):
    run = Run.objects.create(
        scheme=published_run(who["ndrc"], [(xinyang, "95", "excellent")]).scheme,
        number=9,
        status=Run.Status.DONE,
        started_by=who["ndrc"],
    )
    with pytest.raises(ValidationError, match="尚未发布"):
        services.generate_commendations(run=run, user=who["ndrc"])


def test_only_the_runs_organiser_generates_commendations(run, who):
    for user in (who["henan"], who["xy_approver"]):
        with pytest.raises(PermissionDenied):
            services.generate_commendations(run=run, user=user)


def test_a_province_generates_for_its_own_run(who, xinyang):
    run = published_run(who["henan"], [(xinyang, "92", "excellent")], province="410000")
    assert len(services.generate_commendations(run=run, user=who["henan"])) == 1
    with pytest.raises(PermissionDenied):
        services.generate_commendations(run=run, user=who["shaanxi"])


# ---- issuing -------------------------------------------------------------------------------------------


def test_issue_numbers_and_defaults(run, xinyang, who):
    first = issue(run, xinyang, who["ndrc"])
    second = issue(run, xinyang, who["ndrc"])
    year = timezone.localdate().year
    assert first.number == f"对口整改〔{year}〕1号" and second.number == f"对口整改〔{year}〕2号"
    assert first.responsible == testing.org("信阳市人民政府")
    assert first.status == "issued" and not first.major
    assert first.supervision_level == "national"  # issued by the national overseer: under national supervision
    assert first.step_due == in_days(5)
    entry = LogEntry.objects.get_for_object(first).get()
    assert entry.actor == who["ndrc"] and entry.action == LogEntry.Action.CREATE


@override_settings(DUIKOU_NOTICE_RECEIVE_DAYS=2)
def test_receive_days_are_a_setting(run, xinyang, who):
    assert issue(run, xinyang, who["ndrc"]).step_due == in_days(2)


def test_issue_only_from_a_published_run(who, xinyang):
    scheme = published_run(who["ndrc"], [(xinyang, "70", "fair")]).scheme
    draft = Run.objects.create(scheme=scheme, number=5, status=Run.Status.DONE, started_by=who["ndrc"])
    with pytest.raises(ValidationError, match="尚未发布"):
        issue(draft, xinyang, who["ndrc"])


def test_issue_by_the_runs_organiser_only(run, xinyang, who):
    for user in (who["henan"], who["xy_approver"]):
        with pytest.raises(PermissionDenied):
            issue(run, xinyang, user)


def test_issue_refuses_bad_input_with_reasons(run, xinyang, who):
    with pytest.raises(ValidationError) as exc:
        services.issue_notice(
            run=run,
            pairing=xinyang,
            finding=" ",
            measures_required="",
            deadline=in_days(3),
            responsible=testing.org("延安市人民政府"),
            user=who["ndrc"],
        )
    errors = exc.value.message_dict
    assert set(errors) == {"finding", "measures_required", "deadline", "responsible"}
    assert "晚于签收期限" in errors["deadline"][0]
    other = testing.pairing("赣州市", "深圳市")
    with pytest.raises(ValidationError, match="不在"):
        issue(run, other, who["ndrc"])
    assert not Notice.objects.exists()


def test_issue_to_a_partner_side_unit(run, xinyang, who):
    notice = issue(run, xinyang, who["ndrc"], responsible=testing.org("苏州市人民政府"))
    assert notice.responsible.name == "苏州市人民政府"


# ---- the walk ------------------------------------------------------------------------------------------


def test_whole_walk_from_issued_to_closed(hrun, xinyang, who):
    notice = issue(hrun, xinyang, who["henan"])
    editor, henan = who["xy_editor"], who["henan"]
    assert allowed(editor, notice) == {"receive"}
    assert allowed(henan, notice) == {"flag_major"}

    notice = walk(notice, editor, "receive")
    assert notice.status == "received" and notice.received_at and notice.step_due == notice.deadline
    notice = walk(notice, editor, "report", text="已制定招商专项方案，新签约项目 5 个")
    assert notice.status == "reported" and notice.reported_at and notice.step_due == in_days(15)
    assert allowed(henan, notice) == {"verify", "return", "flag_major"}
    notice = walk(notice, henan, "verify", comment="措施具体，成效明显")
    assert notice.status == "verified" and notice.verified_at and notice.step_due == in_days(5)
    notice = walk(notice, henan, "close")
    assert notice.status == "closed" and notice.closed_at and not notice.open
    assert notice.version == 5
    assert allowed(henan, notice) == set()
    actors = list(
        LogEntry.objects.get_for_object(notice).order_by("timestamp").values_list("actor__username", flat=True)
    )
    assert actors == ["henan_approver", "xy_editor", "xy_editor", "henan_approver", "henan_approver"]


def test_return_sends_the_measures_back_with_a_reason(hrun, xinyang, who):
    notice = issue(hrun, xinyang, who["henan"])
    walk(notice, who["xy_editor"], "receive")
    walk(notice, who["xy_editor"], "report", text="已整改")
    with pytest.raises(ValidationError):
        walk(notice, who["henan"], "return", comment=" ")
    notice = walk(notice, who["henan"], "return", comment="缺少项目落地的佐证材料")
    assert notice.status == "received" and notice.step_due == notice.deadline
    assert "缺少项目落地的佐证材料" in notice.verification
    assert LogEntry.objects.get_for_object(notice).filter(changes_text__contains="退回理由").exists()


def test_a_city_cannot_verify(run, xinyang, who):
    notice = issue(run, xinyang, who["ndrc"])
    walk(notice, who["xy_editor"], "receive")
    walk(notice, who["xy_editor"], "report", text="已整改")
    for user in (who["xy_approver"], who["xy_editor"]):
        with pytest.raises(PermissionDenied):
            walk(notice, user, "verify", comment="自己核验自己")


def test_only_the_responsible_organisation_receives_and_reports(run, xinyang, who):
    notice = issue(run, xinyang, who["ndrc"], responsible=testing.org("苏州市人民政府"))
    for user in (who["xy_editor"], who["xy_viewer"], who["henan"]):
        with pytest.raises(PermissionDenied):
            walk(notice, user, "receive")
    suzhou = testing.user("sz_editor", "苏州市人民政府", "editor")
    assert walk(notice, suzhou, "receive").status == "received"


def test_a_province_cannot_act_on_another_provinces_notice(run, xinyang, who):
    notice = issue(run, xinyang, who["ndrc"])
    walk(notice, who["xy_editor"], "receive")
    walk(notice, who["xy_editor"], "report", text="已整改")
    # 陕西 does not even see it; 江苏 sees it (苏州 is the partner side) but does not supervise 信阳
    for user in (who["shaanxi"], who["jiangsu"]):
        assert allowed(user, notice) == set()
        with pytest.raises(PermissionDenied):
            walk(notice, user, "verify", comment="越权核验")
        with pytest.raises(PermissionDenied):
            walk(notice, user, "flag_major", reason="越权")
    assert not queries.notices_for(who["shaanxi"]).exists()
    assert queries.notices_for(who["jiangsu"]).count() == 1


def test_overdue_step_escalates_to_national(hrun, xinyang, who):
    notice = issue(hrun, xinyang, who["henan"])
    walk(notice, who["xy_editor"], "receive")
    notice = walk(notice, who["xy_editor"], "report", text="已整改")
    assert services.escalate_overdue(today=notice.step_due) == []  # due today is not overdue
    escalated = services.escalate_overdue(today=notice.step_due + datetime.timedelta(days=1))
    assert [n.pk for n in escalated] == [notice.pk]
    notice.refresh_from_db()
    assert notice.supervision_level == "national" and notice.escalated_at is not None
    assert services.escalate_overdue(today=notice.step_due + datetime.timedelta(days=2)) == []  # once only
    entry = LogEntry.objects.get_for_object(notice).filter(changes_text__contains="逾期升级").get()
    assert entry.actor is None and "核验" in entry.changes_dict["逾期升级"][1]

    with pytest.raises(PermissionDenied):
        walk(notice, who["henan"], "verify", comment="省级核验")
    assert queries.national_desk(who["ndrc"]).filter(pk=notice.pk).exists()
    notice = walk(notice, who["ndrc"], "verify", comment="国家层面核验通过")
    assert walk(notice, who["ndrc"], "close").status == "closed"


def test_escalation_leaves_closed_and_current_notices_alone(hrun, xinyang, who):
    late = issue(hrun, xinyang, who["henan"])
    current = issue(hrun, xinyang, who["henan"], deadline=in_days(90))
    Notice.objects.filter(pk=late.pk).update(step_due=in_days(-1))
    closed = issue(hrun, xinyang, who["henan"])
    Notice.objects.filter(pk=closed.pk).update(status="closed", step_due=in_days(-10))
    assert [n.pk for n in services.escalate_overdue()] == [late.pk]
    current.refresh_from_db()
    assert current.supervision_level == "province"


def test_escalate_notices_command(hrun, xinyang, who, capsys):
    notice = issue(hrun, xinyang, who["henan"])
    call_command("escalate-notices", "--date", (notice.step_due + datetime.timedelta(days=1)).isoformat())
    assert "逾期升级 1 件" in capsys.readouterr().out
    notice.refresh_from_db()
    assert notice.supervision_level == "national"


def test_flag_major_puts_it_on_the_national_desk(hrun, xinyang, who):
    notice = issue(hrun, xinyang, who["henan"])
    assert not queries.national_desk(who["ndrc"]).exists()
    with pytest.raises(PermissionDenied):
        walk(notice, who["xy_approver"], "flag_major", reason="城市自报")
    with pytest.raises(ValidationError):
        walk(notice, who["henan"], "flag_major", reason="")
    notice = walk(notice, who["henan"], "flag_major", reason="涉及群众切身利益，需报国家层面")
    assert notice.major and notice.supervision_level == "province"
    assert list(queries.national_desk(who["ndrc"])) == [notice]
    assert "flag_major" not in allowed(who["ndrc"], notice)  # already flagged
    with pytest.raises(PermissionDenied):
        queries.national_desk(who["henan"])


def test_stale_version_is_refused(run, xinyang, who):
    notice = issue(run, xinyang, who["ndrc"])
    stale = notice.version
    services.receive_notice(notice=notice, user=who["xy_editor"], expected_version=stale)
    with pytest.raises(StaleObjectError, match="已被他人修改"):
        services.report_measures(notice=notice, user=who["xy_editor"], expected_version=stale, text="基于旧版本")
    notice.refresh_from_db()
    assert notice.status == "received" and notice.measures_reported == ""


def test_notices_for_filters(hrun, xinyang, who):
    late = issue(hrun, xinyang, who["henan"])
    Notice.objects.filter(pk=late.pk).update(step_due=in_days(-1))
    major = issue(hrun, xinyang, who["henan"], major=True)
    editor = who["xy_editor"]
    assert list(queries.notices_for(editor, overdue=True)) == [late]
    assert list(queries.notices_for(editor, major=True)) == [major]
    assert queries.notices_for(editor, status="open").count() == 2
    assert list(queries.notices_for(editor, q=late.number)) == [late]
    assert queries.notices_for(editor, q="信阳").count() == 2
    assert not queries.notices_for(editor, level="national").exists()
    assert not queries.notices_for(testing.user("ya", "延安市人民政府", "approver")).exists()


# ---- the table: every step for every persona, and whose turn it is -------------------------------------------


def _walked(*steps, issuer="henan"):
    """A notice issued by 河南 from its own evaluation (by the overseer from the national one) and walked through
    ``steps`` by those who take them."""

    def build(runs, pairing, who):
        notice = issue(runs[issuer], pairing, who[issuer])
        for name in steps:
            user = who["xy_editor"] if name in ("receive", "report") else who[issuer]
            notice = walk(notice, user, name, **TEXTS.get(name, {}))
        return notice

    return build


def _escalated(runs, pairing, who):
    notice = _walked("receive", "report")(runs, pairing, who)
    Notice.objects.filter(pk=notice.pk).update(supervision_level=Notice.Level.NATIONAL)
    return Notice.objects.get(pk=notice.pk)


TEXTS = {
    "report": {"text": "已制定招商专项方案"},
    "verify": {"comment": "措施具体"},
    "return": {"comment": "缺少佐证材料"},
    "flag_major": {"reason": "涉及群众切身利益"},
}
CITY, HENAN, NATION = ["信阳市人民政府"], ["河南省"], ["国家发展改革委（振兴司）"]
# state → how to reach it, and whose turn it then is (parties, steps, due in so many days: the deadline is in 60)
STATES = {
    "issued": (_walked(), CITY, ["receive"], 5),
    "received": (_walked("receive"), CITY, ["report"], 60),
    "reported": (_walked("receive", "report"), HENAN, ["verify", "return"], 15),
    "reported, a major problem": (_walked("receive", "report", "flag_major"), HENAN, ["verify", "return"], 15),
    "reported, under national supervision": (_escalated, NATION, ["verify", "return"], 15),
    "issued by the overseer": (_walked(issuer="ndrc"), CITY, ["receive"], 5),
    "issued by the overseer, reported": (_walked("receive", "report", issuer="ndrc"), NATION, ["verify", "return"], 15),
    "issued by the overseer, verified": (_walked("receive", "report", "verify", issuer="ndrc"), NATION, ["close"], 5),
    "returned": (_walked("receive", "report", "return"), CITY, ["report"], 60),
    "verified": (_walked("receive", "report", "verify"), HENAN, ["close"], 5),
    "closed": (_walked("receive", "report", "verify", "close"), [], [], None),
}


def _take(step, user, notice):
    return walk(notice, user, step, **TEXTS.get(step, {}))


@pytest.mark.parametrize("state", STATES)
def test_every_step_offered_is_accepted_and_every_other_refused(run, hrun, xinyang, who, state):
    notice = STATES[state][0]({"ndrc": run, "henan": hrun}, xinyang, who)
    testing.assert_steps_agree(WORKFLOW, notice, who, _take)


@pytest.mark.parametrize("state", STATES)
def test_turn_names_who_is_to_act_and_by_when(run, hrun, xinyang, who, state):
    build, parties, steps, days = STATES[state]
    assert testing.turn_of(WORKFLOW, build({"ndrc": run, "henan": hrun}, xinyang, who)) == (
        parties,
        steps,
        in_days(days) if days else None,
    )
