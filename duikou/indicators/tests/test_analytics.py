"""The pivot against a hand computation on a small fixed data set (service, page and API give the same totals)."""

import datetime
import json
from decimal import Decimal

import pytest

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.geo.models import Region
from duikou.indicators import analytics
from duikou.indicators.models import DataValue
from duikou.pairings.models import Pairing

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


def test_the_pivot_page_of_a_rate_says_how_it_is_computed_and_rounds_it(fixed, client):
    testing.login(client, fixed["ndrc"])
    page = client.get("/indicators/analytics/?indicator=funds_in_place_rate&rows=province&cols=year&year=2025")
    html = page.content.decode()
    # 160 ÷ 350 × 100 = 45.714285…: recomputed from the summed parts, shown to two places, never 「求和」
    assert 'id="pivot-total">45.71<' in html and 'data-total="45.7143"' in html
    assert "按分项汇总后计算：实际到位资金 ÷ 签约金额 × 100" in html and "，求和" not in html
    chart = page.context["chart"]
    assert chart["series"][0]["data"] == [40.0, 50.0]


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


def test_bad_dimensions_are_explained_in_the_users_language(fixed):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError, match="Unknown dimension “galaxy”; available: "):
        analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="galaxy", cols="year")
    with translation.override("en"), pytest.raises(ValidationError, match="The row and column dimensions must differ"):
        analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="year", cols="year")


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


# ---- the county of the old side and the supporting side ------------------------------------------------------
# On top of FIXED: a county-level pairing under 信阳–苏州 (新县 ↔ 苏州 吴江区), and 三明–上海, whose supporting side
# is a municipality (province and city are both 上海市).
MORE = [
    ("新县", "吴江区", "signed_amount_wan", "2025Q1", "30"),
    ("新县", "吴江区", "funds_in_place_wan", "2025Q1", "15"),
    ("三明市", "上海市", "signed_amount_wan", "2025Q2", "70"),
]


def county_pairing(old_code: str, partner_code: str, parent) -> Pairing:
    return Pairing.objects.create(
        code=f"S{old_code}",
        old_region=Region.objects.get(code=old_code),
        partner_region=Region.objects.get(code=partner_code),
        old_area=parent.old_area,
        parent=parent,
        level=Pairing.Level.SUB,
        start_year=2023,
        end_year=2030,
        valid_from=datetime.date(2023, 1, 1),
    )


@pytest.fixture
def more(fixed):
    county_pairing("411523", "320509", testing.pairing("信阳市", "苏州市"))
    for old, partner, code, period, value in MORE:
        DataValue.objects.create(
            pairing=testing.pairing(old, partner), indicator_id=code, period=period, value=Decimal(value)
        )
    return fixed


def totals(result) -> dict:
    return dict(zip(result["rows"], result["row_totals"], strict=True))


def test_county_dimension_separates_county_pairings_from_city_level_ones(more):
    result = analytics.pivot(more["ndrc"], indicator="signed_amount_wan", rows="county", cols="year")
    assert set(result["rows"]) == {"信阳市新县", analytics.CITY_LEVEL}
    assert totals(result) == {analytics.CITY_LEVEL: d("430"), "信阳市新县": d("30")}  # 100+50+10+200+70 | 30
    assert result["total"] == d("460")


def test_a_county_pairing_rolls_up_to_its_city_and_province(more):
    by_city = analytics.pivot(more["ndrc"], indicator="signed_amount_wan", rows="city", cols="year")
    assert totals(by_city) == {"信阳市": d("190"), "延安市": d("200"), "三明市": d("70")}
    by_province = analytics.pivot(more["ndrc"], indicator="signed_amount_wan", rows="province", cols="year")
    assert totals(by_province) == {"河南省": d("190"), "陕西省": d("200"), "福建省": d("70")}


def test_supporting_side_by_province_and_city(more):
    by_province = analytics.pivot(more["ndrc"], indicator="signed_amount_wan", rows="partner_province", cols="year")
    assert totals(by_province) == {"江苏省": d("390"), "上海市": d("70")}  # 苏州 160 + 吴江 30 + 无锡 200
    result = analytics.pivot(more["ndrc"], indicator="signed_amount_wan", rows="partner_city", cols="county")
    assert totals(result) == {"苏州市": d("190"), "无锡市": d("200"), "上海市": d("70")}
    cells = {
        (r, c): v
        for r, row in zip(result["rows"], result["cells"], strict=True)
        for c, v in zip(result["cols"], row, strict=True)
        if v is not None
    }
    assert cells == {
        ("苏州市", analytics.CITY_LEVEL): d("160"),
        ("苏州市", "信阳市新县"): d("30"),
        ("无锡市", analytics.CITY_LEVEL): d("200"),
        ("上海市", analytics.CITY_LEVEL): d("70"),
    }


def test_derived_rate_by_county(more):
    result = analytics.pivot(more["ndrc"], indicator="funds_in_place_rate", rows="county", cols="year", year=2025)
    # city level: (40 + 20 + 100) / (100 + 50 + 200 + 70); 新县: 15 / 30
    expected = (Decimal(160) / Decimal(420) * 100).quantize(Decimal("0.0001"))
    assert totals(result) == {analytics.CITY_LEVEL: expected, "信阳市新县": d("50")}


def test_new_dimensions_are_scoped_like_the_others(more):
    result = analytics.pivot(more["xinyang"], indicator="signed_amount_wan", rows="partner_city", cols="county")
    assert totals(result) == {"苏州市": d("190")} and set(result["cols"]) == {analytics.CITY_LEVEL, "信阳市新县"}


def test_city_values_are_keyed_by_the_city_maps_codes(more):
    values = analytics.city_values(more["ndrc"], indicator="signed_amount_wan")
    assert {v["code"]: (v["name"], v["value"]) for v in values} == {
        "411500": ("信阳市", d("190")),
        "610600": ("延安市", d("200")),
        "350400": ("三明市", d("70")),
    }
    assert [v["code"] for v in analytics.city_values(more["xinyang"], indicator="signed_amount_wan")] == ["411500"]


def test_page_and_api_give_the_hand_computed_totals_for_the_new_dimensions(more, client):
    client.force_login(more["ndrc"])
    page = client.get("/indicators/analytics/?indicator=signed_amount_wan&rows=partner_province&cols=county")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-total="460"' in text and 'data-row-total="390"' in text and 'data-col-total="430"' in text
    chart = json.loads(text.split('id="data-pivot" type="application/json">')[1].split("</script>")[0])
    assert {c["code"]: c["value"] for c in chart["cities"]} == {"411500": 190.0, "610600": 200.0, "350400": 70.0}
    _token, key = issue_token(user=more["ndrc"], name="t")
    api = client.get(
        "/api/indicators/analytics?indicator=signed_amount_wan&rows=county&cols=partner_city",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    ).json()
    assert api["total"] == "460.0000"
    assert dict(zip(api["rows"], api["row_totals"], strict=True)) == {
        analytics.CITY_LEVEL: "430.0000",
        "信阳市新县": "30.0000",
    }
    assert dict(zip(api["cols"], api["col_totals"], strict=True)) == {
        "苏州市": "190.0000",
        "无锡市": "200.0000",
        "上海市": "70.0000",
    }


def test_store_of_an_older_schema_is_rebuilt_in_full(fixed):
    import duckdb

    # a store as the first version left it: no county or supporting side, a watermark, no schema version
    path = analytics.store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE facts (pairing_id INTEGER, pairing VARCHAR, old_area VARCHAR, province VARCHAR, city VARCHAR, "
        "indicator VARCHAR, key_task VARCHAR, period VARCHAR, year INTEGER, quarter INTEGER, value DECIMAL(18, 4), "
        "status VARCHAR)"
    )
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('watermark', ?)", [datetime.datetime.now(datetime.UTC).isoformat()])
    con.close()
    result = analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="partner_city", cols="year")
    assert totals(result) == {"苏州市": d("160"), "无锡市": d("200")} and result["total"] == d("360")
    con = duckdb.connect(str(path))
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (analytics.SCHEMA_VERSION,)
        assert con.execute("SELECT count(*) FROM facts").fetchone() == (len(FIXED),)
    finally:
        con.close()


def test_after_a_schema_change_the_store_is_rebuilt_and_then_kept_in_step_incrementally(fixed, monkeypatch):
    analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="county", cols="year")
    monkeypatch.setattr(analytics, "SCHEMA_VERSION", "next")  # as a release with new columns would
    rebuilt = []
    full_refresh = analytics.refresh
    monkeypatch.setattr(analytics, "refresh", lambda **kw: rebuilt.append(kw.get("full")) or full_refresh(**kw))
    assert analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="county", cols="year")["total"] == d(
        "360"
    )
    assert rebuilt == [True]
    row = DataValue.objects.get(indicator="signed_amount_wan", period="2026Q1")
    row.value = Decimal("30")
    row.save()
    result = analytics.pivot(fixed["ndrc"], indicator="signed_amount_wan", rows="partner_province", cols="year")
    assert rebuilt == [True, None]  # a catch-up of the changed slice only
    assert totals(result) == {"江苏省": d("380")}  # 苏州 100 + 50 + 30 (was 10), 无锡 200


@pytest.mark.parametrize(
    "code, place",
    [
        ("411523", ("河南省", "信阳市", "411500", "信阳市新县")),
        ("411500", ("河南省", "信阳市", "411500", analytics.CITY_LEVEL)),
        ("310000", ("上海市", "上海市", "310000", analytics.CITY_LEVEL)),  # a municipality is its own city
        ("500235", ("重庆市", "重庆市", "500000", "重庆市云阳县")),  # under the placeholder 县
        ("419001", ("河南省", "济源市", "419001", "济源市")),  # administered directly by the province
    ],
)
def test_place_of_a_region_on_the_old_or_supporting_side(code, place):
    assert analytics._place(Region.objects.select_related("parent__parent").get(code=code)) == place


def test_pivot_export_names_the_new_dimension_and_keeps_the_totals(more, client):
    import io

    from openpyxl import load_workbook

    client.force_login(more["ndrc"])
    response = client.get("/indicators/analytics/?indicator=signed_amount_wan&rows=county&cols=year&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "老区区县" and rows[-1][0] == "合计" and float(rows[-1][-1]) == 460


# ---- the bulk build gives the rows the per-row labelling gave ------------------------------------------------


def per_row_facts() -> list[tuple]:
    """The store's rows as the per-row path made them: each ORM row labelled in Python (pairing labels from
    ``_place``, the period parsed, the key task looked up, the option by name)."""
    from duikou.indicators.models import Indicator
    from duikou.indicators.periods import parse_period

    tasks = dict(Indicator.objects.values_list("code", "key_task__name"))
    labels = {}
    for p in Pairing.objects.select_related("old_region__parent__parent", "partner_region__parent__parent", "old_area"):
        province, city, city_code, county = analytics._place(p.old_region)
        partner_province, partner_city, _code, _county = analytics._place(p.partner_region)
        old_area = p.old_area.name if p.old_area_id else "（未归属老区）"
        labels[p.pk] = (str(p), old_area, province, city, city_code, county, partner_province, partner_city)
    rows = []
    fields = ("pairing_id", "indicator_id", "period", "value", "status", "option__name")
    for pairing_id, code, period_id, value, status, option in DataValue.objects.filter(value__isnull=False).values_list(
        *fields
    ):
        period = parse_period(period_id)
        task = tasks.get(code) or "（未归属重点任务）"
        rows.append(
            (pairing_id, *labels[pairing_id], code, task, period_id, period.year, period.quarter, value, status,
             option or "")
        )  # fmt: skip
    return sorted(rows)


def store_facts() -> list[tuple]:
    con = analytics._connect()
    try:
        return sorted(con.execute(f"SELECT {', '.join(analytics.COLUMN_TYPES)} FROM facts").fetchall())
    finally:
        con.close()


@pytest.fixture
def varied():
    """Values of pairings whose old side is a county, a city, a province, a district of a municipality and a city
    administered by its province (one without an old area); totals and breakdown sub-rows; yearly, quarterly and
    monthly periods; draft, submitted and approved; one emptied value."""
    from duikou.indicators.models import Indicator

    olds = ["411523", "411500", "410000", "310115", "419001"]
    pairings = [testing.pairing("信阳市", "苏州市")]
    for i, code in enumerate(olds):
        pairings.append(
            Pairing.objects.create(
                code=f"T{i}",
                old_region_id=code,
                partner_region_id="330100",
                old_area=pairings[0].old_area if i % 2 else None,
                level="sub",
                start_year=2021,
                end_year=2030,
                valid_from=datetime.date(2021, 1, 1),
            )
        )
    labour = Indicator.objects.get(pk="labour_coop_persons")
    options = list(labour.breakdown.options.all())
    statuses = ["draft", "submitted", "approved"]
    n = 0
    for p in pairings:
        for period in ("2025", "2025Q2", "202511"):
            for option in [None, *options]:
                n += 1
                DataValue.objects.create(
                    pairing=p, indicator=labour, period=period, option=option, value=Decimal(n) / 4,
                    status=statuses[n % 3],
                )  # fmt: skip
            DataValue.objects.create(
                pairing=p, indicator_id="signed_amount_wan", period=period, value=Decimal("12.3456"), status="approved"
            )
    DataValue.objects.create(pairing=pairings[1], indicator_id="funds_in_place_wan", period="2025Q1", value=None)
    return pairings


def test_the_full_build_gives_exactly_the_rows_of_the_per_row_path(varied):
    from duikou.indicators.models import Indicator

    assert analytics.refresh(full=True) == DataValue.objects.filter(value__isnull=False).count() == 6 * 3 * 5
    rows = store_facts()
    assert rows == per_row_facts()
    options = Indicator.objects.get(pk="labour_coop_persons").breakdown.options.values_list("name", flat=True)
    assert {r[16] for r in rows} == {"", *options}
    assert {r[15] for r in rows} == {"draft", "submitted", "approved"}
    assert {r[6] for r in rows} >= {analytics.CITY_LEVEL, "信阳市新县"} and {r[13] for r in rows} == {2, 4}


def test_a_slice_refreshed_and_an_import_upserted_give_the_per_row_paths_rows(varied):
    from duikou.indicators.models import Indicator

    analytics.refresh(full=True)
    first, second = varied[0], varied[3]
    # written past the services (some are approved, hence locked): the slice is then refreshed by hand
    DataValue.objects.filter(pairing=first, indicator="signed_amount_wan", period="2025Q2").update(value=Decimal("99"))
    emptied = DataValue.objects.filter(pairing=second, indicator="labour_coop_persons", period="2025")
    emptied.filter(option__isnull=False).update(value=None)
    # first: (total + 3 sub-rows + signed) × 2 periods; second: 2025 total + signed, 2025Q2 total + 3 + signed
    assert analytics.refresh(pairing_ids=[first.pk, second.pk], periods=["2025", "2025Q2"]) == 10 + 2 + 5
    assert store_facts() == per_row_facts()
    option = Indicator.objects.get(pk="labour_coop_persons").breakdown.options.first()
    written = {
        (first.pk, "labour_coop_persons", "202511", option.pk): Decimal("7"),
        (second.pk, "signed_amount_wan", "2026", None): Decimal("1.5"),
        (second.pk, "labour_coop_persons", "2025Q2", None): None,  # emptied by the import
    }
    for (pid, code, period, opt), value in written.items():
        key = {"pairing_id": pid, "indicator_id": code, "period": period, "option_id": opt}
        if not DataValue.objects.filter(**key).update(value=value, status="draft"):
            DataValue.objects.create(**key, value=value)
    assert analytics.upsert(written) == 2
    assert store_facts() == per_row_facts()
