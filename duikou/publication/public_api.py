"""The public read-only JSON API (/public/api/): the open data's tables and the public pairings, with its own OpenAPI
document at /public/api/openapi.json — separate from the internal API (/api/, signed in). No sign-in; every call
counts against the caller's address (``core.public.check_rate``) and answers 429 with ``Retry-After`` beyond the
limit. Reads the same definitions as the downloads (``opendata``) and the pages (``site``), through the same cache."""

import datetime
import json

from django.http import Http404, JsonResponse
from django.utils.cache import add_never_cache_headers
from ninja import Field, NinjaAPI, Query, Schema, Status

from duikou.core.public import ROBOTS, RateLimited

from . import opendata, site
from .cache import cached
from .public_views import limit, table_content


def _public_docs(view):
    """The OpenAPI document is public like the rest: the public page's headers, counted like every call."""
    from functools import wraps

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            limit(request)
        except RateLimited as exc:
            response = JsonResponse({"detail": str(exc)}, status=429, json_dumps_params={"ensure_ascii": False})
            response["Retry-After"] = str(exc.retry_after)
        else:
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = ROBOTS
        return response

    return wrapped


class PublicAPI(NinjaAPI):
    def create_response(self, request, data, *args, **kwargs):
        response = super().create_response(request, data, *args, **kwargs)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = ROBOTS
        return response


public_api = PublicAPI(
    title="duikou public API / 对口合作公开数据接口",
    version="1",
    description="Read-only open data of the pairing cooperation: the public pairings and each open-data table "
    "(codes with their labels). No sign-in; rate-limited per address (429 with Retry-After). "
    "只读：公开的结对关系和各开放数据表（代码与名称并列）；无需登录，按访问地址限制频次。",
    urls_namespace="public_api",
    docs_url=None,
    openapi_url="/openapi.json",
    docs_decorator=_public_docs,
    auth=None,
)


@public_api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    response = public_api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


class ErrorOut(Schema):
    detail: str | list[str]


class ColumnOut(Schema):
    key: str
    label: str
    description: str
    type: str = Field(description="text, number, date, code or list (codes separated by ;)")


class TableOut(Schema):
    name: str
    title: str
    description: str
    date: str = Field(description="what the start/end filter applies to")
    columns: list[ColumnOut]


class RowsOut(Schema):
    table: str
    title: str
    columns: list[dict]
    start: str | None = None
    end: str | None = None
    rows: list[dict]


class Dates(Schema):
    start: datetime.date | None = Field(None, description="first date, e.g. 2025-01-01 (what the table's date is)")
    end: datetime.date | None = Field(None, description="last date, e.g. 2025-12-31")


class SideOut(Schema):
    code: str
    name: str


class PairingOut(Schema):
    id: int
    code: str
    level: str
    level_label: str
    old_region: SideOut
    partner_region: SideOut
    old_area: str
    start_year: int
    end_year: int
    url: str


def _table(t: opendata.Table) -> dict:
    return {
        "name": t.name,
        "title": str(t.title),
        "description": str(t.description),
        "date": str(t.date),
        "columns": [
            {"key": c.key, "label": str(c.label), "description": str(c.description), "type": c.kind} for c in t.columns
        ],
    }


@public_api.get(
    "/tables",
    response={200: list[TableOut], 429: ErrorOut},
    summary="The open-data tables and their columns / 开放数据表",
)
def public_tables(request):
    limit(request)
    return cached("api:tables", lambda: [_table(t) for t in opendata.TABLES.values()])


@public_api.get(
    "/tables/{name}",
    response={200: RowsOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="One table's rows, optionally from/to a date / 某表的数据",
)
def public_table_rows(request, name: str, dates: Query[Dates]):
    table = opendata.TABLES.get(name)
    if table is None:
        return Status(404, {"detail": "no such table / 没有这个表"})
    if dates.start and dates.end and dates.start > dates.end:
        return Status(422, {"detail": "start is after end / 起始日期晚于截止日期"})
    limit(request)
    return json.loads(table_content(table, dates.start, dates.end, "json"))


def _pairing(p) -> dict:
    from django.urls import reverse

    return {
        "id": p.pk,
        "code": p.code,
        "level": p.level,
        "level_label": str(p.get_level_display()),
        "old_region": {"code": p.old_region_id, "name": p.old_region.display_name},
        "partner_region": {"code": p.partner_region_id, "name": p.partner_region.display_name},
        "old_area": p.old_area.display_name if p.old_area_id else "",
        "start_year": p.start_year,
        "end_year": p.end_year,
        "url": reverse("public:pairing", args=[p.pk]),
    }


@public_api.get(
    "/pairings", response={200: list[PairingOut], 429: ErrorOut}, summary="The public pairings / 公开的结对关系"
)
def public_pairings(request):
    limit(request)
    return cached("api:pairings", lambda: [_pairing(p) for p in site.public_pairings()])


@public_api.get(
    "/pairings/{pairing_id}",
    response={200: PairingOut, 404: ErrorOut, 429: ErrorOut},
    summary="One public pairing / 某个结对关系",
)
def public_pairing(request, pairing_id: int):
    limit(request)
    try:
        return cached(f"api:pairing:{pairing_id}", lambda: _pairing(site.public_pairing(pairing_id)))
    except Http404:
        return Status(404, {"detail": "no such public pairing / 没有这个公开的结对关系"})
