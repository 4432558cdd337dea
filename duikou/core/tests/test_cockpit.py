"""The cockpit (/cockpit/): the national overseer sees every pairing, a province its own, a city is refused; the
figures, states and overdue counts are those of the data made here; the queries stay few whatever the number of
pairings."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duikou import cockpit, testing
from duikou.core.actors import Operator
from duikou.evaluation import testing as ev
from duikou.evaluation.models import Notice
from duikou.evaluation.supervision import services as supervision
from duikou.geo.models import Region
from duikou.indicators.models import DataValue, Report
from duikou.monitoring import services as monitoring
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert
from duikou.plans.tests import factories as plan_factories

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 12, 7)  # 2026Q1–Q3 are past their due date (Q3: 2026-10-15), Q4 is not yet due


def at(y, m, d) -> datetime.datetime:
    return datetime.datetime(y, m, d, 10, tzinfo=LOCAL)


@pytest.fixture
def who():
    return plan_factories.people()


@pytest.fixture
def world(who):
    """信阳–苏州: filed 2026–2030 plan (签约项目数 2026 target 10), 2026Q1 on time, Q2 late, Q3 missing; 6 projects
    reported (2 approved, 4 awaiting review, a draft of 100), an open notice past its step's due date, an overdue
    monitoring case.
    延安–无锡: 3 projects reported, nothing filed. A published 2025 evaluation ranks both."""
    plan = plan_factories.filed_plan(who)
    xinyang, yanan = plan.pairing, testing.pairing("延安市", "无锡市")
    for pairing, period, value, status in (
        (xinyang, "2026Q1", "4", "submitted"),
        (xinyang, "2026Q2", "2", "approved"),
        (xinyang, "2026Q3", "100", "draft"),
        (yanan, "2026Q1", "3", "submitted"),
    ):
        DataValue.objects.create(
            pairing=pairing, indicator_id="signed_projects", period=period, value=Decimal(value), status=status
        )
    DataValue.objects.create(
        pairing=xinyang, indicator_id="consumption_aid_wan", period="2026Q1", value=Decimal("1200.5"), status="approved"
    )
    Report.objects.create(
        pairing=xinyang, dataset_id="quarterly", period="2026Q1", status="approved", submitted_at=at(2026, 4, 10)
    )
    Report.objects.create(
        pairing=xinyang, dataset_id="quarterly", period="2026Q2", status="accepted", submitted_at=at(2026, 8, 1)
    )
    run = ev.published_run(who["ndrc"], [(xinyang, "80", "good"), (yanan, "70", "fair")], year=2025)
    notice = supervision.issue_notice(
        run=run,
        pairing=xinyang,
        finding="资金到位慢",
        measures_required="加快资金到位",
        deadline=timezone.localdate() + datetime.timedelta(days=60),
        user=who["ndrc"],
    )
    Notice.objects.filter(pk=notice.pk).update(step_due=datetime.date(2026, 1, 10))
    cadre = mt.procedure_users()["village"]
    ruleset = monitoring.create_ruleset(user=Operator(), province=Region.objects.get(code="410000"), year=2025)
    home = mt.household(cadre, head_name="王大")
    monitoring.add_member(user=cadre, household=home, name="王大", id_number=mt.id_number(21))
    mt.income(cadre, home, 2025, "8000", persons=2)
    monitoring.screen_households(user=Operator(), ruleset=ruleset)
    Alert.objects.filter(household=home).update(deadline=datetime.date(2026, 2, 1))
    return {"xinyang": xinyang, "yanan": yanan, "run": run}


def test_national_overseer_sees_every_pairing_with_its_state_and_overdue_items(who, world):
    data = cockpit.cockpit_for(who["ndrc"], 2026, today=TODAY)
    stands = {s.pairing.code: s for s in data["stands"]}
    assert {"N09", world["yanan"].code} <= set(stands)
    xy = stands["N09"]
    assert (xy.plan_filed, xy.on_time, xy.late, xy.missing) == (True, 1, 1, 1)
    assert (xy.open_notices, xy.overdue_notices, xy.overdue_cases) == (1, 1, 1)
    assert xy.state == cockpit.State.RED and xy.state_label == "需督办"
    assert xy.links["reports"] == "/indicators/reminders/?dataset=quarterly&period=2026Q3"
    ya = stands[world["yanan"].code]
    assert (ya.plan_filed, ya.on_time, ya.missing, ya.overdue_cases) == (False, 0, 3, 0)
    assert xy.overdue_total == 3  # a missed report, a notice step past due, a case past due
    totals = [s.overdue_total for s in data["overdue"]]
    assert totals == sorted(totals, reverse=True) and "N09" in [s.pairing.code for s in data["overdue"]]
    assert data["counts"]["red"] == len(data["stands"])  # every other national pairing has missed 2026Q1–Q3 too


def test_key_figures_count_accepted_values_against_the_filed_plans_target(who, world):
    figures = {f["code"]: f for f in cockpit.cockpit_for(who["ndrc"], 2026, today=TODAY)["figures"]}
    projects = figures["signed_projects"]
    # 信阳's approved 2 only: its submitted 4 and 延安's submitted 3 await review, the draft 100 is not counted
    assert (projects["actual"], projects["reporting"]) == (Decimal("2"), 1)
    assert (projects["target"], projects["with_target"], projects["reached"], projects["percent"]) == (
        Decimal("10"),
        1,
        Decimal("2"),
        20,
    )
    assert figures["consumption_aid_wan"]["actual"] == Decimal("1200.5")
    assert figures["consumption_aid_wan"]["target"] is None
    assert [f["label"] for f in figures.values()] == ["消费帮扶", "劳务协作", "投资到位", "签约项目"]


def test_the_year_selects_the_plans_in_force_and_the_evaluation_published(who, world):
    before = cockpit.cockpit_for(who["ndrc"], 2025, today=TODAY)
    assert not {s.pairing.code: s for s in before["stands"]}["N09"].plan_filed  # the plan runs from 2026
    assert before["evaluation"]["run"] == world["run"]
    assert cockpit.cockpit_for(who["ndrc"], 2024, today=TODAY)["evaluation"] is None


def test_a_province_sees_its_own_pairings_only(who, world):
    data = cockpit.cockpit_for(who["henan"], 2026, today=TODAY)
    codes = {s.pairing.code for s in data["stands"]}
    assert "N09" in codes and world["yanan"].code not in codes
    assert all(
        s.pairing.old_region.code.startswith("41") or s.pairing.partner_region.code.startswith("41")
        for s in data["stands"]
    )
    figures = {f["code"]: f for f in data["figures"]}
    assert figures["signed_projects"]["actual"] == Decimal("2")  # 信阳's; 延安's are not 河南's
    assert [r.pairing.code for r in data["evaluation"]["results"]] == ["N09"]


def test_supporting_province_does_not_see_the_old_area_provinces_households(who, world):
    """江苏 sees the 信阳–苏州 pairing but not 河南's monitoring cases."""
    data = cockpit.cockpit_for(who["jiangsu"], 2026, today=TODAY)
    xy = {s.pairing.code: s for s in data["stands"]}["N09"]
    assert xy.overdue_cases == 0 and xy.overdue_notices == 1


def test_the_page_for_national_and_province_and_a_refusal_for_a_city(client, who, world):
    client.force_login(who["ndrc"])
    page = client.get("/cockpit/?year=2026").content.decode()
    assert 'id="nav-cockpit"' in page and 'id="cockpit-map"' in page
    row = page[page.index('<tr data-pairing="N09"') :].split("</tr>")[0]
    assert "/indicators/reminders/?dataset=quarterly&amp;period=2026Q" in row
    assert "/projects/overdue/?pairing=" in row or "项目节点逾期" in page
    assert 'data-figure="signed_projects"' in page and 'data-percent="20"' in page
    assert "2025年度对口合作工作成效评估" in page
    client.force_login(who["henan"])
    page = client.get("/cockpit/").content.decode()
    assert "信阳市—苏州市" in page and "延安市—无锡市" not in page
    client.force_login(who["xy_editor"])
    response = client.get("/cockpit/")
    assert response.status_code == 403 and "驾驶舱供国家和省级监督使用" in response.content.decode()
    assert 'id="nav-cockpit"' not in client.get("/").content.decode()


def test_a_bad_year_shows_the_latest_with_a_message(client, who):
    client.force_login(who["ndrc"])
    page = client.get("/cockpit/?year=1999").content.decode()
    assert "年度应在 2022–" in page


def test_fresh_install_shows_empty_states(client, who):
    client.force_login(who["ndrc"])
    page = client.get("/cockpit/?year=2022").content.decode()
    assert "尚未发布成效评估。" in page and "未设目标" in page


def test_a_county_user_is_refused():
    county = testing.user("huangchuan", testing.county_org("411526"), "approver")
    with pytest.raises(PermissionDenied) as refused:
        cockpit.cockpit_for(county, 2026)
    assert "驾驶舱" in str(refused.value)


def test_queries_do_not_grow_with_the_number_of_pairings(who, world):
    with CaptureQueriesContext(connection) as few:
        cockpit.cockpit_for(who["henan"], 2026, today=TODAY)
    with CaptureQueriesContext(connection) as many:
        cockpit.cockpit_for(who["ndrc"], 2026, today=TODAY)
    assert len(cockpit.cockpit_for(who["ndrc"], 2026, today=TODAY)["stands"]) >= 10
    assert len(many) == len(few) <= 16, [q["sql"] for q in many.captured_queries]
