"""Every write to evaluation schemes, reviews and runs.

Who may do what (2022 方案 四(四)): the national overseer keeps the national scheme, runs it and publishes its
results; each province keeps, runs and publishes its own (``apps.owner_q`` in the scoping layer). A scheme is
edited while none of its runs is published, then copied forward to the next year and edited there. A run is a
background job; its results are frozen once published, and a re-run is a new run.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from duikou.accounts import scoping
from duikou.audit.context import set_actor
from duikou.audit.services import bulk_create_logged
from duikou.core.concurrency import save_checked, save_versioned
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.jobs import start_job
from duikou.core.models import Job
from duikou.geo.models import Region
from duikou.indicators import formula as formulas
from duikou.indicators.models import DataSet, DataValue, Indicator, Report
from duikou.indicators.periods import Period, parse_period, periods_of_year
from duikou.pairings.models import Pairing
from duikou.plans.models import Plan, PlanTarget
from duikou.policy.models import Task

from . import engine
from .models import FrozenSchemeError, Item, Notice, Result, Review, Run, Scheme, Score

SCHEME_FIELDS = ("name", "excellent_min", "good_min", "fair_min", "cities_see_before_publication")
ITEM_FIELDS = (
    "order",
    "name",
    "key_task",
    "clause",
    "weight",
    "method",
    "indicator",
    "criterion",
    "target",
    "cap",
    "threshold",
    "deduction_basis",
    "deduction_points",
    "drop_extremes",
)
USED_STATUSES = (DataValue.Status.APPROVED, DataValue.Status.ACCEPTED)
REPORTED = (Report.Status.SUBMITTED, Report.Status.APPROVED, Report.Status.ACCEPTED)


# ---- schemes -----------------------------------------------------------------------------------------------


def creatable_levels(user) -> list[str]:
    """The scheme levels the user's organisation may keep: the nation both, a province its own, others none."""
    if not scoping.may(user, scoping.Action.CHANGE):
        return []
    prefix = scoping.region_prefix(user)
    if prefix is None:
        return [Scheme.Level.NATIONAL, Scheme.Level.PROVINCE]
    if prefix and len(prefix) == 2:
        return [Scheme.Level.PROVINCE]
    return []


def _require_unpublished(scheme: Scheme) -> None:
    if scheme.published:
        raise FrozenSchemeError(f"「{scheme}」")


def _validate_scheme(scheme: Scheme) -> None:
    if not (scheme.name or "").strip():
        raise ValidationError({"name": "请填写方案名称"})
    if not 2000 <= int(scheme.year or 0) <= 2100:
        raise ValidationError({"year": f"评估年度「{scheme.year}」无效，应在 2000–2100 之间"})
    if scheme.level == Scheme.Level.NATIONAL and scheme.province_id:
        raise ValidationError({"province": "国家级方案不选省份"})
    if scheme.level == Scheme.Level.PROVINCE:
        if not scheme.province_id:
            raise ValidationError({"province": "省级方案须选择省份"})
        if scheme.province.level != Region.Level.PROVINCE:
            raise ValidationError({"province": f"「{scheme.province}」不是省级行政区"})
    cutoffs = (scheme.excellent_min, scheme.good_min, scheme.fair_min)
    if any(c is None for c in cutoffs):
        raise ValidationError({"excellent_min": "请填写优秀、良好、一般三条分数线"})
    if not (scheme.excellent_min > scheme.good_min > scheme.fair_min >= 0):
        raise ValidationError(
            {
                "excellent_min": f"分数线须满足 优秀（{scheme.excellent_min}）> 良好（{scheme.good_min}）"
                f"> 一般（{scheme.fair_min}）≥ 0"
            }
        )
    clash = Scheme.objects.filter(year=scheme.year, level=scheme.level, province=scheme.province).exclude(pk=scheme.pk)
    existing = clash.first()
    if existing:
        where = "国家级" if scheme.level == Scheme.Level.NATIONAL else f"{scheme.province}省级"
        raise ValidationError({"year": f"{scheme.year} 年已有{where}评估方案「{existing}」，不能重复建立"})


def create_scheme(
    *,
    user,
    year: int,
    level: str,
    name: str,
    province: Region | None = None,
    excellent_min: Decimal = Decimal("90"),
    good_min: Decimal = Decimal("80"),
    fair_min: Decimal = Decimal("60"),
    cities_see_before_publication: bool = False,
) -> Scheme:
    """A new, empty scheme; the scoping layer decides (inside the transaction) whether the user may keep it."""
    scoping.require(user, scoping.Action.CHANGE)
    if level not in Scheme.Level.values:
        raise ValidationError({"level": f"层级「{level}」无效"})
    if level not in creatable_levels(user):
        raise PermissionDenied("您不能建立该层级的评估方案：国家级方案由国家发展改革委建立，省级方案由本省建立")
    scheme = Scheme(
        year=year,
        level=level,
        province=province if level == Scheme.Level.PROVINCE else None,
        name=(name or "").strip(),
        excellent_min=excellent_min,
        good_min=good_min,
        fair_min=fair_min,
        cities_see_before_publication=cities_see_before_publication,
        created_by=user,
    )
    _validate_scheme(scheme)
    with transaction.atomic(), set_actor(user):
        scheme.full_clean(validate_constraints=False)
        save_checked(scheme, check=_validate_scheme)  # one of its year and level made at the same moment: refused
        _require_change(user, scheme)
    return scheme


def _require_change(user, scheme: Scheme) -> None:
    if not scoping.can(user, scoping.Action.CHANGE, scheme):
        raise PermissionDenied("您不能维护该评估方案：国家级方案由国家发展改革委维护，省级方案由本省维护")


def update_scheme(*, user, scheme: Scheme, expected_version: int, **changes) -> Scheme:
    """Change the name, cut-offs or visibility of a scheme that has no published run."""
    _require_change(user, scheme)
    _require_unpublished(scheme)
    unknown = set(changes) - set(SCHEME_FIELDS)
    if unknown:
        raise ValidationError(f"不能修改的字段：{', '.join(sorted(unknown))}")
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    probe = Scheme(**{f.attname: getattr(scheme, f.attname) for f in Scheme._meta.concrete_fields})
    for key, value in changes.items():
        setattr(probe, key, value)
    _validate_scheme(probe)
    with set_actor(user):
        return save_versioned(scheme, expected_version=expected_version, changes=changes)


def _touch(scheme: Scheme, expected_version: int | None) -> None:
    """Bump the scheme's version for a change to its items; refuse if the editor's copy is stale."""
    qs = Scheme.objects.filter(pk=scheme.pk)
    if expected_version is None:
        qs.update(version=F("version") + 1)
        return
    if not qs.filter(version=expected_version).update(version=F("version") + 1):
        current = qs.values_list("version", flat=True).first()
        raise StaleObjectError(scheme, expected_version, current)


def _decimal(value, label: str, field_name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValidationError({field_name: f"{label}「{value}」不是数字"}) from exc
    if not number.is_finite():
        raise ValidationError({field_name: f"{label}「{value}」不是数字"})
    return number


def _validate_item(item: Item) -> None:
    if not (item.name or "").strip():
        raise ValidationError({"name": "请填写评估内容"})
    if item.method not in Item.Method.values:
        raise ValidationError({"method": f"计分方法「{item.method}」无效"})
    if not item.key_task_id or item.key_task.kind != Task.Kind.KEY_TASK:
        raise ValidationError({"key_task": "请选择重点任务（KT1–KT5）"})
    if item.weight is None or item.weight <= 0:
        raise ValidationError({"weight": "分值须大于 0"})
    if item.method in engine.INDICATOR_METHODS:
        if not item.indicator_id:
            raise ValidationError({"indicator": f"计分方法「{item.get_method_display()}」须选择指标"})
    else:
        item.indicator = None
    if item.method == Item.Method.TARGET:
        if item.target is None or item.target <= 0:
            raise ValidationError({"target": "目标完成度计分须填写大于 0 的目标值（结对方案未定年度目标时使用）"})
        if item.cap is None or item.cap < 1:
            raise ValidationError({"cap": "完成度上限不能低于 1（即 100%）"})
    if item.method == Item.Method.THRESHOLD and item.threshold is None:
        raise ValidationError({"threshold": "达标计分须填写达标值"})
    if item.method == Item.Method.DEDUCTION:
        if item.deduction_basis not in Item.DeductionBasis.values:
            raise ValidationError({"deduction_basis": "扣分项须选择扣分依据（整改逾期或未按期填报）"})
        if item.deduction_points is None or item.deduction_points <= 0:
            raise ValidationError({"deduction_points": "扣分项须填写大于 0 的每次扣分"})
    else:
        item.deduction_basis, item.deduction_points = "", None
    if item.method == Item.Method.QUALITATIVE:
        if not (item.criterion or "").strip():
            raise ValidationError({"criterion": "定性评议须写明评价要点"})
    else:
        item.drop_extremes = False
    if item.method != Item.Method.THRESHOLD:
        item.threshold = None
    item.name = item.name.strip()
    item.criterion = (item.criterion or "").strip()


def _item_values(fields: dict) -> dict:
    labels = {
        "weight": "分值",
        "target": "目标值",
        "cap": "完成度上限",
        "threshold": "达标值",
        "deduction_points": "每次扣分",
    }
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    values = dict(fields)
    for name, label in labels.items():
        if name in values:
            values[name] = _decimal(values[name], label, name)
    if "order" in values and values["order"] is None:
        del values["order"]
    if values.get("cap") is None and "cap" in values:
        values["cap"] = Decimal("1")
    for name in ("criterion", "deduction_basis"):
        if name in values and values[name] is None:
            values[name] = ""
    return values


def add_item(*, user, scheme: Scheme, expected_version: int | None = None, **fields) -> Item:
    """Add a scored item to a scheme that has no published run."""
    _require_change(user, scheme)
    _require_unpublished(scheme)
    values = _item_values(fields)
    if "order" not in values:
        values["order"] = (scheme.items.aggregate(m=Max("order"))["m"] or 0) + 10
    item = Item(scheme=scheme, **values)
    _validate_item(item)
    with transaction.atomic(), set_actor(user):
        _touch(scheme, expected_version)
        item.full_clean()
        item.save()
    return item


def update_item(*, user, item: Item, expected_version: int | None = None, **fields) -> Item:
    """Change an item of a scheme that has no published run; ``expected_version`` is the scheme's."""
    scheme = item.scheme
    _require_change(user, scheme)
    _require_unpublished(scheme)
    values = _item_values(fields)
    with transaction.atomic(), set_actor(user):
        _touch(scheme, expected_version)
        fresh = Item.objects.select_for_update().get(pk=item.pk)
        for key, value in values.items():
            setattr(fresh, key, value)
        _validate_item(fresh)
        fresh.full_clean()
        fresh.save()
    return fresh


def remove_item(*, user, item: Item, expected_version: int | None = None) -> None:
    """Remove an item no run has scored yet (the audit history keeps it); scored items stay with their runs."""
    scheme = item.scheme
    _require_change(user, scheme)
    _require_unpublished(scheme)
    used = Run.objects.filter(scores__item=item).distinct().order_by("number")
    if used.exists():
        numbers = "、".join(f"第{r.number}次" for r in used)
        raise ValidationError(f"「{item}」已在{numbers}评估中计分，不能删除；可修改其内容后重新运行")
    with transaction.atomic(), set_actor(user):
        _touch(scheme, expected_version)
        item.reviews.all().delete()
        item.delete()


def _next_name(name: str, old: int, new: int) -> str:
    if str(old) in name:
        return name.replace(str(old), str(new))
    return f"{new} 年{name}"


def copy_scheme_forward(*, scheme: Scheme, year: int, user, name: str = "") -> Scheme:
    """The scheme for another year: items, cut-offs and options copied, ``copied_from`` set; then edited there."""
    if not scoping.can(user, scoping.Action.VIEW, scheme):
        raise PermissionDenied("您不能查看该评估方案")
    copy = Scheme(
        year=year,
        level=scheme.level,
        province=scheme.province,
        name=(name or "").strip() or _next_name(scheme.name, scheme.year, year),
        excellent_min=scheme.excellent_min,
        good_min=scheme.good_min,
        fair_min=scheme.fair_min,
        cities_see_before_publication=scheme.cities_see_before_publication,
        copied_from=scheme,
        created_by=user,
    )
    _validate_scheme(copy)
    scoping.require(user, scoping.Action.CHANGE)
    with transaction.atomic(), set_actor(user):
        copy.full_clean(validate_constraints=False)
        save_checked(copy, check=_validate_scheme)
        _require_change(user, copy)
        for item in scheme.items.all():
            Item.objects.create(scheme=copy, **{f: getattr(item, f) for f in ITEM_FIELDS})
    return copy


# ---- qualitative reviews -----------------------------------------------------------------------------------


def pairings_evaluated(scheme: Scheme) -> QuerySet[Pairing]:
    """National scheme: every active pairing; province scheme: those whose old-side city is in the province.
    Only pairings whose period covers the scheme's year."""
    qs = Pairing.objects.filter(status=Pairing.Status.ACTIVE, start_year__lte=scheme.year, end_year__gte=scheme.year)
    if scheme.level == Scheme.Level.PROVINCE:
        qs = qs.filter(old_region__code__startswith=scheme.province.prefix)
    return qs.select_related("old_region", "partner_region", "old_area").order_by("level", "code")


def record_review(
    *,
    user,
    item: Item,
    pairing: Pairing,
    mark,
    comment: str = "",
    expected_version: int | None = None,
) -> Review:
    """The user's own mark (0–100, share of full marks) for a qualitative item and a pairing; saved again to change."""
    scheme = item.scheme
    _require_change(user, scheme)
    _require_unpublished(scheme)
    if item.method != Item.Method.QUALITATIVE:
        raise ValidationError(f"「{item}」不是定性评议项，不能评议")
    if not pairings_evaluated(scheme).filter(pk=pairing.pk).exists():
        raise ValidationError(f"「{pairing}」不在方案「{scheme}」的评估范围内")
    number = _decimal(mark, "评分", "mark")
    if number is None:
        raise ValidationError({"mark": f"请填写「{pairing}」在「{item}」上的评分（0–100）"})
    if not 0 <= number <= 100:
        raise ValidationError({"mark": f"「{pairing}」在「{item}」上的评分 {number} 超出 0–100"})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({"mark": f"「{pairing}」在「{item}」上的评分 {number} 最多保留两位小数"})
    comment = (comment or "").strip()
    existing = Review.objects.filter(item=item, pairing=pairing, reviewer=user).first()
    with set_actor(user):
        if existing is None:
            try:
                with transaction.atomic():
                    return Review.objects.create(
                        item=item, pairing=pairing, reviewer=user, mark=number, comment=comment
                    )
            except IntegrityError as exc:  # saved by the same reviewer a moment ago (another tab)
                existing = Review.objects.get(item=item, pairing=pairing, reviewer=user)
                if expected_version is None:
                    raise StaleObjectError(existing, 0, existing.version) from exc
        if existing.mark == number and existing.comment == comment:
            return existing
        return save_versioned(
            existing,
            expected_version=existing.version if expected_version is None else expected_version,
            changes={"mark": number, "comment": comment},
        )


# ---- runs --------------------------------------------------------------------------------------------------


def _require_run(user, scheme: Scheme) -> None:
    if not scoping.can(user, scoping.Action.CHANGE, scheme):
        raise PermissionDenied("您不能运行该评估方案：国家级方案由国家发展改革委运行，省级方案由本省运行")


def _clear_stale_runs(scheme: Scheme) -> None:
    """A run whose job ended without finishing it (a restart cut it off) is marked failed."""
    for run in scheme.runs.filter(status=Run.Status.RUNNING).select_related("job"):
        if run.job_id and run.job.status in (Job.Status.DONE, Job.Status.FAILED):
            Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(
                status=Run.Status.FAILED, finished=timezone.now()
            )


def create_run(*, scheme: Scheme, user) -> Run:
    """A new run of the scheme, numbered next, waiting to be computed (``compute_run``)."""
    _require_run(user, scheme)
    if not scheme.items.exists():
        raise ValidationError(f"「{scheme}」还没有评估指标项，请先添加")
    _clear_stale_runs(scheme)
    with transaction.atomic(), set_actor(user):
        Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
        if scheme.runs.filter(status=Run.Status.RUNNING).exists():
            raise ValidationError(f"「{scheme}」已有正在计算的评估批次，请等待其完成")
        number = (scheme.runs.aggregate(m=Max("number"))["m"] or 0) + 1
        return Run.objects.create(scheme=scheme, number=number, status=Run.Status.RUNNING, started_by=user)


def _compute_or_fail(run_id: int, progress, today) -> Run:
    try:
        return compute_run(run=Run.objects.get(pk=run_id), progress=progress, today=today)
    except Exception:
        Run.objects.filter(pk=run_id, status=Run.Status.RUNNING).update(
            status=Run.Status.FAILED, finished=timezone.now()
        )
        raise


def start_run(*, scheme: Scheme, user, today: datetime.date | None = None) -> Job:
    """Run the scheme as a background job with progress; the job links to the new run when done."""
    run = create_run(scheme=scheme, user=user)

    def work(*, progress, run_id: int, today):
        from django.urls import reverse

        done = _compute_or_fail(run_id, progress, today)
        return {
            "run": done.pk,
            "summary": f"已完成 {done.results.count()} 个结对关系的评估",
            "link": {"url": reverse("evaluation:run", args=[done.pk]), "label": "查看排名"},
        }

    job = start_job(
        kind="evaluation", title=f"成效评估：{scheme} 第{run.number}次", user=user, fn=work, run_id=run.pk, today=today
    )
    Run.objects.filter(pk=run.pk).update(job=job)
    return job


REPORT_FORMATS = {"docx": "Word", "pdf": "PDF"}


def may_read_report(user, run: Run) -> bool:
    """The report shows every pairing's scores: the scheme's owners read it at once, everyone else who may
    read the run once it is published (the ranking is public then)."""
    if run.status not in (Run.Status.DONE, Run.Status.PUBLISHED):
        return False
    return scoping.can(user, scoping.Action.CHANGE, run) or (
        run.published and scoping.can(user, scoping.Action.VIEW, run)
    )


def start_report(*, run: Run, user, fmt: str) -> Job:
    """Build the evaluation report (.docx or .pdf, charts drawn on the server) as a background job."""
    if fmt not in REPORT_FORMATS:
        raise UserFacingError(f"未知的报告格式「{fmt}」，可用：{'、'.join(REPORT_FORMATS)}")
    if not may_read_report(user, run):
        raise PermissionDenied

    def work(*, progress, run_id: int, fmt: str):
        from . import documents  # matplotlib, python-docx and WeasyPrint load only here

        progress(0, 1, "正在绘制图表并排版")
        target = Run.objects.select_related("scheme").get(pk=run_id)
        content = documents.report_pdf(target) if fmt == "pdf" else documents.report_docx(target)
        progress(1, 1)
        filename = f"evaluation-{target.scheme.year}-run{target.number}.{fmt}"
        return {
            "filename": filename,
            "summary": f"评估报告（{REPORT_FORMATS[fmt]}）已生成",
            "_file": (filename, content),
        }

    return start_job(
        kind="evaluation_report",
        title=f"评估报告（{REPORT_FORMATS[fmt]}）：{run}",
        user=user,
        fn=work,
        run_id=run.pk,
        fmt=fmt,
    )


def evaluate_now(*, scheme: Scheme, user, progress=None, today: datetime.date | None = None) -> Run:
    """The same as ``start_run``, in the foreground (the command line shows the progress)."""
    run = create_run(scheme=scheme, user=user)
    return _compute_or_fail(run.pk, progress, today)


def _item_rule(item: Item) -> engine.ItemRule:
    ind = item.indicator
    return engine.ItemRule(
        id=item.pk,
        order=item.order,
        name=item.name,
        key_task=item.key_task_id,
        method=item.method,
        weight=item.weight,
        indicator=engine.IndicatorInfo(ind.code, ind.name, ind.unit, ind.direction) if ind else None,
        target=item.target,
        cap=item.cap,
        threshold=item.threshold,
        deduction_basis=item.deduction_basis,
        deduction_points=item.deduction_points,
        drop_extremes=item.drop_extremes,
    )


def _snapshot(scheme: Scheme, items: list[Item], pairings: list[Pairing], today: datetime.date) -> dict:
    def s(value):
        return None if value is None else str(value)

    return {
        "scheme": {
            "id": scheme.pk,
            "name": scheme.name,
            "year": scheme.year,
            "level": scheme.level,
            "province": scheme.province_id,
            "excellent_min": s(scheme.excellent_min),
            "good_min": s(scheme.good_min),
            "fair_min": s(scheme.fair_min),
            "cities_see_before_publication": scheme.cities_see_before_publication,
            "version": scheme.version,
        },
        "items": [
            {
                "id": i.pk,
                "order": i.order,
                "name": i.name,
                "key_task": i.key_task_id,
                "key_task_name": i.key_task.name,
                "clause": i.clause_id,
                "weight": s(i.weight),
                "method": i.method,
                "indicator": i.indicator_id,
                "indicator_name": i.indicator.name if i.indicator_id else None,
                "criterion": i.criterion,
                "target": s(i.target),
                "cap": s(i.cap),
                "threshold": s(i.threshold),
                "deduction_basis": i.deduction_basis,
                "deduction_points": s(i.deduction_points),
                "drop_extremes": i.drop_extremes,
            }
            for i in items
        ],
        "pairings": [p.pk for p in pairings],
        "as_of": today.isoformat(),
    }


# -- gathering the inputs ------------------------------------------------------------------------------------

STATUS_WORDS = {DataValue.Status.APPROVED: "已审核", DataValue.Status.ACCEPTED: "已接收"}


def _span(periods: list[Period]) -> str:
    """2025Q1, 2025Q2, 2025Q3 → "2025Q1–Q3"; gaps are listed: "2025Q1、2025Q3"."""
    if not periods:
        return ""
    runs: list[list[Period]] = [[periods[0]]]
    for p in periods[1:]:
        if runs[-1][-1].next() == p:
            runs[-1].append(p)
        else:
            runs.append([p])
    parts = []
    for run in runs:
        first, last = run[0], run[-1]
        if first == last:
            parts.append(first.id)
        else:
            parts.append(f"{first.id}–{last.id[4:] if first.year == last.year else last.id}")
    return "、".join(parts)


def _status_spans(rows: list[tuple[Period, Decimal, str]]) -> str:
    """The periods used, grouped by approval status: "2025Q1–Q2 已接收、2025Q3–Q4 已审核"."""
    groups: list[tuple[str, list[Period]]] = []
    for period, _value, status in rows:
        word = STATUS_WORDS.get(status, status)
        if groups and groups[-1][0] == word:
            groups[-1][1].append(period)
        else:
            groups.append((word, [period]))
    return "、".join(f"{_span(periods)} {word}" for word, periods in groups)


def _aggregate(indicator: Indicator, rows: list[tuple[Period, Decimal, str]], year: int) -> engine.Actual:
    expected = periods_of_year(year, indicator.period_type)
    rows = sorted((r for r in rows if r[0] in expected), key=lambda r: r[0])
    used = {r[0] for r in rows}
    missing = [p for p in expected if p not in used]
    values = [{"period": p.id, "value": engine._s(v), "status": st} for p, v, st in rows]
    if not rows:
        return engine.Actual(None, f"{_span(expected)} 均无已审核数值", [])
    gap = f"；{_span(missing)} 无已审核数值" if missing and indicator.aggregation != Indicator.Aggregation.LAST else ""
    spans = _status_spans(rows)
    if indicator.aggregation == Indicator.Aggregation.LAST:
        period, value, status = rows[-1]
        return engine.Actual(value, f"期末值，{period.id} {STATUS_WORDS.get(status, status)}", values[-1:])
    if indicator.aggregation == Indicator.Aggregation.AVERAGE:
        total = sum((r[1] for r in rows), Decimal(0))
        return engine.Actual(total / len(rows), f"{spans}值的平均{gap}", values)
    total = sum((r[1] for r in rows), Decimal(0))
    word = "之和" if len(rows) > 1 else ""
    return engine.Actual(total, f"{spans}值{word}{gap}", values)


def _formula_text(formula: str, names: dict[str, str]) -> str:
    text = formula
    for code in sorted(formulas.codes_in(formula), key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(code)}\b", names.get(code, code), text)
    return text.replace("*", "×").replace("/", "÷")


def _actual(
    indicator: Indicator, values: dict[str, list], indicators: dict[str, Indicator], year: int
) -> engine.Actual:
    if not indicator.formula:
        return _aggregate(indicator, values.get(indicator.code, []), year)
    parts, numbers = [], {}
    for code in sorted(formulas.codes_in(indicator.formula)):
        component = indicators[code]
        part = _aggregate(component, values.get(code, []), year)
        numbers[code] = part.value
        parts.append(
            {
                "indicator": code,
                "name": component.name,
                "value": engine._s(part.value),
                "basis": part.basis,
                "values": part.values,
            }
        )
    value = formulas.evaluate(indicator.formula, numbers)
    described = "，".join(f"{p['name']} {_component_text(p, indicators)}（{p['basis']}）" for p in parts)
    expression = _formula_text(indicator.formula, {c: i.name for c, i in indicators.items()})
    if value is None:
        return engine.Actual(None, f"按公式 {expression} 无法计算：{described}", parts)
    return engine.Actual(value, f"按公式 {expression} 计算：{described}", parts)


def _component_text(part: dict, indicators: dict[str, Indicator]) -> str:
    if part["value"] is None:
        return "无"
    return engine.quantity(Decimal(part["value"]), indicators[part["indicator"]].unit)


def _year_period_ids(year: int) -> list[str]:
    return [p.id for kind in ("year", "quarter", "month") for p in periods_of_year(year, kind)]


def _gather_values(pairing_ids: list[int], codes: set[str], year: int) -> dict[int, dict[str, list]]:
    out: dict[int, dict[str, list]] = {}
    types = dict(Indicator.objects.filter(code__in=codes).values_list("code", "period_type"))
    rows = DataValue.objects.filter(
        pairing_id__in=pairing_ids,
        indicator_id__in=codes,
        period__in=_year_period_ids(year),
        status__in=USED_STATUSES,
        value__isnull=False,
    ).values_list("pairing_id", "indicator_id", "period", "value", "status")
    for pid, code, period, value, status in rows:
        parsed = parse_period(period)
        if parsed.type != types.get(code):
            continue
        out.setdefault(pid, {}).setdefault(code, []).append((parsed, value, status))
    return out


PLAN_KIND_ORDER = {Plan.Kind.ANNUAL: 0, Plan.Kind.SPECIAL: 1, Plan.Kind.FIVE_YEAR: 2}


def _gather_plan_targets(pairing_ids: list[int], year: int) -> dict[int, list[PlanTarget]]:
    """Year targets of the pairings' filed plans covering the year (a revision replaces the plan it revises);
    an annual plan's target comes before a special plan's, which comes before the five-year plan's."""
    rows = (
        PlanTarget.objects.filter(
            plan__pairing_id__in=pairing_ids,
            plan__status=Plan.Status.FILED,
            plan__start_year__lte=year,
            plan__end_year__gte=year,
            year=year,
        )
        .exclude(plan__next_revision__status=Plan.Status.FILED)
        .select_related("plan")
    )
    out: dict[int, list[PlanTarget]] = {}
    for t in sorted(rows, key=lambda t: (PLAN_KIND_ORDER.get(t.plan.kind, 9), -t.plan.revision, -t.plan.pk)):
        out.setdefault(t.plan.pairing_id, []).append(t)
    return out


def _target(item: Item, plan_targets: list[PlanTarget]) -> engine.Target:
    ind = item.indicator
    notes = []
    for t in plan_targets:
        if t.indicator.strip() not in (ind.code, ind.name):
            continue
        if t.unit.strip() and t.unit.strip() != ind.unit:
            notes.append(f"《{t.plan.title}》所定目标单位为「{t.unit}」，与指标单位「{ind.unit}」不一致，未采用")
            continue
        if t.target is None or t.target <= 0:
            notes.append(f"《{t.plan.title}》所定目标为 {engine.num(t.target)}，不能作为分母，未采用")
            continue
        return engine.Target(Decimal(t.target), f"《{t.plan.title}》年度指标目标", t.plan_id, "；".join(notes))
    return engine.Target(item.target, "评估方案所定目标值", None, "；".join(notes))


def _gather_missed_reports(pairings: list[Pairing], year: int, today: datetime.date) -> dict[int, list[str]]:
    """Per pairing: the reports due by ``today`` for periods of the year that are not submitted or further on."""
    datasets = list(DataSet.objects.prefetch_related("pairings").order_by("code"))
    reports = {
        (pid, ds, period): status
        for pid, ds, period, status in Report.objects.filter(
            pairing_id__in=[p.pk for p in pairings], period__in=_year_period_ids(year)
        ).values_list("pairing_id", "dataset_id", "period", "status")
    }
    labels = dict(Report.Status.choices)
    out: dict[int, list[str]] = {}
    for ds in datasets:
        listed = {p.pk for p in ds.pairings.all()}
        due = [p for p in periods_of_year(year, ds.period_type) if p.end < today]
        for pairing in pairings:
            if listed and pairing.pk not in listed:
                continue
            for period in due:
                status = reports.get((pairing.pk, ds.code, period.id))
                if status in REPORTED:
                    continue
                state = labels[status] if status else "未填报"
                out.setdefault(pairing.pk, []).append(f"{period.id}「{ds.name}」{state}")
    return out


def _gather_overdue_notices(pairing_ids: list[int], today: datetime.date) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    labels = dict(Notice.Status.choices)
    for n in (
        Notice.objects.filter(pairing_id__in=pairing_ids, step_due__lt=today)
        .exclude(status=Notice.Status.CLOSED)
        .order_by("step_due", "pk")
    ):
        out.setdefault(n.pairing_id, []).append(f"{n.number} {labels[n.status]}，本环节时限 {n.step_due:%Y-%m-%d}")
    return out


def gather_inputs(
    scheme: Scheme, items: list[Item], pairings: list[Pairing], *, today: datetime.date
) -> dict[int, engine.PairingInputs]:
    """What each pairing is scored on, by pairing id: read-only, no writes."""
    year, ids = scheme.year, [p.pk for p in pairings]
    indicators = {i.code: i for i in Indicator.objects.all()}
    codes: set[str] = set()
    for item in items:
        if item.indicator_id:
            codes.add(item.indicator_id)
            if item.indicator.formula:
                codes |= formulas.codes_in(item.indicator.formula)
    values = _gather_values(ids, codes, year)
    targets = _gather_plan_targets(ids, year)
    bases = {i.deduction_basis for i in items if i.method == Item.Method.DEDUCTION}
    missed = _gather_missed_reports(pairings, year, today) if Item.DeductionBasis.MISSED_REPORTING in bases else {}
    overdue = _gather_overdue_notices(ids, today) if Item.DeductionBasis.OVERDUE_RECTIFICATION in bases else {}
    marks: dict[tuple[int, int], list[Decimal]] = {}
    for item_id, pid, mark in (
        Review.objects.filter(item__in=[i for i in items if i.method == Item.Method.QUALITATIVE], pairing_id__in=ids)
        .order_by("reviewer_id")
        .values_list("item_id", "pairing_id", "mark")
    ):
        marks.setdefault((pid, item_id), []).append(mark)
    out = {}
    for pairing in pairings:
        data = engine.PairingInputs()
        for item in items:
            if item.indicator_id:
                data.actuals[item.pk] = _actual(item.indicator, values.get(pairing.pk, {}), indicators, year)
            if item.method == Item.Method.TARGET:
                data.targets[item.pk] = _target(item, targets.get(pairing.pk, []))
            if item.method == Item.Method.DEDUCTION:
                found = (missed if item.deduction_basis == Item.DeductionBasis.MISSED_REPORTING else overdue).get(
                    pairing.pk, []
                )
                data.occurrences[item.pk] = engine.Occurrences(len(found), found)
            if item.method == Item.Method.QUALITATIVE:
                data.marks[item.pk] = marks.get((pairing.pk, item.pk), [])
        out[pairing.pk] = data
    return out


def compute_run(*, run: Run, progress=None, today: datetime.date | None = None) -> Run:
    """Score every pairing the scheme evaluates and write the results; the run becomes 待发布 (done)."""
    progress = progress or (lambda *a, **k: None)
    today = today or timezone.localdate()
    run = Run.objects.select_related("scheme__province", "started_by").get(pk=run.pk)
    if run.status != Run.Status.RUNNING:
        raise UserFacingError(f"「{run}」状态为{run.get_status_display()}，不能重新计算")
    scheme = run.scheme
    items = list(scheme.items.select_related("indicator", "key_task").order_by("order", "pk"))
    if not items:
        raise UserFacingError(f"「{scheme}」没有评估指标项")
    pairings = list(pairings_evaluated(scheme))
    if not pairings:
        raise UserFacingError(f"「{scheme}」的评估范围内没有有效的结对关系")
    total_steps = len(pairings) + 2
    progress(0, total_steps, "汇总已审核数值、方案目标、填报和整改情况")
    inputs = gather_inputs(scheme, items, pairings, today=today)
    progress(1, total_steps, "计分")
    rules = [_item_rule(i) for i in items]
    outcomes = engine.evaluate(rules, inputs, year=scheme.year, grade_for=scheme.grade_for)
    from . import mcdm  # numpy, scipy and pymcdm load only when a run needs them

    try:
        view = engine.objective_view(rules, inputs)
    except mcdm.MCDMError as exc:  # e.g. a negative value: the scheme's own scores stand without the second view
        view, second_view = None, f"未计算熵权-TOPSIS：{exc}"
    else:
        second_view = "" if view else "参评结对少于 2 个或没有指标类评估项，未计算熵权-TOPSIS"
    weights, closeness, topsis_ranks = view if view else ({}, {}, {})
    progress(2, total_steps, second_view or "写入结果")
    by_pk = {p.pk: p for p in pairings}
    by_item = {i.pk: i for i in items}
    results, scores = [], []
    for n, (pid, outcome) in enumerate(sorted(outcomes.items(), key=lambda kv: (kv[1].rank, by_pk[kv[0]].code)), 1):
        results.append(
            Result(
                run=run,
                pairing=by_pk[pid],
                total=outcome.total,
                rank=outcome.rank,
                grade=outcome.grade,
                task_scores={k: str(v) for k, v in outcome.task_scores.items()},
                topsis_score=Decimal(str(round(closeness[pid], 6))) if pid in closeness else None,
                topsis_rank=topsis_ranks.get(pid),
            )
        )
        for s in outcome.scores:
            scores.append(
                Score(
                    run=run,
                    pairing=by_pk[pid],
                    item=by_item[s.item.id],
                    score=s.score,
                    actual=None if s.actual is None else s.actual.quantize(Decimal("0.0001")),
                    target=None if s.target is None else Decimal(s.target).quantize(Decimal("0.0001")),
                    explanation=s.explanation,
                    inputs=s.inputs,
                )
            )
        progress(2 + n, total_steps)
    with transaction.atomic(), set_actor(run.started_by):
        bulk_create_logged(Result, results, actor=run.started_by)
        bulk_create_logged(Score, scores, actor=run.started_by)
        run.scheme_snapshot = _snapshot(scheme, items, pairings, today)
        run.entropy_weights = {code: round(w, 6) for code, w in weights.items()}
        run.status = Run.Status.DONE
        run.finished = timezone.now()
        run.save(update_fields=["scheme_snapshot", "entropy_weights", "status", "finished"])
    progress(total_steps, total_steps, "完成")
    return run


def publish_run(*, run: Run, user) -> Run:
    """Publish a finished run: its results become visible to the cities and are frozen from now on."""
    if not scoping.can(user, scoping.Action.APPROVE, run):
        raise PermissionDenied("只有方案所属层级的审核人可以发布：国家级评估由国家发展改革委发布，省级评估由本省发布")
    if run.status == Run.Status.PUBLISHED:
        raise ValidationError(f"「{run}」已发布")
    if run.status != Run.Status.DONE:
        raise ValidationError(f"「{run}」状态为{run.get_status_display()}，只有计算完成、待发布的评估批次可以发布")
    other = Run.objects.filter(scheme_id=run.scheme_id, status=Run.Status.PUBLISHED).exclude(pk=run.pk).first()
    if other:
        raise ValidationError(f"「{run.scheme}」已发布{other}，每个方案只发布一次评估结果")
    try:
        with transaction.atomic(), set_actor(user):
            return save_versioned(
                run,
                expected_version=run.version,
                changes={"status": Run.Status.PUBLISHED, "published_by": user, "published_at": timezone.now()},
            )
    except IntegrityError as exc:
        raise ValidationError(f"「{run.scheme}」已有发布的评估结果，每个方案只发布一次") from exc


# ---- comparing two runs ------------------------------------------------------------------------------------


@dataclass
class ItemChange:
    item: Item
    before: Decimal | None
    after: Decimal | None

    @property
    def delta(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class PairingChange:
    """One pairing in two runs: ``before`` is the earlier run's result, ``after`` the later one's."""

    pairing: Pairing
    before: Result | None
    after: Result | None
    items: list[ItemChange] = field(default_factory=list)

    @property
    def total_delta(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after.total - self.before.total

    @property
    def rank_delta(self) -> int | None:
        """Places gained (positive) or lost (negative)."""
        if self.before is None or self.after is None:
            return None
        return self.before.rank - self.after.rank

    @property
    def grade_changed(self) -> bool:
        return (self.before.grade if self.before else None) != (self.after.grade if self.after else None)

    @property
    def changed(self) -> bool:
        return (
            bool(self.total_delta) or bool(self.rank_delta) or self.grade_changed or any(i.changed for i in self.items)
        )


def compare_runs(a: Run, b: Run, *, user=None) -> list[PairingChange]:
    """Per pairing, the total, rank and grade in both runs and the change of each item's score.

    The earlier run (lower number) is "before". With ``user`` only the results and scores they may see count.
    """
    if a.scheme_id != b.scheme_id:
        raise ValidationError("只能比较同一评估方案的两次评估")
    before, after = sorted((a, b), key=lambda r: r.number)

    def results(run):
        qs = Result.objects.all() if user is None else scoping.scope(user, Result)
        return {
            r.pairing_id: r for r in qs.filter(run=run).select_related("pairing__old_region", "pairing__partner_region")
        }

    def scores(run):
        qs = Score.objects.all() if user is None else scoping.scope(user, Score)
        return {(s.pairing_id, s.item_id): s.score for s in qs.filter(run=run)}

    r_before, r_after = results(before), results(after)
    s_before, s_after = scores(before), scores(after)
    items = list(Item.objects.filter(scheme_id=a.scheme_id).select_related("key_task").order_by("order", "pk"))
    out = []
    for pid in set(r_before) | set(r_after):
        pairing = (r_after.get(pid) or r_before.get(pid)).pairing
        changes = [
            ItemChange(item, s_before.get((pid, item.pk)), s_after.get((pid, item.pk)))
            for item in items
            if (pid, item.pk) in s_before or (pid, item.pk) in s_after
        ]
        out.append(PairingChange(pairing, r_before.get(pid), r_after.get(pid), changes))
    out.sort(key=lambda c: (c.after.rank if c.after else 10**6, c.pairing.code))
    return out
