import importlib.util, sys, random
from decimal import Decimal
import pytest
from duikou.monitoring import engine
from duikou.monitoring.models import Household
from duikou.monitoring.tests import test_snapshot as ts
from duikou.monitoring.tests.test_signals import build as build_signals

pytestmark = pytest.mark.django_db

def old():
    spec = importlib.util.spec_from_file_location("duikou.monitoring._old_engine", "/tmp/oldcmp/old_engine_src.py")
    m = importlib.util.module_from_spec(spec); sys.modules[spec.name] = m; spec.loader.exec_module(m); return m

def test_same_as_old(editor):
    ts.test_snapshot_of_a_small_registry_is_exactly_the_expected_table(editor)
    build_signals(editor)
    from duikou.monitoring import testing as mt
    rng = random.Random(1)
    for i in range(300):
        h = mt.household(editor, number=f"r{i}", water_ok=rng.random() > .1)
        if rng.random() < .9:
            mt.income(editor, h, 2025, f"{rng.uniform(0, 90000):.2f}", persons=rng.randint(1, 6), prev=f"{rng.uniform(0, 90000):.2f}" if rng.random() < .7 else None, medical=f"{rng.uniform(0, 9000):.2f}", education=f"{rng.uniform(0, 9000):.2f}")
    qs = Household.objects.filter(village__code__startswith="41")
    a, b = old().snapshot(qs, 2025, chunk=7), engine.snapshot(qs, 2025)
    assert a.num_rows > 300
    assert a.equals(b)
    assert engine.snapshot_digest(a) == engine.snapshot_digest(b)

@pytest.fixture
def editor():
    from duikou.core import testing
    return testing.user("xy_editor", "信阳市人民政府", "editor")
