"""What officials saw as codes on screen, walked in the browser: a derived indicator's formula, a project's change
history, a Shanghai place name and the language menu — on a desktop and on a 390 px phone."""

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.indicators.tests.factories import fill, report
from duikou.markets.labour import testing as lt
from duikou.projects import testing as pt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_formula_history_place_and_language_read_as_words(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    editor = testing.user("xy_editor", "信阳市人民政府", "editor")
    rep = fill(editor, report())
    project = pt.project(testing.pairing("信阳市", "苏州市"), user=editor, funding_sources=["social_capital"])
    lt.posting("310115", "浦东电工", user=testing.user("sh_editor", "上海市人民政府", "editor"))

    page = new_page()
    login(page, base, "xy_editor")
    # the language menu names English in English on the Chinese page
    expect(page.locator("select[name=language] option[value=en]")).to_have_text("English")
    # the derived row reads by names, its value in the 本期值 column
    page.goto(f"{base}/indicators/entry/{rep.pairing_id}/quarterly/{rep.period}/")
    expect(page.locator("#derived .derived-formula")).to_have_text("实际到位资金 ÷ 签约金额 × 100")
    expect(page.locator("#d-funds_in_place_rate")).to_have_text("34.6154")
    expect(page.locator("body")).not_to_contain_text("funds_in_place_wan")
    shot(page, artifacts_dir, "browser-readable-derived.png")
    # the project's history names its funding sources, shows no ID row and no stored list
    page.goto(f"{base}/projects/{project.pk}/")
    history = page.locator("body")
    expect(history).to_contain_text("社会资本")
    expect(history).not_to_contain_text("social_capital")
    expect(history).not_to_contain_text('["')
    shot(page, artifacts_dir, "browser-readable-history.png")

    # on a phone: the Shanghai posting's place is 上海市浦东新区, never 市辖区浦东新区
    phone = new_page(PHONE)
    login(phone, base, "xy_editor")
    phone.goto(f"{base}/markets/labour/postings/")
    expect(phone.locator("body")).to_contain_text("上海市浦东新区")
    expect(phone.locator("body")).not_to_contain_text("市辖区")
    shot(phone, artifacts_dir, "browser-readable-place-phone.png")


def test_a_rate_by_pairing_is_recomputed_rounded_and_every_pairing_is_named(
    live_server, reference_data, new_page, artifacts_dir
):
    from decimal import Decimal

    from duikou.indicators.models import DataValue

    base = live_server.url
    testing.user("ndrc_viewer", "国家发展改革委（振兴司）", "viewer")
    pairs = [("信阳市", "苏州市"), ("延安市", "无锡市"), ("赣州市", "深圳市"), ("吉安市", "东莞市")]
    pairs += [("龙岩市", "广州市"), ("三明市", "上海市"), ("梅州市", "广州市"), ("庆阳市", "天津市")]
    for n, (old, partner) in enumerate(pairs):
        pairing = testing.pairing(old, partner)
        for code, value in (("signed_amount_wan", 300), ("funds_in_place_wan", 100 + n)):
            DataValue.objects.create(pairing=pairing, indicator_id=code, period="2025Q3", value=Decimal(value))
    page = new_page()
    login(page, base, "ndrc_viewer")
    page.goto(f"{base}/indicators/analytics/?indicator=funds_in_place_rate&rows=pairing&cols=year&year=2025")
    expect(page.locator("#pivot-aggregation")).to_contain_text("按分项汇总后计算：实际到位资金 ÷ 签约金额 × 100")
    expect(page.locator("#pivot-total")).to_have_text("34.50")  # (100 + … + 107) ÷ 2400 × 100 = 34.5
    expect(page.locator("#chart-pivot")).to_have_attribute("data-ready", "1")
    axis = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-pivot')).getOption().xAxis[0].axisLabel"
    )
    assert axis["interval"] == 0 and axis["rotate"] == 40  # eight pairings' names, none dropped
    page.wait_for_timeout(800)
    shot(page, artifacts_dir, "browser-readable-rate-pivot.png")


# the city names ECharts draws (zrender "tspan" elements; a label hidden as overlapping is not drawn at all)
LABEL_BOXES = """() => {
  const chart = echarts.getInstanceByDom(document.getElementById("pairing-map"));
  return chart.getZr().storage.getDisplayList(true)
    .filter(e => e.type === "tspan" && e.style && e.style.text)
    .map(t => {
      const r = t.getBoundingRect().clone();
      const m = t.getComputedTransform();
      if (m) r.applyTransform(m);
      return [String(t.style.text), r.x, r.y, r.width, r.height];
    });
}"""


def test_city_labels_on_the_national_map_never_cover_each_other(live_server, reference_data, new_page, artifacts_dir):
    from duikou.core.tests.test_browser import wait_for_map

    testing.user("ndrc_map", "国家发展改革委（振兴司）", "viewer")
    page = new_page()
    login(page, live_server.url, "ndrc_map")
    wait_for_map(page)
    boxes = page.evaluate(LABEL_BOXES)
    assert len(boxes) >= 15  # most of the 40 cities keep their name at the default zoom
    overlaps = [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[1] + b[3] and b[1] < a[1] + a[3] and a[2] < b[2] + b[4] and b[2] < a[2] + a[4]
    ]
    assert overlaps == []
    shot(page, artifacts_dir, "browser-readable-map-labels.png")
