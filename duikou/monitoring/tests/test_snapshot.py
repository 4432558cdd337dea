"""The screening snapshot: one set-based statement over the registry gives exactly the table the rules read."""

import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from duikou import testing
from duikou.core.actors import Operator
from duikou.monitoring import engine, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import DepartmentImport, DepartmentSignal, Household

pytestmark = pytest.mark.django_db

D = Decimal


def signal(home: Household, serial: int, kind: str, date: str, amount: str | None = None) -> None:
    member = home.members.first() or services.add_member(
        user=Operator(), household=home, name=home.head_name, id_number=mt.id_number(serial)
    )
    batch = DepartmentImport.objects.get_or_create(
        kind=kind, filename=f"{kind}.csv", source_digest="0" * 64, defaults={"status": "loaded"}
    )[0]
    DepartmentSignal.objects.create(
        member=member,
        household=home,
        kind=kind,
        date=datetime.date.fromisoformat(date),
        amount=None if amount is None else D(amount),
        source_digest="0" * 64,
        batch=batch,
    )


def test_snapshot_of_a_small_registry_is_exactly_the_expected_table(editor):
    full = mt.household(editor, number="full", **mt.ALL_OK)  # checked: every check holds
    mt.income(editor, full, 2025, "30000.50", persons=3, prev="40000", medical="100.25", education="50")
    signal(full, 1, "hospital", "2025-02-01", "1000.10")
    signal(full, 1, "hospital", "2025-11-30", "2000.20")
    signal(full, 1, "disability", "2025-05-05")
    signal(full, 1, "disaster", "2024-12-31", "9000")  # last year's: not in the snapshot's sums
    dry = mt.household(editor, number="dry", water_ok=False, housing_ok=False)  # two failed, three never checked
    mt.income(editor, dry, 2025, "5000", persons=1)
    only_signals = mt.household(editor, number="signals-only")  # nobody has checked it: every check unknown
    signal(only_signals, 2, "job_loss", "2025-09-30")
    signal(only_signals, 2, "job_loss", "2025-10-01")
    signal(only_signals, 2, "hospital", "2025-03-01")  # a hospital stay without an amount: counts 0 元
    last_year = mt.household(editor, number="last-year")
    mt.income(editor, last_year, 2024, "20000", persons=2)
    signal(last_year, 3, "water", "2024-06-01")
    yanan = testing.user("ya_editor", "延安市人民政府", "editor")
    mt.income(yanan, mt.household(yanan, "yanan", number="elsewhere"), 2025, "1000", persons=1)  # another province

    table = engine.snapshot(Household.objects.filter(village__code__startswith="41"), 2025)

    expected = {
        "household_id": [full.pk, dry.pk, only_signals.pk],
        "persons": [3, 1, None],
        "net_income": [D("30000.50"), D("5000.00"), None],
        "prev_net_income": [D("40000.00"), None, None],
        "rigid_expense": [D("150.25"), D("0.00"), None],
        "food_clothing_ok": [True, None, None],
        "education_ok": [True, None, None],
        "medical_ok": [True, None, None],
        "housing_ok": [True, False, None],
        "water_ok": [True, False, None],
        "sig_hospital": [D("3000.30"), D(0), D(0)],
        "sig_disaster": [D(0), D(0), D(0)],
        "sig_disability": [1, 0, 0],
        "sig_job_loss": [0, 0, 2],
        "sig_education": [0, 0, 0],
        "sig_housing": [0, 0, 0],
        "sig_water": [0, 0, 0],
    }
    assert table.schema == engine.SCHEMA
    assert table.equals(pa.table(expected, schema=engine.SCHEMA)), table.to_pylist()


def test_snapshot_takes_only_the_households_the_scoped_queryset_selects(editor):
    inside, outside = mt.household(editor, number="in"), mt.household(editor, number="out")
    for home in (inside, outside):
        mt.income(editor, home, 2025, "8000")
    table = engine.snapshot(Household.objects.exclude(number="out"), 2025)
    assert table["household_id"].to_pylist() == [inside.pk]


def test_the_digest_is_sm3_of_the_whole_ipc_stream():
    """Hashed as it is written, buffer by buffer, the digest is SM3 of the stream's bytes taken whole."""
    import io

    from duikou.core.digests import sm3_hex

    table = pa.concat_tables([engine.SCHEMA.empty_table()] * 2)
    rows = pa.table(
        {f.name: pa.array([None] * 3 if f.name != "household_id" else [1, 2, 3], f.type) for f in engine.SCHEMA},
        schema=engine.SCHEMA,
    )
    for case in (table, rows, pa.concat_tables([rows, rows.slice(1)])):
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, case.schema) as writer:
            writer.write_table(case)
        assert engine.snapshot_digest(case) == sm3_hex(sink.getvalue())
