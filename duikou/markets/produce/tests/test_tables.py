"""产销对接 imports and exports: all-or-nothing with a (row, column, value, reason) report, dry run, idempotent."""

import io

import pytest
from openpyxl import load_workbook

from duikou.core.errors import UserFacingError
from duikou.markets.models import Demand, ProductListing
from duikou.markets.produce import tables
from duikou.markets.produce import testing as make
from duikou.markets.produce.tables import DEMAND_COLUMNS, LISTING_COLUMNS
from duikou.projects.testing import workbook

pytestmark = pytest.mark.django_db


def listing_row(**overrides) -> dict:
    return {
        "供货主体": "商城县茶叶合作社",
        "产品名称": "信阳毛尖",
        "产品类别": "茶叶",
        "产地县区代码": "411524 商城县",
        "认证": "地理标志农产品、绿色食品",
        "可供量（吨）": 12.5,
        "供货起始月": 4,
        "供货截止月": 6,
        "价格（元/公斤）": 380,
        "说明": "",
    } | overrides


def listings_file(rows) -> bytes:
    return workbook(rows, [c.header for c in LISTING_COLUMNS], title="产品供给")


def test_good_file_loads_and_reimport_changes_nothing(editor):
    data = listings_file([listing_row(), listing_row(产品名称="信阳红", 认证="")])
    result = tables.import_file("listing", user=editor, data=data, filename="a.xlsx")
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 0, 0)
    tea = ProductListing.objects.get(name="信阳毛尖")
    assert tea.certifications == ["green", "gi"] and tea.origin_id == "411524" and tea.season_end == 6
    again = tables.import_file("listing", user=editor, data=data, filename="a.xlsx")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert ProductListing.objects.count() == 2
    changed = listings_file([listing_row(**{"价格（元/公斤）": 360})])
    third = tables.import_file("listing", user=editor, data=changed, filename="a.xlsx")
    assert third["updated"] == 1
    tea.refresh_from_db()
    assert tea.price_yuan_kg == 360 and tea.version == 2


def test_dry_run_writes_nothing(editor):
    result = tables.import_file(
        "listing", user=editor, data=listings_file([listing_row()]), filename="a.xlsx", dry_run=True
    )
    assert result["created"] == 1 and "未写入" in result["summary"]
    assert not ProductListing.objects.exists()


def test_bad_file_loads_nothing_and_names_every_error(editor):
    rows = [
        listing_row(),  # good, but the file has errors: nothing is written
        listing_row(产品名称="a", 产品类别="咖啡", **{"可供量（吨）": "很多"}),
        listing_row(产品名称="b", 产地县区代码="320508 姑苏区", 供货起始月=13),
        listing_row(产品名称="c", 认证="ISO9001", 产地县区代码="610602 宝塔区"),
        listing_row(),  # a duplicate of row 2
    ]
    with pytest.raises(UserFacingError) as exc:
        tables.import_file("listing", user=editor, data=listings_file(rows), filename="a.xlsx")
    errors = {(e["row"], e["column"].split()[-1]): e for e in exc.value.details["errors"]}
    assert "不是可选值" in errors[(3, "产品类别")]["reason"]
    assert errors[(3, "可供量（吨）")]["value"] == "很多"
    assert "革命老区" in errors[(4, "产地县区代码")]["reason"]
    assert "月份" in errors[(4, "供货起始月")]["reason"]
    assert "ISO9001" in errors[(5, "认证")]["reason"]
    assert "与第 2 行重复" in errors[(6, "产品名称")]["reason"]
    assert not ProductListing.objects.exists()


def test_a_row_outside_the_users_area_is_an_error(editor):
    with pytest.raises(UserFacingError) as exc:
        tables.import_file(
            "listing", user=editor, data=listings_file([listing_row(产地县区代码="350405 沙县区")]), filename="a.xlsx"
        )
    assert "本单位所辖地区" in exc.value.details["errors"][0]["reason"]


def test_missing_and_unknown_columns_are_reported(editor):
    headers = [c.header for c in LISTING_COLUMNS if c.header != "价格（元/公斤）"] + ["备注2"]
    data = workbook([listing_row()], headers, title="产品供给")
    with pytest.raises(UserFacingError) as exc:
        tables.import_file("listing", user=editor, data=data, filename="a.xlsx")
    reasons = [e["reason"] for e in exc.value.details["errors"]]
    assert "缺少列「价格（元/公斤）」" in reasons and any("备注2" in r for r in reasons)


def test_demands_import():
    from duikou.core.actors import Operator

    row = {
        "采购主体": "苏州市机关事务管理局食堂",
        "采购主体类型": "机关单位食堂",
        "所在县区代码": "320508 姑苏区",
        "产品类别": "茶叶",
        "需求说明": "",
        "需求量（吨）": 2,
        "需求起始日": "2025-04-01",
        "需求截止日": "2025-06-30",
        "要求的认证": "地理标志农产品",
        "最高价格（元/公斤）": None,
    }
    data = workbook([row], [c.header for c in DEMAND_COLUMNS], title="采购需求")
    result = tables.import_file("demand", user=Operator(), data=data, filename="d.xlsx")
    assert result["created"] == 1
    assert Demand.objects.get().certifications_required == ["gi"]


def test_template_has_dropdowns_and_export_has_the_rows(editor):
    book = load_workbook(io.BytesIO(tables.template("listing", editor)))
    assert [c.value for c in book["产品供给"][1]] == [c.header for c in LISTING_COLUMNS]
    assert book["产品供给"].data_validations.dataValidation
    make.listing("411526", "信阳板栗")
    content = tables.export_bytes("listing", ProductListing.objects.all())
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[1][1] == "信阳板栗" and rows[1][3] == "411526 潢川县"
