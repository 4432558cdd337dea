"""The public pages and the staff's publish buttons, through HTTP."""

import csv
import io

import pytest

from duikou import testing
from duikou.publication import services
from duikou.publication import testing as pub
from duikou.publication.models import Publication

pytestmark = pytest.mark.django_db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert "X-Robots-Tag" not in response and "max-age=60" in response["Cache-Control"]  # indexable, kept a minute
    return response.content.decode()


def test_the_pairings_page_lists_the_twenty_national_pairings_beside_the_map(client, w):
    html = page(client, "/public/pairings/")
    assert html.count('<li><a href="/public/pairings/') == 20
    assert 'id="pairing-map" role="img" aria-label=' in html and "public-map-data" in html


def test_a_pairings_page_shows_only_what_was_published(client, w):
    url = f"/public/pairings/{w['pairing'].pk}/"
    before = page(client, url)
    assert "信阳市—苏州市" in before and "2022—2030" in before
    assert w["plan"].title not in before and "苏信合作产业园一期" not in before
    pub.publish_all(w)
    after = page(client, url)
    assert w["plan"].title in after and "打造对口合作样板" in after  # the filed plan's summary: its goals
    assert "苏信合作产业园一期" in after and "800.00" in after and "200.00" in after  # signed, in place
    assert "未公开的项目" not in after and "草稿方案不得公开" not in after


def test_a_figure_counts_only_published_reports_against_the_published_plans_target(client, w):
    pub.publish_all(w)
    html = page(client, f"/public/pairings/{w['pairing'].pk}/")
    assert "签约项目" in html
    assert "完成 40.0%" in html  # 4 of the target 10: the accepted 2026Q2 report is not published
    assert "77777" not in html
    # provenance: the report, the unit that approved it and when — the unit, never the person
    assert "2026Q1" in html and "河南省人民政府" in html and "2026-08-01" in html
    assert "审核人王" not in html


def test_a_target_from_an_unpublished_plan_is_not_shown(client, w):
    services.publish(user=w["who"]["xy_approver"], item=w["report"], secrecy_confirmed=True)
    html = page(client, f"/public/pairings/{w['pairing'].pk}/")
    assert "2026Q1" in html and "完成" not in html


def test_published_evaluation_results_and_commendations_show(client, w):
    html = page(client, f"/public/pairings/{w['pairing'].pk}/")
    assert "91.50" in html and "1 / 1" in html and "优秀" in html
    assert "合作园区建设成效明显" in html


def test_a_province_internal_pairing_shows_only_once_its_province_published_it(client, w):
    local = pub.province_pairing("P-T2")
    assert client.get(f"/public/pairings/{local.pk}/").status_code == 404
    services.publish(user=w["who"]["henan"], item=local, secrecy_confirmed=True)
    assert "信阳市—郑州市" in page(client, "/public/pairings/")
    assert page(client, f"/public/pairings/{local.pk}/")


def test_a_withdrawal_shows_at_once_although_the_page_was_cached(client, w):
    pub.publish_all(w)
    url = f"/public/pairings/{w['pairing'].pk}/"
    assert "苏信合作产业园一期" in page(client, url)
    services.withdraw(user=w["who"]["xy_approver"], item=w["project"], reason="数额待核")
    assert "苏信合作产业园一期" not in page(client, url)


def test_the_page_is_served_from_the_cache_until_a_decision(client, w):
    pub.publish_all(w)
    url = f"/public/pairings/{w['pairing'].pk}/"
    assert "苏信合作产业园一期" in page(client, url)
    from duikou.projects.models import Project

    Project.objects.filter(pk=w["project"].pk).update(name="改名后的项目")
    assert "苏信合作产业园一期" in page(client, url)  # kept
    services.publish(user=w["who"]["xy_approver"], item=w["hidden_project"], secrecy_confirmed=True)
    assert "改名后的项目" in page(client, url)  # a decision builds every page anew


def test_the_site_speaks_english(client, w):
    client.cookies["django_language"] = "en"
    html = page(client, "/public/pairings/")
    assert "Pairings" in html and 'lang="en"' in html
    assert "Dabie Mountains Old Revolutionary Area" in html  # the old area's English name from the library


def test_csv_has_labels_beside_codes_and_no_formula(client, w):
    services.publish(user=w["who"]["xy_approver"], item=w["project"], secrecy_confirmed=True)
    w["project"].__class__.objects.filter(pk=w["project"].pk).update(park="=HYPERLINK(1)")
    response = client.get("/public/data/projects.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "产业代码" in header and "产业" in header
    assert (row["状态代码"], row["状态"]) == ("construction", "在建")
    assert row["共建园区"] == "'=HYPERLINK(1)"


def test_json_download_filters_by_date(client, w):
    pub.publish_all(w)
    body = client.get("/public/data/figures.json?start=2026-08-01&end=2026-08-01").json()
    assert [(r["period"], r["value"], r["accepted_by_unit"]) for r in body["rows"]] == [
        ("2026Q1", "4.0000", "河南省人民政府")
    ]
    assert client.get("/public/data/figures.json?start=2026-08-02").json()["rows"] == []
    refused = client.get("/public/data/figures.json?start=2026-13-01")
    assert refused.status_code == 422 and "不是日期" in refused.json()["detail"][0]


def test_an_unknown_table_is_404(client, w):
    assert client.get("/public/data/households.csv").status_code == 404


def test_the_column_dictionary_names_every_column(client, w):
    html = page(client, "/public/data/")
    for key in ("accepted_by_unit", "investment_in_place_wan", "grade_label", "old_region_code"):
        assert f"<code>{key}</code>" in html


def test_the_approver_publishes_from_the_project_page_with_the_confirmation(client, w):
    testing.login(client, w["who"]["xy_approver"])
    url = f"/projects/{w['project'].pk}/"
    html = client.get(url).content.decode()
    assert 'data-publication-step="publish"' in html and "保密审查" in html
    refused = client.post(f"/publication/project/{w['project'].pk}/publish", {"next": url}, follow=True)
    assert "公开前须确认已完成保密审查" in refused.content.decode()
    assert not Publication.objects.exists()
    client.post(f"/publication/project/{w['project'].pk}/publish", {"secrecy_confirmed": "on", "next": url})
    html = client.get(url).content.decode()
    assert 'data-publication-state="published"' in html and 'data-publication-step="withdraw"' in html


def test_an_editor_sees_the_state_but_no_button(client, w):
    testing.login(client, w["who"]["xy_editor"])
    html = client.get(f"/projects/{w['project'].pk}/").content.decode()
    assert 'data-publication-state="unpublished"' in html and "data-publication-step" not in html
    response = client.post(f"/publication/project/{w['project'].pk}/publish", {"secrecy_confirmed": "on"})
    assert response.status_code == 403


def test_the_plan_page_says_a_draft_is_not_published(client, w):
    testing.login(client, w["who"]["xy_approver"])
    html = client.get(f"/plans/{w['draft'].pk}/").content.decode()
    assert "只有已备案的实施方案才能公开" in html and 'data-publication-step="publish"' not in html


def test_the_report_page_withdraws_with_a_reason(client, w):
    services.publish(user=w["who"]["xy_approver"], item=w["report"], secrecy_confirmed=True)
    testing.login(client, w["who"]["henan"])
    url = f"/publication/report/{w['report'].pk}/withdraw"
    client.post(url, {"reason": ""})
    assert Publication.objects.get().status == "published"
    client.post(url, {"reason": "数据更正"})
    assert Publication.objects.get().status == "withdrawn"


def test_the_list_shows_publications_and_withdrawals_of_the_users_area(client, w):
    services.publish(user=w["who"]["xy_approver"], item=w["project"], secrecy_confirmed=True, secrecy_note="保密审查甲")
    services.withdraw(user=w["who"]["xy_approver"], item=w["project"], reason="撤回理由乙")
    testing.login(client, w["who"]["xy_editor"])
    html = client.get("/publication/").content.decode()
    assert "保密审查甲" in html and "撤回理由乙" in html
    testing.login(client, testing.user("ya_viewer", "延安市人民政府", "viewer"))
    assert "保密审查甲" not in client.get("/publication/").content.decode()


def test_an_evaluation_published_by_the_evaluation_app_shows_at_once_despite_the_cache(client, settings):
    """Results are public once the evaluation publishes them: a run's or a commendation's change raises the public
    generation in its transaction, so a page kept in the cache is built anew."""
    from duikou.evaluation import testing as ev_testing
    from duikou.evaluation.models import Commendation
    from duikou.plans.tests.factories import people as make_people

    settings.DUIKOU_PUBLIC_CACHE_SECONDS = 3600
    who = make_people()
    pairing = testing.pairing("信阳市", "苏州市")
    url = f"/public/pairings/{pairing.pk}/"
    assert "2024年度对口合作工作成效评估" not in client.get(url).content.decode()  # now in the cache
    run = ev_testing.published_run(who["ndrc"], [(pairing, "88", "excellent")], year=2024)
    assert "2024年度对口合作工作成效评估" in client.get(url).content.decode()
    Commendation.objects.create(run=run, pairing=pairing, reason="即刻可见的表扬", created_by=who["ndrc"])
    assert "即刻可见的表扬" in client.get(url).content.decode()
