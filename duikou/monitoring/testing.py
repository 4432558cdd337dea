"""Small factories for monitoring tests (and for the permission matrix): townships and villages are made here,
since the test database holds regions only down to county level."""

import datetime
from decimal import Decimal

from django.utils import timezone

from duikou.core import pii
from duikou.geo.models import Region

from . import services
from .models import Alert, Household
from .workflow import WORKFLOW

# Real codes (data/geo/villages.csv.xz): 潢川县春申街道西关社区 (信阳), 宝塔区宝塔山街道杨家岭社区 (延安), 略阳县
PLACES = {
    "xinyang": ("411526", "411526001", "春申街道", "411526001001", "西关社区居民委员会"),
    "yanan": ("610602", "610602001", "宝塔山街道", "610602001001", "杨家岭社区居委会"),
    # 略阳县, a national key assistance county of seed 004 专栏1, with two of its townships
    "lueyang": ("610727", "610727001", "兴州街道", "610727001001", "南街居委会"),
    "lueyang2": ("610727", "610727002", "横现河街道", "610727002001", "石坝社区居民委员会"),
}


def place(key: str = "xinyang") -> tuple[Region, Region]:
    county, t_code, t_name, v_code, v_name = PLACES[key]
    township = Region.objects.get_or_create(
        code=t_code, defaults={"name": t_name, "level": "township", "parent_id": county}
    )[0]
    village = Region.objects.get_or_create(
        code=v_code, defaults={"name": v_name, "level": "village", "parent": township}
    )[0]
    return township, village


def local_user(username: str, key: str = "xinyang", level: str = "village", role: str = "editor"):
    """A cadre of the village (西关社区), township (春申街道) or county (潢川县) of ``place(key)``, in an organisation
    of that level."""
    from duikou import testing
    from duikou.accounts.models import Organisation

    township, village = place(key)
    if level == "county":
        return testing.user(username, testing.county_org(township.parent_id), role)
    region = village if level == "village" else township
    org = Organisation.objects.get_or_create(
        name=region.name, region=region, defaults={"kind": level, "parent": testing.county_org(township.parent_id)}
    )[0]
    return testing.user(username, org, role)


def procedure_users(key: str = "xinyang") -> dict:
    """The hands a case passes through in ``place(key)``: two village cadres (no one takes two steps in a row), a
    township and a county official. Made once per test database transaction, found again afterwards."""
    from duikou.accounts.models import User

    out = {}
    for name, level in (
        ("village", "village"),
        ("village2", "village"),
        ("township", "township"),
        ("county", "county"),
    ):
        username = f"{key}_{name}"
        out[name] = User.objects.filter(username=username).first() or local_user(username, key, level)
    return out


def visited_case(hands: dict, head_name: str = "刘大") -> Alert:
    """A 西关社区 household with a case opened by the village cadre's visit, awaiting verification (no screening)."""
    from django.utils import timezone

    home = household(hands["county"], head_name=head_name)
    visit = services.record_visit(
        user=hands["village"],
        household=home,
        date=timezone.localdate(),
        situation="户主住院，务工收入中断",
        risk="illness",
        raise_case=True,
    )
    return visit.case


ALL_OK = dict.fromkeys(Household.CHECKS, True)
MEETING = {"meeting_date": datetime.date(2026, 1, 5), "attendees": 12, "opinion": "评议同意"}


def walk(alert: Alert, to: str, *, category: str = Household.Category.MARGINAL, users: dict | None = None) -> Alert:
    """Take a case through the procedure, each step by the hand the step table wants (village cadres alternating),
    until it is in status ``to``: ``publicising``, ``township_review``, ``county_decision``, ``monitored``. The 公示
    is shortened to its end by moving the dates back (the public period itself is tested on its own)."""
    users = users or procedure_users(_place_key(alert))
    plan = [
        ("verify", "village", {"checks": ALL_OK, "note": "入户核实属实"}),
        ("consent", "village2", {"consent_date": datetime.date(2026, 1, 4)}),
        ("deliberate", "village", {**MEETING, "category": category}),
        ("submit", "village2", {}),
        ("township_approve", "township", {}),
        ("include", "county", {"category": category}),
    ]
    return _follow(alert, to, plan, users)


def ready_for_elimination(alert: Alert, *, net_per_month: str = "2000") -> Alert:
    """A fresh case taken through identification, with a measure and six months of income above the monitoring
    bound (2 persons × 2,000 元 a month: 12,000 a person a year, above 7,000 × 1.5): risk elimination may be
    proposed."""
    alert = to_monitored(alert, measure="安排乡村公益性岗位")
    stable_months(procedure_users(_place_key(alert))["village"], alert.household, net_per_month)
    return Alert.objects.get(pk=alert.pk)


def walk_elimination(alert: Alert, to: str, *, users: dict | None = None) -> Alert:
    """Take a monitored case through risk elimination, each step by the hand the step table wants, until it is in
    status ``to``: ``el_deliberating``, ``el_publicising``, ``el_township``, ``el_county``, ``closed``."""
    users = users or procedure_users(_place_key(alert))
    plan = [
        ("propose_elimination", "village", {"checks": ALL_OK, "note": "收入稳定"}),
        ("el_deliberate", "village2", MEETING),
        ("el_submit", "village", {}),
        ("el_township_approve", "township", {}),
        ("eliminate", "county", {"note": "确认风险消除"}),
    ]
    return _follow(alert, to, plan, users)


def _follow(alert: Alert, to: str, plan: list, users: dict) -> Alert:
    """Take the plan's steps (step, hand, fields) from where the case is until it is in status ``to``; a 公示 is
    moved into the past before it is reported."""
    for step, hand, fields in plan:
        if alert.status == to:
            break
        if not WORKFLOW[step].starts_from(alert.status):
            continue  # taken already: the walk goes on from where the case is
        if step in ("submit", "el_submit"):
            _end_publicity(alert)
            alert.refresh_from_db()
        alert = services.take_step(user=users[hand], alert=alert, step=step, expected_version=alert.version, **fields)
    return alert


def _end_publicity(alert: Alert) -> None:
    """Move the 公示 into the past, as if its days had gone by."""
    days = (alert.publicity_end - alert.publicity_start).days + 1
    start = timezone.localdate() - datetime.timedelta(days=days)
    Alert.objects.filter(pk=alert.pk).update(publicity_start=start, publicity_end=start + datetime.timedelta(days - 1))


def _place_key(alert: Alert) -> str:
    return next(k for k, v in PLACES.items() if v[3] == alert.household.village_id)


def to_monitored(alert: Alert, *, category: str = Household.Category.MARGINAL, measure: str = "") -> Alert:
    """Take a fresh case through identification, and record one measure if asked."""
    alert = walk(alert, "monitored", category=category)
    if measure:
        services.add_measure(
            user=procedure_users(_place_key(alert))["village"],
            alert=alert,
            expected_version=alert.version,
            kind="employment",
            responsible_unit=services.responsible_units(alert.household).first(),
            description=measure,
            start_date=datetime.date(2026, 3, 1),
        )
        alert.refresh_from_db()
    return alert


def stable_months(user, household: Household, net_per_month, *, months: int = 6, persons: int = 2) -> None:
    """Monthly income records for the ``months`` months up to last month, each ``net_per_month`` 元."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 2
    for k in range(months):
        year, month = divmod(index - k, 12)
        services.record_income(
            user=user,
            household=household,
            year=year,
            period_kind="month",
            period=month + 1,
            persons=persons,
            net_income=Decimal(net_per_month),
        )


def screened_by_duckdb_and(engine: str, *, user, ruleset):
    """The households screened by DuckDB, then (its alerts closed) again by ``engine``: both runs."""
    duck = services.screen_households(user=user, ruleset=ruleset, engine_name="duckdb")
    Alert.objects.update(status=Alert.Status.CLOSED)
    return duck, services.screen_households(user=user, ruleset=ruleset, engine_name=engine)


def department_csv(rows: list[tuple]) -> bytes:
    """A departmental CSV: rows of (ID number, date, amount, note)."""
    lines = ["身份证号,日期,金额,说明"] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def id_number(serial: int, area: str = "411526", birth: str = "19800101") -> str:
    first = f"{area}{birth}{serial % 1000:03d}"
    return first + pii.id_check_digit(first)


def household(user, key: str = "xinyang", number: str = "H001", head_name: str = "测试户主", **fields) -> Household:
    township, village = place(key)
    return services.create_household(
        user=user, township=township, village=village, number=number, head_name=head_name, **fields
    )


def income(user, household: Household, year: int, net, *, persons: int = 2, prev=None, medical=0, education=0):
    if prev is not None:
        services.record_income(user=user, household=household, year=year - 1, persons=persons, net_income=Decimal(prev))
    return services.record_income(
        user=user,
        household=household,
        year=year,
        persons=persons,
        net_income=Decimal(net),
        medical_expense=Decimal(medical),
        education_expense=Decimal(education),
    )


def matrix_world(editor, stranger) -> dict:
    """On each side (信阳侧 in scope, 延安侧 not): a household with a member and an alert awaiting verification, a
    monitored household with an assistance measure, and two departmental dry runs awaiting confirmation."""
    from auditlog.context import disable_auditlog

    from duikou.core.actors import Operator

    from . import departmental
    from .models import RuleSet

    result = {}
    for side, user, key, serial in (("inside", editor, "xinyang", 1), ("outside", stranger, "yanan", 2)):
        label = "信阳侧" if side == "inside" else "延安侧"
        home = household(user, key, number=f"{side}-1", head_name=f"{label}户主")
        services.add_member(
            user=user,
            household=home,
            name=f"{label}成员",
            id_number=id_number(serial, area=PLACES[key][0]),
            phone=f"1380000{serial:04d}",
        )
        income(user, home, 2025, "8000", persons=2)  # per capita 4000 < 7000 × 1.5
        helped = household(user, key, number=f"{side}-2", head_name=f"{label}帮扶户")
        services.add_member(
            user=user, household=helped, name=f"{label}帮扶成员", id_number=id_number(serial + 10, area=PLACES[key][0])
        )
        income(user, helped, 2025, "6000", persons=2)
        province = Region.objects.get(code=PLACES[key][0][:2] + "0000")
        ruleset = RuleSet.objects.filter(province=province, year=2025).first() or services.create_ruleset(
            user=Operator(), province=province, year=2025
        )
        services.screen_households(user=Operator(), ruleset=ruleset)
        result[f"{side}_household"] = home
        result[f"{side}_ruleset"] = ruleset
        result[f"{side}_alert"] = home.alerts.get()
        # the procedure's steps stay out of the audit history here: the matrix reads the first page of the trail
        with disable_auditlog():
            monitored = to_monitored(helped.alerts.get(), measure=f"{label}帮扶措施")
            # the household appeals its category (online): the township answers it
            result[f"{side}_objection"] = services.lodge_objection(
                case=monitored, kind="appeal", subject="category", text=f"{label}申诉：类别认定有误"
            )
        result[f"{side}_monitored_alert"] = monitored
        # two dry runs awaiting confirmation (one for the page, one for the API), each with an unknown ID number
        for name, day in (("import", "2025-03-01"), ("import_api", "2025-04-01")):
            content = department_csv(
                [
                    (id_number(serial, area=PLACES[key][0]), day, "12000", ""),
                    (id_number(99, area="110105"), day, "1", ""),
                ]
            )
            result[f"{side}_{name}"] = departmental.check_department_file(
                user=user, kind="hospital", data=content, filename=f"{label}部门数据-{name}.csv"
            )
    return result
