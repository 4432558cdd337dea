import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.core.digests import sm3_hex
from duikou.projects import testing as pt
from duikou.projects.models import Project

pytestmark = pytest.mark.django_db


def bearer(user):
    _token, key = issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def world():
    return {
        "xinyang": testing.pairing("信阳市", "苏州市"),
        "yanan": testing.pairing("延安市", "无锡市"),
        "editor": testing.user("xy", "信阳市人民政府", "editor"),
        "stranger": testing.user("ya", "延安市人民政府", "editor"),
    }


def project_payload(pairing_id: int, **overrides) -> dict:
    return {
        "pairing_id": pairing_id,
        "name": "API 项目",
        "industry": "electronics",
        "key_task": "KT5",
        "location": "411526",
        "park": "豫东南高新区",
        "investment_planned": "1000",
        "investment_signed": "600",
        "investment_in_place": "100.5",
        "funding_sources": ["social_capital"],
        "land_quota_guarantee": True,
        "status": "construction",
    } | overrides


def post(client, url, data, user):
    return client.post(url, json.dumps(data), content_type="application/json", **bearer(user))


def put(client, url, data, user):
    return client.put(url, json.dumps(data), content_type="application/json", **bearer(user))


def test_create_get_and_list_a_project(client, world):
    response = post(client, "/api/projects", project_payload(world["xinyang"].pk), world["editor"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["pairing"]["code"] == "N09" and body["location"] == {"code": "411526", "name": "潢川县"}
    assert body["investment_in_place"] == "100.50" and body["version"] == 1
    got = client.get(f"/api/projects/{body['id']}", **bearer(world["editor"])).json()
    assert got["name"] == "API 项目"
    listed = client.get("/api/projects?status=construction", **bearer(world["editor"])).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


def test_rules_broken_answer_422_with_reasons(client, world):
    payload = project_payload(world["xinyang"].pk, investment_signed="-1", location="411500")
    response = post(client, "/api/projects", payload, world["editor"])
    assert response.status_code == 422
    detail = " ".join(response.json()["detail"])
    assert "「签约投资（万元）」不能为负数" in detail and "须为县级行政区" in detail
    response = post(client, "/api/projects", project_payload(world["xinyang"].pk, location="999999"), world["editor"])
    assert response.status_code == 422 and response.json()["detail"] == ["区划代码「999999」不存在"]
    assert not Project.objects.exists()


def test_out_of_scope_pairing_and_project_are_not_found(client, world):
    response = post(client, "/api/projects", project_payload(world["xinyang"].pk), world["stranger"])
    assert response.status_code == 404
    project = pt.project(world["xinyang"])
    assert client.get(f"/api/projects/{project.pk}", **bearer(world["stranger"])).status_code == 404
    assert client.get("/api/projects", **bearer(world["stranger"])).json()["count"] == 0


def test_viewer_may_read_but_not_write(client, world):
    viewer = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    project = pt.project(world["xinyang"])
    assert client.get(f"/api/projects/{project.pk}", **bearer(viewer)).status_code == 200
    assert post(client, "/api/projects", project_payload(world["xinyang"].pk), viewer).status_code == 403
    update = project_payload(world["xinyang"].pk, version=1)
    assert put(client, f"/api/projects/{project.pk}", update, viewer).status_code == 403


def test_stale_update_answers_409_and_keeps_the_first_write(client, world):
    project = pt.project(world["xinyang"], "API 项目")
    url = f"/api/projects/{project.pk}"
    first = put(client, url, project_payload(0, park="甲", version=1), world["editor"])
    assert first.status_code == 200 and first.json()["version"] == 2
    second = put(client, url, project_payload(0, park="乙", version=1), world["editor"])
    assert second.status_code == 409 and "已被他人修改" in second.json()["detail"]
    project.refresh_from_db()
    assert project.park == "甲"


def test_milestones_and_overdue_list(client, world):
    project = pt.project(world["xinyang"])
    url = f"/api/projects/{project.pk}/milestones"
    response = post(client, url, {"name": "开工", "due_date": "2025-01-31"}, world["editor"])
    assert response.status_code == 201
    milestone_id = response.json()["id"]
    assert [m["name"] for m in client.get(url, **bearer(world["editor"])).json()] == ["开工"]
    overdue = client.get("/api/projects/overdue-milestones", **bearer(world["editor"])).json()
    assert overdue["count"] == 1 and overdue["items"][0]["project_name"] == "测试项目"
    assert overdue["items"][0]["days_overdue"] > 0
    done = put(
        client,
        f"/api/projects/milestones/{milestone_id}",
        {"name": "开工", "due_date": "2025-01-31", "done_date": "2025-02-03"},
        world["editor"],
    )
    assert done.status_code == 200 and done.json()["done_date"] == "2025-02-03"
    assert client.get("/api/projects/overdue-milestones", **bearer(world["editor"])).json()["count"] == 0
    stranger = client.get("/api/projects/overdue-milestones", **bearer(world["stranger"])).json()
    assert stranger["count"] == 0
    duplicate = post(client, url, {"name": "开工", "due_date": "2025-05-01"}, world["editor"])
    assert duplicate.status_code == 422 and duplicate.json()["detail"] == ["该项目已有同名节点"]


def test_progress_update_with_evidence_upload(client, world):
    project = pt.project(world["xinyang"])
    content = "进展佐证".encode()
    response = client.post(
        f"/api/projects/{project.pk}/updates",
        {"date": "2025-06-01", "text": "主体完工", "files": [SimpleUploadedFile("佐证.pdf", content)]},
        **bearer(world["editor"]),
    )
    assert response.status_code == 201, response.content
    evidence = response.json()["evidence"]
    assert evidence[0]["name"] == "佐证.pdf" and evidence[0]["sm3"] == sm3_hex(content)
    listed = client.get(f"/api/projects/{project.pk}/updates", **bearer(world["editor"])).json()
    assert listed[0]["text"] == "主体完工"
    refused = client.post(
        f"/api/projects/{project.pk}/updates",
        {"date": "2025-06-01", "text": "x", "files": [SimpleUploadedFile("x.exe", b"MZ")]},
        **bearer(world["editor"]),
    )
    assert refused.status_code == 422 and "格式不支持" in refused.json()["detail"][0]
    no_files = client.post(
        f"/api/projects/{project.pk}/updates", {"date": "2025-06-02", "text": "无附件"}, **bearer(world["editor"])
    )
    assert no_files.status_code == 201 and no_files.json()["evidence"] == []


def test_activities_through_the_api(client, world):
    payload = {
        "pairing_id": world["xinyang"].pk,
        "kind": "training",
        "key_task": "KT2",
        "date": "2024-09-10",
        "title": "电商技能培训",
        "training_sessions": 3,
        "trainees": 150,
    }
    response = post(client, "/api/activities", payload, world["editor"])
    assert response.status_code == 201, response.content
    activity = response.json()
    assert activity["trainees"] == 150 and activity["delegation_size"] is None
    wrong = post(client, "/api/activities", payload | {"title": "多填", "participants": 20}, world["editor"])
    assert wrong.status_code == 422 and wrong.json()["detail"] == ["「研学人数」只适用于研学，培训请留空"]
    url = f"/api/activities/{activity['id']}"
    update = payload | {"version": 1, "trainees": 160}
    assert put(client, url, update, world["editor"]).json()["trainees"] == 160
    assert put(client, url, update, world["editor"]).status_code == 409
    listed = client.get("/api/activities?kind=training&since=2024-01-01", **bearer(world["editor"])).json()
    assert listed["count"] == 1
    assert client.get(url, **bearer(world["stranger"])).status_code == 404
    assert post(client, "/api/activities", payload | {"title": "越权"}, world["stranger"]).status_code == 404


def test_dates_in_the_future_are_refused_for_done_milestones(client, world):
    project = pt.project(world["xinyang"])
    future = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = post(
        client,
        f"/api/projects/{project.pk}/milestones",
        {"name": "提前完成", "due_date": "2025-01-01", "done_date": future},
        world["editor"],
    )
    assert response.status_code == 422 and response.json()["detail"] == ["实际完成日期不能晚于今天"]
