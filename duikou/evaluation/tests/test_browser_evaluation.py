"""The national overseer runs the 2025 evaluation, looks at the ranking, publishes it and opens 信阳–苏州's
explanation; a 信阳 user sees the ranking and only its own explanation; the overseer issues a rectification
notice from the ranking (under national supervision, as the overseer issued it); the city reports its measures,
河南 reads the notice without the supervisor's steps and the overseer verifies and closes it. (Escalation of an overdue
notice: supervision/tests/test_browser.py.)"""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from duikou import testing
from duikou.accounts.models import User
from duikou.core.tests.test_browser import login, shot
from duikou.evaluation import demo
from duikou.evaluation.models import Run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_overseer_runs_publishes_and_city_reads_its_explanation(live_server, reference_data, new_page, artifacts_dir):
    call_command("demo", verbosity=0)
    for account in User.objects.filter(username__in=["ndrc_approver", "henan_approver"]):  # demo approvers
        account.set_password(testing.PASSWORD)
        account.save()
    ndrc = User.objects.get(username="ndrc_approver")
    demo._enter_values(ndrc)  # the demo's approved 2025 values, scheme and reviews, not yet run
    scheme = demo._scheme(ndrc)
    demo._reviews(ndrc, scheme)
    testing.user("xy_viewer", "信阳市人民政府", "viewer")
    testing.user("xy_editor", "信阳市人民政府", "editor")
    xinyang, yanan = testing.pairing("信阳市", "苏州市"), testing.pairing("延安市", "无锡市")
    base = live_server.url

    page = new_page()
    login(page, base, "ndrc_approver")
    page.locator("#nav-evaluation").click()
    page.get_by_role("link", name=scheme.name).click()
    expect(page.locator("#weight-sum")).to_have_text("100")
    shot(page, artifacts_dir, "evaluation-scheme.png")
    page.locator("#scheme-runs").click()
    with page.expect_navigation():
        page.locator("#run-start").click()
    expect(page.get_by_role("alert")).to_contain_text("已开始评估计算")
    run = Run.objects.get(scheme=scheme)
    page.get_by_role("link", name="第 1 次").click()
    expect(page.locator("#run-status")).to_have_text("待发布")
    expect(page.locator("#ranking-table .ranking-row")).to_have_count(20)
    expect(page.locator("#ranking-table")).to_contain_text("TOPSIS")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#run-publish").click()
    expect(page.locator("#run-status")).to_have_text("已发布")
    shot(page, artifacts_dir, "evaluation-ranking.png")
    page.locator('.ranking-row[data-pairing="N09"]').get_by_role("link", name="计分说明").click()
    expect(page).to_have_url(f"{base}/evaluation/runs/{run.pk}/pairings/{xinyang.pk}/")
    expect(page.locator(".score-explanation").first).to_contain_text("研学与红色旅游人次 2025 年 16,000 人次")
    expect(page.locator("#explanation-summary")).to_contain_text("总分")
    shot(page, artifacts_dir, "evaluation-explanation.png")

    city = new_page()
    login(city, base, "xy_viewer")
    city.goto(f"{base}/evaluation/runs/{run.pk}/")
    expect(city.locator("#ranking-table .ranking-row")).to_have_count(20)
    expect(city.locator(".ranking-row a")).to_have_count(1)
    expect(city.locator('.ranking-row[data-pairing="N09"] a')).to_have_text("计分说明")
    response = city.goto(f"{base}/evaluation/runs/{run.pk}/pairings/{yanan.pk}/")
    assert response.status == 403

    # from the published ranking, the overseer issues a rectification notice to 信阳–苏州
    page.goto(f"{base}/evaluation/runs/{run.pk}/")
    with page.expect_navigation():
        page.locator('.ranking-row[data-pairing="N09"] .issue-notice').click()
    expect(page.locator("#id_responsible option:checked")).to_have_text("信阳市人民政府")
    page.fill("#id_finding", "研学与红色旅游人次未达年度目标")
    page.fill("#id_measures_required", "制定研学线路推广方案，按季度报送接待人次")
    page.fill("#id_deadline", (timezone.localdate() + datetime.timedelta(days=60)).isoformat())
    with page.expect_navigation():
        page.click("#issue-submit")
    expect(page.locator("#notice-status")).to_have_text("已下发")
    number = page.locator("#notice-number").inner_text().split()[-1]

    editor = new_page()
    login(editor, base, "xy_editor")
    editor.goto(f"{base}/evaluation/notices/")
    with editor.expect_navigation():
        editor.get_by_role("link", name=number).click()
    with editor.expect_navigation():
        editor.click("#step-receive")
    editor.fill("#report-text", "已印发研学线路推广方案，新增红色研学线路 3 条")
    with editor.expect_navigation():
        editor.click("#step-report")
    expect(editor.locator("#notice-status")).to_have_text("已报整改措施")

    # issued by the national overseer, the notice is under national supervision: 河南 reads it but does not verify
    province = new_page()
    login(province, base, "henan_approver")
    province.goto(f"{base}/evaluation/notices/")
    with province.expect_navigation():
        province.get_by_role("link", name=number).click()
    expect(province.locator("#notice-status")).to_have_text("已报整改措施")
    expect(province.locator("#verify-comment")).to_have_count(0)

    page.goto(f"{base}/evaluation/notices/")
    with page.expect_navigation():
        page.get_by_role("link", name=number).click()
    page.fill("#verify-comment", "措施具体，核验通过")
    with page.expect_navigation():
        page.click("#step-verify")
    with page.expect_navigation():
        page.click("#step-close")
    expect(page.locator("#notice-status")).to_have_text("已销号")
    shot(page, artifacts_dir, "evaluation-notice-closed.png")
