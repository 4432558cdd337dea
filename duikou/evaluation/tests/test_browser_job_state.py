"""An evaluation run and its report document, each run to its end in the browser: the runs list shows one state
per run (待发布, no 计算中 beside it) and the finished report job shows its result, not its last progress text;
on a desktop and on a 390 px phone."""

import pytest
from playwright.sync_api import expect

from duikou.core.tests.test_browser import login, shot
from duikou.evaluation import testing as ev

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Q4 = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]


@pytest.mark.parametrize("width", [1280, 390])
def test_finished_run_and_report_show_one_state(live_server, reference_data, new_page, artifacts_dir, width):
    from duikou import testing

    who = ev.People()
    scheme = ev.scheme(who["ndrc"], items=[ev.target_item(), ev.qualitative_item(weight="50")])
    ev.values(testing.pairing("信阳市", "苏州市"), {"funds_in_place_wan": dict.fromkeys(Q4, "2500")})
    base = live_server.url
    page = new_page({"width": width, "height": 900})
    login(page, base, who["ndrc"].username)

    page.goto(f"{base}/evaluation/schemes/{scheme.pk}/runs/")
    with page.expect_navigation():
        page.locator("#run-start").click()
    row = page.locator(".run-row").first
    expect(row.locator(".run-state")).to_have_text("待发布")
    expect(row).not_to_contain_text("计算中")
    expect(row.locator(".job-progress")).to_have_count(0)
    shot(page, artifacts_dir, f"job-state-runs-{width}.png")

    row.get_by_role("link", name="第 1 次").click()
    expect(page.locator("#run-status")).to_have_text("待发布")
    with page.expect_navigation():
        page.locator("#report-docx").click()
    job = page.locator(".job-progress")
    expect(job).to_have_attribute("data-status", "done")
    expect(job).to_contain_text("已完成")
    expect(job.locator(".job-summary")).to_have_text("评估报告（Word）已生成")
    expect(job).not_to_contain_text("正在绘制图表并排版")
    expect(job).not_to_contain_text("正在保存结果")
    expect(job.locator(".progress-bar")).to_have_text("100%")
    expect(job.locator(".job-download")).to_be_visible()
    shot(page, artifacts_dir, f"job-state-report-{width}.png")


@pytest.mark.parametrize("width", [1280, 390])
def test_runs_list_follows_a_computing_run_to_its_end(live_server, reference_data, new_page, artifacts_dir, width):
    """The list polls itself while a run computes: the badge and the progress change together, and when the job
    ends the row says 待发布 alone (before, the job's bar turned 已完成 beside a 计算中 that never refreshed)."""
    from duikou.core.models import Job
    from duikou.evaluation.models import Run

    who = ev.People()
    scheme = ev.scheme(who["ndrc"], items=[ev.target_item(), ev.qualitative_item(weight="50")])
    job = Job.objects.create(kind="evaluation", title="成效评估", user=who["ndrc"], status="running", done=1, total=4)
    run = Run.objects.create(scheme=scheme, number=1, started_by=who["ndrc"], job=job)
    base = live_server.url
    page = new_page({"width": width, "height": 900})
    login(page, base, who["ndrc"].username)
    page.goto(f"{base}/evaluation/schemes/{scheme.pk}/runs/")
    row = page.locator(".run-row").first
    expect(row.locator(".run-state")).to_have_text("计算中")
    expect(row.locator(".job-progress")).to_contain_text("进行中")
    expect(page.locator("#run-start")).to_be_disabled()

    Job.objects.filter(pk=job.pk).update(done=4, message="")  # counted out, still saving
    Run.objects.filter(pk=run.pk).update(status=Run.Status.DONE)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, message="已完成 0 个结对关系的评估")
    expect(row.locator(".run-state")).to_have_text("待发布")
    expect(row).not_to_contain_text("计算中")
    expect(row.locator(".job-progress")).to_have_count(0)
    expect(page.locator("#run-start")).to_be_enabled()
    shot(page, artifacts_dir, f"job-state-runs-followed-{width}.png")
