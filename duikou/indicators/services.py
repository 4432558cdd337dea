"""Every write to indicators and every step of the reporting workflow.

Who may do what (2022 方案 四(四)): the editors and approvers of either city of a pairing enter its values
and submit them; the province of either side approves (or returns with comments); the national overseer
accepts. Submitted, approved and accepted values are locked; an approver of the province or the overseer
unlocks them with a reason, which the audit history keeps. Who may take which step is the table in ``workflow.py``;
each step function below asks it first.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core.audit_context import set_actor
from duikou.core.datafiles import data_path, read_json
from duikou.core.errors import DataFileError, StaleObjectError
from duikou.core.workflow import party_users, region_party
from duikou.notifications import services as notifications
from duikou.notifications.models import Notification
from duikou.pairings.models import Pairing
from duikou.pairings.sides import SIDES, side_region
from duikou.policy.models import Clause, Task

from . import formula as formulas
from . import queries
from .models import (
    Breakdown,
    BreakdownOption,
    DataSet,
    DataValue,
    Indicator,
    LockedValueError,
    Report,
    ValidationRule,
)
from .periods import Period, parse_period
from .workflow import WORKFLOW

# ---- the starter library ----------------------------------------------------------------------------------


def load_starter_library() -> str:
    """Load data/indicators/starter.json idempotently; a broken file loads nothing and names the entry."""
    path = data_path("indicators", "starter.json")
    data = read_json(path)
    counts = {"indicators": 0, "datasets": 0, "rules": 0}
    with transaction.atomic():
        for n, item in enumerate(data.get("indicators") or [], 1):
            where = f"第 {n} 个指标（{item.get('code', '?')}）"
            for key in ("code", "name", "unit", "clause"):
                if not item.get(key):
                    raise DataFileError(path, None, f"{where} 缺少「{key}」")
            clause = Clause.objects.filter(pk=item["clause"]).first()
            if clause is None:
                raise DataFileError(path, None, f"{where} 引用的条款 {item['clause']} 不存在")
            quote = item.get("quote") or ""
            if not quote or quote not in clause.text:
                raise DataFileError(path, None, f"{where} 的原文片段「{quote}」不在条款 {clause.pk} 中")
            task = None
            if item.get("key_task"):
                task = Task.objects.filter(pk=item["key_task"]).first()
                if task is None:
                    raise DataFileError(path, None, f"{where} 引用的重点任务 {item['key_task']} 不存在")
            indicator = Indicator(
                code=item["code"],
                name=item["name"],
                name_en=item.get("name_en") or "",
                unit=item["unit"],
                value_type=item.get("value_type") or "number",
                aggregation=item.get("aggregation") or "sum",
                period_type=item.get("period_type") or "quarter",
                direction=item.get("direction") or "higher",
                key_task=task,
                clause=clause,
                formula=item.get("formula") or "",
                min_value=_decimal_or_none(item.get("min_value")),
                max_value=_decimal_or_none(item.get("max_value")),
                change_warn_share=_decimal_or_none(item.get("change_warn_share")),
                description=item.get("description") or "",
                order=n,
            )
            try:
                indicator.full_clean(validate_unique=False)
            except ValidationError as exc:
                raise DataFileError(path, None, f"{where}：{'；'.join(exc.messages)}") from exc
            indicator.save()
            counts["indicators"] += 1
        known = set(Indicator.objects.values_list("code", flat=True))
        for item in data.get("indicators") or []:
            unknown = formulas.codes_in(item["formula"]) - known if item.get("formula") else set()
            if unknown:
                raise DataFileError(
                    path, None, f"指标 {item['code']} 的公式引用了未知指标 {', '.join(sorted(unknown))}"
                )
        for item in data.get("datasets") or []:
            dataset, _c = DataSet.objects.update_or_create(
                code=item["code"],
                defaults={
                    "name": item["name"],
                    "period_type": item["period_type"],
                    "description": item.get("description") or "",
                },
            )
            missing = set(item["indicators"]) - known
            if missing:
                raise DataFileError(path, None, f"数据集 {item['code']} 引用了未知指标 {', '.join(sorted(missing))}")
            dataset.indicators.set(Indicator.objects.filter(code__in=item["indicators"]))
            counts["datasets"] += 1
        for item in data.get("rules") or []:
            rule = ValidationRule(
                code=item["code"],
                name=item["name"],
                left=item["left"],
                operator=item["operator"],
                right=item["right"],
                dataset_id=item["dataset"],
            )
            try:
                rule.full_clean(validate_unique=False)
            except ValidationError as exc:
                raise DataFileError(path, None, f"校验规则 {item['code']}：{'；'.join(exc.messages)}") from exc
            unknown = (formulas.codes_in(rule.left) | formulas.codes_in(rule.right)) - known
            if unknown:
                raise DataFileError(path, None, f"校验规则 {item['code']} 引用了未知指标 {', '.join(sorted(unknown))}")
            rule.save()
            counts["rules"] += 1
        counts["breakdowns"] = _load_breakdowns(known)
    return (
        f"指标 {counts['indicators']}，数据集 {counts['datasets']}，校验规则 {counts['rules']}，"
        f"分类明细 {counts['breakdowns']}"
    )


def _load_breakdowns(known: set[str]) -> int:
    """data/indicators/breakdowns.json: the categories indicators are broken down by, their options (each set with
    an 其他, so sub-rows add up to the total) and the indicators carrying each; inside the library's transaction."""
    path = data_path("indicators", "breakdowns.json")
    if not path.exists():
        return 0
    data = read_json(path)
    count = 0
    for n, item in enumerate(data.get("breakdowns") or [], 1):
        where = f"第 {n} 个分类（{item.get('code', '?')}）"
        for key in ("code", "name", "options"):
            if not item.get(key):
                raise DataFileError(path, None, f"{where} 缺少「{key}」")
        breakdown, _c = Breakdown.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "name_en": item.get("name_en") or "",
                "description": item.get("description") or "",
            },
        )
        for order, opt in enumerate(item["options"], 1):
            option = BreakdownOption.objects.filter(breakdown=breakdown, code=opt.get("code")).first()
            option = option or BreakdownOption(breakdown=breakdown)
            option.code, option.name = opt.get("code") or "", opt.get("name") or ""
            option.name_en, option.uid, option.order = opt.get("name_en") or "", opt.get("uid") or "", order
            try:
                option.full_clean()
            except ValidationError as exc:
                raise DataFileError(
                    path, None, f"{where} 的第 {order} 个选项（{opt.get('code', '?')}）：{'；'.join(exc.messages)}"
                ) from exc
            option.save()
        missing = set(item.get("indicators") or []) - known
        if missing:
            raise DataFileError(path, None, f"{where} 引用了未知指标 {', '.join(sorted(missing))}")
        Indicator.objects.filter(code__in=item.get("indicators") or []).update(breakdown=breakdown)
        count += 1
    return count


def _decimal_or_none(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


# ---- values ----------------------------------------------------------------------------------------------

MAX_ABS = Decimal("1e14")


def number_text(value: Decimal | None) -> str:
    """A value as a cell shows it and an export writes it: four places at most, no trailing zeros."""
    if value is None:
        return ""
    value = value.quantize(Decimal("0.0001"))
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_value(text, *, indicator: Indicator, where: str = "") -> Decimal | None:
    """A cell's text as a Decimal (None when empty). Thousands separators are accepted; the error names the cell."""
    raw = "" if text is None else str(text).strip().replace(",", "").replace("，", "")
    if raw == "":
        return None

    def label() -> str:  # named only in an error: an import checks many values
        return (_("%(where)s「%(indicator)s」") % {"where": where, "indicator": indicator.name}).strip()

    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(_("%(cell)s的值「%(text)s」不是有效数字") % {"cell": label(), "text": text}) from exc
    if not value.is_finite() or abs(value) >= MAX_ABS:
        raise ValidationError(_("%(cell)s的值「%(text)s」超出可填报范围") % {"cell": label(), "text": text})
    if value != value.quantize(FOUR_PLACES):
        raise ValidationError(_("%(cell)s的值「%(text)s」小数位过多（最多 4 位）") % {"cell": label(), "text": text})
    if indicator.value_type == Indicator.ValueType.INTEGER and value != value.to_integral_value():
        raise ValidationError(_("%(cell)s须为整数，「%(text)s」不是整数") % {"cell": label(), "text": text})
    return value


FOUR_PLACES = Decimal("0.0001")


def get_report(*, pairing: Pairing, dataset: DataSet, period: str) -> Report:
    """The report of a pairing's data set for a period (created on first use; an empty report is 填报中)."""
    parsed = parse_period(period, expected_type=dataset.period_type)
    if dataset.pairings.exists() and not dataset.pairings.filter(pk=pairing.pk).exists():
        raise ValidationError(
            _("「%(pairing)s」不填报数据集「%(dataset)s」") % {"pairing": pairing, "dataset": dataset}
        )
    report = Report.objects.filter(pairing=pairing, dataset=dataset, period=parsed.id).first()
    if report is None:
        try:
            with transaction.atomic():
                # due on the data set's due date for the period (a local rule), as the to-do and the pages say
                report = Report.objects.create(
                    pairing=pairing, dataset=dataset, period=parsed.id, step_due=dataset.due_date(parsed)
                )
        except IntegrityError:
            report = Report.objects.get(pairing=pairing, dataset=dataset, period=parsed.id)
    return report


def save_value(
    *,
    user,
    report: Report,
    indicator: Indicator,
    value: str | Decimal | None,
    comment: str | None = None,
    expected_version: int | None = None,
    option: BreakdownOption | None = None,
) -> DataValue:
    """Save one cell. Refused when the report is locked, the cell is stale, or the text is not a number.

    ``expected_version`` is the version of the cell its writer saw — 0 for an empty cell — and the save is refused
    (StaleObjectError) unless the cell is still at it; None overwrites whatever is stored. The report's row is
    locked first, so the saves of a report take turns: two first saves of a cell cannot both insert it, and no
    value changes between a submission's checks and its status change (``_transition`` takes the same lock).

    With ``option``, the cell is that sub-row of the indicator's breakdown (saved, versioned and locked the same way);
    the option must be one of the indicator's breakdown."""
    WORKFLOW.require(user, report, "edit")
    if option is not None and (indicator.breakdown_id is None or option.breakdown_id != indicator.breakdown_id):
        raise ValidationError(
            _("「%(option)s」不是指标「%(indicator)s」的分类选项")
            % {"option": option.name, "indicator": indicator.name}
        )
    if indicator.derived:
        raise ValidationError(
            _("「%(indicator)s」是派生指标，由公式计算，不能直接填报") % {"indicator": indicator.name}
        )
    if not report.dataset.indicators.filter(pk=indicator.pk).exists():
        raise ValidationError(
            _("数据集「%(dataset)s」不包含指标「%(indicator)s」")
            % {"dataset": report.dataset, "indicator": indicator.name}
        )
    number = value if isinstance(value, Decimal) else parse_value(value, indicator=indicator)
    with transaction.atomic(), set_actor(user):
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("pairing__old_region", "pairing__partner_region", "dataset")
            .get(pk=report.pk)
        )
        WORKFLOW.require(user, report, "edit")
        row = (
            DataValue.objects.select_for_update()
            .filter(pairing=report.pairing, indicator=indicator, period=report.period, option=option)
            .first()
        )
        _check_cell_version(row, indicator, report, expected_version, option)
        if row is None:
            row = DataValue(pairing=report.pairing, indicator=indicator, period=report.period, option=option)
        else:
            row.pairing, row.indicator = report.pairing, indicator  # the objects at hand: its name costs no query
            row.option = option
            row.version += 1
        if row.status in DataValue.LOCKED:
            raise LockedValueError(f"「{row}」")
        row.value = number
        if comment is not None:
            row.comment = comment.strip()
        row.updated_by = user
        try:
            with transaction.atomic():  # a savepoint: a cell someone inserted without the report's lock (an import)
                row.save()
        except IntegrityError as exc:
            taken = DataValue.objects.get(
                pairing=report.pairing, indicator=indicator, period=report.period, option=option
            )
            raise StaleObjectError(taken, 0, taken.version, _taken(indicator, report, taken, option)) from exc
    _refresh_analytics([report.pairing_id], [report.period])
    return row


def cell_name(indicator: Indicator, option: BreakdownOption | None = None) -> str:
    """How a message names a cell: the indicator, and the option of a sub-row (劳务协作人数·脱贫人口)."""
    return f"{indicator.name}·{option.name}" if option is not None else indicator.name


def _taken(indicator: Indicator, report: Report, row: DataValue, option: BreakdownOption | None = None) -> str:
    return _("「%(indicator)s」%(period)s 的数值已被他人保存（第 %(version)s 版），请刷新后查看，再决定是否修改。") % {
        "indicator": cell_name(indicator, option),
        "period": report.period,
        "version": row.version,
    }


def _check_cell_version(
    row: DataValue | None, indicator: Indicator, report: Report, expected: int | None, option=None
) -> None:
    """The cell must still be as its writer saw it: absent for 0, at that version otherwise (None: no check)."""
    if expected is None or (row.version if row else 0) == expected:
        return
    if row is None:
        raise StaleObjectError(
            DataValue(pairing=report.pairing, indicator=indicator, period=report.period, option=option),
            expected,
            None,
            _("「%(indicator)s」%(period)s 尚未保存过（您提交的是第 %(version)s 版），请刷新后重新填写。")
            % {"indicator": cell_name(indicator, option), "period": report.period, "version": expected},
        )
    raise StaleObjectError(row, expected, row.version, _taken(indicator, report, row, option) if expected == 0 else "")


def values_of(report: Report) -> dict[str, DataValue]:
    """The report's totals (the values without a breakdown option), by indicator."""
    return {
        v.indicator_id: v
        for v in DataValue.objects.filter(
            pairing=report.pairing, period=report.period, option__isnull=True
        ).select_related("indicator")
    }


def cells_of(report: Report) -> tuple[dict[str, DataValue], dict[tuple[str, str], DataValue]]:
    """``values_of`` and ``sub_values_of`` in one read."""
    totals, subs = {}, {}
    for v in DataValue.objects.filter(pairing=report.pairing, period=report.period).select_related(
        "indicator", "option"
    ):
        if v.option_id is None:
            totals[v.indicator_id] = v
        else:
            subs[(v.indicator_id, v.option.code)] = v
    return totals, subs


def sub_values_of(report: Report) -> dict[tuple[str, str], DataValue]:
    """The report's sub-rows: (indicator, option code) → value."""
    return {
        (v.indicator_id, v.option.code): v
        for v in DataValue.objects.filter(
            pairing=report.pairing, period=report.period, option__isnull=False
        ).select_related("option")
    }


# ---- validation ------------------------------------------------------------------------------------------


@dataclass
class Violation:
    code: str
    severity: str  # "error" or "warning"
    message: str
    indicators: list[str] = field(default_factory=list)
    commented: bool = False

    @property
    def blocking(self) -> bool:
        return self.severity == "error" or not self.commented

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "indicators": self.indicators,
            "commented": self.commented,
            "blocking": self.blocking,
        }


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    return text


def validate_report(
    report: Report,
    *,
    complete: bool = True,
    values: dict | None = None,
    before: dict | None = None,
    subs: dict | None = None,
) -> list[Violation]:
    """Every rule of the report's data set: missing values, ranges, cross-indicator rules, breakdown sums, change
    warnings. ``values`` (``values_of(report)``), ``before`` (``previous_values(report)``) and ``subs``
    (``sub_values_of(report)``) may be given when already read."""
    indicators = list(report.dataset.indicators.all())
    values = values_of(report) if values is None else values
    subs = sub_values_of(report) if subs is None else subs
    numbers = {code: (v.value if v.value is not None else None) for code, v in values.items()}
    found: list[Violation] = []
    for ind in indicators:
        row = values.get(ind.code)
        number = row.value if row else None
        if number is None:
            if complete:
                found.append(
                    Violation(
                        f"missing:{ind.code}",
                        "error",
                        _("「%(name)s」未填写（无数据请填 0）") % {"name": ind.display_name},
                        [ind.code],
                    )
                )
            continue
        if ind.min_value is not None and number < ind.min_value:
            found.append(
                Violation(
                    f"range:{ind.code}",
                    "error",
                    _("「%(name)s」为 %(value)s，低于下限 %(limit)s")
                    % {"name": ind.display_name, "value": _fmt(number), "limit": _fmt(ind.min_value)},
                    [ind.code],
                )
            )
        if ind.max_value is not None and number > ind.max_value:
            found.append(
                Violation(
                    f"range:{ind.code}",
                    "error",
                    _("「%(name)s」为 %(value)s，超过上限 %(limit)s")
                    % {"name": ind.display_name, "value": _fmt(number), "limit": _fmt(ind.max_value)},
                    [ind.code],
                )
            )
    names = {i.code: i.display_name for i in Indicator.objects.all()}
    for rule in report.dataset.rules.all():
        left, right = formulas.evaluate(rule.left, numbers), formulas.evaluate(rule.right, numbers)
        if left is None or right is None or rule.holds(left, right):
            continue
        codes = sorted(formulas.codes_in(rule.left) | formulas.codes_in(rule.right))
        found.append(
            Violation(
                f"rule:{rule.code}",
                "error",
                _("违反规则「%(rule)s」：%(left)s = %(left_value)s，%(right)s = %(right_value)s")
                % {
                    "rule": rule.name,
                    "left": _expr(rule.left, names),
                    "left_value": _fmt(left),
                    "right": _expr(rule.right, names),
                    "right_value": _fmt(right),
                },
                codes,
            )
        )
    found.extend(_breakdown_sums(report, indicators, values, subs))
    previous = parse_period(report.period).previous().id
    before = previous_values(report) if before is None else before
    for ind in indicators:
        row, last = values.get(ind.code), before.get(ind.code)
        if ind.change_warn_share is None or row is None or row.value is None or not last:
            continue
        share = abs(row.value - last) / abs(last)
        if share > ind.change_warn_share:
            found.append(
                Violation(
                    f"change:{ind.code}",
                    "warning",
                    _(
                        "「%(name)s」较上期（%(previous)s：%(last)s）变动 %(share).0f%%，超过 %(limit).0f%%，"
                        "请在说明中写明原因"
                    )
                    % {
                        "name": ind.display_name,
                        "previous": parse_period(previous).label,
                        "last": _fmt(last),
                        "share": share * 100,
                        "limit": ind.change_warn_share * 100,
                    },
                    [ind.code],
                    commented=bool(row.comment.strip()),
                )
            )
    return found


def _breakdown_sums(report: Report, indicators, values: dict, subs: dict) -> list[Violation]:
    """The sub-rows of an indicator's breakdown that are filled must add up to its total (each option set has an 其他,
    so what is not in one option is in another)."""
    found = []
    for ind in indicators:
        if ind.breakdown_id is None or ind.formula:
            continue
        filled = [v.value for (code, _o), v in subs.items() if code == ind.code and v.value is not None]
        if not filled:
            continue
        row = values.get(ind.code)
        total = row.value if row else None
        parts = sum(filled, Decimal(0))
        if total is not None and parts == total:
            continue
        found.append(
            Violation(
                f"breakdown:{ind.code}",
                "error",
                _("「%(name)s」%(period)s 各分类子项之和为 %(parts)s，与合计 %(total)s 不符（相差 %(difference)s）")
                % {
                    "name": ind.display_name,
                    "period": parse_period(report.period).label,
                    "parts": _fmt(parts),
                    "total": _fmt(total),
                    "difference": _fmt(parts - (total or 0)),
                },
                [ind.code],
            )
        )
    return found


def _expr(text: str, names: dict[str, str]) -> str:
    for code in sorted(formulas.codes_in(text), key=len, reverse=True):
        text = text.replace(code, names.get(code, code))
    return text


def previous_values(report: Report) -> dict[str, Decimal]:
    """The pairing's stored numbers of the period before the report's, by indicator."""
    previous = parse_period(report.period).previous().id
    return dict(
        DataValue.objects.filter(
            pairing=report.pairing, period=previous, value__isnull=False, option__isnull=True
        ).values_list("indicator_id", "value")
    )


def completeness(report: Report) -> tuple[int, int]:
    """(values filled, values expected) for the report."""
    expected = report.dataset.indicators.filter(formula="").count()
    filled = DataValue.objects.filter(
        pairing=report.pairing,
        period=report.period,
        indicator__in=report.dataset.indicators.all(),
        value__isnull=False,
        option__isnull=True,
    ).count()
    return filled, expected


# ---- the approval chain ----------------------------------------------------------------------------------


class SubmissionRefused(ValidationError):
    def __init__(self, violations: list[Violation]):
        self.violations = violations
        super().__init__(["不能上报，请先处理以下问题：", *[v.message for v in violations]])


def _require_valid(report: Report) -> None:
    blocking = [v for v in validate_report(report) if v.blocking]
    if blocking:
        raise SubmissionRefused(blocking)


def submit_report(*, user, report: Report) -> Report:
    """Submit for approval; the values are checked under the report's lock, which every cell save takes too."""
    WORKFLOW.require(user, report, "submit")
    return _transition(
        user,
        report,
        Report.Status.SUBMITTED,
        DataValue.Status.SUBMITTED,
        check=_require_valid,
        kind=Notification.Kind.SUBMITTED,
        submitted_by=user,
        submitted_at=timezone.now(),
    )


def approve_report(*, user, report: Report) -> Report:
    WORKFLOW.require(user, report, "approve")
    return _transition(
        user,
        report,
        Report.Status.APPROVED,
        DataValue.Status.APPROVED,
        kind=Notification.Kind.SUBMITTED,
        approved_by=user,
        approved_at=timezone.now(),
    )


def accept_report(*, user, report: Report) -> Report:
    WORKFLOW.require(user, report, "accept")
    return _transition(
        user,
        report,
        Report.Status.ACCEPTED,
        DataValue.Status.ACCEPTED,
        kind=Notification.Kind.APPROVED,
        accepted_by=user,
        accepted_at=timezone.now(),
    )


def return_report(*, user, report: Report, comment: str) -> Report:
    WORKFLOW.require(user, report, "return")
    if not (comment or "").strip():
        raise ValidationError(_("退回时请写明意见"))
    return _transition(
        user,
        report,
        Report.Status.OPEN,
        DataValue.Status.DRAFT,
        kind=Notification.Kind.RETURNED,
        comment=comment.strip(),
    )


def unlock_report(*, user, report: Report, reason: str) -> Report:
    """Reopen approved values for correction; the reason is kept on the report and in its audit history."""
    WORKFLOW.require(user, report, "unlock")
    if not (reason or "").strip():
        raise ValidationError(_("解锁须填写理由"))
    return _transition(
        user,
        report,
        Report.Status.OPEN,
        DataValue.Status.DRAFT,
        kind=Notification.Kind.RETURNED,
        comment=f"解锁：{reason.strip()}",
        approved_by=None,
        approved_at=None,
        accepted_by=None,
        accepted_at=None,
    )


def _transition(
    user, report: Report, status: str, value_status: str, *, check=None, kind: str | None = None, **changes
) -> Report:
    """Move the report (locked: of two equal steps one is taken, the other refused) and its values; ``check`` runs
    on the locked report first. With ``kind``, those whose turn it then is are told (「提交给您」, 「退回给您」), or,
    once accepted, the cities that reported (「已通过」)."""
    with transaction.atomic(), set_actor(user):
        fresh = Report.objects.select_for_update().get(pk=report.pk)
        if fresh.status != report.status:
            raise StaleObjectError(report, report.version, fresh.version)
        if check is not None:
            check(fresh)
        fresh.status = status
        fresh.step_due = WORKFLOW.due(fresh, status, timezone.localdate())
        for name, value in changes.items():
            setattr(fresh, name, value)
        fresh.version += 1
        fresh.save()
        # values follow their report; a status change is not a value change (the report's history records it)
        DataValue.objects.filter(
            pairing=fresh.pairing, period=fresh.period, indicator__in=fresh.dataset.indicators.all()
        ).update(status=value_status, updated=timezone.now())
        if kind is not None:
            _tell(fresh, user, kind)
    _refresh_analytics([fresh.pairing_id], [fresh.period])
    return fresh


def report_link(report: Report) -> str:
    return reverse("indicators:entry", args=[report.pairing_id, report.dataset.code, report.period])


def _tell(report: Report, user, kind: str) -> None:
    if kind == Notification.Kind.APPROVED:
        cities = [region_party(side_region(report.pairing, s)) for s in SIDES]
        people = party_users(cities, changing=report)
        notifications.notify_done(
            obj=report,
            recipients=people,
            actor=user,
            title=lambda: _("%(report)s 已被接收") % {"report": report},
            link=report_link(report),
        )
        return
    notifications.notify_turn(workflow=WORKFLOW, obj=report, actor=user, kind=kind, link=report_link(report))


def may_remind(user) -> bool:
    """The editors and approvers of a province, and the national overseer, remind those who have not reported."""
    prefix = scoping.region_prefix(user)
    return scoping.may(user, scoping.Action.CHANGE) and (prefix is None or len(prefix) == 2)


def remind_unreported(*, user, dataset: DataSet, period: str) -> tuple[int, int]:
    """「提醒全部未上报单位」: the cities of each pairing the user sees whose report for the period is not submitted get
    one reminder a day (per organisation and report). For the province's editors and approvers and the national
    overseer only. Returns (organisations reminded now, organisations already reminded today)."""
    if not may_remind(user):
        raise PermissionDenied(_("只有省级或国家层面的填报、审核人员可以发送提醒"))
    rows = [r for r in queries.completeness_for(user, dataset, period) if not r["reported"]]
    reports = [get_report(pairing=r["pairing"], dataset=dataset, period=period) for r in rows]
    return notifications.remind(user=user, workflow=WORKFLOW, subjects=reports, title="", link_of=report_link)


def _refresh_analytics(pairing_ids, periods) -> None:
    from . import analytics

    transaction.on_commit(lambda: analytics.keep_in_step(analytics.refresh, pairing_ids=pairing_ids, periods=periods))


def recent_periods(dataset: DataSet, *, today: datetime.date | None = None, count: int = 8) -> list[Period]:
    """The latest finished periods of the data set's type, newest first (what may be reported; each is due on
    DataSet.due_date, so many days after its end)."""
    today = today or timezone.localdate()
    kind = dataset.period_type
    current = parse_period(
        {
            "year": f"{today.year}",
            "quarter": f"{today.year}Q{(today.month - 1) // 3 + 1}",
            "month": today.strftime("%Y%m"),
        }[kind]
    )
    out, period = [], current.previous()
    for _i in range(count):
        out.append(period)
        period = period.previous()
    return out


# ---- data sets ---------------------------------------------------------------------------------------------


def set_dataset_due_days(*, user, dataset: DataSet, due_days: int | None) -> DataSet:
    """Set the data set's reporting deadline (days after each period's end; None: the site's default). Data sets are
    reference data: whoever may change reference data (the scoping layer says who) sets it; the audit history keeps
    the old and the new rule."""
    fresh = scoping.get_for(user, DataSet, scoping.Action.CHANGE, pk=dataset.pk)
    fresh.due_days = due_days
    fresh.full_clean(validate_unique=False, exclude=["indicators", "pairings"])
    with transaction.atomic(), set_actor(user):
        fresh.save(update_fields=["due_days"])
    return fresh


# ---- dashboards ------------------------------------------------------------------------------------------


def save_chart(
    *, user, title: str, indicator: Indicator, rows: str, cols: str, year: int | None = None, approved_only=False
):
    """Save a pivot to the user's organisation's dashboard: the dashboard is the organisation's shared data, so only
    roles that change data may (not a viewer, nor one of the three administrators)."""
    from .analytics import DIMENSIONS
    from .models import SavedChart

    if not scoping.may(user, scoping.Action.CHANGE) or user.organisation_id is None:
        raise PermissionDenied(_("只有本机构可编辑数据的用户可以保存到本机构仪表板"))
    if rows not in DIMENSIONS or cols not in DIMENSIONS or rows == cols:
        raise ValidationError(_("行、列维度无效"))
    if not title.strip():
        title = f"{indicator.name}：{DIMENSIONS[rows]} × {DIMENSIONS[cols]}{f'（{year}年）' if year else ''}"
    with transaction.atomic(), set_actor(user):
        return SavedChart.objects.create(
            organisation_id=user.organisation_id,
            title=title.strip()[:100],
            indicator=indicator,
            rows=rows,
            cols=cols,
            year=year,
            approved_only=approved_only,
            created_by=user,
        )


def remove_chart(*, user, chart) -> None:
    from .models import SavedChart

    scoping.get_for(user, SavedChart, scoping.Action.CHANGE, pk=chart.pk)
    with transaction.atomic(), set_actor(user):
        chart.delete()


# ---- DHIS2 uid mappings ------------------------------------------------------------------------------------------


def dhis2_target_error(*, user, kind: str, code: str) -> str:
    """Why ``code`` names no object of ``kind`` the user's organisation may map (an indicator, a pairing it reports
    for, a data set), or ""."""
    from .models import Dhis2Id

    if kind == Dhis2Id.Kind.DATA_ELEMENT:
        exists = Indicator.objects.filter(code=code).exists()
    elif kind == Dhis2Id.Kind.DATA_SET:
        exists = DataSet.objects.filter(code=code).exists()
    elif kind == Dhis2Id.Kind.ORG_UNIT:
        exists = scoping.scope(user, Pairing, scoping.Action.CHANGE).filter(code=code).exists()
    else:
        return _("对象类别「%(kind)s」无效") % {"kind": kind}
    if exists:
        return ""
    return _("平台代码「%(code)s」不是本机构可映射的%(kind)s") % {"code": code, "kind": Dhis2Id.Kind(kind).label}


def add_dhis2_id(*, user, kind: str, uid: str, code: str):
    """Record the user's organisation's DHIS2 uid of a platform object. An organisation keeps one active uid per
    object and one object per uid; two people adding the same at once: one is recorded, the other told why."""
    from duikou.core.concurrency import save_checked

    from .models import Dhis2Id

    if not scoping.may(user, scoping.Action.CHANGE) or user.organisation_id is None:
        raise PermissionDenied(_("只有本机构可编辑数据的用户可以登记 DHIS2 uid 映射"))
    uid, code = (uid or "").strip(), (code or "").strip()
    mapping = Dhis2Id(organisation_id=user.organisation_id, kind=kind, uid=uid, code=code, created_by=user)
    errors = {}
    try:
        mapping.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    target = dhis2_target_error(user=user, kind=kind, code=code) if code and "kind" not in errors else ""
    if target:
        errors.setdefault("code", []).append(target)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), set_actor(user):
        return save_checked(mapping)


def retire_dhis2_id(*, user, mapping, version: int):
    """Retire a mapping (kept, with who and when): its uid no longer resolves, and may be given to another object."""
    from duikou.core.concurrency import save_versioned

    from .models import Dhis2Id

    fresh = scoping.get_for(user, Dhis2Id, scoping.Action.CHANGE, pk=mapping.pk)
    if fresh.status == Dhis2Id.Status.RETIRED:
        raise ValidationError(_("映射「%(uid)s」已停用") % {"uid": fresh.uid})
    with transaction.atomic(), set_actor(user):
        return save_versioned(
            fresh,
            expected_version=version,
            changes={"status": Dhis2Id.Status.RETIRED, "retired_by": user, "retired_at": timezone.now()},
        )


MAPPING_HEADER = ["对象类别", "DHIS2 uid", "平台代码"]


def import_dhis2_ids(*, user, data: bytes, filename: str, dry_run: bool = False) -> dict:
    """Load the organisation's uid mappings from a table (the columns of the mapping export): all or nothing, each
    problem by row and column; a row already mapped the same way changes nothing, so an export imports back."""
    from duikou.core.errors import UserFacingError
    from duikou.core.uploads import read_table

    from .models import Dhis2Id

    if not scoping.may(user, scoping.Action.CHANGE) or user.organisation_id is None:
        raise PermissionDenied(_("只有本机构可编辑数据的用户可以登记 DHIS2 uid 映射"))
    header, body = read_table(data, filename)
    header = ["" if h is None else str(h).strip() for h in header]
    missing = [h for h in MAPPING_HEADER if h not in header]
    if missing:
        raise UserFacingError(_("「%(name)s」缺少列：%(cols)s") % {"name": filename, "cols": "、".join(missing)})
    at = {h: header.index(h) for h in MAPPING_HEADER}
    kinds = {v: v for v in Dhis2Id.Kind.values}  # the value, or its label in Chinese (as exported) or English
    for language in ("zh-hans", "en"):
        with translation.override(language):
            kinds |= {str(label): value for value, label in Dhis2Id.Kind.choices}
    active = {
        (m.kind, m.uid): m.code
        for m in Dhis2Id.objects.filter(organisation_id=user.organisation_id, status=Dhis2Id.Status.ACTIVE)
    }
    codes_taken = {(kind, code): uid for (kind, uid), code in active.items()}
    errors, new, unchanged, seen = [], [], 0, {}
    for n, row in body:
        cells = {h: "" if at[h] >= len(row) or row[at[h]] is None else str(row[at[h]]).strip() for h in at}
        if not any(cells.values()):
            continue
        kind_text, uid, code = cells["对象类别"], cells["DHIS2 uid"], cells["平台代码"]

        def err(column, value, reason, n=n):
            errors.append({"row": n, "column": column, "value": value, "reason": reason})

        kind = kinds.get(kind_text)
        if kind is None:
            with translation.override("zh-hans"):
                shown = "、".join(map(str, Dhis2Id.Kind.labels))
            err("对象类别", kind_text, _("对象类别须为：%(all)s") % {"all": shown})
            continue
        if active.get((kind, uid)) == code:
            unchanged += 1
            continue
        mapping = Dhis2Id(organisation_id=user.organisation_id, kind=kind, uid=uid, code=code, created_by=user)
        try:
            mapping.clean_fields()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                column = {"uid": "DHIS2 uid", "code": "平台代码"}.get(field, "对象类别")
                err(column, cells.get(column, ""), "；".join(messages))
            continue
        reason = dhis2_target_error(user=user, kind=kind, code=code)
        if reason:
            err("平台代码", code, reason)
            continue
        if (kind, uid) in active:
            err("DHIS2 uid", uid, _("本机构已将该 uid 映射到「%(code)s」，须先停用") % {"code": active[(kind, uid)]})
            continue
        if (kind, code) in codes_taken:
            why = _("本机构已为该平台代码登记了 uid「%(uid)s」，须先停用")
            err("平台代码", code, why % {"uid": codes_taken[(kind, code)]})
            continue
        for key in ((kind, "uid", uid), (kind, "code", code)):
            if key in seen:
                column = "DHIS2 uid" if key[1] == "uid" else "平台代码"
                err(column, key[2], _("与第 %(row)s 行重复") % {"row": seen[key]})
                break
        else:
            seen[(kind, "uid", uid)] = seen[(kind, "code", code)] = n
            new.append(mapping)
    if errors:
        raise UserFacingError(
            _("导入未执行：发现 %(n)s 处问题，未写入任何映射") % {"n": len(errors)}, {"errors": errors[:500]}
        )
    summary = _("新增 %(new)s 条，未变 %(same)s 条") % {"new": len(new), "same": unchanged}
    if dry_run:
        return {"summary": _("试导入（未写入）：") + summary, "new": len(new), "unchanged": unchanged}
    try:
        with transaction.atomic(), set_actor(user):
            for mapping in new:
                mapping.save()
    except IntegrityError as exc:
        raise UserFacingError(_("其他用户同时登记了其中的映射，本次导入未写入任何映射；请重新导入")) from exc
    return {"summary": _("导入完成：") + summary, "new": len(new), "unchanged": unchanged}
