"""产销对接: the scorer on a hand-worked example, the services' rules, and delivery → the pairing's figure."""

import datetime
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duikou import testing
from duikou.core.actors import Operator
from duikou.core.errors import StaleObjectError
from duikou.geo.models import Region
from duikou.markets.models import ListingStatus
from duikou.markets.produce import matching, services
from duikou.markets.produce import testing as make
from duikou.projects.models import Activity
from duikou.projects.queries import activity_figures

pytestmark = pytest.mark.django_db
D = datetime.date

# The hand-worked example. Weights: 认证 10, 供货季 25, 供应量 25, 价格 20, 结对城市 15, 重点帮扶县 5.
# Points are round(value × weight × 100) hundredths.
#
# L1 潢川县 (信阳), 绿色食品, 1.6 t, season 4–9, 6.00 元/kg
# L2 德保县 (百色, a 国家乡村振兴重点帮扶县), 绿色食品+有机, 1.2 t, season 11–3 (wraps the year end), 9.00 元/kg
# L3 沙县区 (三明), no certification, 1.0 t, season 1–12, 5.00 元/kg
# D1 姑苏区 (苏州, paired with 信阳), requires 绿色食品, 1.6 t, 2025-05..08 (4 months), max 8.00
# D2 福田区 (深圳, paired with 赣州, 百色, 汕尾), 1.0 t, 2025-12..2026-03 (12, 1, 2, 3), max 6.00
# D3 徐汇区 (上海, paired with 三明 and 六安), 1.0 t, the whole of 2025, no max price
#
# L1×D1: certs 0 (no extra of 2 possible) + season 4/4 → 2500 + volume 1 → 2500 + price 6≤8 → 2000
#        + paired → 1500 + not assisted 0 = 8500 → 85.00
# L1×D2: certs 1/3 → 333 + season 0/4 → 0 + volume 1 → 2500 + price 6≤6 → 2000 + 0 + 0 = 4833 → 48.33
# L1×D3: certs 1/3 → 333 + season 6/12 → 1250 + volume 1 → 2500 + no max → 2000 + 0 + 0 = 6083 → 60.83
# L2×D1: certs 1/2 → 500 + season 0 + volume 1.2/1.6=0.75 → 1875 + price 1−(9−8)/4=0.75 → 1500 + 0
#        + assisted 500 = 4375 → 43.75
# L2×D2: certs 2/3 → 667 + season 4/4 → 2500 + volume 1 → 2500 + price 1−(9−6)/3=0 → 0 + paired 1500
#        + assisted 500 = 7667 → 76.67
# L2×D3: certs 2/3 → 667 + season 5/12 → 1042 + volume 1 → 2500 + 2000 + 0 + 500 = 6709 → 67.09
# L3×D1: not eligible (绿色食品 required)
# L3×D2: certs 0 + season 1 → 2500 + volume 1 → 2500 + price 5≤6 → 2000 + 0 + 0 = 7000 → 70.00
# L3×D3: 0 + 2500 + 2500 + 2000 + paired 1500 + 0 = 8500 → 85.00
SCORES = {
    ("L1", "D1"): 85.00,
    ("L1", "D2"): 48.33,
    ("L1", "D3"): 60.83,
    ("L2", "D1"): 43.75,
    ("L2", "D2"): 76.67,
    ("L2", "D3"): 67.09,
    ("L3", "D2"): 70.00,
    ("L3", "D3"): 85.00,
}


@pytest.fixture
def example():
    listings = {
        "L1": make.listing(
            "411526",
            "L1",
            certifications=["green"],
            volume_tonnes=Decimal("1.6"),
            season_start=4,
            season_end=9,
            price_yuan_kg=Decimal("6"),
        ),
        "L2": make.listing(
            "451024",
            "L2",
            certifications=["green", "organic"],
            volume_tonnes=Decimal("1.2"),
            season_start=11,
            season_end=3,
            price_yuan_kg=Decimal("9"),
        ),
        "L3": make.listing("350405", "L3", volume_tonnes=Decimal("1.0"), price_yuan_kg=Decimal("5")),
    }
    demands = {
        "D1": make.demand(
            "320508",
            "D1",
            certifications_required=["green"],
            volume_tonnes=Decimal("1.6"),
            period_start=D(2025, 5, 1),
            period_end=D(2025, 8, 31),
            max_price_yuan_kg=Decimal("8"),
        ),
        "D2": make.demand(
            "440304",
            "D2",
            volume_tonnes=Decimal("1.0"),
            period_start=D(2025, 12, 1),
            period_end=D(2026, 3, 31),
            max_price_yuan_kg=Decimal("6"),
        ),
        "D3": make.demand("310104", "D3", volume_tonnes=Decimal("1.0")),
    }
    return listings, demands


def _check_explanation(row):
    explanation = row["explanation"]
    assert explanation["eligible"]
    total = sum(round(t["points"] * 100) for t in explanation["terms"])
    assert total == round(row["score"] * 100) == round(explanation["score"] * 100)


def _check_rankings(objects: dict, recommend, other, expected: dict) -> None:
    """Each object's ranking is the hand-worked one (the other side named by ``other``), every row explained."""
    for name, obj in objects.items():
        rows = recommend(Operator(), obj)
        assert [(other(r), r["score"]) for r in rows] == expected[name]
        for row in rows:
            _check_explanation(row)


def test_top_matches_for_each_listing_are_the_hand_worked_ones(example):
    listings, _demands = example
    expected = {
        "L1": [("D1", 85.00), ("D3", 60.83), ("D2", 48.33)],
        "L2": [("D2", 76.67), ("D3", 67.09), ("D1", 43.75)],
        "L3": [("D3", 85.00), ("D2", 70.00)],
    }
    _check_rankings(listings, matching.recommend_for_listing, lambda row: row["demand"].buyer, expected)


def test_top_matches_for_each_demand_are_the_hand_worked_ones(example):
    _listings, demands = example
    expected = {
        "D1": [("L1", 85.00), ("L2", 43.75)],
        "D2": [("L2", 76.67), ("L3", 70.00), ("L1", 48.33)],
        "D3": [("L3", 85.00), ("L2", 67.09), ("L1", 60.83)],
    }
    _check_rankings(demands, matching.recommend_for_demand, lambda row: row["listing"].name, expected)


def test_every_reason_adds_up_to_the_score(example):
    listings, demands = example
    for (a, b), score in SCORES.items():
        explanation = matching.explain_pair(listings[a], demands[b])
        assert explanation["score"] == score
        assert sum(round(t["points"] * 100) for t in explanation["terms"]) == round(score * 100)
        assert all(t["reason"] for t in explanation["terms"])


def test_missing_required_certification_is_not_eligible_with_the_reason(example):
    listings, demands = example
    explanation = matching.explain_pair(listings["L3"], demands["D1"])
    assert not explanation["eligible"]
    assert "绿色食品" in explanation["reason"]


def test_other_category_is_not_eligible(example):
    _listings, demands = example
    tea = make.listing("411502", "信阳毛尖", category="tea")
    explanation = matching.explain_pair(tea, demands["D3"])
    assert not explanation["eligible"] and "茶叶" in explanation["reason"]


def test_optimal_assignment_with_unit_capacities_matches_hand_and_scipy(example):
    from scipy.optimize import linear_sum_assignment

    listings, demands = example
    plan = matching.plan_assignment(Operator(), side="supply")
    got = {(r["listing"].name, r["demand"].buyer, r["tonnes"]) for r in plan["rows"]}
    # by hand: L1→D1 85.00 + L2→D2 76.67 + L3→D3 85.00 = 246.67 (L2→D3, L3→D2 gives only 222.09)
    assert got == {("L1", "D1", 1), ("L2", "D2", 1), ("L3", "D3", 1)}
    assert plan["total"] == pytest.approx(246.67)
    names_l, names_d = ["L1", "L2", "L3"], ["D1", "D2", "D3"]
    matrix = np.array([[SCORES.get((a, b), 0) for b in names_d] for a in names_l])
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    assert {(names_l[i], names_d[j], 1) for i, j in zip(rows, cols, strict=True)} == got
    assert matrix[rows, cols].sum() == pytest.approx(plan["total"])


def test_optimal_assignment_under_capacities(example):
    listings, demands = example
    # L3 can now give 3 t, D3 wants 2 t: the volume term of L1×D3 becomes 1.6/2 → 2000 (55.83) and of L2×D3
    # 1.2/2 → 1500 (57.09); the rest is unchanged. Best: L3→D3 2 t (2 × 85) + L1→D1 (85) + L2→D2 (76.67)
    # = 331.67; giving D2 to L3 instead (70) and leaving L2 idle makes 325.00.
    for obj in (listings["L3"], demands["D3"]):
        obj.volume_tonnes = Decimal("3") if obj is listings["L3"] else Decimal("2")
        obj.save()
    plan = matching.plan_assignment(Operator(), side="supply")
    got = {(r["listing"].name, r["demand"].buyer): (r["tonnes"], r["score"]) for r in plan["rows"]}
    assert got == {("L3", "D3"): (2, 85.0), ("L1", "D1"): (1, 85.0), ("L2", "D2"): (1, 76.67)}
    assert plan["total"] == pytest.approx(331.67)
    assert plan["tonnes"] == 4


# --- rules ----------------------------------------------------------------------------------------------------------


def test_origin_must_be_a_county_of_an_old_area_city():
    with pytest.raises(ValidationError) as exc:
        make.listing("320508")  # 姑苏区 is in 苏州
    assert "革命老区" in exc.value.message_dict["origin"][0]
    with pytest.raises(ValidationError) as exc:
        services.create_listing(
            user=Operator(),
            origin=Region.objects.get(code="411500"),
            supplier="x",
            name="x",
            category="tea",
            certifications=[],
            volume_tonnes=1,
            season_start=1,
            season_end=2,
            price_yuan_kg=1,
            note="",
        )
    assert "县级" in exc.value.message_dict["origin"][0]


def test_buyer_must_not_be_in_an_old_area_city():
    with pytest.raises(ValidationError) as exc:
        make.demand("411502")
    assert "革命老区" in exc.value.message_dict["region"][0]


def test_listing_values_are_checked_with_clear_messages():
    with pytest.raises(ValidationError) as exc:
        make.listing(volume_tonnes=0, price_yuan_kg="abc", season_start=13, certifications=["iso"])
    errors = exc.value.message_dict
    assert "可供量须大于 0" in errors["volume_tonnes"]
    assert "价格不是数字" in errors["price_yuan_kg"]
    assert "月份须为 1 到 12 的整数" in errors["season_start"]
    assert "iso" in errors["certifications"][0]


def test_demand_period_end_before_start_is_refused():
    with pytest.raises(ValidationError) as exc:
        make.demand(period_start=D(2025, 5, 1), period_end=D(2025, 4, 1))
    assert "截止日" in exc.value.message_dict["period_end"][0]


def test_yanan_editor_cannot_edit_a_xinyang_listing():
    offer = make.listing("411526")
    stranger = testing.user("ya", "延安市人民政府", "editor")
    with pytest.raises(PermissionDenied):
        services.update_listing(listing=offer, user=stranger, expected_version=offer.version, name="改名")
    with pytest.raises(ValidationError):
        make.listing("411526", user=stranger)  # not an area the 延安 editor answers for


def test_xinyang_editor_edits_own_listing_and_a_stale_version_is_refused():
    editor = testing.user("xy", "信阳市人民政府", "editor")
    offer = make.listing("411526", user=editor)
    changed = services.update_listing(listing=offer, user=editor, expected_version=1, name="信阳毛尖（明前）")
    assert changed.name == "信阳毛尖（明前）" and changed.version == 2
    with pytest.raises(StaleObjectError):
        services.update_listing(listing=offer, user=editor, expected_version=1, name="再改")
    closed = services.close_listing(listing=changed, user=editor, expected_version=2)
    assert closed.status == ListingStatus.CLOSED


def test_closed_listing_is_not_recommended(example):
    listings, demands = example
    services.close_listing(listing=listings["L3"], user=Operator(), expected_version=1)
    names = [r["listing"].name for r in matching.recommend_for_demand(Operator(), demands["D3"])]
    assert "L3" not in names


# --- agreements and deliveries --------------------------------------------------------------------------------------


def test_agreement_gets_the_pairing_and_delivery_counts_in_its_figure():
    editor = testing.user("xy", "信阳市人民政府", "editor")
    offer = make.listing("411526", "信阳毛尖", user=editor, category="tea", certifications=["gi"])
    want = make.demand("320508", "苏州某机关食堂", category="tea", volume_tonnes=Decimal("5"))
    agreement = services.sign_agreement(
        user=editor, listing=offer, demand=want, volume_tonnes="3", price_yuan_kg="400", signed_on=D(2025, 3, 1)
    )
    pairing = testing.pairing("信阳市", "苏州市")
    assert agreement.pairing == pairing
    assert agreement.score == Decimal(str(matching.explain_pair(offer, want)["score"]))
    delivery = services.record_delivery(
        user=editor, agreement=agreement, date=D(2025, 4, 10), volume_tonnes="1", amount_wan="40"
    )
    activity = delivery.activity
    assert activity.kind == Activity.Kind.CONSUMPTION and activity.key_task.code == "KT2"
    assert activity.product_category == "茶叶" and activity.sales_channel == "产销对接平台"
    figures = activity_figures(editor, pairing=pairing.pk, since=D(2025, 1, 1), until=D(2025, 12, 31))
    assert figures["consumption_aid_wan"] == Decimal("40")
    before = activity_figures(editor, pairing=pairing.pk, since=D(2025, 1, 1), until=D(2025, 3, 31))
    assert before["consumption_aid_wan"] is None
    # a second delivery the same day is its own activity
    services.record_delivery(user=editor, agreement=agreement, date=D(2025, 4, 10), volume_tonnes=1, amount_wan=2)
    figures = activity_figures(editor, pairing=pairing.pk, since=D(2025, 4, 1), until=D(2025, 4, 30))
    assert figures["consumption_aid_wan"] == Decimal("42")


def test_delivery_without_pairing_counts_in_no_pairing():
    offer = make.listing("411526", "信阳板栗")
    want = make.demand("310104", "上海某超市")  # 上海 is paired with 三明 and 六安, not 信阳
    agreement = services.sign_agreement(
        user=Operator(), listing=offer, demand=want, volume_tonnes=2, price_yuan_kg=6, signed_on=D(2025, 3, 1)
    )
    assert agreement.pairing is None
    delivery = services.record_delivery(
        user=Operator(), agreement=agreement, date=D(2025, 3, 2), volume_tonnes=1, amount_wan=1
    )
    assert delivery.activity is None
    assert not Activity.objects.filter(kind=Activity.Kind.CONSUMPTION).exists()


def test_delivery_beyond_the_agreed_volume_is_refused():
    offer = make.listing("411526")
    want = make.demand("320508")
    agreement = services.sign_agreement(
        user=Operator(), listing=offer, demand=want, volume_tonnes=2, price_yuan_kg=6, signed_on=D(2025, 3, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.record_delivery(
            user=Operator(), agreement=agreement, date=D(2025, 2, 1), volume_tonnes=3, amount_wan=1
        )
    assert set(exc.value.message_dict) == {"date", "volume_tonnes"}
    assert not Activity.objects.exists()


def test_agreement_beyond_what_is_left_is_refused():
    offer = make.listing("411526", volume_tonnes=Decimal("5"))
    want = make.demand("320508", volume_tonnes=Decimal("20"))
    services.sign_agreement(
        user=Operator(), listing=offer, demand=want, volume_tonnes=4, price_yuan_kg=6, signed_on=D(2025, 3, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.sign_agreement(
            user=Operator(), listing=offer, demand=want, volume_tonnes=2, price_yuan_kg=6, signed_on=D(2025, 3, 1)
        )
    assert "剩余可供量" in exc.value.message_dict["volume_tonnes"][0]


def test_a_third_party_cannot_sign():
    offer = make.listing("411526")
    want = make.demand("320508")
    stranger = testing.user("ya", "延安市人民政府", "editor")
    with pytest.raises(PermissionDenied):
        services.sign_agreement(
            user=stranger, listing=offer, demand=want, volume_tonnes=1, price_yuan_kg=6, signed_on=D(2025, 3, 1)
        )


def test_demo_data_loads_once():
    from duikou.markets import demo
    from duikou.markets.models import Demand, ProductListing

    first = demo.load_demo_produce(today=D(2025, 3, 1))
    assert first == {"产品供给": 6, "采购需求": 6}
    assert demo.load_demo_produce(today=D(2025, 3, 1)) == {"产品供给": 0, "采购需求": 0}
    assert all("演示" in x.supplier for x in ProductListing.objects.all())
    assert all("演示" in x.buyer for x in Demand.objects.all())
    tea = ProductListing.objects.get(name="信阳毛尖")
    best = matching.recommend_for_listing(Operator(), tea)
    assert best[0]["demand"].buyer.startswith("苏州")  # 信阳 is paired with 苏州
