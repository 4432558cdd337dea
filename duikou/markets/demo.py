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


def _add_new(rows, exists, create) -> int:
    """Creates, as the platform operator, each row (``create``'s keyword arguments) that ``exists`` does not find
    already; how many it created."""
    from duikou.core.actors import Operator

    operator, added = Operator(), 0
    for fields in rows:
        if not exists(fields):
            create(user=operator, **fields)
            added += 1
    return added


def _region(code: str):
    from duikou.geo.models import Region

    return Region.objects.get(code=code)


LISTING_FIELDS = "origin supplier name category certifications volume_tonnes season price".split()
DEMAND_FIELDS = "region buyer buyer_kind category certifications_required volume_tonnes months price".split()


def load_demo_produce(*, today: datetime.date | None = None) -> dict[str, int]:
    """Listings from 信阳, 六安 and 三明 counties and demands from 苏州 and 上海 buyers, all marked （演示）. Run again,
    it adds nothing twice. Returns what it created."""
    from decimal import Decimal

    from .models import Demand, ProductListing
    from .produce import services as produce

    today = today or timezone.localdate()

    def listings():
        for row in CONSUMPTION_LISTINGS:
            fields = dict(zip(LISTING_FIELDS, row, strict=True))
            (start, end), price = fields.pop("season"), Decimal(fields.pop("price"))
            fields |= {"origin": _region(fields["origin"]), "volume_tonnes": Decimal(fields["volume_tonnes"])}
            yield fields | {"season_start": start, "season_end": end, "price_yuan_kg": price, "note": "演示数据"}

    def demands():
        for row in CONSUMPTION_DEMANDS:
            fields = dict(zip(DEMAND_FIELDS, row, strict=True))
            end, price = today + datetime.timedelta(days=30 * fields.pop("months")), fields.pop("price")
            fields |= {"region": _region(fields["region"]), "volume_tonnes": Decimal(fields["volume_tonnes"])}
            fields |= {"period_start": today, "period_end": end, "max_price_yuan_kg": Decimal(price) if price else None}
            yield fields | {"description": "演示数据"}

    def listed(fields):
        return ProductListing.objects.filter(supplier=fields["supplier"], name=fields["name"]).exists()

    def wanted(fields):
        return Demand.objects.filter(buyer=fields["buyer"], category=fields["category"]).exists()

    with transaction.atomic():
        return {
            "产品供给": _add_new(listings(), listed, produce.create_listing),
            "采购需求": _add_new(demands(), wanted, produce.create_demand),
        }


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


POSTING_FIELDS = "region employer title occupation skills wage_min wage_max housing headcount".split()
SEEKER_FIELDS = "home name occupations skills trainings preferred_regions expected_wage needs_housing".split()


def load_demo_labour(*, valid_until: datetime.date | None = None) -> dict[str, int]:
    """Postings from 苏州 and 上海 employers and job seekers from 信阳 and 六安 counties, all marked （演示）; the
    seekers' ID numbers are synthetic. Run again, it adds nothing twice. Returns what it created."""
    from duikou.core import pii

    from .labour import services as labour
    from .models import JobPosting, JobSeeker

    valid_until = valid_until or datetime.date(timezone.localdate().year + 1, 12, 31)

    def postings():
        for row in LABOUR_POSTINGS:
            fields = dict(zip(POSTING_FIELDS, row, strict=True))
            yield fields | {"region": _region(fields["region"]), "valid_until": valid_until}

    def seekers():
        for serial, row in enumerate(LABOUR_SEEKERS):
            fields = dict(zip(SEEKER_FIELDS, row, strict=True))
            number, name = _labour_demo_id(fields["home"], serial), f"{fields['name']}{LABOUR_DEMO_MARK}"
            yield fields | {"home": _region(fields["home"]), "name": name, "id_number": number}

    def posted(fields):
        return JobPosting.objects.filter(employer=fields["employer"], title=fields["title"]).exists()

    def registered(fields):
        return JobSeeker.objects.filter(id_number_digest=pii.digest(fields["id_number"])).exists()

    with transaction.atomic():
        return {
            "postings": _add_new(postings(), posted, labour.create_posting),
            "seekers": _add_new(seekers(), registered, labour.register_seeker),
        }
