"""The demo county: users at three levels, a small registry and cases at different steps, so the procedure can be
walked with different hands."""

import pytest
from django.core.management import call_command

from duikou.accounts.models import User
from duikou.monitoring import demo
from duikou.monitoring.models import Alert, Household
from duikou.monitoring.workflow import WORKFLOW, Level, user_level

pytestmark = pytest.mark.django_db


def test_demo_front_line_has_hands_at_each_level_and_cases_to_walk():
    rows = demo.demo_front_line(households=8)
    users = {u.username: u for u, _password, _note in rows}
    assert {user_level(u) for u in users.values()} == {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}
    assert Household.objects.filter(number__startswith="DEMO-XG-").count() == 8
    statuses = sorted(Alert.objects.values_list("status", flat=True))
    assert statuses == ["monitored", "publicising", "verifying", "verifying", "verifying"]
    channels = set(Alert.objects.values_list("channel", flat=True))
    assert channels == {"self", "visit", "counter"}
    # the village cadre can verify a declaration's case; the county cannot
    waiting = Alert.objects.filter(channel="self").first()
    assert [s.name for s in WORKFLOW.allowed_steps(users["xg_cadre1"], waiting)] == ["verify"]
    assert WORKFLOW.allowed_steps(users["hc_county"], waiting) == []
    # run again: passwords reset, nothing added twice
    again = demo.demo_front_line(households=8)
    assert Household.objects.filter(number__startswith="DEMO-XG-").count() == 8
    assert Alert.objects.count() == 5
    assert {u.pk for u, _p, _n in again} == {u.pk for u in users.values()}


def test_demo_monitoring_command_prints_the_accounts(capsys):
    call_command("demo-monitoring")
    out = capsys.readouterr().out
    assert "xg_cadre1" in out and "hc_county" in out and "DEMO ONLY" in out
    assert User.objects.get(username="xg_cadre2").organisation.region_id == "411526001001"
