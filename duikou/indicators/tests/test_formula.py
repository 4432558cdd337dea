"""Derived indicators' formulas as a page shows them: names, × and ÷, no codes."""

import pytest

from duikou.indicators import formula as formulas


@pytest.mark.parametrize(
    ("formula", "shown"),
    [
        ("funds_in_place_wan / signed_amount_wan * 100", "实际到位资金 ÷ 签约金额 × 100"),
        ("(a + b) * 2", "（甲 + 乙） × 2"),
        ("a - (b + c)", "甲 − （乙 + 丙）"),
        ("a / (b * c)", "甲 ÷ （乙 × 丙）"),
        ("a + b * c", "甲 + 乙 × 丙"),
        ("-a", "−甲"),
    ],
)
def test_a_formula_is_shown_with_names_and_only_the_brackets_it_needs(formula, shown):
    names = {"funds_in_place_wan": "实际到位资金", "signed_amount_wan": "签约金额", "a": "甲", "b": "乙", "c": "丙"}
    assert formulas.readable(formula, names) == shown


@pytest.mark.django_db
def test_the_entry_grid_shows_the_derived_row_by_names_not_codes(client):
    from duikou import testing
    from duikou.indicators.tests.factories import fill, report

    editor = testing.user("formula_editor", "信阳市人民政府", "editor")
    rep = fill(editor, report())
    testing.login(client, editor)
    page = client.get(f"/indicators/entry/{rep.pairing_id}/quarterly/{rep.period}/").content.decode()
    assert 'class="small text-muted derived-formula">实际到位资金 ÷ 签约金额 × 100</div>' in page
    assert "funds_in_place_wan / signed_amount_wan" not in page
    # the value stands in the 本期值 column (after the empty 上期 cell): 18000 ÷ 52000 × 100
    assert (
        '<td></td><td class="text-end dk-grid-value" id="d-funds_in_place_rate" data-label="本期值">34.6154</td>'
        in page
    )
