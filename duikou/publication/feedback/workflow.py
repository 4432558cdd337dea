"""Moderating feedback as one table: an approver in scope of the subject (its pairing's or region's area) shows a
message on the public page, rejects it, hides a shown one again, or writes the reply that shows under it. Rejecting
and hiding need a reason. A rejected or hidden message may be shown after all (the decision is revised; the audit
history keeps both). Nobody's turn: the to-do list counts what is pending (``duikou/todo.py``)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.workflow import Step, Workflow

from ..models import Feedback

F = Feedback.Status


def _moderates(user, item: Feedback) -> bool:
    return scoping.can(user, scoping.Action.APPROVE, item)


def _refuse(user, item: Feedback, step: Step) -> Exception:
    if not _moderates(user, item):
        return PermissionDenied(_("只有留言所涉结对关系或地区有审批权限的用户才能审核留言。"))
    return UserFacingError(
        _("这条留言现为「%(status)s」，不能%(step)s。") % {"status": item.get_status_display(), "step": step.label}
    )


WORKFLOW = Workflow(
    [
        Step("show", gettext_lazy("公开"), (F.PENDING, F.REJECTED, F.HIDDEN), F.SHOWN, _moderates, style="success"),
        Step(
            "reject", gettext_lazy("不予公开"), (F.PENDING,), F.REJECTED, _moderates, style="danger", fields=("reason",)
        ),
        Step(
            "hide", gettext_lazy("撤下"), (F.SHOWN,), F.HIDDEN, _moderates, style="outline-danger", fields=("reason",)
        ),
        Step(
            "reply",
            gettext_lazy("答复"),
            (F.PENDING, F.SHOWN),
            None,
            _moderates,
            style="outline-primary",
            fields=("reply",),
        ),
    ],
    refuse=_refuse,
    gate=lambda user, item: scoping.can(user, scoping.Action.VIEW, item),
)

# the steps after which the public page shows something else (the site's cache generation is raised)
VISIBLE = {"show", "hide"}
