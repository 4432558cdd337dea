"""A 信阳 editor lists 信阳毛尖 through the form; a 苏州 editor enters a canteen's demand for tea through its form; the
信阳 editor opens the listing's recommendations, reads why the 苏州 demand scores what it does, signs an agreement
from it, records a delivery, and sees the 信阳–苏州 pairing's consumption-assistance figure for this year and this
quarter show the amount, on the pairing's page and in the indicator entry grid. A 延安 editor sees no edit button on
the 信阳 listing, and a forged edit is refused."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.markets.models import Agreement, ProductListing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDE = {"width": 1280, "height": 900}


def content_fits(page: Page) -> None:
    """Nothing in the page's content runs past the right edge of a 1280-wide screen."""
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right))"
    )
    assert right <= WIDE["width"], f"the content reaches {right}px on a {WIDE['width']}px screen"


def consumption_row(page: Page):
    return page.locator('#activity-figures tr[data-code="consumption_aid_wan"] td.text-end')


def test_listing_to_delivery_counts_in_the_pairing(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    testing.user("xy_produce", "信阳市人民政府", "editor")
    testing.user("sz_produce", "苏州市人民政府", "editor")
    testing.user("ya_produce", "延安市人民政府", "editor")
    pairing = testing.pairing("信阳市", "苏州市")
    today = timezone.localdate()

    # the 苏州 side: a canteen's demand for tea with the geographical-indication certification
    buyer = new_page(WIDE)
    login(buyer, base, "sz_produce")
    buyer.goto(f"{base}/markets/produce/demands/new/")
    buyer.fill("#id_buyer", "苏州市姑苏区机关食堂")
    buyer.select_option("#id_buyer_kind", label="机关单位食堂")
    buyer.fill("#id_region", "320508")
    buyer.select_option("#id_category", label="茶叶")
    buyer.fill("#id_description", "春茶，职工福利采购")
    buyer.fill("#id_volume_tonnes", "2")
    buyer.fill("#id_period_start", today.replace(month=1, day=1).isoformat())
    buyer.fill("#id_period_end", today.replace(month=12, day=31).isoformat())
    buyer.get_by_label("地理标志农产品").check()
    buyer.fill("#id_max_price_yuan_kg", "900")
    with buyer.expect_navigation():
        buyer.click("#produce-form button")
    expect(buyer.locator(".alert-success")).to_contain_text("已保存")
    shot(buyer, artifacts_dir, "produce-1-demand.png")

    # the 信阳 side: the listing through the form
    page = new_page(WIDE)
    login(page, base, "xy_produce")
    page.goto(f"{base}/markets/produce/listings/new/")
    page.fill("#id_supplier", "信阳市浉河区茶叶专业合作社")
    page.fill("#id_name", "信阳毛尖")
    page.select_option("#id_category", label="茶叶")
    page.fill("#id_origin", "411502")
    page.get_by_label("地理标志农产品").check()
    page.fill("#id_volume_tonnes", "3")
    page.select_option("#id_season_start", "1")
    page.select_option("#id_season_end", "12")
    page.fill("#id_price_yuan_kg", "800")
    page.fill("#id_note", "明前茶，一芽一叶")
    shot(page, artifacts_dir, "produce-2-listing-form.png")
    content_fits(page)
    with page.expect_navigation():
        page.click("#produce-form button")
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    listing = ProductListing.objects.get(name="信阳毛尖")
    expect(page).to_have_url(f"{base}/markets/produce/listings/{listing.pk}/")
    expect(page.locator("dl")).to_contain_text("地理标志农产品")
    expect(page.locator("#edit-link")).to_be_visible()

    # the recommendations: the 苏州 demand first, its terms add up to the score
    first = page.locator(".match-row").first
    expect(first).to_contain_text("苏州市姑苏区机关食堂")
    first.locator("summary").click()
    terms = first.locator(".produce-terms")
    expect(terms).to_be_visible()
    expect(terms.locator("tbody tr[data-term]")).to_have_count(6)
    expect(terms.locator('tr[data-term="pairing"]')).to_contain_text("结对")
    points = [float(t) for t in terms.locator(".term-points").all_inner_texts()]
    total = float(terms.locator(".term-total").inner_text())
    score = float(first.locator(".match-score").inner_text())
    assert round(sum(points) * 100) == round(total * 100) == round(score * 100), (points, total, score)
    assert score > 0
    content_fits(page)
    shot(page, artifacts_dir, "produce-3-recommendations.png")

    # sign from the recommendation
    with page.expect_navigation():
        first.locator(".sign-agreement").click()
    expect(page.locator("#agreement-pairing")).to_contain_text(f"交付将计入结对关系 {pairing.code}")
    expect(page.locator("#id_volume_tonnes")).to_have_value(re.compile(r"^2(\.0+)?$"))
    shot(page, artifacts_dir, "produce-4-agreement-form.png")
    with page.expect_navigation():
        page.click("#agreement-form button")
    expect(page.locator(".alert-success")).to_contain_text("已签订产销协议")
    agreement = Agreement.objects.get(listing=listing)
    assert agreement.pairing_id == pairing.pk

    # the delivery, in 万元
    page.fill("#id_date", today.isoformat())
    page.fill("#id_volume_tonnes", "0.5")
    page.fill("#id_amount_wan", "40")
    with page.expect_navigation():
        page.click("#delivery-form button")
    expect(page.locator(".alert-success")).to_contain_text("已登记交付")
    rows = page.locator("#delivery-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("40.00")
    expect(rows.first).to_contain_text("产销对接：信阳毛尖→苏州市姑苏区机关食堂")
    content_fits(page)
    shot(page, artifacts_dir, "produce-5-delivery.png")

    # the pairing's figure for this year and this quarter
    with page.expect_navigation():
        page.click("#agreement-pairing-link")
    expect(page).to_have_url(f"{base}/pairings/{pairing.pk}/")
    expect(consumption_row(page)).to_have_text([re.compile(r"^40(\.0+)?$")] * 2)
    shot(page, artifacts_dir, "produce-6-pairing.png")

    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    page.goto(f"{base}/indicators/entry/{pairing.pk}/quarterly/{quarter}/")
    expect(page.locator("#r-consumption_aid_wan")).to_contain_text("活动记录：40")
    shot(page, artifacts_dir, "produce-7-indicator-entry.png")

    # a 延安 editor: the listing can be read, not edited
    other = new_page(WIDE)
    login(other, base, "ya_produce")
    other.goto(f"{base}/markets/produce/listings/{listing.pk}/")
    expect(other.locator("h1")).to_contain_text("信阳毛尖")
    expect(other.locator("#edit-link")).to_have_count(0)
    expect(other.get_by_role("link", name="编辑", exact=True)).to_have_count(0)
    # the recommendation is shown, but neither side is 延安's: no agreement can be signed from it
    expect(other.locator(".match-row")).to_have_count(1)
    expect(other.locator(".sign-agreement")).to_have_count(0)
    shot(other, artifacts_dir, "produce-8-yanan-view.png")
    token = next(c["value"] for c in other.context.cookies() if c["name"] == "csrftoken")
    response = other.request.post(
        f"{base}/markets/produce/listings/{listing.pk}/edit/",
        form={
            "version": str(listing.version),
            "supplier": "冒名",
            "name": "冒名产品",
            "category": "tea",
            "origin": "411502",
            "volume_tonnes": "1",
            "season_start": "1",
            "season_end": "12",
            "price_yuan_kg": "1",
        },
        headers={"X-CSRFToken": token, "Referer": f"{base}/markets/produce/listings/{listing.pk}/"},
    )
    assert response.status == 403
    listing.refresh_from_db()
    assert listing.name == "信阳毛尖" and listing.supplier == "信阳市浉河区茶叶专业合作社"
