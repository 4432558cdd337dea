"""The screening snapshot read outside a transaction (ADBC's binary COPY on PostgreSQL, on a connection of its
own, seeing committed rows) is the one read inside a transaction (COPY on Django's connection)."""

from decimal import Decimal

from duikou.monitoring import engine, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Household

from .test_snapshot import signal


def _small_registry(editor) -> None:
    """Households reaching each part of the statement: a yearly record with last year's, monthly records only,
    departmental signals only."""
    home = mt.household(editor, number="year", water_ok=False)
    mt.income(editor, home, 2025, "30000.55", persons=3, prev="40000", medical="100.25", education="50")
    signal(home, 1, "hospital", "2025-02-01", "1000.10")
    months = mt.household(editor, number="months", **mt.ALL_OK)
    for month in (1, 2, 3, 4):
        services.record_income(
            user=editor, household=months, year=2025, period_kind="month", period=month, persons=2,
            net_income=Decimal("1000.01") * month,
        )  # fmt: skip
    signal(mt.household(editor, number="signals"), 2, "job_loss", "2025-09-30")


def test_the_snapshot_inside_a_transaction_is_the_committed_one(committed_db, editor, monkeypatch):
    """Outside a transaction the snapshot is read by ADBC on PostgreSQL (the COPY-as-CSV path is made to fail, so
    it cannot pass through it), inside one by COPY on Django's connection: both give the same table, byte for byte
    (the same SM3 digest)."""
    from django.db import connection, transaction

    from duikou.core import arrow

    _small_registry(editor)
    households = Household.objects.filter(village__code__startswith="41")
    assert not connection.in_atomic_block
    with monkeypatch.context() as patch:
        patch.setattr(arrow, "_read_copy_csv", None)
        outside = engine.snapshot(households, 2025)
    with transaction.atomic():
        inside = engine.snapshot(households, 2025)
    assert outside.num_rows == 3 and outside.schema == engine.SCHEMA
    assert outside.equals(inside)
    assert engine.snapshot_digest(outside) == engine.snapshot_digest(inside)
