"""The red-culture platform on the public site (/public/culture/, no sign-in): the catalogue on the map and in a list,
each resource with its media, sources and the 研学 activities that visited it, the 精品线路 with their days and stops
drawn on the map, and the media files themselves. Only published items show; each page is kept in the public site's
cache (``publication.pages.show``), so a takedown is gone from every process at once."""

import os
import re

from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from duikou.core.public import public_page
from duikou.publication import feedback
from duikou.publication.feedback.public_views import section as feedback_section
from duikou.publication.pages import show

from . import queries
from .models import Resource

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _point(resource: Resource) -> dict:
    return {
        "name": resource.display_name,
        "kind": resource.get_kind_display(),
        "url": reverse("public:culture_resource", args=[resource.pk]),
        "coord": [float(resource.longitude), float(resource.latitude)],
    }


@public_page
def catalogue(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in Resource.Kind.values else ""

    def build():
        resources = list(queries.public_resources(kind=kind))
        routes = list(queries.public_routes())
        return {
            "title": _("红色文化数字化传播平台"),
            "resources": resources,
            "routes": routes,
            "kinds": Resource.Kind.choices,
            "kind": kind,
            "map": {"points": [_point(r) for r in resources], "routes": []},
        }

    return show(request, f"culture:{kind}", "culture/public/catalogue.html", build, section="culture")


@public_page
def resource(request, pk: int):
    def build():
        item = queries.public_resource(pk)
        if item is None:
            raise Http404("no such resource")
        return {
            "title": item.display_name,
            "item": item,
            "media": queries.public_media(item),
            "visits": queries.public_visits(item),
            "routes": list(queries.public_routes().filter(stops__resource=item).distinct()),
            "map": {"points": [_point(item)], "routes": []},
        }

    subject = feedback.resolve("resource", pk)
    after = feedback_section(request, subject) if subject else ""
    return show(
        request, f"culture:resource:{pk}", "culture/public/resource.html", build, section="culture", after=after
    )


@public_page
def route(request, pk: int):
    def build():
        item = queries.public_route(pk)
        if item is None:
            raise Http404("no such route")
        stops = queries.public_stops(item)
        days = {}
        for stop in stops:
            days.setdefault(stop.day, []).append(stop)
        line = [[float(s.resource.longitude), float(s.resource.latitude)] for s in stops]
        return {
            "title": item.display_name,
            "item": item,
            "days": sorted(days.items()),
            "map": {
                "points": [_point(s.resource) | {"label": f"D{s.day}-{s.order}"} for s in stops],
                "routes": [{"name": item.display_name, "coords": line}] if len(line) > 1 else [],
            },
        }

    return show(request, f"culture:route:{pk}", "culture/public/route.html", build, section="culture")


@public_page
def medium(request, pk: int):
    """A published resource's file, with byte ranges (phones seek in audio and video by them, and Safari asks for a
    range before it plays at all)."""
    item = queries.public_medium(pk)
    if item is None:
        raise Http404("no such file")
    handle = item.file.open("rb")
    size = item.size
    match = RANGE.match(request.headers.get("Range", "").strip())
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        if start >= size or start > end:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle.seek(start)
        data = handle.read(end - start + 1)
        handle.close()
        response = HttpResponse(data, status=206, content_type=item.content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(handle, content_type=item.content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    extension = os.path.splitext(item.file.name)[1]
    response["Content-Disposition"] = f'inline; filename="duikou-{item.pk}{extension}"'
    return response
