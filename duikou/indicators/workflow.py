"""The reporting workflow (2022 方案 四(四)) as one table: who may take which step of a report, and whose turn it is.

The editors and approvers of either city of a pairing enter its values and submit them; the province of either side
approves (or returns with comments), as the national overseer may; the national overseer accepts (or returns). An
approver of the province or the overseer unlocks approved values with a reason. The seeds set no time limits for
the review steps: each due date is a local rule (a setting, ``DUIKOU_REPORT_*_DAYS``), and pages say so.
"""

from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.core.workflow import Party, Step, Workflow, after_days, national_party, region_party, status_refusal
from duikou.pairings import sides

from .models import LockedValueError, Report

S = Report.Status
A = scoping.Action


def _national(user) -> bool:
    return scoping.region_prefix(user) is None


def _approve(user, report: Report) -> bool:
    return scoping.can(user, A.APPROVE, report)


def _province_or_national(user, report: Report) -> bool:
    return bool(sides.province_sides(user, report.pairing)) or _national(user)


def _enters(user, report: Report) -> bool:
    """Users of either city who may change data."""
    return scoping.can(user, A.CHANGE, report) and bool(sides.city_sides(user, report.pairing))


def _approves(user, report: Report) -> bool:
    return _approve(user, report) and _province_or_national(user, report)


def _accepts(user, report: Report) -> bool:
    return _approve(user, report) and _national(user)


def _returns(user, report: Report) -> bool:
    """A submitted report goes back from its province (or the nation); an approved one only from the nation."""
    return _accepts(user, report) if report.status == S.APPROVED else _approves(user, report)


def _cities(report: Report) -> list[Party]:
    return [region_party(sides.side_region(report.pairing, s)) for s in sides.SIDES]


def _provinces(report: Report) -> list[Party]:
    return [region_party(p) for p in sides.provinces(report.pairing)]


def _overseer(report: Report) -> list[Party]:
    return [national_party()]


def _reviewers(report: Report) -> list[Party]:
    return _overseer(report) if report.status == S.APPROVED else _provinces(report)


def _refuse(user, report: Report, step: Step) -> Exception:
    if step.name == "edit" and report.locked:
        return LockedValueError(f"{report.pairing} {report.period} 的数据（{report.get_status_display()}）")
    return status_refusal(report)


WORKFLOW = Workflow(
    [
        Step("edit", _("填报"), (S.OPEN,), None, _enters, party=_cities),
        Step(
            "submit",
            _("上报"),
            (S.OPEN,),
            S.SUBMITTED,
            _enters,
            party=_cities,
            due=after_days("DUIKOU_REPORT_RESUBMIT_DAYS", local=True),
            style="danger",
        ),
        Step(
            "approve",
            _("审核通过"),
            (S.SUBMITTED,),
            S.APPROVED,
            _approves,
            party=_provinces,
            due=after_days("DUIKOU_REPORT_APPROVE_DAYS", local=True),
            style="success",
        ),
        Step(
            "accept",
            _("接收"),
            (S.APPROVED,),
            S.ACCEPTED,
            _accepts,
            party=_overseer,
            due=after_days("DUIKOU_REPORT_ACCEPT_DAYS", local=True),
            style="success",
        ),
        Step(
            "return",
            _("退回"),
            (S.SUBMITTED, S.APPROVED),
            S.OPEN,
            _returns,
            party=_reviewers,
            style="outline-danger",
            fields=("comment",),
        ),
        Step(
            "unlock",
            _("解锁"),
            (S.APPROVED, S.ACCEPTED),
            S.OPEN,
            _approves,
            style="outline-warning",
            fields=("reason",),
        ),
    ],
    gate=lambda user, report: scoping.can(user, A.VIEW, report),
    refuse=_refuse,
    due_field="step_due",
)
