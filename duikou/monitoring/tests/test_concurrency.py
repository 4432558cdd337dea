"""Several cadres writing the same case, household or departmental data at the same moment (see docs/security.md,
并发写入). Each test starts its clients together (``duikou.testing.race``); none may get a server error, and a fact,
a step or an alert is recorded once.

Routes and how each race is settled:

- ``POST /api/monitoring/imports`` then ``POST /api/monitoring/imports/{id}/confirm`` (and the pages
  ``monitoring:imports``, ``monitoring:import_confirm``): a departmental signal is one fact — member, kind, date,
  amount — stored once, a unique rule of the database. The same file checked six times makes six batches; their
  confirmations load the rows once, and every later batch finds them loaded and says so ("N 条此前已由其他批次导入").
  Confirmations of one batch lock its row: one loads it, the others are told it was loaded.
- ``POST /api/monitoring/alerts/{id}/steps/{step}`` (``monitoring:alert_step``) and
  ``POST /api/monitoring/alerts/{id}/measures`` (``monitoring:measure_add``): each saves with the version the cadre
  read: one wins, the others get 409 (the page: a message to reload).
- ``monitoring:income_add``: one record per household and year is a unique rule; a record saved at the same moment
  as another of its year is refused with the same message as one saved a moment later.
- ``monitoring:screen``: a screening locks its province's row while it writes alerts, so two screenings of one
  province take turns and the second finds the households' open cases (one open case per household is a unique
  rule too).
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duikou import testing
from duikou.core.actors import Operator
from duikou.core.models import Job
from duikou.geo.models import Region
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, DepartmentImport, DepartmentSignal, Household, IncomeRecord

S = Alert.Status


@pytest.fixture
def hands(committed_db):
    """Two 西关社区 cadres, the 春申街道 township and the 潢川县 county."""
    return mt.procedure_users()


@pytest.fixture
def cadre(hands):
    return hands["village"]


@pytest.fixture
def township(hands):
    return hands["township"]


@pytest.fixture
def members(cadre):
    numbers = [mt.id_number(31), mt.id_number(32)]
    for n, number in enumerate(numbers):
        home = mt.household(cadre, number=f"C{n}", head_name=f"并发户{n}")
        services.add_member(user=cadre, household=home, name=f"并发成员{n}", id_number=number)
    return numbers


@pytest.fixture
def alert(cadre):
    ruleset = services.create_ruleset(user=Operator(), province=Region.objects.get(code="410000"), year=2025)
    home = mt.household(cadre, number="A1", head_name="李二")
    mt.income(cadre, home, 2025, "8000", persons=2)
    services.screen_households(user=Operator(), ruleset=ruleset)
    return home.alerts.get()


def codes(results) -> list:
    return [getattr(r, "status_code", repr(r)) for r in results]


def post_json(url, body):
    return lambda client, i: client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_same_file_checked_and_confirmed_six_times_at_once_is_loaded_once(cadre, members):
    content = mt.department_csv(
        [
            (members[0], "2025-03-01", "12000", "住院"),
            (members[1], "2025-04-02", "800", ""),
            (members[1], "2025-05-03", "", ""),
        ]
    )
    kind = "hospital"

    def check(client, i):
        upload = SimpleUploadedFile("医保住院.csv", content, content_type="text/csv")
        return client.post("/api/monitoring/imports", {"kind": kind, "file": upload})

    checked = testing.race(testing.clients(cadre, check))
    assert set(codes(checked)) == {201}, testing.statuses(checked)
    batches = [r.json()["id"] for r in checked]
    confirmed = testing.race(
        lambda i: testing.clients(cadre, post_json(f"/api/monitoring/imports/{batches[i]}/confirm", {}))(i)
    )
    assert set(codes(confirmed)) == {200}, testing.statuses(confirmed)
    # two good rows (the third has no amount): stored once, whatever the number of batches confirmed
    assert DepartmentSignal.objects.filter(member__household__number__in=["C0", "C1"]).count() == 2
    # one confirmation loads both; every other one finds them loaded and says so
    loads = sorted((r.json()["signals_created"], r.json().get("signals_already_loaded")) for r in confirmed)
    assert loads == [(0, 2)] * (len(confirmed) - 1) + [(2, 0)]
    page = testing.logged_in(cadre).get(f"/monitoring/imports/{batches[0]}/").content.decode()
    assert "已导入" in page and ("此前已由其他批次导入" in page or "已导入 2 条" in page)


def test_a_batch_confirmed_six_times_at_once_is_loaded_once(cadre, members):
    content = mt.department_csv([(members[0], "2025-06-01", "", "")])
    batch = DepartmentImport.objects.get(
        pk=testing.logged_in(cadre)
        .post(
            "/api/monitoring/imports",
            {"kind": "disability", "file": SimpleUploadedFile("残联.csv", content, content_type="text/csv")},
        )
        .json()["id"]
    )
    results = testing.race(testing.clients(cadre, post_json(f"/api/monitoring/imports/{batch.pk}/confirm", {})))
    assert sorted(codes(results)) == [200] + [422] * (len(results) - 1), testing.statuses(results)
    assert all("已于" in str(r.json()["detail"]) for r in results if r.status_code == 422)
    assert DepartmentSignal.objects.filter(batch=batch).count() == 1


def test_a_case_verified_six_times_at_once_is_verified_once(cadre, alert):
    url = f"/api/monitoring/alerts/{alert.pk}/steps/verify"
    body = {"version": alert.version, "note": "入户核实属实", "checks": mt.ALL_OK}
    results = testing.race(testing.clients(cadre, post_json(url, body)))
    assert sorted(codes(results)) == [200] + [409] * (len(results) - 1), testing.statuses(results)
    alert.refresh_from_db()
    assert alert.status == S.CONSENTING and alert.steps.filter(step="verify").count() == 1


def test_an_elimination_confirmed_six_times_at_once_is_confirmed_once(hands, alert):
    alert = mt.walk_elimination(mt.ready_for_elimination(alert), "el_county")
    url = f"/api/monitoring/alerts/{alert.pk}/steps/eliminate"
    body = {"version": alert.version, "note": "审定同意"}
    results = testing.race(testing.clients(hands["county"], post_json(url, body)))
    assert sorted(codes(results)) == [200] + [409] * (len(results) - 1), testing.statuses(results)
    alert.refresh_from_db()
    assert alert.status == S.CLOSED and alert.steps.filter(step="eliminate").count() == 1


def test_a_measure_added_six_times_at_once_on_one_version_is_added_once(cadre, alert):
    alert = mt.to_monitored(alert)
    unit = services.responsible_units(alert.household).first()
    body = {
        "version": alert.version,
        "kind": "employment",
        "responsible_unit_id": unit.pk,
        "description": "安排乡村公益性岗位",
        "start_date": "2026-03-01",
    }
    results = testing.race(testing.clients(cadre, post_json(f"/api/monitoring/alerts/{alert.pk}/measures", body)))
    assert sorted(codes(results)) == [201] + [409] * (len(results) - 1), testing.statuses(results)
    assert alert.measures.count() == 1


def test_a_years_income_recorded_six_times_at_once_is_recorded_once(cadre):
    home = mt.household(cadre, number="I1", head_name="赵三")
    url = f"/monitoring/households/{home.pk}/incomes/new/"
    amounts = ("wage_income", "business_income", "transfer_income", "property_income", "medical_expense")
    form = {"year": 2026, "persons": 3, "net_income": "30000", "education_expense": "0"} | dict.fromkeys(amounts, "0")
    results = testing.race(testing.clients(cadre, lambda c, i: c.post(url, form)))
    assert sorted(codes(results)) == [200] * (len(results) - 1) + [302], testing.statuses(results)
    assert all("该户2026年的收支已登记" in r.content.decode() for r in results if r.status_code == 200)
    assert IncomeRecord.objects.filter(household=home, year=2026).count() == 1


def test_a_household_registered_six_times_at_once_is_registered_once(township):
    _township, village = mt.place()
    form = {"village": village.code, "number": "H-RACE", "head_name": "同时登记", "address": "", "category": ""}
    results = testing.race(testing.clients(township, lambda c, i: c.post("/monitoring/households/new/", form)))
    assert sorted(codes(results)) == [200] * (len(results) - 1) + [302], testing.statuses(results)
    assert all("已有户编号 H-RACE" in r.content.decode() for r in results if r.status_code == 200)
    assert Household.objects.filter(number="H-RACE").count() == 1


def test_a_province_screened_six_times_at_once_gets_one_alert_per_household(cadre):
    ruleset = services.create_ruleset(user=Operator(), province=Region.objects.get(code="410000"), year=2025)
    for n in range(3):
        home = mt.household(cadre, number=f"S{n}", head_name=f"筛查户{n}")
        mt.income(cadre, home, 2025, "8000", persons=2)
    before = Job.objects.count()
    results = testing.race(testing.clients(cadre, lambda c, i: c.post("/monitoring/screen/", {"ruleset": ruleset.pk})))
    assert set(codes(results)) == {302}, testing.statuses(results)
    jobs = Job.objects.order_by("pk")[before:]
    assert [j.status for j in jobs] == [Job.Status.DONE] * len(results), [j.message for j in jobs]
    assert sum(j.result["alerts"] for j in jobs) == 3
    for n in range(3):
        assert Alert.objects.filter(household__number=f"S{n}").exclude(status=S.CLOSED).count() == 1


def test_signals_loaded_more_than_once_before_the_rule_keep_the_first_of_each(cadre, members):
    """The migration that adds "one fact once" finds the repeats the race left: the first of each fact is kept, and
    each batch that loaded a repeat counts it as already loaded."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        ("monitoring", "0002_case_workflow_and_departmental_data"),
        ("monitoring", "0003_one_signal_per_fact"),
    )
    member = DepartmentSignal._meta.get_field("member").related_model.objects.get(name="并发成员0")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps
        batch_model, signal_model = (
            old.get_model("monitoring", "DepartmentImport"),
            old.get_model("monitoring", "DepartmentSignal"),
        )
        facts = [("hospital", "2025-03-01", "100.00"), ("disability", "2025-03-02", None)]
        batches = []
        for n, extra in enumerate(([], [("hospital", "2025-04-01", "5.00")])):
            rows = facts + extra
            batch = batch_model.objects.create(
                kind="hospital",
                filename=f"{n}.csv",
                source_digest=str(n) * 64,
                status="loaded",
                signals_created=len(rows),
            )
            for kind, date, amount in rows:
                signal_model.objects.create(
                    member_id=member.pk,
                    household_id=member.household_id,
                    kind=kind,
                    date=date,
                    amount=amount,
                    source_digest=batch.source_digest,
                    batch=batch,
                )
            batches.append(batch.pk)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        # and on to the latest migration of every app, as the rest of the suite expects the schema
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    kept = DepartmentSignal.objects.filter(member=member).order_by("pk")
    assert [(s.kind, str(s.date), s.amount and str(s.amount), s.batch_id) for s in kept] == [
        ("hospital", "2025-03-01", "100.00", batches[0]),
        ("disability", "2025-03-02", None, batches[0]),
        ("hospital", "2025-04-01", "5.00", batches[1]),
    ]
    counts = [
        DepartmentImport.objects.values_list("signals_created", "signals_already_loaded").get(pk=pk) for pk in batches
    ]
    assert counts == [(2, 0), (1, 2)]
