"""The demo county: users at three levels, a small registry and cases at different steps, so the procedure can be
walked with different hands."""

import pytest
from django.core.management import call_command

from duikou.accounts.models import User
from duikou.monitoring import demo
from duikou.monitoring.models import Alert, Household
from duikou.monitoring.workflow import WORKFLOW, Level, user_level

pytestmark = pytest.mark.django_db


def test_demo_front_line_has_hands_at_each_level_and_cases_to_walk(capsys):
    call_command("demo-monitoring")  # the command make run calls prints the accounts
    out = capsys.readouterr().out
    assert "xg_cadre1" in out and "hc_county" in out and "DEMO ONLY" in out
    households = Household.objects.filter(number__startswith="DEMO-XG-").count()
    users = {
        u.username: u for u in User.objects.filter(username__in=["xg_cadre1", "xg_cadre2", "hc_county", "cs_township"])
    }
    assert users["xg_cadre2"].organisation.region_id == "411526001001"
    assert {user_level(u) for u in users.values()} == {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}
    statuses = sorted(Alert.objects.values_list("status", flat=True))
    assert statuses == ["monitored", "publicising", "verifying", "verifying", "verifying"]
    channels = set(Alert.objects.values_list("channel", flat=True))
    assert channels == {"self", "visit", "counter"}
    # the village cadre can verify a declaration's case; the county cannot
    waiting = Alert.objects.filter(channel="self").first()
    assert [s.name for s in WORKFLOW.allowed_steps(users["xg_cadre1"], waiting)] == ["verify"]
    assert WORKFLOW.allowed_steps(users["hc_county"], waiting) == []
    # run again: passwords reset, nothing added twice
    again = demo.demo_front_line()
    assert Household.objects.filter(number__startswith="DEMO-XG-").count() == households
    assert Alert.objects.count() == 5
    assert {u.username for u, _p, _n in again} >= set(users)
