"""Test helpers: media files made on the spot (a JPEG carrying a GPS position, a short WAV, an MP4 with a location
atom) and a 信阳–苏州 world with a published resource, a draft and a route."""

import datetime
import io
import struct
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from duikou import testing as base
from duikou.plans.tests.factories import people
from duikou.projects.models import Activity

from . import services
from .demo import tone_wav as wav  # noqa: F401 (tests make recordings with it)
from .models import Resource, Route

XINXIAN = "411523"  # 新县, 信阳市
CHANGSHU = "320581"  # 常熟市, 苏州市
YANAN = "610602"  # 宝塔区, 延安市 (out of 信阳's scope)


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A JPEG whose EXIF holds a camera model and a GPS position (what an upload must lose)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "DuikouCam 1"  # Model
    exif[0x8825] = {1: "N", 2: (31.0, 38.0, 24.0), 3: "E", 4: (114.0, 52.0, 46.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def mp4_with_location() -> bytes:
    """The start of an MP4 whose metadata carries a ©xyz location atom (as a phone writes it)."""
    ftyp = struct.pack(">I", 20) + b"ftypisom" + b"\x00\x00\x02\x00" + b"isom"
    xyz = b"\xa9xyz" + b"+31.6401+114.8795/"
    moov = struct.pack(">I", 8 + len(xyz)) + b"moov" + xyz
    return ftyp + moov


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


RESOURCE = {
    "kind": Resource.Kind.SITE,
    "latitude": Decimal("31.64"),
    "longitude": Decimal("114.88"),
    "description": "旧址简介",
    "sources": "测试来源：某年某报",
}


def resource(user, name: str, region: str = XINXIAN, **extra) -> Resource:
    from duikou.geo.models import Region

    values = {**RESOURCE, "name": name, "region": Region.objects.get(code=region), **extra}
    return services.create(user, Resource, values)


def publish(item, editor, approver):
    item = services.step(editor, item, "submit", version=item.version)
    return services.step(approver, item, "publish", version=item.version, secrecy_confirmed=True)


def world(who: dict | None = None) -> dict:
    """信阳–苏州 with: a published site in 新县 with an image and an oral history recording, a published memorial in
    常熟, a draft resource and a resource taken down (both with secrets in them), a published 2-day route through the
    two, a draft route, and a 研学 activity linked to the site."""
    who = who or people()
    editor, approver = who["xy_editor"], who["xy_approver"]
    pairing = base.pairing("信阳市", "苏州市")
    site = resource(editor, "测试旧址", name_en="Test former site", description_en="About the site")
    services.add_medium(
        editor, site, upload("photo.jpg", jpeg_with_gps()), caption="旧址外景", alt="红砖院落外景", credit="测试拍摄"
    )
    oral = resource(editor, "测试口述史", kind=Resource.Kind.ORAL)
    services.add_medium(
        editor, oral, upload("oral.wav", wav()), caption="口述录音", transcript="口述文字稿内容", credit="测试录制"
    )
    trip = Activity.objects.create(
        pairing=pairing,
        kind=Activity.Kind.STUDY_TRIP,
        key_task_id="KT1",
        date=datetime.date(2026, 5, 1),
        title="苏州学生赴新县研学",
        participants=40,
        note="带队老师 13800000099",
    )
    services.link_visit(editor, site, trip)
    site = publish(site, editor, approver)
    oral = publish(oral, editor, approver)
    suzhou_editor = base.user("sz_editor", "苏州市人民政府", "editor")
    memorial = resource(suzhou_editor, "测试纪念馆", region=CHANGSHU)
    memorial = publish(memorial, suzhou_editor, who["sz_approver"])
    draft = resource(editor, "草稿资源不得公开", description="草稿简介秘密")
    gone = resource(editor, "已下架资源不得公开")
    gone = publish(gone, editor, approver)
    gone = services.step(approver, gone, "takedown", version=gone.version, note="下架理由内部")
    route = services.create(
        editor,
        Route,
        {"pairing": pairing, "name": "测试精品线路", "days": 2, "description": "线路简介", "sources": "测试来源"},
    )
    services.add_stop(editor, route, resource=site, day=1)
    services.add_stop(editor, route, resource=oral, day=1)
    services.add_stop(editor, route, resource=memorial, day=2)
    route = publish(route, editor, approver)
    draft_route = services.create(
        editor,
        Route,
        {"pairing": pairing, "name": "草稿线路不得公开", "days": 1, "description": "草稿", "sources": "来源"},
    )
    return {
        "who": who,
        "pairing": pairing,
        "site": site,
        "oral": oral,
        "memorial": memorial,
        "draft": draft,
        "gone": gone,
        "route": route,
        "draft_route": draft_route,
        "trip": trip,
    }
