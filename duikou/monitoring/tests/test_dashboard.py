"""The dashboard's counts and flows, their scoping, and the periodic report of a 专栏1 county (.xlsx, .docx).

The fixed set below is counted by hand: 略阳县 (seed 004 专栏1) has two townships, 宝塔区 one case of its own."""

import datetime
import io

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from duikou import testing
from duikou.core.actors import Operator
from duikou.geo.models import Region
from duikou.monitoring import queries, reports, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, AssistanceMeasure, Household, ScreeningRun

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_YEAR = timezone.now().replace(year=TODAY.year - 1, month=6, day=1)
S, OUT = Alert.Status, Alert.Outcome
# hand count for 略阳县 this year: (new, verifying, monitored, eliminated, dismissed, overdue)
T1 = [3, 2, 1, 1, 0, 1]  # 兴州街道: h1 h2 h3 h4
T2 = [2, 0, 1, 0, 1, 1]  # 横现河街道: h5 h6 h7


def _case(run, key, number, status=S.VERIFYING, *, outcome="", deadline=None, old=False, closed=None, closed_old=False):
    township, village = mt.place(key)
    household = Household.objects.create(
        township=township, village=village, number=number, head_name=f"欧阳大明{number}"
    )
    alert = Alert.objects.create(
        household=household, run=run, rules=["income_low"], status=status, outcome=outcome, deadline=deadline
    )
    if old:
        Alert.objects.filter(pk=alert.pk).update(created=LAST_YEAR)
    if closed:
        step = AlertStep.objects.create(
            alert=alert, step=closed, from_status=S.COUNTY_DECISION, to_status=S.CLOSED, actor_name="测试"
        )
        if closed_old:
            AlertStep.objects.filter(pk=step.pk).update(created=LAST_YEAR)
    return alert


@pytest.fixture
def cases():
    shaanxi = Region.objects.get(code="610000")
    ruleset = services.create_ruleset(user=Operator(), province=shaanxi, year=TODAY.year - 1)
    run = ScreeningRun.objects.create(
        ruleset=ruleset, ruleset_version=1, year=TODAY.year - 1, engine="duckdb", snapshot_digest="0" * 64
    )
    day = datetime.timedelta(days=1)
    h = {
        "h1": _case(run, "lueyang", "LY01", deadline=TODAY - day),
        "h2": _case(run, "lueyang", "LY02", S.TOWNSHIP_REVIEW, deadline=TODAY + day),
        "h3": _case(run, "lueyang", "LY03", S.MONITORED, old=True),
        "h4": _case(run, "lueyang", "LY04", S.CLOSED, outcome=OUT.ELIMINATED, closed=AlertStep.Step.ELIMINATE),
        # dismissed by the township at its review (the county dismisses at its decision: both close the case)
        "h5": _case(run, "lueyang2", "LY05", S.CLOSED, outcome=OUT.DISMISSED, closed=AlertStep.Step.TOWNSHIP_DISMISS),
        "h6": _case(
            run, "lueyang2", "LY06", S.CLOSED, outcome=OUT.ELIMINATED, old=True, closed="eliminate", closed_old=True
        ),
        "h7": _case(run, "lueyang2", "LY07", S.EL_TOWNSHIP, deadline=TODAY - 2 * day),
        "h8": _case(run, "yanan", "YA01", deadline=TODAY + day),
    }
    AssistanceMeasure.objects.create(
        alert=h["h3"],
        kind=AssistanceMeasure.Kind.EMPLOYMENT,
        responsible_unit=testing.county_org("610727"),
        description="公益性岗位",
        start_date=TODAY,
    )
    return h


@pytest.fixture
def lueyang_user():
    return testing.user("ly_viewer", testing.county_org("610727"), "viewer")


def _counts(user, area, year=TODAY.year, quarter=None):
    start, end = queries.period_bounds(year, quarter)
    rows = queries.dashboard_counts(user, area=area, start=start, end=end)
    return {r["key"]: [r[k] for k, _label in reports.COLUMNS] for r in rows}


def test_counts_by_township_match_the_hand_count(cases, lueyang_user):
    assert _counts(lueyang_user, "610727") == {"610727001": T1, "610727002": T2}


def test_counts_are_one_group_by_query(cases, lueyang_user):
    start, end = queries.period_bounds(TODAY.year)
    with CaptureQueriesContext(connection) as captured:
        list(queries.dashboard_counts(lueyang_user, area="610727", start=start, end=end))
    alert_queries = [q["sql"] for q in captured.captured_queries if "monitoring_alert" in q["sql"]]
    assert len(alert_queries) == 1 and "GROUP BY" in alert_queries[0]


def test_counts_by_village_and_last_year(cases, lueyang_user):
    assert _counts(lueyang_user, "610727002") == {"610727002001": T2}
    # last year: h3 and h6 were new, h6 was eliminated; stocks are as of today whatever the period
    assert _counts(lueyang_user, "610727", year=TODAY.year - 1) == {
        "610727001": [1, 2, 1, 0, 0, 1],
        "610727002": [1, 0, 1, 1, 0, 1],
    }


def test_period_bounds():
    assert queries.period_bounds(2025) == (datetime.date(2025, 1, 1), datetime.date(2026, 1, 1))
    assert queries.period_bounds(2025, 2) == (datetime.date(2025, 4, 1), datetime.date(2025, 7, 1))
    assert queries.period_bounds(2025, 4) == (datetime.date(2025, 10, 1), datetime.date(2026, 1, 1))


def test_a_county_sees_only_its_own(cases, lueyang_user):
    baota = testing.user("ba_viewer", testing.county_org("610602"), "viewer")
    assert _counts(baota, queries.dashboard_area(baota)) == {"610602001": [1, 1, 0, 0, 0, 0]}
    # asking for another county's area falls back to the user's own
    assert queries.dashboard_area(lueyang_user, "610602") == "610727"
    assert _counts(lueyang_user, "610602") == {}
    national = testing.user("national", "国家发展改革委（振兴司）", "viewer")
    assert _counts(national, queries.dashboard_area(national)) == {"61": [6, 3, 2, 1, 1, 2]}


def test_dashboard_page_drills_down(client, cases, lueyang_user):
    client.force_login(lueyang_user)
    page = client.get("/monitoring/dashboard/").content.decode()
    assert "兴州街道" in page and "横现河街道" in page and "?area=610727001&year=" in page
    assert "宝塔" not in page and "dashboard-chart" in page
    assert "report.xlsx" in page  # 略阳县 is in 专栏1
    page = client.get("/monitoring/dashboard/?area=610727001").content.decode()
    assert "南街居委会" in page and "横现河街道" not in page
    page = client.get("/monitoring/dashboard/?area=610602").content.decode()
    assert "宝塔" not in page


def test_report_files_hold_the_counts(client, cases, lueyang_user):
    client.force_login(lueyang_user)
    response = client.get(f"/monitoring/dashboard/610727/report.xlsx?year={TODAY.year}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = [list(r) for r in book["分乡镇"].iter_rows(values_only=True)]
    assert rows[1] == ["610727001", "兴州街道", *T1]
    assert rows[2] == ["610727002", "横现河街道", *T2]
    assert rows[3][2:] == [a + b for a, b in zip(T1, T2, strict=True)]
    overdue = [r for r in book["逾期案件"].iter_rows(values_only=True)][1:]
    assert sorted(r[2] for r in overdue) == ["LY01", "LY07"]
    assert ("就业帮扶", 1) in [tuple(r) for r in book["帮扶措施"].iter_rows(values_only=True)]
    text = "\n".join(str(c.value) for s in book for row in s.iter_rows() for c in row if c.value)
    assert "欧阳大明" not in text and "欧*******" in text

    response = client.get(f"/monitoring/dashboard/610727/report.docx?year={TODAY.year}")
    document = docx.Document(io.BytesIO(response.content))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "略阳县防止返贫动态监测定期报告" in body and "004 专栏1" in body
    assert "新增返贫致贫风险预警 5 户，风险消除 1 户，核实排除 1 户" in body
    assert "核实认定中 2 户，监测帮扶中 2 户，逾期未办结 2 户" in body
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    assert tables[0][1] == ["兴州街道", *map(str, T1)]
    cells = "\n".join(c for t in tables for row in t for c in row)
    assert "欧阳大明" not in body + cells and "欧*******" in cells


def test_quarter_report(cases, lueyang_user):
    quarter = (TODAY.month - 1) // 3 + 1
    report = reports.county_report(
        user=lueyang_user, county=Region.objects.get(code="610727"), year=TODAY.year, quarter=quarter
    )
    assert report.totals == [a + b for a, b in zip(T1, T2, strict=True)]
    assert "季度" in report.period


def test_other_counties_get_a_message_not_a_report(client, cases):
    baota = testing.user("ba_editor", testing.county_org("610602"), "editor")
    client.force_login(baota)
    page = client.get("/monitoring/dashboard/").content.decode()
    assert "宝塔区不在 004 专栏1 国家乡村振兴重点帮扶县名单中" in page and "report.xlsx" not in page
    response = client.get("/monitoring/dashboard/610602/report.docx", follow=True)
    assert response.redirect_chain and "不在 004 专栏1 国家乡村振兴重点帮扶县名单中" in response.content.decode()
    assert client.get("/monitoring/dashboard/610727/report.xlsx").status_code == 404
