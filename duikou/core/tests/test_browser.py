"""End-to-end journeys in headless Chromium (Playwright, sync API) against pytest-django's live server.

The live server serves static files (pytest-django wraps it in django.contrib.staticfiles' handler, which
serves regardless of DEBUG), so the map loads the vendored ECharts, China map and city centres. Tests are
transactional — the database is emptied after each one — so every test asks for ``reference_data``.
Screenshots of the key steps go to test-artifacts/.
"""

import json
import os
import re

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import Page, expect

from duikou import testing
from duikou.pairings.models import Pairing

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless told.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 15_000
MAP_FILES = ["vendor/echarts/echarts.min.js", "vendor/maps/china.json", "vendor/city_centers.json"]
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def static_files():
    """The live server serves /static/ through the staticfiles finders: the map's files must be findable."""
    missing = [path for path in MAP_FILES if not finders.find(path)]
    assert not missing, f"static files not found by django.contrib.staticfiles finders: {missing}"


def login(page: Page, base_url: str, username: str) -> None:
    """Sign in through the login form; an approver or administrator then gives the code its authenticator app
    shows (computed here from the device key), as a person does."""
    from duikou.accounts.models import User
    from duikou.accounts.rules import needs_two_factor

    account = User.objects.get(username=username)
    two_factor = needs_two_factor(account)
    if two_factor:
        testing.authenticator(account)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", testing.PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    if two_factor:
        expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
        page.fill("#id_code", testing.totp_code(account))
        with page.expect_navigation():
            page.click("#totp-verify")
    expect(page).to_have_url(f"{base_url}/")


def shot(page: Page, artifacts_dir: str, name: str) -> None:
    page.screenshot(path=os.path.join(artifacts_dir, name), full_page=True)


def wait_for_map(page: Page) -> None:
    expect(page.locator("#pairing-map")).to_have_attribute("data-ready", "1")
    # setOption draws on the next frames and the points scale in (1 s default animation): let it settle.
    page.wait_for_timeout(1500)


def city_center(code: str) -> tuple[float, float]:
    with open(finders.find("vendor/city_centers.json"), encoding="utf-8") as handle:
        point = json.load(handle)[code]
    return point["lng"], point["lat"]


def test_xinyang_editor_opens_pairing_from_map_and_is_refused_yanan_edit(
    live_server, reference_data, static_files, new_page, artifacts_dir
):
    testing.user("xinyang_editor", "信阳市人民政府", "editor")
    xinyang = testing.pairing("信阳市", "苏州市")
    yanan = testing.pairing("延安市", "无锡市")
    base = live_server.url
    page = new_page()

    login(page, base, "xinyang_editor")
    wait_for_map(page)
    assert page.locator("#pairing-map canvas").count() >= 1
    shot(page, artifacts_dir, "browser-home-map.png")

    # A real mouse click on the 信阳 point: geo coordinates → chart pixels → page pixels.
    lng, lat = city_center("411500")
    x, y = page.evaluate(
        """([lng, lat]) => {
            const el = document.getElementById("pairing-map");
            const [px, py] = echarts.getInstanceByDom(el).convertToPixel({geoIndex: 0}, [lng, lat]);
            const box = el.querySelector("canvas").getBoundingClientRect();
            return [box.left + px, box.top + py];
        }""",
        [lng, lat],
    )
    page.mouse.click(x, y)
    page.wait_for_url(f"{base}/pairings/{xinyang.pk}/")
    expect(page.locator("#pairing-title")).to_contain_text("信阳市")
    expect(page.locator("#pairing-title")).to_contain_text("苏州市")

    # 延安–无锡 is outside 信阳's scope: neither its edit page nor its detail page exists for this user.
    response = page.goto(f"{base}/pairings/{yanan.pk}/edit/")
    assert response.status == 404
    response = page.goto(f"{base}/pairings/{yanan.pk}/")
    assert response.status == 404

    # Edit 信阳–苏州's 工作机制 and see the change and its history row on the detail page.
    mechanism = "浏览器测试：两市每季度召开一次对口合作联席会议"
    response = page.goto(f"{base}/pairings/{xinyang.pk}/edit/")
    assert response.status == 200
    page.fill("#id_mechanism", mechanism)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(f"{base}/pairings/{xinyang.pk}/")
    expect(page.get_by_role("alert")).to_contain_text("已保存")
    expect(page.locator("dd.clause-text").first).to_have_text(mechanism)
    history_line = page.locator(".dk-history li", has_text=mechanism)
    expect(history_line).to_have_count(1)
    expect(history_line).to_contain_text(f"xinyang_editor 将工作机制设为「{mechanism}」")
    shot(page, artifacts_dir, "browser-pairing-detail.png")
    assert Pairing.objects.get(pk=xinyang.pk).mechanism == mechanism


def test_english_user_sees_english_labels(live_server, reference_data, static_files, new_page, artifacts_dir):
    testing.user("ndrc_en", "国家发展改革委（振兴司）", "viewer", language="en")
    base = live_server.url
    page = new_page()

    login(page, base, "ndrc_en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.locator("nav.navbar")
    for label in ["Pairings", "Regions", "Old areas", "Policy library"]:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Map of pairings")
    wait_for_map(page)
    shot(page, artifacts_dir, "browser-english.png")

    # Back to Chinese with the language selector (it submits on change).
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(nav.get_by_role("link", name="结对关系", exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="退出")).to_be_visible()


def test_policy_search_finds_clauses(live_server, reference_data, static_files, new_page, artifacts_dir):
    testing.user("xinyang_viewer", "信阳市人民政府", "viewer")
    base = live_server.url
    phrase = "省域副中心城市"
    page = new_page()

    login(page, base, "xinyang_viewer")
    page.goto(f"{base}/policy/")
    page.get_by_role("searchbox").fill(phrase)
    with page.expect_navigation():
        page.get_by_role("button", name="检索").click()
    expect(page).to_have_url(re.compile(r"/policy/search/\?q="))

    hits = page.locator(".search-hit")
    for doc_id in ["zbgb-2026-yijian", "ssw-2021-xczx"]:
        doc_hits = hits.filter(has=page.locator(f"a[href*='/policy/clause/{doc_id}/']"))
        expect(doc_hits.first).to_be_visible()
        found = doc_hits.filter(has_text=phrase)
        expect(found.first).to_be_visible()
        expect(found.first.locator("mark", has_text=phrase).first).to_be_visible()
    shot(page, artifacts_dir, "browser-search.png")


def test_concurrent_edit_is_refused_in_the_browser(live_server, reference_data, static_files, new_page, artifacts_dir):
    testing.user("xinyang_editor", "信阳市人民政府", "editor")
    testing.user("suzhou_editor", "苏州市人民政府", "editor")
    pairing = testing.pairing("信阳市", "苏州市")
    base = live_server.url
    edit_url = f"{base}/pairings/{pairing.pk}/edit/"

    first, second = new_page(), new_page()
    login(first, base, "xinyang_editor")
    login(second, base, "suzhou_editor")
    for page in (first, second):
        assert page.goto(edit_url).status == 200

    first_text = "信阳方：每月通报一次对接进展"
    second_text = "苏州方：每半年互派干部挂职"
    first.fill("#id_mechanism", first_text)
    with first.expect_navigation():
        first.get_by_role("button", name="保存").click()
    expect(first).to_have_url(f"{base}/pairings/{pairing.pk}/")

    second.fill("#id_mechanism", second_text)
    with second.expect_navigation():
        second.get_by_role("button", name="保存").click()
    expect(second).to_have_url(edit_url)
    expect(second.locator("form .alert-danger")).to_contain_text("已被他人修改")
    expect(second.locator("#id_mechanism")).to_have_value(second_text)
    shot(second, artifacts_dir, "browser-conflict.png")

    assert Pairing.objects.get(pk=pairing.pk).mechanism == first_text
    first.reload()
    expect(first.locator("dd.clause-text").first).to_have_text(first_text)


def test_xinyang_editor_imports_projects_from_the_template(
    live_server, reference_data, static_files, new_page, artifacts_dir, job_worker, tmp_path
):
    """Download the template, fill two rows, upload it, watch the background job's progress bar finish, and
    find the rows in the project list."""
    import io as _io

    from openpyxl import load_workbook

    from duikou.projects.models import Project

    # the job runs on a worker (job_worker): the page polls the job until it is done
    testing.user("xinyang_editor", "信阳市人民政府", "editor")
    base = live_server.url
    page = new_page()
    login(page, base, "xinyang_editor")

    page.get_by_role("link", name="项目", exact=True).click()
    expect(page).to_have_url(f"{base}/projects/")
    page.get_by_role("link", name="Excel 导入").click()
    expect(page.locator("#import-pairings")).to_contain_text("N09 信阳市—苏州市")
    with page.expect_download() as download_info:
        page.locator("#template-link").click()
    book = load_workbook(_io.BytesIO(open(download_info.value.path(), "rb").read()))
    sheet = book["重大项目"]
    headers = [c.value for c in sheet[1]]
    rows = [
        {"项目名称": "浏览器导入：苏信电子信息产业园", "产业": "电子信息", "所在县区代码": "411526 潢川县"},
        {"项目名称": "浏览器导入：信阳茶叶精深加工", "产业": "农产品加工", "所在县区代码": "411502 浉河区"},
    ]
    for r, row in enumerate(rows, start=2):
        values = {
            "结对编号": "N09 信阳市—苏州市",
            "重点任务": "KT5 共同建设产业合作平台载体",
            "共建园区": "豫东南高新区",
            "计划投资（万元）": 5000,
            "签约投资（万元）": 3000,
            "到位资金（万元）": 1200.5,
            "资金来源": "社会资本",
            "用地指标重点保障": "是",
            "状态": "在建",
        } | row
        for c, header in enumerate(headers, start=1):
            sheet.cell(r, c, values.get(header))
    filled = tmp_path / "信阳重大项目.xlsx"
    book.save(filled)

    page.set_input_files("#id_file", str(filled))
    with page.expect_navigation():
        page.get_by_role("button", name="开始导入").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]+/$"))
    progress = page.locator(".job-progress")
    expect(progress).to_have_attribute("data-status", "done")  # htmx polls the job every second
    expect(progress.locator(".progress-bar")).to_have_text("100%")
    expect(page.locator(".job-summary")).to_contain_text("新增 2 条")
    shot(page, artifacts_dir, "browser-project-import.png")

    with page.expect_navigation():
        page.locator(".job-link").click()
    expect(page).to_have_url(f"{base}/projects/")
    table = page.locator("#project-table")
    for row in rows:
        expect(table.get_by_role("row").filter(has_text=row["项目名称"])).to_contain_text("豫东南高新区")
    expect(table).to_contain_text("1,200.50")
    shot(page, artifacts_dir, "browser-project-list.png")
    assert Project.objects.filter(name__startswith="浏览器导入").count() == 2
