"""Several people writing the same indicator cell, report or import at the same moment (see docs/security.md,
并发写入). Each test starts its clients together (``duikou.testing.race``); none may get a server error, and a write
that would overwrite what its writer has not seen is refused with 409 and a message to reload.

Routes and how each race is settled:

- ``PUT /api/indicators/values`` and the grid's cell (``indicators:cell``): a cell save locks its report's row first
  (the report exists: ``get_report`` makes it), so the saves of one report take turns and each reads the cell as
  the one before left it. A save names the version it was based on: 0 (the grid's empty cell) only creates the
  cell, and a save based on a version that is no longer the stored one is refused — one creator wins, the others
  get 409. A save that names no version overwrites, one after the other. Under the same lock a save re-reads the
  report's status, so no value changes between a submission's checks and its lock.
- ``GET /api/indicators/reports/…`` (and every page that opens a report): the report of a pairing, data set and
  period is made on first use; the unique constraint settles two first uses (the loser reads the winner's row).
- ``POST /api/indicators/reports/…/steps/{step}``: the step locks the report's row and checks its status there
  (a submission checks the values there too); of two equal steps one is taken, the other is refused.
- ``POST /api/indicators/dataValueSets``: the import locks the reports it writes into, re-reads the values it
  changes, and inserts new values in a savepoint: an import that meets values someone else inserted meanwhile
  writes nothing and answers 409 (run it again: the values are then unchanged).
"""

import json

import pytest

from duikou import testing
from duikou.indicators import services, transfer
from duikou.indicators.models import DataValue, Indicator, Report
from duikou.plans.tests.factories import people

from .factories import GOOD, report

ENTRY = "/indicators/entry/{pairing}/quarterly/{period}/"


@pytest.fixture
def who(committed_db):
    return people()


def put_value(client, rep, value, **extra):
    body = {"pairing_id": rep.pairing_id, "indicator": "signed_projects", "period": rep.period, "value": value}
    return client.put("/api/indicators/values", data=json.dumps(body | extra), content_type="application/json")


def value_set(rep) -> bytes:
    """A dataValueSets body with every value of a valid report."""
    rows = [{"dataElement": c, "period": rep.period, "orgUnit": rep.pairing.code, "value": v} for c, v in GOOD.items()]
    return json.dumps({"dataValues": rows}).encode()


def filled(user, rep):
    """The report with all its values, written in one import (cell by cell is eleven transactions)."""
    transfer.import_values(user=user, data=value_set(rep), filename="values.json")
    return rep


def stored(rep, code="signed_projects"):
    return list(DataValue.objects.filter(pairing=rep.pairing, period=rep.period, indicator=code))


def test_first_saves_of_a_cell_over_the_api_take_turns(who):
    rep = report()
    results = testing.race(testing.clients(who["xy_editor"], lambda c, i: put_value(c, rep, str(i + 1))))
    assert testing.statuses(results) == [200] * len(results)
    (value,) = stored(rep)
    assert value.version == len(results)  # every save counted: none was lost between the read and the insert


def test_only_one_first_save_of_an_empty_cell_wins(who):
    rep = report()
    results = testing.race(testing.clients(who["xy_editor"], lambda c, i: put_value(c, rep, str(i + 1), version=0)))
    assert testing.statuses(results) == [200] + [409] * (len(results) - 1)
    winner = next(r.json()["value"] for r in results if r.status_code == 200)
    assert all("已被他人保存" in r.json()["detail"] for r in results if r.status_code == 409)
    (value,) = stored(rep)
    assert (str(value.value.normalize()), value.version) == (str(winner), 1)


def test_saves_based_on_one_version_keep_one(who):
    rep = report()
    first = put_value(testing.logged_in(who["xy_editor"]), rep, "1").json()
    results = testing.race(
        testing.clients(who["xy_editor"], lambda c, i: put_value(c, rep, str(i + 2), version=first["version"]))
    )
    assert testing.statuses(results) == [200] + [409] * (len(results) - 1)
    (value,) = stored(rep)
    assert value.version == 2


def test_a_save_based_on_a_version_the_cell_never_had_is_refused(who):
    rep = report()
    results = testing.race(testing.clients(who["xy_editor"], lambda c, i: put_value(c, rep, str(i + 1), version=1)))
    # nobody saw a first version of this cell: the first save is not one to overwrite, so all are refused
    assert testing.statuses(results) == [409] * len(results)
    assert "尚未保存" in results[0].json()["detail"] and not stored(rep)


def test_first_saves_of_an_empty_grid_cell_keep_one_and_tell_the_others(who):
    rep = report()
    url = ENTRY.format(pairing=rep.pairing_id, period=rep.period) + "cell/"
    page = testing.logged_in(who["xy_editor"]).get(url.removesuffix("cell/")).content.decode()
    assert 'id="row-signed_projects" data-code="signed_projects" data-version="0"' in page  # what the grid posts

    def prepare(i):
        client = testing.logged_in(who["xy_editor"] if i % 2 else who["sz_approver"])
        # what the grid posts for an empty cell: its version is 0
        return lambda: client.post(url, {"indicator": "signed_projects", "value": str(i + 1), "version": "0"})

    results = testing.race(prepare)
    assert testing.statuses(results) == [200] + [409] * (len(results) - 1)
    (value,) = stored(rep)
    assert value.version == 1
    winner = next(r.json() for r in results if r.status_code == 200)
    assert winner["saved"] and winner["value"] == str(value.value.normalize())
    for loser in (r.json() for r in results if r.status_code == 409):  # told who won, and what is stored
        assert not loser["saved"] and "已被他人保存" in loser["detail"] and loser["value"] == winner["value"]
        assert loser["version"] == 1


def test_first_opening_of_a_report_makes_it_once(who):
    pairing_id = report().pairing_id
    url = f"/api/indicators/reports/{pairing_id}/quarterly/2025Q2"
    results = testing.race(testing.clients(who["xy_editor"], lambda c, i: c.get(url)))
    assert testing.statuses(results) == [200] * len(results)
    assert Report.objects.filter(pairing_id=pairing_id, period="2025Q2").count() == 1


def test_the_same_step_taken_twice_at_once_is_taken_once(who):
    rep = filled(who["xy_editor"], report())
    url = f"/api/indicators/reports/{rep.pairing_id}/quarterly/{rep.period}/steps/"

    def step(user, name):
        return testing.clients(user, lambda c, i: c.post(url + name, data="{}", content_type="application/json"))

    submitted = testing.race(step(who["xy_editor"], "submit"))
    approved = testing.race(step(who["henan"], "approve"))
    for results in (submitted, approved):
        assert sorted(r.status_code for r in results)[0] == 200
        assert [r.status_code for r in results].count(200) == 1, testing.statuses(results)
        assert {r.status_code for r in results} <= {200, 403, 409}
    rep.refresh_from_db()
    assert rep.status == Report.Status.APPROVED and rep.version == 3


def test_no_value_changes_between_a_submissions_checks_and_its_lock(who):
    rep = filled(who["xy_editor"], report())
    funds = Indicator.objects.get(pk="funds_in_place_wan")
    entry = ENTRY.format(pairing=rep.pairing_id, period=rep.period)

    def prepare(i):
        client = testing.logged_in(who["xy_editor"])
        if i == 0:
            return lambda: client.post(entry + "step/submit/")
        # more than was signed (52000): a value the submission's checks refuse
        return lambda: client.post(entry + "cell/", {"indicator": funds.code, "value": str(60000 + i), "version": ""})

    results = testing.race(prepare)
    # a cell saved after the submission is refused: 403 when the report was locked before the request, 422 (with
    # the message that the data are locked) when it was locked while the save waited for the report's row
    assert set(testing.statuses(results)) <= {200, 302, 403, 422}, testing.statuses(results)
    rep.refresh_from_db()
    if rep.status == Report.Status.SUBMITTED:
        assert not [v for v in services.validate_report(rep) if v.blocking]
        assert not DataValue.objects.filter(pairing=rep.pairing, period=rep.period, status="draft").exists()


def test_the_same_data_value_set_imported_at_once_is_written_once(who):
    rep = report("2025Q1")
    body = value_set(rep)

    results = testing.race(
        testing.clients(
            who["xy_editor"],
            lambda c, i: c.post("/api/indicators/dataValueSets", data=body, content_type="application/json"),
        )
    )
    codes = [r.status_code for r in results]
    assert set(codes) <= {200, 409}, testing.statuses(results)
    assert [r.json().get("new") for r in results if r.status_code == 200].count(len(GOOD)) == 1
    assert all(r.json()["new"] == 0 for r in results if r.status_code == 200 and r.json()["new"] != len(GOOD))
    assert all("同时" in r.json()["detail"] for r in results if r.status_code == 409)
    assert DataValue.objects.filter(pairing=rep.pairing, period=rep.period).count() == len(GOOD)
