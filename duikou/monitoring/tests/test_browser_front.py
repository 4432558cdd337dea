"""The ways in, in headless Chromium: a township cadre prints the village's QR poster; a villager's phone (390 px)
scans it, declares, gives the 承诺授权 on its own screen, keeps the acknowledgement number and follows the case on the
status page, which shows nothing personal; a village cadre logs a visit on the phone and raises the case with one tap;
the staff lists on a desktop. Screenshots go to test-artifacts/."""

import subprocess

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from duikou.core.tests.test_browser import login, shot
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, Declaration
from duikou.testing import tool

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VILLAGE = "411526001001"


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


def scanned(pdf_path, tmp_path) -> str:
    """What a phone reads from page 1 of the poster."""
    subprocess.run(
        [tool("pdftoppm"), "-r", "100", "-png", "-f", "1", "-singlefile", pdf_path, tmp_path / "p"], check=True
    )
    codes = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "p.png"))]
    assert len(codes) == 1, codes
    return codes[0]


def test_a_villager_scans_the_poster_declares_and_follows_the_case_on_a_phone(
    live_server, reference_data, new_page, artifacts_dir, settings, tmp_path
):
    base = live_server.url
    settings.DUIKOU_PUBLIC_BASE_URL = base  # where the villagers' phones reach the platform
    mt.local_user("front_chunshen", level="township")
    mt.place()

    staff = new_page(DESKTOP)
    login(staff, base, "front_chunshen")
    staff.goto(f"{base}/monitoring/posters/")
    expect(staff.locator(".poster-item")).to_contain_text("西关社区居民委员会")
    shot(staff, artifacts_dir, "front-posters-1280.png")
    with staff.expect_download() as download:
        staff.click(f"a[href='/monitoring/posters/{VILLAGE}.pdf']")
    download.value.save_as(tmp_path / "poster.pdf")
    url = scanned(tmp_path / "poster.pdf", tmp_path)
    assert url == f"{base}/declare/{VILLAGE}/"

    phone = new_page(PHONE)
    phone.goto(url)
    expect(phone.locator("#declare-village")).to_have_text("西关社区居民委员会")
    no_horizontal_scroll(phone)
    shot(phone, artifacts_dir, "front-declare-1-details-390.png")
    phone.fill("#id_head_name", "刘桂兰")
    phone.fill("#id_phone", "13566667777")
    phone.fill("#id_id_number", mt.id_number(91))
    phone.select_option("#id_difficulty", "illness")
    phone.fill("#id_description", "老伴脑梗住院，自付三万多元")
    with phone.expect_navigation():
        phone.click("#declare-next")
    expect(phone.locator("#consent-text")).to_contain_text("收入、财产")
    expect(phone.locator("#declare-summary")).to_contain_text("135****7777")
    expect(phone.locator("#id_consent")).not_to_be_checked()
    no_horizontal_scroll(phone)
    shot(phone, artifacts_dir, "front-declare-2-consent-390.png")
    phone.check("#id_consent")
    with phone.expect_navigation():
        phone.click("#consent-submit")
    ack = phone.locator("#ack-number").inner_text().strip()
    declaration = Declaration.objects.get(ack_number=ack)
    assert declaration.household.pending and declaration.case.status == Alert.Status.VERIFYING
    no_horizontal_scroll(phone)
    shot(phone, artifacts_dir, "front-declare-3-ack-390.png")

    with phone.expect_navigation():
        phone.click("#to-status")
    phone.fill("#id_ack_number", ack)
    with phone.expect_navigation():
        phone.click("#status-form button")
    expect(phone.locator("#status-result")).to_contain_text("已受理，等待村里入户核实")
    expect(phone.locator("#status-result")).to_contain_text("西关社区居民委员会")
    html = phone.content()
    for personal in ("刘桂兰", "13566667777", "135****7777", mt.id_number(91), "脑梗"):
        assert personal not in html
    assert ack not in phone.url and mt.id_number(91) not in phone.url
    no_horizontal_scroll(phone)
    shot(phone, artifacts_dir, "front-declare-4-status-390.png")

    wide = new_page(DESKTOP)
    wide.goto(url)
    shot(wide, artifacts_dir, "front-declare-1-details-1280.png")
    staff.goto(f"{base}/monitoring/declarations/")
    expect(staff.locator(".declaration-item")).to_contain_text(ack)
    expect(staff.locator(".declaration-item")).to_contain_text("待村核实")
    shot(staff, artifacts_dir, "front-declarations-1280.png")


def test_a_village_cadre_logs_a_visit_and_raises_the_case_with_one_tap_on_a_phone(
    live_server, reference_data, new_page, artifacts_dir
):
    base = live_server.url
    registrar = mt.local_user("front_registrar", level="township")
    mt.local_user("front_xiguan", level="village")
    home = mt.household(registrar, number="H100", head_name="陈老四")
    services.record_visit(user=registrar, household=home, date=timezone.localdate(), situation="上月回访：收入稳定")

    phone = new_page(PHONE)
    login(phone, base, "front_xiguan")
    phone.goto(f"{base}/monitoring/households/{home.pk}/")
    with phone.expect_navigation():
        phone.click("#household-visit")
    expect(phone.locator("#id_date")).to_have_value(timezone.localdate().isoformat())
    phone.fill("#id_situation", "户主在工地摔伤，三个月不能务工，家中无其他收入")
    phone.select_option("#id_risk", "accident")
    no_horizontal_scroll(phone)
    shot(phone, artifacts_dir, "front-visit-1-form-390.png")
    with phone.expect_navigation():
        phone.click("#visit-raise")
    case = Alert.objects.get(household=home)
    assert phone.url == f"{base}/monitoring/alerts/{case.pk}/"
    expect(phone.locator(".alert-success")).to_contain_text("已记录走访，并发起核实")
    assert case.channel == Alert.Channel.VISIT
    shot(phone, artifacts_dir, "front-visit-2-case-390.png")

    phone.goto(f"{base}/monitoring/visits/")
    expect(phone.locator(".visit-item")).to_have_count(2)
    no_horizontal_scroll(phone)
    shot(phone, artifacts_dir, "front-visits-390.png")
    wide = new_page(DESKTOP)
    login(wide, base, "front_xiguan")
    wide.goto(f"{base}/monitoring/visits/?raised=1")
    expect(wide.locator(".visit-item")).to_have_count(1)
    shot(wide, artifacts_dir, "front-visits-1280.png")


def test_township_staff_record_a_hotline_declaration_on_a_phone(live_server, reference_data, new_page, artifacts_dir):
    """12317 / counter: the township records what a household said on the phone; the case waits for the village."""
    base = live_server.url
    mt.local_user("front_hotline", level="township")
    mt.place()
    phone = new_page(PHONE)
    login(phone, base, "front_hotline")
    phone.goto(f"{base}/monitoring/declarations/new/")
    phone.check("input[name='channel'][value='hotline']")
    phone.select_option("#id_village", VILLAGE)
    phone.fill("#id_head_name", "赵来福")
    phone.fill("#id_phone", "13700000088")
    phone.fill("#id_id_number", mt.id_number(88))
    phone.select_option("#id_difficulty", "illness")
    phone.fill("#id_description", "来电：妻子住院，自付三万余元")
    phone.check("#id_consent")
    no_horizontal_scroll(phone)
    shot(phone, artifacts_dir, "front-hotline-1-form-390.png")
    with phone.expect_navigation():
        phone.click("#declaration-form button[type=submit]")
    declaration = Declaration.objects.get()
    expect(phone.locator(".alert-success")).to_contain_text(declaration.ack_number)
    assert declaration.channel == Alert.Channel.HOTLINE and declaration.case.status == Alert.Status.VERIFYING
    row = phone.locator(".declaration-item").first
    expect(row).to_contain_text("赵来福")
    expect(row).not_to_contain_text(mt.id_number(88))  # masked in the list
    no_horizontal_scroll(phone)
    shot(phone, artifacts_dir, "front-hotline-2-list-390.png")
