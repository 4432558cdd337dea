"""The self-assessment (自评, 征求结对方意见) and the cross-check (交叉核查) as tables: who may take which step, whose
turn it is and by when (东西部扶贫协作考核 2017: 自评 → 征求结对方意见 → 交叉核查 → 报告).

Self-assessment: each side of a pairing (its city government, by users who may change data) fills in its own and
submits it by the scheme's self-assessment due date; when the scheme asks for the partner's opinion, the other side's
city then gives it, item by item, by the opinion due date. Cross-check: the organisation of another province that the
evaluator assigned records its findings and reports them, which makes their adjustments count in the next run.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.core.workflow import Party, Step, Workflow, organisation_party, region_party
from duikou.pairings import sides

from ..models import CrossCheck, SelfAssessment

A = scoping.Action
S = SelfAssessment.Status
C = CrossCheck.Status


def other_side(side: str) -> str:
    return "partner" if side == "old" else "old"


def _of_side(user, assessment: SelfAssessment, side: str) -> bool:
    return side in sides.city_sides(user, assessment.pairing) and scoping.can(user, A.CHANGE, assessment)


def _is_own_side(user, assessment: SelfAssessment) -> bool:
    return assessment.scheme.self_assessment and _of_side(user, assessment, assessment.side)


def _is_partner(user, assessment: SelfAssessment) -> bool:
    return assessment.scheme.partner_opinion and _of_side(user, assessment, other_side(assessment.side))


def _own_party(assessment: SelfAssessment) -> list[Party]:
    return [region_party(sides.side_region(assessment.pairing, assessment.side))]


def _partner_party(assessment: SelfAssessment) -> list[Party]:
    if not assessment.scheme.partner_opinion:
        return []  # the scheme skips the partner's opinion: a submitted self-assessment waits for nobody
    return [region_party(sides.side_region(assessment.pairing, other_side(assessment.side)))]


def _refuse_assessment(user, assessment: SelfAssessment, step: Step) -> Exception:
    return PermissionDenied(
        f"「{assessment}」当前状态为「{assessment.get_status_display()}」，您不能执行「{step.label}」"
    )


SELF_ASSESSMENT = Workflow(
    [
        Step("edit", _("填写自评"), (S.DRAFT,), None, _is_own_side),
        Step(
            "submit",
            _("提交自评"),
            (S.DRAFT,),
            S.SUBMITTED,
            _is_own_side,
            party=_own_party,
            due=lambda a, start: a.scheme.self_assessment_due,
            style="success",
        ),
        Step(
            "opinion",
            _("提出结对方意见"),
            (S.SUBMITTED,),
            S.REVIEWED,
            _is_partner,
            party=_partner_party,
            due=lambda a, start: a.scheme.opinion_due,
            style="success",
            fields=("opinion", "opinion_reason"),
        ),
    ],
    gate=lambda user, assessment: scoping.can(user, A.VIEW, assessment),
    refuse=_refuse_assessment,
    due_field="step_due",
)


def _is_reviewer(user, check: CrossCheck) -> bool:
    return (
        bool(user.organisation_id) and user.organisation_id == check.reviewer_id and scoping.can(user, A.CHANGE, check)
    )


def _refuse_check(user, check: CrossCheck, step: Step) -> Exception:
    return PermissionDenied(
        f"「{check}」当前状态为「{check.get_status_display()}」，只有核查单位{check.reviewer}可以执行「{step.label}」"
    )


CROSS_CHECK = Workflow(
    [
        Step(
            "record", _("记录核查发现"), (C.ASSIGNED,), None, _is_reviewer, fields=("finding", "adjustment", "reason")
        ),
        Step(
            "report",
            _("报送核查结果"),
            (C.ASSIGNED,),
            C.REPORTED,
            _is_reviewer,
            party=lambda check: [organisation_party(check.reviewer)],
            style="success",
        ),
    ],
    gate=lambda user, check: scoping.can(user, A.VIEW, check),
    refuse=_refuse_check,
    due_field="step_due",
)
