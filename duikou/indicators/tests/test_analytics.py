"""The pivot against a hand computation on a small fixed data set (service, page and API give the same totals)."""

import json
from decimal import Decimal

import pytest

from duikou.accounts.services import issue_token
from duikou.core import testing
from duikou.indicators import analytics
from duikou.indicators.models import DataValue

pytestmark = pytest.mark.django_db

FIXED = [
    # (old city, partner, indicator, period, value)
    ("信阳市", "苏州市", "signed_amount_wan", "2025Q1", "100"),
    ("信阳市", "苏州市", "signed_amount_wan", "2025Q2", "50"),
    ("信阳市", "苏州市", "signed_amount_wan", "2026Q1", "10"),
    ("信阳市", "苏州市", "funds_in_place_wan", "2025Q1", "40"),
    ("信阳市", "苏州市", "funds_in_place_wan", "2025Q2", "20"),
    ("信阳市", "苏州市", "coop_parks", "2025Q1", "1"),
    ("信阳市", "苏州市", "coop_parks", "2025Q2", "2"),
    ("延安市", "无锡市", "signed_amount_wan", "2025Q1", "200"),
    ("延安市", "无锡市", "funds_in_place_wan", "2025Q1", "100"),
    ("延安市", "无锡市", "coop_parks", "2025Q1", "3"),
    ("延安市", "无锡市", "coop_parks", "2025Q3", "4"),
]


@pytest.fixture
def fixed():
    for old, partner, code, period, value in FIXED:
        DataValue.objects.create(
            pairing=testing.pairing(old, partner), indicator_id=code, period=period, value=Decimal(value)
        )
    return {
        "ndrc": testing.user("ndrc_viewer", "国家发展改革委（振兴司）", "viewer"),
        "xinyang": testing.user("xy_viewer", "信阳市人民政府", "viewer"),
    }


def d(text):
    return Decimal(text).quantize(Decimal("0.0001"))


def test_sum_by_province_and_year_matches_hand_computation(fixed):
    result = analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="province", cols="year")
    assert result["rows"] == ["河南省", "陕西省"] and result["cols"] == ["2025", "2026"]
    assert result["cells"] == [[d("150"), d("10")], [d("200"), None]]
    assert result["row_totals"] == [d("160"), d("200")]
    assert result["col_totals"] == [d("350"), d("10")]
    assert result["total"] == d("360")


def test_last_value_takes_each_pairings_latest_period_then_sums(fixed):
    result = analytics.pivot(fixed["ndrc"], indicator="coop_parks", rows="old_area", cols="year")
    assert dict(zip(result["rows"], result["row_totals"], strict=True)) == {
        "大别山革命老区": d("2"),
        "陕甘宁革命老区": d("4"),
    }
    assert result["total"] == d("6")


def test_derived_rate_is_computed_from_aggregated_parts(fixed):
    result = analytics.pivot(fixed["ndrc"], indicator="funds_in_place_rate", rows="province", cols="year", year=2025)
    assert result["cells"] == [[d("40")], [d("50")]]
    assert result["total"] == (Decimal(160) / Decimal(350) * 100).quantize(Decimal("0.0001"))


def test_pivot_shows_only_the_users_pairings(fixed):
    result = analytics.pivot(fixed["xinyang"], indicator="signed_amount_wan", rows="province", cols="year")
    assert result["rows"] == ["河南省"] and result["total"] == d("160")


def test_store_catches_up_incrementally_after_a_change(fixed):
    analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="province", cols="year")
    DataValue.objects.filter(indicator="signed_amount_wan", period="2026Q1").update(value=Decimal("30"))
    row = DataValue.objects.get(indicator="signed_amount_wan", period="2026Q1")
    row.save()  # bumps `updated`, as every service write does
    result = analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="province", cols="year")
    assert result["total"] == d("380")


def test_page_and_api_give_the_hand_computed_totals(fixed, client):
    client.force_login(fixed["ndrc"])
    page = client.get("/indicators/analytics/?indicator=signed_amount_wan&rows=province&cols=year")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-total="360"' in text and 'data-row-total="160"' in text and 'data-col-total="350"' in text
    _token, key = issue_token(user=fixed["ndrc"], name="t")
    api = client.get(
        "/api/indicators/analytics?indicator=signed_amount_wan&rows=province&cols=year",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    ).json()
    assert api["total"] == "360.0000" and api["row_totals"] == ["160.0000", "200.0000"]


def test_bad_dimension_is_a_clear_error(fixed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="未知维度"):
        analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="galaxy", cols="year")


def test_imports_keep_the_store_in_step(fixed):
    from duikou.indicators import transfer

    code = testing.pairing("信阳市", "苏州市").code
    editor = testing.user("xy_editor2", "信阳市人民政府", "editor")
    analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="province", cols="year")  # store built

    def load(value, period="2027Q1"):
        row = {"dataElement": "signed_amount_wan", "period": period, "orgUnit": code, "value": value}
        transfer.import_values(user=editor, data=json.dumps({"dataValues": [row]}).encode(), filename="v.json")

    load("1000")
    assert analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="province", cols="year")["total"] == d(
        "1360"
    )
    load("400")  # changed by a re-import
    assert analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="province", cols="year")["total"] == d(
        "760"
    )


def test_an_unavailable_store_does_not_fail_the_import_and_catches_up_later(fixed, monkeypatch):
    import duckdb

    from duikou.indicators import transfer

    analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="province", cols="year")  # store built
    editor = testing.user("xy_editor3", "信阳市人民政府", "editor")

    def busy(*args, **kwargs):
        raise duckdb.IOException("Could not set lock on file")

    monkeypatch.setattr(analytics, "upsert", busy)
    row = {"dataElement": "signed_amount_wan", "period": "2027Q2", "orgUnit": "N99", "value": "5"}
    row["orgUnit"] = testing.pairing("信阳市", "苏州市").code
    result = transfer.import_values(user=editor, data=json.dumps({"dataValues": [row]}).encode(), filename="v.json")
    assert result["new"] == 1
    monkeypatch.undo()
    assert analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="province", cols="year")["total"] == d(
        "365"
    )
