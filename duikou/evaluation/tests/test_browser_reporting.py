"""The run page, on a wide screen and a phone: the ranked pairings in the table with 未按时填报 beside the grade of the
one that missed its reports, and the pairings with no report due listed apart under the ranking, unranked."""

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.evaluation import testing as ev
from duikou.indicators.models import DataSet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Q4 = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]


def test_run_page_marks_the_missed_and_lists_the_apart(live_server, reference_data, new_page, artifacts_dir):
    ndrc = testing.user("ndrc_approver", "国家发展改革委（振兴司）", "approver")
    xinyang, yanan = testing.pairing("信阳市", "苏州市"), testing.pairing("延安市", "无锡市")
    DataSet.objects.get(pk="quarterly").pairings.set([xinyang, yanan])  # nothing is asked of the other 18
    ev.all_reported(xinyang)
    ev.values(xinyang, {"funds_in_place_wan": dict.fromkeys(Q4, "2500"), "signed_projects": {"2025Q4": "3"}})
    scheme = ev.scheme(ndrc, items=[ev.target_item(), ev.rank_item(), ev.deduction_item(weight="5", points="1")])
    run = ev.run(scheme, ndrc)

    page = new_page()
    login(page, live_server.url, "ndrc_approver")
    page.goto(f"{live_server.url}/evaluation/runs/{run.pk}/")
    rows = page.locator("#ranking-table .ranking-row")
    expect(rows).to_have_count(2)
    missed = page.locator(f'.ranking-row[data-pairing="{yanan.code}"]')
    expect(missed.locator(".result-grade")).to_have_text("较差")
    expect(missed.locator(".reporting-missed")).to_have_text("未按时填报")
    expect(page.locator(f'.ranking-row[data-pairing="{xinyang.code}"] .reporting-missed')).to_have_count(0)
    expect(page.locator("#ranking-missed-note")).to_contain_text("照常计分、排名和定等次")
    apart = page.locator("#ranking-apart")
    expect(apart).to_contain_text("无应报数据（不参与排名）")
    expect(apart.locator(".apart-row")).to_have_count(18)
    expect(apart.locator(".apart-reason")).to_have_text("2025 年没有要求该结对关系填报的数据集（18）")
    shot(page, artifacts_dir, "evaluation-run-reporting.png")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#ranking-apart .apart-row")).to_have_count(18)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the run page scrolls sideways on a phone ({width}px)"
    shot(page, artifacts_dir, "evaluation-run-reporting-390.png")
