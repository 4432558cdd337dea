"""The red-culture platform's rules: the review (four eyes, sources, 保密审查), takedown at once, drafts only edited,
media checked and cleaned, stops and study visits kept to the pairing."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from duikou import testing as base
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.culture import services
from duikou.culture import testing as ct
from duikou.culture.models import Resource, Route, Status, Stop
from duikou.plans.tests.factories import people
from duikou.projects.models import Activity
from duikou.publication.cache import generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    return people()


def test_review_needs_sources_another_approver_and_the_secrecy_confirmation(who):
    editor, approver = who["xy_editor"], who["xy_approver"]
    item = ct.resource(editor, "无来源旧址", sources="")
    with pytest.raises(UserFacingError, match="资料来源"):
        services.step(editor, item, "submit", version=item.version)
    item = services.edit(editor, item, version=item.version, values={"sources": "《新县志》"})
    item = services.step(editor, item, "submit", version=item.version)
    assert item.status == Status.REVIEW and item.submitted_by == editor
    with pytest.raises(PermissionDenied):  # an editor does not review
        services.step(editor, item, "publish", version=item.version, secrecy_confirmed=True)
    with pytest.raises(UserFacingError, match="保密审查"):
        services.step(approver, item, "publish", version=item.version)
    with pytest.raises(UserFacingError, match="退回意见"):
        services.step(approver, item, "return", version=item.version)
    before = generation()
    item = services.step(approver, item, "publish", version=item.version, secrecy_confirmed=True, note="已审")
    assert item.status == Status.PUBLISHED and item.reviewed_by == approver and item.published_at
    assert generation() == before + 1


def test_who_submitted_may_not_publish_it(who):
    approver = who["xy_approver"]  # an approver may draft too (CHANGE), but not review their own submission
    item = ct.resource(approver, "自审旧址")
    item = services.step(approver, item, "submit", version=item.version)
    with pytest.raises(PermissionDenied, match="提交人不能审核"):
        services.step(approver, item, "publish", version=item.version, secrecy_confirmed=True)
    other = base.user("xy_approver_2", "信阳市人民政府", "approver")
    assert services.step(other, item, "publish", version=item.version, secrecy_confirmed=True).status == "published"


def test_out_of_area_users_neither_draft_nor_review(who):
    with pytest.raises(PermissionDenied):
        ct.resource(who["yanan_editor"], "延安人写信阳", region=ct.XINXIAN)
    item = ct.resource(who["xy_editor"], "信阳旧址")
    item = services.step(who["xy_editor"], item, "submit", version=item.version)
    with pytest.raises(PermissionDenied):
        services.step(who["sz_approver"], item, "publish", version=item.version, secrecy_confirmed=True)
    # the province above reviews
    assert services.step(who["henan"], item, "publish", version=item.version, secrecy_confirmed=True).status


def test_takedown_needs_a_reason_and_raises_the_generation_then_revise_goes_back_to_draft(who):
    editor, approver = who["xy_editor"], who["xy_approver"]
    item = ct.publish(ct.resource(editor, "下架旧址"), editor, approver)
    with pytest.raises(UserFacingError, match="下架理由"):
        services.step(approver, item, "takedown", version=item.version)
    before = generation()
    item = services.step(approver, item, "takedown", version=item.version, note="资料有误")
    assert item.status == Status.WITHDRAWN and item.withdrawn_reason == "资料有误"
    assert generation() == before + 1
    with pytest.raises(UserFacingError, match="只能修改草稿"):
        services.edit(editor, item, version=item.version, values={"description": "改"})
    item = services.step(editor, item, "revise", version=item.version)
    assert item.status == Status.DRAFT
    item = services.edit(editor, item, version=item.version, values={"description": "改正后的简介"})
    assert item.description == "改正后的简介"


def test_a_stale_edit_is_refused(who):
    editor = who["xy_editor"]
    item = ct.resource(editor, "并发旧址")
    services.edit(editor, item, version=item.version, values={"description": "甲"})
    with pytest.raises(StaleObjectError):
        services.edit(editor, item, version=item.version, values={"description": "乙"})


def test_a_new_row_may_not_replace_a_published_resource_of_the_same_name(who):
    editor, approver = who["xy_editor"], who["xy_approver"]
    ct.publish(ct.resource(editor, "同名旧址"), editor, approver)
    clone = Resource(**ct.RESOURCE | {"description": "想改的简介"}, name="同名旧址", region_id=ct.XINXIAN)
    with pytest.raises(ValidationError, match="已提交审核或已发布"):
        clone.full_clean()
    same = Resource(**ct.RESOURCE, name="同名旧址", region_id=ct.XINXIAN)  # replaces nothing, but is a second row
    same.clean()
    with pytest.raises(ValidationError, match="同一地区已有同名资源"):
        same.full_clean()


def test_coordinates_outside_china_are_refused(who):
    with pytest.raises(ValidationError) as caught:
        ct.resource(who["xy_editor"], "坐标错误", latitude=-31.6)
    assert "latitude" in caught.value.message_dict


# --- media -------------------------------------------------------------------------------------------------------


def test_an_image_loses_its_exif_and_location(who):
    item = ct.resource(who["xy_editor"], "图片旧址")
    data = ct.jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825)  # the upload carries a GPS position
    medium = services.add_medium(
        who["xy_editor"], item, ct.upload("IMG_0001 张三家.jpg", data), caption="外景", alt="外景", credit="自摄"
    )
    stored = medium.file.read()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif()  # no EXIF at all: no model, no GPS
        assert "exif" not in image.info and "xmp" not in image.info
    assert b"DuikouCam" not in stored
    assert "张三" not in medium.file.name and medium.file.name.endswith(".jpg")
    assert medium.kind == "image" and medium.content_type == "image/jpeg" and len(medium.digest) == 64


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.docx", b"PK\x03\x04 not a picture", "格式不受支持"),
        ("clip.mp4", ct.mp4_with_location(), "拍摄地点"),
        ("clip.mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "QuickTime"),
        ("photo.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"),
        ("broken.jpg", b"\xff\xd8\xff\xe0 truncated", "不是可读取的图片"),
        ("empty.mp3", b"", "空文件"),
    ],
)
def test_unsupported_or_unsafe_media_are_refused_by_name(who, name, data, message):
    item = ct.resource(who["xy_editor"], "媒体旧址")
    with pytest.raises(UserFacingError, match=message) as caught:
        services.add_medium(who["xy_editor"], item, ct.upload(name, data), caption="说明", alt="替代", credit="来源")
    if data:
        assert name in str(caught.value)


def test_size_limits_per_kind(who, settings):
    settings.DUIKOU_CULTURE_MAX_MB = {**settings.DUIKOU_CULTURE_MAX_MB, "audio": 1}
    item = ct.resource(who["xy_editor"], "大文件旧址")
    big = ct.wav(seconds=70)  # 8 kHz 16-bit mono: about 1.1 MB
    with pytest.raises(UserFacingError, match="上限 1 MB"):
        services.add_medium(who["xy_editor"], item, ct.upload("long.wav", big), caption="录音", credit="来源")


def test_an_image_needs_alt_text_and_an_oral_history_recording_its_transcript(who):
    editor = who["xy_editor"]
    item = ct.resource(editor, "替代文本旧址")
    with pytest.raises(ValidationError) as caught:
        services.add_medium(editor, item, ct.upload("a.jpg", ct.jpeg_with_gps()), caption="外景", credit="自摄")
    assert "alt" in caught.value.message_dict
    oral = ct.resource(editor, "口述史条目", kind=Resource.Kind.ORAL)
    with pytest.raises(ValidationError) as caught:
        services.add_medium(editor, oral, ct.upload("a.wav", ct.wav()), caption="录音", credit="自录")
    assert "transcript" in caught.value.message_dict
    medium = services.add_medium(
        editor, oral, ct.upload("a.wav", ct.wav()), caption="录音", credit="自录", transcript="文字稿"
    )
    assert medium.kind == "audio" and medium.content_type == "audio/wav"
    pdf = services.add_medium(editor, oral, ct.upload("doc.pdf", b"%PDF-1.4\n%%EOF\n"), caption="档案", credit="馆藏")
    assert pdf.kind == "document"


def test_removing_a_medium_keeps_its_row(who):
    editor = who["xy_editor"]
    item = ct.resource(editor, "移除旧址")
    medium = services.add_medium(editor, item, ct.upload("a.pdf", b"%PDF-1.4\n"), caption="档案", credit="馆藏")
    services.remove_medium(editor, medium)
    medium.refresh_from_db()
    assert medium.removed_at is not None and medium.removed_by == editor


# --- routes and visits ---------------------------------------------------------------------------------------------


def test_stops_stay_within_the_days_and_the_pairing(who):
    editor = who["xy_editor"]
    pairing = base.pairing("信阳市", "苏州市")
    route = services.create(
        editor, Route, {"pairing": pairing, "name": "线路", "days": 1, "description": "简介", "sources": "来源"}
    )
    inside = ct.resource(editor, "线路旧址")
    with pytest.raises(ValidationError, match="第 2 天不在其中"):
        services.add_stop(editor, route, resource=inside, day=2)
    yanan = ct.resource(base.user("ya_editor2", "延安市人民政府", "editor"), "延安旧址", region=ct.YANAN)
    with pytest.raises(PermissionDenied):  # a draft of another city is not even seen
        services.add_stop(editor, route, resource=yanan, day=1)
    stop = Stop(route=route, resource=yanan, day=1, order=1)
    with pytest.raises(ValidationError, match="不在该结对关系的两市"):
        stop.full_clean()
    assert services.add_stop(editor, route, resource=inside, day=1).order == 1
    with pytest.raises(UserFacingError, match="尚未发布"):
        route = services.step(editor, route, "submit", version=route.version)
        services.step(who["xy_approver"], route, "publish", version=route.version, secrecy_confirmed=True)


def test_a_route_without_stops_is_not_submitted(who):
    pairing = base.pairing("信阳市", "苏州市")
    route = services.create(
        who["xy_editor"], Route, {"pairing": pairing, "name": "空线路", "days": 1, "description": "简", "sources": "源"}
    )
    with pytest.raises(UserFacingError, match="还没有站点"):
        services.step(who["xy_editor"], route, "submit", version=route.version)


def test_only_study_trips_of_the_pairing_are_linked(who):
    import datetime

    editor = who["xy_editor"]
    pairing = base.pairing("信阳市", "苏州市")
    item = ct.resource(editor, "研学旧址")
    visit = Activity.objects.create(
        pairing=pairing, kind=Activity.Kind.VISIT, key_task_id="KT1", date=datetime.date(2026, 3, 1), title="互访",
        delegation_size=5, delegation_level="city",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="不是研学活动"):
        services.link_visit(editor, item, visit)


def test_a_submission_waits_in_the_reviewers_to_do_and_not_the_submitters(who):
    from duikou.todo import todo_for

    editor, approver = who["xy_editor"], who["xy_approver"]
    item = ct.resource(editor, "待办旧址")
    services.step(editor, item, "submit", version=item.version)
    mine = [i for i in todo_for(approver)[0] if i.source == "culture"]
    assert [(i.title, i.action, i.link) for i in mine] == [
        ("待办旧址", "审核通过并发布、退回修改", f"/culture/resources/{item.pk}/")
    ]
    assert mine[0].turn == "等待 信阳市 处理"
    assert not [i for i in todo_for(editor)[0] if i.source == "culture"]
    assert not [i for i in todo_for(who["sz_approver"])[0] if i.source == "culture"]
