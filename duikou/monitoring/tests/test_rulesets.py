"""Rule sets in the UI: per province and year, each figure with its source or marked as a local setting; versioned;
a rule set in use is superseded, never edited."""

from decimal import Decimal

import pytest

from duikou import testing
from duikou.core.actors import Operator
from duikou.geo.models import Region
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Rule, RuleSet, Threshold, threshold

pytestmark = pytest.mark.django_db


@pytest.fixture
def henan():
    return Region.objects.get(code="410000")


@pytest.fixture
def province_editor():
    return testing.user("henan_editor", "河南省人民政府", "editor")


def _form(ruleset=None, **changes) -> dict:
    """The form as the page sends it: every figure with its value, source and official flag."""
    rows = services._default_rows()
    if ruleset is not None:
        rows |= {
            t.key: {"value": t.value, "official": t.official, "source": t.source} for t in ruleset.thresholds.all()
        }
    data = {}
    for key, row in rows.items():
        data[f"value_{key}"] = str(row["value"])
        data[f"source_{key}"] = row["source"]
        if row["official"]:
            data[f"official_{key}"] = "1"
    data |= {f"rule_{code}": "1" for code in Rule.Code.values}
    data.update(changes)
    return data


def test_province_editor_creates_a_rule_set_with_an_official_line(client, henan, province_editor):
    client.force_login(province_editor)
    data = _form(
        province="410000",
        year="2026",
        value_income_line="8050",
        official_income_line="1",
        source_income_line="河南省 2026 年防止返贫监测范围通知 第二条",
    )
    response = client.post("/monitoring/rulesets/new/", data)
    ruleset = RuleSet.objects.get(province=henan, year=2026)
    assert response.status_code == 302 and response.url == f"/monitoring/rulesets/{ruleset.pk}/"
    line = ruleset.thresholds.get(key=Threshold.Key.INCOME_LINE)
    assert (line.value, line.official) == (Decimal("8050"), True)
    page = client.get(response.url).content.decode()
    assert "河南省 2026 年防止返贫监测范围通知 第二条" in page
    # the figures nobody confirmed are shown as local settings, never as policy
    assert page.count("本地设置，非政策") == len(Threshold.Key.values) - 1


def test_an_official_figure_needs_a_real_source(client, province_editor):
    client.force_login(province_editor)
    data = _form(province="410000", year="2026", official_margin_share="1")  # the default source says "配置值"
    response = client.post("/monitoring/rulesets/new/", data)
    assert response.status_code == 400
    assert "标为官方数据时，来源须写明文件、条款或页码" in response.content.decode()
    assert not RuleSet.objects.filter(year=2026).exists()


def test_bad_figures_are_named_and_nothing_is_saved(client, province_editor):
    client.force_login(province_editor)
    data = _form(
        province="410000", year="2026", value_income_line="七千", value_publicity_days="2.5", source_rigid_share=""
    )
    page = client.post("/monitoring/rulesets/new/", data).content.decode()
    assert "监测收入标准（元/人·年）：请填写数字" in page
    assert "村内公示天数（日历日）：须为正整数" in page
    assert "刚性支出占收入比例：请填写来源" in page
    assert 'value="七千"' in page  # what was typed is kept
    assert not RuleSet.objects.filter(year=2026).exists()


def test_a_rule_set_not_yet_used_can_be_edited(client, province_editor, henan):
    ruleset = services.create_ruleset(user=Operator(), province=henan, year=2026)
    client.force_login(province_editor)
    response = client.post(f"/monitoring/rulesets/{ruleset.pk}/edit/", _form(ruleset, value_stable_months="9"))
    assert response.status_code == 302
    assert threshold(RuleSet.objects.get(pk=ruleset.pk), Threshold.Key.STABLE_MONTHS) == 9
    assert RuleSet.objects.filter(province=henan, year=2026).count() == 1


def test_a_rule_set_in_use_is_superseded_not_edited(client, province_editor, henan):
    ruleset = services.create_ruleset(user=Operator(), province=henan, year=2026)
    cadre = mt.local_user("xg_cadre")
    home = mt.household(mt.local_user("ts_editor", level="township"))
    case, _opened = services.open_case(household=home, channel="visit", user=cadre)
    assert case.ruleset == ruleset and ruleset.in_use
    client.force_login(province_editor)
    edit = client.post(
        f"/monitoring/rulesets/{ruleset.pk}/edit/", _form(ruleset, value_income_line="9000"), follow=True
    )
    assert "在用的规则集不能修改，只能修订为新版本" in edit.content.decode()
    assert threshold(RuleSet.objects.get(pk=ruleset.pk), Threshold.Key.INCOME_LINE) == 7000
    # the service refuses it too, whoever calls it
    with pytest.raises(Exception, match="不能修改；请修订为新版本"):
        services.edit_ruleset(user=Operator(), ruleset=ruleset, thresholds={})

    revise = client.post(
        f"/monitoring/rulesets/{ruleset.pk}/revise/",
        _form(ruleset, value_income_line="9000", note="省里调整了监测范围"),
    )
    second = RuleSet.objects.get(province=henan, year=2026, version=2)
    assert revise.url == f"/monitoring/rulesets/{second.pk}/"
    assert threshold(second, Threshold.Key.INCOME_LINE) == 9000
    assert threshold(ruleset, Threshold.Key.INCOME_LINE) == 7000  # the case keeps the figures it was judged by
    case.refresh_from_db()
    assert case.ruleset_id == ruleset.pk
    old_page = client.get(f"/monitoring/rulesets/{ruleset.pk}/").content.decode()
    assert "已被第 2 版取代" in old_page and 'id="ruleset-edit"' not in old_page
    listing = client.get("/monitoring/rulesets/").content.decode()
    assert listing.count("已被新版本取代") == 1 and "现行" in listing


def test_a_revision_keeps_disabled_rules_unless_changed(province_editor, henan):
    first = services.create_ruleset(
        user=province_editor, province=henan, year=2026, enabled={"income_low", "income_fall"}
    )
    second = services.create_ruleset(user=province_editor, province=henan, year=2026, revises=first)
    assert set(second.rules.filter(enabled=True).values_list("code", flat=True)) == {"income_low", "income_fall"}


def test_city_and_county_users_read_but_cannot_write(client, henan):
    ruleset = services.create_ruleset(user=Operator(), province=henan, year=2026)
    county = mt.local_user("hc_county", level="county")
    client.force_login(county)
    assert "河南省 2026 年监测规则" in client.get("/monitoring/rulesets/").content.decode()
    page = client.get(f"/monitoring/rulesets/{ruleset.pk}/").content.decode()
    assert 'id="ruleset-revise"' not in page
    assert client.get("/monitoring/rulesets/new/").status_code == 403
    assert client.post(f"/monitoring/rulesets/{ruleset.pk}/revise/", _form(ruleset)).status_code == 403
    with pytest.raises(Exception, match="监测规则集由本省"):
        services.create_ruleset(user=county, province=henan, year=2027)


def test_empty_rule_set_list_says_what_to_do(client, province_editor):
    client.force_login(province_editor)
    page = client.get("/monitoring/rulesets/").content.decode()
    assert 'id="ruleset-empty"' in page and "新建规则集" in page


def test_first_use_of_the_case_list_explains_the_three_ways_in(client):
    client.force_login(mt.local_user("first_cadre"))
    page = client.get("/monitoring/").content.decode()
    assert 'id="alerts-first-use"' in page
    assert "农户自主申报" in page and "基层干部排查" in page and "部门筛查预警" in page
    assert "duckdb" not in page.lower()  # the engine is for operators, not cadres
