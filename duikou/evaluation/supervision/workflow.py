"""The rectification notice workflow (seed 000 四(四)) as one table: who may take which step of a notice, whose turn it
is and when each step is due.

* the responsible organisation (by default the old-side city's government) receives the notice and reports its
  measures, by users of that organisation who may change data;
* the supervising level verifies (or returns the measures with a reason) and closes: the province of the old-side city
  (a province-level approver), or the national overseer; a notice under national supervision (issued by the national
  overseer, or escalated there), only the national overseer;
* the province or the national overseer may flag a notice as a major problem at any step, which puts it on the
  national overseer's desk.

Receiving is due ``DUIKOU_NOTICE_RECEIVE_DAYS`` after issue, the measures by the notice's deadline, verification
``DUIKOU_NOTICE_VERIFY_DAYS`` after the report and closing ``DUIKOU_NOTICE_CLOSE_DAYS`` after verification: configurable
working rules (the seeds give no time limits). The notice keeps the due date of the step it waits for in ``step_due``.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.core.workflow import Party, Step, Workflow, after_days, national_party, organisation_party, region_party
from duikou.geo.models import Region

from ..models import Notice

A = scoping.Action
S = Notice.Status
OPEN = (S.ISSUED, S.RECEIVED, S.REPORTED, S.VERIFIED)


def supervising_province(notice: Notice) -> str:
    """Code of the province that supervises the notice: the province of the pairing's old-area side."""
    return notice.pairing.old_region.province_code


def starting_level(user) -> str:
    """The level a notice starts at is its issuer's: national supervision (国家督办) when the national overseer (whose
    area is the whole country) issues it, province supervision (省级督办) when a province issues it from its own
    evaluation; a province-level notice left overdue is escalated to national (``services.escalate_overdue``)."""
    return Notice.Level.NATIONAL if scoping.region_prefix(user) is None else Notice.Level.PROVINCE


def _is_responsible(user, notice: Notice) -> bool:
    return (
        bool(user.organisation_id)
        and user.organisation_id == notice.responsible_id
        and scoping.can(user, A.CHANGE, notice)
    )


def _is_national(user, notice: Notice) -> bool:
    return scoping.region_prefix(user) is None and scoping.can(user, A.APPROVE, notice)


def _is_province(user, notice: Notice) -> bool:
    prefix = scoping.region_prefix(user)
    return (
        prefix is not None
        and len(prefix) == 2
        and supervising_province(notice).startswith(prefix)
        and scoping.can(user, A.APPROVE, notice)
    )


def _supervises(user, notice: Notice) -> bool:
    """The province verifies and closes while the notice is under province supervision; the nation always."""
    if notice.supervision_level == Notice.Level.NATIONAL:
        return _is_national(user, notice)
    return _is_province(user, notice) or _is_national(user, notice)


def _may_flag(user, notice: Notice) -> bool:
    return not notice.major and (_is_province(user, notice) or _is_national(user, notice))


def _responsible(notice: Notice) -> list[Party]:
    return [organisation_party(notice.responsible)]


def _supervisor(notice: Notice) -> list[Party]:
    if notice.supervision_level == Notice.Level.NATIONAL:
        return [national_party()]
    return [region_party(Region.objects.get(code=supervising_province(notice)))]


def _by_deadline(notice: Notice, start):
    return notice.deadline


def _refuse(user, notice: Notice, step: Step) -> Exception:
    return PermissionDenied(
        f"整改通知「{notice}」当前状态为「{notice.get_status_display()}」"
        f"（{notice.get_supervision_level_display()}），您不能执行「{step.label}」"
    )


WORKFLOW = Workflow(
    [
        Step(
            "receive",
            _("签收"),
            (S.ISSUED,),
            S.RECEIVED,
            _is_responsible,
            party=_responsible,
            due=after_days("DUIKOU_NOTICE_RECEIVE_DAYS", local=True),
            style="danger",
        ),
        Step(
            "report",
            _("上报整改措施"),
            (S.RECEIVED,),
            S.REPORTED,
            _is_responsible,
            party=_responsible,
            due=_by_deadline,
            style="danger",
            fields=("text",),
        ),
        Step(
            "verify",
            _("核验"),
            (S.REPORTED,),
            S.VERIFIED,
            _supervises,
            party=_supervisor,
            due=after_days("DUIKOU_NOTICE_VERIFY_DAYS", local=True),
            style="success",
            fields=("comment",),
        ),
        Step(
            "return",
            _("退回重报"),
            (S.REPORTED,),
            S.RECEIVED,
            _supervises,
            party=_supervisor,
            style="outline-danger",
            fields=("comment",),
        ),
        Step(
            "close",
            _("销号"),
            (S.VERIFIED,),
            S.CLOSED,
            _supervises,
            party=_supervisor,
            due=after_days("DUIKOU_NOTICE_CLOSE_DAYS", local=True),
            style="success",
        ),
        Step("flag_major", _("列为重大问题"), OPEN, None, _may_flag, style="outline-danger", fields=("reason",)),
    ],
    gate=lambda user, notice: scoping.can(user, A.VIEW, notice),
    refuse=_refuse,
    due_field="step_due",
)
