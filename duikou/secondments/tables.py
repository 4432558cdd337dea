"""Excel in and out for seconded people: a template with dropdowns, an all-or-nothing import with a dry run and a
(row, column, value, reason) report, and an export.

Each row goes through the same service as the form (``services.create_secondment`` / ``update_secondment``) inside
one transaction that is rolled back if any row fails or on a dry run. A row is the same secondment as a stored one
when the ID number and the start date agree: importing a file again changes nothing. The ID number is checked by its
check digit (GB 11643) and is never echoed in an error report. The export follows the job seekers' rule: the ID and
phone numbers are the masked copies, for every role.
"""

import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_
from openpyxl import Workbook

from duikou.accounts import scoping
from duikou.core import pii
from duikou.core.errors import UserFacingError
from duikou.core.exports import safe_row
from duikou.core.tables import (
    DRY_RUN_RULE,
    Column,
    Hint,
    RowError,
    cell_code,
    cell_where,
    choice_column,
    date_format,
    field_errors,
    filled_rows,
    guide_sheet,
    header_row,
    identity_rule,
    import_job,
    in_chinese,
    list_validation,
    no_progress,
    options_sheet,
    parse_cell,
    parse_row,
    read_header,
    refusal,
)
from duikou.core.uploads import read_table

from . import queries, services
from .models import Secondment

COLUMNS = (
    Column(
        N_("结对编号"),
        "pairing",
        "coded",
        True,
        help=Hint(_("从下拉列表选择，如「%(example)s」"), example="N09 信阳市—苏州市"),
        width=24,
    ),
    choice_column(N_("派出方向"), "direction", Secondment.Direction, required=True),
    choice_column(N_("类别"), "kind", Secondment.Kind, required=True),
    Column(N_("姓名"), "name", "text", True, max_length=60),
    Column(N_("身份证号"), "id_number", "text", True, max_length=40, help=_("18 位，加密保存"), width=22),
    Column(N_("电话"), "phone", "text", max_length=20, help=_("手机 11 位或含区号的固定电话；加密保存"), width=16),
    Column(N_("派出单位"), "home_org", "text", True, max_length=120, width=24),
    Column(N_("挂职（接收）单位"), "host_org", "text", True, max_length=120, width=24),
    Column(N_("挂职职务"), "post", "text", True, max_length=120, width=20),
    choice_column(N_("领域"), "field", Secondment.Field, required=True),
    Column(N_("开始日期"), "start_date", "date", True, help=_("如 2026-03-01")),
    Column(N_("结束日期"), "end_date", "date", help=_("在岗期间可不填；不早于开始日期")),
)
SHEET = NOUN = "挂职人员"
DEFAULTS = {"phone": "", "end_date": None}
SECRET = frozenset({"id_number", "phone"})  # never echoed in an error report


class _Spec:
    columns, defaults = COLUMNS, DEFAULTS


def pairing_label(pairing) -> str:
    return f"{pairing.code} {pairing.old_region.name}—{pairing.partner_region.name}"


def _cell(col: Column, raw, pairings: dict):
    if col.kind == "coded":
        if raw is None:
            raise ValueError("必填，不能为空")
        code = cell_code(raw)
        if code not in pairings:
            raise ValueError(f"结对编号「{code}」不存在或您无权为其登记")
        return pairings[code]
    return parse_cell(col, raw, None)


def _row_errors(exc: Exception, number: int, position: dict, values: dict) -> list[RowError]:
    if isinstance(exc, PermissionDenied):
        col = COLUMNS[0]
        return [RowError(number, cell_where(position, col), values.get("pairing"), str(exc) or "无权为该结对关系导入")]
    return field_errors(exc, number, position, COLUMNS, values, hidden=SECRET)


def import_rows(*, user, data: bytes, filename: str, dry_run: bool = False, progress=no_progress) -> dict:
    """Check and write every row in one transaction; nothing is kept if any row fails or on a dry run.

    Raises UserFacingError with ``details["errors"]`` (row, column, value, reason) when any row is bad."""
    if not scoping.may(user, scoping.Action.CHANGE):
        raise UserFacingError("您的角色不能导入数据")
    header, body = read_table(data, filename, SHEET)
    position, errors = read_header(COLUMNS, header)
    rows = filled_rows(body)
    total = len(rows)
    progress(0, total, "校验中")
    pairings = {p.code: p for p in queries.pairings_to_record(user)}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for done, (number, cells) in enumerate(rows, start=1):
            values, row_errors = parse_row(
                _Spec, position, number, cells, lambda col, raw: _cell(col, raw, pairings), hidden=SECRET
            )
            if not row_errors and len(values) == len(COLUMNS):
                try:
                    with transaction.atomic():
                        counts[_write(user, values)] += 1
                except (ValidationError, PermissionDenied) as exc:
                    row_errors += _row_errors(exc, number, position, values)
            errors += row_errors
            if done % 200 == 0 or done == total:
                progress(done, total, f"校验第 {done} / {total} 行")
        if errors or dry_run:
            transaction.set_rollback(True)
    if errors:
        raise refusal(errors, dry_run=dry_run)
    what = f"新增 {counts['created']} 条{NOUN}，更新 {counts['updated']} 条，{counts['unchanged']} 条未变"
    summary = (
        f"试导入通过：共 {total} 行，将{what}。未写入任何数据。" if dry_run else f"导入完成：共 {total} 行，{what}。"
    )
    progress(total, total, "完成")
    return {"rows": total, "dry_run": dry_run, "summary": summary, **counts}


def _write(user, values: dict) -> str:
    """Record the row's secondment, or update the one of the same person and start date."""
    try:
        id_number = pii.normalise_id_number(values["id_number"])
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    existing = queries.by_id_number(user, id_number, values["start_date"])
    if existing is None:
        services.create_secondment(user=user, **values)
        return "created"
    if existing.pairing_id != values["pairing"].pk:
        raise ValidationError({"pairing": ["此人同一天开始的挂职已登记在另一结对关系下"]})
    changes = {k: values[k] for k in services.FIELDS if k != "start_date" and getattr(existing, k) != values[k]}
    phone = values.get("phone") or ""
    if (pii.digest(pii.normalise_phone_field(phone)) if phone else "") != existing.phone_digest:
        changes["phone"] = phone
    if changes:
        services.update_secondment(user=user, secondment=existing, expected_version=existing.version, **changes)
    return "updated" if changes else "unchanged"


@in_chinese
def template_bytes(user) -> bytes:
    """A blank template: header with notes, dropdowns (the pairings the user may record for, the choices), a hidden
    sheet of values and a sheet of instructions."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    lists = {"pairing": [pairing_label(p) for p in queries.pairings_to_record(user)]}
    for col in COLUMNS:
        if col.kind == "choice":
            lists[col.field] = [label for _v, label in col.choices]
    sources = options_sheet(book, lists)
    header_row(sheet, COLUMNS)
    for index, col in enumerate(COLUMNS, start=1):
        if col.field in lists:
            list_validation(sheet, index, sources[col.field], col)
        if col.kind == "date":
            date_format(sheet, index)
    identity = identity_rule("身份证号、开始日期")
    guide_sheet(book, COLUMNS, [identity, DRY_RUN_RULE])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _row(s: Secondment) -> list:
    return [
        pairing_label(s.pairing),
        s.get_direction_display(),
        s.get_kind_display(),
        s.name,
        s.id_number_masked,
        s.phone_masked,
        s.home_org,
        s.host_org,
        s.post,
        s.get_field_display(),
        s.start_date,
        s.end_date,
        s.get_status_display(),
        s.end_reason,
    ]


@in_chinese
def export_bytes(qs) -> bytes:
    """An .xlsx of ``qs`` (already scoped) in the import's columns, then status and reason; the ID and phone numbers
    are the masked copies."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(safe_row([c.header for c in COLUMNS] + ["状态", "提前结束原因"]))
    for obj in qs.select_related("pairing__old_region", "pairing__partner_region").iterator(chunk_size=2000):
        sheet.append(safe_row(_row(obj)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_name() -> str:
    return f"secondments-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"


def start_import(*, user, upload, dry_run: bool, next_url: str = "", back_url: str = ""):
    return import_job(
        job_kind="secondments.import",
        noun=NOUN,
        user=user,
        upload=upload,
        dry_run=dry_run,
        next_url=next_url,
        back_url=back_url,
        run=import_rows,
    )
