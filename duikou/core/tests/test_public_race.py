"""Rate limits counted by several processes at the same moment (duikou/core/public.py ``check_rate``): each client
has a connection of its own and every count is committed. The first hits of a key race to insert its row: the unique
(key, window) pair lets one insert win and the others count on its row, so no hit is lost and none fails.
No module-level ``django_db`` mark: these tests use ``committed_db``."""

import datetime

from duikou import testing
from duikou.core.models import RateCounter
from duikou.core.public import RateLimited, check_rate

NOW = datetime.datetime(2026, 5, 20, 10, 15, tzinfo=datetime.UTC)


def hits(limit: int) -> list:
    """Every racing client sends the first hits of one address and one village at the same moment."""

    def prepare(i: int):
        keys = {"address": "203.0.113.7", "village": "411502001001"}
        limits = {"address": (limit, 3600), "village": (100, 3600)}
        return lambda: check_rate("race", keys, limits, now=NOW)

    return testing.race(prepare)


def test_first_hits_at_the_same_moment_are_all_counted(committed_db):
    results = hits(limit=100)
    assert results == [None] * len(results)  # none refused, none failed
    assert sorted(RateCounter.objects.values_list("count", flat=True)) == [len(results)] * 2


def test_of_first_hits_at_the_same_moment_only_the_limit_passes(committed_db):
    results = hits(limit=1)
    assert results.count(None) == 1, results
    assert all(isinstance(r, RateLimited) for r in results if r is not None), results
    address, village = sorted(RateCounter.objects.values_list("count", flat=True), reverse=True)
    assert address == len(results) and village == 1  # refused hits did not count against the village
