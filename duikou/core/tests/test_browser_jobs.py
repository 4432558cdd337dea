"""The jobs page and the schedules page in headless Chromium, on a desktop and on a 390 px phone: the system
administrator sees every job, filters by status and cancels a waiting one; the schedules page shows each schedule's
last and next run. Screenshots go to test-artifacts/."""

import os
import re

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.jobs import start_job
from duikou.core.models import Job

from .test_browser import login, shot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def counting(*, user, progress, n):
    for i in range(n):
        progress(i + 1, n)
    return {"summary": f"完成 {n} 项"}


def refusing(*, user, progress):
    from duikou.core.errors import UserFacingError

    raise UserFacingError("第 3 行「项目名称」为空")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_system_administrator_filters_and_cancels_jobs_and_reads_the_schedules(
    live_server, reference_data, new_page, artifacts_dir, settings, width
):
    owner = testing.user("xy_jobs_editor", "信阳市人民政府", "editor")
    testing.user("jobs_sysadmin", "国家发展改革委（振兴司）", "system_admin")
    start_job(kind="x", title="导出项目（xlsx）", user=owner, fn=counting, params={"n": 3})
    start_job(kind="x", title="导入项目：projects.xlsx", user=owner, fn=refusing)
    settings.DUIKOU_JOBS_INLINE = False  # this one waits for a worker
    waiting = start_job(kind="x", title="返贫风险筛查：河南省 2025", user=owner, fn=counting, params={"n": 2})

    page = new_page()
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server.url, "jobs_sysadmin")
    page.goto(f"{live_server.url}/jobs/")
    rows = page.locator("#job-list tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_text("第 3 行「项目名称」为空")).to_be_visible()
    shot(page, artifacts_dir, f"jobs-list-{width}.png")

    page.select_option("#job-filter select[name=status]", "failed")  # the filter submits itself on change
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("导入项目")

    page.goto(f"{live_server.url}/jobs/?status=queued")
    expect(rows).to_have_count(1)
    with page.expect_navigation():
        page.click(".job-cancel")
    assert Job.objects.get(pk=waiting.pk).status == Job.Status.CANCELLED
    page.goto(f"{live_server.url}/jobs/?status=cancelled")
    expect(rows.first).to_contain_text("返贫风险筛查")
    shot(page, artifacts_dir, f"jobs-cancelled-{width}.png")

    page.goto(f"{live_server.url}/jobs/schedules/")
    expect(page.locator("body")).to_contain_text(re.compile("夜间备份|备份"))
    shot(page, artifacts_dir, f"jobs-schedules-{width}.png")
