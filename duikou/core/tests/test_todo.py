"""My to-do (/todo/, the home page, GET /api/me/todo): what waits for each user, from the workflow tables."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from duikou import testing, todo
from duikou.plans import services
from duikou.plans.tests.factories import drafted_plan, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    return people()


def _titles(user, source=""):
    items, _more = todo.todo_for(user, source=source)
    return [(i.source, i.title, i.action) for i in items]


def test_a_submitted_plan_waits_for_both_cities_approvers_with_a_local_due_date(who, settings):
    settings.DUIKOU_PLAN_AGREE_DAYS = 15
    plan = services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    assert plan.step_due == timezone.localdate() + datetime.timedelta(days=15)
    for name in ("xy_approver", "sz_approver"):
        items, _ = todo.todo_for(who[name], source="plans")
        assert [(i.title, i.due, i.local_rule) for i in items] == [(str(plan), plan.step_due, True)]
        assert "确认同意" in items[0].action and "苏州市" in items[0].turn and "本地规则" in items[0].turn
    # the editor cannot agree, the province and the other pairing's city have nothing to do yet
    for name in ("xy_editor", "henan", "yanan_editor", "ndrc"):
        assert _titles(who[name], "plans") == [], name


def test_the_plan_moves_from_one_to_do_to_the_next(who):
    plan = services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    plan = services.agree(user=who["xy_approver"], plan=plan)
    assert _titles(who["xy_approver"], "plans") == []  # 信阳 has agreed for its side
    assert [t for _s, t, _a in _titles(who["sz_approver"], "plans")] == [str(plan)]
    plan = services.agree(user=who["sz_approver"], plan=plan)
    assert _titles(who["sz_approver"], "plans") == []
    for name in ("henan", "jiangsu"):
        assert [a for _s, _t, a in _titles(who[name], "plans")] == ["登记本省印发"], name


def test_a_returned_plan_is_due_again_and_waits_for_the_editors(who, settings):
    settings.DUIKOU_PLAN_RESUBMIT_DAYS = 7
    plan = services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    plan = services.return_plan(user=who["sz_approver"], plan=plan, comment="请补充产业项目")
    items, _ = todo.todo_for(who["xy_editor"], source="plans")
    assert [(i.title, i.due) for i in items] == [(str(plan), timezone.localdate() + datetime.timedelta(days=7))]


def test_overdue_items_come_first_and_are_counted(who):
    plan = drafted_plan(who)
    plan.items.filter(text="共建豫东南高新区").update(due_date=datetime.date(2024, 1, 1))
    items, _ = todo.todo_for(who["xy_editor"])
    today = timezone.localdate()
    late = [i.overdue(today) for i in items]
    assert late == sorted(late, reverse=True) and any(late) and not all(late)  # overdue first
    task = next(i for i in items if i.source == "tasks")
    assert task.overdue(today) and "共建豫东南高新区" in task.title
    assert [i for i in todo.todo_for(who["yanan_editor"])[0] if "信阳" in i.place or "信阳" in i.title] == []


def test_the_page_the_home_page_and_the_api_show_the_same_list(who, client: Client):
    plan = services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    testing.login(client, who["sz_approver"])
    page = client.get("/todo/").content.decode()
    assert str(plan) in page and "确认同意" in page and "本地规则" in page
    assert str(plan) in client.get("/").content.decode()
    data = client.get("/api/me/todo?source=plans").json()
    assert [(i["title"], i["source"], i["local_rule"]) for i in data["items"]] == [(str(plan), "plans", True)]
    assert data["overdue"] == 0 and data["more"] == []
    # filters: another kind has nothing; nothing is overdue
    assert "目前没有等待您办理的事项" in client.get("/todo/?source=notices").content.decode()
    assert "没有逾期的待办事项" in client.get("/todo/?source=plans&overdue=1").content.decode()


def test_the_to_do_exports_to_excel(who, client: Client):
    from io import BytesIO

    from openpyxl import load_workbook

    plan = services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    testing.login(client, who["xy_approver"])
    response = client.get("/todo/?source=plans&format=xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("类别", "事项") and rows[1][1] == str(plan) and rows[1][6] == f"/plans/{plan.pk}/"


def test_old_addresses_redirect_to_the_to_do(who, client: Client):
    testing.login(client, who["xy_editor"])
    assert client.get("/plans/todo/").headers["Location"] == "/todo/"
    assert client.get("/plans/overdue/").headers["Location"] == "/todo/?overdue=1"


def test_a_source_with_more_than_its_limit_says_so(who, settings):
    settings.DUIKOU_TODO_SOURCE_LIMIT = 10
    plan = drafted_plan(who)
    for n in range(12):
        services.save_content(
            user=who["xy_editor"],
            plan=plan,
            section="items",
            expected_version=plan.version,
            values={
                "key_task": plan.items.first().key_task,
                "text": f"逾期任务{n}",
                "due_date": datetime.date(2024, 1, n + 1),
            },
        )
        plan.refresh_from_db()
    items, more = todo.todo_for(who["xy_editor"], source="tasks")
    assert len(items) == 10 and [(m.count, m.link) for m in more] == [(2, "/plans/matrix/")]


def test_the_users_waited_for_are_those_whose_to_do_holds_the_plan(who):
    from duikou.plans.workflow import WORKFLOW

    plan = services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    assert {u.username for u in WORKFLOW.waiting_for(plan)} == {"xy_approver", "sz_approver"}
    plan = services.agree(user=who["xy_approver"], plan=plan)
    assert [u.username for u in WORKFLOW.waiting_for(plan)] == ["sz_approver"]


def test_reports_to_fill_are_in_the_cities_to_do_until_submitted_then_the_provinces(who, settings):
    from duikou.indicators import services as indicators
    from duikou.indicators.models import DataSet
    from duikou.indicators.tests.factories import fill, report

    today = datetime.date(2026, 12, 7)
    testing.pairing("信阳市", "苏州市")
    quarterly = DataSet.objects.get(pk="quarterly")
    items = [i for i in todo.todo_for(who["xy_editor"], today=today, source="reports")[0] if "quarterly" in i.link]
    due = quarterly.due_date(quarterly_period("2026Q3"))
    q3 = next(i for i in items if i.link.endswith("/quarterly/2026Q3/"))
    assert q3.due == due and q3.overdue(today) and q3.action == "填报并上报" and q3.local_rule
    assert len(items) == 4  # the four latest finished quarters, none reported yet
    assert [i for i in todo.todo_for(who["henan"], today=today, source="reports")[0] if "2026Q3" in i.link] == []
    # 信阳 submits 2026Q3: gone from the cities' to-do, in the provinces'
    rep = fill(who["xy_editor"], report("2026Q3"))
    indicators.submit_report(user=who["xy_editor"], report=rep)
    links = [i.link for i in todo.todo_for(who["xy_editor"], today=today, source="reports")[0]]
    assert q3.link not in links
    henan = [i for i in todo.todo_for(who["henan"], today=today, source="reports")[0] if i.link == q3.link]
    assert [i.action for i in henan] == ["审核通过、退回"]


def quarterly_period(text):
    from duikou.indicators.periods import parse_period

    return parse_period(text)
