"""What the records say beside what a city reports: other apps register, per indicator they feed, a function that
adds up their records of one pairing over a span of dates (recorded activities, a project's dated fund transactions,
seconded cadres by name...). The reporting grid shows the sum beside the reported value, and the evaluation reads
the same sums as evidence and flags a gap between the two.

A source is registered in the app's ``AppConfig.ready``::

    records.register("labour_coop_persons", _("活动记录"), labour_placed)

where ``labour_placed(user, *, pairing, since, until)`` answers a ``Decimal`` (or None when nothing is recorded),
reading through the user's scoping layer (the evaluation reads as ``core.actors.Operator``, the whole country).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Source:
    indicator: str  # the indicator code the records feed
    label: str  # what the records are, as the grid says it ("活动记录", "资金到位记录"...)
    total: Callable[..., Decimal | None]


_SOURCES: dict[str, list[Source]] = {}


def register(indicator: str, label, total: Callable[..., Decimal | None]) -> None:
    sources = _SOURCES.setdefault(indicator, [])
    if not any(s.total is total for s in sources):
        sources.append(Source(indicator, label, total))


def sources() -> dict[str, list[Source]]:
    return _SOURCES


def recorded(user, *, pairing: int, since: datetime.date, until: datetime.date) -> dict[str, list[tuple]]:
    """Per indicator with a source, [(label, sum)] of each source over the pairing's records in [since, until]
    (0 where nothing is recorded: the records then say none)."""
    return {
        code: [
            (source.label, Decimal(str(source.total(user, pairing=pairing, since=since, until=until) or 0)))
            for source in registered
        ]
        for code, registered in _SOURCES.items()
    }
