"""`duikou demo-households`: a synthetic registry over real village codes, ID numbers only encrypted."""

import pytest
from django.core.management import call_command
from django.db import connection

from duikou.core import pii
from duikou.geo.models import Region
from duikou.monitoring import demo
from duikou.monitoring.models import Household, IncomeRecord, Member

pytestmark = pytest.mark.django_db


def test_demo_households_creates_n_households_with_encrypted_ids():
    call_command("demo-households", "--n", "25", "--province", "610727", "--seed", "7", verbosity=0)
    households = Household.objects.all()
    assert households.count() == 25
    assert all(h.number.startswith(demo.DEMO_PREFIX) and h.address == demo.DEMO_ADDRESS for h in households)
    # real village codes of 略阳县, loaded from data/geo on demand
    villages = Region.objects.filter(code__in=households.values("village_id"))
    assert all(v.level == "village" and v.code.startswith("610727") for v in villages)
    assert IncomeRecord.objects.filter(household__in=households).count() == 50  # this year and last
    members = list(Member.objects.filter(household__in=households))
    assert len(members) >= 25
    plains = []
    for m in members:
        plain = pii.decrypt(m.id_number_enc)
        assert pii.normalise_id_number(plain) == plain  # check digit holds
        assert plain.startswith("610727") and m.id_number_digest == pii.digest(plain)
        assert m.id_number_masked == pii.mask_id(plain)
        plains.append(plain)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Member._meta.db_table}")
        dump = repr(cursor.fetchall())
    assert not [p for p in plains if p in dump or p.encode() in dump.encode()]


def test_demo_households_are_checked_and_mostly_pass():
    """Demo households are registered as checked: every check is answered (none unknown), and most hold."""
    demo.generate_demo_households(n=200, area="610727", seed=3)
    households = list(Household.objects.all())
    assert not [h for h in households if h.unknown_checks()]
    passing = [h for h in households if not h.failed_checks()]
    assert len(passing) >= 190


def test_demo_households_adds_more_without_clashing():
    demo.generate_demo_households(n=3, area="610727", seed=1)
    demo.generate_demo_households(n=4, area="610727", seed=1, batch_size=2)
    assert Household.objects.count() == 7
    assert Member.objects.values("id_number_digest").distinct().count() == Member.objects.count()
