"""Publishing as one table: who may publish or withdraw which item, and when it may be published at all.

An approver of the pairing's area decides (the item's scope with the approve right): a city's approver for its own
pairing's plan, projects and reports, the province for its cities', the national overseer for all. A province-internal
pairing (registered by its province) is published by the province or the national overseer; the national pairings of
the 2022 方案 are public already and are not published one by one. What may be published: a filed plan (备案, not a
draft), a report approved by the province or accepted by the overseer, any major project, an active province-internal
pairing. Nobody's turn: publishing is a decision, not a step anyone waits for, so the table has no parties.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.workflow import Step, Workflow
from duikou.indicators.models import Report
from duikou.pairings import sides
from duikou.pairings.models import Pairing
from duikou.plans.models import Plan
from duikou.projects.models import Project

from .models import Publication

UNPUBLISHED = "unpublished"
P = Publication.Status

KINDS: dict[type[Model], str] = {
    Pairing: Publication.Kind.PAIRING,
    Plan: Publication.Kind.PLAN,
    Project: Publication.Kind.PROJECT,
    Report: Publication.Kind.REPORT,
}


@dataclass
class Subject:
    """An item that may be published, with its open publication (None: never published, or withdrawn)."""

    item: Model
    publication: Publication | None
    last: Publication | None = None  # the latest publication, open or withdrawn

    @property
    def kind(self) -> str:
        return KINDS[type(self.item)]

    @property
    def pairing(self) -> Pairing:
        return self.item if isinstance(self.item, Pairing) else self.item.pairing

    @property
    def status(self) -> str:
        return self.publication.status if self.publication else UNPUBLISHED

    def get_status_display(self) -> str:
        return str(self.publication.get_status_display()) if self.publication else _("未公开")


def why_not_publishable(item: Model) -> str:
    """Why ``item`` may not be published in its present state, in words; "" when it may."""
    if isinstance(item, Plan) and item.status != Plan.Status.FILED:
        return _("只有已备案的实施方案才能公开，草稿和审议中的方案不公开。")
    if isinstance(item, Report) and item.status not in (Report.Status.APPROVED, Report.Status.ACCEPTED):
        return _("只有省级已审核或国家已接收的报告才能公开。")
    if isinstance(item, Pairing):
        if item.level != Pairing.Level.PROVINCE:
            return _("国家确定的结对关系已公开发布，只有省域内结对关系需逐一决定公开。")
        if item.status != Pairing.Status.ACTIVE:
            return _("已调整的结对关系不能公开。")
    return ""


def _decides(user, subject: Subject) -> bool:
    if not scoping.can(user, scoping.Action.APPROVE, subject.item):
        return False
    if isinstance(subject.item, Pairing):  # registered by the province: the province or the overseer decides
        return scoping.region_prefix(user) is None or bool(sides.province_sides(user, subject.item))
    return True


def _publishes(user, subject: Subject) -> bool:
    return _decides(user, subject) and not why_not_publishable(subject.item)


def _refuse(user, subject: Subject, step: Step) -> Exception:
    if not _decides(user, subject):
        return PermissionDenied(_("只有该结对关系所在地区有审批权限的用户才能决定公开或撤回。"))
    if step.name == "withdraw":
        return UserFacingError(_("该事项未公开或已撤回。"))
    if subject.status == P.PUBLISHED:
        return UserFacingError(_("该事项已公开。"))
    return UserFacingError(why_not_publishable(subject.item) or _("该事项现在不能公开。"))


WORKFLOW = Workflow(
    [
        Step("publish", gettext_lazy("公开"), (UNPUBLISHED,), P.PUBLISHED, _publishes, fields=("secrecy_confirmed",)),
        Step("withdraw", gettext_lazy("撤回公开"), (P.PUBLISHED,), P.WITHDRAWN, _decides, style="outline-danger"),
    ],
    refuse=_refuse,
    gate=lambda user, subject: scoping.can(user, scoping.Action.VIEW, subject.item),
)
