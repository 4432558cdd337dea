"""The registry of the public site's entries: every page of /public/ that stands for one thing (a pairing; later a
red-culture resource, a route, a region), with what the site search matches and what the sitemap lists.

An app adds its entries by registering a *provider*, a function without arguments that returns the entries public
right now, in the current language, from its ``AppConfig.ready``::

    from duikou.publication import entries

    def red_culture_entries():
        for r in public_resources():  # only what is public now, read fresh on every call
            yield entries.Entry(
                kind="resource",
                key=f"resource:{r.pk}",
                url=reverse("redculture:resource", args=[r.pk]),
                title=r.display_name,
                text=" ".join([r.summary, r.place]),
                lastmod=r.updated_at.date(),
            )

    class RedCultureConfig(AppConfig):
        def ready(self):
            entries.register(red_culture_entries)

The contract:

- ``kind`` is one of ``KINDS``; ``key`` is unique on the whole site (prefix it with the kind); ``url`` is the page's
  path (``reverse(...)``), not a full address — the sitemap adds the public base address.
- ``title`` and ``text`` are what the page itself shows, in the current language, and nothing more: the search
  matches them and shows the title, so a word that is not on the page must not find it. Never a person's name,
  phone or note (docs/public.md).
- ``lastmod`` is the day the page's content last changed, or None when unknown (the sitemap then leaves it out).
- ``time_limited`` marks a page that is public only for a while (a notice that runs until a date): it is searchable
  while it is public but is never put in the sitemap.
- A provider is called once per cache generation and language (``cache.cached``): the search index and the sitemap
  are built from ``all_entries()`` and rebuilt after every publication or withdrawal, which raise the generation. An
  app whose entries change by another path (not through ``publication.services``) must raise the generation too
  (``publication.services.bump_generation()``, in the transaction of its change), or its change shows only when
  the cached copy expires (``DUIKOU_PUBLIC_CACHE_SECONDS``).
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

KINDS = ("pairing", "resource", "route", "region")


@dataclass(frozen=True)
class Entry:
    kind: str
    key: str
    url: str
    title: str
    text: str
    lastmod: datetime.date | None
    time_limited: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"public entry {self.key!r}: kind {self.kind!r} is not one of {KINDS}")
        if not self.url.startswith("/"):
            raise ValueError(f"public entry {self.key!r}: url {self.url!r} must be a path starting with '/'")


_providers: list[Callable[[], Iterable[Entry]]] = []


def register(provider: Callable[[], Iterable[Entry]]) -> Callable[[], Iterable[Entry]]:
    """Add ``provider`` to the site's entries (once: registering it again changes nothing). Returns it, so that it may
    be used as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def all_entries() -> list[Entry]:
    """Every entry of every provider, in the order the providers were registered; a key given twice is an error."""
    out: list[Entry] = []
    seen: dict[str, Callable] = {}
    for provider in _providers:
        for entry in provider():
            if entry.key in seen:
                raise ValueError(f"public entry key {entry.key!r} given by {seen[entry.key]!r} and {provider!r}")
            seen[entry.key] = provider
            out.append(entry)
    return out
