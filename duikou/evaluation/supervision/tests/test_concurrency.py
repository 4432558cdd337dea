"""Officials issuing notices to several pairings at the same moment (docs/security.md, 并发写入): the national overseer
from the national run and 河南 from its own run number in one series of the year. Each racing client has its own
thread and database connection (``duikou.testing.race``); on PostgreSQL the year's series is held by an advisory lock
while a batch is numbered, on SQLite the write lock queues them. Nobody gets a server error, no number is given
twice, and each batch's numbers are consecutive."""

import datetime
import re
from collections import defaultdict

import pytest
from django.utils import timezone

from duikou import testing
from duikou.evaluation.models import Notice
from duikou.evaluation.testing import published_run, supervision_people


@pytest.fixture
def who(committed_db):
    return supervision_people()


def test_batches_issued_at_once_get_consecutive_numbers_of_their_own(who):
    national = [testing.pairing(*p) for p in (("信阳市", "苏州市"), ("延安市", "无锡市"), ("赣州市", "深圳市"))]
    xinyang = national[0]
    runs = {
        "ndrc": (published_run(who["ndrc"], [(p, "55", "poor") for p in national], year=2024), national),
        "henan": (published_run(who["henan"], [(xinyang, "55", "poor")], province="410000", year=2024), [xinyang]),
    }
    deadline = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()

    def prepare(i: int):
        issuer = "ndrc" if i % 2 == 0 else "henan"
        run, pairings = runs[issuer]
        client = testing.logged_in(who[issuer])
        data = {
            "pairings": [p.pk for p in pairings],
            "finding": f"问题{i}",
            "measures_required": "整改要求",
            "deadline": deadline,
        }
        return lambda: client.post(f"/evaluation/notices/new/batch/?run={run.pk}", data)

    results = testing.race(prepare)
    assert {getattr(r, "status_code", repr(r)) for r in results} == {302}, testing.statuses(results)
    notices = list(Notice.objects.filter(run__in=[r for r, _p in runs.values()]).values_list("batch", "number"))
    expected = sum(len(runs["ndrc" if i % 2 == 0 else "henan"][1]) for i in range(len(results)))
    assert len(notices) == expected == len({number for _b, number in notices})  # one winner for each number
    by_batch = defaultdict(list)
    for batch, number in notices:
        by_batch[batch].append(int(re.search(r"〕(\d+)号", number).group(1)))
    assert len(by_batch) == len(results)
    for numbers in by_batch.values():
        numbers.sort()
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers  # consecutive within a batch
