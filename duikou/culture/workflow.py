"""The review of red-culture content as one table: an editor of the item's place drafts and submits it, an approver of
that place who did not submit it reviews it (publish, or return with a note), an approver takes a published item down
at once, and an editor revises a published or taken-down item (it leaves the public site and goes back to draft).

The place of a resource is its region; of a route, its pairing (either city). Rights come from the role table
(``scoping``): CHANGE to draft, submit and revise; APPROVE to review and take down.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.workflow import Step, Workflow, region_party
from duikou.geo.models import Region

from .models import Resource, Status

S = Status


def _edits(user, item) -> bool:
    return scoping.can(user, scoping.Action.CHANGE, item)


def _reviews(user, item) -> bool:
    """An approver of the item's place who is not the one who submitted it (four eyes)."""
    return scoping.can(user, scoping.Action.APPROVE, item) and item.submitted_by_id != user.pk


def _takes_down(user, item) -> bool:
    return scoping.can(user, scoping.Action.APPROVE, item)


def _city(region):
    """The prefecture (or province) a region lies in: its government's approvers review what its places draft."""
    node = region
    while node.level not in (Region.Level.PROVINCE, Region.Level.PREFECTURE) and node.parent_id:
        node = node.parent
    return node


def _reviewers(item):
    regions = [item.region] if isinstance(item, Resource) else [item.pairing.old_region, item.pairing.partner_region]
    return [region_party(_city(region)) for region in regions]


def _refuse(user, item, step: Step) -> Exception:
    if not scoping.can(user, scoping.Action.VIEW, item):
        return PermissionDenied(_("您无权处理该内容。"))
    if step.name in ("publish", "return") and item.status == S.REVIEW and item.submitted_by_id == user.pk:
        return PermissionDenied(_("提交人不能审核自己提交的内容，须由本地区其他有审批权限的用户审核。"))
    if step.name in ("publish", "return", "takedown") and not scoping.can(user, scoping.Action.APPROVE, item):
        return PermissionDenied(_("只有本地区有审批权限的用户才能审核、发布或下架。"))
    if not _edits(user, item) and step.name in ("submit", "revise"):
        return PermissionDenied(_("只有本地区的填报人员才能提交或修改。"))
    return UserFacingError(
        _("当前状态（%(status)s）下不能%(step)s。") % {"status": item.get_status_display(), "step": step.label}
    )


WORKFLOW = Workflow(
    [
        Step("submit", gettext_lazy("提交审核"), (S.DRAFT,), S.REVIEW, _edits),
        Step(
            "publish",
            gettext_lazy("审核通过并发布"),
            (S.REVIEW,),
            S.PUBLISHED,
            _reviews,
            _reviewers,
            style="success",
            fields=("secrecy_confirmed", "note"),
        ),
        Step(
            "return",
            gettext_lazy("退回修改"),
            (S.REVIEW,),
            S.DRAFT,
            _reviews,
            _reviewers,
            style="outline-danger",
            fields=("note",),
        ),
        Step(
            "takedown",
            gettext_lazy("下架"),
            (S.PUBLISHED,),
            S.WITHDRAWN,
            _takes_down,
            style="outline-danger",
            fields=("reason",),
        ),
        Step(
            "revise",
            gettext_lazy("修改（退回草稿）"),
            (S.PUBLISHED, S.WITHDRAWN),
            S.DRAFT,
            _edits,
            style="outline-secondary",
        ),
    ],
    refuse=_refuse,
    gate=lambda user, item: scoping.can(user, scoping.Action.VIEW, item),
)
