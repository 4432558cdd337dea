import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from duikou.core.errors import StaleObjectError
from duikou.plans import services
from duikou.plans.models import FrozenPlanError, Plan, PlanItem

from .factories import drafted_plan, edit_first_item, filed_plan, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    return people()


def test_plan_goes_from_draft_to_filed(who):
    plan = filed_plan(who)
    assert plan.status == "filed" and plan.frozen
    assert plan.old_side_agreed_by == who["xy_approver"] and plan.partner_side_agreed_by == who["sz_approver"]
    assert set(plan.issuances.values_list("province_id", flat=True)) == {"410000", "320000"}
    assert len(plan.filing_digest) == 64 and plan.filing_receipt == "备案〔2026〕9号"


def test_agreement_needs_both_cities(who):
    plan = services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    plan = services.agree(user=who["xy_approver"], plan=plan)
    assert plan.status == "agreeing"
    with pytest.raises(PermissionDenied):
        services.agree(user=who["xy_approver"], plan=plan)  # 信阳 cannot agree for 苏州


def test_either_side_may_return_with_comments(who):
    plan = services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    plan = services.agree(user=who["xy_approver"], plan=plan)
    with pytest.raises(ValidationError):
        services.return_plan(user=who["sz_approver"], plan=plan, comment="  ")
    plan = services.return_plan(user=who["sz_approver"], plan=plan, comment="请补充产业项目")
    assert plan.status == "draft" and plan.return_comment == "请补充产业项目" and plan.old_side_agreed_at is None


def test_a_city_cannot_file_and_a_province_cannot_issue_for_the_other(who):
    plan = drafted_plan(who)
    plan = services.submit_for_agreement(user=who["xy_editor"], plan=plan)
    plan = services.agree(user=who["sz_approver"], plan=services.agree(user=who["xy_approver"], plan=plan))
    assert plan.status == "agreed"
    henan = services.issue(user=who["henan"], plan=plan, doc_number="豫政〔2026〕1号", date=datetime.date(2026, 3, 1))
    assert henan.status == "agreed"  # 江苏 has not issued yet
    with pytest.raises(PermissionDenied):
        services.issue(user=who["henan"], plan=henan, doc_number="x", date=datetime.date(2026, 3, 1))
    with pytest.raises(PermissionDenied):
        services.file_plan(user=who["xy_approver"], plan=henan, receipt="x")
    with pytest.raises(PermissionDenied):
        services.file_plan(user=who["ndrc"], plan=henan, receipt="x")  # not issued by both yet


def test_outsider_cannot_draft(who):
    with pytest.raises(PermissionDenied):
        services.create_plan(
            user=who["yanan_editor"],
            pairing=drafted_plan(who).pairing,
            kind="five_year",
            title="x",
            start_year=2026,
            end_year=2030,
        )


def test_filed_plan_refuses_every_write_path(who):
    plan = filed_plan(who)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.save_content(
            user=who["xy_editor"], plan=plan, section="goals", expected_version=plan.version, values={"text": "改"}
        )
    item = plan.items.first()
    item.text = "直接修改"
    with pytest.raises(FrozenPlanError), transaction.atomic():
        item.save()  # the admin, the shell, an import: every ORM path
    with pytest.raises(FrozenPlanError), transaction.atomic():
        item.clauses.clear()
    plan.title = "改标题"
    with pytest.raises(FrozenPlanError), transaction.atomic():
        plan.save()
    assert PlanItem.objects.get(pk=item.pk).text == "共建豫东南高新区"


def test_stale_content_edit_is_refused(who):
    plan = drafted_plan(who)
    services.save_content(
        user=who["xy_editor"], plan=plan, section="goals", expected_version=plan.version, values={"text": "甲"}
    )
    with pytest.raises(StaleObjectError):
        services.save_content(
            user=who["xy_editor"], plan=plan, section="goals", expected_version=plan.version, values={"text": "乙"}
        )
    assert list(plan.goals.values_list("text", flat=True)) == ["打造对口合作样板", "甲"]


def test_revision_is_a_new_plan_through_the_chain_again(who):
    plan = filed_plan(who)
    revision = services.start_revision(user=who["xy_editor"], plan=plan)
    assert (revision.status, revision.revision, revision.previous) == ("draft", 2, plan)
    assert revision.items.count() == plan.items.count()
    services.save_content(
        user=who["xy_editor"],
        plan=revision,
        section="goals",
        expected_version=revision.version,
        values={"text": "新增目标"},
    )
    diff = services.compare_plans(plan, revision)
    goals = next(s for s in diff if s["key"] == "goals")
    assert goals["changed"] and any(r["right"] == "新增目标" and r["op"] == "insert" for r in goals["rows"])


def test_annual_plan_prefills_that_years_content(who):
    plan = drafted_plan(who)
    annual = services.create_annual_plan(user=who["xy_editor"], five_year=plan, year=2026)
    assert annual.kind == "annual" and (annual.start_year, annual.end_year) == (2026, 2026)
    assert list(annual.items.values_list("text", flat=True)) == ["共建豫东南高新区"]
    assert list(annual.targets.values_list("year", "target")) == [(2026, 10)]
    assert list(annual.projects.values_list("name", flat=True)) == ["苏信合作产业园"]
    assert annual.source_plan == plan
    with pytest.raises(ValidationError):
        services.create_annual_plan(user=who["xy_editor"], five_year=plan, year=2031)


def test_verify_reports_tampering_in_the_database(who, capsys):
    plan = filed_plan(who)
    call_command("verify", verbosity=0)
    item = PlanItem.objects.filter(plan=plan).first()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {PlanItem._meta.db_table} SET text = %s WHERE id = %s", ["被篡改的内容", item.pk])
    with pytest.raises(CommandError, match="1 处不一致"):
        call_command("verify", verbosity=0)
    assert "可能被篡改" in capsys.readouterr().err


def test_filings_are_chained(who):
    first = filed_plan(who)
    second = services.start_revision(user=who["xy_editor"], plan=first)
    second = services.submit_for_agreement(user=who["xy_editor"], plan=second)
    second = services.agree(user=who["sz_approver"], plan=services.agree(user=who["xy_approver"], plan=second))
    for province in ("henan", "jiangsu"):
        second = services.issue(user=who[province], plan=second, doc_number="文号", date=datetime.date(2026, 9, 1))
    second = services.file_plan(user=who["ndrc"], plan=second, receipt="备案2")
    assert second.filing_prev_digest == first.filing_digest
    assert services.verify_filings() == []
    Plan.objects.filter(pk=first.pk).update(filing_digest="0" * 64)
    assert len(services.verify_filings()) == 2  # its own digest, and the chain to the next one


def test_responsibility_matrix_counts_open_and_overdue_items(who):
    from duikou.accounts.models import Organisation
    from duikou.plans.queries import overdue_for, responsibility_matrix, todo_for

    plan = drafted_plan(who)
    unit = Organisation.objects.get(name="市文化旅游局")
    item = edit_first_item(who, plan, {"responsible_unit": unit, "due_date": datetime.date(2024, 6, 30)})
    matrix = responsibility_matrix(who["xy_editor"])
    assert matrix == [
        {
            "code": "KT5",
            "name": "共同建设产业合作平台载体",
            "units": [{"id": unit.pk, "name": "市文化旅游局", "total": 1, "open": 1, "overdue": 1}],
        }
    ]
    assert list(overdue_for(who["xy_editor"])) == [item]
    assert list(todo_for(who["xy_editor"], unit=unit.pk)) == [item]
    # the unit's own users see the item assigned to them, though the pairing is not theirs
    from duikou import testing

    unit_user = testing.user("unit_editor", unit, "editor")
    assert list(todo_for(unit_user)) == [item]
    services.mark_item_done(user=unit_user, item=item, done_date=datetime.date(2024, 6, 1))
    assert responsibility_matrix(who["xy_editor"])[0]["units"][0]["open"] == 0


def test_attachment_is_stored_with_its_sm3_digest(who):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from duikou.core.digests import sm3_hex

    plan = drafted_plan(who)
    content = "联合印发文件".encode()
    attachment = services.add_attachment(
        user=who["xy_editor"], plan=plan, uploaded=SimpleUploadedFile("印发稿.pdf", content)
    )
    assert attachment.sm3 == sm3_hex(content) and attachment.file.read() == content
    with pytest.raises(ValidationError, match="不是 PDF"):
        services.add_attachment(user=who["xy_editor"], plan=plan, uploaded=SimpleUploadedFile("x.exe", b"MZ"))


def test_clause_page_lists_the_plan_items_that_implement_it(who, client):
    from duikou.policy.models import Clause

    plan = drafted_plan(who)
    edit_first_item(who, plan, clauses=Clause.objects.filter(pk="fgzx-2022-766/3/5"))
    client.force_login(who["xy_editor"])
    assert "共建豫东南高新区" in client.get("/policy/clause/fgzx-2022-766/3/5/").content.decode()
    client.force_login(who["yanan_editor"])
    assert "共建豫东南高新区" not in client.get("/policy/clause/fgzx-2022-766/3/5/").content.decode()


def test_attachment_larger_than_the_upload_limit_is_refused(who, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DUIKOU_UPLOAD_MAX_MB = 1
    plan = drafted_plan(who)
    big = SimpleUploadedFile("印发稿.pdf", b"%PDF" + b"x" * (1024 * 1024))
    with pytest.raises(ValidationError, match="「印发稿.pdf」有 1.0 MB，超过上传文件上限 1 MB"):
        services.add_attachment(user=who["xy_editor"], plan=plan, uploaded=big)
    assert not plan.attachments.exists()


# ---- the table: every step for every persona, and whose turn it is -------------------------------------------


def _issue(who, plan, province):
    return services.issue(user=who[province], plan=plan, doc_number="文号", date=datetime.date(2026, 3, 1))


def _agreeing(who):
    return services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))


def _agreed(who):
    plan = services.agree(user=who["xy_approver"], plan=_agreeing(who))
    return services.agree(user=who["sz_approver"], plan=plan)


def _revised(who):
    plan = filed_plan(who)
    services.start_revision(user=who["xy_editor"], plan=plan)
    return plan


# state → how to reach it, and whose turn it then is (parties, steps)
STATES = {
    "draft": (drafted_plan, ["信阳市", "苏州市"], ["edit", "submit"], None),
    "agreeing": (_agreeing, ["信阳市", "苏州市"], ["agree", "return"], "DUIKOU_PLAN_AGREE_DAYS"),
    "agreed by 信阳": (
        lambda who: services.agree(user=who["xy_approver"], plan=_agreeing(who)),
        ["苏州市"],
        ["agree", "return"],
        "DUIKOU_PLAN_AGREE_DAYS",
    ),
    "agreed": (_agreed, ["河南省", "江苏省"], ["issue"], "DUIKOU_PLAN_ISSUE_DAYS"),
    "issued by 河南": (lambda who: _issue(who, _agreed(who), "henan"), ["江苏省"], ["issue"], "DUIKOU_PLAN_ISSUE_DAYS"),
    "issued": (
        lambda who: _issue(who, _issue(who, _agreed(who), "henan"), "jiangsu"),
        ["国家发展改革委（振兴司）"],
        ["file"],
        "DUIKOU_PLAN_FILE_DAYS",
    ),
    "filed": (filed_plan, [], [], None),
    "filed and revised": (_revised, [], [], None),
    "annual draft": (
        lambda who: services.create_annual_plan(user=who["xy_editor"], five_year=drafted_plan(who), year=2026),
        ["信阳市", "苏州市"],
        ["edit", "submit"],
        None,
    ),
}


def _take(step, user, plan):
    if step == "edit":
        values = {"text": "新增目标"}
        return services.save_content(
            user=user, plan=plan, section="goals", expected_version=plan.version, values=values
        )
    if step == "submit":
        return services.submit_for_agreement(user=user, plan=plan)
    if step == "agree":
        return services.agree(user=user, plan=plan)
    if step == "return":
        return services.return_plan(user=user, plan=plan, comment="请补充产业项目")
    if step == "issue":
        return services.issue(user=user, plan=plan, doc_number="豫政〔2026〕9号", date=datetime.date(2026, 3, 1))
    if step == "file":
        return services.file_plan(user=user, plan=plan, receipt="备案〔2026〕9号")
    if step == "revise":
        return services.start_revision(user=user, plan=plan)
    assert step == "annual"
    return services.create_annual_plan(user=user, five_year=plan, year=2027)


@pytest.mark.parametrize("state", STATES)
def test_every_step_offered_is_accepted_and_every_other_refused(who, state):
    from duikou import testing
    from duikou.plans.workflow import WORKFLOW

    plan = STATES[state][0](who)
    users = {**who, "xy_viewer": testing.user("xy_viewer", "信阳市人民政府", "viewer")}
    testing.assert_steps_agree(WORKFLOW, plan, users, _take)


@pytest.mark.parametrize("state", STATES)
def test_turn_names_who_is_to_act(who, state):
    from duikou import testing
    from duikou.plans.workflow import WORKFLOW

    build, parties, steps, days = STATES[state]
    # a fresh draft has no due date; every later step is due so many days (a local setting) after it began waiting
    due = timezone.localdate() + datetime.timedelta(days=getattr(settings, days)) if days else None
    assert testing.turn_of(WORKFLOW, build(who)) == (parties, steps, due)


def test_plan_page_says_whose_turn_it_is(who, client):
    plan = services.agree(user=who["xy_approver"], plan=_agreeing(who))
    client.force_login(who["henan"])
    response = client.get(f"/plans/{plan.pk}/")
    due = plan.step_due.isoformat()
    assert str(response.context["turn"]) == f"等待 苏州市 处理，截止 {due}（本地规则）"
    assert (
        f'<p class="small mb-2" id="workflow-turn">等待 苏州市 处理，截止 {due}（本地规则）</p>'
        in response.content.decode()
    )
    filed = filed_plan(who)
    assert 'id="workflow-turn"' not in client.get(f"/plans/{filed.pk}/").content.decode()  # nobody's turn
