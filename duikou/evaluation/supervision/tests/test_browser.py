"""Supervision in the browser: from a published run the national overseer commends and issues a rectification
notice (under national supervision, as its issuer is the overseer); the 信阳 city receives it and reports its
measures; the overseer verifies and closes it. A notice 河南 issued from its own evaluation, left overdue, is
escalated and lands on the national overseer's desk. The overseer issues notices to several pairings at once."""

import datetime
import re

import pytest
from django.urls import get_resolver
from django.utils import timezone
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.evaluation.models import Notice
from duikou.evaluation.supervision import services
from duikou.evaluation.testing import published_run, supervision_people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(new_page, base, username):
    page = new_page()
    login(page, base, username)
    return page


def test_notice_walked_to_closure_and_an_overdue_one_escalates(live_server, reference_data, new_page, artifacts_dir):
    # Load the URL conf here: its first import (the evaluation analytics libraries) can outlast the browser's
    # navigation timeout when done by the live server on the first request.
    get_resolver().url_patterns  # noqa: B018
    who = supervision_people()
    xinyang, yanan = testing.pairing("信阳市", "苏州市"), testing.pairing("延安市", "无锡市")
    run = published_run(who["ndrc"], [(yanan, "93.40", "excellent"), (xinyang, "68.50", "fair")])
    base = live_server.url
    deadline = timezone.localdate() + datetime.timedelta(days=60)

    # the national overseer: commendation list of the published run, then a notice to 信阳–苏州
    page = as_user(new_page, base, "ndrc_approver")
    page.goto(f"{base}/evaluation/commendations/{run.pk}/")
    expect(page.locator("#commendations-empty")).to_be_visible()
    with page.expect_navigation():
        page.click("#generate-commendations")
    expect(page.locator(".commendation-row")).to_have_count(1)
    expect(page.locator(".commendation-row")).to_contain_text("延安市—无锡市")
    shot(page, artifacts_dir, "browser-supervision-commendations.png")
    with page.expect_navigation():
        page.locator(".result-row", has_text="信阳市—苏州市").get_by_role("link", name="下发整改通知").click()
    expect(page.locator("#id_pairing option:checked")).to_have_text("信阳市—苏州市")
    expect(page.locator("#id_responsible option:checked")).to_have_text("信阳市人民政府")
    page.fill("#id_finding", "共建园区招商进展缓慢，2025 年签约项目落地率不足三成")
    page.fill("#id_measures_required", "制定园区招商专项方案，建立项目落地台账，按季度报送进展")
    page.fill("#id_deadline", deadline.isoformat())
    shot(page, artifacts_dir, "browser-supervision-issue.png")
    with page.expect_navigation():
        page.click("#issue-submit")
    expect(page.locator("#notice-status")).to_have_text("已下发")
    expect(page.locator("#notice-level")).to_have_text("国家督办")
    number = Notice.objects.get().number
    expect(page.locator("#notice-number")).to_contain_text(number)

    # the 信阳 city editor finds it on the notice desk, receives it and reports its measures
    city = as_user(new_page, base, "xy_editor")
    with city.expect_navigation():
        city.click("#nav-notices")
    expect(city.locator(".notice-row")).to_have_count(1)
    with city.expect_navigation():
        city.get_by_role("link", name=number).click()
    expect(city.locator("#step-verify")).to_have_count(0)
    with city.expect_navigation():
        city.click("#step-receive")
    expect(city.locator("#notice-status")).to_have_text("已签收")
    city.fill("#report-text", "已印发园区招商专项方案，新签约项目 6 个、落地 4 个，建立季度调度机制")
    with city.expect_navigation():
        city.click("#step-report")
    expect(city.locator("#notice-status")).to_have_text("已报整改措施")
    expect(city.locator("#no-steps")).to_be_visible()
    shot(city, artifacts_dir, "browser-supervision-city-reported.png")

    # under national supervision, the overseer verifies and closes it
    page.goto(f"{base}/evaluation/notices/")
    with page.expect_navigation():
        page.get_by_role("link", name=number).click()
    page.fill("#verify-comment", "整改措施具体，项目落地台账齐全，核验通过")
    with page.expect_navigation():
        page.click("#step-verify")
    expect(page.locator("#notice-status")).to_have_text("已核验")
    with page.expect_navigation():
        page.click("#step-close")
    expect(page.locator("#notice-status")).to_have_text("已销号")
    expect(page.locator("#notice-timeline")).not_to_contain_text("—")
    shot(page, artifacts_dir, "browser-supervision-closed.png")

    # a notice 河南 issued from its own evaluation is left unreceived past its due date: opening the desk escalates
    # it from province to national supervision
    province = as_user(new_page, base, "henan_approver")
    late = services.issue_notice(
        run=published_run(who["henan"], [(xinyang, "68.50", "fair")], province="410000"),
        pairing=xinyang,
        finding="消费帮扶金额未达年度目标",
        measures_required="拓展消费帮扶渠道，按月报送销售额",
        deadline=deadline,
        user=who["henan"],
    )
    Notice.objects.filter(pk=late.pk).update(step_due=timezone.localdate() - datetime.timedelta(days=1))
    province.goto(f"{base}/evaluation/notices/?status=open")
    expect(province.get_by_role("alert").filter(has_text="已升级为国家督办")).to_be_visible()
    row = province.locator(".notice-row", has_text=late.number)
    expect(row).to_have_class(re.compile("overdue"))
    expect(row).to_contain_text("国家督办")
    shot(province, artifacts_dir, "browser-supervision-escalated.png")

    # the national overseer's desk has it; the province can no longer verify it, the overseer can act on it
    page.goto(f"{base}/evaluation/notices/")
    with page.expect_navigation():
        page.click("#national-desk-link")
    expect(page.locator("#desk-title")).to_have_text("国家督办台")
    expect(page.locator(".notice-row")).to_have_count(1)
    expect(page.locator(".notice-row")).to_contain_text(late.number)
    shot(page, artifacts_dir, "browser-supervision-national-desk.png")
    with page.expect_navigation():
        page.get_by_role("link", name=late.number).click()
    expect(page.locator("#notice-level")).to_have_text("国家督办")
    expect(page.locator("#notice-overdue")).to_be_visible()
    expect(page.locator("#notice-timeline")).to_contain_text("升级为国家督办")
    shot(page, artifacts_dir, "browser-supervision-escalated-detail.png")


def test_notices_issued_to_several_pairings_at_once(live_server, reference_data, new_page, artifacts_dir):
    """The overseer narrows the run's pairings to those graded 较差, ticks them all, issues, and reads the notices
    issued together, each naming both sides; on a desktop and on a 390 px phone."""
    get_resolver().url_patterns  # noqa: B018 (see above)
    who = supervision_people()
    poor = [testing.pairing("信阳市", "苏州市"), testing.pairing("赣州市", "深圳市")]
    run = published_run(
        who["ndrc"], [(testing.pairing("延安市", "无锡市"), "93.40", "excellent")] + [(p, "55", "poor") for p in poor]
    )
    base = live_server.url
    page = as_user(new_page, base, "ndrc_approver")
    page.goto(f"{base}/evaluation/commendations/{run.pk}/")
    with page.expect_navigation():
        page.click("#batch-issue-link")
    expect(page.locator(".batch-row")).to_have_count(3)
    page.select_option("#filter-grade", "poor")
    with page.expect_navigation():
        page.click("#apply-filters")
    expect(page.locator(".batch-row")).to_have_count(2)
    page.check("#select-all")
    expect(page.locator("input.batch-pick:checked")).to_have_count(2)
    expect(page.locator("#batch-count")).to_have_text("已选择 2 个结对关系")
    page.locator("input.batch-pick").first.uncheck()
    expect(page.locator("#batch-count")).to_have_text("已选择 1 个结对关系")
    page.check("#select-all")
    page.fill("#id_finding", "共建园区招商进展缓慢，签约项目落地率不足三成")
    page.fill("#id_measures_required", "制定园区招商专项方案，按季度报送进展")
    shot(page, artifacts_dir, "browser-supervision-batch-form.png")
    phone = {"width": 390, "height": 844}
    page.set_viewport_size(phone)
    shot(page, artifacts_dir, "browser-supervision-batch-form-390.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_navigation():
        page.click("#batch-submit")
    expect(page.locator("#batch-banner")).to_contain_text("2 份")
    rows = page.locator(".notice-row")
    expect(rows).to_have_count(2)
    for old, partner in (("信阳市", "苏州市"), ("赣州市", "深圳市")):
        row = rows.filter(has_text=old)
        expect(row.locator(".notice-old")).to_contain_text(old)
        expect(row.locator(".notice-partner")).to_contain_text(partner)
        expect(row).to_contain_text("国家督办")
    expect(page.locator("#batch-zip")).to_be_visible()
    shot(page, artifacts_dir, "browser-supervision-batch-issued.png")
    page.set_viewport_size(phone)
    shot(page, artifacts_dir, "browser-supervision-batch-issued-390.png")
