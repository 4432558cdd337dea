"""The red-culture platform's public tables (registered with ``publication.opendata`` in ``CultureConfig.ready``):
the published resources and the published routes' stops, as CSV, JSON and through the public API, codes beside labels,
filtered by the publication date."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from duikou.publication.opendata import DEMO, Column, Table, in_range

from . import queries
from .models import Resource


def _resources(start, end):
    for r in queries.public_resources():
        if in_range(r.published_at, start, end):
            yield {
                "id": r.pk,
                "kind": r.kind,
                "kind_label": str(Resource.Kind(r.kind).label),
                "name": r.name,
                "name_en": r.name_en,
                "region_code": r.region_id,
                "region": r.region.full_name,
                "old_area": r.old_area.display_name if r.old_area_id else "",
                "latitude": r.latitude,
                "longitude": r.longitude,
                "protection": r.protection,
                "protection_label": str(Resource.Protection(r.protection).label) if r.protection else "",
                "description": r.description,
                "description_en": r.description_en,
                "sources": " | ".join(r.source_lines),
                "url": reverse("public:culture_resource", args=[r.pk]),
                "published_at": r.published_at.date() if r.published_at else None,
                "demo": int(r.demo),
            }


def _stops(start, end):
    for route in queries.public_routes():
        if not in_range(route.published_at, start, end):
            continue
        for stop in queries.public_stops(route):
            yield {
                "route_id": route.pk,
                "route": route.name,
                "route_en": route.name_en,
                "pairing_code": route.pairing.code,
                "pairing": str(route.pairing),
                "days": route.days,
                "day": stop.day,
                "order": stop.order,
                "resource_id": stop.resource_id,
                "resource": stop.resource.name,
                "region_code": stop.resource.region_id,
                "note": stop.note,
                "published_at": route.published_at.date() if route.published_at else None,
                "demo": int(route.demo),
            }


PUBLISHED = Column("published_at", _("发布日期"), _("审核发布的日期"), "date")
TABLES = [
    Table(
        "culture_resources",
        _("红色文化资源"),
        _("经审核发布的红色文化资源：类别、所在地区和坐标、保护级别、简介和资料来源。"),
        _("发布日期"),
        (
            Column("id", _("资源编号"), _("平台内资源编号"), "number"),
            Column(
                "kind",
                _("类别代码"),
                _("site 革命旧址、纪念设施；relic 革命文物；archive 历史档案；oral 口述史；study_base 研学基地"),
                "code",
            ),
            Column("kind_label", _("类别"), _("类别代码的名称")),
            Column("name", _("名称"), _("资源名称")),
            Column("name_en", _("英文名称"), _("编辑提供的英文名称（如有）")),
            Column("region_code", _("所在地区代码"), _("统计用区划代码"), "code"),
            Column("region", _("所在地区"), _("省、市、县（乡、村）名称")),
            Column("old_area", _("所属革命老区"), _("国发〔2021〕3号所列革命老区")),
            Column("latitude", _("纬度"), _("十进制度数"), "number"),
            Column("longitude", _("经度"), _("十进制度数"), "number"),
            Column("protection", _("保护级别代码"), _("有公布的保护级别时填写"), "code"),
            Column("protection_label", _("保护级别"), _("保护级别代码的名称")),
            Column("description", _("简介"), _("资源简介")),
            Column("description_en", _("英文简介"), _("编辑提供的英文简介（如有）")),
            Column("sources", _("资料来源"), _("以「 | 」分隔"), "list"),
            Column("url", _("公开页面"), _("资源的公开页面地址")),
            PUBLISHED,
            DEMO,
        ),
        _resources,
    ),
    Table(
        "culture_route_stops",
        _("精品线路站点"),
        _("经审核发布的精品线路，每行一个站点：第几天、当天顺序和资源。"),
        _("发布日期"),
        (
            Column("route_id", _("线路编号"), _("平台内线路编号"), "number"),
            Column("route", _("线路名称"), _("精品线路名称")),
            Column("route_en", _("英文名称"), _("编辑提供的英文名称（如有）")),
            Column("pairing_code", _("结对编号"), _("平台内结对关系编号"), "code"),
            Column("pairing", _("结对关系"), _("革命老区方——支持方")),
            Column("days", _("天数"), _("线路天数"), "number"),
            Column("day", _("第几天"), _("站点在第几天"), "number"),
            Column("order", _("当天顺序"), _("站点在当天的顺序"), "number"),
            Column("resource_id", _("资源编号"), _("平台内资源编号"), "number"),
            Column("resource", _("资源"), _("资源名称")),
            Column("region_code", _("所在地区代码"), _("统计用区划代码"), "code"),
            Column("note", _("说明"), _("站点说明")),
            PUBLISHED,
            DEMO,
        ),
        _stops,
    ),
]
