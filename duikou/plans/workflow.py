"""The plan workflow (2022 方案 四(二)) as one table: who may take which step of a plan, and whose turn it is.

Editors of either city draft; each city's approver agrees for its own side, and either may return the draft with
comments; each province's approver records its own joint issuance; the national overseer files. A filed plan is
changed by a revision; a five-year plan's annual plans may be started at any time. The seeds set no time limits for
these steps: each due date is a local rule (a setting, ``DUIKOU_PLAN_*_DAYS``), and pages say so. A fresh draft has
no due date; a returned one is due again so many days after its return.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.core.workflow import Party, Step, Workflow, after_days, national_party, region_party, status_refusal
from duikou.pairings import sides

from .models import Plan

S = Plan.Status
A = scoping.Action


def _change(user, plan: Plan) -> bool:
    return scoping.can(user, A.CHANGE, plan)


def _approve(user, plan: Plan) -> bool:
    return scoping.can(user, A.APPROVE, plan)


def _not_agreed(plan: Plan) -> list[str]:
    return [s for s in sides.SIDES if getattr(plan, f"{s}_side_agreed_at") is None]


def _not_issued(plan: Plan) -> list:
    issued = set(plan.issuances.values_list("province_id", flat=True))
    return [p for p in sides.provinces(plan.pairing) if p.code not in issued]


def _agrees(user, plan: Plan) -> bool:
    """An approver of a city whose side has not agreed yet."""
    return _approve(user, plan) and bool(set(sides.city_sides(user, plan.pairing)) & set(_not_agreed(plan)))


def _returns(user, plan: Plan) -> bool:
    """An approver of either city, whether or not its side has agreed."""
    return _approve(user, plan) and bool(sides.city_sides(user, plan.pairing))


def _issues(user, plan: Plan) -> bool:
    """An approver of a province of the pairing that has not issued yet."""
    mine = {p.code for p in sides.province_sides(user, plan.pairing)}
    return _approve(user, plan) and any(p.code in mine for p in _not_issued(plan))


def _files(user, plan: Plan) -> bool:
    return _approve(user, plan) and scoping.region_prefix(user) is None


def _revises(user, plan: Plan) -> bool:
    return _change(user, plan) and not hasattr(plan, "next_revision")


def _plans_years(user, plan: Plan) -> bool:
    return plan.kind == Plan.Kind.FIVE_YEAR and _change(user, plan)


def _cities(plan: Plan) -> list[Party]:
    return [region_party(sides.side_region(plan.pairing, s)) for s in sides.SIDES]


def _cities_to_agree(plan: Plan) -> list[Party]:
    return [region_party(sides.side_region(plan.pairing, s)) for s in _not_agreed(plan)]


def _provinces_to_issue(plan: Plan) -> list[Party]:
    return [region_party(p) for p in _not_issued(plan)]


def _overseer(plan: Plan) -> list[Party]:
    return [national_party()]


def _refuse(user, plan: Plan, step: Step) -> Exception:
    if plan.frozen and step.name == "edit":
        return ValidationError(f"「{plan}」已备案，内容不可修改；如需调整请发起修订")
    return status_refusal(plan)


# agree and issue lead on only once every side (province) has taken them; until then the status stays
WORKFLOW = Workflow(
    [
        Step("edit", _("编辑"), (S.DRAFT,), None, _change, party=_cities),
        Step(
            "submit",
            _("提交双方确认"),
            (S.DRAFT,),
            S.AGREEING,
            _change,
            party=_cities,
            due=after_days("DUIKOU_PLAN_RESUBMIT_DAYS", local=True),
            style="danger",
        ),
        Step(
            "agree",
            _("确认同意"),
            (S.AGREEING,),
            S.AGREED,
            _agrees,
            party=_cities_to_agree,
            due=after_days("DUIKOU_PLAN_AGREE_DAYS", local=True),
            style="success",
        ),
        Step(
            "return",
            _("退回修改"),
            (S.AGREEING,),
            S.DRAFT,
            _returns,
            party=_cities_to_agree,
            style="outline-danger",
            fields=("comment",),
        ),
        Step(
            "issue",
            _("登记本省印发"),
            (S.AGREED,),
            S.ISSUED,
            _issues,
            party=_provinces_to_issue,
            due=after_days("DUIKOU_PLAN_ISSUE_DAYS", local=True),
            style="success",
            fields=("doc_number", "date"),
        ),
        Step(
            "file",
            _("备案"),
            (S.ISSUED,),
            S.FILED,
            _files,
            party=_overseer,
            due=after_days("DUIKOU_PLAN_FILE_DAYS", local=True),
            style="success",
            fields=("receipt",),
        ),
        Step("revise", _("发起修订"), (S.FILED,), None, _revises, style="outline-danger"),
        Step("annual", _("生成年度工作计划"), (), None, _plans_years, style="outline-secondary", fields=("year",)),
    ],
    gate=lambda user, plan: scoping.can(user, A.VIEW, plan),
    refuse=_refuse,
    due_field="step_due",
)
