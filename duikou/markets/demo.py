"""Demo data for matching, every record marked as demo (演示): what `duikou demo-markets` loads."""

import datetime

from django.db import transaction
from django.utils import timezone

# produce demo

CONSUMPTION_LISTINGS = (
    # (origin county, supplier, product, category, certifications, tonnes, season, price 元/kg)
    ("411502", "信阳市浉河区某茶叶专业合作社（演示）", "信阳毛尖", "tea", ["gi", "green"], "8", (4, 6), "360"),
    ("411524", "商城县某茶业有限公司（演示）", "信阳红茶", "tea", ["green"], "5", (5, 9), "220"),
    ("411522", "光山县某农产品合作社（演示）", "光山麻鸭", "meat_egg", [], "40", (1, 12), "32"),
    ("341524", "金寨县某茶叶专业合作社（演示）", "六安瓜片", "tea", ["gi"], "6", (4, 7), "420"),
    ("341525", "霍山县某石斛种植基地（演示）", "霍山石斛", "herbs", ["gi", "organic"], "2", (10, 3), "1800"),
    ("350405", "沙县区某食品有限公司（演示）", "沙县小吃速冻扁肉", "processed", [], "60", (1, 12), "28"),
)
CONSUMPTION_DEMANDS = (
    # (buyer place, buyer, kind, category, required certifications, tonnes, months from now, max price 元/kg)
    ("320508", "苏州市姑苏区某机关食堂（演示）", "canteen", "tea", ["gi"], "3", 6, "400"),
    ("320505", "苏州高新区某企业工会（演示）", "union", "tea", [], "2", 4, None),
    ("320508", "苏州某连锁超市（演示）", "retailer", "meat_egg", [], "30", 12, "35"),
    ("310104", "上海市徐汇区某机关食堂（演示）", "canteen", "processed", [], "20", 12, "30"),
    ("310115", "上海浦东某商超（演示）", "retailer", "tea", ["gi"], "4", 6, None),
    ("310104", "上海某国企工会（演示）", "union", "herbs", ["organic"], "1", 12, "2000"),
)


def load_demo_produce(*, today: datetime.date | None = None) -> dict[str, int]:
    """Listings from 信阳, 六安 and 三明 counties and demands from 苏州 and 上海 buyers, all marked （演示）. Run again,
    it adds nothing twice. Returns what it created."""
    from decimal import Decimal

    from duikou.core.actors import Operator
    from duikou.geo.models import Region

    from .models import Demand, ProductListing
    from .produce import services as produce

    operator, counts = Operator(), {"产品供给": 0, "采购需求": 0}
    today = today or timezone.localdate()
    with transaction.atomic():
        for code, supplier, name, category, certs, tonnes, (start, end), price in CONSUMPTION_LISTINGS:
            if ProductListing.objects.filter(supplier=supplier, name=name).exists():
                continue
            produce.create_listing(
                user=operator,
                supplier=supplier,
                origin=Region.objects.get(code=code),
                category=category,
                name=name,
                certifications=certs,
                volume_tonnes=Decimal(tonnes),
                season_start=start,
                season_end=end,
                price_yuan_kg=Decimal(price),
                note="演示数据",
            )
            counts["产品供给"] += 1
        for code, buyer, kind, category, certs, tonnes, months, price in CONSUMPTION_DEMANDS:
            if Demand.objects.filter(buyer=buyer, category=category).exists():
                continue
            produce.create_demand(
                user=operator,
                buyer=buyer,
                buyer_kind=kind,
                region=Region.objects.get(code=code),
                category=category,
                description="演示数据",
                volume_tonnes=Decimal(tonnes),
                period_start=today,
                period_end=today + datetime.timedelta(days=30 * months),
                certifications_required=certs,
                max_price_yuan_kg=Decimal(price) if price else None,
            )
            counts["采购需求"] += 1
    return counts


# labour demo

LABOUR_POSTINGS = (
    # (work place, employer, title, occupation, skills, wage_min, wage_max, housing, headcount)
    (
        "320505",
        "苏州高新区某精密电子有限公司（演示）",
        "SMT 产线操作工",
        "electronics",
        ["assembly"],
        5000,
        6500,
        True,
        30,
    ),
    (
        "320506",
        "苏州吴中区某机械制造有限公司（演示）",
        "数控车床操作工",
        "manufacturing",
        ["cnc"],
        6000,
        8000,
        True,
        10,
    ),
    (
        "320507",
        "苏州相城区某物流有限公司（演示）",
        "叉车司机",
        "logistics",
        ["forklift", "warehouse"],
        5500,
        7000,
        False,
        8,
    ),
    ("310115", "上海浦东某养老服务中心（演示）", "养老护理员", "domestic", ["elderly_care"], 5500, 7000, True, 12),
    ("310112", "上海闵行区某餐饮管理有限公司（演示）", "中餐厨师", "catering", ["cook"], 6000, 8500, True, 6),
)
LABOUR_SEEKERS = (
    # (home county, name, occupations, skills, trainings, preferred regions, expected wage, needs housing)
    ("411526", "王建国", ["electronics", "manufacturing"], ["assembly"], ["electrician"], ["320500"], 5500, True),
    ("411525", "李秀英", ["domestic"], ["housekeeping"], ["elderly_care"], ["310000", "320000"], 5000, True),
    ("411522", "张磊", ["manufacturing"], ["cnc"], ["cnc"], ["320000"], 7000, True),
    ("411524", "刘洋", ["logistics"], ["driver"], ["forklift"], [], 6000, False),
    ("341522", "陈静", ["catering", "domestic"], ["cook"], [], ["310000"], 6000, True),
    ("341524", "杨勇", ["electronics"], [], ["assembly"], ["320000", "310000"], 5000, True),
    ("341502", "黄艳", ["domestic"], ["elderly_care", "childcare"], ["elderly_care"], ["310000"], 5500, False),
)
LABOUR_DEMO_MARK = "（演示）"


def _labour_demo_id(county: str, serial: int) -> str:
    """A synthetic ID number (valid check digit) in the 900–999 sequence range, born 1990-01-01."""
    from duikou.core import pii

    first = f"{county}19900101{900 + serial:03d}"
    return first + pii.id_check_digit(first)


def load_demo_labour(*, valid_until: datetime.date | None = None) -> dict[str, int]:
    """Postings from 苏州 and 上海 employers and job seekers from 信阳 and 六安 counties, all marked （演示）; the
    seekers' ID numbers are synthetic. Run again, it adds nothing twice. Returns what it created."""
    from duikou.core import pii
    from duikou.core.actors import Operator
    from duikou.geo.models import Region

    from .labour import services as labour
    from .models import JobPosting, JobSeeker

    operator, counts = Operator(), {"postings": 0, "seekers": 0}
    valid_until = valid_until or datetime.date(timezone.localdate().year + 1, 12, 31)
    with transaction.atomic():
        for code, employer, title, occupation, skills, low, high, housing, headcount in LABOUR_POSTINGS:
            if JobPosting.objects.filter(employer=employer, title=title).exists():
                continue
            labour.create_posting(
                user=operator,
                employer=employer,
                region=Region.objects.get(code=code),
                title=title,
                occupation=occupation,
                skills=skills,
                wage_min=low,
                wage_max=high,
                housing=housing,
                headcount=headcount,
                valid_until=valid_until,
            )
            counts["postings"] += 1
        for serial, (home, name, occupations, skills, trainings, regions, wage, housing) in enumerate(LABOUR_SEEKERS):
            number = _labour_demo_id(home, serial)
            if JobSeeker.objects.filter(id_number_digest=pii.digest(number)).exists():
                continue
            labour.register_seeker(
                user=operator,
                home=Region.objects.get(code=home),
                name=f"{name}{LABOUR_DEMO_MARK}",
                id_number=number,
                occupations=occupations,
                skills=skills,
                trainings=trainings,
                preferred_regions=regions,
                expected_wage=wage,
                needs_housing=housing,
            )
            counts["seekers"] += 1
    return counts
