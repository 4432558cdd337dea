"""Excel in and out for 产销对接 listings and demands, with the table machinery of ``core.tables`` and the projects'
lookups of counties (``projects.tables.Refs``): a template with dropdowns, all-or-nothing imports with a dry run and a
(row, column, value, reason) report, and .xlsx exports of the lists.

A row is matched to what is stored by its natural key (供货主体 + 产品名称 + 产地 for listings; 采购主体 + 产品类别
+ 需求起始日 + 所在地 for demands): an equal row changes nothing, a different one updates the stored one (version
bumped, audit history), a new one is created — so importing the same file twice changes nothing the second time.
"""

import io
from dataclasses import replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.tables import (
    Column,
    Hint,
    RowError,
    Spec,
    cell_where,
    choice_column,
    export_table,
    field_errors,
    filled_rows,
    multi_column,
    parse_cell,
    parse_row,
    read_header,
    refusal,
)
from duikou.core.uploads import read_table
from duikou.projects.tables import Refs, template_for

from ..models import (
    Certification,
    CertificationBasis,
    Demand,
    ListingStatus,
    ProductCategory,
    ProductCertification,
    ProductListing,
)
from . import queries, services

__all__ = ["SPECS", "certification_export", "export_bytes", "import_file", "reserved_export", "template"]

CERTS = multi_column(N_("认证"), "certifications", Certification)
CATEGORY = choice_column(N_("产品类别"), "category", ProductCategory, required=True)
VOLUME_HELP = _("大于 0，最多两位小数")

LISTING_COLUMNS = (
    Column(N_("供货主体"), "supplier", "text", True, max_length=120, width=24),
    Column(N_("产品名称"), "name", "text", True, max_length=120, width=20),
    CATEGORY,
    Column(
        N_("产地县区代码"),
        "origin",
        "county",
        True,
        help=Hint(_("老区城市所辖县级区划代码，如「%(example)s」"), example="411526 潢川县"),
        width=20,
    ),
    CERTS,
    Column(N_("可供量（吨）"), "volume_tonnes", "decimal", True, help=VOLUME_HELP),
    Column(N_("供货起始月"), "season_start", "count", True, help="1–12"),
    Column(N_("供货截止月"), "season_end", "count", True, help=_("1–12；可跨年，如 11 至 3")),
    Column(N_("价格（元/公斤）"), "price_yuan_kg", "decimal", True, help=VOLUME_HELP),
    Column(N_("说明"), "note", "text", width=30),
)
DEMAND_COLUMNS = (
    Column(N_("采购主体"), "buyer", "text", True, max_length=120, width=24),
    choice_column(N_("采购主体类型"), "buyer_kind", Demand.BuyerKind, required=True),
    Column(
        N_("所在县区代码"),
        "region",
        "county",
        True,
        help=Hint(_("采购方所在县级区划代码，如「%(example)s」"), example="320508 姑苏区"),
        width=20,
    ),
    CATEGORY,
    Column(N_("需求说明"), "description", "text", max_length=200, width=30),
    Column(N_("需求量（吨）"), "volume_tonnes", "decimal", True, help=VOLUME_HELP),
    Column(N_("需求起始日"), "period_start", "date", True, help=_("如 2025-05-01")),
    Column(N_("需求截止日"), "period_end", "date", True, help=_("不早于起始日")),
    Column(N_("要求的认证"), "certifications_required", "multi", choices=CERTS.choices, help=CERTS.help, width=24),
    Column(N_("最高价格（元/公斤）"), "max_price_yuan_kg", "decimal", help=_("不限价请留空")),
)

CERTIFICATION_COLUMNS = (
    Column(N_("供货主体"), "supplier", "text", True, max_length=120, width=24),
    Column(N_("产品名称"), "name", "text", True, max_length=120, width=20),
    CATEGORY,
    Column(
        N_("所在县区代码"),
        "county",
        "county",
        True,
        help=Hint(_("产品所在县级区划代码，如「%(example)s」"), example="411526 潢川县"),
        width=20,
    ),
    multi_column(N_("认定依据"), "basis", CertificationBasis),
    Column(N_("年销售额（万元）"), "annual_value_wan", "decimal", True, help=_("不低于认定下限（默认 50 万元）")),
    Column(N_("可追溯说明"), "traceability", "text", True, max_length=4000, width=40),
)
# what the export adds after the columns an import reads; an import of an exported file skips them
CERTIFICATION_DECIDED = (
    choice_column(N_("状态"), "status", ProductCertification.Status),
    Column(N_("公示起始日"), "publicity_start", "date"),
    Column(N_("公示截止日"), "publicity_end", "date"),
    Column(N_("证书编号"), "certificate_no", "text", width=20),
    Column(N_("有效期起"), "valid_from", "date"),
    Column(N_("有效期止"), "valid_to", "date"),
    Column(N_("撤销生效日"), "revoked_on", "date"),
    Column(N_("撤销理由"), "revoked_reason", "text", width=30),
)

SPECS = {
    "listing": Spec(
        model=ProductListing,
        columns=LISTING_COLUMNS,
        sheet="产品供给",
        key=("supplier", "name", "origin_id"),
        fields=services.LISTING_FIELDS,
        noun=_("产品供给"),
        duplicate="与第 {row} 行重复（同一供货主体、产品名称和产地）",
        defaults={"certifications": [], "note": ""},
    ),
    "demand": Spec(
        model=Demand,
        columns=DEMAND_COLUMNS,
        sheet="采购需求",
        key=("buyer", "category", "period_start", "region_id"),
        fields=services.DEMAND_FIELDS,
        noun=_("采购需求"),
        duplicate="与第 {row} 行重复（同一采购主体、产品类别、起始日和所在地）",
        defaults={"certifications_required": [], "description": ""},
    ),
    "certification": Spec(
        model=ProductCertification,
        columns=CERTIFICATION_COLUMNS,
        sheet="产品认定",
        key=("supplier", "name", "county_id"),
        fields=tuple(f for f in services.CERTIFICATION_FIELDS if f != "listing"),
        noun=_("产品认定"),
        duplicate="与第 {row} 行重复（同一供货主体、产品名称和所在县）",
        defaults={"basis": []},
    ),
}
# the listings' export adds whether the product holds a certification valid today; an import skips that column
CERTIFIED_TODAY = Column(N_("认定产品（今日有效）"), "certified", "bool")
LISTING_EXPORT = replace(SPECS["listing"], columns=LISTING_COLUMNS + (CERTIFIED_TODAY,))
CERTIFICATION_EXPORT = replace(SPECS["certification"], columns=CERTIFICATION_COLUMNS + CERTIFICATION_DECIDED)
EXPORT_ONLY = {
    "certification": {str(c.header) for c in CERTIFICATION_DECIDED},
    "listing": {str(CERTIFIED_TODAY.header)},
}


def export_bytes(kind: str, qs) -> bytes:
    if kind == "listing":
        if "certified" not in qs.query.annotations:
            qs = qs.annotate(certified=queries.certified_today())
        return export_table(LISTING_EXPORT, qs.order_by("id"), fmt="xlsx")
    return export_table(SPECS[kind], qs.order_by("id"), fmt="xlsx")


RESERVED_HEADERS = [
    "采购单位",
    "所在地",
    "认定产品采购（万元）",
    "其他采购（万元）",
    "食品采购合计（万元）",
    "认定产品占比（%）",
    "目标（%）",
    "是否达到",
]


def certification_export(qs) -> bytes:
    return export_table(CERTIFICATION_EXPORT, qs.order_by("id"), fmt="xlsx")


def reserved_export(rows: list[dict], year: int) -> bytes:
    """The reserved-share figures of a year, one budget unit a row (certified, other and all food purchases)."""
    from openpyxl import Workbook

    from duikou.core.exports import safe_row

    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}"
    sheet.append(RESERVED_HEADERS)
    keys = ("buyer", "region", "certified_wan", "other_wan", "total_wan", "share", "target")
    for r in rows:
        sheet.append(safe_row([*(r[k] for k in keys), "是" if r["met"] else "否"]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template(kind: str, user) -> bytes:
    return template_for(SPECS[kind], user)


def _key(spec: Spec, values: dict) -> tuple:
    return tuple(values[name.removesuffix("_id")].pk if name.endswith("_id") else values[name] for name in spec.key)


def import_file(kind: str, *, user, data: bytes, filename: str, dry_run: bool = False) -> dict:
    """Check every row; if all are good (and this is not a dry run) write them in one transaction through the
    services (so each row meets the same rules and permissions as the form). Raises UserFacingError with
    ``details["errors"]`` (row, column, value, reason) when any row is bad; then nothing is written."""
    if not scoping.may(user, scoping.Action.CHANGE):
        raise UserFacingError("您的角色不能导入数据")
    spec = SPECS[kind]
    region_field = services.SIDES[kind].place
    header, body = read_table(data, filename, spec.sheet)
    skipped = EXPORT_ONLY.get(kind, set())  # what an export adds (status, certificate): not read back
    header = [None if cell is not None and str(cell).strip() in skipped else cell for cell in header]
    position, errors = read_header(spec.columns, header)
    refs = Refs(user)
    rows = filled_rows(body)
    refs.load(spec.columns, rows, position)

    stored = {_key(spec, {f.removesuffix("_id"): _ref(obj, f) for f in spec.key}): obj for obj in _scope(kind, user)}
    seen: dict[tuple, int] = {}
    plan = []  # (row number, stored object or None, values)
    for number, cells in rows:
        values, row_errors = parse_row(spec, position, number, cells, lambda col, raw: parse_cell(col, raw, refs))
        if row_errors or len(values) != len(spec.columns):
            errors += row_errors
            continue
        key = _key(spec, values)
        if key in seen:
            first = spec.columns[1] if kind == "listing" else spec.columns[0]
            errors.append(
                RowError(number, cell_where(position, first), values[first.field], spec.duplicate.format(row=seen[key]))
            )
            continue
        seen[key] = number
        old = stored.get(key)
        if kind == "certification" and old is not None and old.status != ProductCertification.Status.DRAFT:
            if any(getattr(old, k) != v for k, v in values.items()):
                reason = f"「{old.name}」{old.get_status_display()}，不能通过导入修改（退回后为草稿才能修改）"
                errors.append(RowError(number, cell_where(position, spec.columns[1]), values["name"], reason))
                continue
        try:
            services.SIDES[kind].clean(values)
            _permitted(user, old, values[region_field], region_field)
        except ValidationError as exc:
            errors += field_errors(exc, number, position, spec.columns, values)
            continue
        plan.append((number, old, values))

    if errors:
        raise refusal(errors, dry_run=dry_run)
    created = updated = unchanged = 0
    with transaction.atomic():
        for _number, old, values in plan:
            if old is None:
                created += 1
                if not dry_run:
                    getattr(services, f"create_{kind}")(user=user, **values)
                continue
            changes = {k: v for k, v in values.items() if getattr(old, k) != v}
            if not changes:
                unchanged += 1
                continue
            updated += 1
            if not dry_run:
                getattr(services, f"update_{kind}")(user=user, expected_version=old.version, **{kind: old}, **changes)
    verb = "试导入通过" if dry_run else "导入完成"
    tail = "未写入任何数据。" if dry_run else ""
    return {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rows": len(rows),
        "dry_run": dry_run,
        "summary": f"{verb}：共 {len(rows)} 行，{'将' if dry_run else ''}新增 {created} 条、更新 {updated} 条，"
        f"{unchanged} 条无变化。{tail}",
    }


def _ref(obj, name: str):
    return getattr(obj, name.removesuffix("_id")) if name.endswith("_id") else getattr(obj, name)


def _scope(kind: str, user):
    """Open rows the user may change (what an import may update)."""
    if kind == "certification":
        return queries.certifications_for(user, action=scoping.Action.CHANGE)
    if kind == "listing":
        return queries.listings_for(user, status=ListingStatus.OPEN, action=scoping.Action.CHANGE)
    return queries.demands_for(user, status=ListingStatus.OPEN, action=scoping.Action.CHANGE)


def _permitted(user, old, region, field: str) -> None:
    if old is not None and not scoping.can(user, scoping.Action.CHANGE, old):
        raise PermissionDenied
    services._require_region(user, region, field)
