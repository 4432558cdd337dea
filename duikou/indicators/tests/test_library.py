from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from duikou.indicators import formula
from duikou.indicators.models import DataSet, Indicator
from duikou.indicators.periods import parse_period
from duikou.indicators.services import load_starter_library

pytestmark = pytest.mark.django_db

STARTER = [
    "消费帮扶金额",
    "劳务协作人数",
    "共建产业园区数",
    "签约项目数",
    "签约金额",
    "实际到位资金",
    "干部双向挂职人数",
    "培训人次",
    "研学与红色旅游人次",
    "医疗结对数",
    "教育结对数",
]


def test_starter_library_has_every_indicator_with_its_clause():
    names = set(Indicator.objects.values_list("name", flat=True))
    assert set(STARTER) <= names
    parks = Indicator.objects.get(name="共建产业园区数")
    assert parks.clause_id == "fgzx-2022-766/3/5" and "共建产业园区" in parks.clause.text
    assert Indicator.objects.get(name="消费帮扶金额").clause.text.count("消费帮扶") >= 1
    assert Indicator.objects.get(name="干部双向挂职人数").clause_id == "fgzx-2022-766/4/1"


def test_starter_library_loads_idempotently():
    before = Indicator.objects.count(), DataSet.objects.get(pk="quarterly").indicators.count()
    load_starter_library()
    load_starter_library()
    assert (Indicator.objects.count(), DataSet.objects.get(pk="quarterly").indicators.count()) == before


@pytest.mark.parametrize(
    ("text", "kind", "prev"),
    [
        ("2025", "year", "2024"),
        ("2025Q3", "quarter", "2025Q2"),
        ("2025Q1", "quarter", "2024Q4"),
        ("202509", "month", "202508"),
        ("202501", "month", "202412"),
    ],
)
def test_periods_parse_and_step_back(text, kind, prev):
    period = parse_period(text)
    assert (period.id, period.type, period.previous().id) == (text, kind, prev)


@pytest.mark.parametrize("bad", ["2025Q5", "202513", "25Q1", "", "2025-09", "1800"])
def test_bad_period_is_refused_with_its_text(bad):
    with pytest.raises(ValidationError) as exc:
        parse_period(bad)
    assert f"「{bad}」" in exc.value.messages[0]


def test_quarter_expected_but_month_given():
    with pytest.raises(ValidationError, match="月度.*季度"):
        parse_period("202509", expected_type="quarter")


def test_formula_evaluates_without_eval():
    assert formula.evaluate("a / b * 100", {"a": Decimal("18"), "b": Decimal("72")}) == Decimal("25")
    assert formula.evaluate("(a + 2) * -b", {"a": Decimal("1"), "b": Decimal("3")}) == Decimal("-9")
    assert formula.evaluate("a / b", {"a": Decimal("1"), "b": Decimal("0")}) is None
    assert formula.evaluate("a + b", {"a": Decimal("1")}) is None


@pytest.mark.parametrize("bad", ["__import__('os')", "a ** 2", "a.b", "[1]", "a if b else c", "'x'", "a(1)"])
def test_formula_refuses_anything_but_arithmetic(bad):
    with pytest.raises(ValidationError):
        formula.parse(bad)


def test_derived_indicator_is_computed_not_entered():
    rate = Indicator.objects.get(pk="funds_in_place_rate")
    assert rate.derived and formula.codes_in(rate.formula) == {"funds_in_place_wan", "signed_amount_wan"}


def test_a_quote_not_in_its_clause_refuses_the_whole_file(tmp_path, settings):
    import json
    import shutil

    from duikou.core.errors import DataFileError

    (tmp_path / "indicators").mkdir()
    data = json.loads((Path(settings.DATA_DIR) / "indicators" / "starter.json").read_text(encoding="utf-8"))
    data["indicators"][0]["quote"] = "凭空编造的政策"
    data["indicators"][0]["name"] = "不应写入"
    (tmp_path / "indicators" / "starter.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    shutil.copytree(Path(settings.DATA_DIR) / "policy", tmp_path / "policy")
    settings.DATA_DIR = str(tmp_path)
    with pytest.raises(DataFileError, match="凭空编造的政策"):
        load_starter_library()
    assert not Indicator.objects.filter(name="不应写入").exists()


def test_bad_periods_are_explained_in_the_users_language():
    from django.utils import translation

    with pytest.raises(ValidationError, match="报告期「2025Q3」是季度，此处应为年度"):
        parse_period("2025Q3", expected_type="year")
    with translation.override("en"):
        with pytest.raises(ValidationError, match="The period “2025Q3” is a quarter; a year is expected here"):
            parse_period("2025Q3", expected_type="year")
        with pytest.raises(ValidationError, match="Invalid period “2025-9”"):
            parse_period("2025-9")


def test_bad_formulas_are_explained_in_the_users_language():
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(ValidationError, match="“a % b” is not allowed in the formula “a % b”: use only numbers"):
            formula.parse("a % b")
        with pytest.raises(ValidationError, match="The formula is empty"):
            formula.parse(" ")
