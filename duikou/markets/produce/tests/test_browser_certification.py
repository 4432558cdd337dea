"""消费帮扶产品认定 in headless Chromium: a 潢川县 editor enters an application for 潢川贡米 linked to its listing and
submits it; an approver of 潢川县 reviews it and records the 公示 period, then certifies it with a certificate number
and validity; the listing then shows the 认定产品 badge, on a desktop and on a 390 px phone. Screenshots go to
test-artifacts/."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.markets.models import ProductCertification
from duikou.markets.produce import testing as make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def fits(page: Page, width: int) -> None:
    """Nothing in the page's content runs past the right edge of the screen (wide tables scroll in their box)."""
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main > *')].map(e => e.getBoundingClientRect().right))"
    )
    assert right <= width, f"the content reaches {right}px on a {width}px screen"


def test_county_certifies_a_product_and_the_listing_shows_it(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    county = testing.county_org(make.XIN_XIAN)
    testing.user("hc_cert_editor", county, "editor")
    testing.user("hc_cert_approver", county, "approver")
    listing = make.listing(make.XIN_XIAN, "潢川贡米", supplier="潢川县稻米专业合作社", category="grain_oil")
    today = timezone.localdate()

    # the county editor enters the application and submits it
    page = new_page(WIDE)
    login(page, base, "hc_cert_editor")
    page.goto(f"{base}/markets/produce/certifications/")
    expect(page.locator(".alert-light")).to_contain_text("没有符合条件的产品认定")
    page.click("#new-certification")
    page.fill("#id_supplier", "潢川县稻米专业合作社")
    page.fill("#id_name", "潢川贡米")
    page.select_option("#id_category", label="粮油")
    page.fill("#id_county", "411526")
    page.get_by_label("地理标志", exact=True).check()
    page.get_by_label("承诺达标合格证").check()
    page.fill("#id_annual_value_wan", "30")
    page.fill("#id_traceability", "一袋一码，扫码可查田块、批次和检测报告")
    page.fill("#id_listing", str(listing.pk))
    with page.expect_navigation():
        page.click("#certification-form button")
    expect(page.locator("#certification-form")).to_contain_text("低于认定下限 50 万元")
    page.fill("#id_annual_value_wan", "260")
    shot(page, artifacts_dir, "certification-1-form.png")
    with page.expect_navigation():
        page.click("#certification-form button")
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    cert = ProductCertification.objects.get(name="潢川贡米")
    expect(page.locator("#certification-status")).to_have_text("申请（草稿）")
    with page.expect_navigation():
        page.click("#step-submit button")
    expect(page.locator("#certification-status")).to_have_text("县级审核")
    expect(page.locator("#turn")).to_contain_text("等待 潢川县 处理")
    expect(page.locator(".step-form")).to_have_count(0)

    # the county's approver reviews it and records the 公示 (held on the county's notice board last week)
    reviewer = new_page(WIDE)
    login(reviewer, base, "hc_cert_approver")
    reviewer.goto(f"{base}/markets/produce/certifications/{cert.pk}/")
    reviewer.fill("#ps-publicize", (today - datetime.timedelta(days=8)).isoformat())
    reviewer.fill("#pe-publicize", (today - datetime.timedelta(days=1)).isoformat())
    reviewer.fill("#note-publicize", "材料齐全，年销售额经核实")
    with reviewer.expect_navigation():
        reviewer.click("#step-publicize button")
    expect(reviewer.locator("#certification-status")).to_have_text("公示中")

    # the 公示 ended without a sustained objection: certify
    reviewer.fill("#cn-certify", "HC-XF-2026-001")
    reviewer.fill("#vt-certify", (today + datetime.timedelta(days=730)).isoformat())
    with reviewer.expect_navigation():
        reviewer.click("#step-certify button")
    expect(reviewer.locator(".alert-success")).to_contain_text("公示期满，予以认定")
    expect(reviewer.locator("#certification-status")).to_have_text("已认定")
    expect(reviewer.locator("#valid-badge")).to_have_text("今日有效")
    expect(reviewer.locator("#certificate-no")).to_have_text("HC-XF-2026-001")
    expect(reviewer.locator(".dk-history li")).not_to_have_count(0)
    fits(reviewer, WIDE["width"])
    shot(reviewer, artifacts_dir, "certification-2-detail.png")

    # the register lists it as valid today
    reviewer.goto(f"{base}/markets/produce/certifications/?validity=valid")
    expect(reviewer.locator("#certification-table tbody tr")).to_have_count(1)
    shot(reviewer, artifacts_dir, "certification-3-register.png")

    # the listing shows the badge, on the list and on its page
    page.goto(f"{base}/markets/produce/listings/")
    expect(page.locator("tr", has_text="潢川贡米").locator(".certified-badge")).to_have_text("认定产品")
    fits(page, WIDE["width"])
    shot(page, artifacts_dir, "certification-4-listings.png")

    # on a phone
    phone = new_page(PHONE)
    login(phone, base, "hc_cert_editor")
    phone.goto(f"{base}/markets/produce/listings/{listing.pk}/")
    expect(phone.locator("h1 .certified-badge")).to_have_text("认定产品")
    shot(phone, artifacts_dir, "certification-5-listing-phone.png")
    phone.goto(f"{base}/markets/produce/certifications/{cert.pk}/")
    expect(phone.locator("#valid-badge")).to_be_visible()
    fits(phone, PHONE["width"])
    shot(phone, artifacts_dir, "certification-6-detail-phone.png")
    phone.goto(f"{base}/markets/produce/certifications/")
    fits(phone, PHONE["width"])
    shot(phone, artifacts_dir, "certification-7-register-phone.png")
