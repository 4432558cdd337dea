"""Small factories for monitoring tests (and for the permission matrix): townships and villages are made here,
since the test database holds regions only down to county level."""

from decimal import Decimal

from duikou.geo.models import Region

from . import pii, services
from .models import Household

# Real codes: 潢川县春申街道西关社区 (信阳) and 宝塔区宝塔山街道杨家岭社区 (延安), data/geo/villages.csv.xz
PLACES = {
    "xinyang": ("411526", "411526001", "春申街道", "411526001001", "西关社区居民委员会"),
    "yanan": ("610602", "610602001", "宝塔山街道", "610602001001", "杨家岭社区居委会"),
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
    """One household on each side, each with a member and an open alert (信阳侧 in scope, 延安侧 not)."""
    from duikou.projects.services import Operator

    from .models import RuleSet

    result = {}
    for side, user, key, serial in (("inside", editor, "xinyang", 1), ("outside", stranger, "yanan", 2)):
        home = household(user, key, number=f"{side}-1", head_name=f"{'信阳侧' if side == 'inside' else '延安侧'}户主")
        services.add_member(
            user=user,
            household=home,
            name=f"{'信阳侧' if side == 'inside' else '延安侧'}成员",
            id_number=id_number(serial, area=PLACES[key][0]),
            phone=f"1380000{serial:04d}",
        )
        income(user, home, 2025, "8000", persons=2)  # per capita 4000 < 7000 × 1.5
        province = Region.objects.get(code=PLACES[key][0][:2] + "0000")
        ruleset = RuleSet.objects.filter(province=province, year=2025).first() or services.create_ruleset(
            user=Operator(), province=province, year=2025
        )
        services.screen_households(user=Operator(), ruleset=ruleset)
        result[f"{side}_household"] = home
        result[f"{side}_ruleset"] = ruleset
        result[f"{side}_alert"] = home.alerts.get()
    return result
