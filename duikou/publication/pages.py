"""The public site's page machinery, for every app that adds pages to it (the pairings here, the red-culture
platform): a page's content built once per cache generation and set in the public page per request, and whether any
demo data is on the site (every page then says 示例数据). An app with demo data of its own registers a check with
``register_demo`` (in its ``AppConfig.ready``)."""

from collections.abc import Callable

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .cache import cached

_DEMO_CHECKS: list[Callable[[], bool]] = []
# what other apps show on a pairing's public page: a function of the pairing giving a section's heading and its
# links [(title, url)], or None when it has nothing published for that pairing
_PAIRING_SECTIONS: list[Callable] = []


def register_pairing_section(section: Callable) -> None:
    if section not in _PAIRING_SECTIONS:
        _PAIRING_SECTIONS.append(section)


def pairing_sections(pairing) -> list[tuple[str, list[tuple[str, str]]]]:
    """The other apps' sections of a pairing's public page (heading, [(title, url)])."""
    return [found for section in _PAIRING_SECTIONS if (found := section(pairing))]


def register_demo(check: Callable[[], bool]) -> None:
    """Add a check that answers whether the app shows demo data on the public site."""
    if check not in _DEMO_CHECKS:
        _DEMO_CHECKS.append(check)


def demo_shown() -> bool:
    return any(check() for check in _DEMO_CHECKS)


def show(request, name: str, template: str, build: Callable[[], dict], *, section: str, after=""):
    """The page ``template`` with the context ``build()`` gives (its ``title`` among it), kept in the cache under
    ``name``, in the public site's frame (navigation, the 示例数据 notice); ``after`` it what was rendered for this
    request (a form with its CSRF token)."""

    def page():
        context = build()
        return {"title": str(context["title"]), "body": render_to_string(template, context)}

    content = cached(f"page:{name}", page)
    return frame(request, content["title"], content["body"], section=section, after=after)


def frame(request, title: str, body: str, *, section: str, status: int = 200, after="", **extra):
    """The public page around ``body`` (rendered by our own template, escaped there), per request, with ``after`` it
    what was rendered for this request."""
    context = {
        "title": title,
        "body": mark_safe(body),  # noqa: S308
        "after": after,
        "demo": cached("demo", demo_shown),
        "section": section,
        **extra,
    }
    return render(request, "publication/public/page.html", context, status=status)


def render_public(request, *, title: str, body: str, section: str, after="", status=200):
    """The public page ``title`` with ``body`` (HTML our templates rendered) and ``after`` it (the parts rendered for
    this request: forms with their CSRF token), ``section`` marking the navigation."""
    return frame(request, title, body, section=section, status=status, after=after)
