"""产销对接 (consumption assistance): listings and demands, recommendations both ways, a plan under capacities,
agreements and deliveries. Reads are scoped queries; writes are services (permission through the scoping layer,
validation, one transaction, audit actor).

A delivery is recorded as a 消费帮扶 activity of the pairing joining the origin's city and the buyer's city, under
key task KT2 (2022 方案 三(二) 衔接推进乡村振兴和新型城镇化: "持续加强消费帮扶，推进革命老区特色农产品产销对接"),
so it counts in that pairing's consumption-assistance figure. Without such a pairing it is recorded but counts in
no pairing.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_checked, save_versioned
from duikou.core.errors import UserFacingError
from duikou.geo.models import OldArea, Region
from duikou.pairings.queries import pairing_between
from duikou.policy.models import Task
from duikou.projects.models import Activity

from ..models import (
    Agreement,
    Certification,
    CertificationBasis,
    Delivery,
    Demand,
    ListingStatus,
    ProductCategory,
    ProductCertification,
    ProductListing,
)
from .matching import explain_pair
from .workflow import WORKFLOW as CERTIFICATION_WORKFLOW

LISTING_FIELDS = (
    "supplier",
    "origin",
    "category",
    "name",
    "certifications",
    "volume_tonnes",
    "season_start",
    "season_end",
    "price_yuan_kg",
    "note",
)
DEMAND_FIELDS = (
    "buyer",
    "buyer_kind",
    "region",
    "category",
    "description",
    "volume_tonnes",
    "period_start",
    "period_end",
    "certifications_required",
    "max_price_yuan_kg",
)
SALES_CHANNEL = "产销对接平台"
KEY_TASK = "KT2"  # 2022 方案 三(二): 持续加强消费帮扶，推进革命老区特色农产品产销对接


# --- validation -------------------------------------------------------------------------------------------------


def old_area_city_codes() -> set[str]:
    """The old-area regions (the key cities of the 12 old areas, as loaded with the pairings)."""
    return set(OldArea.members.through.objects.values_list("region_id", flat=True))


def _in_old_area(region: Region, members: set[str]) -> bool:
    return region.code in members or region.parent_id in members


def _require_region(user, region: Region, what: str) -> None:
    """The user's organisation answers for ``region`` (its own area, its province, or the nation)."""
    if not scoping.may(user, scoping.Action.CHANGE):
        raise PermissionDenied
    prefix = scoping.region_prefix(user)
    if prefix == "" or (prefix is not None and not region.code.startswith(prefix)):
        raise ValidationError({what: _("只能填报本单位所辖地区（%(region)s 不在其中）") % {"region": region.name}})


def _decimal(value, field: str, errors: dict, label: str):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors[field] = [_("%(label)s不是数字") % {"label": label}]
        return None
    return number


def _certs(codes, field: str, errors: dict) -> list[str]:
    codes = [c for c in (codes or []) if c]
    unknown = [c for c in codes if c not in Certification.values]
    if unknown:
        errors[field] = [_("未知的认证：%(codes)s") % {"codes": "、".join(map(str, unknown))}]
        return []
    return [c for c in Certification.values if c in codes]


def _clean_listing(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    out = dict(values)
    for key in ("supplier", "name", "note"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    origin = out.get("origin")
    if origin is not None:
        if origin.level != Region.Level.COUNTY:
            errors["origin"] = [_("产地须为县级区划（县、区或县级市），「%(name)s」不是") % {"name": origin.name}]
        elif not _in_old_area(origin, old_area_city_codes()):
            errors["origin"] = [
                _("产地「%(name)s」不在革命老区重点城市内（产销对接的供给来自老区）") % {"name": origin.name}
            ]
    if out.get("category") not in ProductCategory.values:
        errors["category"] = [_("请选择产品类别")]
    out["certifications"] = _certs(out.get("certifications"), "certifications", errors)
    out["volume_tonnes"] = _decimal(out.get("volume_tonnes"), "volume_tonnes", errors, _("可供量"))
    out["price_yuan_kg"] = _decimal(out.get("price_yuan_kg"), "price_yuan_kg", errors, _("价格"))
    for key, label in (("volume_tonnes", _("可供量")), ("price_yuan_kg", _("价格"))):
        if key not in errors and (out[key] is None or out[key] <= 0):
            errors[key] = [_("%(label)s须大于 0") % {"label": label}]
    for key in ("season_start", "season_end"):
        month = out.get(key)
        if not isinstance(month, int) or not 1 <= month <= 12:
            errors[key] = [_("月份须为 1 到 12 的整数")]
    if errors:
        raise ValidationError(errors)
    return out


def _clean_demand(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    out = dict(values)
    for key in ("buyer", "description"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    region = out.get("region")
    if region is not None:
        if region.level not in (Region.Level.PREFECTURE, Region.Level.COUNTY):
            errors["region"] = [_("采购方所在地须为地级市或县级区划")]
        elif _in_old_area(region, old_area_city_codes()):
            errors["region"] = [
                _("采购方所在地「%(name)s」属于革命老区重点城市；采购需求来自东部等支持方城市") % {"name": region.name}
            ]
    if out.get("category") not in ProductCategory.values:
        errors["category"] = [_("请选择产品类别")]
    if out.get("buyer_kind") not in Demand.BuyerKind.values:
        errors["buyer_kind"] = [_("请选择采购主体类型")]
    out["certifications_required"] = _certs(out.get("certifications_required"), "certifications_required", errors)
    out["volume_tonnes"] = _decimal(out.get("volume_tonnes"), "volume_tonnes", errors, _("需求量"))
    if "volume_tonnes" not in errors and (out["volume_tonnes"] is None or out["volume_tonnes"] <= 0):
        errors["volume_tonnes"] = [_("需求量须大于 0")]
    out["max_price_yuan_kg"] = _decimal(out.get("max_price_yuan_kg"), "max_price_yuan_kg", errors, _("最高价格"))
    if out["max_price_yuan_kg"] is not None and out["max_price_yuan_kg"] <= 0:
        errors["max_price_yuan_kg"] = [_("最高价格须大于 0；不限价请留空")]
    start, end = out.get("period_start"), out.get("period_end")
    if start and end and end < start:
        errors["period_end"] = [_("需求截止日不能早于起始日")]
    if errors:
        raise ValidationError(errors)
    return out


def _check_fields(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


# --- listings and demands ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """What differs between a listing and a demand when they are created, changed and closed."""

    model: type[ProductListing] | type[Demand]
    fields: tuple[str, ...]
    clean: Callable[[dict], dict]  # the values checked and normalised, or a ValidationError by field
    place: str  # the field with the region the user must answer for


SIDES = {
    "listing": Side(ProductListing, LISTING_FIELDS, _clean_listing, "origin"),
    "demand": Side(Demand, DEMAND_FIELDS, _clean_demand, "region"),
}


def _create(side: Side, user, fields: dict):
    _check_fields(fields, side.fields)
    values = side.clean(fields)
    _require_region(user, values[side.place], side.place)
    obj = side.model(**values)
    with transaction.atomic(), set_actor(audit_actor(user)):
        obj.full_clean()
        obj.save()
    return obj


def _update(side: Side, obj, user, expected_version: int, changes: dict):
    scoping.require(user, scoping.Action.CHANGE, obj)
    _check_fields(changes, side.fields)
    current = {name: getattr(obj, name) for name in side.fields}
    values = side.clean(current | changes)
    if values[side.place] != getattr(obj, side.place):
        _require_region(user, values[side.place], side.place)
    with set_actor(audit_actor(user)):
        return save_versioned(obj, expected_version=expected_version, changes={k: values[k] for k in changes})


def _close(obj, user, expected_version: int):
    scoping.require(user, scoping.Action.CHANGE, obj)
    with set_actor(audit_actor(user)):
        return save_versioned(obj, expected_version=expected_version, changes={"status": ListingStatus.CLOSED})


def create_listing(*, user, **fields) -> ProductListing:
    """An old-area supplier's offer; the origin must be a county of an old-area city the user answers for."""
    return _create(SIDES["listing"], user, fields)


def update_listing(*, listing: ProductListing, user, expected_version: int, **changes) -> ProductListing:
    return _update(SIDES["listing"], listing, user, expected_version, changes)


def close_listing(*, listing: ProductListing, user, expected_version: int) -> ProductListing:
    return _close(listing, user, expected_version)


def create_demand(*, user, **fields) -> Demand:
    """An eastern buyer's demand; the buyer's place must not be an old-area city, and the user answers for it."""
    return _create(SIDES["demand"], user, fields)


def update_demand(*, demand: Demand, user, expected_version: int, **changes) -> Demand:
    return _update(SIDES["demand"], demand, user, expected_version, changes)


def close_demand(*, demand: Demand, user, expected_version: int) -> Demand:
    return _close(demand, user, expected_version)


# --- agreements and deliveries ----------------------------------------------------------------------------------


def _committed(qs) -> Decimal:
    return qs.exclude(status=Agreement.Status.CANCELLED).aggregate(v=Sum("volume_tonnes"))["v"] or Decimal(0)


def sign_agreement(
    *,
    user,
    listing: ProductListing,
    demand: Demand,
    volume_tonnes,
    price_yuan_kg,
    signed_on: datetime.date,
) -> Agreement:
    """Either party's editor signs; both parties see the agreement. The pairing is set when the origin's city and
    the buyer's city are paired; the score at signing is kept. The listing's and the demand's rows are locked (in
    that order) while the volume still free is read, so agreements signed at the same moment take turns and never
    promise more than either has."""
    if not (scoping.can(user, scoping.Action.CHANGE, listing) or scoping.can(user, scoping.Action.CHANGE, demand)):
        raise PermissionDenied
    with transaction.atomic(), set_actor(audit_actor(user)):
        listing = ProductListing.objects.select_for_update().get(pk=listing.pk)
        demand = Demand.objects.select_for_update().get(pk=demand.pk)
        errors: dict[str, list[str]] = {}
        if listing.status != ListingStatus.OPEN:
            errors.setdefault("__all__", []).append(_("产品供给已关闭，不能签订协议"))
        if demand.status != ListingStatus.OPEN:
            errors.setdefault("__all__", []).append(_("采购需求已关闭，不能签订协议"))
        explanation = explain_pair(listing, demand)
        if not explanation["eligible"]:
            errors.setdefault("__all__", []).append(_("不能匹配：%(reason)s") % {"reason": explanation["reason"]})
        volume = _decimal(volume_tonnes, "volume_tonnes", errors, _("协议量"))
        price = _decimal(price_yuan_kg, "price_yuan_kg", errors, _("协议价"))
        if volume is not None and volume <= 0:
            errors["volume_tonnes"] = [_("协议量须大于 0")]
        if price is not None and price <= 0:
            errors["price_yuan_kg"] = [_("协议价须大于 0")]
        if volume is not None and "volume_tonnes" not in errors:
            left = listing.volume_tonnes - _committed(listing.agreements.all())
            wanted = demand.volume_tonnes - _committed(demand.agreements.all())
            if volume > left:
                errors["volume_tonnes"] = [_("协议量超过产品剩余可供量 %(left)s 吨") % {"left": left}]
            elif volume > wanted:
                errors["volume_tonnes"] = [_("协议量超过需求剩余量 %(left)s 吨") % {"left": wanted}]
        if errors:
            raise ValidationError(errors)
        agreement = Agreement(
            listing=listing,
            demand=demand,
            pairing=pairing_between(listing.origin, demand.region),
            volume_tonnes=volume,
            price_yuan_kg=price,
            signed_on=signed_on,
            score=Decimal(str(explanation["score"])).quantize(Decimal("0.01")),
        )
        agreement.full_clean()
        agreement.save()
    return agreement


def set_agreement_status(*, agreement: Agreement, user, status: str, expected_version: int) -> Agreement:
    scoping.require(user, scoping.Action.CHANGE, agreement)
    if status not in Agreement.Status.values:
        raise ValidationError({"status": _("未知的协议状态")})
    with set_actor(audit_actor(user)):
        return save_versioned(agreement, expected_version=expected_version, changes={"status": status})


def record_delivery(
    *, user, agreement: Agreement, date: datetime.date, volume_tonnes, amount_wan, certified: bool | None = None
) -> Delivery:
    """A delivery under an agreement. With a pairing it is also a 消费帮扶 activity of that pairing (so it counts in
    the pairing's consumption-assistance figure); without one it counts in no pairing. The agreement's row is locked
    while what was delivered is read: deliveries recorded at the same moment take turns, never exceed the agreement,
    and are numbered one after the other.

    It counts as a purchase of a certified product when the listing's product certification was valid on the
    delivery date (``certified=None`` decides so; ``False`` records it as another purchase); a delivery claimed as
    certified (``certified=True``) for a product not certified that day is refused, naming the product, the date
    and why."""
    scoping.require(user, scoping.Action.CHANGE, agreement)
    with transaction.atomic(), set_actor(audit_actor(user)):
        agreement = (
            Agreement.objects.select_for_update(of=("self",)).select_related("listing", "demand").get(pk=agreement.pk)
        )
        errors: dict[str, list[str]] = {}
        if agreement.status != Agreement.Status.ACTIVE:
            errors["__all__"] = [_("协议不在执行中，不能登记交付")]
        volume = _decimal(volume_tonnes, "volume_tonnes", errors, _("交付量"))
        amount = _decimal(amount_wan, "amount_wan", errors, _("交付金额"))
        if volume is not None and volume <= 0:
            errors["volume_tonnes"] = [_("交付量须大于 0")]
        if amount is not None and amount <= 0:
            errors["amount_wan"] = [_("交付金额须大于 0")]
        if date is None:
            errors["date"] = [_("请填写交付日期")]
        elif date < agreement.signed_on:
            errors["date"] = [_("交付日期不能早于协议签订日期 %(d)s") % {"d": agreement.signed_on.isoformat()}]
        if volume is not None and "volume_tonnes" not in errors:
            delivered = agreement.deliveries.aggregate(v=Sum("volume_tonnes"))["v"] or Decimal(0)
            if delivered + volume > agreement.volume_tonnes:
                errors["volume_tonnes"] = [
                    _("累计交付量将超过协议量 %(total)s 吨（已交付 %(done)s 吨）")
                    % {"total": agreement.volume_tonnes, "done": delivered}
                ]
        listing, demand = agreement.listing, agreement.demand
        certification = None
        if date is not None and "date" not in errors and certified is not False:
            certification = certification_on(listing, date)
            if certification is None and certified:
                errors["certified"] = [
                    _("「%(product)s」在 %(date)s 不是认定产品（%(why)s），不能计为认定产品采购")
                    % {"product": listing.name, "date": date.isoformat(), "why": why_not_certified(listing, date)}
                ]
        if errors:
            raise ValidationError(errors)
        activity = None
        if agreement.pairing_id is not None:
            batch = agreement.deliveries.count() + 1
            title = f"产销对接：{listing.name[:60]}→{demand.buyer[:60]}（协议 {agreement.pk} 第 {batch} 批）"
            activity = Activity(
                pairing=agreement.pairing,
                kind=Activity.Kind.CONSUMPTION,
                key_task=Task.objects.get(code=KEY_TASK),
                date=date,
                title=title,
                sales_amount=amount,
                product_category=str(ProductCategory(listing.category).label),
                sales_channel=SALES_CHANNEL,
                note=f"{listing.supplier} 向 {demand.buyer} 交付 {volume} 吨",
            )
            activity.full_clean()
            activity.save()
        delivery = Delivery(
            agreement=agreement,
            date=date,
            volume_tonnes=volume,
            amount_wan=amount,
            activity=activity,
            certification=certification,
        )
        delivery.full_clean()
        delivery.save()
    return delivery


# --- product certification (消费帮扶产品认定) -------------------------------------------------------------------

CERTIFICATION_FIELDS = (
    "supplier",
    "county",
    "name",
    "category",
    "basis",
    "annual_value_wan",
    "traceability",
    "listing",
)


def certification_on(listing: ProductListing, day: datetime.date) -> ProductCertification | None:
    """The certification of the listing's product valid on ``day`` (the latest-starting one if several)."""
    found = ProductCertification.objects.filter(listing=listing).filter(ProductCertification.valid_on_q(day))
    return found.order_by("-valid_from", "-id").first()


def why_not_certified(listing: ProductListing, day: datetime.date) -> str:
    """Why the listing's product was not certified on ``day``: no certificate, not yet valid, expired or revoked."""
    issued = ProductCertification.objects.filter(listing=listing, certificate_no__isnull=False)
    revoked = issued.filter(status=ProductCertification.Status.REVOKED, revoked_on__lte=day, valid_from__lte=day)
    if cert := revoked.order_by("-revoked_on").first():
        return _("证书 %(no)s 已于 %(d)s 撤销：%(reason)s") % {
            "no": cert.certificate_no,
            "d": cert.revoked_on.isoformat(),
            "reason": cert.revoked_reason,
        }
    if cert := issued.filter(valid_to__lt=day).order_by("-valid_to").first():
        return _("证书 %(no)s 已于 %(d)s 到期") % {"no": cert.certificate_no, "d": cert.valid_to.isoformat()}
    if cert := issued.filter(valid_from__gt=day).order_by("valid_from").first():
        return _("证书 %(no)s 自 %(d)s 起才有效") % {"no": cert.certificate_no, "d": cert.valid_from.isoformat()}
    pending = ProductCertification.objects.filter(listing=listing, certificate_no__isnull=True).first()
    if pending is not None:
        return _("认定申请尚在「%(status)s」阶段，没有证书") % {"status": pending.get_status_display()}
    return _("没有产品认定证书")


def min_value_wan() -> Decimal:
    return Decimal(settings.DUIKOU_CERTIFICATION_MIN_VALUE_WAN)


def _clean_certification(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    out = dict(values)
    for key in ("supplier", "name", "traceability"):
        out[key] = (out.get(key) or "").strip()
    product = out["name"] or _("（未填产品名称）")
    for key, label in (("supplier", _("供货主体")), ("name", _("产品名称")), ("traceability", _("可追溯说明"))):
        if not out[key]:
            errors[key] = [_("请填写%(label)s") % {"label": label}]
    county = out.get("county")
    if county is None:
        errors["county"] = [_("请填写所在县")]
    elif county.level != Region.Level.COUNTY:
        errors["county"] = [_("所在地须为县级区划（县、区或县级市），「%(name)s」不是") % {"name": county.name}]
    if out.get("category") not in ProductCategory.values:
        errors["category"] = [_("请选择产品类别")]
    basis = [c for c in (out.get("basis") or []) if c]
    unknown = [c for c in basis if c not in CertificationBasis.values]
    if unknown:
        errors["basis"] = [_("未知的认定依据：%(codes)s") % {"codes": "、".join(map(str, unknown))}]
    elif not basis:
        errors["basis"] = [_("请至少选择一项认定依据（绿色食品、有机、地理标志或承诺达标合格证）")]
    out["basis"] = [c for c in CertificationBasis.values if c in basis]
    value = _decimal(out.get("annual_value_wan"), "annual_value_wan", errors, _("年销售额"))
    out["annual_value_wan"] = value
    if "annual_value_wan" not in errors:
        if value is None:
            errors["annual_value_wan"] = [_("请填写年销售额（万元）")]
        elif value < min_value_wan() or value <= 0:
            errors["annual_value_wan"] = [
                _("「%(product)s」年销售额 %(value)s 万元低于认定下限 %(min)s 万元")
                % {"product": product, "value": value, "min": min_value_wan()}
            ]
    listing = out.get("listing")
    if listing is not None and county is not None and listing.origin_id != county.code:
        errors["listing"] = [
            _("产品供给「%(listing)s」的产地是%(origin)s，与认定的所在县%(county)s不同")
            % {"listing": listing.name, "origin": listing.origin.name, "county": county.name}
        ]
    if errors:
        raise ValidationError(errors)
    return out


def create_certification(*, user, **fields) -> ProductCertification:
    """A new application (草稿) for the county it names; the user's area must include that county."""
    _check_fields(fields, CERTIFICATION_FIELDS)
    values = _clean_certification(fields)
    _require_region(user, values["county"], "county")
    cert = ProductCertification(**values, created_by=user if getattr(user, "pk", None) else None)
    with transaction.atomic(), set_actor(audit_actor(user)):
        cert.full_clean()
        save_checked(cert)
    return cert


def update_certification(
    *, certification: ProductCertification, user, expected_version: int, **changes
) -> ProductCertification:
    """Change an application while it is a draft (a returned one is a draft again)."""
    scoping.require(user, scoping.Action.CHANGE, certification)
    if certification.status != ProductCertification.Status.DRAFT:
        raise UserFacingError(
            _("「%(product)s」当前状态为「%(status)s」，只能修改草稿")
            % {"product": certification.name, "status": certification.get_status_display()}
        )
    _check_fields(changes, CERTIFICATION_FIELDS)
    current = {name: getattr(certification, name) for name in CERTIFICATION_FIELDS}
    values = _clean_certification(current | changes)
    if values["county"] != certification.county:
        _require_region(user, values["county"], "county")
    with set_actor(audit_actor(user)):
        return save_versioned(certification, expected_version=expected_version, changes={k: values[k] for k in changes})


def _date_errors(errors: dict, **dates) -> None:
    for field, value in dates.items():
        if value is None:
            errors[field] = [_("请填写日期")]


def certification_step(
    *,
    certification: ProductCertification,
    user,
    name: str,
    expected_version: int,
    note: str = "",
    publicity_start: datetime.date | None = None,
    publicity_end: datetime.date | None = None,
    certificate_no: str = "",
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    revoked_on: datetime.date | None = None,
) -> ProductCertification:
    """Take one step of the certification (``workflow``): submit, publicize, certify, return, revoke. Two approvers
    acting on the same version at once: one wins, the other is told the application changed (StaleObjectError)."""
    cert = certification
    step = CERTIFICATION_WORKFLOW.require(user, cert, name)
    note = (note or "").strip()
    now, today = timezone.now(), timezone.localdate()
    changes: dict = {"status": step.target}
    errors: dict[str, list[str]] = {}
    product = cert.name
    if name == "submit":
        _clean_certification({k: getattr(cert, k) for k in CERTIFICATION_FIELDS})
        changes |= {"submitted_by": user, "submitted_at": now, "returned_reason": ""}
    elif name == "publicize":
        _date_errors(errors, publicity_start=publicity_start, publicity_end=publicity_end)
        if not errors and publicity_end < publicity_start:
            errors["publicity_end"] = [_("公示截止日不能早于起始日")]
        changes |= {
            "reviewed_by": user,
            "review_note": note,
            "publicity_start": publicity_start,
            "publicity_end": publicity_end,
        }
    elif name == "certify":
        if cert.publicity_end is None or today <= cert.publicity_end:
            errors["__all__"] = [
                _("「%(product)s」的公示期至 %(end)s，公示结束后才能认定")
                % {"product": product, "end": cert.publicity_end.isoformat() if cert.publicity_end else "—"}
            ]
        certificate_no = (certificate_no or "").strip()
        if not certificate_no:
            errors["certificate_no"] = [_("请填写证书编号")]
        _date_errors(errors, valid_from=valid_from, valid_to=valid_to)
        if valid_from and valid_to and valid_to < valid_from:
            errors["valid_to"] = [_("有效期止不能早于有效期起")]
        if valid_from and cert.publicity_end and valid_from <= cert.publicity_end:
            errors["valid_from"] = [
                _("有效期须在公示结束（%(end)s）之后开始") % {"end": cert.publicity_end.isoformat()}
            ]
        changes |= {
            "certified_by": user,
            "certified_at": now,
            "certificate_no": certificate_no,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
    elif name == "return":
        if not note:
            errors["note"] = [_("请填写退回理由")]
        changes |= {"returned_reason": note, "submitted_by": None, "publicity_start": None, "publicity_end": None}
    elif name == "revoke":
        if not note:
            errors["note"] = [_("请填写撤销理由")]
        revoked_on = revoked_on or today
        if revoked_on < cert.valid_from:
            errors["revoked_on"] = [_("撤销生效日不能早于证书有效期起 %(d)s") % {"d": cert.valid_from.isoformat()}]
        changes |= {"revoked_by": user, "revoked_on": revoked_on, "revoked_reason": note}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), set_actor(audit_actor(user)):
        return save_versioned(cert, expected_version=expected_version, changes=changes)


def split_of(deliveries) -> dict:
    """The 消费帮扶 amount (万元) of some deliveries split into purchases of certified products and other ones."""
    totals = deliveries.aggregate(
        total=Sum("amount_wan"), certified=Sum("amount_wan", filter=Q(certification__isnull=False))
    )
    cent = Decimal("0.01")  # SQLite sums decimals without their places
    total = (totals["total"] or Decimal(0)).quantize(cent)
    certified = (totals["certified"] or Decimal(0)).quantize(cent)
    return {"total_wan": total, "certified_wan": certified, "other_wan": total - certified}


SIDES["certification"] = Side(ProductCertification, CERTIFICATION_FIELDS, _clean_certification, "county")
