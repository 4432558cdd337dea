"""Small factories for evaluation tests (and for the permission matrix)."""

import datetime
from decimal import Decimal

from django.utils import timezone

from duikou import testing
from duikou.policy.models import Task

from .models import Item, Result, Run, Scheme

# ---- supervision: a published run built directly from the models (no engine) -------------------------------

KEY_TASKS = ["KT1", "KT2", "KT3", "KT4", "KT5"]


def published_run(user, results: list[tuple], *, year: int = 2025, province: str | None = None) -> Run:
    """A published run of a national (or, with ``province`` code, province) scheme of ``year``.

    ``results`` holds (pairing, total, grade) or (pairing, total, grade, task_scores) in rank order; the
    scheme has one qualitative item of 20 points per key task, so task scores are out of 20.
    """
    level = Scheme.Level.PROVINCE if province else Scheme.Level.NATIONAL
    scheme = Scheme.objects.filter(year=year, level=level, province_id=province).first()
    if scheme is None:
        scheme = Scheme.objects.create(
            year=year,
            level=level,
            province_id=province,
            name=f"{year}年度{'省级' if province else ''}对口合作工作成效评估",
            created_by=user,
        )
        task_items(scheme, lambda code: f"{Task.objects.get(pk=code).name}成效")
    number = (scheme.runs.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    run = Run.objects.create(scheme=scheme, number=number, status=Run.Status.DONE, started_by=user)
    for rank, row in enumerate(results, 1):
        pairing, total, grade = row[:3]
        tasks = row[3] if len(row) > 3 else {code: str(Decimal(total) / 5) for code in KEY_TASKS}
        Result.objects.create(run=run, pairing=pairing, total=Decimal(total), rank=rank, grade=grade, task_scores=tasks)
    run.status, run.published_by, run.published_at, run.finished = (
        Run.Status.PUBLISHED,
        user,
        timezone.now(),
        timezone.now(),
    )
    run.save()
    return run


def task_items(scheme: Scheme, name) -> None:
    """One qualitative item per key task, weight 20, judged by 工作成效评议; ``name(code)`` is the item's name."""
    for order, code in enumerate(KEY_TASKS, 1):
        Item.objects.create(
            scheme=scheme,
            order=order,
            name=name(code),
            key_task_id=code,
            weight=Decimal(20),
            method=Item.Method.QUALITATIVE,
            criterion="工作成效评议",
        )


def supervision_people() -> dict:
    """The national overseer, the 河南 and 陕西 province approvers and the 信阳 city users."""
    return {
        "ndrc": testing.user("ndrc_approver", "国家发展改革委（振兴司）", "approver"),
        "henan": testing.user("henan_approver", "河南省人民政府", "approver"),
        "shaanxi": testing.user("shaanxi_approver", "陕西省人民政府", "approver"),
        "jiangsu": testing.user("jiangsu_approver", "江苏省人民政府", "approver"),
        "xy_editor": testing.user("xy_editor", "信阳市人民政府", "editor"),
        "xy_approver": testing.user("xy_approver", "信阳市人民政府", "approver"),
        "xy_viewer": testing.user("xy_viewer", "信阳市人民政府", "viewer"),
    }


def supervision_matrix_world(editor, stranger) -> dict:
    """For the permission matrix: a published national run of 2023 (a year the engine's matrix world leaves
    alone) with both pairings commended, and notices to 信阳 (in scope; one for the page step, one for the
    API step) and to 延安 (out of scope), and a batch of notices issued together to each side."""
    from .supervision import services

    ndrc = testing.user("matrix_ndrc", "国家发展改革委（振兴司）", "approver")
    inside = testing.pairing("信阳市", "苏州市")
    outside = testing.pairing("延安市", "无锡市")
    run = published_run(ndrc, [(inside, "95.5", "excellent"), (outside, "91", "excellent")], year=2023)
    services.generate_commendations(run=run, user=ndrc)
    deadline = timezone.localdate() + datetime.timedelta(days=60)

    def notice(pairing, finding):
        return services.issue_notice(
            run=run,
            pairing=pairing,
            finding=finding,
            measures_required=f"{finding}的整改要求",
            deadline=deadline,
            user=ndrc,
        )

    def batch(pairing, finding):
        return services.issue_notices(
            run=run, pairings=[pairing], finding=finding, measures_required="批量整改要求", deadline=deadline, user=ndrc
        )[0].batch

    return {
        "supervision_run": run,
        "inside_notice": notice(inside, "信阳侧整改问题"),
        "inside_api_notice": notice(inside, "信阳侧接口整改问题"),
        "outside_notice": notice(outside, "延安侧整改问题"),
        "inside_batch": batch(inside, "信阳侧批量下发问题"),
        "outside_batch": batch(outside, "延安侧批量下发问题"),
    }


# ---- schemes and runs (the engine) ----------------------------------------------------------------------------

AS_OF = datetime.date(2026, 3, 31)  # every 2025 reporting period has ended


def province_pairing(old: str, partner: str, code: str):
    """A province-internal pairing (省域内结对) for tests: invented, never shipped as data."""
    from duikou.geo.models import Region
    from duikou.pairings.models import Pairing

    return Pairing.objects.create(
        code=code,
        old_region=Region.objects.get(name=old, level="prefecture"),
        partner_region=Region.objects.get(name=partner, level="prefecture"),
        level=Pairing.Level.PROVINCE,
        start_year=2022,
        end_year=2030,
        valid_from=datetime.date(2022, 1, 1),
    )


def values(pairing, by_indicator: dict[str, dict[str, str]], status: str = "approved") -> None:
    """Data values straight into the table (the reporting workflow has its own tests): {code: {period: value}}."""
    from duikou.indicators.models import DataValue

    for code, periods in by_indicator.items():
        for period, value in periods.items():
            DataValue.objects.create(
                pairing=pairing, indicator_id=code, period=period, value=Decimal(value), status=status
            )


def reports(pairing, statuses: dict[str, str], dataset: str = "quarterly") -> None:
    """Report rows for periods: {"2025Q1": "approved", ...}."""
    from duikou.indicators.models import Report

    for period, status in statuses.items():
        Report.objects.create(pairing=pairing, dataset_id=dataset, period=period, status=status)


def all_reported(pairing, year: int = 2025) -> None:
    reports(pairing, {f"{year}Q{q}": "approved" for q in range(1, 5)})


def scheme(user, *, year: int = 2025, level: str = "national", province=None, name: str = "", items=()) -> Scheme:
    """A scheme through the services, with items given as dicts of Item fields (key_task and indicator by code)."""
    from duikou.geo.models import Region
    from duikou.indicators.models import Indicator

    from . import services

    if isinstance(province, str):
        province = Region.objects.get(code=province)
    made = services.create_scheme(
        user=user,
        year=year,
        level=level,
        province=province,
        name=name or f"{year}年度{'省级' if province else ''}对口合作工作成效评估方案",
    )
    for fields in items:
        fields = dict(fields)
        fields["key_task"] = Task.objects.get(pk=fields["key_task"])
        if fields.get("indicator"):
            fields["indicator"] = Indicator.objects.get(pk=fields["indicator"])
        services.add_item(user=user, scheme=made, **fields)
    made.refresh_from_db()
    return made


def target_item(indicator="funds_in_place_wan", weight="50", target="10000", **extra) -> dict:
    base = {"name": "实际到位资金完成度", "key_task": "KT5", "method": "target", "indicator": indicator}
    return base | {"weight": weight, "target": target} | extra


def rank_item(indicator="signed_projects", weight="20", **extra) -> dict:
    base = {"name": "签约项目数排名", "key_task": "KT5", "method": "rank", "indicator": indicator}
    return base | {"weight": weight} | extra


def threshold_item(indicator="coop_parks", weight="10", threshold="1", **extra) -> dict:
    base = {"name": "共建产业园区达标", "key_task": "KT5", "method": "threshold", "indicator": indicator}
    return base | {"weight": weight, "threshold": threshold} | extra


def qualitative_item(weight="30", drop_extremes=True, **extra) -> dict:
    base = {"name": "红色文化传承成效评议", "key_task": "KT1", "method": "qualitative", "weight": weight}
    return base | {"criterion": "红色资源保护利用、研学活动开展情况", "drop_extremes": drop_extremes} | extra


def deduction_item(basis="missed_reporting", weight="5", points="1", **extra) -> dict:
    name = "未按期填报扣分" if basis == "missed_reporting" else "整改逾期扣分"
    base = {"name": name, "key_task": "KT2", "method": "deduction", "weight": weight}
    return base | {"deduction_basis": basis, "deduction_points": points} | extra


def run(scheme: Scheme, user, today: datetime.date = AS_OF) -> Run:
    """Start a run (jobs run inline in tests) and return it, finished."""
    from . import services

    job = services.start_run(scheme=scheme, user=user, today=today)
    return Run.objects.get(pk=job.result["run"]) if job.result.get("run") else scheme.runs.order_by("-number")[0]


def evaluation_matrix_world(editor, stranger, inside, outside) -> dict:
    """For the permission matrix: a 2025 河南 scheme (信阳 in scope) and a 2025 陕西 scheme (延安 not), each run
    twice with the first run published, and a qualitative review on each side."""
    from . import services

    out = {}
    for side, province, org, pairing in (
        ("inside", "410000", "河南省人民政府", inside),
        ("outside", "610000", "陕西省人民政府", outside),
    ):
        label = "信阳侧" if side == "inside" else "延安侧"
        keeper = testing.user(f"ev_{province}_approver", org, "approver")
        made = scheme(
            keeper,
            level="province",
            province=province,
            name=f"{label}矩阵评估方案",
            items=[
                target_item(name=f"{label}资金到位完成度", weight="60"),
                qualitative_item(name=f"{label}定性评议项", weight="40"),
            ],
        )
        values(pairing, {"funds_in_place_wan": {"2025Q1": "3000", "2025Q2": "4000"}})
        item = made.items.get(method="qualitative")
        services.record_review(user=keeper, item=item, pairing=pairing, mark="80", comment=f"{label}评议意见")
        first = run(made, keeper)
        services.publish_run(run=first, user=keeper)
        out |= {
            f"{side}_scheme": made,
            f"{side}_item": item,
            f"{side}_run": first,
            f"{side}_rerun": run(made, keeper),
            f"{side}_keeper": keeper,
        }
    return out


class People:
    """Users made on first use (password hashing is slow): ``who["ndrc"]``, ``who["henan"]``, ``who["xy_viewer"]``…"""

    ROLES = {
        "ndrc": ("国家发展改革委（振兴司）", "approver"),
        "ndrc_editor": ("国家发展改革委（振兴司）", "editor"),
        "henan": ("河南省人民政府", "approver"),
        "henan_editor": ("河南省人民政府", "editor"),
        "henan_viewer": ("河南省人民政府", "viewer"),
        "shaanxi": ("陕西省人民政府", "approver"),
        "xy_approver": ("信阳市人民政府", "approver"),
        "xy_editor": ("信阳市人民政府", "editor"),
        "xy_viewer": ("信阳市人民政府", "viewer"),
        "ya_viewer": ("延安市人民政府", "viewer"),
    }

    def __init__(self, prefix: str = "ev_"):
        self.prefix, self._made = prefix, {}

    def __getitem__(self, key: str):
        if key not in self._made:
            org, role = self.ROLES[key]
            self._made[key] = testing.user(f"{self.prefix}{key}", org, role)
        return self._made[key]


# ---- self-assessment and cross-check (the stages before scoring) ---------------------------------------------

STAGES_OPEN = {
    "self_assessment": True,
    "partner_opinion": True,
    "cross_check": True,
    "cross_check_items": 1,
    "self_assessment_due": datetime.date(2099, 12, 31),
    "opinion_due": datetime.date(2099, 12, 31),
}


def staged_scheme(keeper, province: str, label: str, year: int = 2024) -> Scheme:
    """A province scheme of ``year`` with one qualitative item and every stage before scoring switched on."""
    from . import services

    made = scheme(
        keeper,
        year=year,
        level="province",
        province=province,
        name=f"{label}自评方案",
        items=[qualitative_item(name=f"{label}自评评估项", weight="100")],
    )
    return services.update_scheme(user=keeper, scheme=made, expected_version=made.version, **STAGES_OPEN)


def self_assessed(scheme_, pairing, side: str, user, label: str, *, submit: bool = False):
    """A side's self-assessment with every item filled in (submitted when asked)."""
    from .assessment import services

    entries = {i.pk: {"grade": "good", "statement": f"{label}自评说明"} for i in scheme_.items.all()}
    made = services.save_self_assessment(scheme=scheme_, pairing=pairing, side=side, user=user, entries=entries)
    if submit:
        made = services.submit_self_assessment(assessment=made, user=user, expected_version=made.version)
    return made


def stages_matrix_world(stranger) -> dict:
    """For the permission matrix: 2024 province schemes of 河南 (信阳–苏州, in scope) and 陕西 (延安–无锡, not) with
    every stage on; on each side the old city's draft self-assessment and the partner city's submitted one (the
    信阳 users give their opinion on 苏州's); a cross-check that 信阳市人民政府 reviews (of 延安–无锡, in scope through
    the reviewer) and one of 庆阳–天津 (甘肃's 2024 scheme) by 赣州市人民政府 (not in scope)."""
    from .assessment import services

    henan = testing.user("st_henan_approver", "河南省人民政府", "approver")
    shaanxi = testing.user("st_shaanxi_approver", "陕西省人民政府", "approver")
    inside, outside = testing.pairing("信阳市", "苏州市"), testing.pairing("延安市", "无锡市")
    mine = staged_scheme(henan, "410000", "信阳侧")
    theirs = staged_scheme(shaanxi, "610000", "陕西省")
    xinyang = testing.user("st_xy_editor", "信阳市人民政府", "editor")
    suzhou = testing.user("st_sz_editor", "苏州市人民政府", "editor")
    wuxi = testing.user("st_wx_editor", "无锡市人民政府", "editor")

    gansu = testing.user("st_gansu_approver", "甘肃省人民政府", "approver")
    elsewhere = staged_scheme(gansu, "620000", "庆阳侧")

    def check(made, pairing, reviewer, keeper):
        return services.assign_cross_check(
            scheme=made, pairing=pairing, reviewer=testing.org(reviewer), user=keeper, seed=7
        )

    return {
        "stage_scheme": mine,
        "stage_scheme_out": theirs,
        "inside_stage_assessment": self_assessed(mine, inside, "old", xinyang, "信阳侧"),
        "outside_stage_assessment": self_assessed(theirs, outside, "old", stranger, "延安侧"),
        "inside_stage_partner": self_assessed(mine, inside, "partner", suzhou, "苏州侧", submit=True),
        "outside_stage_partner": self_assessed(theirs, outside, "partner", wuxi, "无锡侧", submit=True),
        "inside_stage_check": check(theirs, outside, "信阳市人民政府", shaanxi),
        "outside_stage_check": check(elsewhere, testing.pairing("庆阳市", "天津市"), "赣州市人民政府", gansu),
    }
