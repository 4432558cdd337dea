"""Every write to evaluation schemes, reviews and runs.

Who may do what (2022 方案 四(四)): the national overseer keeps the national scheme, runs it and publishes its
results; each province keeps, runs and publishes its own (``apps.owner_q`` in the scoping layer). A scheme is
edited while none of its runs is published, then copied forward to the next year and edited there. A run is a
background job; its results are frozen once published, and a re-run is a new run.

What a run reads is ``inputs``, how it scores ``scoring``; comparing two runs is ``comparison``; scoped reads are
``queries``.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core.audit_context import set_actor
from duikou.core.audit_entries import bulk_create_logged
from duikou.core.concurrency import save_checked, save_versioned
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.jobs import start_job
from duikou.core.models import Job
from duikou.geo.models import Region
from duikou.pairings.models import Pairing
from duikou.policy.models import Task

from . import engine, inputs, scoring
from .models import FrozenSchemeError, Item, Result, Review, Run, Scheme, Score

STAGE_FIELDS = (
    "self_assessment",
    "partner_opinion",
    "cross_check",
    "cross_check_items",
    "self_assessment_due",
    "opinion_due",
)
SCHEME_FIELDS = ("name", "excellent_min", "good_min", "fair_min", "cities_see_before_publication", *STAGE_FIELDS)
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
    _validate_stages(scheme)
    clash = Scheme.objects.filter(year=scheme.year, level=scheme.level, province=scheme.province).exclude(pk=scheme.pk)
    existing = clash.first()
    if existing:
        where = "国家级" if scheme.level == Scheme.Level.NATIONAL else f"{scheme.province}省级"
        raise ValidationError({"year": f"{scheme.year} 年已有{where}评估方案「{existing}」，不能重复建立"})


def _validate_stages(scheme: Scheme) -> None:
    """The stages before scoring (自评 → 征求结对方意见 → 交叉核查) as the scheme sets them."""
    if scheme.partner_opinion and not scheme.self_assessment:
        raise ValidationError({"partner_opinion": "征求结对方意见须先设自评环节"})
    if scheme.self_assessment and not scheme.self_assessment_due:
        raise ValidationError({"self_assessment_due": "设自评环节时须填写自评截止日期"})
    if scheme.partner_opinion and not scheme.opinion_due:
        raise ValidationError({"opinion_due": "设征求结对方意见环节时须填写意见截止日期"})
    if scheme.partner_opinion and scheme.opinion_due < scheme.self_assessment_due:
        raise ValidationError(
            {
                "opinion_due": f"结对方意见截止日期（{scheme.opinion_due:%Y-%m-%d}）不能早于自评截止日期"
                f"（{scheme.self_assessment_due:%Y-%m-%d}）"
            }
        )
    if scheme.cross_check and not scheme.cross_check_items:
        raise ValidationError({"cross_check_items": "交叉核查须至少抽查 1 个评估项"})


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
    **stages,
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
    unknown = set(stages) - set(STAGE_FIELDS)
    if unknown:
        raise ValidationError(f"不能设置的字段：{', '.join(sorted(unknown))}")
    for key, value in stages.items():
        setattr(scheme, key, value)
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


def _shifted(day: datetime.date | None, years: int) -> datetime.date | None:
    """A stage's due date moved to the copy's year (29 February becomes 28 February)."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


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
        self_assessment=scheme.self_assessment,
        partner_opinion=scheme.partner_opinion,
        cross_check=scheme.cross_check,
        cross_check_items=scheme.cross_check_items,
        self_assessment_due=_shifted(scheme.self_assessment_due, year - scheme.year),
        opinion_due=_shifted(scheme.opinion_due, year - scheme.year),
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
    if not inputs.pairings_evaluated(scheme).filter(pk=pairing.pk).exists():
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
        if run.state == Run.Status.FAILED:
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
    job = start_job(
        kind="evaluation",
        title=_("成效评估：%(run)s") % {"run": run},
        user=user,
        fn=run_job,
        params={"run_id": run.pk, "today": today.isoformat() if today else None},
    )
    Run.objects.filter(pk=run.pk).update(job=job)
    return job


def run_job(*, user, progress, run_id: int, today: str | None) -> dict:
    """The job of ``start_run``. A retry after an unexpected error (or a worker that died) computes the run again:
    its results are written in one transaction, so nothing of the failed attempt is left."""
    from django.urls import reverse

    Run.objects.filter(pk=run_id, status=Run.Status.FAILED, finished__isnull=False, job__attempts__gt=1).update(
        status=Run.Status.RUNNING, finished=None
    )
    done = _compute_or_fail(run_id, progress, datetime.date.fromisoformat(today) if today else None)
    return {
        "run": done.pk,
        "summary": f"已完成 {done.results.exclude(rank=None).count()} 个结对关系的评估"
        + (f"，{apart} 个无应报数据，不参与排名" if (apart := done.results.filter(rank=None).count()) else ""),
        "link": {"url": reverse("evaluation:run", args=[done.pk]), "label": "查看排名"},
    }


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

    return start_job(
        kind="evaluation_report",
        title=_("评估报告（%(format)s）：%(run)s") % {"format": REPORT_FORMATS[fmt], "run": run},
        user=user,
        fn=report_job,
        params={"run_id": run.pk, "fmt": fmt},
    )


def report_job(*, user, progress, run_id: int, fmt: str) -> dict:
    """The job of ``start_report``."""
    from . import documents  # matplotlib, python-docx and WeasyPrint load only here

    progress(0, 1, "正在绘制图表并排版")
    target = Run.objects.select_related("scheme").get(pk=run_id)
    content = documents.report_pdf(target) if fmt == "pdf" else documents.report_docx(target)
    progress(1, 1)
    filename = f"evaluation-{target.scheme.year}-run{target.number}.{fmt}"
    return {"filename": filename, "summary": f"评估报告（{REPORT_FORMATS[fmt]}）已生成", "_file": (filename, content)}


def evaluate_now(*, scheme: Scheme, user, progress=None, today: datetime.date | None = None) -> Run:
    """The same as ``start_run``, in the foreground (the command line shows the progress)."""
    run = create_run(scheme=scheme, user=user)
    return _compute_or_fail(run.pk, progress, today)


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
    pairings = list(inputs.pairings_evaluated(scheme))
    if not pairings:
        raise UserFacingError(f"「{scheme}」的评估范围内没有有效的结对关系")
    pairings += list(inputs.pairings_starting_later(scheme))  # listed apart: nothing was due of them
    scored = scoring.score(run, items, pairings, today=today, progress=progress)
    with transaction.atomic(), set_actor(run.started_by):
        bulk_create_logged(Result, scored.results, actor=run.started_by)
        bulk_create_logged(Score, scored.scores, actor=run.started_by)
        run.scheme_snapshot = scoring.snapshot(scheme, items, pairings, today)
        run.entropy_weights = scored.entropy_weights
        run.status = Run.Status.DONE
        run.finished = timezone.now()
        run.save(update_fields=["scheme_snapshot", "entropy_weights", "status", "finished"])
    total_steps = scoring.steps(pairings)
    progress(total_steps, total_steps)  # counted out; the job's end then shows its summary
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
