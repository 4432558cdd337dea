"""The national overseer loads the shipped pairing data, ranks candidate cities for 信阳市 and reads each term (the
points add up to the score, the profiles are marked as example data), opens the review of 信阳–苏州 from the pairing's
page, and runs an optimal assignment for a few old-area cities under a cap."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDE = {"width": 1280, "height": 900}
TERMS = ["structure", "special", "ties", "distance", "load"]


def content_fits(page: Page) -> None:
    """Nothing in the page's content runs past the right edge of a 1280-wide screen."""
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right))"
    )
    assert right <= WIDE["width"], f"the content reaches {right}px on a {WIDE['width']}px screen"


def cents(text: str) -> int:
    return round(float(text) * 100)


def check_terms(table) -> int:
    """The five terms are there; returns their points (hundredths) added up."""
    expect(table.locator("tbody tr[data-term]")).to_have_count(len(TERMS))
    assert [table.locator("tbody tr").nth(i).get_attribute("data-term") for i in range(len(TERMS))] == TERMS
    return sum(cents(t) for t in table.locator(".term-points").all_inner_texts())


def test_overseer_ranks_reviews_and_assigns(live_server, reference_data, new_page, artifacts_dir):
    call_command("load-pairing-data", verbosity=0)
    testing.user("ndrc_recommend", "国家发展改革委（振兴司）", "approver")
    pairing = testing.pairing("信阳市", "苏州市")
    base = live_server.url

    page = new_page(WIDE)
    login(page, base, "ndrc_recommend")
    page.goto(f"{base}/markets/recommend/rank/")
    page.select_option("#id_region", "411500")
    with page.expect_navigation():
        page.get_by_role("button", name="排序").click()
    expect(page.locator("h2").first).to_contain_text("信阳市")
    rows = page.locator("#ranking .rank-row")
    expect(rows).to_have_count(10)
    for i in range(10):
        row = rows.nth(i)
        assert check_terms(row.locator(".recommend-terms")) == cents(row.locator(".rank-score").inner_text()), i
    scores = [cents(s) for s in rows.locator(".rank-score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    # every candidate is an eastern or central supporting city, never an old-area one
    assert "411500" not in [rows.nth(i).get_attribute("data-candidate") for i in range(10)]
    # the profiles are example data, and the badge says so
    sources = page.locator("#ranking-sources")
    expect(sources).to_contain_text("城市三次产业结构与优势产业（示例）")
    expect(sources.locator(".source-badge.text-bg-warning").first).to_have_text("示例数据")
    content_fits(page)
    shot(page, artifacts_dir, "recommend-1-ranking.png")

    # from the pairing's page to its review
    page.goto(f"{base}/pairings/{pairing.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="结对关系评估").click()
    expect(page).to_have_url(f"{base}/markets/recommend/review/{pairing.pk}/")
    expect(page.locator("h1")).to_contain_text(f"{pairing.code} 信阳市—苏州市")
    expect(page.locator("#partner-rank")).to_contain_text("现结对城市苏州市")
    current = page.locator('#ranking .rank-row[data-candidate="320500"]')
    expect(current).to_have_count(1)
    expect(current).to_contain_text("现结对城市")
    assert check_terms(current.locator(".recommend-terms")) == cents(current.locator(".rank-score").inner_text())
    rank = current.locator(".card-header strong").first.inner_text().split(".")[0]
    expect(page.locator("#partner-rank")).to_contain_text(f"排第 {rank} 位")
    content_fits(page)
    shot(page, artifacts_dir, "recommend-2-review.png")

    # the optimal assignment for four cities, at most one new pairing per supporting city
    page.goto(f"{base}/markets/recommend/assign/")
    for code in ("411500", "610600", "360700", "520300"):
        page.check(f"#r{code}")
    page.fill("#id_cap", "1")
    with page.expect_navigation():
        page.get_by_role("button", name="计算").click()
    assigned = page.locator("#assignment .assignment-row")
    expect(assigned).to_have_count(4)
    cities = assigned.locator(".assignment-old").all_inner_texts()
    assert sorted(cities) == sorted(["信阳市", "延安市", "赣州市", "遵义市"])
    partners = assigned.locator(".assignment-candidate").all_inner_texts()
    assert len(set(partners)) == len(partners), partners  # the cap of one: no city twice
    total = 0
    for i in range(4):
        row = assigned.nth(i)
        score = cents(row.locator(".assignment-score").inner_text())
        assert check_terms(row.locator(".recommend-terms")) == score, i
        total += score
    shown = page.locator("#assignment-total").inner_text()
    assert f"总得分 {total / 100:.2f}" in shown and "上限 1" in shown, shown
    content_fits(page)
    shot(page, artifacts_dir, "recommend-3-assignment.png")
