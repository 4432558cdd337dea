import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from duikou import testing
from duikou.core.models import Job
from duikou.projects import services
from duikou.projects import testing as pt
from duikou.projects.models import Activity, Milestone, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def xinyang():
    return testing.pairing("信阳市", "苏州市")


@pytest.fixture
def editor(client):
    user = testing.user("xy", "信阳市人民政府", "editor")
    client.force_login(user)
    return user


def form_data(project: Project | None = None, **overrides) -> dict:
    data = {
        "name": "表单项目",
        "industry": "textile",
        "key_task": "KT5",
        "location": "411526 潢川县",
        "park": "豫东南高新区",
        "investment_planned": "500",
        "investment_signed": "300",
        "investment_in_place": "100",
        "funding_sources": ["social_capital", "central_budget"],
        "status": "reserve",
        "note": "",
    }
    if project is not None:
        data["version"] = project.version
    return data | overrides


def test_list_filters_and_searches(client, editor, xinyang):
    pt.project(xinyang, "纺织服装园", industry="textile", status="signed")
    pt.project(xinyang, "光伏基地", industry="clean_energy")
    page = client.get("/projects/?industry=textile").content.decode()
    assert "纺织服装园" in page and "光伏基地" not in page
    page = client.get("/projects/?q=光伏").content.decode()
    assert "光伏基地" in page and "纺织服装园" not in page
    page = client.get(f"/projects/?pairing={xinyang.pk}&status=signed&key_task=KT5").content.decode()
    assert "纺织服装园" in page and "光伏基地" not in page
    assert client.get("/projects/?pairing=abc&page=99").status_code == 200  # bad input is ignored, not a crash


def test_create_project_through_the_form(client, editor, xinyang):
    response = client.post("/projects/new/", form_data(pairing=xinyang.pk))
    project = Project.objects.get(name="表单项目")
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    assert project.location.code == "411526" and project.funding_sources == ["central_budget", "social_capital"]
    page = client.get(response["Location"]).content.decode()
    assert "表单项目" in page and "中央预算内投资、社会资本" in page and "修改历史" in page


def test_form_shows_rule_errors_at_their_fields(client, editor, xinyang):
    response = client.post(
        "/projects/new/",
        form_data(pairing=xinyang.pk, location="411500", investment_signed="10", investment_in_place="20"),
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Project.objects.exists()
    assert "须为县级行政区" in page and "到位资金（20.00 万元）不能超过签约投资（10.00 万元）" in page
    response = client.post("/projects/new/", form_data(pairing=xinyang.pk, location="999999", investment_planned="-3"))
    page = response.content.decode()
    assert "区划代码「999999」不存在" in page and "-3" in page


def test_second_of_two_concurrent_edits_is_refused_and_keeps_what_was_typed(client, editor, xinyang):
    project = pt.project(xinyang, "并发项目")
    first = client.get(f"/projects/{project.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in first
    suzhou = testing.user("sz", "苏州市人民政府", "editor")
    services.update_project(project=project, user=suzhou, expected_version=1, park="苏州工业园区")
    response = client.post(f"/projects/{project.pk}/edit/", form_data(project, name="并发项目", park="信阳填写"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "已被他人修改（您编辑的是第 1 版，当前为第 2 版），请刷新后重新修改" in page
    assert 'value="信阳填写"' in page  # nothing typed is lost
    project.refresh_from_db()
    assert project.park == "苏州工业园区" and project.version == 2


def test_edit_saves_with_the_current_version(client, editor, xinyang):
    project = pt.project(xinyang, "可编辑")
    response = client.post(f"/projects/{project.pk}/edit/", form_data(project, name="可编辑", status="operating"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "operating" and project.version == 2


def test_milestones_are_added_and_completed_with_htmx(client, editor, xinyang):
    project = pt.project(xinyang)
    url = f"/projects/{project.pk}/milestones/"
    partial = client.post(url, {"name": "厂房封顶", "due_date": "2025-03-31"}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in html and "厂房封顶" in html and "逾期" in html
    duplicate = client.post(url, {"name": "厂房封顶", "due_date": "2025-04-30"}, HTTP_HX_REQUEST="true")
    assert "该项目已有同名节点" in duplicate.content.decode()
    milestone = Milestone.objects.get()
    done = client.post(f"/projects/milestones/{milestone.pk}/done/", HTTP_HX_REQUEST="true").content.decode()
    assert "已完成" in done
    milestone.refresh_from_db()
    assert milestone.done_date == timezone.localdate()


def test_progress_update_with_evidence_through_the_page(client, editor, xinyang):
    project = pt.project(xinyang)
    files = [SimpleUploadedFile("验收.pdf", b"%PDF-1.4 a"), SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff jpg")]
    response = client.post(
        f"/projects/{project.pk}/updates/", {"date": "2025-06-01", "text": "主体完工", "files": files}
    )
    assert response.status_code == 302
    update = project.updates.get()
    assert sorted(e.name for e in update.evidence.all()) == ["现场.jpg", "验收.pdf"]
    evidence = update.evidence.get(name="验收.pdf")
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert evidence.sm3 in page and "主体完工" in page
    download = client.get(f"/projects/evidence/{evidence.pk}/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 a"
    bad = client.post(
        f"/projects/{project.pk}/updates/",
        {"date": "2025-06-01", "text": "x", "files": [SimpleUploadedFile("a.exe", b"MZ")]},
    )
    assert bad.status_code == 400 and "格式不支持" in bad.content.decode()


def test_overdue_page_lists_late_milestones(client, editor, xinyang):
    project = pt.project(xinyang, "逾期项目")
    services.add_milestone(project=project, user=editor, name="迟到的节点", due_date=datetime.date(2025, 1, 1))
    services.add_milestone(project=project, user=editor, name="未来的节点", due_date=datetime.date(2099, 1, 1))
    page = client.get("/projects/overdue/").content.decode()
    assert "迟到的节点" in page and "未来的节点" not in page


def test_import_page_starts_a_job_and_shows_its_outcome(client, editor):
    page = client.get("/projects/import/").content.decode()
    assert "N09 信阳市—苏州市" in page
    upload = SimpleUploadedFile("p.xlsx", pt.workbook([pt.project_row(所在县区代码="419999")]))
    response = client.post("/projects/import/", {"file": upload})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/" and job.status == "failed"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "区划代码「419999」不存在" in page and "E 所在县区代码" in page
    upload = SimpleUploadedFile("p.xlsx", pt.workbook([pt.project_row()]))
    client.post("/projects/import/", {"file": upload, "dry_run": "on"})
    assert not Project.objects.exists()
    upload = SimpleUploadedFile("p.xlsx", pt.workbook([pt.project_row()]))
    job = Job.objects.get(pk=client.post("/projects/import/", {"file": upload})["Location"].split("/")[2])
    assert job.status == "done" and job.result["link"]["url"] == "/projects/"
    assert "导入完成" in client.get(f"/jobs/{job.pk}/").content.decode()
    assert Project.objects.get().name == "导入项目"


def test_a_dry_run_on_the_page_lists_every_error_and_links_back_to_the_upload(client, editor):
    upload = SimpleUploadedFile("p.xlsx", pt.workbook(pt.rows_with_many_errors()))
    job = Job.objects.get(pk=client.post("/projects/import/", {"file": upload, "dry_run": "on"})["Location"][6:-1])
    assert job.status == "failed" and job.result["error_count"] == 4
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    for where, reason in [
        ("G 计划投资（万元）", "不能为负数"),
        ("E 所在县区代码", "不在结对双方"),
        ("I 到位资金（万元）", "到位资金（150.00 万元）不能超过签约投资（100.00 万元）"),
        ("C 产业", "不是可选值"),
    ]:
        assert where in page and reason in page
    assert 'class="btn btn-sm btn-outline-primary job-back" href="/projects/import/">返回上传页面</a>' in page
    assert not Project.objects.exists()
    upload = SimpleUploadedFile("a.xlsx", pt.workbook([pt.project_row()]))
    job = Job.objects.get(pk=client.post("/activities/import/", {"file": upload})["Location"][6:-1])
    assert job.result["back"]["url"] == "/activities/import/"


def test_template_download(client, editor):
    response = client.get("/projects/template.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('"projects-template.xlsx"')
    assert client.get("/activities/template.xlsx").status_code == 200


def test_activity_form_keeps_only_the_fields_of_the_kind(client, editor, xinyang):
    data = {
        "pairing": xinyang.pk,
        "kind": "training",
        "key_task": "KT2",
        "date": "2024-09-10",
        "title": "电商培训",
        "training_sessions": "2",
        "trainees": "60",
        "delegation_size": "9",  # typed before switching the kind to 培训; the page hides it
    }
    response = client.post("/activities/new/", data)
    activity = Activity.objects.get()
    assert response["Location"] == f"/activities/{activity.pk}/"
    assert activity.trainees == 60 and activity.delegation_size is None
    page = client.get(f"/activities/{activity.pk}/").content.decode()
    assert "培训人数" in page and "代表团人数" not in page
    missing = client.post("/activities/new/", data | {"title": "缺期数", "training_sessions": ""}).content.decode()
    assert "培训须填写「培训期数」" in missing


def test_activity_edit_refuses_a_stale_version(client, editor, xinyang):
    activity = pt.activity(xinyang, "来访")
    services.update_activity(activity=activity, user=editor, expected_version=1, delegation_size=20)
    data = {"version": 1, "kind": "visit", "key_task": "KT5", "date": "2024-05-20", "title": "来访"}
    data |= {"delegation_size": 30, "delegation_level": "city"}
    page = client.post(f"/activities/{activity.pk}/edit/", data).content.decode()
    assert "已被他人修改" in page
    activity.refresh_from_db()
    assert activity.delegation_size == 20


def test_activity_list_filters_by_kind_and_dates(client, editor, xinyang):
    pt.activity(xinyang, "五月来访", date=datetime.date(2024, 5, 1))
    pt.activity(
        xinyang,
        "七月研学",
        kind="study_trip",
        date=datetime.date(2024, 7, 1),
        delegation_size=None,
        delegation_level=None,
        participants=40,
    )
    page = client.get("/activities/?kind=study_trip").content.decode()
    assert "七月研学" in page and "五月来访" not in page
    page = client.get("/activities/?since=2024-04-01&until=2024-05-31").content.decode()
    assert "五月来访" in page and "七月研学" not in page
    assert client.get("/activities/?since=not-a-date").status_code == 200


def test_viewer_sees_no_write_buttons_and_is_refused_write_pages(client, xinyang):
    viewer = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    client.force_login(viewer)
    project = pt.project(xinyang)
    assert "新增项目" not in client.get("/projects/").content.decode()
    assert "编辑项目" not in client.get(f"/projects/{project.pk}/").content.decode()
    for url in ["/projects/new/", "/projects/import/", f"/projects/{project.pk}/edit/", "/activities/new/"]:
        assert client.get(url).status_code == 403, url
