"""Excel in and out for projects and activities: templates with dropdowns, all-or-nothing imports with a
row-level error report and a dry run, and exports to .xlsx and CSV.

The page runs these as background jobs (``start_import`` / ``start_export``) and the CLI runs the same
functions in the foreground with a tqdm bar; both pass a ``progress(done, total, message)`` callback.

An import is idempotent: a row is matched to what is stored by its natural key (结对编号 + 项目名称 for
projects; 结对编号 + 类型 + 日期 + 标题 for activities); a row equal to the stored one changes nothing, a
different one updates it (with its version bumped and the change in the audit history), a new one is created.
Every row is checked before anything is written, and nothing is written if any row has an error.
"""

import datetime
import io
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from duikou.accounts import scoping
from duikou.audit.context import set_actor
from duikou.audit.services import bulk_create_logged
from duikou.core.concurrency import save_versioned
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.exports import SafeCsvWriter, safe_cell, safe_row
from duikou.core.jobs import start_job
from duikou.core.uploads import read_table, read_upload
from duikou.geo.models import Region
from duikou.pairings.models import Pairing
from duikou.policy.models import Task

from . import queries
from .models import KIND_FIELDS, TYPED_FIELDS, Activity, FundingSource, Industry, Project
from .services import ACTIVITY_FIELDS, PROJECT_FIELDS, Operator

Progress = Callable[..., None]
MAX_REPORTED_ERRORS = 500
VALIDATION_ROWS = 5000  # rows of the template that carry dropdowns and number checks
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES, NO = "是", "否"
SEPARATORS = "、,，;；/\n"


def no_progress(done: int, total: int | None = None, message: str = "") -> None:
    pass


# --- columns ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # text, choice, coded, county, decimal, count, bool, date, multi
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for choice and multi
    max_length: int | None = None
    help: str = ""
    width: int = 14


def choice_labels(choices) -> tuple[tuple[str, str], ...]:
    return tuple((str(v), str(label)) for v, label in choices)


def choice_hint(choices) -> str:
    return "从下拉列表选择：" + "、".join(str(label) for label in choices.labels)


def _field(model, name: str):
    return model._meta.get_field(name)


PAIRING_COL = Column("结对编号", "pairing", "coded", True, help="从下拉列表选择，如「N09 信阳市—苏州市」", width=24)
KEY_TASK_COL = Column(
    "重点任务", "key_task", "coded", True, help="从下拉列表选择，如「KT5 共同建设产业合作平台载体」", width=30
)

PROJECT_COLUMNS: tuple[Column, ...] = (
    PAIRING_COL,
    Column("项目名称", "name", "text", True, max_length=200, help="同一结对关系下不能重名", width=30),
    Column("产业", "industry", "choice", True, choices=choice_labels(Industry.choices), help=choice_hint(Industry)),
    KEY_TASK_COL,
    Column("所在县区代码", "location", "county", True, help="县级区划代码，如「411526 潢川县」或「411526」", width=20),
    Column("共建园区", "park", "text", max_length=120, help="如 豫东南高新区", width=18),
    Column("计划投资（万元）", "investment_planned", "decimal", help="不小于 0 的数字，最多两位小数；空白按 0"),
    Column("签约投资（万元）", "investment_signed", "decimal", help="不小于 0 的数字，最多两位小数；空白按 0"),
    Column("到位资金（万元）", "investment_in_place", "decimal", help="不小于 0，且不超过签约投资；空白按 0"),
    Column(
        "资金来源",
        "funding_sources",
        "multi",
        choices=choice_labels(FundingSource.choices),
        help="可填多项，用顿号分隔：" + "、".join(str(label) for label in FundingSource.labels),
        width=24,
    ),
    Column("用地指标重点保障", "land_quota_guarantee", "bool", help="是 或 否；空白按 否"),
    Column(
        "状态",
        "status",
        "choice",
        True,
        choices=choice_labels(Project.Status.choices),
        help=choice_hint(Project.Status),
    ),
    Column("备注", "note", "text", help="", width=30),
)


def _typed_columns() -> list[Column]:
    """One column per typed field of an activity, with the kinds that need it in its help text."""
    columns = []
    for name in TYPED_FIELDS:
        f = _field(Activity, name)
        kinds = "、".join(str(Activity.Kind(k).label) for k in KIND_FIELDS if name in KIND_FIELDS[k])
        label = str(f.verbose_name)
        if f.choices:
            columns.append(Column(label, name, "choice", choices=choice_labels(f.choices), help=f"{kinds}必填"))
        elif isinstance(f, models.DecimalField):
            columns.append(Column(label, name, "decimal", help=f"{kinds}必填；不小于 0"))
        elif isinstance(f, models.IntegerField):
            columns.append(Column(label, name, "count", help=f"{kinds}必填；不小于 0 的整数"))
        else:
            columns.append(Column(label, name, "text", max_length=f.max_length, help=f"{kinds}必填", width=20))
    return columns


ACTIVITY_COLUMNS: tuple[Column, ...] = (
    PAIRING_COL,
    Column(
        "类型",
        "kind",
        "choice",
        True,
        choices=choice_labels(Activity.Kind.choices),
        help=choice_hint(Activity.Kind) + "；只填写该类型对应的列",
    ),
    KEY_TASK_COL,
    Column("日期", "date", "date", True, help="如 2024-05-20"),
    Column("标题", "title", "text", True, max_length=200, width=30),
    *_typed_columns(),
    Column("备注", "note", "text", width=30),
)


# --- reading --------------------------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    value: object
    reason: str

    def as_dict(self) -> dict:
        value = "" if self.value is None else str(self.value)
        return {"row": self.row, "column": self.column, "value": value[:100], "reason": self.reason}


def cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value).strip()


def cell_code(value) -> str:
    """The code at the front of a coded cell such as 「N09 信阳市—苏州市」 or 「411526 潢川县」."""
    text = cell_text(value)
    return text.split()[0] if text.split() else ""


def cell_decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    number = Decimal(cell_text(value).replace(",", "")) if isinstance(value, str) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError
    return number


def cell_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_excel(value).date()
    text = cell_text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no time)
        except ValueError:
            continue
    raise ValueError


class Refs:
    """What the cells of a file refer to, loaded once: pairings the user may record for, key tasks, counties."""

    def __init__(self, user):
        self.pairings = {
            p.code: p
            for p in queries.pairings_to_record(user).select_related("old_region", "partner_region").order_by("code")
        }
        tasks = list(scoping.scope(user, Task).filter(kind=Task.Kind.KEY_TASK).order_by("order"))
        self.tasks = {t.code: t for t in tasks} | {t.name: t for t in tasks}
        self.counties: dict[str, Region] = {}

    def load_regions(self, codes: set[str]) -> None:
        wanted = sorted(c for c in codes if c.isdigit() and len(c) <= 12)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            self.counties.update({r.code: r for r in Region.objects.filter(code__in=chunk).select_related("parent")})


# --- importing ------------------------------------------------------------------------------------------------


@dataclass
class Spec:
    """What differs between importing projects and importing activities."""

    model: type[models.Model]
    columns: tuple[Column, ...]
    sheet: str
    key: tuple[str, ...]  # natural key (model field names; foreign keys by their column)
    fields: tuple[str, ...]  # what an import sets and compares
    noun: str
    duplicate: str
    defaults: dict = field(default_factory=dict)


PROJECT_SPEC = Spec(
    model=Project,
    columns=PROJECT_COLUMNS,
    sheet="重大项目",
    key=("pairing_id", "name"),
    fields=PROJECT_FIELDS,
    noun="项目",
    duplicate="与第 {row} 行重复（同一结对关系下的同名项目）",
    defaults={
        "investment_planned": Decimal(0),
        "investment_signed": Decimal(0),
        "investment_in_place": Decimal(0),
        "funding_sources": [],
        "land_quota_guarantee": False,
        "park": "",
        "note": "",
    },
)
ACTIVITY_SPEC = Spec(
    model=Activity,
    columns=ACTIVITY_COLUMNS,
    sheet="合作活动",
    key=("pairing_id", "kind", "date", "title"),
    fields=ACTIVITY_FIELDS,
    noun="活动",
    duplicate="与第 {row} 行重复（同一结对关系、类型、日期和标题）",
    defaults={"note": ""},
)


def cell_where(position: dict[str, int], col: Column) -> str:
    index = position.get(col.header)
    return f"{get_column_letter(index + 1)} {col.header}" if index is not None else col.header


def parse_cell(col: Column, raw, refs: Refs):
    """The model value of one cell, or raise ValueError with the reason."""
    if raw is None:
        if col.required:
            raise ValueError("必填，不能为空")
        return None
    kind = col.kind
    if kind == "text":
        text = cell_text(raw)
        if col.max_length and len(text) > col.max_length:
            raise ValueError(f"超过 {col.max_length} 个字")
        return text
    if kind == "choice":
        text = cell_text(raw)
        for value, label in col.choices:
            if text in (label, value):
                return value
        raise ValueError(f"不是可选值（可选：{'、'.join(label for _v, label in col.choices)}）")
    if kind == "multi":
        labels = {label: value for value, label in col.choices} | {value: value for value, _label in col.choices}
        parts = [p.strip() for p in cell_text(raw).translate({ord(c): "、" for c in SEPARATORS}).split("、")]
        values, unknown = [], []
        for part in filter(None, parts):
            (values if part in labels else unknown).append(labels.get(part, part))
        if unknown:
            raise ValueError(
                f"「{'、'.join(unknown)}」不是可选值（可选：{'、'.join(label for _v, label in col.choices)}）"
            )
        order = [value for value, _label in col.choices]
        return sorted(set(values), key=order.index)  # one order, so the same sources read the same way
    if kind == "bool":
        text = cell_text(raw)
        if text in (YES, "Y", "y", "TRUE", "True", "true", "1"):
            return True
        if text in (NO, "N", "n", "FALSE", "False", "false", "0"):
            return False
        raise ValueError("请填写「是」或「否」")
    if kind in ("decimal", "count"):
        try:
            number = cell_decimal(raw)
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise ValueError("不是数字") from exc
        if number < 0:
            raise ValueError("不能为负数")
        if kind == "count":
            if number != number.to_integral_value():
                raise ValueError("须为整数")
            return int(number)
        if number.as_tuple().exponent < -2:
            raise ValueError("最多两位小数")
        if abs(number) >= Decimal(10) ** 12:
            raise ValueError("数值过大")
        return number.quantize(Decimal("0.01"))
    if kind == "date":
        try:
            return cell_date(raw)
        except (ValueError, OverflowError, TypeError) as exc:
            raise ValueError("不是有效日期（如 2024-05-20）") from exc
    code = cell_code(raw)
    if col.field == "pairing":
        pairing = refs.pairings.get(code)
        if pairing is None:
            raise ValueError(f"结对编号「{code}」不存在，或您无权为该结对关系填报")
        return pairing
    if col.field == "key_task":
        task = refs.tasks.get(code) or refs.tasks.get(cell_text(raw))
        if task is None:
            codes = "、".join(t.code for c, t in refs.tasks.items() if c == t.code)
            raise ValueError(f"「{cell_text(raw)}」不是重点任务（可选：{codes}）")
        return task
    if kind == "county":
        region = refs.counties.get(code)
        if region is None:
            raise ValueError(f"区划代码「{code}」不存在")
        if region.level != Region.Level.COUNTY:
            raise ValueError(f"「{region.name}」（{code}）是{region.get_level_display()}，须填写县级区划代码")
        return region
    raise ValueError(f"unknown column kind {kind}")  # a programming error, not the user's


# --- the steps every table import takes (projects, activities, markets, ...) ----------------------------------


def read_header(columns, header: list) -> tuple[dict[str, int], list[RowError]]:
    """Where each template column is in the file, and the header's errors: a column the template does not
    have, a column twice, a column missing."""
    expected = {c.header for c in columns}
    position: dict[str, int] = {}
    errors: list[RowError] = []
    for index, text in enumerate(header):
        if text is None:
            continue
        text = cell_text(text)
        where = f"{get_column_letter(index + 1)} {text}"
        if text not in expected:
            errors.append(RowError(1, where, text, f"未知的列「{text}」，模板中没有这一列（列名须与模板一致）"))
        elif text in position:
            errors.append(RowError(1, where, text, f"列「{text}」重复出现"))
        else:
            position[text] = index
    errors += [RowError(1, c.header, "", f"缺少列「{c.header}」") for c in columns if c.header not in position]
    return position, errors


def filled_rows(body: list[tuple[int, list]]) -> list[tuple[int, list]]:
    """The rows with at least one value (the reader has refused a file with too many rows)."""
    return [(number, cells) for number, cells in body if any(v is not None for v in cells)]


def column_codes(rows: list[tuple[int, list]], position: dict[str, int], col: Column) -> set[str]:
    """The codes written in one column over all rows (to load the regions they name in one query)."""
    i = position.get(col.header)
    if i is None:
        return set()
    return {cell_code(cells[i]) for _n, cells in rows if i < len(cells) and cells[i] is not None}


def parse_row(spec, position: dict[str, int], number: int, cells: list, parse, hidden=frozenset()):
    """One row's values by field and the errors of its cells. ``parse(col, raw)`` reads one cell or raises
    ValueError with the reason; a blank cell takes the spec's default; the value of a column whose field is in
    ``hidden`` is never echoed in an error. The row is complete when it has a value for every column."""
    values, errors = {}, []
    for col in spec.columns:
        index = position.get(col.header)
        if index is None:
            continue
        raw = cells[index] if index < len(cells) else None
        try:
            value = parse(col, raw)
        except ValueError as exc:
            shown = "（不显示）" if col.field in hidden else raw
            errors.append(RowError(number, cell_where(position, col), shown, str(exc)))
            continue
        values[col.field] = spec.defaults.get(col.field) if value is None else value
    return values, errors


def field_errors(
    exc: ValidationError, number: int, position: dict[str, int], columns, values: dict, hidden=frozenset()
) -> list[RowError]:
    """A service's ValidationError for one row as errors in the columns of the fields it names (an error of no
    field, or of a field without a column, goes to the first column)."""
    by_field = {c.field: c for c in columns}
    found = []
    for name, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
        col = by_field.get(name, columns[0])
        shown = "（不显示）" if name in hidden else values.get(name, "")
        found += [RowError(number, cell_where(position, col), shown, m) for m in messages]
    return found


def refusal(errors: list[RowError], *, dry_run: bool) -> UserFacingError:
    """The error an import raises when any row is bad: every error by row and column, the first
    MAX_REPORTED_ERRORS of them listed."""
    errors = sorted(errors, key=lambda e: (e.row, e.column))
    more = f"（只列出前 {MAX_REPORTED_ERRORS} 处）" if len(errors) > MAX_REPORTED_ERRORS else ""
    return UserFacingError(
        f"{'试导入' if dry_run else '导入'}未通过：发现 {len(errors)} 处错误{more}，未写入任何数据",
        details={"errors": [e.as_dict() for e in errors[:MAX_REPORTED_ERRORS]], "error_count": len(errors)},
    )


def _changed_fields(existing, new, fields: Iterable[str]) -> dict:
    """The fields whose value in ``new`` differs from ``existing`` (foreign keys compared by id, no query)."""
    changes = {}
    for name in fields:
        attname = type(existing)._meta.get_field(name).attname
        if getattr(existing, attname) != getattr(new, attname):
            changes[name] = getattr(new, name)
    return changes


def import_rows(
    spec: Spec, *, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress
) -> dict:
    """Check every row of the file; if all are good (and this is not a dry run) write them in one transaction.

    Raises UserFacingError with ``details["errors"]`` (row, column, value, reason) when any row is bad.
    """
    if not scoping.may(user, scoping.Action.CHANGE):
        raise UserFacingError("您的角色不能导入数据")
    header, body = read_table(data, filename, spec.sheet)
    position, errors = read_header(spec.columns, header)
    refs = Refs(user)
    rows = filled_rows(body)
    total = len(rows)
    # the bar: checking the rows is the first half, writing the rows that change the second
    steps = total if dry_run else total * 2
    progress(0, steps, "校验中")
    county_col = next((c for c in spec.columns if c.kind == "county"), None)
    if county_col:
        refs.load_regions(column_codes(rows, position, county_col))

    seen: dict[tuple, int] = {}
    candidates = []  # (row number, instance)
    for done, (number, cells) in enumerate(rows, start=1):
        values, row_errors = parse_row(spec, position, number, cells, lambda col, raw: parse_cell(col, raw, refs))
        key = _values_key(spec, values)
        if key is not None:
            if key in seen:
                name_col = next(c for c in spec.columns if c.field in ("name", "title"))
                message = spec.duplicate.format(row=seen[key])
                row_errors.append(RowError(number, cell_where(position, name_col), values[name_col.field], message))
            else:
                seen[key] = number
        if not row_errors and len(values) == len(spec.columns):
            obj = spec.model(**values)
            row_errors = _model_errors(spec, obj, number, position)
            if not row_errors:
                candidates.append((number, obj))
        errors.extend(row_errors)
        if done % 200 == 0 or done == total:
            progress(done, steps, f"校验第 {done} / {total} 行")

    if errors:
        progress(total, total, "校验完成，有错误")
        raise refusal(errors, dry_run=dry_run)

    # match with what is stored
    existing = _existing(spec, [obj for _n, obj in candidates])
    new, changed, unchanged = [], [], 0
    for number, obj in candidates:
        stored = existing.get(tuple(getattr(obj, k) for k in spec.key))
        if stored is None:
            new.append(obj)
            continue
        changes = _changed_fields(stored, obj, spec.fields)
        if changes:
            changed.append((number, stored, changes))
        else:
            unchanged += 1
    result = {"created": len(new), "updated": len(changed), "unchanged": unchanged, "rows": total, "dry_run": dry_run}
    if dry_run:
        result["summary"] = (
            f"试导入通过：共 {total} 行，将新增 {len(new)} 条、更新 {len(changed)} 条，{unchanged} 条无变化。"
            "未写入任何数据。"
        )
        progress(total, steps, "试导入完成")
        return result

    steps = total + len(new) + len(changed)  # unchanged rows need no writing
    written = 0
    progress(total, steps, "写入中")
    actor = None if isinstance(user, Operator) else user
    try:
        with transaction.atomic(), set_actor(actor):
            for number, stored, changes in changed:
                try:
                    save_versioned(stored, expected_version=stored.version, changes=changes)
                except StaleObjectError as exc:
                    raise UserFacingError(
                        f"第 {number} 行的{spec.noun}「{stored}」在导入过程中被他人修改，未写入任何数据，请重新导入"
                    ) from exc
                except ValidationError as exc:
                    raise UserFacingError(
                        f"第 {number} 行：{'；'.join(exc.messages)}。未写入任何数据",
                        details={"errors": [RowError(number, "", "", m).as_dict() for m in exc.messages]},
                    ) from exc
                written += 1
                if written % 200 == 0:
                    progress(total + written, steps, "写入中")

            def tick(n: int) -> None:
                nonlocal written
                written += n
                progress(total + written, steps, "写入中")

            bulk_create_logged(spec.model, new, actor=actor, tick=tick)
    except IntegrityError as exc:
        raise UserFacingError(
            f"写入时与他人同时导入的{spec.noun}冲突（{exc.__class__.__name__}），未写入任何数据，请重新导入"
        ) from exc
    progress(steps, steps, "导入完成")
    result["summary"] = f"导入完成：共 {total} 行，新增 {len(new)} 条、更新 {len(changed)} 条，{unchanged} 条无变化。"
    return result


def _values_key(spec: Spec, values: dict) -> tuple | None:
    """The natural key of a parsed row, if every part of it parsed."""
    parts = []
    for name in spec.key:
        value = values.get(name.removesuffix("_id"))
        if value is None:
            return None
        parts.append(value.pk if isinstance(value, models.Model) else value)
    return tuple(parts)


def _model_errors(spec: Spec, obj, number: int, position: dict[str, int]) -> list[RowError]:
    """The model's own rules (clean_fields and clean), without a query per row: references are resolved."""
    by_field = {c.field: c for c in spec.columns}
    refs = [f.name for f in spec.model._meta.fields if f.is_relation]
    errors: dict[str, list[str]] = {}
    try:
        obj.clean_fields(exclude=refs)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    try:
        obj.clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    found = []
    for name, messages in errors.items():
        col = by_field.get(name) or next(c for c in spec.columns if c.field in ("name", "title"))
        if name == NON_FIELD_ERRORS:
            col = by_field.get("name") or by_field["title"]
        raw = getattr(obj, name, "") if name != NON_FIELD_ERRORS else ""
        found.extend(RowError(number, cell_where(position, col), raw, m) for m in messages)
    return found


def _existing(spec: Spec, objects: list) -> dict[tuple, models.Model]:
    """Stored rows with the natural keys of ``objects``, fetched per pairing."""
    by_pairing: dict[int, set] = {}
    for obj in objects:
        by_pairing.setdefault(obj.pairing_id, set()).add(tuple(getattr(obj, k) for k in spec.key))
    found = {}
    for pairing_id, keys in by_pairing.items():
        for stored in spec.model._default_manager.filter(pairing_id=pairing_id):
            key = tuple(getattr(stored, k) for k in spec.key)
            if key in keys:
                found[key] = stored
    return found


def import_projects(*, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress):
    return import_rows(PROJECT_SPEC, user=user, data=data, filename=filename, dry_run=dry_run, progress=progress)


def import_activities(*, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress):
    return import_rows(ACTIVITY_SPEC, user=user, data=data, filename=filename, dry_run=dry_run, progress=progress)


# --- writing: values, exports, templates ----------------------------------------------------------------------


def pairing_label(pairing: Pairing) -> str:
    return f"{pairing.code} {pairing.old_region.name}—{pairing.partner_region.name}"


def _cell_value(col: Column, obj, for_csv: bool):
    value = getattr(obj, col.field)
    if value is None:
        return ""
    if col.field == "pairing":
        return pairing_label(value)
    if col.field == "key_task":
        return f"{value.code} {value.name}"
    if col.kind == "county":
        return f"{value.code} {value.name}"
    if col.kind == "choice":
        return dict(col.choices).get(value, value)
    if col.kind == "multi":
        return "、".join(dict(col.choices).get(v, v) for v in value)
    if col.kind == "bool":
        return YES if value else NO
    if col.kind == "date":
        return value.isoformat() if for_csv else value
    return value


def rows_for(spec: Spec, objects: Iterable, *, for_csv: bool = False) -> Iterator[list]:
    for obj in objects:
        yield [_cell_value(col, obj, for_csv) for col in spec.columns]


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F8D7DA")
REQUIRED_FILL = PatternFill("solid", fgColor="F1AEB5")


def export_table(spec: Spec, qs, *, fmt: str, progress: Progress = no_progress) -> bytes:
    """Every row of ``qs`` as .xlsx (typed cells) or CSV (UTF-8 with BOM, which Excel opens correctly)."""
    total = qs.count()
    progress(0, total, "导出中")
    objects = qs.iterator(chunk_size=2000)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = SafeCsvWriter(buffer)
        writer.writerow([c.header for c in spec.columns])
        for done, row in enumerate(rows_for(spec, objects, for_csv=True), start=1):
            writer.writerow(row)
            if done % 1000 == 0:
                progress(done, total, f"已导出 {done} 行")
        progress(total, total, "导出完成")
        return buffer.getvalue().encode("utf-8-sig")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(spec.sheet)
    sheet.freeze_panes = "A2"
    for index, col in enumerate(spec.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = col.width
    header = []
    for col in spec.columns:
        cell = WriteOnlyCell(sheet, value=safe_cell(col.header))
        cell.font = HEADER_FONT
        header.append(cell)
    sheet.append(header)
    date_cols = [i for i, c in enumerate(spec.columns) if c.kind == "date"]
    for done, row in enumerate(rows_for(spec, objects), start=1):
        row = safe_row(row)
        if date_cols:
            for i in date_cols:
                if row[i]:
                    cell = WriteOnlyCell(sheet, value=row[i])
                    cell.number_format = "yyyy-mm-dd"
                    row[i] = cell
        sheet.append(row)
        if done % 1000 == 0:
            progress(done, total, f"已导出 {done} 行")
    buffer = io.BytesIO()
    book.save(buffer)
    progress(total, total, "导出完成")
    return buffer.getvalue()


def list_validation(sheet, column: int, source: str, col: Column) -> None:
    validation = DataValidation(
        type="list",
        formula1=source,
        allow_blank=not col.required,
        showErrorMessage=True,
        errorTitle="不是可选值",
        error=f"「{col.header}」请从下拉列表中选择",
        showInputMessage=bool(col.help),
        promptTitle=col.header[:32],
        prompt=col.help[:255],
    )
    letter = get_column_letter(column)
    validation.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
    sheet.add_data_validation(validation)


DRY_RUN_RULE = "可先“试导入”：只校验、报告将新增和更新的条数，不写入任何数据。"


def identity_rule(key_headers: str) -> str:
    return f"以「{key_headers}」识别同一条记录：已有的记录按文件更新，相同的不作改动，重复导入不会产生重复数据。"


def options_sheet(book: Workbook, lists: dict[str, list[str]]) -> dict[str, str]:
    """A hidden sheet 「选项」 with one column per list of valid values; the range of each, by list name, for the
    dropdowns."""
    options = book.create_sheet("选项")
    sources: dict[str, str] = {}
    for index, (key, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        options.cell(row=1, column=index, value=key).font = HEADER_FONT
        for row, value in enumerate(values, start=2):
            options.cell(row=row, column=index, value=safe_cell(value))
        sources[key] = f"'选项'!${letter}$2:${letter}${max(len(values) + 1, 2)}"
    options.sheet_state = "hidden"
    return sources


def header_row(sheet, columns) -> None:
    """The template's header: required columns in a darker colour, each column's help as a note, its width."""
    for index, col in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=safe_cell(col.header))
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if col.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        if col.help:
            cell.comment = Comment(col.help, "duikou")
        sheet.column_dimensions[get_column_letter(index)].width = col.width
    sheet.freeze_panes = "A2"


def date_format(sheet, column: int) -> None:
    for row in range(2, 202):
        sheet.cell(row=row, column=column).number_format = "yyyy-mm-dd"


def guide_sheet(book: Workbook, columns, rules: list[str]) -> None:
    """The sheet 「填写说明」: every column, whether it is required and how to fill it, then the import's rules."""
    guide = book.create_sheet("填写说明")
    guide.append(["列", "必填", "说明"])
    for cell in guide[1]:
        cell.font = HEADER_FONT
    for col in columns:
        guide.append(safe_row([col.header, YES if col.required else "", col.help]))
    guide.append([])
    all_rules = ["整个文件全部通过校验才会写入；任何一行有误都不写入，并列出每处错误的行、列、值和原因。", *rules]
    for index, rule in enumerate(all_rules):
        guide.append(safe_row(["导入规则" if index == 0 else "", "", rule]))
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["C"].width = 90


def template_bytes(spec: Spec, user) -> bytes:
    """A blank import template: the header, dropdowns fed from a hidden sheet of valid values (pairings the
    user may record for, key tasks, counties of those pairings, industries, statuses, kinds), number checks
    (≥ 0) and a sheet of instructions."""
    refs = Refs(user)
    book = Workbook()
    sheet = book.active
    sheet.title = spec.sheet

    lists: dict[str, list[str]] = {
        "pairing": [pairing_label(p) for p in refs.pairings.values()],
        "key_task": [f"{t.code} {t.name}" for code, t in refs.tasks.items() if code == t.code],
        "bool": [YES, NO],
    }
    if any(c.kind == "county" for c in spec.columns):
        prefixes = sorted({side.prefix for p in refs.pairings.values() for side in (p.old_region, p.partner_region)})
        counties = []
        for prefix in prefixes:
            counties += Region.objects.filter(level=Region.Level.COUNTY, code__startswith=prefix).order_by("code")
        lists["county"] = [f"{r.code} {r.name}" for r in counties]
    for col in spec.columns:
        if col.kind in ("choice", "multi"):
            lists[col.field] = [label for _v, label in col.choices]

    sources = options_sheet(book, lists)

    header_row(sheet, spec.columns)
    for index, col in enumerate(spec.columns, start=1):
        key = "county" if col.kind == "county" else ("bool" if col.kind == "bool" else col.field)
        if col.kind in ("coded", "county", "choice", "bool"):
            list_validation(sheet, index, sources[key], col)
        elif col.kind in ("decimal", "count"):
            validation = DataValidation(
                type="decimal" if col.kind == "decimal" else "whole",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="数字有误",
                error=f"「{col.header}」须为不小于 0 的{'数字' if col.kind == 'decimal' else '整数'}",
                showInputMessage=True,
                promptTitle=col.header[:32],
                prompt=col.help[:255],
            )
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
            sheet.add_data_validation(validation)
            number_format = "0.00" if col.kind == "decimal" else "0"
            for row in range(2, 202):
                sheet.cell(row=row, column=index).number_format = number_format
        elif col.kind == "date":
            validation = DataValidation(
                type="date",
                operator="greaterThan",
                formula1="36526",  # 2000-01-01
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle="日期有误",
                error=f"「{col.header}」须为 2000 年以后的日期，如 2024-05-20",
                showInputMessage=True,
                promptTitle=col.header[:32],
                prompt=col.help[:255],
            )
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
            sheet.add_data_validation(validation)
            date_format(sheet, index)

    key_headers = "、".join(c.header for c in spec.columns if c.field in {k.removesuffix("_id") for k in spec.key})
    guide_sheet(book, spec.columns, [identity_rule(key_headers), DRY_RUN_RULE])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- jobs -----------------------------------------------------------------------------------------------------

SPECS = {"projects": PROJECT_SPEC, "activities": ACTIVITY_SPEC}
NOUNS = {"projects": "重大项目", "activities": "合作活动"}


def import_job(*, job_kind: str, noun: str, user, upload, dry_run: bool, next_url: str, run):
    """Start a background job importing an uploaded file with ``run(data, filename, dry_run, progress)``; the job
    page shows its progress, its error report and, after a real import, a link to ``next_url``."""
    scoping.require(user, scoping.Action.CHANGE)
    name = os.path.basename(upload.name or "upload.xlsx")
    data = read_upload(upload)
    title = f"{'试导入' if dry_run else '导入'}{noun}：{name}"

    def work(*, progress):
        result = run(data, name, dry_run, progress)
        if next_url and not dry_run:
            result["link"] = {"url": next_url, "label": f"查看{noun}列表"}
        return result

    return start_job(kind=job_kind, title=title[:200], user=user, fn=work)


def start_import(*, kind: str, user, upload, dry_run: bool, next_url: str = ""):
    """Start an import job of projects or activities for an uploaded file."""

    def run(data, filename, dry_run, progress):
        return import_rows(SPECS[kind], user=user, data=data, filename=filename, dry_run=dry_run, progress=progress)

    return import_job(
        job_kind=f"{kind}.import",
        noun=NOUNS[kind],
        user=user,
        upload=upload,
        dry_run=dry_run,
        next_url=next_url,
        run=run,
    )


def export_queryset(kind: str, user, filters: dict):
    if kind == "projects":
        return queries.projects_for(user, **filters)
    return queries.activities_for(user, **filters)


def export_file(*, kind: str, user, filters: dict, fmt: str, progress: Progress = no_progress) -> tuple[str, bytes]:
    """The file name and content of an export of what ``user`` may see, filtered."""
    if fmt not in ("xlsx", "csv"):
        raise UserFacingError("导出格式只能是 xlsx 或 csv")
    content = export_table(SPECS[kind], export_queryset(kind, user, filters), fmt=fmt, progress=progress)
    return f"{kind}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}", content


def start_export(*, kind: str, user, filters: dict, fmt: str):
    """Start an export job; the rows are chosen now through the scoping layer and written in the job."""
    if fmt not in ("xlsx", "csv"):
        raise UserFacingError("导出格式只能是 xlsx 或 csv")
    qs = export_queryset(kind, user, filters)

    def work(*, progress):
        content = export_table(SPECS[kind], qs, fmt=fmt, progress=progress)
        filename = f"{kind}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"
        return {
            "_file": (filename, content),
            "filename": filename,
            "summary": f"已导出{NOUNS[kind]}，共 {qs.count()} 条",
        }

    return start_job(kind=f"{kind}.export", title=f"导出{NOUNS[kind]}（{fmt}）", user=user, fn=work)
