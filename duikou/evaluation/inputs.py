"""What a run scores each pairing on, read from the other apps: the pairings a scheme evaluates, their approved values
aggregated over the year (derived indicators through their formula), the year targets of their filed plans, the reports
they missed and their overdue rectification steps, and the reviewers' marks. Read-only: nothing here writes.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from duikou.indicators import formula as formulas
from duikou.indicators import queries as indicator_queries
from duikou.indicators.models import DataSet, DataValue, Indicator, Report
from duikou.indicators.periods import Period, parse_period, periods_of_year
from duikou.pairings.models import Pairing
from duikou.plans import queries as plan_queries
from duikou.plans.models import PlanTarget

from . import engine
from .models import CrossCheck, Finding, Item, Notice, Review, Scheme

USED_STATUSES = (DataValue.Status.APPROVED, DataValue.Status.ACCEPTED)


def _in_scope(scheme: Scheme) -> QuerySet[Pairing]:
    qs = Pairing.objects.filter(status=Pairing.Status.ACTIVE)
    if scheme.level == Scheme.Level.PROVINCE:
        qs = qs.filter(old_region__code__startswith=scheme.province.prefix)
    return qs.select_related("old_region", "partner_region", "old_area").order_by("level", "code")


def pairings_evaluated(scheme: Scheme) -> QuerySet[Pairing]:
    """National scheme: every active pairing; province scheme: those whose old-side city is in the province.
    Only pairings whose period covers the scheme's year."""
    return _in_scope(scheme).filter(start_year__lte=scheme.year, end_year__gte=scheme.year)


def pairings_starting_later(scheme: Scheme) -> QuerySet[Pairing]:
    """The active pairings in the scheme's scope whose period begins after its year: a run lists them apart as
    无应报数据 (nothing was due of them that year), so that no pairing in scope goes unmentioned."""
    return _in_scope(scheme).filter(start_year__gt=scheme.year)


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
        option__isnull=True,  # the totals; a breakdown's sub-rows are parts of them
    ).values_list("pairing_id", "indicator_id", "period", "value", "status")
    for pid, code, period, value, status in rows:
        parsed = parse_period(period)
        if parsed.type != types.get(code):
            continue
        out.setdefault(pid, {}).setdefault(code, []).append((parsed, value, status))
    return out


def _target(item: Item, plan_targets: list[PlanTarget]) -> engine.Target:
    ind = item.indicator
    notes = []
    for t in plan_targets:  # this indicator's targets, the one that applies first (plans.queries.targets_in_force)
        if t.unit.strip() and t.unit.strip() != ind.unit:
            notes.append(f"《{t.plan.title}》所定目标单位为「{t.unit}」，与指标单位「{ind.unit}」不一致，未采用")
            continue
        if t.target is None or t.target <= 0:
            notes.append(f"《{t.plan.title}》所定目标为 {engine.num(t.target)}，不能作为分母，未采用")
            continue
        return engine.Target(Decimal(t.target), f"《{t.plan.title}》年度指标目标", t.plan_id, "；".join(notes))
    return engine.Target(item.target, "评估方案所定目标值", None, "；".join(notes))


@dataclass
class Reporting:
    """What a pairing had to report in the year and what it missed, by the one timeliness rule."""

    status: str = engine.REPORTED
    note: str = ""
    missed: list[str] = field(default_factory=list)


def _gather_reporting(pairings: list[Pairing], year: int, today: datetime.date) -> dict[int, Reporting]:
    """Per pairing: whether any report of the year was due of it by ``today`` and which of those are missing, read
    from ``indicators.queries.report_states`` (data sets, the pairings they ask, periods, due dates).

    Missing: not submitted (or returned and not submitted again) and past its data set's due date — these cost the
    missed-report deduction and mark the pairing 未按时填报. A report submitted after its due date is late, not
    missing, and costs nothing here (the completeness page and the reporting-rate chart show lateness). A pairing
    with no report due in the year — no data set asks it for one, no due date of the year has passed, or its period
    begins after the year — has 无应报数据 and is listed apart, not ranked."""
    datasets = list(DataSet.objects.prefetch_related("pairings").order_by("code"))
    labels = dict(Report.Status.choices)
    states = indicator_queries.report_states(
        pairings, datasets, lambda ds: periods_of_year(year, ds.period_type), today=today
    )
    expected: dict[int, list] = {}
    for s in states:
        expected.setdefault(s.pairing_id, []).append(s)
    out: dict[int, Reporting] = {}
    for pairing in pairings:
        mine = expected.get(pairing.pk, [])
        due = [s for s in mine if s.state != indicator_queries.Timeliness.NOT_DUE]
        if pairing.start_year > year:
            out[pairing.pk] = Reporting(engine.NONE_DUE, f"结对期自 {pairing.start_year} 年开始，{year} 年无应报数据")
        elif not mine:
            out[pairing.pk] = Reporting(engine.NONE_DUE, f"{year} 年没有要求该结对关系填报的数据集")
        elif not due:
            first = min(s.due for s in mine)
            out[pairing.pk] = Reporting(
                engine.NONE_DUE, f"{year} 年的报告均未到报送期限（最早 {first:%Y-%m-%d}），评估时无应报数据"
            )
        else:
            missed = [
                f"{s.period.id}「{s.dataset.name}」{labels[s.status] if s.status else '未填报'}"
                for s in due
                if s.state == indicator_queries.Timeliness.MISSING
            ]
            if missed:
                note = f"{len(missed)} 期报告逾期未报：{'、'.join(missed)}"
                out[pairing.pk] = Reporting(engine.MISSED, note, missed)
            else:
                out[pairing.pk] = Reporting(engine.REPORTED, f"{year} 年到期的 {len(due)} 期报告均已填报")
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


def _gather_adjustments(scheme: Scheme, pairing_ids: list[int]) -> dict[tuple[int, int], engine.Adjustment]:
    """The reported cross-checks' adjustments of the scheme, by (pairing, item): none when the scheme has no
    cross-check stage."""
    if not scheme.cross_check:
        return {}
    rows = (
        Finding.objects.filter(
            cross_check__scheme=scheme,
            cross_check__pairing_id__in=pairing_ids,
            cross_check__status=CrossCheck.Status.REPORTED,
        )
        .exclude(adjustment=0)
        .select_related("cross_check__reviewer")
    )
    return {
        (f.cross_check.pairing_id, f.item_id): engine.Adjustment(
            f.adjustment, f.reason, f.cross_check.reviewer.name, f.finding
        )
        for f in rows
    }


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
    targets = plan_queries.targets_in_force(ids, [year])
    bases = {i.deduction_basis for i in items if i.method == Item.Method.DEDUCTION}
    reporting = _gather_reporting(pairings, year, today)
    overdue = _gather_overdue_notices(ids, today) if Item.DeductionBasis.OVERDUE_RECTIFICATION in bases else {}
    marks: dict[tuple[int, int], list[Decimal]] = {}
    for item_id, pid, mark in (
        Review.objects.filter(item__in=[i for i in items if i.method == Item.Method.QUALITATIVE], pairing_id__in=ids)
        .order_by("reviewer_id")
        .values_list("item_id", "pairing_id", "mark")
    ):
        marks.setdefault((pid, item_id), []).append(mark)
    adjustments = _gather_adjustments(scheme, ids)
    out = {}
    for pairing in pairings:
        data = engine.PairingInputs()
        for item in items:
            if item.indicator_id:
                data.actuals[item.pk] = _actual(item.indicator, values.get(pairing.pk, {}), indicators, year)
            if item.method == Item.Method.TARGET:
                data.targets[item.pk] = _target(item, targets.get((pairing.pk, item.indicator_id, year), []))
            if item.method == Item.Method.DEDUCTION:
                if item.deduction_basis == Item.DeductionBasis.MISSED_REPORTING:
                    found = reporting[pairing.pk].missed
                else:
                    found = overdue.get(pairing.pk, [])
                data.occurrences[item.pk] = engine.Occurrences(len(found), found)
            if item.method == Item.Method.QUALITATIVE:
                data.marks[item.pk] = marks.get((pairing.pk, item.pk), [])
            if (pairing.pk, item.pk) in adjustments:
                data.adjustments[item.pk] = adjustments[(pairing.pk, item.pk)]
        data.reporting, data.reporting_note = reporting[pairing.pk].status, reporting[pairing.pk].note
        out[pairing.pk] = data
    return out
