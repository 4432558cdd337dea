"""What the pages open to the public (no sign-in) share: who is asking (``client_address``), the address a poster
points at (``public_url``), the headers of such a page (``public_page``) and rate limits kept in the database
(``check_rate``), so that several web processes and machines count together. The template the pages extend is
``public_base.html``. Knows no domain: the apps say which pages are public and what they limit.
"""

import datetime
import functools
import logging
import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .errors import UserFacingError
from .models import RateCounter
from .pii import digest

log = logging.getLogger(__name__)

ROBOTS = "noindex, nofollow, noarchive"


# ---- who is asking, and where the public reaches the platform --------------------------------------------------


def client_address(request) -> str:
    """The address of the client: the peer's, unless the platform runs behind a reverse proxy it believes
    (``DUIKOU_TRUSTED_PROXY``); then the last address of ``X-Forwarded-For``, the one that proxy appended — the
    address it saw, whatever a client wrote in the header before it. "" when there is none (a Unix socket)."""
    if settings.DUIKOU_TRUSTED_PROXY:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR") or ""


def public_base_url(request) -> str:
    """``https://host[:port]`` at which the public reaches the platform: ``DUIKOU_PUBLIC_BASE_URL``, or, when it is
    not set, the scheme and host of ``request`` (right only when staff and the public use the same address)."""
    return settings.DUIKOU_PUBLIC_BASE_URL or f"{request.scheme}://{request.get_host()}"


def public_url(request, path: str) -> str:
    """The absolute address of ``path`` (as ``reverse`` gives it, starting with "/") for the public: what a poster's
    QR code and printed link carry."""
    if not path.startswith("/"):
        raise ValueError(f"public_url needs a path starting with '/', not {path!r}")
    return public_base_url(request) + path


# ---- the page ---------------------------------------------------------------------------------------------------


BROWSER_SECONDS = 60  # how long a browser may reuse an indexable public page before asking again


def public_page(view=None, *, indexable: bool = False):
    """For a view that anyone may open without signing in. By default its answer is kept out of search engines
    (``X-Robots-Tag``, and the page's robots meta tag) and out of every cache, shared or the browser's
    (``Cache-Control: no-store``, private) — it may show what a villager just typed, or a household's 公示 that runs
    only until a date.

    ``public_page(indexable=True)`` is for the public site's own pages (/public/: the pairings and their published
    results, the same for everyone and meant to be found): no robots header or tag, and the browser may reuse its copy
    for ``BROWSER_SECONDS`` (``Cache-Control: private, max-age=60``). Private, not public: the page carries the
    language switch's CSRF token and is in the visitor's language, so a shared cache (a proxy) must not hand one
    visitor's copy to another; the server's own cache does the sharing.

    The view is marked ``public_page = True`` and ``indexable`` for the route checks (the permission matrix reads
    the marks to know which headers each public route must send); the request carries ``public_indexable`` for the
    template (``public_base.html``)."""
    if view is None:
        return functools.partial(public_page, indexable=indexable)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        request.public_indexable = indexable
        response = view(request, *args, **kwargs)
        if indexable:
            patch_cache_control(response, private=True, max_age=BROWSER_SECONDS)
        else:
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = ROBOTS
        return response

    wrapped.public_page = True
    wrapped.indexable = indexable
    return wrapped


# ---- rate limits ------------------------------------------------------------------------------------------------

DEFAULT_LABELS = {"address": gettext_lazy("该网络地址")}


class RateLimited(UserFacingError):
    """A rate limit refused the hit: ``name`` is the key over its limit, ``retry_after`` the seconds until its window
    ends (for a ``Retry-After`` header); the message says which limit and when to try again."""

    def __init__(self, message: str, *, name: str, retry_after: int):
        super().__init__(message)
        self.name, self.retry_after = name, retry_after


def check_rate(
    scope: str,
    keys: dict[str, str],
    limits: dict[str, tuple[int, int]],
    *,
    labels: dict[str, str] | None = None,
    now: datetime.datetime | None = None,
) -> None:
    """Count one hit of ``scope`` (e.g. "declare") on each key and raise ``RateLimited`` once a key is over its limit.

    ``keys`` names the values counted, e.g. ``{"address": client_address(request), "id": id_number, "village":
    code}``; ``limits`` gives each name ``(most hits, window in seconds)``; ``labels`` each name's words in the
    message ("该身份证号码"; the address has its own). A key whose value is empty is not counted. Windows are fixed
    (aligned to the epoch): a key's count starts again at 0 when its window ends, so a refusal lasts until then at
    most, and a burst across the boundary may reach twice the limit.

    The keys are counted **in the order given, and a hit refused by one key is not counted against the keys after
    it**. Put the narrowest first (the address, then the person, then the village): an address flooding a form is
    refused at its own limit, and only the hits it was allowed count against the village, so one sender cannot use
    up a village's or a person's allowance beyond its own — to lock out a village for a window it takes at least
    (village limit ÷ address limit) addresses. Refused hits still count against the key that refused them (its count
    goes on rising; harmless: the window ends all the same).

    Each key is counted in a transaction of its own (an UPDATE … count + 1, or the first INSERT, whose unique
    constraint settles two first hits at the same moment), so counts are neither lost nor refused twice across
    processes, on SQLite and PostgreSQL. Call it before the work it guards and outside the work's transaction: a
    rollback of that transaction would take the counts with it, and failed attempts must count too.

    Values are stored only as keyed digests (``core.pii.digest``), never as typed.
    """
    now = now or timezone.now()
    labels = {**DEFAULT_LABELS, **(labels or {})}
    for name, value in keys.items():
        if name not in limits:
            raise ValueError(f"check_rate: no limit for key {name!r} of scope {scope!r}")
        if not value:
            continue
        most, seconds = limits[name]
        if most < 1 or seconds < 1:
            raise ValueError(f"check_rate: limit of {name!r} must be at least 1 hit in 1 second, not {limits[name]}")
        start = int(now.timestamp()) // seconds * seconds
        window = datetime.datetime.fromtimestamp(start, tz=datetime.UTC)
        expires = window + datetime.timedelta(seconds=seconds)
        count = _hit(digest(f"{scope}\x1f{name}\x1f{seconds}\x1f{value}"), window, expires)
        if count > most:
            retry_after = max(1, math.ceil((expires - now).total_seconds()))
            message = _("%(what)s提交过于频繁（每 %(window)s至多 %(most)d 次），请 %(when)s后再试。") % {
                "what": labels.get(name, name),
                "window": _duration(seconds),
                "most": most,
                "when": _duration(retry_after),
            }
            log.warning("rate limit of %s refused a hit: %s over %d per %d s", scope, name, most, seconds)  # no value
            raise RateLimited(message, name=name, retry_after=retry_after)


def _hit(key: str, window: datetime.datetime, expires: datetime.datetime) -> int:
    """Add one to the key's count in the window and return the new count."""
    counters = RateCounter.objects.filter(key=key, window=window)
    with transaction.atomic():
        if not counters.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window=window, expires=expires, count=1)
                return 1
            except IntegrityError:  # another process's first hit was inserted first: count on its row
                counters.update(count=F("count") + 1)
        return counters.values_list("count", flat=True).get()


def _duration(seconds: int) -> str:
    """A span in the largest unit that fits, rounded up: "1 小时", "35 分钟", "2 天"."""
    if seconds % 86400 == 0 or seconds > 2 * 86400:
        n, unit = math.ceil(seconds / 86400), "day"
    elif seconds % 3600 == 0 or seconds > 3600:
        n, unit = math.ceil(seconds / 3600), "hour"
    else:
        n, unit = math.ceil(seconds / 60), "minute"
    if unit == "day":
        return ngettext("%(n)d 天", "%(n)d 天", n) % {"n": n}
    if unit == "hour":
        return ngettext("%(n)d 小时", "%(n)d 小时", n) % {"n": n}
    return ngettext("%(n)d 分钟", "%(n)d 分钟", n) % {"n": n}


def purge_rate_counters(*, now: datetime.datetime | None = None) -> int:
    """Delete the counts of windows that have ended (the daily schedule calls this); returns how many."""
    deleted, _by_model = RateCounter.objects.filter(expires__lte=now or timezone.now()).delete()
    return deleted
