"""Several people recording the same project, milestone, activity or import at the same moment (see docs/security.md,
并发写入). Each test starts its clients together (``duikou.testing.race``); none may get a server error, and what
must exist once exists once.

Routes and how each race is settled:

- ``POST /api/projects``, ``POST /api/activities``, ``POST /api/projects/{id}/milestones`` (and the pages
  ``projects:create``, ``projects:activity_create``, ``projects:milestone_create``): a project's name per pairing,
  a milestone's name per project and an activity's pairing, kind, date and title are unique rules of the database;
  a second one saved at the same moment is refused (422) with the same message as one saved a moment later.
- ``PUT /api/projects/{id}`` and ``PUT /api/activities/{id}`` (``projects:edit``, ``projects:activity_edit``): saved
  with the version the user read: one wins, the others get 409.
- ``projects:import`` and ``projects:activity_import`` (``duikou import-projects``): an import writes all its rows in
  one transaction; one that meets rows another import wrote meanwhile writes nothing and says so ("请重新导入"),
  and run again it finds them unchanged.
- ``POST /api/projects/{id}/funds`` (``projects:fund_create``): an active transaction's project, kind, date, amount,
  source and reference are a unique rule of the database (for active rows); the second is refused (422).
  ``POST /api/projects/funds/{id}/cancel`` (``projects:fund_cancel``): with the version read; one wins, the others 409.
"""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duikou import testing
from duikou.core.errors import StaleObjectError
from duikou.core.models import Job
from duikou.projects import services
from duikou.projects import testing as pt
from duikou.projects.models import Activity, FundTransaction, Milestone, Project


@pytest.fixture
def editor(committed_db):
    return testing.user("xy_editor", "信阳市人民政府", "editor")


@pytest.fixture
def xinyang(committed_db):
    return testing.pairing("信阳市", "苏州市")


def post_json(url, body):
    return lambda client, i: client.post(url, data=json.dumps(body), content_type="application/json")


def codes(results) -> list:
    return [getattr(r, "status_code", repr(r)) for r in results]


def detail(response) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def created_once(editor, url, body) -> list:
    """``body`` posted to ``url`` by several of ``editor``'s clients at once: one is created (201), the others are
    refused (422); the answers."""
    results = testing.race(testing.clients(editor, post_json(url, body)))
    assert sorted(codes(results)) == [201] + [422] * (len(results) - 1), testing.statuses(results)
    return results


def test_a_project_recorded_twice_at_once_is_recorded_once(editor, xinyang):
    project = {"name": "并发项目", "industry": "electronics", "key_task": "KT5", "location": "411526"}
    results = created_once(editor, "/api/projects", {"pairing_id": xinyang.pk, **project})
    assert all("已有同名项目" in detail(r) for r in results if r.status_code == 422)
    assert Project.objects.filter(pairing=xinyang, name="并发项目").count() == 1


def test_an_activity_recorded_twice_at_once_is_recorded_once(editor, xinyang):
    body = {
        "pairing_id": xinyang.pk,
        "kind": "visit",
        "key_task": "KT5",
        "date": "2025-05-20",
        "title": "并发互访",
        "delegation_size": 8,
        "delegation_level": "city",
    }
    results = created_once(editor, "/api/activities", body)
    assert all("同类型、同标题的活动" in detail(r) for r in results if r.status_code == 422)
    assert Activity.objects.filter(pairing=xinyang, title="并发互访").count() == 1


def test_a_milestone_added_twice_at_once_is_added_once(editor, xinyang):
    project = pt.project(xinyang, "节点项目", user=editor)
    url = f"/api/projects/{project.pk}/milestones"
    created_once(editor, url, {"name": "开工", "due_date": "2026-03-01"})
    assert Milestone.objects.filter(project=project, name="开工").count() == 1


def test_concurrent_saves_of_one_project_version_never_lose_an_update(editor, xinyang):
    pk = pt.project(xinyang, "并发编辑项目", user=editor).pk

    def save(i):
        project = Project.objects.get(pk=pk)
        return lambda: services.update_project(project=project, user=editor, expected_version=1, park=f"园区{i}")

    results = testing.race(save)
    assert sum(isinstance(r, Project) for r in results) == 1, results
    assert all("已被他人修改" in str(r) for r in results if isinstance(r, StaleObjectError))
    stored = Project.objects.get(pk=pk)
    assert stored.version == 2 and stored.park == next(r.park for r in results if isinstance(r, Project))


def test_the_same_file_imported_twice_at_once_is_written_once(editor):
    content = pt.workbook([pt.project_row(项目名称=f"导入并发{n}") for n in range(3)])

    def send(client, i):
        upload = SimpleUploadedFile("projects.xlsx", content)
        return client.post("/projects/import/", {"file": upload})

    before = Job.objects.count()
    results = testing.race(testing.clients(editor, send))
    assert set(codes(results)) == {302}, testing.statuses(results)
    jobs = list(Job.objects.order_by("pk")[before:])
    created = sorted(j.result.get("created", 0) for j in jobs if j.status == Job.Status.DONE)
    assert created[-1] == 3 and sum(created) == 3, [(j.status, j.message) for j in jobs]
    assert all("请重新导入" in j.message for j in jobs if j.status == Job.Status.FAILED)
    assert Project.objects.filter(name__startswith="导入并发").count() == 3


def test_a_fund_transaction_sent_twice_at_once_is_recorded_once(editor, xinyang):
    project = pt.project(xinyang, "资金并发项目", user=editor)
    body = {"kind": "disbursement", "date": "2025-05-20", "amount_wan": "300", "source": "social_capital"}
    results = created_once(editor, f"/api/projects/{project.pk}/funds", body)
    assert all("请填写不同的文号" in detail(r) for r in results if r.status_code == 422)
    assert FundTransaction.objects.filter(project=project).count() == 1


def test_a_fund_transaction_cancelled_twice_at_once_is_cancelled_once(editor, xinyang):
    project = pt.project(xinyang, "资金作废并发项目", user=editor)
    record = services.add_fund_transaction(
        project=project, user=editor, kind="commitment", date=datetime.date(2025, 1, 2), amount_wan="10", source="other"
    )
    url = f"/api/projects/funds/{record.pk}/cancel"
    results = testing.race(testing.clients(editor, post_json(url, {"version": 1, "reason": "重复录入"})))
    assert sorted(codes(results)) == [200] + [409] * (len(results) - 1), testing.statuses(results)
    record.refresh_from_db()
    assert (record.status, record.version) == ("cancelled", 2)
