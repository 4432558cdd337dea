"""A 信阳 editor opens a 苏州 posting's ranked seekers, reads why the first one scores what it does, records the
placement, and sees the 信阳–苏州 pairing's labour-cooperation figure for this year and this quarter go up by one, on
the pairing's page and in the indicator entry grid."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.markets.labour import testing as lt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def labour_row(page):
    return page.locator('#activity-figures tr[data-code="labour_coop_persons"] td.text-end')


def test_editor_records_a_placement_and_the_pairing_figure_rises(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    editor = testing.user("xy_labour", "信阳市人民政府", "editor")
    posting = lt.posting("320505", "SMT 产线操作工", employer="苏州工业园区某电子有限公司", headcount=3)
    lt.seeker("411526", "陈小明", serial=61, user=editor, skills=["electrician"], trainings=["electrician"])
    lt.seeker("411522", "刘大海", serial=62, user=editor, skills=["welder"], expected_wage=8000)
    pairing = testing.pairing("信阳市", "苏州市")

    page = new_page()
    login(page, base, "xy_labour")
    page.goto(f"{base}/pairings/{pairing.pk}/")
    expect(labour_row(page)).to_have_text(["—", "—"])
    shot(page, artifacts_dir, "labour-1-pairing-before.png")

    page.goto(f"{base}/markets/labour/postings/{posting.pk}/")
    first = page.locator("#match-table .match-row").first
    expect(first).to_contain_text("陈小明")
    first.get_by_role("button", name="得分明细").click()
    terms = page.locator("#why-1 .labour-terms")
    expect(terms).to_be_visible()
    points = [float(t) for t in terms.locator(".term-points").all_inner_texts()]
    total = float(terms.locator(".term-total").inner_text())
    assert (
        round(sum(points) * 100) == round(total * 100) == round(float(first.locator(".match-score").inner_text()) * 100)
    )
    shot(page, artifacts_dir, "labour-2-matches.png")

    with page.expect_navigation():
        first.locator(".record-placement").click()
    expect(page.locator("#placement-pairing")).to_contain_text("N09")
    today = timezone.localdate()
    page.fill("#id_start_date", today.isoformat())
    page.fill("#id_wage", "5800")
    shot(page, artifacts_dir, "labour-3-placement-form.png")
    with page.expect_navigation():
        page.click("#placement-form button")
    expect(page.locator(".alert-success")).to_contain_text("已记录就业安置")
    expect(page.locator("#followup-table tbody tr")).to_have_count(2)
    shot(page, artifacts_dir, "labour-4-placement.png")

    with page.expect_navigation():
        page.click("#placement-pairing-link")
    expect(labour_row(page)).to_have_text(["1", "1"])
    shot(page, artifacts_dir, "labour-5-pairing-after.png")

    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    page.goto(f"{base}/indicators/entry/{pairing.pk}/quarterly/{quarter}/")
    expect(page.locator("#r-labour_coop_persons")).to_contain_text("活动记录：1")
    expect(page.locator("#r-training_persons")).to_contain_text("活动记录：0")
    shot(page, artifacts_dir, "labour-6-indicator-entry.png")
