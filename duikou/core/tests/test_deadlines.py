"""Deadlines that reach people: due in three days, due today, overdue — each told once to each person whose to-do
holds the object, whatever the number of workers running the daily job; never anyone outside the object's scope."""

import datetime

import pytest
from django.db.models import Count
from django.utils import timezone

from duikou import deadlines, testing
from duikou.notifications.models import Notification
from duikou.plans import services
from duikou.plans.models import Plan
from duikou.plans.tests.factories import drafted_plan, people

K = Notification.Kind


def _submitted(who, due_in: int) -> Plan:
    plan = services.submit_for_agreement(user=who["xy_editor"], plan=drafted_plan(who))
    Plan.objects.filter(pk=plan.pk).update(step_due=timezone.localdate() + datetime.timedelta(days=due_in))
    return Plan.objects.get(pk=plan.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("due_in", "kind"), [(3, K.DUE_SOON), (0, K.DUE_TODAY), (-1, K.OVERDUE), (-3, K.OVERDUE)])
def test_each_waiting_approver_is_told_once_by_the_daily_run(due_in, kind):
    who = people()
    plan = _submitted(who, due_in)
    Notification.objects.all().delete()  # what the submission itself told
    deadlines.notify_deadlines()
    deadlines.notify_deadlines()  # a second run the same day tells nobody again
    told = Notification.objects.filter(kind=kind)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["sz_approver", "xy_approver"]
    assert all(str(plan) in n.title and n.link == f"/plans/{plan.pk}/" for n in told)
    # nobody else, and nothing outside 信阳–苏州's scope
    assert Notification.objects.exclude(kind=kind).count() == 0
    assert not Notification.objects.filter(recipient=who["yanan_editor"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("due_in", [1, 2, 4, -8])
def test_other_days_tell_nobody(due_in):
    who = people()
    _submitted(who, due_in)
    Notification.objects.all().delete()
    deadlines.notify_deadlines()
    assert Notification.objects.count() == 0


def test_a_deadline_crossing_tells_each_recipient_once_whatever_the_number_of_workers(committed_db):
    who = {
        "xy_editor": testing.user("dl_xy_editor", "信阳市人民政府", "editor"),
        "xy_approver": testing.user("dl_xy_approver", "信阳市人民政府", "approver"),
        "sz_approver": testing.user("dl_sz_approver", "苏州市人民政府", "approver"),
    }
    plan = _submitted(who, 0)
    Notification.objects.all().delete()
    results = testing.race(lambda i: deadlines.notify_deadlines, n=4)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r[str(K.DUE_TODAY)] for r in results) == 2  # each recipient's row written by exactly one worker
    per_recipient = Notification.objects.filter(kind=K.DUE_TODAY, object_id=str(plan.pk)).values("recipient")
    assert sorted(row["n"] for row in per_recipient.annotate(n=Count("pk"))) == [1, 1]


@pytest.mark.django_db
def test_a_case_deadline_names_the_household_masked():
    from duikou.monitoring import testing as mt

    hands = mt.procedure_users()
    case = mt.visited_case(hands, head_name="刘大山")
    case.__class__.objects.filter(pk=case.pk).update(deadline=timezone.localdate())
    deadlines.notify_deadlines()
    told = Notification.objects.filter(kind=K.DUE_TODAY)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["xinyang_village", "xinyang_village2"]
    assert all("刘**户" in n.title and "刘大山" not in n.title for n in told)


@pytest.mark.django_db
def test_naming_a_responsible_person_tells_them():
    from duikou.monitoring import services as monitoring
    from duikou.monitoring import testing as mt

    hands = mt.procedure_users()
    case = mt.visited_case(hands, head_name="刘大山")
    monitoring.assign_responsible(
        user=hands["township"], alert=case, responsible=hands["county"], expected_version=case.version
    )
    told = Notification.objects.get(kind=K.CASE_ASSIGNED)
    assert (
        told.recipient == hands["county"] and "刘**户" in told.title and told.link == f"/monitoring/alerts/{case.pk}/"
    )


@pytest.mark.django_db
def test_the_daily_schedule_runs_the_deadline_notices_as_a_system_job(monkeypatch):
    import duikou.schedules
    from duikou.core import schedules

    table = duikou.schedules.SCHEDULES
    monkeypatch.setattr(duikou.schedules, "SCHEDULES", lambda: [s for s in table() if s.name == "deadlines"])
    _submitted(people(), 0)
    Notification.objects.all().delete()
    [run] = schedules.tick()
    assert run.job.status == "done" and run.job.result["summary"].startswith("到期与逾期提醒：")
    assert sorted(Notification.objects.filter(kind=K.DUE_TODAY).values_list("recipient__username", flat=True)) == [
        "sz_approver",
        "xy_approver",
    ]
