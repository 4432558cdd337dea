"""Permanent redirects from the addresses a matching subject had under another name, so bookmarks, links and API
clients written against them keep working: a page answers 301, an API route 308 (the method and body are kept, so a
POST stays a POST). Each redirect carries the rest of the path and the query string over unchanged.

A redirect reads and writes nothing, so it needs no scoping: the new address checks the caller as it always does
(listed with its reason in ``duikou.permission_matrix.PUBLIC``)."""

from django.http import HttpResponsePermanentRedirect
from django.urls import re_path

# old prefix → new prefix (both from the site root, without slashes at either end)
MOVED = {
    "api/markets/pairing-review": "api/markets/recommend",
}


def moved(request, old: str, rest: str = ""):
    target = f"/{MOVED[old]}{rest}"
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    return HttpResponsePermanentRedirect(target, preserve_request=old.startswith("api/"))


def moved_path(old: str):
    """The pattern sending ``old`` and everything under it to its new prefix (named ``moved_<old prefix>``)."""
    name = "moved_" + old.replace("/", "_").replace("-", "_")
    return re_path(rf"^{old}(?P<rest>/.*)?$", moved, {"old": old}, name=name)


# Included by duikou/urls.py ahead of the pages and the API, one pattern per moved prefix.
urlpatterns = [moved_path(old) for old in MOVED]
