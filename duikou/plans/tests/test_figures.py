"""plans.queries.figures_against_targets: a pairing's accepted figures by indicator and year against the target its
filed plans set, with the reports and the people behind each value — checked against figures worked out by hand."""

import datetime
from decimal import Decimal

import pytest

from duikou import testing
from duikou.evaluation import testing as ev
from duikou.indicators.models import Report
from duikou.plans.queries import figures_against_targets

from .factories import filed_plan, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    return people()


@pytest.fixture
def xinyang(who):
    """信阳–苏州's filed 2026–2030 plan sets 签约项目数 at 10 (2026) and 12 (2027). 2026: Q1 4 approved by 河南,
    Q2 2 accepted by the overseer, Q3 100 only submitted, Q4 a draft."""
    plan = filed_plan(who)
    pairing = plan.pairing
    ev.values(pairing, {"signed_projects": {"2026Q1": "4"}}, status="approved")
    ev.values(pairing, {"signed_projects": {"2026Q2": "2"}}, status="accepted")
    ev.values(pairing, {"signed_projects": {"2026Q3": "100"}}, status="submitted")
    ev.values(pairing, {"signed_projects": {"2026Q4": "7"}}, status="draft")
    at = datetime.datetime(2026, 8, 1, 9, tzinfo=datetime.UTC)
    Report.objects.create(
        pairing=pairing,
        dataset_id="quarterly",
        period="2026Q1",
        status="approved",
        approved_by=who["henan"],
        approved_at=at,
    )
    Report.objects.create(
        pairing=pairing,
        dataset_id="quarterly",
        period="2026Q2",
        status="accepted",
        approved_by=who["henan"],
        approved_at=at,
        accepted_by=who["ndrc"],
        accepted_at=at,
    )
    return plan


def test_accepted_values_of_the_year_against_the_filed_plans_target(who, xinyang):
    figures = figures_against_targets(who["xy_editor"], xinyang.pairing)
    assert [(f.indicator.code, f.year) for f in figures] == [("signed_projects", 2027), ("signed_projects", 2026)]
    later, year = figures
    assert (year.value, year.target, year.share) == (Decimal("6"), Decimal("10"), Decimal("60.0"))  # 4 + 2 of 10
    assert year.plan == xinyang and year.missing == ["2026Q3", "2026Q4"]  # submitted and draft do not count
    assert [(s.period, s.value, s.status_label, s.report.period, s.accepted_by) for s in year.sources] == [
        ("2026Q1", Decimal("4"), "已审核", "2026Q1", who["henan"]),
        ("2026Q2", Decimal("2"), "已接收", "2026Q2", who["ndrc"]),
    ]
    assert year.latest.period == "2026Q2"
    assert (later.value, later.target, later.share, len(later.missing)) == (None, Decimal("12"), None, 4)


def test_indicators_asked_for_come_without_a_target_and_years_can_be_chosen(who, xinyang):
    ev.values(xinyang.pairing, {"consumption_aid_wan": {"2026Q1": "1200.5", "2026Q3": "99.5"}})
    figures = figures_against_targets(who["henan"], [xinyang.pairing.pk], [2026], indicators=["consumption_aid_wan"])
    aid = next(f for f in figures if f.indicator.code == "consumption_aid_wan")
    assert (aid.value, aid.target_row, aid.share) == (Decimal("1300.0"), None, None)
    assert {f.indicator.code for f in figures} == {"consumption_aid_wan", "signed_projects"}


def test_period_end_and_derived_indicators_follow_their_rule(who, xinyang):
    pairing = xinyang.pairing
    ev.values(pairing, {"coop_parks": {"2026Q1": "3", "2026Q2": "5"}})  # period-end value: 5
    ev.values(pairing, {"funds_in_place_wan": {"2026Q1": "50", "2026Q2": "30"}, "signed_amount_wan": {"2026Q1": "200"}})
    wanted = ["coop_parks", "funds_in_place_rate"]
    figures = {f.indicator.code: f for f in figures_against_targets(who["ndrc"], pairing, [2026], indicators=wanted)}
    assert figures["coop_parks"].value == Decimal("5")
    assert figures["funds_in_place_rate"].value == Decimal("40")  # (50 + 30) ÷ 200 × 100
    assert {s.indicator.code for s in figures["funds_in_place_rate"].sources} == {
        "funds_in_place_wan",
        "signed_amount_wan",
    }


def test_another_citys_user_reads_no_figures_of_the_pairing(who, xinyang):
    assert figures_against_targets(who["yanan_editor"], xinyang.pairing) == []
    assert (
        figures_against_targets(who["yanan_editor"], xinyang.pairing, [2026], indicators=["signed_projects"])[0].value
        is None
    )


def test_a_pairing_without_a_filed_plan_has_no_figures_unless_asked(who):
    pairing = testing.pairing("延安市", "无锡市")
    assert figures_against_targets(who["ndrc"], pairing) == []


def test_an_unscoped_read_must_name_the_reports_it_may_show(xinyang):
    """Without a user nothing is scoped, so the caller (the public site) must give the reports that may be shown:
    forgetting them would show every accepted value."""
    with pytest.raises(ValueError, match="reads only the reports it is given"):
        figures_against_targets(None, xinyang.pairing)
