"""The red-culture platform's demo set (示例数据): three real memorial sites named by public sources — each row cites
its source, and nothing is said of them that the source does not say —, one oral-history entry that is plainly a demo
(a synthetic tone, no testimony), and a route of the 信阳–苏州 pairing through the three sites. Every item is marked
``demo``, so every public page says 示例数据. Coordinates are approximate (the county seat or town), said so in each
item's sources. Drafted and reviewed by demo accounts that cannot sign in; may be run again (nothing is added twice).
"""

import io
import math
import struct
import wave
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from duikou.accounts.models import Organisation, User
from duikou.geo.models import OldArea, Region
from duikou.pairings.models import Pairing

from . import services
from .models import Resource, Route, Status

XINYANG_DAILY = (
    "《信阳日报》2012年8月7日，https://ribao.xyxww.com.cn/html/2012-08/07/content_64315.htm（2026年12月查阅）"
)
GUANGMING = (
    "《光明日报》2006年2月8日，https://neamco.com/01gmrb/2006-02/08/content_370356.htm（转载页，2026年12月查阅）"
)
APPROXIMATE = "坐标：所在县城（镇）的近似位置，未实地核对（示例数据）"
DEMO_NOTE = "演示：示例数据，未经真实保密审查"

SITES = [
    {
        "name": "中共鄂豫皖中央分局、省委旧址",
        "region": "411523",
        "old_area": "大别山革命老区",
        "latitude": Decimal("31.64"),
        "longitude": Decimal("114.88"),
        "protection": Resource.Protection.NATIONAL,
        "description": "位于新县城内首府路。1988年经国务院批准为全国重点文物保护单位，2001年被中宣部公布为全国爱国主义"
        "教育示范基地（据所列报道）。",
        "sources": f"{XINYANG_DAILY}\n{APPROXIMATE}",
    },
    {
        "name": "红四方面军总部旧址",
        "region": "411523",
        "old_area": "大别山革命老区",
        "latitude": Decimal("31.63"),
        "longitude": Decimal("114.87"),
        "protection": "",
        "description": "位于新县城内首府路，为清末民居式建筑，现存前3排房屋保存完好（据所列报道）。",
        "sources": f"{XINYANG_DAILY}\n{APPROXIMATE}",
    },
    {
        "name": "沙家浜革命历史纪念馆",
        "region": "320581",
        "old_area": None,
        "latitude": Decimal("31.56"),
        "longitude": Decimal("120.82"),
        "protection": "",
        "description": "位于常熟市沙家浜镇，1998年建成，陈列沙家浜革命斗争历史照片和革命文物；沙家浜是全国爱国主义教育"
        "示范基地（据所列报道）。",
        "sources": f"{GUANGMING}\n{APPROXIMATE}",
    },
]
ORAL = {
    "name": "口述史演示条目（示例数据，非真实口述）",
    "region": "411523",
    "old_area": "大别山革命老区",
    "latitude": Decimal("31.65"),
    "longitude": Decimal("114.89"),
    "protection": "",
    "description": "本条目只用于演示口述史的展示方式：录音是合成的提示音，不是任何人的讲述。真实的口述史由所在地按采访"
    "记录整理、经本人同意后发布。",
    "sources": "示例数据：演示用合成音频，无出处",
}
ROUTE = {
    "name": "信阳—苏州红色研学示例线路",
    "days": 3,
    "description": "示例数据：演示精品线路如何按天连接结对双方城市的资源，不是已发布的旅游线路。",
    "sources": f"站点出处见各资源\n{DEMO_NOTE}",
}


def tone_wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A short WAV of a 440 Hz tone: the demo's stand-in for a recording (phones and browsers play WAV)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = (int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate)))
        w.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return out.getvalue()


def _account(username: str, organisation: str, role: str, label: str) -> User:
    org = Organisation.objects.get(name=organisation)
    user, created = User.objects.get_or_create(
        username=username, defaults={"organisation": org, "role": role, "display_name": label}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _resource(editor: User, approver: User, row: dict) -> tuple[Resource, bool]:
    found = Resource.objects.filter(region_id=row["region"], name=row["name"]).first()
    if found is not None:
        return found, False
    values = {
        **row,
        "kind": row.get("kind", Resource.Kind.SITE),
        "region": Region.objects.get(code=row["region"]),
        "old_area": OldArea.objects.filter(name=row["old_area"]).first() if row["old_area"] else None,
    }
    item = services.create(editor, Resource, values, demo=True)
    if item.kind == Resource.Kind.ORAL:
        services.add_medium(
            editor,
            item,
            SimpleUploadedFile("demo.wav", tone_wav(seconds=3)),
            caption="演示录音（合成提示音）",
            caption_en="Demo recording (a synthetic tone)",
            transcript="（示例数据）这是一段演示用的合成提示音，没有讲述内容。真实的口述史在此显示讲述人的讲述文字稿。",
            credit="示例数据，平台生成",
        )
    item = services.step(editor, item, "submit", version=item.version)
    item = services.step(approver, item, "publish", version=item.version, secrecy_confirmed=True, note=DEMO_NOTE)
    return item, True


def load_demo_culture() -> dict[str, int]:
    """Publish the demo set; returns how many resources and routes were added now."""
    xy_editor = _account(
        "demo_xinyang_culture_editor", "信阳市人民政府", "editor", "信阳市红色文化演示填报（不可登录）"
    )
    xy_approver = _account("demo_xinyang_approver", "信阳市人民政府", "approver", "信阳市演示数据审批（不可登录）")
    sz_editor = _account("demo_suzhou_culture_editor", "苏州市人民政府", "editor", "苏州市红色文化演示填报（不可登录）")
    sz_approver = _account("demo_suzhou_approver", "苏州市人民政府", "approver", "苏州市演示数据审批（不可登录）")
    counts = {"resources": 0, "routes": 0}
    with transaction.atomic():
        made = []
        for row in SITES:
            side = (xy_editor, xy_approver) if row["region"].startswith("41") else (sz_editor, sz_approver)
            item, new = _resource(*side, row)
            made.append(item)
            counts["resources"] += new
        counts["resources"] += _resource(xy_editor, xy_approver, {**ORAL, "kind": Resource.Kind.ORAL})[1]
        pairing = Pairing.objects.get(code="N09")
        if not Route.objects.filter(pairing=pairing, name=ROUTE["name"]).exists():
            route = services.create(xy_editor, Route, {**ROUTE, "pairing": pairing}, demo=True)
            for day, item in ((1, made[0]), (1, made[1]), (3, made[2])):
                services.add_stop(xy_editor, route, resource=item, day=day)
            route = services.step(xy_editor, route, "submit", version=route.version)
            services.step(xy_approver, route, "publish", version=route.version, secrecy_confirmed=True, note=DEMO_NOTE)
            counts["routes"] += 1
    counts["published"] = Resource.objects.filter(demo=True, status=Status.PUBLISHED).count()
    return counts
