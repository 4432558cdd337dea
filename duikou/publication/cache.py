"""The public site's cache: what a page, a table or an API answer shows is built once and kept in Django's cache
under a key that carries the site's generation (``Generation``), read from the database on every request. A
publication or a withdrawal raises the generation in its own transaction, so the next request of every process, on
every machine, looks under a new key and builds anew: a withdrawn item is gone everywhere at once, whatever each
process kept. Entries also expire after ``DUIKOU_PUBLIC_CACHE_SECONDS``, which bounds how long an edit of an item
already published (a project's investment) takes to show.

Only what every visitor sees alike is kept (no form, no CSRF token, no message): the page around it is rendered per
request.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from .models import Generation
from .services import PUBLIC

T = TypeVar("T")


def generation() -> int:
    return Generation.objects.filter(name=PUBLIC).values_list("number", flat=True).first() or 0


def cached(name: str, build: Callable[[], T]) -> T:
    """``build()``'s value for ``name`` (a page's path and query, a table and its filter) in the current language,
    from the cache when the site's generation has not changed since it was built."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    key = f"duikou:public:{generation()}:{get_language()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.DUIKOU_PUBLIC_CACHE_SECONDS)
    return value
