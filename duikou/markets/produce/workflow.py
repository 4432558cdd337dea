"""The steps of a 消费帮扶产品认定 as one table. An editor of the product's county (or of its city or province) enters
the application and submits it; an approver of the county's own government who did not submit it reviews it (the
county's review) and sets the 公示 period, or returns it with a reason; after the 公示 ends without a sustained
objection the same county certifies it with a certificate number and validity, or returns it when an objection was
upheld; a county approver may later revoke a certificate with a reason and the day it ends.

Sources (docs/matching.md): the 2024 rules as reported by CNR ask for the county government's review and 公示 before
certification; 商南's earlier process ends in 县级审定 and 公示.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.workflow import Step, Workflow, region_party

from ..models import ProductCertification

S = ProductCertification.Status


def _edits(user, cert) -> bool:
    return scoping.can(user, scoping.Action.CHANGE, cert)


def _county_approver(user, cert) -> bool:
    """An approver of the county's own government (the superuser stands for any)."""
    if not scoping.can(user, scoping.Action.APPROVE, cert):
        return False
    org = getattr(user, "organisation", None)
    return user.is_superuser or (org is not None and org.region_id == cert.county_id)


def _reviews(user, cert) -> bool:
    """The county's approver who did not submit the application (four eyes)."""
    return _county_approver(user, cert) and cert.submitted_by_id != user.pk


def _county(cert):
    return [region_party(cert.county)]


def _refuse(user, cert, step: Step) -> Exception:
    if not scoping.can(user, scoping.Action.VIEW, cert):
        return PermissionDenied(_("您无权处理该产品认定。"))
    if step.name == "submit":
        if not _edits(user, cert):
            return PermissionDenied(_("只有产品所在地区的填报人员才能提交认定申请。"))
    elif not _county_approver(user, cert):
        return PermissionDenied(
            _("只有%(county)s有审批权限的用户才能进行县级审核、公示、认定或撤销。") % {"county": cert.county.name}
        )
    elif step.name != "revoke" and cert.status in step.sources and cert.submitted_by_id == user.pk:
        return PermissionDenied(_("提交人不能审核自己提交的认定申请，须由本县其他有审批权限的用户审核。"))
    return UserFacingError(
        _("「%(product)s」当前状态（%(status)s）下不能%(step)s。")
        % {"product": cert.name, "status": cert.get_status_display(), "step": step.label}
    )


WORKFLOW = Workflow(
    [
        Step("submit", gettext_lazy("提交县级审核"), (S.DRAFT,), S.REVIEW, _edits),
        Step(
            "publicize",
            gettext_lazy("审核通过并公示"),
            (S.REVIEW,),
            S.PUBLICITY,
            _reviews,
            _county,
            style="success",
            fields=("publicity_start", "publicity_end", "note"),
        ),
        Step(
            "certify",
            gettext_lazy("公示期满，予以认定"),
            (S.PUBLICITY,),
            S.CERTIFIED,
            _reviews,
            _county,
            style="success",
            fields=("certificate_no", "valid_from", "valid_to"),
        ),
        Step(
            "return",
            gettext_lazy("退回"),
            (S.REVIEW, S.PUBLICITY),
            S.DRAFT,
            _reviews,
            _county,
            style="outline-danger",
            fields=("note",),
        ),
        Step(
            "revoke",
            gettext_lazy("撤销认定"),
            (S.CERTIFIED,),
            S.REVOKED,
            _county_approver,
            style="outline-danger",
            fields=("note", "revoked_on"),
        ),
    ],
    refuse=_refuse,
    gate=lambda user, cert: scoping.can(user, scoping.Action.VIEW, cert),
)
