"""Self-assessment (自评), the partner's opinion (征求结对方意见) and the cross-check (交叉核查) before scoring: each
stage's services, stages the scheme switches off, the adjusted score, and the records shown beside reported values."""

import datetime
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from duikou import testing
from duikou.core.errors import StaleObjectError
from duikou.evaluation import services
from duikou.evaluation import testing as ev
from duikou.evaluation.assessment import services as stages
from duikou.evaluation.assessment.workflow import CROSS_CHECK, SELF_ASSESSMENT
from duikou.evaluation.models import CrossCheck, SelfAssessment

pytestmark = pytest.mark.django_db

Q4 = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
DUE = datetime.date(2026, 1, 31)
OPINION_DUE = datetime.date(2026, 2, 28)
BEFORE = datetime.date(2026, 1, 20)


@pytest.fixture
def people(who):
    return {
        "ndrc": who["ndrc"],
        "xy": who["xy_editor"],
        "xy_viewer": who["xy_viewer"],
        "sz": testing.user("as_sz_editor", "苏州市人民政府", "editor"),
        "ya": testing.user("as_ya_editor", "延安市人民政府", "editor"),
        "wx": testing.user("as_wx_editor", "无锡市人民政府", "editor"),
    }


@pytest.fixture
def xinyang():
    return testing.pairing("信阳市", "苏州市")


def staged(people, **flags) -> object:
    """A national 2025 scheme of two items with the stages given (all on by default)."""
    scheme = ev.scheme(people["ndrc"], items=[ev.target_item(weight="60"), ev.qualitative_item(weight="40")])
    options = {
        "self_assessment": True,
        "partner_opinion": True,
        "cross_check": True,
        "cross_check_items": 1,
        "self_assessment_due": DUE,
        "opinion_due": OPINION_DUE,
    } | flags
    return services.update_scheme(user=people["ndrc"], scheme=scheme, expected_version=scheme.version, **options)


def filled(scheme) -> dict:
    return {
        item.pk: {"grade": "good", "self_score": str(item.weight), "statement": f"{item.name}已完成", "evidence": "x"}
        for item in scheme.items.all()
    }


def submitted(people, scheme, pairing, side="old", user=None) -> SelfAssessment:
    user = user or people["xy" if side == "old" else "sz"]
    a = stages.save_self_assessment(
        scheme=scheme, pairing=pairing, side=side, user=user, entries=filled(scheme), today=BEFORE
    )
    return stages.submit_self_assessment(assessment=a, user=user, expected_version=a.version, today=BEFORE)


# ---- self-assessment ----------------------------------------------------------------------------------------


def test_side_submits_its_self_assessment_and_it_locks(people, xinyang):
    scheme = staged(people)
    a = submitted(people, scheme, xinyang)
    assert a.status == SelfAssessment.Status.SUBMITTED and a.submitted_by == people["xy"]
    with pytest.raises(PermissionDenied):
        stages.save_self_assessment(
            scheme=scheme,
            pairing=xinyang,
            side="old",
            user=people["xy"],
            entries=filled(scheme),
            expected_version=a.version,
            today=BEFORE,
        )


def test_self_assessment_after_the_due_date_is_refused_naming_pairing_side_and_date(people, xinyang):
    scheme = staged(people)
    a = stages.save_self_assessment(
        scheme=scheme, pairing=xinyang, side="old", user=people["xy"], entries=filled(scheme), today=BEFORE
    )
    with pytest.raises(ValidationError) as exc:
        stages.submit_self_assessment(
            assessment=a, user=people["xy"], expected_version=a.version, today=DUE + datetime.timedelta(days=1)
        )
    message = exc.value.messages[0]
    assert "信阳市—苏州市" in message and "革命老区城市（信阳市）" in message and "2026-01-31" in message


def test_a_side_cannot_write_the_other_sides_self_assessment(people, xinyang):
    scheme = staged(people)
    with pytest.raises(PermissionDenied) as exc:
        stages.save_self_assessment(
            scheme=scheme, pairing=xinyang, side="partner", user=people["xy"], entries=filled(scheme), today=BEFORE
        )
    assert "支持方城市（苏州市）" in str(exc.value)


def test_submitting_with_an_item_left_empty_names_the_item(people, xinyang):
    scheme = staged(people)
    first = scheme.items.order_by("order", "pk").first()
    a = stages.save_self_assessment(
        scheme=scheme,
        pairing=xinyang,
        side="old",
        user=people["xy"],
        entries={first.pk: filled(scheme)[first.pk]},
        today=BEFORE,
    )
    with pytest.raises(ValidationError) as exc:
        stages.submit_self_assessment(assessment=a, user=people["xy"], expected_version=a.version, today=BEFORE)
    assert "红色文化传承成效评议" in exc.value.messages[0]


def test_self_score_above_the_items_marks_is_refused(people, xinyang):
    scheme = staged(people)
    item = scheme.items.get(method="target")
    with pytest.raises(ValidationError) as exc:
        stages.save_self_assessment(
            scheme=scheme,
            pairing=xinyang,
            side="old",
            user=people["xy"],
            entries={item.pk: {"self_score": "61", "statement": "x"}},
            today=BEFORE,
        )
    assert "实际到位资金完成度" in exc.value.messages[0] and "0–60.00" in exc.value.messages[0]


def test_two_confirmations_at_once_one_wins(people, xinyang):
    scheme = staged(people)
    a = stages.save_self_assessment(
        scheme=scheme, pairing=xinyang, side="old", user=people["xy"], entries=filled(scheme), today=BEFORE
    )
    stages.submit_self_assessment(assessment=a, user=people["xy"], expected_version=a.version, today=BEFORE)
    with pytest.raises((StaleObjectError, PermissionDenied)):
        stages.submit_self_assessment(assessment=a, user=people["xy"], expected_version=a.version, today=BEFORE)


def test_self_assessment_changes_are_audited(people, xinyang):
    scheme = staged(people)
    a = submitted(people, scheme, xinyang)
    entries = LogEntry.objects.get_for_object(a)
    assert entries.filter(actor=people["xy"]).count() >= 2


# ---- the partner's opinion ----------------------------------------------------------------------------------


def opinions(scheme, opinion="agree", reason="") -> dict:
    return {i.pk: {"opinion": opinion, "opinion_reason": reason} for i in scheme.items.all()}


def test_only_the_partner_city_gives_its_opinion(people, xinyang):
    scheme = staged(people)
    a = submitted(people, scheme, xinyang)
    assert not SELF_ASSESSMENT.allows(people["xy"], a, "opinion")
    with pytest.raises(PermissionDenied):
        stages.give_opinion(
            assessment=a, user=people["xy"], expected_version=a.version, opinions=opinions(scheme), today=BEFORE
        )
    done = stages.give_opinion(
        assessment=a, user=people["sz"], expected_version=a.version, opinions=opinions(scheme), today=BEFORE
    )
    assert done.status == SelfAssessment.Status.REVIEWED
    assert set(done.entries.values_list("opinion", flat=True)) == {"agree"}


def test_disagreeing_without_a_reason_is_refused_naming_the_item(people, xinyang):
    scheme = staged(people)
    a = submitted(people, scheme, xinyang)
    with pytest.raises(ValidationError) as exc:
        stages.give_opinion(
            assessment=a,
            user=people["sz"],
            expected_version=a.version,
            opinions=opinions(scheme, "disagree"),
            today=BEFORE,
        )
    assert "实际到位资金完成度" in " ".join(exc.value.messages) and "理由" in " ".join(exc.value.messages)


def test_opinion_after_its_due_date_is_refused(people, xinyang):
    scheme = staged(people)
    a = submitted(people, scheme, xinyang)
    with pytest.raises(ValidationError) as exc:
        stages.give_opinion(
            assessment=a,
            user=people["sz"],
            expected_version=a.version,
            opinions=opinions(scheme),
            today=OPINION_DUE + datetime.timedelta(days=1),
        )
    assert "2026-02-28" in exc.value.messages[0]


def test_turn_names_the_partner_city_after_submission(people, xinyang):
    scheme = staged(people)
    a = submitted(people, scheme, xinyang)
    turn = SELF_ASSESSMENT.turn(a)
    assert "苏州市" in str(turn) and "2026-02-28" in str(turn)


# ---- stages switched off ------------------------------------------------------------------------------------


def test_without_the_opinion_stage_a_submitted_self_assessment_waits_for_nobody(people, xinyang):
    scheme = staged(people, partner_opinion=False, opinion_due=None)
    a = submitted(people, scheme, xinyang)
    assert not SELF_ASSESSMENT.turn(a).waiting
    assert not SELF_ASSESSMENT.allows(people["sz"], a, "opinion")


def test_without_the_self_assessment_stage_none_is_taken(people, xinyang):
    scheme = staged(people, self_assessment=False, partner_opinion=False, self_assessment_due=None, opinion_due=None)
    with pytest.raises(ValidationError) as exc:
        stages.save_self_assessment(
            scheme=scheme, pairing=xinyang, side="old", user=people["xy"], entries=filled(scheme), today=BEFORE
        )
    assert "自评" in exc.value.messages[0]


def test_without_the_cross_check_stage_none_is_assigned_and_the_run_scores_as_before(people, xinyang):
    scheme = staged(people, cross_check=False)
    with pytest.raises(ValidationError):
        stages.assign_cross_check(
            scheme=scheme, pairing=xinyang, reviewer=testing.org("陕西省人民政府"), user=people["ndrc"]
        )
    ev.values(xinyang, {"funds_in_place_wan": dict.fromkeys(Q4, "2500")})
    run = ev.run(scheme, people["ndrc"])
    assert run.scores.get(pairing=xinyang, item__method="target").score == Decimal("60.00")


def test_opinion_stage_without_self_assessment_is_refused(people):
    scheme = ev.scheme(people["ndrc"], items=[ev.target_item()])
    with pytest.raises(ValidationError) as exc:
        services.update_scheme(
            user=people["ndrc"],
            scheme=scheme,
            expected_version=scheme.version,
            partner_opinion=True,
            opinion_due=OPINION_DUE,
        )
    assert "自评" in " ".join(exc.value.messages)


# ---- cross-check --------------------------------------------------------------------------------------------


def test_reviewer_from_a_province_of_the_pairing_is_refused_naming_the_province(people, xinyang):
    scheme = staged(people)
    with pytest.raises(ValidationError) as exc:
        stages.assign_cross_check(
            scheme=scheme, pairing=xinyang, reviewer=testing.org("无锡市人民政府"), user=people["ndrc"]
        )
    assert "江苏省" in " ".join(exc.value.messages)


def test_only_the_schemes_approver_assigns(people, xinyang):
    scheme = staged(people)
    with pytest.raises(PermissionDenied):
        stages.assign_cross_check(
            scheme=scheme, pairing=xinyang, reviewer=testing.org("延安市人民政府"), user=people["xy"]
        )


def test_sample_is_reproducible_from_its_recorded_seed(people, xinyang):
    scheme = staged(people, cross_check_items=1)
    check = stages.assign_cross_check(
        scheme=scheme, pairing=xinyang, reviewer=testing.org("延安市人民政府"), user=people["ndrc"], seed=20260107
    )
    ids = list(scheme.items.values_list("pk", flat=True))
    assert len(check.sample) == 1 and check.seed == 20260107
    assert stages.sample_items(check.seed, ids, 1) == check.sample
    assert stages.sample_items(check.seed, list(reversed(ids)), 1) == check.sample
    samples = {tuple(stages.sample_items(seed, ids, 1)) for seed in range(20)}
    assert len(samples) == 2  # the seed does decide which item is drawn


def assigned(people, scheme, pairing) -> CrossCheck:
    check = stages.assign_cross_check(
        scheme=scheme, pairing=pairing, reviewer=testing.org("延安市人民政府"), user=people["ndrc"], seed=1
    )
    # the sample of one item: make it the target item, whichever the seed drew
    target = scheme.items.get(method="target")
    CrossCheck.objects.filter(pk=check.pk).update(sample=[target.pk])
    check.refresh_from_db()
    return check


def test_adjustment_without_a_reason_is_refused(people, xinyang):
    scheme = staged(people)
    check = assigned(people, scheme, xinyang)
    item = scheme.items.get(method="target")
    with pytest.raises(ValidationError) as exc:
        stages.record_finding(
            check=check,
            item=item,
            user=people["ya"],
            expected_version=check.version,
            finding="台账不全",
            adjustment="-5",
        )
    assert "实际到位资金完成度" in exc.value.message_dict["reason"][0]


def test_only_the_reviewing_organisation_records_findings(people, xinyang):
    scheme = staged(people)
    check = assigned(people, scheme, xinyang)
    item = scheme.items.get(method="target")
    with pytest.raises(PermissionDenied):
        stages.record_finding(
            check=check,
            item=item,
            user=people["xy"],
            expected_version=check.version,
            finding="x",
            adjustment="5",
            reason="x",
        )


def test_item_outside_the_sample_is_refused(people, xinyang):
    scheme = staged(people)
    check = assigned(people, scheme, xinyang)
    other = scheme.items.get(method="qualitative")
    with pytest.raises(ValidationError) as exc:
        stages.record_finding(check=check, item=other, user=people["ya"], expected_version=check.version, finding="x")
    assert "抽查范围" in exc.value.message_dict["item"][0]


def test_score_applies_the_reported_adjustment_with_its_reason(people, xinyang):
    scheme = staged(people)
    ev.values(xinyang, {"funds_in_place_wan": dict.fromkeys(Q4, "2500")})
    check = assigned(people, scheme, xinyang)
    item = scheme.items.get(method="target")
    stages.record_finding(
        check=check,
        item=item,
        user=people["ya"],
        expected_version=check.version,
        finding="第四季度到位资金缺少拨付凭证",
        adjustment="-5",
        reason="2500 万元无拨付凭证",
    )
    check.refresh_from_db()
    before = ev.run(scheme, people["ndrc"])  # not reported yet: no adjustment
    assert before.scores.get(pairing=xinyang, item=item).score == Decimal("60.00")
    stages.report_cross_check(check=check, user=people["ya"], expected_version=check.version)
    after = ev.run(scheme, people["ndrc"])
    score = after.scores.get(pairing=xinyang, item=item)
    assert score.score == Decimal("55.00")
    assert "2500 万元无拨付凭证" in score.explanation and "延安市人民政府" in score.explanation
    assert score.inputs["cross_check"]["adjustment"] == "-5"
    assert after.results.get(pairing=xinyang).total == Decimal("55.00")


def test_reporting_with_a_sampled_item_unexamined_is_refused(people, xinyang):
    scheme = staged(people)
    check = assigned(people, scheme, xinyang)
    with pytest.raises(ValidationError) as exc:
        stages.report_cross_check(check=check, user=people["ya"], expected_version=check.version)
    assert "实际到位资金完成度" in exc.value.messages[0]
    assert CROSS_CHECK.turn(check).parties[0].label == "延安市人民政府"


# ---- records beside the reported values ----------------------------------------------------------------------


def test_records_beside_a_reported_value_flag_a_gap_without_changing_the_score(people, xinyang, client):
    from duikou.projects import testing as projects_testing

    scheme = ev.scheme(people["ndrc"], items=[ev.threshold_item("labour_coop_persons", "10", "100")])
    ev.values(xinyang, {"labour_coop_persons": dict.fromkeys(Q4, "100")})  # 400 reported
    for month in (3, 9):
        projects_testing.activity(
            xinyang,
            f"劳务协作{month}月",
            kind="labour",
            date=datetime.date(2025, month, 1),
            people_placed=100,
            delegation_size=None,
            delegation_level="",
        )  # 200 recorded: half the reported value
    run = ev.run(scheme, people["ndrc"])
    score = run.scores.get(pairing=xinyang)
    assert score.score == Decimal("10.00")  # the gap is evidence, never a deduction
    client.force_login(people["ndrc"])
    page = client.get(f"/evaluation/runs/{run.pk}/pairings/{xinyang.pk}/").content.decode()
    assert "记录汇总（活动记录）：200" in page and "与报送值相差 50%" in page and 'id="record-gaps"' in page


def test_records_within_the_share_are_not_flagged(settings):
    from duikou.evaluation.evidence import is_gap

    settings.DUIKOU_EVALUATION_RECORD_GAP_SHARE = Decimal("0.2")
    assert is_gap(Decimal("400"), Decimal("330"), Decimal("0.2")) == (False, Decimal("0.175"))
    assert is_gap(Decimal("400"), Decimal("300"), Decimal("0.2"))[0] is True
    assert is_gap(None, Decimal("5"), Decimal("0.2")) == (True, None)
    assert is_gap(None, Decimal("0"), Decimal("0.2")) == (False, None)


def test_result_page_shows_the_adjustment_and_its_reason(people, xinyang, client):
    scheme = staged(people)
    ev.values(xinyang, {"funds_in_place_wan": dict.fromkeys(Q4, "2500")})
    check = assigned(people, scheme, xinyang)
    item = scheme.items.get(method="target")
    stages.record_finding(
        check=check,
        item=item,
        user=people["ya"],
        expected_version=check.version,
        finding="凭证缺失",
        adjustment="-5",
        reason="无拨付凭证",
    )
    check.refresh_from_db()
    stages.report_cross_check(check=check, user=people["ya"], expected_version=check.version)
    run = ev.run(scheme, people["ndrc"])
    client.force_login(people["ndrc"])
    page = client.get(f"/evaluation/runs/{run.pk}/pairings/{xinyang.pk}/").content.decode()
    assert "交叉核查调整 -5 分" in page and "无拨付凭证" in page


def test_report_docx_lists_the_adjustment_with_its_reason(people, xinyang):
    import io

    import docx

    from duikou.evaluation import documents

    scheme = staged(people)
    ev.values(xinyang, {"funds_in_place_wan": dict.fromkeys(Q4, "2500")})
    check = assigned(people, scheme, xinyang)
    item = scheme.items.get(method="target")
    stages.record_finding(
        check=check,
        item=item,
        user=people["ya"],
        expected_version=check.version,
        finding="凭证缺失",
        adjustment="-5",
        reason="无拨付凭证",
    )
    check.refresh_from_db()
    stages.report_cross_check(check=check, user=people["ya"], expected_version=check.version)
    document = docx.Document(io.BytesIO(documents.report_docx(ev.run(scheme, people["ndrc"]))))
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert ["信阳市—苏州市", "实际到位资金完成度", "60.00", "-5", "55.00", "延安市人民政府", "无拨付凭证"] in rows


# ---- to-do ---------------------------------------------------------------------------------------------------


def test_to_do_lists_the_sides_turn_and_the_reviewers(people, xinyang):
    from duikou.todo import todo_for

    scheme = staged(people)
    begin = [i for i in todo_for(people["xy"], today=BEFORE)[0] if i.source == "assessments"]
    assert [(i.place, i.due) for i in begin] == [("信阳市—苏州市", DUE)]
    submitted(people, scheme, xinyang)
    opinion = [i for i in todo_for(people["sz"], today=BEFORE)[0] if i.source == "assessments"]
    # 苏州: its opinion on 信阳's, and its own side still to begin
    assert sorted((i.action, i.due) for i in opinion) == [("填写并提交自评", DUE), ("提出结对方意见", OPINION_DUE)]
    assert not [i for i in todo_for(people["xy"], today=BEFORE)[0] if i.source == "assessments"]
    assigned(people, scheme, xinyang)
    checks = [i for i in todo_for(people["ya"], today=BEFORE)[0] if i.source == "cross_checks"]
    assert [i.action for i in checks] == ["报送核查结果"]


# ---- API -----------------------------------------------------------------------------------------------------


def _bearer(user) -> dict:
    from duikou.accounts.services import issue_token

    _token, key = issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_api_late_submission_is_refused_naming_pairing_side_and_date(people, xinyang, client):
    import json

    scheme = staged(people, self_assessment_due=datetime.date(2020, 1, 31), opinion_due=datetime.date(2020, 2, 28))
    item = scheme.items.get(method="target")
    body = {"entries": [{"item_id": item.pk, "grade": "good", "statement": "x"}]}
    response = client.post(
        f"/api/evaluation/stages/schemes/{scheme.pk}/assessments/{xinyang.pk}/old",
        data=json.dumps(body),
        content_type="application/json",
        **_bearer(people["xy"]),
    )
    assert response.status_code == 422
    text = " ".join(response.json()["detail"])
    assert "信阳市—苏州市" in text and "革命老区城市（信阳市）" in text and "2020-01-31" in text


def test_api_scheme_carries_its_stages(people, client):
    scheme = staged(people)
    data = client.get(f"/api/evaluation/schemes/{scheme.pk}", **_bearer(people["xy_viewer"])).json()
    assert (data["self_assessment"], data["opinion_due"], data["cross_check_items"]) == (True, "2026-02-28", 1)


def test_the_stages_export_has_each_sides_items_the_partners_opinion_and_the_findings(people, xinyang, client):
    scheme = staged(people)
    old = submitted(people, scheme, xinyang, "old")
    stages.give_opinion(
        assessment=old,
        user=people["sz"],
        expected_version=old.version,
        opinions=opinions(scheme, "disagree", "到位资金凭证不全"),
        today=BEFORE,
    )
    check = assigned(people, scheme, xinyang)
    target = scheme.items.get(method="target")
    stages.record_finding(
        check=check,
        item=target,
        user=people["ya"],
        expected_version=check.version,
        finding="第四季度到位资金缺少拨付凭证",
        adjustment="-5",
        reason="2500 万元无拨付凭证",
    )
    client.force_login(people["xy"])
    answer = client.get(f"/evaluation/schemes/{scheme.pk}/assessments/export.xlsx")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    by_item = {r[header.index("评估指标项")]: r for r in rows[1:]}
    assert len(rows) == 1 + scheme.items.count()  # one side assessed itself: one row per item
    row = by_item[target.name]
    assert row[header.index("自评方")] == "革命老区城市"
    assert row[header.index("结对方意见")] == "不同意"
    assert row[header.index("意见理由")] == "到位资金凭证不全"
    assert row[header.index("核查单位")] == "延安市人民政府"
    assert row[header.index("得分调整")] == -5
    assert row[header.index("调整理由")] == "2500 万元无拨付凭证"
    other = next(r for name, r in by_item.items() if name != target.name)
    assert other[header.index("核查发现")] is None


def test_the_stages_export_leaves_out_pairings_outside_the_users_area(people, xinyang, client):
    scheme = staged(people)
    submitted(people, scheme, xinyang, "old")
    client.force_login(people["wx"])  # 无锡: neither side of 信阳—苏州
    answer = client.get(f"/evaluation/schemes/{scheme.pk}/assessments/export.xlsx")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert answer.status_code == 200 and sheet.max_row == 1
