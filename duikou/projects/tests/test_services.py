import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from duikou import testing
from duikou.core.digests import sm3_hex
from duikou.core.errors import StaleObjectError
from duikou.projects import queries, services
from duikou.projects import testing as pt
from duikou.projects.models import Evidence, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def xinyang():
    return testing.pairing("信阳市", "苏州市")


@pytest.fixture
def editor():
    return testing.user("xy_editor", "信阳市人民政府", "editor")


def test_editor_records_a_project_with_audit_history(xinyang, editor):
    project = pt.project(xinyang, "苏信合作电子信息产业园", user=editor, park="豫东南高新区")
    assert project.version == 1 and project.location.name == "潢川县"
    entry = LogEntry.objects.get_for_object(project).get()
    assert entry.actor == editor and entry.changes_dict["name"][1] == "苏信合作电子信息产业园"


def test_location_must_be_a_county(xinyang, editor):
    with pytest.raises(ValidationError) as exc:
        pt.project(xinyang, user=editor, location=pt.county("411500"))
    assert "须为县级行政区" in exc.value.message_dict["location"][0]
    assert "信阳市" in exc.value.message_dict["location"][0]


def test_location_must_be_in_the_pairing(xinyang, editor):
    with pytest.raises(ValidationError) as exc:
        pt.project(xinyang, user=editor, location=pt.county("610602"))
    assert "不在结对双方" in exc.value.message_dict["location"][0]


def test_location_on_the_partner_side_is_allowed(xinyang, editor):
    suzhou_county = pt.county("320505")  # 虎丘区（飞地经济：项目可在东部一侧）
    assert pt.project(xinyang, user=editor, location=suzhou_county).location == suzhou_county


def test_in_place_cannot_exceed_signed(xinyang, editor):
    with pytest.raises(ValidationError) as exc:
        pt.project(xinyang, user=editor, investment_signed=Decimal("100"), investment_in_place=Decimal("150"))
    assert exc.value.message_dict["investment_in_place"] == ["到位资金（150.00 万元）不能超过签约投资（100.00 万元）"]


def test_negative_investment_is_refused_with_the_field_named(xinyang, editor):
    with pytest.raises(ValidationError) as exc:
        pt.project(xinyang, user=editor, investment_planned=Decimal("-1"))
    assert exc.value.message_dict["investment_planned"] == ["「计划投资（万元）」不能为负数"]


def test_the_database_refuses_negative_or_excess_investment_by_any_path(xinyang):
    base = pt.project(xinyang)
    for field, value in [("investment_signed", -5), ("investment_in_place", 10_000)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Project.objects.filter(pk=base.pk).update(**{field: value})


def test_funding_sources_are_checked(xinyang, editor):
    with pytest.raises(ValidationError) as exc:
        pt.project(xinyang, user=editor, funding_sources=["lottery"])
    assert "资金来源须从以下选择" in exc.value.message_dict["funding_sources"][0]
    project = pt.project(xinyang, "多来源", user=editor, funding_sources=["other", "central_budget", "other"])
    assert project.funding_sources == ["central_budget", "other"]
    assert project.funding_source_labels == ["中央预算内投资", "其他"]


def test_key_task_must_be_a_key_task(xinyang, editor):
    with pytest.raises(ValidationError) as exc:
        pt.project(xinyang, user=editor, key_task=pt.task("Y26-01"))
    assert "不是重点任务" in exc.value.message_dict["key_task"][0]


def test_same_name_twice_in_one_pairing_is_refused(xinyang, editor):
    pt.project(xinyang, "同名项目", user=editor)
    with pytest.raises(ValidationError, match="同一结对关系下已有同名项目"):
        pt.project(xinyang, "同名项目", user=editor)


def test_city_outside_the_pairing_cannot_record_for_it(xinyang):
    yanan = testing.user("ya_editor", "延安市人民政府", "editor")
    with pytest.raises(PermissionDenied):
        pt.project(xinyang, user=yanan)


def test_viewer_cannot_record(xinyang):
    with pytest.raises(PermissionDenied):
        pt.project(xinyang, user=testing.user("xy_viewer", "信阳市人民政府", "viewer"))


def test_both_sides_and_their_provinces_see_the_project_others_do_not(xinyang):
    project = pt.project(xinyang)
    for name in ["信阳市人民政府", "苏州市人民政府", "河南省人民政府", "江苏省人民政府", "国家发展改革委（振兴司）"]:
        viewer = testing.user(f"v{len(name)}{name[:2]}", name, "viewer")
        assert list(queries.projects_for(viewer)) == [project], name
    stranger = testing.user("ya", "延安市人民政府", "viewer")
    assert not queries.projects_for(stranger).exists()
    with pytest.raises(Http404):
        queries.project_for(stranger, project.pk)


def test_second_save_of_the_same_version_is_refused_and_nothing_is_lost(xinyang, editor):
    project = pt.project(xinyang, user=editor)
    suzhou = testing.user("sz_editor", "苏州市人民政府", "editor")
    services.update_project(project=project, user=editor, expected_version=1, park="豫东南高新区")
    with pytest.raises(StaleObjectError, match="已被他人修改（您编辑的是第 1 版，当前为第 2 版）"):
        services.update_project(project=project, user=suzhou, expected_version=1, park="苏州工业园区")
    project.refresh_from_db()
    assert (project.park, project.version) == ("豫东南高新区", 2)


def test_edit_is_audited_with_before_and_after(xinyang, editor):
    project = pt.project(xinyang, user=editor)
    services.update_project(project=project, user=editor, expected_version=1, status="operating")
    entry = LogEntry.objects.get_for_object(project).latest("timestamp")
    assert entry.actor == editor and entry.changes_dict["status"] == ["construction", "operating"]


def test_overdue_milestones_are_seen_by_both_cities_and_provinces_only(xinyang, editor):
    project = pt.project(xinyang, user=editor)
    today = datetime.date(2026, 6, 1)
    late = services.add_milestone(project=project, user=editor, name="厂房封顶", due_date=datetime.date(2026, 3, 31))
    services.add_milestone(project=project, user=editor, name="未到期", due_date=datetime.date(2026, 12, 31))
    services.add_milestone(
        project=project,
        user=editor,
        name="已完成",
        due_date=datetime.date(2026, 1, 31),
        done_date=datetime.date(2026, 2, 2),
    )
    for org in ["信阳市人民政府", "苏州市人民政府", "河南省人民政府", "江苏省人民政府"]:
        viewer = testing.user(f"o{org[:2]}", org, "viewer")
        assert list(queries.overdue_milestones_for(viewer, today=today)) == [late], org
    stranger = testing.user("ya", "延安市人民政府", "viewer")
    assert not queries.overdue_milestones_for(stranger, today=today).exists()


def test_milestones_of_finished_or_terminated_projects_are_not_overdue(xinyang, editor):
    project = pt.project(xinyang, user=editor, status="terminated")
    services.add_milestone(project=project, user=editor, name="已作废", due_date=datetime.date(2020, 1, 1))
    assert not queries.overdue_milestones_for(editor).exists()


def test_completing_a_milestone_takes_it_off_the_overdue_list(xinyang, editor):
    project = pt.project(xinyang, user=editor)
    milestone = services.add_milestone(project=project, user=editor, name="开工", due_date=datetime.date(2025, 1, 1))
    assert queries.overdue_milestones_for(editor).count() == 1
    services.complete_milestone(milestone=milestone, user=editor)
    assert not queries.overdue_milestones_for(editor).exists()


def test_done_date_cannot_be_in_the_future(xinyang, editor):
    project = pt.project(xinyang, user=editor)
    with pytest.raises(ValidationError, match="实际完成日期不能晚于今天"):
        services.add_milestone(
            project=project,
            user=editor,
            name="x",
            due_date=datetime.date(2026, 1, 1),
            done_date=timezone.localdate() + datetime.timedelta(days=3),
        )


def test_progress_update_keeps_evidence_with_its_sm3_digest(xinyang, editor, settings):
    project = pt.project(xinyang, user=editor)
    content = "厂房封顶验收记录".encode()
    update = services.add_progress_update(
        project=project,
        user=editor,
        date=datetime.date(2025, 6, 1),
        text="一期厂房封顶",
        files=[SimpleUploadedFile("验收记录.pdf", content, content_type="application/pdf")],
    )
    evidence = update.evidence.get()
    assert evidence.name == "验收记录.pdf" and evidence.size == len(content)
    assert evidence.sm3 == sm3_hex(content) and len(evidence.sm3) == 64
    assert str(settings.MEDIA_ROOT) in evidence.file.path and evidence.file.read() == content
    assert services.verify_evidence(evidence)
    with open(evidence.file.path, "wb") as handle:
        handle.write(b"tampered")
    assert not services.verify_evidence(Evidence.objects.get(pk=evidence.pk))


def refused_evidence(project, user, upload) -> str:
    """The message a progress update with ``upload`` as its one piece of evidence is refused with."""
    with pytest.raises(ValidationError) as exc:
        services.add_progress_update(
            project=project, user=user, date=datetime.date(2025, 6, 1), text="x", files=[upload]
        )
    return exc.value.message_dict["files"][0]


def test_evidence_of_an_unsupported_type_is_refused_and_nothing_is_saved(xinyang, editor):
    project = pt.project(xinyang, user=editor)
    assert "「run.exe」的格式不支持" in refused_evidence(project, editor, SimpleUploadedFile("run.exe", b"MZ"))
    assert not project.updates.exists()


def test_progress_update_date_cannot_be_in_the_future(xinyang, editor):
    project = pt.project(xinyang, user=editor)
    with pytest.raises(ValidationError, match="进展日期不能晚于今天"):
        services.add_progress_update(
            project=project, user=editor, date=timezone.localdate() + datetime.timedelta(days=1), text="x"
        )


def test_ended_pairing_takes_no_new_projects(xinyang, editor):
    from duikou.pairings.testing import repair_with_wuxi

    overseer = testing.user("ndrc", "国家发展改革委（振兴司）", "approver")
    repair_with_wuxi(xinyang, overseer)
    xinyang.refresh_from_db()
    with pytest.raises(ValidationError, match="该结对关系已调整"):
        pt.project(xinyang, user=overseer)


def test_evidence_larger_than_the_upload_limit_is_refused_naming_it(xinyang, editor, settings):
    settings.DUIKOU_UPLOAD_MAX_MB = 1
    project = pt.project(xinyang, user=editor)
    too_large = SimpleUploadedFile("会议纪要.pdf", b"%PDF" + b"x" * (1024 * 1024))
    assert "佐证材料「会议纪要.pdf」有 1.0 MB，超过上传文件上限 1 MB" in refused_evidence(project, editor, too_large)
    assert not project.updates.exists()
