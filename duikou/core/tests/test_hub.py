"""The pairing page as the pairing's hub (duikou.hub): each section counts what the pairing has, shows the latest
rows and links to the full list filtered to the pairing; a pairing with nothing yet says so; each section is read
as the user, and one of a kind the user may not read is left out."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Q

from duikou import hub, testing
from duikou.accounts import scoping
from duikou.evaluation import testing as ev
from duikou.evaluation.models import Notice
from duikou.evaluation.supervision import services as supervision
from duikou.indicators.models import Report
from duikou.plans.tests import factories as plan_factories
from duikou.projects import testing as pt

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture
def who():
    return plan_factories.people()


@pytest.fixture
def world(who):
    """信阳–苏州: a filed plan (签约项目数 2026 target 10) with 6 accepted, two projects, an activity, a published
    2025 evaluation and a notice past its step's due date. 延安–无锡: a project of its own."""
    plan = plan_factories.filed_plan(who)
    xinyang, yanan = plan.pairing, testing.pairing("延安市", "无锡市")
    ev.values(xinyang, {"signed_projects": {"2026Q1": "4", "2026Q2": "2"}})
    Report.objects.create(
        pairing=xinyang, dataset_id="quarterly", period="2026Q2", status="approved", approved_by=who["henan"]
    )
    pt.project(xinyang, "苏信合作产业园一期")
    pt.project(xinyang, "豫东南高新区标准厂房")
    pt.project(yanan, "延安侧项目")
    pt.activity(xinyang, "苏州代表团来信阳考察")
    run = ev.published_run(who["ndrc"], [(xinyang, "80", "good"), (yanan, "70", "fair")], year=2025)
    notice = supervision.issue_notice(
        run=run,
        pairing=xinyang,
        finding="资金到位慢",
        measures_required="加快资金到位",
        deadline=TODAY + datetime.timedelta(days=60),
        user=who["ndrc"],
    )
    Notice.objects.filter(pk=notice.pk).update(step_due=datetime.date(2026, 1, 10))
    return {"plan": plan, "xinyang": xinyang, "yanan": yanan, "notice": notice}


def sections(user, pairing) -> dict:
    return {s.key: s for s in hub.pairing_hub(user, pairing, today=TODAY)}


def test_each_section_counts_shows_the_latest_and_links_to_the_filtered_list(who, world):
    xinyang = world["xinyang"]
    found = sections(who["xy_editor"], xinyang)
    assert list(found) == ["figures", "plans", "projects", "activities", "agreements", "results", "notices"]
    assert (found["plans"].count, found["plans"].url) == (1, f"/plans/?pairing={xinyang.pk}")
    assert found["projects"].count == 2 and "延安侧项目" not in [p.name for p in found["projects"].rows]
    assert found["projects"].url == f"/projects/?pairing={xinyang.pk}"
    assert found["activities"].count == 1 and found["activities"].url == f"/activities/?pairing={xinyang.pk}"
    assert (
        found["agreements"].count == 0
        and found["agreements"].url == f"/markets/produce/agreements/?pairing={xinyang.pk}"
    )
    (figure,) = found["figures"].rows  # 2026 (2027's target lies ahead)
    assert (figure.year, figure.value, figure.target, figure.share) == (
        2026,
        Decimal("6"),
        Decimal("10"),
        Decimal("60.0"),
    )
    assert found["figures"].extra["years"] == [2026]
    (result,) = found["results"].rows
    assert (result.rank, result.grade, found["results"].count) == (1, "good", 1)
    assert found["notices"].count == 1 and found["notices"].extra == {"open": 1, "overdue": 1, "today": TODAY}


def test_the_page_shows_the_sections_and_the_history_as_sentences(client, who, world):
    client.force_login(who["xy_editor"])
    xinyang = world["xinyang"]
    page = client.get(f"/pairings/{xinyang.pk}/").content.decode()
    for key, count in (("plans", 1), ("projects", 2), ("activities", 1), ("results", 1), ("notices", 1)):
        assert f'id="hub-{key}" data-count="{count}"' in page
    assert f'href="/projects/?pairing={xinyang.pk}"' in page and "苏信合作产业园一期" in page
    assert 'data-indicator="signed_projects" data-year="2026"' in page and 'data-share="60.0"' in page
    assert "尚无计入本结对的产销协议。" in page  # the empty section says so
    assert "未销号 1 件，其中本环节逾期 1 件" in page
    assert "新建结对关系「信阳市—苏州市」" in page  # the seeded creation, in one sentence


def test_a_pairing_with_nothing_yet_says_so_in_each_section(client, who):
    yanan = testing.pairing("延安市", "无锡市")
    found = sections(who["ndrc"], yanan)
    assert all(s.count == 0 and not s.rows for s in found.values())
    client.force_login(who["ndrc"])
    page = client.get(f"/pairings/{yanan.pk}/").content.decode()
    for text in ("尚未编制方案。", "尚无已备案方案设定年度指标目标。", "尚未登记项目。", "没有整改通知。"):
        assert text in page


def test_a_user_who_may_not_read_notices_sees_no_notices_section(client, who, world, monkeypatch):
    """Should notices come to be read by fewer people than the pairing (the scoping layer decides), the page leaves
    the section out — not an empty section, no count."""

    def supervisors_only(user, prefix, action):
        return Q() if prefix is None or len(prefix) == 2 else scoping.NOTHING

    monkeypatch.setitem(scoping._REGISTRY, Notice, ())
    monkeypatch.setitem(scoping._CUSTOM, Notice, supervisors_only)
    assert "notices" not in sections(who["xy_editor"], world["xinyang"])
    assert "notices" in sections(who["henan"], world["xinyang"])
    client.force_login(who["xy_editor"])
    page = client.get(f"/pairings/{world['xinyang'].pk}/").content.decode()
    assert 'id="hub-notices"' not in page and 'id="hub-projects"' in page


def test_another_citys_user_finds_no_page_and_a_supporting_province_sees_the_sections(client, who, world):
    client.force_login(who["yanan_editor"])
    assert client.get(f"/pairings/{world['xinyang'].pk}/").status_code == 404
    found = sections(who["jiangsu"], world["xinyang"])
    assert found["projects"].count == 2 and found["notices"].count == 1


def test_plan_list_filters_by_pairing(client, who, world):
    client.force_login(who["ndrc"])
    xinyang, yanan = world["xinyang"], world["yanan"]
    page = client.get(f"/plans/?pairing={xinyang.pk}").content.decode()
    assert world["plan"].title in page and 'id="plan-filter-pairing"' in page
    page = client.get(f"/plans/?pairing={yanan.pk}").content.decode()
    assert world["plan"].title not in page
    assert client.get("/plans/?pairing=abc").status_code == 200  # a pairing that is not a number is ignored


def test_produce_agreements_counted_for_the_pairing_and_listed_filtered_by_it(client, who, world):
    from duikou.markets.produce import services as produce
    from duikou.markets.produce import testing as mt

    agreement = produce.sign_agreement(
        user=who["xy_editor"],
        listing=mt.listing("411526", "信阳毛尖", user=who["xy_editor"]),
        demand=mt.demand("320508", "苏州职工食堂"),
        volume_tonnes=Decimal("2"),
        price_yuan_kg=Decimal("80"),
        signed_on=datetime.date(2026, 4, 1),
    )
    assert agreement.pairing == world["xinyang"]
    found = sections(who["xy_editor"], world["xinyang"])
    assert found["agreements"].count == 1 and found["agreements"].rows == [agreement]
    client.force_login(who["ndrc"])
    listed = client.get(f"/markets/produce/agreements/?pairing={world['xinyang'].pk}").content.decode()
    assert "信阳毛尖" in listed
    assert "信阳毛尖" not in client.get(f"/markets/produce/agreements/?pairing={world['yanan'].pk}").content.decode()


def test_notice_desk_filters_by_the_pairing_the_hub_links_to(client, who, world):
    xinyang, yanan = world["xinyang"], world["yanan"]
    link = sections(who["ndrc"], xinyang)["notices"].url
    assert link == f"/evaluation/notices/?pairing={xinyang.pk}"
    client.force_login(who["ndrc"])
    page = client.get(link).content.decode()
    assert world["notice"].number in page and 'id="notice-filter-pairing"' in page
    assert world["notice"].number not in client.get(f"/evaluation/notices/?pairing={yanan.pk}").content.decode()
    assert world["notice"].number in client.get("/evaluation/notices/?pairing=abc").content.decode()  # ignored
