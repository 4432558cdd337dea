"""The frame of every page of the public site (``publication/public/page.html``): its navigation, the 示例数据 notice,
then the page's content, built per request around whatever part of it came from the cache."""

from django.shortcuts import render
from django.utils.safestring import SafeString

from . import site
from .cache import cached


def render_public(
    request, *, title: str, body: SafeString | str, section: str, after: SafeString | str = "", status=200
):
    """The public page ``title`` with ``body`` (HTML our templates rendered) and ``after`` it (the parts rendered for
    this request: forms with their CSRF token), ``section`` marking the navigation."""
    return render(
        request,
        "publication/public/page.html",
        {
            "title": title,
            "body": body,
            "after": after,
            "demo": cached("demo", site.demo_published),
            "section": section,
        },
        status=status,
    )
