"""What the records say beside what a city reports: other apps register, per indicator they feed, a function that
adds up their records of one pairing over a span of dates (recorded activities, a project's dated fund transactions,
seconded cadres by name...). The reporting grid shows the sum beside the reported value, and the evaluation reads
the same sums as evidence and flags a gap between the two.

A source is registered in the app's ``AppConfig.ready``::

    records.register("labour_coop_persons", _("活动记录"), labour_placed)

where ``labour_placed(user, *, pairing, since, until)`` answers a ``Decimal`` (or None when nothing is recorded),
reading through the user's scoping layer (the evaluation reads as ``core.actors.Operator``, the whole country).

A source may also answer per option of the indicator's breakdown (``分类明细``)::

    records.register("labour_coop_persons", _("就业安置记录"), None, by_option=placed_by_group)

where ``placed_by_group(user, *, pairing, since, until)`` answers ``{option code: Decimal}``; the grid shows each
option's sum beside its sub-row. With ``total`` None the total is the sum of the options (they are exhaustive). A
source without ``by_option`` says nothing per option.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Source:
    indicator: str  # the indicator code the records feed
    label: str  # what the records are, as the grid says it ("活动记录", "资金到位记录"...)
    total: Callable[..., Decimal | None] | None  # None: the sum of ``by_option`` (its options are exhaustive)
    by_option: Callable[..., dict] | None = None  # {option code: Decimal} over the same records

    def sums(self, user, **span) -> tuple[Decimal, dict[str, Decimal] | None]:
        """(total, {option: sum} or None) over the records in the span, each function called once."""
        per = None
        if self.by_option is not None:
            per = {option: Decimal(str(n or 0)) for option, n in (self.by_option(user, **span) or {}).items()}
        total = self.total(user, **span) if self.total is not None else sum((per or {}).values(), Decimal(0))
        return Decimal(str(total or 0)), per


_SOURCES: dict[str, list[Source]] = {}


def register(
    indicator: str,
    label,
    total: Callable[..., Decimal | None] | None,
    *,
    by_option: Callable[..., dict] | None = None,
) -> None:
    if total is None and by_option is None:
        raise ValueError(f"records source for {indicator}: give total, by_option or both")
    sources = _SOURCES.setdefault(indicator, [])
    key = total or by_option
    if not any((s.total or s.by_option) is key for s in sources):
        sources.append(Source(indicator, label, total, by_option))


def sources() -> dict[str, list[Source]]:
    return _SOURCES


def recorded(user, *, pairing: int, since: datetime.date, until: datetime.date) -> dict[str, list[tuple]]:
    """Per indicator with a source, [(label, sum)] of each source over the pairing's records in [since, until]
    (0 where nothing is recorded: the records then say none)."""
    return recorded_with_options(user, pairing=pairing, since=since, until=until)[0]


def recorded_by_option(
    user, *, pairing: int, since: datetime.date, until: datetime.date
) -> dict[str, list[tuple[str, dict[str, Decimal]]]]:
    """Per indicator with a source answering per option, [(label, {option code: sum})] of each such source over the
    pairing's records in [since, until] (an option the answer does not name has none: 0)."""
    return recorded_with_options(user, pairing=pairing, since=since, until=until)[1]


def recorded_with_options(user, *, pairing: int, since: datetime.date, until: datetime.date) -> tuple[dict, dict]:
    """Both of the above, each source's functions called once: what the reporting grid shows."""
    totals: dict[str, list[tuple]] = {}
    per_option: dict[str, list[tuple]] = {}
    for code, registered in _SOURCES.items():
        totals[code] = []
        for source in registered:
            total, per = source.sums(user, pairing=pairing, since=since, until=until)
            totals[code].append((source.label, total))
            if per is not None:
                per_option.setdefault(code, []).append((source.label, per))
    return totals, per_option
