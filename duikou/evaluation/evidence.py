"""What the records add up to (``indicators.records``: activities, fund transactions, seconded cadres...) beside the
values a run scored on, with a gap flagged where the two differ by more than ``DUIKOU_EVALUATION_RECORD_GAP_SHARE``
of the reported value. Evidence only: a gap is shown on the pairing's page, never changes a score."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from duikou.core.actors import Operator
from duikou.indicators import records

from .models import Score


@dataclass(frozen=True)
class Recorded:
    label: str  # what the records are (活动记录, 资金到位记录 ...)
    total: Decimal
    reported: Decimal | None
    gap: bool
    share: Decimal | None  # |records − reported| ÷ reported; None when nothing was reported

    @property
    def percent(self) -> str:
        return "" if self.share is None else f"{(self.share * 100).quantize(Decimal('1'))}%"


def is_gap(reported: Decimal | None, total: Decimal, limit: Decimal) -> tuple[bool, Decimal | None]:
    """Whether the records differ from the reported value by more than ``limit`` (a share of the reported value); a
    value reported as nothing (or zero) against records that add up to something is a gap."""
    if not reported:
        return total != 0, None
    share = (total - reported).copy_abs() / reported.copy_abs()
    return share > limit, share


def beside_scores(year: int, pairing_id: int, scores: list[Score]) -> dict[int, list[Recorded]]:
    """Per score (by id) of an indicator with records: each source's sum over the evaluated year and the gap flag.
    Read as the system (the whole country), as the run itself reads."""
    coded = [s for s in scores if s.item.indicator_id and s.item.indicator_id in records.sources()]
    if not coded:
        return {}
    found = records.recorded(
        Operator(), pairing=pairing_id, since=datetime.date(year, 1, 1), until=datetime.date(year, 12, 31)
    )
    limit = settings.DUIKOU_EVALUATION_RECORD_GAP_SHARE
    out: dict[int, list[Recorded]] = {}
    for score in coded:
        for label, total in found.get(score.item.indicator_id, []):
            gap, share = is_gap(score.actual, total, limit)
            out.setdefault(score.pk, []).append(Recorded(str(label), total, score.actual, gap, share))
    return out
