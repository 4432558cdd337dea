"""Racing writers: the same reminder clicked at once by several officials, the same event written by several workers
at once — one notification per recipient, no error."""

import pytest
from django.db.models import Count

from duikou import testing
from duikou.notifications import services
from duikou.notifications.models import Notification, Reminder


@pytest.fixture
def who(committed_db):
    return {
        "henan_editor": testing.user("race_henan_editor", "河南省人民政府", "editor"),
        "henan_approver": testing.user("race_henan_approver", "河南省人民政府", "approver"),
        "xy_editor": testing.user("race_xy_editor", "信阳市人民政府", "editor"),
        "sz_approver": testing.user("race_sz_approver", "苏州市人民政府", "approver"),
    }


def test_the_same_reminder_clicked_at_once_reminds_each_organisation_once(who):
    url = "/indicators/reminders/send?dataset=quarterly&period=2025Q3"

    def prepare(i):
        client = testing.logged_in(who["henan_editor"] if i % 2 else who["henan_approver"])
        return lambda: client.post(url)

    results = testing.race(prepare)
    assert testing.statuses(results) == [302] * len(results)
    per_day = Reminder.objects.values("content_type", "object_id", "organisation", "day").annotate(n=Count("pk"))
    assert per_day and all(row["n"] == 1 for row in per_day)
    reminded = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert reminded.filter(recipient=who["xy_editor"]).count() == 1
    assert reminded.filter(recipient=who["sz_approver"]).count() == 1
    assert all(row["n"] == 1 for row in reminded.values("recipient", "object_id").annotate(n=Count("pk")))


def test_the_same_event_written_by_several_workers_at_once_is_stored_once(who):
    pairing = testing.pairing("信阳市", "苏州市")

    def prepare(i):
        return lambda: services.notify(
            recipients=[who["xy_editor"], who["sz_approver"]],
            kind=Notification.Kind.DUE_TODAY,
            obj=pairing,
            title="今天到期",
            link="/",
            key="due_today:race",
        )

    results = testing.race(prepare)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(len(r) for r in results) == 2  # each recipient's row written by exactly one worker
    assert Notification.objects.filter(key="due_today:race").count() == 2
