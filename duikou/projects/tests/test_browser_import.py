"""The import report in headless Chromium, on a desktop and on a 390 px phone: one dry run of a file whose row has
three errors lists all three (and another row's), and the result page leads back to the upload page."""

import os

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.projects import testing as pt
from duikou.projects.models import Project

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_one_dry_run_shows_every_error_of_the_row_and_links_back_to_the_upload(
    live_server, reference_data, new_page, artifacts_dir, tmp_path, width
):
    testing.user("xinyang_editor", "信阳市人民政府", "editor")
    filled = tmp_path / "信阳重大项目.xlsx"
    filled.write_bytes(pt.workbook(pt.rows_with_many_errors()))
    base = live_server.url
    page = new_page({"width": width, "height": 900})
    login(page, base, "xinyang_editor")

    page.goto(f"{base}/projects/import/")
    page.set_input_files("#id_file", str(filled))
    page.check("#id_dry_run")
    with page.expect_navigation():
        page.get_by_role("button", name="开始导入").click()
    expect(page.locator(".job-progress")).to_have_attribute("data-status", "failed")
    rows = page.locator(".job-errors tbody tr")
    expect(rows).to_have_count(4)
    for row, column, reason in [
        ("2", "E 所在县区代码", "不在结对双方"),
        ("2", "G 计划投资（万元）", "不能为负数"),
        ("2", "I 到位资金（万元）", "到位资金（150.00 万元）不能超过签约投资（100.00 万元）"),
        ("3", "C 产业", "不是可选值"),
    ]:
        line = rows.filter(has_text=column)
        expect(line.locator("td").nth(0)).to_have_text(row)
        expect(line).to_contain_text(reason)
    back = page.get_by_role("link", name="返回上传页面")
    expect(back).to_be_visible()
    shot(page, artifacts_dir, f"browser-import-all-errors-{width}.png")

    with page.expect_navigation():
        back.click()
    assert page.url == f"{base}/projects/import/"
    expect(page.locator("#id_file")).to_be_visible()
    assert not Project.objects.exists()
