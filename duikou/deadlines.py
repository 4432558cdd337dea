"""Deadlines that reach people: every morning the workers tell each user whose to-do holds an object due in three
days, due today, or overdue since yesterday (or a few days back, when the workers were down) — once per recipient,
object, due date and kind, whatever the number of workers (the notification's unique key settles the race).

It reads the same tables as the to-do: the workflow objects (plans, reports, notices, cases) through
``Workflow.waiting_for``, and the objections through who may answer them."""

import datetime
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from duikou.notifications.models import Notification
from duikou.notifications.services import notify

K = Notification.Kind
# how far back an overdue object is still told about, when the daily run missed days
CATCH_UP_DAYS = 7


def _kind(due: datetime.date, today: datetime.date) -> str | None:
    if due == today + datetime.timedelta(days=3):
        return K.DUE_SOON
    if due == today:
        return K.DUE_TODAY
    if today - datetime.timedelta(days=CATCH_UP_DAYS) <= due < today:
        return K.OVERDUE
    return None


def _window(today: datetime.date) -> tuple[list[datetime.date], datetime.date, datetime.date]:
    return [today, today + datetime.timedelta(days=3)], today - datetime.timedelta(days=CATCH_UP_DAYS), today


def _workflow_objects(today) -> Iterator[tuple[str, object, object, datetime.date, str]]:
    """(label, workflow, object, due date, link) of every workflow object whose due date asks for a notice today."""
    from django.db.models import Q
    from django.urls import reverse

    from duikou.evaluation.models import Notice
    from duikou.evaluation.supervision.workflow import WORKFLOW as NOTICES
    from duikou.indicators.models import Report
    from duikou.indicators.workflow import WORKFLOW as REPORTS
    from duikou.monitoring.models import Alert
    from duikou.monitoring.workflow import WORKFLOW as CASES
    from duikou.plans.models import Plan
    from duikou.plans.workflow import WORKFLOW as PLANS

    days, since, before = _window(today)
    for label, workflow, model, field, link in (
        ("plan", PLANS, Plan, "step_due", lambda o: reverse("plans:detail", args=[o.pk])),
        (
            "report",
            REPORTS,
            Report,
            "step_due",
            lambda o: reverse("indicators:entry", args=[o.pairing_id, o.dataset.code, o.period]),
        ),
        ("notice", NOTICES, Notice, "step_due", lambda o: reverse("evaluation:notice_detail", args=[o.pk])),
        ("case", CASES, Alert, "deadline", lambda o: reverse("monitoring:alert", args=[o.pk])),
    ):
        when = Q(**{f"{field}__in": days}) | Q(**{f"{field}__gte": since, f"{field}__lt": before})
        qs = model.objects.filter(when)
        statuses = workflow.waiting_statuses()
        if statuses is not None:
            qs = qs.filter(status__in=statuses)
        for obj in qs.order_by("pk"):
            yield label, workflow, obj, getattr(obj, field), link(obj)


def notify_deadlines(*, today: datetime.date | None = None, progress=None) -> dict:
    """Tell everyone whose turn it is about the due dates of today's window; returns how many were told, by kind."""
    from duikou.monitoring.models import Objection
    from duikou.monitoring.services import may_answer

    today = today or timezone.localdate()
    told = {K.DUE_SOON: 0, K.DUE_TODAY: 0, K.OVERDUE: 0}
    for label, workflow, obj, due, link in _workflow_objects(today):
        kind = _kind(due, today)
        if kind is None:
            continue
        turn = workflow.turn(obj)
        told[kind] += len(
            notify(
                recipients=workflow.waiting_for(obj),
                kind=kind,
                obj=obj,
                title=lambda kind=kind, label=label, obj=obj, turn=turn, due=due: _title(
                    kind, _what(label, obj), turn.step_label, due
                ),
                link=link,
                key=f"deadline:{label}:{obj.pk}:{obj.status}:{due.isoformat()}:{kind}",
            )
        )
    days, since, before = _window(today)
    for objection in Objection.objects.filter(status=Objection.Status.OPEN).filter(
        due__in=days
    ) | Objection.objects.filter(status=Objection.Status.OPEN, due__gte=since, due__lt=before):
        kind = _kind(objection.due, today)
        if kind is None:
            continue
        recipients = [u for u in _local_users(objection) if may_answer(u, objection)]
        told[kind] += len(
            notify(
                recipients=recipients,
                kind=kind,
                obj=objection,
                title=lambda kind=kind, objection=objection: _title(
                    kind, f"{objection.ack_number} {objection.get_kind_display()}", _("答复"), objection.due
                ),
                link=f"/monitoring/alerts/{objection.case_id}/#objections",
                key=f"deadline:objection:{objection.pk}:{objection.due.isoformat()}:{kind}:{bool(objection.escalated)}",
            )
        )
    return {"summary": "、".join(f"{K(k).label} {n}" for k, n in told.items()), **{str(k): n for k, n in told.items()}}


def _what(label: str, obj) -> str:
    """The object as a message names it: a case by the household head's masked name and its number, never more."""
    if label == "case":
        return _("%(household)s监测案件") % {"household": obj.household.masked_label}
    return str(obj)


def _local_users(objection):
    from duikou.accounts.models import User

    code = objection.case.household.village_id
    return User.objects.filter(is_active=True, organisation__region_id__in=[code[:6], code[:9]]).select_related(
        "organisation"
    )


def _title(kind: str, what: str, step: str, due: datetime.date) -> str:
    words = {"what": what, "step": step, "due": f"{due:%Y-%m-%d}"}
    if kind == K.DUE_SOON:
        return _("3 天后到期：%(what)s「%(step)s」，时限 %(due)s") % words
    if kind == K.DUE_TODAY:
        return _("今天到期：%(what)s「%(step)s」") % words
    return _("已逾期：%(what)s「%(step)s」，时限 %(due)s") % words
