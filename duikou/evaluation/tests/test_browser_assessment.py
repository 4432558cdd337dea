"""信阳 submits its self-assessment, 苏州 gives the partner's opinion, the overseer assigns 延安 (another province) to
cross-check 信阳–苏州, 延安 takes 5 points off one item with its reason and reports, and the run's explanation shows the
adjustment with the reason; on a desktop and on a 390 px phone."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.evaluation import services
from duikou.evaluation import testing as ev
from duikou.evaluation.models import CrossCheck

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_self_assessment_opinion_and_cross_check_reach_the_score(live_server, reference_data, new_page, artifacts_dir):
    ndrc = testing.user("ndrc_approver", "国家发展改革委（振兴司）", "approver")
    testing.user("xy_editor", "信阳市人民政府", "editor")
    testing.user("sz_editor", "苏州市人民政府", "editor")
    testing.user("ya_editor", "延安市人民政府", "editor")
    xinyang = testing.pairing("信阳市", "苏州市")
    ev.values(xinyang, {"funds_in_place_wan": {f"2025Q{q}": "2500" for q in range(1, 5)}})
    ev.all_reported(xinyang)
    scheme = ev.scheme(ndrc, items=[ev.target_item(weight="60"), ev.qualitative_item(weight="40")])
    today = timezone.localdate()
    scheme = services.update_scheme(
        user=ndrc,
        scheme=scheme,
        expected_version=scheme.version,
        self_assessment=True,
        partner_opinion=True,
        cross_check=True,
        cross_check_items=2,
        self_assessment_due=today + datetime.timedelta(days=30),
        opinion_due=today + datetime.timedelta(days=60),
    )
    funds, review = scheme.items.get(method="target"), scheme.items.get(method="qualitative")
    base = live_server.url

    # 信阳 fills in and submits its own side
    city = new_page()
    login(city, base, "xy_editor")
    city.goto(f"{base}/evaluation/schemes/{scheme.pk}/")
    city.locator("#scheme-assessments").click()
    row = city.locator(".stage-row", has_text="信阳市—苏州市")
    with city.expect_navigation():
        row.locator(".assessment-link").first.click()
    expect(city.locator("#workflow-turn")).to_contain_text("信阳市")
    city.select_option(f"#grade-{funds.pk}", "good")
    city.fill(f"#statement-{funds.pk}", "全年到位资金 10,000 万元，超过年度目标")
    city.fill(f"#evidence-{funds.pk}", "2025年资金拨付台账.xlsx")
    city.fill(f"#self_score-{review.pk}", "36")
    city.fill(f"#statement-{review.pk}", "红色研学线路 3 条，接待 1.6 万人次")
    with city.expect_navigation():
        city.locator("#assessment-save").click()
    expect(city.get_by_role("alert").first).to_contain_text("已保存")
    with city.expect_navigation():
        city.locator("#step-submit").click()
    expect(city.locator("#assessment-status")).to_have_text("已提交")
    expect(city.locator("#workflow-turn")).to_contain_text("等待 苏州市 处理")
    shot(city, artifacts_dir, "evaluation-self-assessment.png")

    # 苏州 gives its opinion on 信阳's self-assessment
    partner = new_page()
    login(partner, base, "sz_editor")
    partner.goto(f"{base}/evaluation/schemes/{scheme.pk}/assessments/{xinyang.pk}/old/")
    partner.check(f"#agree-{funds.pk}")
    partner.check(f"#disagree-{review.pk}")
    with partner.expect_navigation():
        partner.locator("#step-opinion").click()
    expect(partner.get_by_role("alert").first).to_contain_text("不同意时须写明理由")
    partner.check(f"#agree-{funds.pk}")
    partner.check(f"#disagree-{review.pk}")
    partner.fill(f"#opinion_reason-{review.pk}", "接待人次含线上参观，应分列")
    with partner.expect_navigation():
        partner.locator("#step-opinion").click()
    expect(partner.locator("#assessment-status")).to_have_text("结对方已提出意见")
    expect(partner.locator(".item-opinion").nth(1)).to_contain_text("接待人次含线上参观，应分列")

    # the overseer assigns 延安市人民政府 (陕西) to cross-check 信阳–苏州; a 江苏 organisation is refused
    overseer = new_page()
    login(overseer, base, "ndrc_approver")
    overseer.goto(f"{base}/evaluation/schemes/{scheme.pk}/assessments/")
    overseer.select_option("#assign-pairing", label="信阳市—苏州市")
    overseer.select_option("#assign-reviewer", label="无锡市人民政府")
    with overseer.expect_navigation():
        overseer.locator("#assign-submit").click()
    expect(overseer.get_by_role("alert").first).to_contain_text("江苏省")
    overseer.select_option("#assign-pairing", label="信阳市—苏州市")
    overseer.select_option("#assign-reviewer", label="延安市人民政府")
    overseer.fill("#assign-seed", "20261207")
    with overseer.expect_navigation():
        overseer.locator("#assign-submit").click()
    expect(overseer.get_by_role("alert").first).to_contain_text("抽样种子 20261207")
    check = CrossCheck.objects.get(scheme=scheme, pairing=xinyang)

    # 延安 records its findings (an adjustment needs its reason) and reports them
    reviewer = new_page()
    login(reviewer, base, "ya_editor")
    reviewer.goto(f"{base}/evaluation/cross-checks/{check.pk}/")
    expect(reviewer.locator("#workflow-turn")).to_contain_text("延安市人民政府")
    # the reviewer reads what the sides said of the sampled items, and the partner's opinion
    expect(reviewer.locator(".check-said").first).to_contain_text("全年到位资金 10,000 万元")
    expect(reviewer.locator(".check-item").nth(1)).to_contain_text("接待人次含线上参观，应分列")
    reviewer.fill(f"#finding-{funds.pk}", "第四季度 2,500 万元缺少拨付凭证")
    reviewer.fill(f"#adjustment-{funds.pk}", "-5")
    with reviewer.expect_navigation():
        reviewer.locator(f"#record-{funds.pk}").click()
    expect(reviewer.get_by_role("alert").first).to_contain_text("须写明理由")
    reviewer.fill(f"#finding-{funds.pk}", "第四季度 2,500 万元缺少拨付凭证")
    reviewer.fill(f"#adjustment-{funds.pk}", "-5")
    reviewer.fill(f"#reason-{funds.pk}", "2,500 万元无拨付凭证，按未到位计")
    with reviewer.expect_navigation():
        reviewer.locator(f"#record-{funds.pk}").click()
    reviewer.fill(f"#finding-{review.pk}", "研学线路与台账一致")
    with reviewer.expect_navigation():
        reviewer.locator(f"#record-{review.pk}").click()
    with reviewer.expect_navigation():
        reviewer.locator("#step-report").click()
    expect(reviewer.locator("#check-status")).to_have_text("已报送核查结果")
    shot(reviewer, artifacts_dir, "evaluation-cross-check.png")
    reviewer.set_viewport_size(PHONE)
    shot(reviewer, artifacts_dir, "evaluation-cross-check-phone.png")

    # the run applies the adjustment; the explanation shows it with the reason
    run = ev.run(scheme, ndrc, today=today)
    assert run.scores.get(pairing=xinyang, item=funds).score == Decimal("55.00")
    overseer.goto(f"{base}/evaluation/runs/{run.pk}/pairings/{xinyang.pk}/")
    adjusted = overseer.locator(".score-adjustment")
    expect(adjusted).to_have_count(1)
    expect(adjusted).to_contain_text("2,500 万元无拨付凭证，按未到位计")
    expect(overseer.locator(".score-explanation", has_text="交叉核查")).to_contain_text("调整后得 55.00 分")
    shot(overseer, artifacts_dir, "evaluation-adjusted-score.png")
    overseer.set_viewport_size(PHONE)
    shot(overseer, artifacts_dir, "evaluation-adjusted-score-phone.png")
