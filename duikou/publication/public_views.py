"""The public site's pages (/public/, no sign-in): the pairings on the national map and in a list, each pairing's
page, the open data's column dictionary and its downloads. Each page's content is built from the public reads
(``site``) once per cache generation (``cache.cached``) and set in the public page (``public_base.html``) per
request; every answer carries the public page's headers (``core.public.public_page``)."""

import datetime
import json

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from duikou.core.exports import CSV, csv_bytes
from duikou.core.public import RateLimited, check_rate, client_address, public_page

from . import opendata, site
from .cache import cached
from .pages import show


@public_page
def index(request):
    def build():
        pairings = list(site.public_pairings())
        return {
            "title": _("对口合作信息公开"),
            "national": sum(1 for p in pairings if p.level == "national"),
            "province": sum(1 for p in pairings if p.level == "province"),
            "tables": opendata.TABLES.values(),
        }

    return show(request, "index", "publication/public/index.html", build, section="index")


@public_page
def pairings(request):
    def build():
        pairings = list(site.public_pairings())
        return {
            "title": _("结对关系"),
            "national": [p for p in pairings if p.level == "national"],
            "province": [p for p in pairings if p.level == "province"],
            "map": site.map_data(pairings),
        }

    return show(request, "pairings", "publication/public/pairings.html", build, section="pairings")


@public_page
def pairing(request, pk: int):
    def build():
        context = site.pairing_page(site.public_pairing(pk))
        return {**context, "title": str(context["pairing"])}

    return show(request, f"pairing:{pk}", "publication/public/pairing.html", build, section="pairings")


def _dates(request) -> tuple[datetime.date | None, datetime.date | None, list[str]]:
    """The ``start`` and ``end`` dates of the query (either may be left out), and what is wrong with them."""
    errors, out = [], []
    for name, label in (("start", _("起始日期")), ("end", _("截止日期"))):
        raw = request.GET.get(name, "").strip()
        try:
            day = parse_date(raw) if raw else None
        except ValueError:
            day = None
        if raw and day is None:
            errors.append(_("%(what)s「%(value)s」不是日期，请写成 2025-01-31。") % {"what": label, "value": raw[:20]})
        out.append(day)
    start, end = out
    if start and end and start > end:
        errors.append(_("起始日期晚于截止日期。"))
    return start, end, errors


@public_page
def data(request):
    def build():
        return {"title": _("开放数据"), "tables": opendata.TABLES.values()}

    return show(request, "data", "publication/public/data.html", build, section="data")


def limit(request) -> None:
    """One hit of the open data (downloads and the API) for the caller's address: ``RateLimited`` beyond the limit."""
    check_rate(
        "public_data",
        {"address": client_address(request)},
        {"address": (settings.DUIKOU_PUBLIC_API_PER_MINUTE, 60)},
    )


def table_or_404(name: str) -> opendata.Table:
    table = opendata.TABLES.get(name)
    if table is None:
        raise Http404("no such table")
    return table


def table_content(table: opendata.Table, start, end, fmt: str) -> bytes:
    """The table's rows in [start, end] as CSV (a header of labels, then the column keys) or JSON, cached."""

    def build() -> bytes:
        rows = opendata.rows(table, start, end)
        if fmt == "csv":
            header = [str(c.label) for c in table.columns]
            return csv_bytes(header, ([opendata.json_value(r[c.key]) for c in table.columns] for r in rows))
        body = {
            "table": table.name,
            "title": str(table.title),
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
            "columns": [{"key": c.key, "label": str(c.label), "type": c.kind} for c in table.columns],
            "rows": [{k: opendata.json_value(v) for k, v in r.items()} for r in rows],
        }
        return json.dumps(body, ensure_ascii=False).encode()

    return cached(f"table:{table.name}:{fmt}:{start}:{end}", build)


@public_page
def download(request, name: str, fmt: str):
    table = table_or_404(name)
    start, end, errors = _dates(request)
    if errors:
        return JsonResponse({"detail": errors}, status=422, json_dumps_params={"ensure_ascii": False})
    try:
        limit(request)
    except RateLimited as exc:
        response = JsonResponse({"detail": str(exc)}, status=429, json_dumps_params={"ensure_ascii": False})
        response["Retry-After"] = str(exc.retry_after)
        return response
    content = table_content(table, start, end, fmt)
    response = HttpResponse(content, content_type=CSV if fmt == "csv" else "application/json; charset=utf-8")
    span = f"_{start or ''}_{end or ''}" if start or end else ""
    response["Content-Disposition"] = f'attachment; filename="duikou-{table.name}{span}.{fmt}"'
    return response
