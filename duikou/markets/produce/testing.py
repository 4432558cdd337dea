"""Small factories for tests of 产销对接 (and its part of the permission matrix)."""

import datetime
from decimal import Decimal

from duikou.core.actors import Operator
from duikou.geo.models import Region

from ..models import Demand, ProductListing
from . import services


def listing(origin: str = "411526", name: str = "测试产品", *, user=None, **fields) -> ProductListing:
    values = {
        "supplier": "测试合作社",
        "category": "fruit_veg",
        "certifications": [],
        "volume_tonnes": Decimal("10"),
        "season_start": 1,
        "season_end": 12,
        "price_yuan_kg": Decimal("6"),
        "note": "",
    } | fields
    return services.create_listing(user=user or Operator(), origin=Region.objects.get(code=origin), name=name, **values)


def demand(region: str = "320508", buyer: str = "测试食堂", *, user=None, **fields) -> Demand:
    values = {
        "buyer_kind": Demand.BuyerKind.CANTEEN,
        "category": "fruit_veg",
        "description": "",
        "volume_tonnes": Decimal("10"),
        "period_start": datetime.date(2025, 1, 1),
        "period_end": datetime.date(2025, 12, 31),
        "certifications_required": [],
        "max_price_yuan_kg": None,
    } | fields
    return services.create_demand(
        user=user or Operator(), region=Region.objects.get(code=region), buyer=buyer, **values
    )


def matrix_world(editor, stranger) -> dict:
    """A 信阳 listing and demand with an agreement and a delivery (in scope of ``editor``), and the same on the 延安
    side (``stranger``'s). The 信阳 demand stands for a buyer the 信阳 editor answers for, which the service would
    refuse (buyers are not in old-area cities), so it is stored directly."""
    world = {}
    for side, user, origin, partner, label in (
        ("inside", editor, "411526", "320508", "信阳侧"),
        ("outside", stranger, "610602", "320211", "延安侧"),
    ):
        offer = listing(origin, f"{label}产品", user=user, supplier=f"{label}供货合作社")
        buyer = demand(partner, f"{label}对口采购单位")
        own = Demand.objects.create(
            buyer=f"{label}采购单位",
            buyer_kind=Demand.BuyerKind.CANTEEN,
            region=Region.objects.get(code=origin),
            category="fruit_veg",
            volume_tonnes=Decimal("5"),
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
        )
        agreement = services.sign_agreement(
            user=user,
            listing=offer,
            demand=buyer,
            volume_tonnes=Decimal("4"),
            price_yuan_kg=Decimal("6"),
            signed_on=datetime.date(2025, 3, 1),
        )
        services.record_delivery(
            user=user,
            agreement=agreement,
            date=datetime.date(2025, 3, 15),
            volume_tonnes=Decimal("1"),
            amount_wan=Decimal("0.6"),
        )
        world |= {f"{side}_listing": offer, f"{side}_demand": own, f"{side}_agreement": agreement}
    # what the close routes close (so that the objects above stay open for the other routes)
    world["inside_spare_listing"] = listing("411526", "信阳侧备用产品", user=editor)
    world["inside_spare_demand"] = Demand.objects.create(
        buyer="信阳侧备用采购单位",
        buyer_kind=Demand.BuyerKind.CANTEEN,
        region=Region.objects.get(code="411526"),
        category="fruit_veg",
        volume_tonnes=Decimal("5"),
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
    )
    # a draft product certification on each side (a draft is read only by its county's areas)
    world["inside_certification"] = certification(XIN_XIAN, "信阳侧认定产品", user=editor)
    world["outside_certification"] = certification("610602", "延安侧认定产品", user=stranger, supplier="延安侧合作社")
    # what the API's step route submits (the page's step route submits the ones above)
    world["inside_api_certification"] = certification(XIN_XIAN, "信阳侧接口认定产品", user=editor)
    world["outside_api_certification"] = certification(
        "610602", "延安侧接口认定产品", user=stranger, supplier="延安侧合作社"
    )
    return world


# --- product certification -------------------------------------------------------------------------------------

XIN_XIAN = "411526"  # 潢川县 (信阳)


def certification(county: str = XIN_XIAN, name: str = "潢川贡米", *, user=None, **fields):
    """A draft application (草稿) for a product of ``county``."""
    from ..models import ProductCertification

    values = {
        "supplier": "潢川县测试合作社",
        "category": "grain_oil",
        "basis": ["gi"],
        "annual_value_wan": Decimal("80"),
        "traceability": "一物一码，扫码可查产地、批次",
        "listing": None,
    } | fields
    cert = services.create_certification(
        user=user or Operator(), county=Region.objects.get(code=county), name=name, **values
    )
    assert isinstance(cert, ProductCertification)
    return cert


def certify(cert, editor, approver, *, number: str = "XY-2025-001", valid_from=None, valid_to=None):
    """Walk an application through submit → 公示 (ended yesterday) → certified, valid from ``valid_from`` (default
    today) to ``valid_to`` (default a year later)."""
    from django.utils import timezone

    today = timezone.localdate()
    step = services.certification_step
    cert = step(certification=cert, user=editor, name="submit", expected_version=cert.version)
    cert = step(
        certification=cert,
        user=approver,
        name="publicize",
        expected_version=cert.version,
        publicity_start=today - datetime.timedelta(days=8),
        publicity_end=today - datetime.timedelta(days=1),
        note="材料齐全",
    )
    return step(
        certification=cert,
        user=approver,
        name="certify",
        expected_version=cert.version,
        certificate_no=number,
        valid_from=valid_from or today,
        valid_to=valid_to or today + datetime.timedelta(days=365),
    )
