"""The demo evaluation (clearly marked as demo): a 2025 national scheme built from the starter indicators, 2025
quarterly values for six pairings entered, submitted, approved and accepted through the reporting workflow, reviewers'
marks, and one published run.

What is not invented: the five key tasks and the clauses the items cite (2022 工作方案 三(一)–(五), 四(四)), the
indicators of the starter library, and the review criteria, which quote the clauses. Invented for demonstration: the
items' weights, targets and thresholds, every reported figure and every review mark. The scheme's name says so, every
value's comment says so, and the accounts made to enter them cannot sign in. Loading is idempotent.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from duikou.accounts.models import Organisation, User
from duikou.indicators import services as indicator_services
from duikou.indicators.models import DataSet, Indicator, Report
from duikou.pairings.models import Pairing
from duikou.policy.models import Clause, Task

from . import services
from .models import Item, Run, Scheme

DEMO = "（演示数据）"
NOTE = "演示数据：数值为虚构，仅供演示"
YEAR = 2025
QUARTERS = [f"{YEAR}Q{q}" for q in range(1, 5)]
SHARES = [Decimal("0.2"), Decimal("0.25"), Decimal("0.25"), Decimal("0.3")]

# Yearly figures per pairing (invented): consumption aid, labour, training, parks, projects, signed, funds in place,
# cadres, study tours, hospital pairs, school pairs.
CODES = [
    "consumption_aid_wan",
    "labour_coop_persons",
    "training_persons",
    "coop_parks",
    "signed_projects",
    "signed_amount_wan",
    "funds_in_place_wan",
    "cadre_exchange_persons",
    "study_tour_persons",
    "hospital_pairs",
    "school_pairs",
]
PROFILES = {
    "N09": [2400, 1200, 3000, 2, 12, 60000, 24000, 20, 16000, 4, 6],
    "N04": [3000, 900, 2500, 1, 9, 45000, 21000, 16, 22000, 3, 5],
    "N08": [1800, 1500, 2800, 1, 8, 30000, 9000, 12, 9000, 2, 3],
    "N01": [3600, 2000, 4000, 3, 15, 80000, 36000, 24, 30000, 5, 8],
    "N06": [1200, 600, 1500, 1, 6, 20000, 6000, 10, 25000, 2, 2],
    "N17": [900, 400, 1000, 0, 4, 15000, 3000, 6, 5000, 1, 1],
}
# Three reviewers' marks (0–100) for the two qualitative items: 红色文化 and 生态环境.
MARKS = {
    "N09": ((88, 85, 92), (80, 78, 84)),
    "N04": ((90, 86, 93), (85, 88, 82)),
    "N08": ((78, 82, 75), (76, 80, 72)),
    "N01": ((92, 89, 95), (84, 86, 90)),
    "N06": ((95, 91, 88), (70, 74, 68)),
    "N17": ((72, 70, 76), (74, 71, 69)),
}

SCHEME_NAME = f"{YEAR}年度革命老区重点城市对口合作工作成效评估方案{DEMO}"
EVALUATION_CLAUSE = "fgzx-2022-766/4/4"


def _items() -> list[dict]:
    """Weights sum to 100 over the five key tasks; two deduction items. Weights, targets and thresholds are
    settings of this demo, not official figures."""
    return [
        {"name": "研学与红色旅游人次排名", "key_task": "KT1", "clause": "fgzx-2022-766/3/1", "weight": "10",
         "method": "rank", "indicator": "study_tour_persons"},
        {"name": "红色文化传承弘扬成效评议", "key_task": "KT1", "clause": "fgzx-2022-766/3/1", "weight": "10",
         "method": "qualitative", "drop_extremes": True,
         "criterion": "共同开展革命文物保护利用，共同传承弘扬红色文化，共同搭建红色文化和旅游融合发展平台，"
                      "规范有序开展以红色文化传承为主题的研学实践活动（三(一)）"},
        {"name": "消费帮扶金额完成度", "key_task": "KT2", "clause": "fgzx-2022-766/3/2", "weight": "15",
         "method": "target", "indicator": "consumption_aid_wan", "target": "2000", "cap": "1"},
        {"name": "劳务协作人数排名", "key_task": "KT2", "clause": "fgzx-2022-766/3/2", "weight": "5",
         "method": "rank", "indicator": "labour_coop_persons"},
        {"name": "医疗结对达标", "key_task": "KT3", "clause": "fgzx-2022-766/3/3", "weight": "5",
         "method": "threshold", "indicator": "hospital_pairs", "threshold": "2"},
        {"name": "教育结对达标", "key_task": "KT3", "clause": "fgzx-2022-766/3/3", "weight": "5",
         "method": "threshold", "indicator": "school_pairs", "threshold": "3"},
        {"name": "生态环境保护与绿色低碳合作成效评议", "key_task": "KT4", "clause": "fgzx-2022-766/3/4",
         "weight": "15", "method": "qualitative", "drop_extremes": True,
         "criterion": "推动山水林田湖草沙一体化保护和系统治理，开展生态产品价值实现机制探索，推进生态保护补偿，"
                      "合作开发碳汇项目，培育绿色食品、有机农产品、地理标志农产品（三(四)）"},
        {"name": "实际到位资金完成度", "key_task": "KT5", "clause": "fgzx-2022-766/3/5", "weight": "20",
         "method": "target", "indicator": "funds_in_place_wan", "target": "20000", "cap": "1"},
        {"name": "共建产业园区达标", "key_task": "KT5", "clause": "fgzx-2022-766/3/5", "weight": "5",
         "method": "threshold", "indicator": "coop_parks", "threshold": "1"},
        {"name": "签约项目数排名", "key_task": "KT5", "clause": "fgzx-2022-766/3/5", "weight": "10",
         "method": "rank", "indicator": "signed_projects"},
        {"name": "未按期填报扣分", "key_task": "KT5", "clause": EVALUATION_CLAUSE, "weight": "5",
         "method": "deduction", "deduction_basis": "missed_reporting", "deduction_points": "1"},
        {"name": "整改逾期扣分", "key_task": "KT5", "clause": EVALUATION_CLAUSE, "weight": "5",
         "method": "deduction", "deduction_basis": "overdue_rectification", "deduction_points": "2"},
    ]  # fmt: skip


def _demo_account(username: str, organisation: Organisation, role: str, label: str) -> User:
    """An account that records who entered or reviewed demo data; it has no usable password."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"organisation": organisation, "role": role, "display_name": label}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def province_reviewer(pairing: Pairing) -> User:
    """The province-level approver of the old-area side's reports (审核): ``henan_approver`` of ``duikou demo`` for
    河南, elsewhere an account that records the demo's review and cannot sign in."""
    province = Organisation.objects.get(region=pairing.old_region.parent, kind=Organisation.Kind.PROVINCE)
    named = User.objects.filter(organisation=province, role=User.Role.APPROVER, username="henan_approver").first()
    return named or _demo_account(
        f"demo_review_{province.region_id}", province, User.Role.APPROVER, f"{province.name}演示数据审核（不可登录）"
    )


def overseer() -> User | None:
    return User.objects.filter(username="ndrc_approver", is_active=True).first()


def _quarterly(total: int, code: str, indicator: Indicator) -> list[Decimal]:
    if code in ("coop_parks", "hospital_pairs", "school_pairs"):  # period-end counts
        return [Decimal(total)] * 4
    parts = [Decimal(total) * share for share in SHARES]
    if indicator.value_type == Indicator.ValueType.INTEGER:
        parts = [p.to_integral_value() for p in parts[:3]]
        parts.append(Decimal(total) - sum(parts))
    return parts


def _enter_values(ndrc: User) -> int:
    """Enter, submit, approve (the province) and accept (the overseer) the six pairings' 2025 quarters (what is not
    yet reported)."""
    dataset = DataSet.objects.get(pk="quarterly")
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=CODES)}
    entered = 0
    for code, figures in PROFILES.items():
        pairing = Pairing.objects.select_related("old_region").get(code=code, status=Pairing.Status.ACTIVE)
        city = Organisation.objects.get(region=pairing.old_region, kind=Organisation.Kind.CITY)
        clerk = User.objects.filter(username="xinyang_editor", organisation=city).first() or _demo_account(
            f"demo_entry_{pairing.old_region_id}", city, User.Role.EDITOR, f"{city.name}演示数据填报（不可登录）"
        )
        reviewer = province_reviewer(pairing)
        for q, period in enumerate(QUARTERS):
            report = indicator_services.get_report(pairing=pairing, dataset=dataset, period=period)
            if report.status != Report.Status.OPEN:
                continue
            for indicator_code, total in zip(CODES, figures, strict=True):
                value = _quarterly(total, indicator_code, indicators[indicator_code])[q]
                indicator_services.save_value(
                    user=clerk, report=report, indicator=indicators[indicator_code], value=value, comment=NOTE
                )
            report = indicator_services.submit_report(user=clerk, report=report)
            report = indicator_services.approve_report(user=reviewer, report=report)
            if q < 2:
                indicator_services.accept_report(user=ndrc, report=report)
            entered += 1
    return entered


def _scheme(ndrc: User) -> Scheme:
    scheme = Scheme.objects.filter(year=YEAR, level=Scheme.Level.NATIONAL).first()
    if scheme is not None:
        return scheme
    scheme = services.create_scheme(
        user=ndrc,
        year=YEAR,
        level=Scheme.Level.NATIONAL,
        name=SCHEME_NAME,
        cities_see_before_publication=False,
    )
    for fields in _items():
        fields = dict(fields)
        fields["key_task"] = Task.objects.get(pk=fields["key_task"])
        fields["clause"] = Clause.objects.get(pk=fields["clause"])
        if fields.get("indicator"):
            fields["indicator"] = Indicator.objects.get(pk=fields["indicator"])
        services.add_item(user=ndrc, scheme=scheme, **fields)
    return scheme


def _reviews(ndrc: User, scheme: Scheme) -> int:
    office = ndrc.organisation
    reviewers = [ndrc] + [
        _demo_account(f"demo_reviewer_{n}", office, User.Role.EDITOR, f"演示评议人{n}（不可登录）") for n in (1, 2)
    ]
    items = list(scheme.items.filter(method=Item.Method.QUALITATIVE).order_by("order", "pk"))
    recorded = 0
    for code, per_item in MARKS.items():
        pairing = Pairing.objects.get(code=code, status=Pairing.Status.ACTIVE)
        for item, marks in zip(items, per_item, strict=True):
            for reviewer, mark in zip(reviewers, marks, strict=True):
                if not item.reviews.filter(pairing=pairing, reviewer=reviewer).exists():
                    services.record_review(user=reviewer, item=item, pairing=pairing, mark=mark, comment=NOTE)
                    recorded += 1
    return recorded


def load_demo_evaluation(*, progress=None, today: datetime.date | None = None) -> dict:
    """Create what is missing of the demo evaluation; publish its first run. Needs ``duikou demo`` first."""
    ndrc = overseer()
    if ndrc is None:
        raise LookupError("ndrc_approver")
    counts = {"reports": 0, "reviews": 0, "run": None}
    with transaction.atomic():
        counts["reports"] = _enter_values(ndrc)
        scheme = _scheme(ndrc)
        if not scheme.published:
            counts["reviews"] = _reviews(ndrc, scheme)
    scheme.refresh_from_db()
    if not scheme.published:
        run = scheme.runs.filter(status=Run.Status.DONE).order_by("-number").first()
        if run is None:
            run = services.evaluate_now(scheme=scheme, user=ndrc, progress=progress, today=today)
        services.publish_run(run=run, user=ndrc)
        counts["run"] = run
    counts["scheme"] = scheme
    return counts
