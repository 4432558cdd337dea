"""Excel in and out for job postings and job seekers: templates with dropdowns, all-or-nothing imports with a dry
run and a (row, column, value, reason) report, and exports (seekers masked: never an ID or phone number).

Each row goes through the same service as a form (``services.create_posting`` / ``services.register_seeker``) inside
one transaction, which is rolled back if any row fails or the run is a dry run: the rules cannot drift between
the page, the API and the import.
"""

import io
from dataclasses import replace

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
    NO,
    YES,
    YES_NO_HINT,
    Column,
    Hint,
    RowError,
    cell_code,
    cell_text,
    cell_where,
    choice_column,
    column_codes,
    date_format,
    field_errors,
    filled_rows,
    guide_sheet,
    header_row,
    identity_rule,
    import_job,
    in_chinese,
    list_validation,
    multi_column,
    no_progress,
    options_sheet,
    parse_cell,
    parse_row,
    read_header,
    refusal,
)
from duikou.core.uploads import read_table
from duikou.geo.models import Region

from ..models import JobPosting, JobSeeker, MatchRun, Occupation, Skill
from . import queries, runs, services

__all__ = ["SPECS", "template_bytes", "import_rows", "export_bytes", "start_import"]


POSTING_COLUMNS = (
    Column(N_("用工单位"), "employer", "text", True, max_length=120, width=24),
    Column(N_("岗位名称"), "title", "text", True, max_length=120, width=18),
    Column(
        N_("工作地点代码"),
        "region",
        "region",
        True,
        help=Hint(_("市或县（区）代码，如「%(example)s」"), example="320505 虎丘区"),
        width=20,
    ),
    choice_column(N_("职业类别"), "occupation", Occupation, required=True),
    multi_column(N_("技能要求"), "skills", Skill),
    Column(N_("月工资下限（元）"), "wage_min", "count", True, help=_("不小于 0 的整数")),
    Column(N_("月工资上限（元）"), "wage_max", "count", True, help=_("不低于下限")),
    Column(N_("提供住宿"), "housing", "bool", help=YES_NO_HINT),
    Column(N_("招聘人数"), "headcount", "count", True, help=_("不小于 1 的整数")),
    Column(N_("有效期至"), "valid_until", "date", True, help=_("如 2026-12-31")),
)
SEEKER_COLUMNS = (
    Column(N_("姓名"), "name", "text", True, max_length=60),
    Column(
        N_("户籍地代码"),
        "home",
        "region",
        True,
        help=Hint(_("县级区划代码，如「%(example)s」"), example="411526 潢川县"),
        width=20,
    ),
    Column(N_("身份证号"), "id_number", "text", True, max_length=18, help=_("18 位，加密保存"), width=22),
    Column(N_("电话"), "phone", "text", max_length=20, help=_("手机 11 位或含区号的固定电话；加密保存"), width=16),
    replace(
        multi_column(N_("意向职业"), "occupations", Occupation),
        help=_("可填多项，用顿号分隔；空为不限"),
        width=20,
    ),
    replace(multi_column(N_("技能"), "skills", Skill), width=20),
    replace(
        multi_column(N_("已参加培训"), "trainings", Skill),
        help=_("培训对应的技能，用顿号分隔"),
        width=20,
    ),
    Column(
        N_("意向地区"),
        "preferred_regions",
        "text",
        help=_("省或市的区划代码，用顿号分隔，最多 4 个；空为不限"),
        width=20,
    ),
    Column(N_("期望月工资（元）"), "expected_wage", "count", True, help=_("不小于 0 的整数")),
    Column(N_("需要住宿"), "needs_housing", "bool", help=YES_NO_HINT),
)


class Spec:
    def __init__(self, kind, columns, sheet, noun, defaults):
        self.kind, self.columns, self.sheet, self.noun, self.defaults = kind, columns, sheet, noun, defaults


SPECS = {
    "postings": Spec("postings", POSTING_COLUMNS, "用工岗位", "用工岗位", {"skills": [], "housing": False}),
    "seekers": Spec(
        "seekers",
        SEEKER_COLUMNS,
        "求职者",
        "求职者",
        {
            "phone": "",
            "occupations": [],
            "skills": [],
            "trainings": [],
            "preferred_regions": [],
            "needs_housing": False,
        },
    ),
}


def _cell(col: Column, raw, regions: dict[str, Region]):
    if col.kind == "region":
        if raw is None:
            raise ValueError("必填，不能为空")
        code = cell_code(raw)
        region = regions.get(code)
        if region is None:
            raise ValueError(f"区划代码「{code}」不存在")
        return region
    value = parse_cell(col, raw, None)
    if col.field == "preferred_regions" and value:
        return [p for p in cell_text(value).replace(",", "、").replace("，", "、").replace(" ", "、").split("、") if p]
    return value


SECRET = frozenset({"id_number"})  # never echoed in an error report


def _service_errors(exc: Exception, number: int, position: dict, spec: Spec, values: dict) -> list[RowError]:
    if isinstance(exc, PermissionDenied):
        col = next(c for c in spec.columns if c.kind == "region")
        return [RowError(number, cell_where(position, col), values.get(col.field), str(exc) or "无权为该地区导入")]
    return field_errors(exc, number, position, spec.columns, values, hidden=SECRET)


def import_rows(*, kind: str, user, data: bytes, filename: str, dry_run: bool = False, progress=no_progress) -> dict:
    """Check and write every row in one transaction; nothing is kept if any row fails or on a dry run.

    Raises UserFacingError with ``details["errors"]`` (row, column, value, reason) when any row is bad."""
    if not scoping.may(user, scoping.Action.CHANGE):
        raise UserFacingError("您的角色不能导入数据")
    spec = SPECS[kind]
    header, body = read_table(data, filename, spec.sheet)
    position, errors = read_header(spec.columns, header)
    rows = filled_rows(body)
    total = len(rows)
    progress(0, total, "校验中")
    codes = set().union(*(column_codes(rows, position, col) for col in spec.columns if col.kind == "region"))
    regions = {r.code: r for r in Region.objects.filter(code__in=sorted(codes)).select_related("parent")}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for done, (number, cells) in enumerate(rows, start=1):
            values, row_errors = parse_row(
                spec, position, number, cells, lambda col, raw: _cell(col, raw, regions), hidden=SECRET
            )
            # every complete row goes through the service, after another row's error too (all is rolled back)
            if not row_errors and len(values) == len(spec.columns):
                try:
                    with transaction.atomic():
                        outcome = _write(kind, user, values)
                    counts[outcome] += 1
                except (ValidationError, PermissionDenied) as exc:
                    row_errors += _service_errors(exc, number, position, spec, values)
            errors += row_errors
            if done % 200 == 0 or done == total:
                progress(done, total, f"校验第 {done} / {total} 行")
        if errors or dry_run:
            transaction.set_rollback(True)
        elif counts["created"] or counts["updated"]:
            runs.after_records_change(MatchRun.Trigger.IMPORT)  # the stored matches, once the rows are committed
    if errors:
        raise refusal(errors, dry_run=dry_run)
    created, updated, unchanged = counts["created"], counts["updated"], counts["unchanged"]
    what = f"新增 {created} 条{spec.noun}，更新 {updated} 条，{unchanged} 条未变"
    summary = (
        f"试导入通过：共 {total} 行，将{what}。未写入任何数据。" if dry_run else f"导入完成：共 {total} 行，{what}。"
    )
    progress(total, total, "完成")
    return {"rows": total, "dry_run": dry_run, "summary": summary, **counts}


# a posting is the same posting when these agree; a seeker is the same person when the ID number does
POSTING_KEY = ("employer", "region", "title", "valid_until")


def _write(kind: str, user, values: dict) -> str:
    """Create the row's posting or seeker, or update the one it names again: re-importing a file changes nothing."""
    if kind == "postings":
        key = {name: values[name] for name in POSTING_KEY}
        existing = queries.postings_for(user, action=scoping.Action.CHANGE).filter(**key).order_by("pk").first()
        if existing is None:
            services.create_posting(user=user, **values)
            return "created"
        changes = {k: v for k, v in values.items() if k not in POSTING_KEY and getattr(existing, k) != v}
        if changes:
            services.update_posting(user=user, posting=existing, expected_version=existing.version, **changes)
        return "updated" if changes else "unchanged"
    existing = queries.seeker_by_id_number(user, values["id_number"])
    if existing is None:
        services.register_seeker(user=user, **values)
        return "created"
    if existing.home_id != values["home"].code:
        raise ValidationError({"home": ["该身份证号码已在其他户籍地登记为求职者"]})
    editable = set(services.SEEKER_FIELDS) - {"status"}
    changes = {k: v for k, v in values.items() if k in editable and getattr(existing, k) != v}
    phone = values.get("phone") or ""
    if (pii.digest(phone) if phone else "") != existing.phone_digest:
        changes["phone"] = phone
    if changes:
        services.update_seeker(user=user, seeker=existing, expected_version=existing.version, **changes)
    return "updated" if changes else "unchanged"


@in_chinese
def template_bytes(kind: str, user) -> bytes:
    """A blank template: header with notes, dropdowns for choices and yes/no, a hidden sheet of values, and a
    sheet of instructions (including the region codes the user may use)."""
    spec = SPECS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = spec.sheet
    lists: dict[str, list[str]] = {"bool": [YES, NO]}
    for col in spec.columns:
        if col.kind in ("choice", "multi"):
            lists[col.field] = [label for _v, label in col.choices]
    if kind == "seekers":
        prefix = scoping.region_prefix(user) or ""
        counties = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=prefix) if prefix != "" else []
        lists["region"] = [f"{r.code} {r.name}" for r in counties][:3000]
    else:
        places = [
            r
            for r in Region.objects.filter(level=Region.Level.PREFECTURE).order_by("code")
            if any(r.code.startswith(p) for p in services.supporting_prefixes())
        ]
        lists["region"] = [f"{r.code} {r.parent.name if r.name == '市辖区' else r.name}" for r in places]
    sources = options_sheet(book, lists)
    header_row(sheet, spec.columns)
    for index, col in enumerate(spec.columns, start=1):
        if col.kind in ("choice", "bool"):
            list_validation(sheet, index, sources["bool" if col.kind == "bool" else col.field], col)
        elif col.kind == "region" and (kind == "postings" or lists["region"]):
            list_validation(sheet, index, sources["region"], col)
        if col.kind == "date":
            date_format(sheet, index)
    key = POSTING_KEY if kind == "postings" else ("id_number",)
    identity = identity_rule("、".join(c.header for c in spec.columns if c.field in key))
    guide_sheet(book, spec.columns, [identity, DRY_RUN_RULE])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _posting_row(p: JobPosting) -> list:
    return [
        p.employer,
        p.title,
        f"{p.region.code} {p.region.name}",
        p.get_occupation_display(),
        "、".join(str(Skill(s).label) for s in p.skills if s in Skill.values),
        p.wage_min,
        p.wage_max,
        YES if p.housing else NO,
        p.headcount,
        p.valid_until,
        p.get_status_display(),
    ]


def _seeker_row(s: JobSeeker) -> list:
    return [
        s.name,
        f"{s.home.code} {s.home.name}",
        s.id_number_masked,
        s.phone_masked,
        "、".join(str(Occupation(c).label) for c in s.occupations if c in Occupation.values),
        "、".join(str(Skill(c).label) for c in s.skills if c in Skill.values),
        "、".join(str(Skill(c).label) for c in s.trainings if c in Skill.values),
        "、".join(s.preferred_regions),
        s.expected_wage,
        YES if s.needs_housing else NO,
        s.get_status_display(),
    ]


def export_bytes(kind: str, qs) -> bytes:
    """An .xlsx of ``qs`` (already scoped); seekers' ID and phone numbers are the masked copies."""
    spec = SPECS[kind]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(spec.sheet)
    sheet.append(safe_row([c.header for c in spec.columns] + ["状态"]))
    row_of = _posting_row if kind == "postings" else _seeker_row
    for obj in qs.select_related("region" if kind == "postings" else "home").iterator(chunk_size=2000):
        sheet.append(safe_row(row_of(obj)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_name(kind: str) -> str:
    return f"labour-{kind}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"


def start_import(*, kind: str, user, upload, dry_run: bool, next_url: str = "", back_url: str = ""):
    """Start an import job of job postings or job seekers for an uploaded file."""

    return import_job(
        job_kind=f"labour_{kind}.import",
        noun=SPECS[kind].noun,
        user=user,
        upload=upload,
        dry_run=dry_run,
        next_url=next_url,
        back_url=back_url,
        run=import_rows,
        params={"kind": kind},
    )
