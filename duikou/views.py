"""The home page and my to-do: what the signed-in user's area holds and what waits for them, across the apps."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from duikou import todo
from duikou.core.exports import xlsx_response
from duikou.core.listviews import render_list
from duikou.pairings.queries import pairings_for

HOME_TODO = 8  # items the home page shows before 「全部待办」


@login_required
def home(request):
    pairings = pairings_for(request.user)
    today = timezone.localdate()
    items, more = todo.todo_for(request.user, today=today)
    return render(
        request,
        "home.html",
        {
            "pairing_count": pairings.count(),
            "old_region_count": pairings.values("old_region").distinct().count(),
            "partner_count": pairings.values("partner_region").distinct().count(),
            "todo_items": items[:HOME_TODO],
            "todo_total": len(items) + sum(m.count for m in more),
            "todo_overdue": sum(1 for i in items if i.overdue(today)),
            "today": today,
        },
    )


@login_required
def todo_list(request):
    """Everything waiting for this user's action, overdue first; filter by kind or overdue only; as Excel too."""
    today = timezone.localdate()
    source = request.GET.get("source", "")
    if source not in todo.SOURCES:
        source = ""
    items, more = todo.todo_for(request.user, today=today, source=source)
    all_items = items if not source else todo.todo_for(request.user, today=today)[0]
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        items = [i for i in items if i.overdue(today)]
    if request.GET.get("format") == "xlsx":
        header = [_("类别"), _("事项"), _("结对关系或地区"), _("待办操作"), _("时限"), _("逾期"), _("链接")]
        rows = (
            [str(i.kind), i.title, i.place, str(i.action), i.due, _("是") if i.overdue(today) else "", i.link]
            for i in items
        )
        return xlsx_response("todo.xlsx", _("我的待办"), header, rows)
    return render_list(
        request,
        "todo.html",
        items,
        more=more,
        today=today,
        source=source,
        overdue_only=overdue_only,
        counts=list(todo.counts(all_items, today)),
        total_overdue=sum(1 for i in all_items if i.overdue(today)),
    )
