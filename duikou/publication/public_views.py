"""The public site's pages (/public/, no sign-in): the pairings on the national map and in a list, each pairing's
page, the open data's column dictionary and its downloads, the site search, the sitemap and ``/robots.txt``. Each
page's content is built from the public reads (``site``, ``entries``) once per cache generation (``cache.cached``)
and set in the public page (``public_base.html``) per request. The pages meant to be found carry
``public_page(indexable=True)`` (no robots header, a browser may keep them a minute); the search results and the
downloads keep the default (``noindex``, ``no-store``): docs/public.md says why."""

import datetime
import json
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duikou.core.exports import CSV, csv_bytes
from duikou.core.listviews import page_context
from duikou.core.public import RateLimited, check_rate, client_address, public_base_url, public_page

from . import entries, feedback, opendata, search, site
from .cache import cached
from .feedback.public_views import section as feedback_section
from .pages import frame, render_public, show

SEARCH_PAGE_SIZE = 10


@public_page(indexable=True)
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


@public_page(indexable=True)
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


@public_page(indexable=True)
def pairing(request, pk: int):
    subject = feedback.resolve("pairing", pk)
    if subject is None:
        raise Http404("no public pairing")

    def build():
        context = site.pairing_page(site.public_pairing(pk))
        return {**context, "title": str(context["pairing"])}

    after = feedback_section(request, subject)
    return show(request, f"pairing:{pk}", "publication/public/pairing.html", build, section="pairings", after=after)


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


@public_page(indexable=True)
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


@public_page
def search_page(request):
    """The site search (``search``): one page of the entries matching ``q``, or what is wrong with ``q``. Not kept in
    the cache (every query differs) but read from the entries kept there; not for search engines."""
    query = request.GET.get("q", "")
    title = _("搜索")
    try:
        hits = search.search(query)
    except search.BadQuery as exc:
        body = render_to_string("publication/public/search.html", {"q": query, "problem": str(exc)}, request=request)
        return frame(
            request, title, body, section="search", q=query[: search.MAX_QUERY], status=400 if query.strip() else 200
        )
    context = page_context(request, hits, SEARCH_PAGE_SIZE, q=query)
    context["rows"] = [(hit, KIND_LABELS.get(hit.entry.kind, "")) for hit in context["page_obj"]]
    body = render_to_string("publication/public/search.html", context, request=request)
    return frame(request, _("“%(q)s”的搜索结果") % {"q": query.strip()}, body, section="search", q=query)


# what the search results call each kind of entry (``entries.KINDS``)
KIND_LABELS = {
    "pairing": gettext_lazy("结对关系"),
    "resource": gettext_lazy("红色文化资源"),
    "route": gettext_lazy("精品线路"),
    "region": gettext_lazy("地区"),
}


def _fixed_pages() -> list[tuple[str, None]]:
    """The public site's pages that are not entries, in the sitemap (the search is not: its results are not pages)."""
    return [(reverse(name), None) for name in ("public:index", "public:pairings", "public:data")]


@public_page(indexable=True)
def sitemap(request):
    """The sitemap (sitemaps.org 0.9): the fixed pages and every entry that is not time-limited, at the public base
    address (``DUIKOU_PUBLIC_BASE_URL``). A small view rather than django.contrib.sitemaps: the entries come from the
    registry through the generation cache, and the address is the public one, not the request's host."""

    def build() -> str:
        pages = _fixed_pages() + [(e.url, e.lastmod) for e in entries.all_entries() if not e.time_limited]
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        ]
        for path, lastmod in pages:
            day = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
            lines.append(f"<url><loc>{escape(base + path)}</loc>{day}</url>")
        lines.append("</urlset>")
        return "\n".join(lines) + "\n"

    base = public_base_url(request)
    return HttpResponse(cached(f"sitemap:{base}", build), content_type="application/xml; charset=utf-8")


@public_page(indexable=True)
def robots(request):
    """``/robots.txt``: crawlers may read the public site (not its search results or its API) and nothing else of the
    platform (the sign-in, the staff pages, the households' declaration and 公示 pages); the sitemap's address."""
    lines = [
        "User-agent: *",
        "Allow: /public/",
        f"Disallow: {reverse('public:search')}",
        "Disallow: /public/api/",
        "Disallow: /",
        "",
        f"Sitemap: {public_base_url(request)}{reverse('public:sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# ---- regions: province → city → county → township → village ------------------------------------------------------

REGION_PAGE = 100  # children listed per page (a county has hundreds of villages under its townships)


def _region_children(request, region, code: str) -> str:
    """The list of the regions under ``region``, one page, filtered by ``q``: kept in the cache unless filtered."""
    q = request.GET.get("q", "").strip()[:30]
    raw = request.GET.get("page", "1")
    number = raw if raw.isdigit() and len(raw) <= 4 else "1"

    def build() -> str:
        page, querystring = paginate_page(site.region_children(region, q), number, REGION_PAGE, q=q)
        action = reverse("public:region", args=[code]) if region else reverse("public:regions")
        return render_to_string(
            "publication/public/region_children.html",
            {"region": region, "page_obj": page, "querystring": querystring, "q": q, "action": action},
        )

    return build() if q else cached(f"region:{code}:children:{number}", build)


def paginate_page(qs, number: str, per_page: int, **params):
    """Page ``number`` of ``qs`` and the query string that keeps ``params`` across pages."""
    page = Paginator(qs, per_page).get_page(number)
    return page, urlencode({k: v for k, v in params.items() if v})


@public_page
def regions(request):
    def head():
        return render_to_string("publication/public/region_head.html", {"region": None})

    body = render_to_string(
        "publication/public/region.html",
        {
            "head": mark_safe(cached("region:index:head", head)),  # noqa: S308 (our own template)
            "children": mark_safe(_region_children(request, None, "index")),  # noqa: S308
        },
    )
    return render_public(request, title=_("地区"), body=mark_safe(body), section="regions")  # noqa: S308


@public_page
def region(request, code: str):
    """A region's page: where it sits, the public pairings involving it, the 公示/公告 running today in its villages
    (read per request: they depend on the day), a village's self-declaration page, and the regions under it."""
    place = site.public_region(code)

    def head():
        return render_to_string(
            "publication/public/region_head.html",
            {"region": place, "ancestors": place.ancestors(), "pairings": list(site.region_pairings(place))},
        )

    today = timezone.localdate()
    notices, more = site.running_notices(place, today)
    body = render_to_string(
        "publication/public/region.html",
        {
            "region": place,
            "head": mark_safe(cached(f"region:{code}:head", head)),  # noqa: S308 (our own template)
            "children": mark_safe(_region_children(request, place, code)) if place.level != "village" else "",  # noqa: S308
            "notices": notices,
            "more_notices": more,
            "today": today,
        },
    )
    return render_public(request, title=place.display_name, body=mark_safe(body), section="regions")  # noqa: S308
