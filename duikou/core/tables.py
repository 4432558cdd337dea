"""Spreadsheets in and out, for every app that imports or exports a table: column specs, reading and checking
the cells, all-or-nothing imports with a (row, column, value, reason) report and a dry run, templates with dropdowns
and a guide sheet, exports to .xlsx and CSV, the import job and the import page.

It knows no domain. An app declares its columns (``Column``) and, for a table of model rows, a ``Spec``; the cells
that name something stored (a pairing, a county, a key task: the column kinds ``coded``, ``county``, ``region``) are
read by the app's ``References``, which also gives the template its dropdown lists.

The page runs imports and exports as background jobs (``import_job``) and the CLI runs the same functions in the
foreground with a progress bar; both pass a ``progress(done, total, message)`` callback.

``import_rows`` is idempotent: a row is matched to what is stored by its natural key (``Spec.key``); a row equal to
the stored one changes nothing, a different one updates it (with its version bumped and the change in the audit
history), a new one is created. Every row is checked before anything is written, and nothing is written if any row
has an error.
"""

import datetime
import functools
import inspect
import io
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from duikou.accounts import scoping
from duikou.core.audit_context import set_actor
from duikou.core.audit_entries import bulk_create_logged

from .actors import audit_actor
from .concurrency import save_versioned
from .errors import StaleObjectError, UserFacingError
from .exports import SafeCsvWriter, download, safe_cell, safe_row
from .forms import Styled
from .jobs import function_path, resolve, start_job
from .models import Job
from .uploads import read_table, read_upload

Progress = Callable[..., None]
MAX_REPORTED_ERRORS = 500
VALIDATION_ROWS = 5000  # rows of the template that carry dropdowns and number checks
YES, NO = "是", "否"
SEPARATORS = "、,，;；/\n"
REFERENCE_KINDS = ("coded", "county", "region")  # cells naming something stored, read by the app's References


def no_progress(done: int, total: int | None = None, message: str = "") -> None:
    pass


# --- columns ------------------------------------------------------------------------------------------------


def in_chinese(make: Callable) -> Callable:
    """``make`` run in Chinese whatever the reader's language: a workbook the officials fill in (its headers, notes,
    dropdowns and instructions) is Chinese, as the import reads it."""

    @functools.wraps(make)
    def chinese(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return make(*args, **kwargs)

    return chinese


def chinese_value(value) -> str:
    """A value a file holds in Chinese, as a page shows it: marked as Chinese and, for a reader of another language,
    followed by its English when there is one (「是」 → 是 (Yes))."""
    value = str(value)
    english = gettext(value)
    if english == value or (translation.get_language() or "").startswith("zh"):
        return format_html('<span lang="zh-Hans">{}</span>', value)
    return format_html('<span lang="zh-Hans">{}</span> ({})', value, english)


class Hint:
    """A column's help: a sentence in the reader's language (``text``, lazy, with named placeholders) around values
    the file must hold, which stay Chinese (``values``: a placeholder's value, or a list of them). As text, for the
    workbook's notes (made in Chinese), the values are written as the file takes them, a list joined by 「、」; on a
    page each value is marked as Chinese and followed by its English."""

    def __init__(self, text, **values):
        self.text = text
        self.values = values

    def __str__(self) -> str:
        plain = {k: "、".join(map(str, v)) if isinstance(v, list | tuple) else str(v) for k, v in self.values.items()}
        return str(self.text) % plain

    def __html__(self) -> str:
        chinese = (translation.get_language() or "").startswith("zh")
        joiner = "、" if chinese else ", "
        marked = {
            k: joiner.join(chinese_value(x) for x in v) if isinstance(v, list | tuple) else chinese_value(v)
            for k, v in self.values.items()
        }
        return mark_safe(str(conditional_escape(str(self.text))) % marked)  # noqa: S308 (escaped text, marked values)

    @property
    def html(self) -> str:
        """For a template, which writes a value as text: ``{{ hint.html }}``."""
        return self.__html__()

    def __bool__(self) -> bool:
        return bool(str(self.text))


@dataclass(frozen=True)
class Column:
    header: str  # Chinese, as the workbook's header: a page shows it marked as Chinese, with its English (``gloss``)
    field: str
    kind: str  # text, choice, decimal, count, bool, date, multi; or a reference kind: coded, county, region
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for choice and multi
    max_length: int | None = None
    help: object = ""  # a lazy string or a ``Hint``: the workbook's note (in Chinese) and the page's explanation
    width: int = 14
    label: Callable[[object], str] | None = None  # how an export writes a reference (default: "code name")
    places: int = 2  # a decimal column's decimal places (a coordinate has five)

    @property
    def help_html(self) -> str:
        """The help as a page shows it (the values of a ``Hint`` marked as Chinese), escaped."""
        return self.help.html if isinstance(self.help, Hint) else conditional_escape(self.help)

    @property
    def gloss(self) -> str:
        """The header in the reader's language, when it differs (headers are marked for translation with
        ``gettext_noop``)."""
        english = gettext(self.header)
        return "" if english == self.header else english


# the yes/no column's help: 是 or 否, blank meaning 否
YES_NO_HINT = Hint(gettext_lazy("%(yes)s 或 %(no)s；空白按 %(no)s"), yes="是", no="否")


def choice_labels(choices) -> tuple[tuple[str, str], ...]:
    """The (value, label) pairs of Django choices, labels in Chinese: what the file holds."""
    with translation.override(settings.LANGUAGE_CODE):
        return tuple((str(v), str(label)) for v, label in choices)


def choice_hint(choices, text=None) -> Hint:
    """The help of a column of ``choices``: 「从下拉列表选择：」 and their labels (``text``: another sentence, with a
    placeholder ``%(labels)s``)."""
    labels = [label for _v, label in choice_labels(choices.choices)]
    return Hint(text or gettext_lazy("从下拉列表选择：%(labels)s"), labels=labels)


def choice_column(header: str, field: str, choices, required: bool = False) -> Column:
    """A column of one of ``choices`` (Django choices), by label or value; its help lists the labels."""
    return Column(header, field, "choice", required, choices=choice_labels(choices.choices), help=choice_hint(choices))


def multi_column(header: str, field: str, choices) -> Column:
    """A column of any number of ``choices`` (Django choices), written 「甲、乙」; its help lists the labels."""
    hint = choice_hint(choices, gettext_lazy("可填多项，用顿号分隔：%(labels)s"))
    return Column(header, field, "multi", choices=choice_labels(choices.choices), help=hint, width=24)


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


class References(Protocol):
    """What the cells of a reference kind name, as an app looks them up for one user."""

    def load(self, columns, rows: list[tuple[int, list]], position: dict[str, int]) -> None:
        """Fetch at once what the rows' reference cells name (called before any cell is parsed)."""

    def parse(self, col: Column, raw):
        """The stored object a (non-blank) reference cell names, or raise ValueError with the reason."""

    def lists(self, columns) -> dict[str, list[str]]:
        """The template's dropdown values of each reference list (named as ``list_key`` names them)."""


@dataclass
class Spec:
    """A table of model rows: what differs between importing and exporting one kind of row and another."""

    model: type[models.Model]
    columns: tuple[Column, ...]
    sheet: str
    key: tuple[str, ...]  # natural key (model field names; foreign keys by their column); the first is fetched by
    fields: tuple[str, ...]  # what an import sets and compares
    noun: str
    duplicate: str
    defaults: dict = field(default_factory=dict)
    references: Callable[..., References] | None = None  # the app's References for a user
    # the stored rows an import matches its rows against (default: all); a table whose cancelled rows stay stored
    # matches only the current ones, so a row like a cancelled one is recorded anew
    current: Callable[[models.QuerySet], models.QuerySet] | None = None

    def name_column(self) -> Column:
        """The column a message about the whole row is shown at: the name or title, else the first column."""
        return next((c for c in self.columns if c.field in ("name", "title")), self.columns[0])


def cell_where(position: dict[str, int], col: Column) -> str:
    index = position.get(col.header)
    return f"{get_column_letter(index + 1)} {col.header}" if index is not None else col.header


def parse_cell(col: Column, raw, refs: References | None):
    """The model value of one cell, or raise ValueError with the reason."""
    if raw is None:
        if col.required:
            raise ValueError(gettext("必填，不能为空"))
        return None
    kind = col.kind
    if kind == "text":
        text = cell_text(raw)
        if col.max_length and len(text) > col.max_length:
            raise ValueError(gettext("超过 %(n)s 个字") % {"n": col.max_length})
        return text
    if kind == "choice":
        text = cell_text(raw)
        for value, label in col.choices:
            if text in (label, value):
                return value
        raise ValueError(
            gettext("不是可选值（可选：%(labels)s）") % {"labels": "、".join(label for _v, label in col.choices)}
        )
    if kind == "multi":
        labels = {label: value for value, label in col.choices} | {value: value for value, _label in col.choices}
        parts = [p.strip() for p in cell_text(raw).translate({ord(c): "、" for c in SEPARATORS}).split("、")]
        values, unknown = [], []
        for part in filter(None, parts):
            (values if part in labels else unknown).append(labels.get(part, part))
        if unknown:
            raise ValueError(
                gettext("「%(values)s」不是可选值（可选：%(labels)s）")
                % {"values": "、".join(unknown), "labels": "、".join(label for _v, label in col.choices)}
            )
        order = [value for value, _label in col.choices]
        return sorted(set(values), key=order.index)  # one order, so the same sources read the same way
    if kind == "bool":
        text = cell_text(raw)
        if text in (YES, "Y", "y", "TRUE", "True", "true", "1"):
            return True
        if text in (NO, "N", "n", "FALSE", "False", "false", "0"):
            return False
        raise ValueError(gettext("请填写「是」或「否」"))
    if kind in ("decimal", "count"):
        try:
            number = cell_decimal(raw)
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise ValueError(gettext("不是数字")) from exc
        if number < 0:
            raise ValueError(gettext("不能为负数"))
        if kind == "count":
            if number != number.to_integral_value():
                raise ValueError(gettext("须为整数"))
            return int(number)
        if number.as_tuple().exponent < -col.places:
            raise ValueError(
                gettext("最多两位小数") if col.places == 2 else gettext("最多 %(n)s 位小数") % {"n": col.places}
            )
        if abs(number) >= Decimal(10) ** 12:
            raise ValueError(gettext("数值过大"))
        return number.quantize(Decimal(1).scaleb(-col.places))
    if kind == "date":
        try:
            return cell_date(raw)
        except (ValueError, OverflowError, TypeError) as exc:
            raise ValueError(gettext("不是有效日期（如 2024-05-20）")) from exc
    if refs is None or kind not in REFERENCE_KINDS:
        raise ValueError(f"unknown column kind {kind}")  # a programming error, not the user's
    return refs.parse(col, raw)


class CellReader:
    """``parse_cell`` over a whole file, column by column: a column's cells repeat (the same pairing, key task,
    county, status on thousands of rows), so each distinct value of a column is read once and its value (or its
    error) reused; text, unique to its row, is read each time."""

    def __init__(self, refs: References | None):
        self.refs = refs
        self.seen: dict[tuple, tuple[bool, object]] = {}

    def __call__(self, col: Column, raw):
        if raw is None or col.kind == "text":
            return parse_cell(col, raw, self.refs)
        key = (col.header, type(raw), raw)
        found = self.seen.get(key)
        if found is None:
            try:
                found = (True, parse_cell(col, raw, self.refs))
            except ValueError as exc:
                found = (False, str(exc))
            self.seen[key] = found
        ok, value = found
        if not ok:
            raise ValueError(value)
        return list(value) if isinstance(value, list) else value  # a row's own list, as if read for it alone


# django's own fields, whose cleaning depends on the value alone; memoised for values of these types
PLAIN_VALUES = (str, int, bool, datetime.date, type(None))


class FieldCleaner:
    """``Model.clean_fields`` over a whole file: a field of Django's own whose value was cleaned on an earlier row
    gives the same result (value or errors) without running its validators again."""

    def __init__(self, model: type[models.Model]):
        self.plain = models.Model.clean_fields is model.clean_fields
        self.fields = [
            (f, type(f).__module__.startswith("django.db.models")) for f in model._meta.fields if not f.generated
        ]
        self.seen: dict[tuple, tuple[bool, object]] = {}

    def __call__(self, obj, exclude) -> None:
        if not self.plain:  # the model cleans its fields its own way
            obj.clean_fields(exclude=exclude)
            return
        errors = {}
        for f, memo in self.fields:
            if f.name in exclude:
                continue
            raw = getattr(obj, f.attname)
            if f.blank and raw in f.empty_values:
                continue
            if memo and type(raw) in PLAIN_VALUES:
                key = (f.attname, type(raw), raw)
                found = self.seen.get(key)
                if found is None:
                    try:
                        found = (True, f.clean(raw, obj))
                    except ValidationError as e:
                        found = (False, e.error_list)
                    self.seen[key] = found
                ok, value = found
            else:
                try:
                    ok, value = True, f.clean(raw, obj)
                except ValidationError as e:
                    ok, value = False, e.error_list
            if ok:
                setattr(obj, f.attname, value)
            else:
                errors[f.name] = value
        if errors:
            raise ValidationError(errors)


# --- the steps every table import takes (projects, activities, markets, ...) ----------------------------------


def read_header(columns, header: list) -> tuple[dict[str, int], list[RowError]]:
    """Where each template column is in the file, and the header's errors: a column the template does not
    have, a column twice, a required column missing. An optional column may be missing (a workbook made from an
    older template): its cells read as empty."""
    expected = {c.header for c in columns}
    position: dict[str, int] = {}
    errors: list[RowError] = []
    for index, text in enumerate(header):
        if text is None:
            continue
        text = cell_text(text)
        where = f"{get_column_letter(index + 1)} {text}"
        if text not in expected:
            reason = gettext("未知的列「%(column)s」，模板中没有这一列（列名须与模板一致）") % {"column": text}
            errors.append(RowError(1, where, text, reason))
        elif text in position:
            errors.append(RowError(1, where, text, gettext("列「%(column)s」重复出现") % {"column": text}))
        else:
            position[text] = index
    missing = gettext("缺少列「%(column)s」")
    errors += [
        RowError(1, c.header, "", missing % {"column": c.header})
        for c in columns
        if c.required and c.header not in position
    ]
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
    ``hidden`` is never echoed in an error; the cells of an optional column the file lacks read as blank. The row
    is complete when it has a value for every column."""
    values, errors = {}, []
    for col in spec.columns:
        index = position.get(col.header)
        if index is None and col.required:
            continue  # reported with the header
        raw = cells[index] if index is not None and index < len(cells) else None
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
    refs = spec.references(user) if spec.references else None
    rows = filled_rows(body)
    total = len(rows)
    # the bar: checking the rows is the first half, writing the rows that change the second
    steps = total if dry_run else total * 2
    progress(0, steps, "校验中")
    if refs is not None:
        refs.load(spec.columns, rows, position)

    seen: dict[tuple, int] = {}
    candidates = []  # (row number, instance)
    read, clean = CellReader(refs), FieldCleaner(spec.model)
    for done, (number, cells) in enumerate(rows, start=1):
        values, row_errors = parse_row(spec, position, number, cells, read)
        key = _values_key(spec, values)
        if key is not None:
            if key in seen:
                name_col = spec.name_column()
                message = spec.duplicate.format(row=seen[key])
                row_errors.append(RowError(number, cell_where(position, name_col), values[name_col.field], message))
            else:
                seen[key] = number
        # the model's own rules run even when some cells are bad, on the cells that did parse: every error of the
        # row is reported in one pass, and only the checks that need an unreadable cell are left out
        unread = {c.field for c in spec.columns} - values.keys()
        obj = spec.model(**values)
        for name in unread:  # empty, not the model's default: no rule may judge a value the user did not write
            setattr(obj, spec.model._meta.get_field(name).attname, None)
        row_errors += _model_errors(spec, obj, number, position, unread=unread, clean_fields=clean)
        if not row_errors:
            candidates.append((number, obj))
        errors.extend(row_errors)
        if done % 200 == 0 or done == total:
            progress(done, steps, f"校验第 {done} / {total} 行")

    if errors:
        progress(total, total, "校验完成，有错误")
        raise refusal(errors, dry_run=dry_run)

    # match with what is stored; an optional column the file lacks leaves the stored values as they are
    existing = _existing(spec, [obj for _n, obj in candidates])
    absent = {c.field for c in spec.columns if c.header not in position}
    compared = [name for name in spec.fields if spec.model._meta.get_field(name).name not in absent]
    new, changed, unchanged = [], [], 0
    for number, obj in candidates:
        stored = existing.get(tuple(getattr(obj, k) for k in spec.key))
        if stored is None:
            new.append(obj)
            continue
        changes = _changed_fields(stored, obj, compared)
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
    actor = audit_actor(user)
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
                if settings.DUIKOU_TEST_IMPORT_ROW_DELAY_MS:  # the test that kills a worker mid-import only
                    time.sleep(n * settings.DUIKOU_TEST_IMPORT_ROW_DELAY_MS / 1000)
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


def _model_errors(
    spec: Spec, obj, number: int, position: dict[str, int], unread=frozenset(), clean_fields=None
) -> list[RowError]:
    """The model's own rules (clean_fields and clean), without a query per row: references are resolved.

    ``unread`` names the fields whose cell could not be read (already reported) or whose column is missing: they are
    left empty, and what the rules say about them, or about the row as a whole, is not reported, since it would
    be about an empty value the user did not write; a rule that fails on an empty field is skipped."""
    by_field = {c.field: c for c in spec.columns}
    refs = [f.name for f in spec.model._meta.fields if f.is_relation]
    errors: dict[str, list[str]] = {}
    try:
        if clean_fields is None:
            obj.clean_fields(exclude=[*refs, *unread])
        else:
            clean_fields(obj, {*refs, *unread})
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    try:
        obj.clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    except (TypeError, AttributeError, ValueError, ObjectDoesNotExist):
        if not unread:
            raise  # a rule that fails on a complete row is a programming error
    if unread:
        errors = {name: m for name, m in errors.items() if name not in unread and name != NON_FIELD_ERRORS}
    found = []
    for name, messages in errors.items():
        col = by_field.get(name) or spec.name_column()
        if name == NON_FIELD_ERRORS:
            col = spec.name_column()
        raw = getattr(obj, name, "") if name != NON_FIELD_ERRORS else ""
        found.extend(RowError(number, cell_where(position, col), raw, m) for m in messages)
    return found


def _existing(spec: Spec, objects: list) -> dict[tuple, models.Model]:
    """Stored rows with the natural keys of ``objects``, fetched per value of the key's first field."""
    first = spec.key[0]
    by_first: dict[object, set] = {}
    for obj in objects:
        by_first.setdefault(getattr(obj, first), set()).add(tuple(getattr(obj, k) for k in spec.key))
    found = {}
    for value, keys in by_first.items():
        stored_rows = spec.model._default_manager.filter(**{first: value})
        for stored in spec.current(stored_rows) if spec.current else stored_rows:
            key = tuple(getattr(stored, k) for k in spec.key)
            if key in keys:
                found[key] = stored
    return found


# --- writing: values, exports, templates ----------------------------------------------------------------------


def _cell_value(col: Column, obj, for_csv: bool):
    value = getattr(obj, col.field)
    if value is None:
        return ""
    if col.kind in REFERENCE_KINDS:
        return col.label(value) if col.label else f"{value.code} {value.name}"
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


def add_validation(sheet, column: int, col: Column, *, title: str, error: str, show_help: bool = True, **rule):
    """A check on the cells of one column below the header, with the column's help as the prompt."""
    validation = DataValidation(
        **rule,
        showErrorMessage=True,
        errorTitle=title,
        error=error,
        showInputMessage=show_help,
        promptTitle=col.header[:32],
        prompt=str(col.help)[:255],
    )
    letter = get_column_letter(column)
    validation.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
    sheet.add_data_validation(validation)


def list_validation(sheet, column: int, source: str, col: Column) -> None:
    error = f"「{col.header}」请从下拉列表中选择"
    add_validation(
        sheet,
        column,
        col,
        type="list",
        formula1=source,
        allow_blank=not col.required,
        title="不是可选值",
        error=error,
        show_help=bool(col.help),
    )


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
            cell.comment = Comment(str(col.help), "duikou")
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
        guide.append(safe_row([col.header, YES if col.required else "", str(col.help)]))
    guide.append([])
    all_rules = ["整个文件全部通过校验才会写入；任何一行有误都不写入，并列出每处错误的行、列、值和原因。", *rules]
    for index, rule in enumerate(all_rules):
        guide.append(safe_row(["导入规则" if index == 0 else "", "", rule]))
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["C"].width = 90


def list_key(col: Column) -> str:
    """The name of a column's dropdown list: one list for every county (or region) column, and one per coded,
    choice or multiple-choice column."""
    if col.kind in ("county", "region", "bool"):
        return col.kind
    return col.field


@in_chinese
def template_bytes(spec: Spec, references: dict[str, list[str]], rules: Iterable[str] = ()) -> bytes:
    """A blank import template: the header, dropdowns fed from a hidden sheet of valid values (``references``:
    the reference lists by ``list_key``, such as the pairings the user may record for; then yes/no and each
    choice column's labels), number checks (≥ 0) and a sheet of instructions (with the import's own ``rules``
    after the common ones)."""
    book = Workbook()
    sheet = book.active
    sheet.title = spec.sheet

    lists: dict[str, list[str]] = {**references, "bool": [YES, NO]}
    for col in spec.columns:
        if col.kind in ("choice", "multi"):
            lists[col.field] = [label for _v, label in col.choices]

    sources = options_sheet(book, lists)

    header_row(sheet, spec.columns)
    for index, col in enumerate(spec.columns, start=1):
        if col.kind in ("coded", "county", "choice", "bool"):
            list_validation(sheet, index, sources[list_key(col)], col)
        elif col.kind in ("decimal", "count"):
            noun = "数字" if col.kind == "decimal" else "整数"
            add_validation(
                sheet,
                index,
                col,
                type="decimal" if col.kind == "decimal" else "whole",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                title="数字有误",
                error=f"「{col.header}」须为不小于 0 的{noun}",
            )
            number_format = "0." + "0" * col.places if col.kind == "decimal" else "0"
            for row in range(2, 202):
                sheet.cell(row=row, column=index).number_format = number_format
        elif col.kind == "date":
            add_validation(
                sheet,
                index,
                col,
                type="date",
                operator="greaterThan",
                formula1="36526",  # 2000-01-01
                allow_blank=not col.required,
                title="日期有误",
                error=f"「{col.header}」须为 2000 年以后的日期，如 2024-05-20",
            )
            date_format(sheet, index)

    key_headers = "、".join(c.header for c in spec.columns if c.field in {k.removesuffix("_id") for k in spec.key})
    guide_sheet(book, spec.columns, [identity_rule(key_headers), *map(str, rules), DRY_RUN_RULE])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- jobs and pages ------------------------------------------------------------------------------------------


def import_job(
    *,
    job_kind: str,
    noun: str,
    user,
    upload,
    dry_run: bool,
    next_url: str,
    run: str | Callable,
    params=None,
    back_url: str = "",
):
    """Start a background job importing an uploaded file with the module-level function ``run(*, user, data,
    filename, dry_run, progress, **params)``; the job page shows its progress, its error report, a link back to
    the upload page ``back_url`` and, after a real import, a link to ``next_url``. The upload is stored with the
    job (encrypted) and read by the worker."""
    scoping.require(user, scoping.Action.CHANGE)
    name = os.path.basename(upload.name or "upload.xlsx")
    data = read_upload(upload)
    noun = str(noun)  # in the language of the user who starts it, as the job's title is
    title = (gettext("试导入%(noun)s：%(file)s") if dry_run else gettext("导入%(noun)s：%(file)s")) % {
        "noun": noun,
        "file": name,
    }
    return start_job(
        kind=job_kind,
        title=title[:200],
        user=user,
        fn=run_import,
        params={
            "run": function_path(run),
            "params": params or {},
            "dry_run": dry_run,
            "next_url": next_url,
            "noun": noun,
            "back_url": back_url,
        },
        upload=(name, data),
    )


def run_import(
    *, user, progress, data: bytes, filename: str, run: str, params: dict, dry_run: bool, next_url, noun, back_url=""
):
    """The job of ``import_job``: its result (or its error report) carries the link back to the upload page."""
    back = {"url": back_url, "label": "返回上传页面"} if back_url else None
    try:
        result = resolve(run)(user=user, data=data, filename=filename, dry_run=dry_run, progress=progress, **params)
    except UserFacingError as exc:
        if back:
            exc.details = {**(getattr(exc, "details", None) or {}), "back": back}
        raise
    if back:
        result["back"] = back
    if next_url and not dry_run:
        result["link"] = {"url": next_url, "label": gettext("查看%(noun)s列表") % {"noun": noun}}
    return result


class ImportForm(Styled, forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx）或 CSV"))
    dry_run = forms.BooleanField(label=gettext_lazy("试导入（只校验，不写入）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


def import_page(request, template: str, start: Callable[..., object], context: dict):
    """The import page of a table: the upload form and, for a valid upload, ``start(upload=, dry_run=)``. A started
    ``Job`` sends the user to its progress page; anything else (an import done at once) is shown as ``result``; a
    refused file is shown at the form, with its error report as ``errors``."""
    scoping.require(request.user, scoping.Action.CHANGE)
    form = ImportForm(request.POST or None, request.FILES or None)
    result, errors = None, []
    # a job's page links back here; an import done at once is shown here already
    back = {"back_url": request.path} if "back_url" in inspect.signature(start).parameters else {}
    if request.method == "POST" and form.is_valid():
        try:
            result = start(upload=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"], **back)
        except UserFacingError as exc:
            form.add_error("file", str(exc))
            errors = exc.details.get("errors", [])
        else:
            if isinstance(result, Job):
                return redirect("job_detail", pk=result.pk)
    return render(request, template, {"form": form, "result": result, "errors": errors, **context})


def template_download(request, make: Callable[[], bytes], filename: str):
    """A blank import template, for those who may import: it lists what the user may record for."""
    scoping.require(request.user, scoping.Action.CHANGE)
    return download(make(), filename)
