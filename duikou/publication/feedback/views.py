"""The moderators' page (/publication/feedback/): the messages of the subjects the user approves for, by status, with
search and pages, and each message's steps (``workflow``) as small forms that carry the version the page showed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.listviews import page_context

from ..models import FEEDBACK_MAX, Feedback
from . import queries, resolve, services
from .workflow import WORKFLOW

ALL = "all"
DONE = {
    "show": gettext_lazy("已公开：公开页面即刻显示这条留言。"),
    "reject": gettext_lazy("已不予公开。"),
    "hide": gettext_lazy("已撤下：公开页面即刻不再显示这条留言。"),
    "reply": gettext_lazy("答复已保存。"),
}


@login_required
def feedback_list(request):
    if not scoping.may(request.user, scoping.Action.APPROVE):
        raise PermissionDenied
    status = request.GET.get("status", Feedback.Status.PENDING)
    status = status if status in Feedback.Status.values else ALL
    q = request.GET.get("q", "")[:100]
    qs = queries.feedback_for(request.user, status="" if status == ALL else status, q=q)
    context = page_context(
        request, qs, statuses=[(ALL, _("全部状态")), *Feedback.Status.choices], status=status, q=q, most=FEEDBACK_MAX
    )
    context["rows"] = rows_with_steps(request.user, context["page_obj"].object_list)
    return render(request, "publication/feedback/list.html", context)


def rows_with_steps(user, rows) -> list[tuple[Feedback, list, str]]:
    """Each message of the page with the steps the user may take on it and its subject's public address ("" when the
    subject is no longer public)."""
    urls: dict[tuple[str, int], str] = {}
    out = []
    for item in rows:
        key = (item.subject_kind, item.subject_id)
        if key not in urls:
            subject = resolve(*key)
            urls[key] = subject.url if subject else ""
        out.append((item, WORKFLOW.allowed_steps(user, item), urls[key]))
    return out


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("publication:feedback")


@login_required
@require_POST
def feedback_step(request, pk: int, step: str):
    """Take a moderation step: the scoping layer decides who may (404 outside the area, 403 without the approve
    right) before the form is read; a refusal or a lost race is a message on the list, never an error page."""
    item = queries.feedback_item_for(request.user, pk)
    version = request.POST.get("version", "")
    try:
        services.moderate(
            user=request.user,
            item=item,
            step=step,
            version=int(version) if version.isdigit() and len(version) < 10 else None,
            reason=request.POST.get("reason", ""),
            reply=request.POST.get("reply"),
        )
    except UserFacingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(DONE[step]))
    return redirect(_back(request) + f"#feedback-{item.pk}")
