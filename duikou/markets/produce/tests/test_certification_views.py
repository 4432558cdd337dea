"""消费帮扶产品认定 through the pages, the API and the spreadsheets: the steps as buttons, the badge on listings, the
split on agreements, the reserved-share page, and an export that imports back unchanged."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from duikou import testing
from duikou.markets.models import ProductCertification
from duikou.markets.produce import services, tables
from duikou.markets.produce import testing as make

pytestmark = pytest.mark.django_db
S = ProductCertification.Status
DAY = datetime.timedelta(days=1)
BASE = "/markets/produce/certifications/"
API = "/api/markets/produce/certifications"


@pytest.fixture
def county():
    return testing.county_org(make.XIN_XIAN)


@pytest.fixture
def approver(county):
    return testing.user("hc_approver", county, "approver")


@pytest.fixture
def county_editor(county):
    return testing.user("hc_editor", county, "editor")


def _api(client, user, method, url, payload=None):
    from duikou.accounts.services import issue_token

    _token, key = issue_token(user=user, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, data=json.dumps(payload), content_type="application/json", **headers)


def test_pages_walk_an_application_to_its_certificate(client, county_editor, approver):
    today = timezone.localdate()
    client.force_login(county_editor)
    form = {
        "supplier": "潢川县某合作社",
        "name": "潢川贡米",
        "category": "grain_oil",
        "county": "411526",
        "basis": ["gi", "promise"],
        "annual_value_wan": "120",
        "traceability": "一物一码",
    }
    created = client.post(f"{BASE}new/", form)
    cert = ProductCertification.objects.get(name="潢川贡米")
    assert created.status_code == 302 and cert.status == S.DRAFT
    client.post(f"{BASE}{cert.pk}/step/", {"step": "submit", "version": cert.version})
    cert.refresh_from_db()
    client.force_login(approver)
    page = client.get(f"{BASE}{cert.pk}/").content.decode()
    assert "审核通过并公示" in page and "等待 潢川县 处理" in page
    client.post(
        f"{BASE}{cert.pk}/step/",
        {
            "step": "publicize",
            "version": cert.version,
            "publicity_start": (today - 8 * DAY).isoformat(),
            "publicity_end": (today - DAY).isoformat(),
        },
    )
    cert.refresh_from_db()
    client.post(
        f"{BASE}{cert.pk}/step/",
        {
            "step": "certify",
            "version": cert.version,
            "certificate_no": "HC-2026-01",
            "valid_from": today.isoformat(),
            "valid_to": (today + 365 * DAY).isoformat(),
        },
    )
    cert.refresh_from_db()
    assert cert.status == S.CERTIFIED and cert.certificate_no == "HC-2026-01"
    detail = client.get(f"{BASE}{cert.pk}/").content.decode()
    assert "今日有效" in detail and "修改历史" in detail and "HC-2026-01" in detail


def test_a_refused_step_says_why_on_the_page(client, county_editor, approver):
    cert = services.certification_step(
        certification=make.certification(user=county_editor), user=county_editor, name="submit", expected_version=1
    )
    client.force_login(approver)
    answer = client.post(
        f"{BASE}{cert.pk}/step/", {"step": "publicize", "version": cert.version, "publicity_start": "2026-01-05"},
        follow=True,
    )  # fmt: skip
    assert "请填写日期" in answer.content.decode()
    cert.refresh_from_db()
    assert cert.status == S.REVIEW


def test_form_refuses_a_value_below_the_threshold(client, county_editor):
    client.force_login(county_editor)
    answer = client.post(
        f"{BASE}new/",
        {"supplier": "社", "name": "小产品", "category": "tea", "county": "411526", "basis": ["gi"],
         "annual_value_wan": "10", "traceability": "码"},
    )  # fmt: skip
    assert answer.status_code == 200 and "「小产品」年销售额 10.00 万元低于认定下限 50 万元" in answer.content.decode()


def test_list_filters_by_validity_and_basis(client, county_editor, approver):
    make.certify(make.certification(name="有效的产品", user=county_editor, basis=["green"]), county_editor, approver)
    make.certification(name="草稿产品", user=county_editor, basis=["gi"])
    client.force_login(county_editor)
    valid = client.get(f"{BASE}?validity=valid").content.decode()
    assert "有效的产品" in valid and "草稿产品" not in valid
    by_basis = client.get(f"{BASE}?basis=gi").content.decode()
    assert "草稿产品" in by_basis and "有效的产品" not in by_basis
    assert "没有符合条件的产品认定" in client.get(f"{BASE}?q=不存在").content.decode()


def test_listing_pages_and_api_show_the_badge(client, editor, county_editor, approver):
    listing = make.listing(make.XIN_XIAN, "潢川贡米", user=editor)
    make.certify(make.certification(user=county_editor, listing=listing), county_editor, approver)
    make.listing(make.XIN_XIAN, "普通大米", user=editor)
    client.force_login(editor)
    assert client.get("/markets/produce/listings/").content.decode().count("certified-badge") == 1
    assert "认定产品" in client.get(f"/markets/produce/listings/{listing.pk}/").content.decode()
    rows = _api(client, editor, "get", "/api/markets/produce/listings").json()["items"]
    assert {r["name"]: r["certified"] for r in rows} == {"潢川贡米": True, "普通大米": False}
    sheet = load_workbook(io.BytesIO(client.get("/markets/produce/listings/export.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "认定产品（今日有效）"
    assert {r[1]: r[-1] for r in rows[1:]} == {"潢川贡米": "是", "普通大米": "否"}


def test_api_walks_the_steps_and_answers_409_to_the_slower_approver(client, county_editor, approver):
    second = testing.user("hc_approver2", testing.county_org(make.XIN_XIAN), "approver")
    payload = {
        "supplier": "潢川县某合作社",
        "county": "411526",
        "name": "潢川甲鱼",
        "category": "aquatic",
        "basis": ["gi"],
        "annual_value_wan": "300",
        "traceability": "养殖档案",
    }
    created = _api(client, county_editor, "post", API, payload)
    assert created.status_code == 201
    cert_id = created.json()["id"]
    low = _api(client, county_editor, "post", API, payload | {"annual_value_wan": "5"})
    assert low.status_code == 422 and "低于认定下限" in low.json()["detail"][0]
    submitted = _api(client, county_editor, "post", f"{API}/{cert_id}/steps/submit", {"version": 1})
    assert submitted.json()["status"] == "review"
    today = timezone.localdate()
    review = {"version": 2, "publicity_start": today.isoformat(), "publicity_end": (today + 7 * DAY).isoformat()}
    first = _api(client, approver, "post", f"{API}/{cert_id}/steps/publicize", review)
    late = _api(client, second, "post", f"{API}/{cert_id}/steps/return", {"version": 2, "note": "不同意"})
    assert first.status_code == 200 and late.status_code == 409
    detail = _api(client, approver, "get", f"{API}/{cert_id}").json()
    assert detail["status"] == "publicity" and detail["allowed_steps"] == ["certify", "return"]
    early = _api(client, approver, "post", f"{API}/{cert_id}/steps/certify", {"version": 3, "certificate_no": "X"})
    assert early.status_code == 422 and "公示结束后才能认定" in early.json()["detail"][0]
    assert _api(client, county_editor, "get", f"{API}?status=publicity").json()["count"] == 1


def test_agreement_pages_split_certified_and_other(client, editor, county_editor, approver):
    today = timezone.localdate()
    listing = make.listing(make.XIN_XIAN, "潢川贡米", user=editor, category="grain_oil")
    make.certify(make.certification(user=county_editor, listing=listing), county_editor, approver)
    buyer = make.demand(
        "320508", "苏州市机关食堂", category="grain_oil", period_start=today - 30 * DAY, period_end=today + 30 * DAY
    )
    agreement = services.sign_agreement(
        user=editor, listing=listing, demand=buyer, volume_tonnes=Decimal("5"), price_yuan_kg=Decimal("6"),
        signed_on=today - 10 * DAY,
    )  # fmt: skip
    client.force_login(editor)
    url = f"/markets/produce/agreements/{agreement.pk}/"
    client.post(f"{url}deliveries/", {"date": today - 5 * DAY, "volume_tonnes": "1", "amount_wan": "2"})
    client.post(f"{url}deliveries/", {"date": today, "volume_tonnes": "1", "amount_wan": "3", "certified": "yes"})
    refused = client.post(
        f"{url}deliveries/", {"date": today - 4 * DAY, "volume_tonnes": "1", "amount_wan": "1", "certified": "yes"}
    )
    assert refused.status_code == 400 and "「潢川贡米」在" in refused.content.decode()
    page = client.get(url).content.decode()
    assert "消费帮扶金额 5.00 万元，其中认定产品采购 3.00 万元，其他采购 2.00 万元" in page
    assert 'certified-wan">3.00<' in client.get("/markets/produce/agreements/").content.decode()
    suzhou = testing.user("sz", "苏州市人民政府", "viewer")
    client.force_login(suzhou)
    reserved = client.get("/markets/produce/reserved/").content.decode()
    assert "苏州市机关食堂" in reserved and "60.0%" in reserved
    book = load_workbook(io.BytesIO(client.get("/markets/produce/reserved/export.xlsx").content))
    rows = list(book.active.values)
    assert rows[0][2] == "认定产品采购（万元）" and rows[1][:5] == ("苏州市机关食堂", "320508 姑苏区", 3, 2, 5)


def _sheet(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "产品认定"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_export_imports_back_unchanged(county_editor, approver):
    make.certify(make.certification(name="已认定产品", user=county_editor), county_editor, approver)
    make.certification(name="草稿产品", user=county_editor, basis=["green", "organic"])
    from duikou.markets.produce import queries

    data = tables.certification_export(queries.certifications_for(county_editor))
    result = tables.import_file("certification", user=county_editor, data=data, filename="x.xlsx")
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 2)


def test_import_is_all_or_nothing_with_row_and_column(county_editor):
    header = ["供货主体", "产品名称", "产品类别", "所在县区代码", "认定依据", "年销售额（万元）", "可追溯说明"]
    good = ["合作社甲", "好产品", "茶叶", "411526", "地理标志", 60, "扫码"]
    low = ["合作社乙", "低产品", "茶叶", "411526", "有机", 20, "扫码"]
    from duikou.core.errors import UserFacingError

    with pytest.raises(UserFacingError) as exc:
        tables.import_file("certification", user=county_editor, data=_sheet([header, good, low]), filename="a.xlsx")
    (error,) = exc.value.details["errors"]
    assert error["row"] == 3 and error["column"].startswith("F") and "低于认定下限" in error["reason"]
    assert not ProductCertification.objects.exists()
    result = tables.import_file("certification", user=county_editor, data=_sheet([header, good]), filename="a.xlsx")
    assert result["created"] == 1 and ProductCertification.objects.get().basis == ["gi"]


def test_import_does_not_change_a_certified_product(county_editor, approver):
    make.certify(make.certification(name="已认定产品", user=county_editor), county_editor, approver)
    header = ["供货主体", "产品名称", "产品类别", "所在县区代码", "认定依据", "年销售额（万元）", "可追溯说明"]
    changed = ["潢川县测试合作社", "已认定产品", "粮油", "411526", "地理标志", 999, "改了"]
    from duikou.core.errors import UserFacingError

    with pytest.raises(UserFacingError) as exc:
        tables.import_file("certification", user=county_editor, data=_sheet([header, changed]), filename="a.xlsx")
    assert "「已认定产品」已认定，不能通过导入修改" in exc.value.details["errors"][0]["reason"]


def test_listing_export_with_its_badge_column_imports_back_unchanged(editor):
    from duikou.markets.produce import queries

    make.listing(make.XIN_XIAN, "潢川贡米", user=editor)
    data = tables.export_bytes("listing", queries.listings_for(editor))
    result = tables.import_file("listing", user=editor, data=data, filename="l.xlsx")
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 1)
