"""Two runs of a scheme side by side: per pairing its total, rank and grade in each, and each item's change (the
page and API that compare a re-run with the run before it). With a user, only the results and scores they may see
count, read through ``queries``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from duikou.pairings.models import Pairing

from . import queries
from .models import Item, Result, Run, Score


@dataclass
class ItemChange:
    item: Item
    before: Decimal | None
    after: Decimal | None

    @property
    def delta(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class PairingChange:
    """One pairing in two runs: ``before`` is the earlier run's result, ``after`` the later one's."""

    pairing: Pairing
    before: Result | None
    after: Result | None
    items: list[ItemChange] = field(default_factory=list)

    @property
    def total_delta(self) -> Decimal | None:
        if self.before is None or self.after is None or self.before.total is None or self.after.total is None:
            return None
        return self.after.total - self.before.total

    @property
    def rank_delta(self) -> int | None:
        """Places gained (positive) or lost (negative)."""
        if self.before is None or self.after is None or self.before.rank is None or self.after.rank is None:
            return None
        return self.before.rank - self.after.rank

    @property
    def grade_changed(self) -> bool:
        return self._mark(self.before) != self._mark(self.after)

    @staticmethod
    def _mark(result: Result | None) -> tuple | None:
        """What the grade column shows: the grade and the reporting status beside it."""
        return (result.grade, result.reporting) if result else None

    @property
    def changed(self) -> bool:
        return (
            bool(self.total_delta) or bool(self.rank_delta) or self.grade_changed or any(i.changed for i in self.items)
        )


def compare_runs(a: Run, b: Run, *, user=None) -> list[PairingChange]:
    """Per pairing, the total, rank and grade in both runs and the change of each item's score.

    The earlier run (lower number) is "before". With ``user`` only the results and scores they may see count.
    """
    if a.scheme_id != b.scheme_id:
        raise ValidationError("只能比较同一评估方案的两次评估")
    before, after = sorted((a, b), key=lambda r: r.number)

    def results(run):
        if user is not None:
            return {r.pairing_id: r for r in queries.results_for(user, run)}
        qs = Result.objects.filter(run=run).select_related("pairing__old_region", "pairing__partner_region")
        return {r.pairing_id: r for r in qs}

    def scores(run):
        qs = Score.objects.filter(run=run) if user is None else queries.scores_for(user, run)
        return {(pid, item_id): score for pid, item_id, score in qs.values_list("pairing_id", "item_id", "score")}

    r_before, r_after = results(before), results(after)
    s_before, s_after = scores(before), scores(after)
    items = list(Item.objects.filter(scheme_id=a.scheme_id).select_related("key_task").order_by("order", "pk"))
    out = []
    for pid in set(r_before) | set(r_after):
        pairing = (r_after.get(pid) or r_before.get(pid)).pairing
        changes = [
            ItemChange(item, s_before.get((pid, item.pk)), s_after.get((pid, item.pk)))
            for item in items
            if (pid, item.pk) in s_before or (pid, item.pk) in s_after
        ]
        out.append(PairingChange(pairing, r_before.get(pid), r_after.get(pid), changes))
    out.sort(key=lambda c: (c.after.rank if c.after and c.after.rank else 10**6, c.pairing.code))
    return out
