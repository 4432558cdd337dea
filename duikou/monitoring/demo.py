"""A synthetic household registry for demonstrations and benchmarks (`duikou demo-households`).

Everything here is invented: households over real village codes (data/geo), names drawn from common surnames,
ID numbers that are syntactically valid (GB 11643 check digit) but belong to nobody, incomes drawn from a
log-normal distribution. Every household's number starts with ``DEMO-`` and its address says 演示数据, so demo
rows can always be told apart (and removed) from real ones. The income parameters below are generator settings
chosen to look like rural per-capita net incomes, not statistics.

ID numbers go through the same pii functions as real ones (SM4-GCM ciphertext, keyed SM3 digest, masked copy);
rows are written with bulk_create in batches (the audit history is for people's changes, not generated data).
"""

import datetime
import math
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from duikou.core import pii
from duikou.core.errors import UserFacingError
from duikou.geo.models import Region
from duikou.geo.services import load_regions_under

from .models import Difficulty, Household, IncomeRecord, Member

DEMO_PREFIX = "DEMO-"
DEMO_ADDRESS = "演示数据（合成），非真实住户"

# generator settings (synthetic): median per-capita net income (元/年) and the spread of its logarithm
INCOME_MEDIAN = 18000
INCOME_SIGMA = 0.45
INCOME_SHOCK_SHARE = 0.03  # households whose income fell sharply this year
CHECK_FAIL_SHARE = {
    "food_clothing_ok": 0.001,
    "education_ok": 0.003,
    "medical_ok": 0.004,
    "housing_ok": 0.005,
    "water_ok": 0.004,
}
MEDICAL_SHARE, EDUCATION_SHARE = 0.08, 0.12  # households with rigid spending on medical care / education
PERSONS = (1, 2, 3, 4, 5, 6)
PERSONS_WEIGHTS = (8, 22, 25, 25, 13, 7)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰文红梅海燕志强春梅金凤德福永庆"
RELATIONS = ("配偶", "子", "女", "父亲", "母亲", "孙子女")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _id_number(rng: random.Random, county: str, age: int, year: int) -> str:
    born = datetime.date(year - age, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    first = f"{county}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first + pii.id_check_digit(first)


def _money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0):.2f}")


def _income(rng: random.Random, household: Household, persons: int, year: int) -> list[IncomeRecord]:
    per_capita = rng.lognormvariate(math.log(INCOME_MEDIAN), INCOME_SIGMA)
    previous = per_capita / (1 + rng.gauss(0.06, 0.08))
    if rng.random() < INCOME_SHOCK_SHARE:
        per_capita *= rng.uniform(0.35, 0.65)
    records = []
    for y, pc in ((year - 1, previous), (year, per_capita)):
        net = pc * persons
        wage, business, prop = (rng.uniform(0.45, 0.7), rng.uniform(0.1, 0.3), rng.uniform(0.0, 0.05))
        transfer = max(0.0, 1 - wage - business - prop)
        medical = rng.lognormvariate(math.log(6000), 0.8) if rng.random() < MEDICAL_SHARE else 0
        education = rng.lognormvariate(math.log(2500), 0.6) if rng.random() < EDUCATION_SHARE else 0
        records.append(
            IncomeRecord(
                household=household,
                year=y,
                persons=persons,
                net_income=_money(net),
                wage_income=_money(net * wage),
                business_income=_money(net * business),
                transfer_income=_money(net * transfer),
                property_income=_money(net * prop),
                medical_expense=_money(medical),
                education_expense=_money(education),
            )
        )
    return records


def generate_demo_households(
    *,
    n: int,
    area: str = "410000",
    seed: int = 0,
    year: int | None = None,
    batch_size: int = 2000,
    progress: Callable[..., None] | None = None,
) -> int:
    """Create ``n`` synthetic households (with members and two years of income) in villages under ``area`` (a
    province, prefecture or county code); townships and villages missing from the database are loaded from
    data/geo first. Returns the number of households created."""
    region = Region.objects.filter(code=area).first()
    if region is None or region.level not in (Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY):
        raise UserFacingError(f"区划代码「{area}」不是省、地或县级区划")
    prefix = region.prefix
    load_regions_under(prefix)
    villages = list(
        Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=prefix)
        .order_by("code")
        .values_list("code", "parent_id")
    )
    if not villages:
        raise UserFacingError(f"{region.name}没有村级区划数据（data/geo/villages.csv.xz）")
    year = year or timezone.localdate().year - 1
    rng = random.Random(seed)
    tag = f"{DEMO_PREFIX}{seed}-"
    offset = Household.objects.filter(number__startswith=tag).count()
    created = 0
    if progress:
        progress(0, n)
    while created < n:
        size = min(batch_size, n - created)
        with transaction.atomic():
            households, sizes = [], []
            for i in range(size):
                village, township = rng.choice(villages)
                checks = {f: rng.random() >= share for f, share in CHECK_FAIL_SHARE.items()}
                households.append(
                    Household(
                        township_id=township,
                        village_id=village,
                        number=f"{tag}{offset + created + i + 1:08d}",
                        head_name=_name(rng),
                        address=DEMO_ADDRESS,
                        **checks,
                    )
                )
                sizes.append(rng.choices(PERSONS, PERSONS_WEIGHTS)[0])
            households = Household.objects.bulk_create(households, batch_size=batch_size)
            members, incomes = _members(rng, households, sizes, year), []
            for household, persons in zip(households, sizes, strict=True):
                incomes += _income(rng, household, persons, year)
            Member.objects.bulk_create(members, batch_size=batch_size)
            IncomeRecord.objects.bulk_create(incomes, batch_size=batch_size)
        created += size
        if progress:
            progress(created, n)
    return created


def _members(rng: random.Random, households: list[Household], sizes: list[int], year: int) -> list[Member]:
    """Members with fresh synthetic ID numbers: none repeats one in this batch or already in the database."""
    plans = []  # (household, name, relation, id number, phone)
    for household, persons in zip(households, sizes, strict=True):
        county = household.village_id[:6]
        for k in range(persons):
            age = rng.randint(30, 75) if k == 0 else rng.randint(1, 85)
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if k == 0 and rng.random() < 0.7 else ""
            relation = "户主" if k == 0 else rng.choice(RELATIONS)
            plans.append([household, household.head_name if k == 0 else _name(rng), relation, county, age, phone])
    numbers: dict[str, int] = {}
    digest_of: dict[str, str] = {}
    pending = list(range(len(plans)))
    while pending:
        for index in pending:
            _h, _n, _r, county, age, _p = plans[index]
            number = _id_number(rng, county, age, year)
            while number in numbers:
                number = _id_number(rng, county, age, year)
            numbers[number] = index
        for number in numbers:
            if number not in digest_of:
                digest_of[number] = pii.digest(number)
        digests = {digest_of[number]: number for number in numbers}
        keys, taken = list(digests), set()
        for start in range(0, len(keys), 5000):  # under SQLite's limit of bound parameters
            chunk = keys[start : start + 5000]
            taken |= set(Member.objects.filter(id_number_digest__in=chunk).values_list("id_number_digest", flat=True))
        pending = [numbers.pop(digests[d]) for d in taken]
    members = []
    for number, index in numbers.items():
        household, name, relation, _county, _age, phone = plans[index]
        members.append(
            Member(
                household=household,
                name=name,
                relation=relation,
                **pii.id_number_columns(number, digest_of[number]),
                **pii.phone_columns(phone),
            )
        )
    return members


# ---- one county's front line, for walking the procedure with different hands (`duikou demo-monitoring`) ----------

DEMO_COUNTY = "411526"  # 潢川县 (信阳市, 河南省): the demo city editor's area
DEMO_TOWNSHIP = "411526001"  # 春申街道
DEMO_VILLAGE = "411526001001"  # 西关社区居民委员会
DEMO_HANDS = [
    # username, level, what the person does
    ("hc_county", "county", "潢川县乡村振兴局：县级审定、公告、兜底"),
    ("cs_township", "township", "春申街道：乡镇审核、窗口受理、答复异议"),
    ("xg_cadre1", "village", "西关社区村干部：入户核实、民主评议"),
    ("xg_cadre2", "village", "西关社区帮扶责任人：承诺授权、走访、公示期满上报"),
]


def demo_front_line(*, households: int = 12, seed: int = 7) -> list[tuple]:
    """Users of one county, one township and one village (two cadres: no one takes two steps of a case in a row),
    a small registry in the village with monthly incomes, and a few cases at different steps: two self-declarations
    waiting for verification, a visit's case, one in 村内公示 and one monitored with a measure. Marked as demo data
    (numbers start with DEMO-, addresses say 演示数据). Returns (user, password, note) per user; rerunning resets
    the passwords and adds nothing twice."""
    from duikou.accounts.models import Organisation, User
    from duikou.accounts.services import ensure_organisation, random_password
    from duikou.core.actors import Operator

    from . import services
    from .models import Alert, current_ruleset

    load_regions_under(DEMO_COUNTY)
    county = Region.objects.get(code=DEMO_COUNTY)
    township = Region.objects.get(code=DEMO_TOWNSHIP)
    village = Region.objects.get(code=DEMO_VILLAGE)
    city_org = Organisation.objects.filter(region_id=county.parent_id).first()
    orgs = {"county": ensure_organisation(name=f"{county.name}人民政府", kind="county", region=county, parent=city_org)}
    orgs["township"] = ensure_organisation(name=township.name, kind="township", region=township, parent=orgs["county"])
    orgs["village"] = ensure_organisation(name=village.name, kind="village", region=village, parent=orgs["township"])
    rows, hands = [], {}
    with transaction.atomic():
        for username, level, note in DEMO_HANDS:
            user, _new = User.objects.get_or_create(
                username=username, defaults={"organisation": orgs[level], "role": User.Role.EDITOR}
            )
            password = random_password()
            user.organisation, user.role = orgs[level], User.Role.EDITOR
            user.set_password(password)
            user.save()
            rows.append((user, password, note))
            hands[username] = user
    if Household.objects.filter(village=village, number__startswith=f"{DEMO_PREFIX}XG-").exists():
        return rows  # the registry and its cases are there already
    province = Region.objects.get(code=county.province_code)
    if current_ruleset(DEMO_VILLAGE) is None:
        services.create_ruleset(user=Operator(), province=province, year=timezone.localdate().year)
    rng = random.Random(seed)
    made = []
    with transaction.atomic():
        for i in range(households):
            home = Household.objects.create(
                township=township,
                village=village,
                number=f"{DEMO_PREFIX}XG-{i + 1:03d}",
                head_name=_name(rng),
                address=DEMO_ADDRESS,
                labour_capacity=i != 3,
                social_assistance=i == 3,
                **dict.fromkeys(Household.CHECKS, True),
            )
            persons = rng.choices(PERSONS, PERSONS_WEIGHTS)[0]
            Member.objects.bulk_create(_members(rng, [home], [persons], timezone.localdate().year))
            IncomeRecord.objects.bulk_create(_income(rng, home, persons, timezone.localdate().year - 1))
            monthly = rng.lognormvariate(math.log(INCOME_MEDIAN), INCOME_SIGMA) * persons / 12
            today = timezone.localdate()
            for k in range(1, 7):
                year, month = divmod(today.year * 12 + today.month - 1 - k, 12)
                IncomeRecord.objects.create(
                    household=home,
                    year=year,
                    period_kind=IncomeRecord.Period.MONTH,
                    period=month + 1,
                    persons=persons,
                    net_income=_money(monthly * rng.uniform(0.8, 1.2)),
                )
            made.append(home)
    cadre1, cadre2, township_user = hands["xg_cadre1"], hands["xg_cadre2"], hands["cs_township"]
    ok = dict.fromkeys(Household.CHECKS, True)
    # two self-declarations from the households' own phones (as leads: the demo keeps no plain ID numbers), waiting
    # for the village's verification
    for home, difficulty in ((made[0], "illness"), (made[1], "job_loss")):
        services.open_case(household=home, channel=Alert.Channel.SELF, note=Difficulty(difficulty).label)
    # a visit that found a risk
    services.record_visit(
        user=cadre2,
        household=made[2],
        date=timezone.localdate(),
        situation="户主务工受伤，近两月无收入（演示数据）",
        risk="accident",
        raise_case=True,
    )
    # one case in its 村内公示, one monitored with a measure
    for home, target in ((made[4], Alert.Status.PUBLICISING), (made[5], Alert.Status.MONITORED)):
        case, _opened = services.open_case(household=home, channel=Alert.Channel.COUNTER, user=township_user)
        steps = [
            ("verify", cadre1, {"checks": ok, "note": "入户核实：家庭成员患病，医疗支出大（演示数据）"}),
            ("consent", cadre2, {"consent_date": timezone.localdate()}),
            (
                "deliberate",
                cadre1,
                {
                    "meeting_date": timezone.localdate(),
                    "attendees": 11,
                    "opinion": "同意纳入（演示数据）",
                    "category": "sudden",
                },
            ),
        ]
        for step, user, fields in steps:
            case = services.take_step(user=user, alert=case, step=step, expected_version=case.version, **fields)
        if target == Alert.Status.MONITORED:
            # the demo's 公示 is moved into the past so that the rest of the procedure can be shown
            start = timezone.localdate() - datetime.timedelta(days=10)
            Alert.objects.filter(pk=case.pk).update(publicity_start=start, publicity_end=start + datetime.timedelta(4))
            case.refresh_from_db()
            case = services.take_step(user=cadre2, alert=case, step="submit", expected_version=case.version)
            case = services.take_step(
                user=township_user, alert=case, step="township_approve", expected_version=case.version
            )
            case = services.take_step(
                user=hands["hc_county"], alert=case, step="include", expected_version=case.version, category="sudden"
            )
            services.add_measure(
                user=cadre1,
                alert=case,
                expected_version=case.version,
                kind="medical",
                responsible_unit=services.responsible_units(home).first(),
                description="落实大病保险和医疗救助（演示数据）",
                start_date=timezone.localdate(),
            )
    return rows
