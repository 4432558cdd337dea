"""The signed-in user's own API: /api/me/… (their to-do). Reads go through the same functions as the pages."""

import datetime

from django.utils import timezone
from ninja import Router, Schema

from duikou import todo

router = Router(tags=["me"])


class TodoItemOut(Schema):
    source: str
    kind: str
    title: str
    action: str
    link: str
    due: datetime.date | None
    overdue: bool
    place: str
    turn: str
    local_rule: bool


class TodoMoreOut(Schema):
    kind: str
    count: int
    link: str


class TodoOut(Schema):
    items: list[TodoItemOut]
    overdue: int
    more: list[TodoMoreOut]


@router.get("/todo", response=TodoOut)
def my_todo(request, source: str = ""):
    """Everything waiting for the caller's action (``source``: plans, reports, notices, cases, objections,
    milestones, tasks, followups), overdue and oldest due first; ``more`` names the kinds that had more than listed."""
    today = timezone.localdate()
    items, more = todo.todo_for(request.user, today=today, source=source if source in todo.SOURCES else "")
    return {
        "items": [i.as_dict(today) for i in items],
        "overdue": sum(1 for i in items if i.overdue(today)),
        "more": [{"kind": str(m.kind), "count": m.count, "link": m.link} for m in more],
    }
