"""The household registry from spreadsheets (.xlsx or CSV): households with their members, income records by year,
quarter or month, and a county's paper records of 农户自主申报 taken at the counter or on the 12317 hotline.

Each import follows the platform's pattern (``duikou.core.tables``): a template with a sample row, a dry run that
reports every error of every row at once by row and column, and an import that writes all rows in one transaction or
none. Imports are idempotent: a household is known by its village code and household number, a member by the digest
of the ID number, an income record by household, year and period, a paper declaration by ID digest, date, channel
and difficulty; re-importing a file changes nothing. Only county and township editors import, and only rows of
villages in their own area. ID and phone numbers are never shown in a report, only masked.
"""

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_
from openpyxl import load_workbook

from duikou.core import pii, workdays
from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_versioned
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.exports import SafeCsvWriter
from duikou.core.tables import (
    NO,
    YES,
    Column,
    Hint,
    Progress,
    RowError,
    Spec,
    cell_text,
    cell_where,
    choice_labels,
    field_errors,
    filled_rows,
    import_job,
    in_chinese,
    no_progress,
    parse_cell,
    parse_row,
    read_header,
    refusal,
    template_bytes,
)
from duikou.core.uploads import read_table
from duikou.geo.models import Region

from . import services
from .models import Alert, Declaration, Difficulty, Household, IncomeRecord, Member

HIDDEN = frozenset({"id_number", "phone"})  # never echoed in a report
SAMPLE = "示例"

VILLAGE = Column(
    N_("村代码"),
    "village",
    "text",
    True,
    max_length=30,
    help=_("12 位统计用区划代码（村级），须在您的管辖范围内"),
    width=16,
)
NUMBER_HELP = _("本村内唯一；同一户的每名成员各占一行，户的各列重复填写")
NUMBER = Column(N_("户编号"), "number", "text", True, max_length=40, help=NUMBER_HELP)
ID_NUMBER = Column(N_("身份证号"), "id_number", "text", max_length=30, help=_("18 位；请把本列设为文本格式"), width=22)
PHONE_HELP = _("手机 11 位，或含区号的固定电话")
PHONE = Column(N_("电话"), "phone", "text", max_length=20, help=PHONE_HELP, width=16)

HOUSEHOLD_COLUMNS = (
    VILLAGE,
    NUMBER,
    Column(N_("户主姓名"), "head_name", "text", True, max_length=60),
    Column(N_("住址"), "address", "text", max_length=200, width=24),
    Column(
        N_("有劳动能力"),
        "labour_capacity",
        "bool",
        help=Hint(_("%(yes)s / %(no)s；尚未核实留空"), yes=YES, no=NO),
    ),
    Column(
        N_("享受低保或特困"),
        "social_assistance",
        "bool",
        help=Hint(_("%(yes)s / %(no)s；留空为否"), yes=YES, no=NO),
    ),
    Column(N_("姓名"), "name", "text", max_length=60, help=_("成员姓名；只登记户、暂无成员信息时本列至电话列留空")),
    Column(
        N_("与户主关系"),
        "relation",
        "text",
        max_length=20,
        help=Hint(_("如 %(examples)s"), examples=["户主", "配偶", "子女"]),
    ),
    ID_NUMBER,
    PHONE,
)

PERIODS = (("year", "全年"), ("quarter", "季度"), ("month", "月份"))
MONEY_HELP = _("元，该周期内的合计")
RIGID_HELP = _("刚性支出，元，该周期内的合计")
INCOME_COLUMNS = (
    VILLAGE,
    Column(N_("户编号"), "number", "text", True, max_length=40, help=_("须为已登记的户")),
    Column(N_("年度"), "year", "count", True, help=_("如 2025"), width=8),
    Column(
        N_("周期"),
        "period_kind",
        "choice",
        True,
        choices=PERIODS,
        help=Hint(_("%(year)s、%(quarter)s或%(month)s"), year="全年", quarter="季度", month="月份"),
        width=8,
    ),
    Column(
        N_("季度或月份"),
        "period",
        "count",
        help=Hint(_("%(year)s留空；%(quarter)s填 1–4；%(month)s填 1–12"), year="全年", quarter="季度", month="月份"),
        width=10,
    ),
    Column(N_("家庭人口"), "persons", "count", True, help=_("计算人均收入所用的人数"), width=8),
    Column(N_("家庭纯收入"), "net_income", "decimal", True, help=MONEY_HELP),
    Column(N_("工资性收入"), "wage_income", "decimal", help=MONEY_HELP),
    Column(N_("生产经营性收入"), "business_income", "decimal", help=MONEY_HELP),
    Column(N_("转移性收入"), "transfer_income", "decimal", help=MONEY_HELP),
    Column(N_("财产性收入"), "property_income", "decimal", help=MONEY_HELP),
    Column(N_("医疗支出"), "medical_expense", "decimal", help=RIGID_HELP),
    Column(N_("教育支出"), "education_expense", "decimal", help=RIGID_HELP),
)
AMOUNTS = ("net_income", *IncomeRecord.COMPONENTS)

CHANNELS = ((Alert.Channel.COUNTER.value, "窗口受理"), (Alert.Channel.HOTLINE.value, "12317 热线"))
DECLARATION_COLUMNS = (
    VILLAGE,
    Column(N_("户主姓名"), "head_name", "text", True, max_length=60),
    Column(
        N_("身份证号"),
        "id_number",
        "text",
        True,
        max_length=30,
        help=_("申报人（户主）的 18 位身份证号"),
        width=22,
    ),
    Column(N_("电话"), "phone", "text", True, max_length=20, help=PHONE_HELP, width=16),
    Column(N_("困难类别"), "difficulty", "choice", True, choices=choice_labels(Difficulty.choices), width=20),
    Column(N_("困难情况"), "description", "text", max_length=1000, width=30),
    Column(N_("申报日期"), "declared_on", "date", True, help=_("纸质申报表上的日期，如 2026-05-20"), width=12),
    Column(
        N_("渠道"),
        "channel",
        "choice",
        True,
        choices=CHANNELS,
        help=Hint(_("%(counter)s或 %(hotline)s"), counter="窗口受理", hotline="12317 热线"),
        width=12,
    ),
    Column(
        N_("已签承诺授权书"),
        "consent",
        "bool",
        True,
        help=Hint(_("须为「%(yes)s」：农户已签承诺授权书，同意核查家庭收入、财产等"), yes=YES),
    ),
)


def _spec(model, columns, sheet: str, key: tuple[str, ...], noun: str, defaults: dict) -> Spec:
    return Spec(
        model=model, columns=columns, sheet=sheet, key=key, fields=(), noun=noun, duplicate="", defaults=defaults
    )


SPECS = {
    "households": _spec(
        Household,
        HOUSEHOLD_COLUMNS,
        "监测户",
        ("village", "number", "id_number"),
        "监测户",
        {"address": "", "social_assistance": False, "relation": ""},
    ),
    "incomes": _spec(
        IncomeRecord,
        INCOME_COLUMNS,
        "收支",
        ("village", "number", "year", "period_kind", "period"),
        "收支记录",
        {"period": 0, **dict.fromkeys(AMOUNTS[1:], Decimal(0))},
    ),
    "declarations": _spec(
        Declaration,
        DECLARATION_COLUMNS,
        "纸质申报",
        ("id_number", "declared_on", "channel", "difficulty"),
        "纸质申报",
        {"description": ""},
    ),
}
NOUNS = {"households": _("监测户和家庭成员"), "incomes": _("收支记录"), "declarations": _("纸质申报")}
COLUMNS = {kind: spec.columns for kind, spec in SPECS.items()}
# the rules the page lists above the upload form; the Chinese in 「」 is the workbook's
RULES = {
    "households": [
        Hint(
            _("同一户（%(village)s + %(number)s）的每名成员各占一行，户的各列在每行重复填写且须一致。"),
            village="村代码",
            number="户编号",
        ),
        Hint(
            _("以「%(key)s」识别户，以身份证号识别成员：已有的按文件更新，相同的不作改动，重复导入不会产生重复数据。"),
            key=["村代码", "户编号"],
        ),
        _("身份证号已登记在其他户的成员，不能再导入到本户。"),
    ],
    "incomes": [
        Hint(
            _("户须已登记（可先导入监测户）。周期为%(year)s时「%(period)s」留空，季度填 1–4，月份填 1–12。"),
            year="全年",
            period="季度或月份",
        ),
        Hint(
            _("以「%(key)s」识别一条收支记录：已有的按文件更新，相同的不作改动。"),
            key=["村代码", "户编号", "年度", "周期", "季度或月份"],
        ),
        _("筛查读取全年记录（没有全年记录时按月度、季度记录折算全年）；风险消除读取月度和季度记录。"),
    ],
    "declarations": [
        _("每行一份纸质申报，按农户自主申报的同一规则处理：一户只有一个未结案件，已有案件的作为新线索并入。"),
        Hint(
            _("申报人尚未登记的，新建待村核实的户。「%(consent)s」须为「%(yes)s」。"), consent="已签承诺授权书", yes=YES
        ),
        Hint(
            _("以「%(key)s」识别一份申报：重复导入同一文件不会重复登记。"),
            key=["身份证号", "申报日期", "渠道", "困难类别"],
        ),
    ],
}


def _sample(kind: str, user) -> list:
    """The template's sample row: the first village of the user's area, marked so that it is never imported."""
    from .queries import villages_for

    groups = villages_for(user, limit=1)
    code = groups[0][1][0][0] if groups else "411526001001"
    sample = f"{SAMPLE}：{code}"
    id_number = "11010519491231002X"
    if kind == "households":
        return [sample, "H001", "张三", "一组 12 号", YES, NO, "张三", "户主", id_number, "13800000000"]
    if kind == "incomes":
        year = timezone.localdate().year
        return [sample, "H001", year, "季度", 1, 3, "6000.00", "4000", "1500", "500", "0", "0", "0"]
    return [sample, "张三", id_number, "13800000000", "因病（大病、慢性病）", "住院", "2026-05-20", "窗口受理", YES]


@in_chinese
def template_xlsx(kind: str, user) -> bytes:
    """The import template: header with notes, dropdowns and number checks, the instructions sheet, and one sample
    row (its village cell says it is the sample, so a file sent back unchanged is refused, never imported)."""
    spec = SPECS[kind]
    book = load_workbook(io.BytesIO(template_bytes(spec, {})))
    sheet = book[spec.sheet]
    for index, col in enumerate(spec.columns, start=1):
        if col.field in ("village", "id_number", "phone", "number"):
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"  # long numbers stay text in Excel
    for index, value in enumerate(_sample(kind, user), start=1):
        sheet.cell(row=2, column=index, value=value)
    guide = book["填写说明"]
    guide.append(["", "", f"第 2 行是示例（村代码一格以「{SAMPLE}」开头），导入前请删除或改为实际数据。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(kind: str, user) -> bytes:
    """The same template as CSV (UTF-8 with BOM, which Excel opens correctly): header and the sample row."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow([c.header for c in SPECS[kind].columns])
    writer.writerow(_sample(kind, user))
    return buffer.getvalue().encode("utf-8-sig")


# ---- reading and checking ------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A file read for one import: its rows, where each column is, and the errors found so far."""

    spec: Spec
    rows: list[tuple[int, list]]
    position: dict[str, int]
    errors: list[RowError]

    def where(self, field: str) -> str:
        return cell_where(self.position, next(c for c in self.spec.columns if c.field == field))

    def error(self, number: int, field: str, value, reason: str) -> None:
        self.errors.append(RowError(number, self.where(field), value, reason))


def _read(kind: str, user, data: bytes, filename: str) -> Sheet:
    _require_keeper(user)
    spec = SPECS[kind]
    header, body = read_table(data, filename, spec.sheet)
    position, errors = read_header(spec.columns, header)
    return Sheet(spec, filled_rows(body), position, errors)


def _require_keeper(user) -> None:
    from .queries import villages_for

    if not villages_for(user, limit=1):
        raise UserFacingError("监测户登记册由县、乡镇的填报人员导入；您的角色或单位不能导入")


def _parse(sheet: Sheet, number: int, cells: list) -> tuple[dict, list[RowError]]:
    def parse(col: Column, raw):
        if col.field in ("id_number", "phone", "village", "number") and isinstance(raw, int | float):
            if col.field == "id_number" and not isinstance(raw, bool) and abs(raw) >= 10**15:
                raise ValueError("身份证号被 Excel 存成了数字，末几位已丢失；请把本列设为文本后重新填写")
            raw = cell_text(raw)
        return parse_cell(col, raw, None)

    return parse_row(sheet.spec, sheet.position, number, cells, parse, hidden=HIDDEN)


class Villages:
    """The villages a file names, fetched at once, and whether the user keeps each one's registry."""

    def __init__(self, user, codes: set[str]):
        self.user = user
        wanted = [c for c in codes if len(c) == 12 and c.isdigit()]
        self.found = {
            r.code: r
            for r in Region.objects.filter(code__in=wanted, level=Region.Level.VILLAGE).select_related("parent")
        }
        self.allowed = {code: services.may_keep_registry(user, r) for code, r in self.found.items()}

    def get(self, code: str) -> tuple[Region | None, str]:
        """The village of a code, or None and the reason it cannot be used."""
        if code.startswith(SAMPLE):
            return None, "这是模板的示例行，请删除或改为实际数据"
        if not (len(code) == 12 and code.isdigit()):
            return None, "村代码须为 12 位数字"
        village = self.found.get(code)
        if village is None:
            return None, f"村代码 {code} 不是已知的行政村"
        if not self.allowed[code]:
            return None, f"{village.name}（{code}）不在您的管辖范围内，不能导入"
        return village, ""


def _parse_row(sheet: Sheet, villages: "Villages", number: int, cells: list) -> tuple[dict, list, Region | None]:
    """A row's values and errors (recorded in the sheet), with its village when the code names one of the user's."""
    values, row_errors = _parse(sheet, number, cells)
    sheet.errors.extend(row_errors)
    village = None
    if "village" in values:
        village, reason = villages.get(values["village"])
        if village is None:
            sheet.error(number, "village", values["village"], reason)
    return values, row_errors, village


def _villages(sheet: Sheet, user) -> Villages:
    index = sheet.position.get(VILLAGE.header)
    codes = set()
    if index is not None:
        codes = {cell_text(cells[index]) for _n, cells in sheet.rows if index < len(cells) and cells[index] is not None}
    return Villages(user, codes)


def _identifiers(sheet: Sheet, number: int, values: dict, *, required: bool) -> tuple[str, str] | None:
    """The row's ID number and phone in canonical form, or None with the errors added (never echoing them)."""
    id_number, phone = values.get("id_number") or "", values.get("phone") or ""
    if not id_number and not required:
        if phone:
            sheet.error(number, "id_number", "", "填写了电话的成员须有身份证号")
        return None
    try:
        return pii.normalise_identifiers(id_number, phone)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                sheet.error(number, name, "（不显示）", message)
        return None


def _finish_check(sheet: Sheet, dry_run: bool, progress: Progress, total: int) -> None:
    if sheet.errors:
        progress(total, total, "校验完成，有错误")
        raise refusal(sheet.errors, dry_run=dry_run)


def _dry_result(total: int, created: int, updated: int, unchanged: int, noun: str) -> dict:
    return {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rows": total,
        "dry_run": True,
        "summary": f"试导入通过：共 {total} 行，将新增{noun} {created} 条、更新 {updated} 条，{unchanged} 条无变化。"
        "未写入任何数据。",
    }


def _conflict(noun: str) -> Callable:
    def raise_conflict(exc: Exception):
        raise UserFacingError(
            f"写入时与他人同时修改的{noun}冲突（{exc.__class__.__name__}），未写入任何数据，请重新导入"
        ) from exc

    return raise_conflict


# ---- households with members ---------------------------------------------------------------------------------------

HOUSEHOLD_FIELDS = ("head_name", "address", "labour_capacity", "social_assistance")


def import_households(*, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress):
    """Households with their members, one row per member (the household's columns repeated)."""
    sheet = _read("households", user, data, filename)
    villages = _villages(sheet, user)
    total = len(sheet.rows)
    progress(0, total, "校验中")
    homes: dict[tuple[str, str], dict] = {}  # (village code, number) → household values, first row
    people: dict[str, dict] = {}  # ID digest → member values
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        values, row_errors, village = _parse_row(sheet, villages, number, cells)
        member = any(values.get(f) for f in ("name", "relation", "id_number", "phone"))
        ids = _identifiers(sheet, number, values, required=member)
        if member and not values.get("name"):
            sheet.error(number, "name", "", "成员行须填写姓名")
        if village is None or not values.get("number"):
            continue
        key = (village.code, values["number"])
        home = {f: values.get(f) for f in HOUSEHOLD_FIELDS}
        first = homes.setdefault(key, {"row": number, "village": village, "parsed": set(values), **home})
        for name in HOUSEHOLD_FIELDS:
            if name in values and name in first["parsed"] and first[name] != home[name]:
                sheet.error(number, name, values.get(name), f"与第 {first['row']} 行同一户的「{_header(name)}」不一致")
        if ids is not None and values.get("name"):
            digest = pii.digest(ids[0])
            if digest in people:
                sheet.error(number, "id_number", pii.mask_id(ids[0]), f"与第 {people[digest]['row']} 行的身份证号重复")
            else:
                people[digest] = {
                    "row": number,
                    "key": key,
                    "name": values["name"],
                    "relation": values.get("relation") or "",
                    "id_number": ids[0],
                    "phone": ids[1],
                }
        if done % 500 == 0:
            progress(done, total, f"校验第 {done} / {total} 行")

    stored = _stored_households(homes)
    stored_members = _stored_members(people)
    for digest, person in people.items():
        member = stored_members.get(digest)
        if member is not None and (member.household.village_id, member.household.number) != person["key"]:
            masked = pii.mask_id(person["id_number"])
            sheet.error(person["row"], "id_number", masked, "该身份证号码已登记在其他户的成员中")
    _finish_check(sheet, dry_run, progress, total)

    new_homes = [k for k in homes if k not in stored]
    changed_homes = {k: changes for k in homes if k in stored and (changes := _household_changes(stored[k], homes[k]))}
    new_people = [d for d in people if d not in stored_members]
    changed_people = {
        d: changes for d in people if d in stored_members and (changes := _member_changes(stored_members[d], people[d]))
    }
    created, updated = len(new_homes) + len(new_people), len(changed_homes) + len(changed_people)
    unchanged = len(homes) + len(people) - created - updated
    if dry_run:
        progress(total, total, "试导入完成")
        return _dry_result(total, created, updated, unchanged, "户或成员")

    progress(0, created + updated, "写入中")
    try:
        with transaction.atomic(), set_actor(audit_actor(user)):
            for key in new_homes:
                home = homes[key]
                village = home["village"]
                stored[key] = Household.objects.create(
                    township=village.parent, village=village, number=key[1], **{f: home[f] for f in HOUSEHOLD_FIELDS}
                )
            for key, changes in changed_homes.items():
                save_versioned(stored[key], expected_version=stored[key].version, changes=changes)
            for digest in new_people:
                person = people[digest]
                Member.objects.create(
                    household=stored[person["key"]],
                    name=person["name"],
                    relation=person["relation"],
                    **pii.id_number_columns(person["id_number"], digest),
                    **pii.phone_columns(person["phone"]),
                )
            for digest, changes in changed_people.items():
                member = stored_members[digest]
                save_versioned(member, expected_version=member.version, changes=changes, exclude=Member.ENCRYPTED)
    except (IntegrityError, StaleObjectError, ValidationError) as exc:
        _conflict("户或成员")(exc)
    progress(created + updated, created + updated, "导入完成")
    return {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rows": total,
        "dry_run": False,
        "summary": f"导入完成：共 {total} 行，新增户或成员 {created} 条、更新 {updated} 条，{unchanged} 条无变化。",
    }


def _household_changes(stored: Household, home: dict) -> dict:
    """What the file changes of a stored household; a blank labour capacity keeps what the village has verified."""
    return {
        f: home[f]
        for f in HOUSEHOLD_FIELDS
        if getattr(stored, f) != home[f] and not (f == "labour_capacity" and home[f] is None)
    }


def _header(field: str) -> str:
    return next(c.header for c in HOUSEHOLD_COLUMNS if c.field == field)


def _stored_households(keys) -> dict[tuple[str, str], Household]:
    by_village: dict[str, set[str]] = {}
    for code, number in keys:
        by_village.setdefault(code, set()).add(number)
    found = {}
    for code, numbers in by_village.items():
        for chunk in _chunks(sorted(numbers)):
            for h in Household.objects.filter(village_id=code, number__in=chunk):
                found[(h.village_id, h.number)] = h
    return found


def _stored_members(people: dict) -> dict[str, Member]:
    found = {}
    for chunk in _chunks(list(people)):
        for m in Member.objects.filter(id_number_digest__in=chunk).select_related("household"):
            found[m.id_number_digest] = m
    return found


def _member_changes(member: Member, person: dict) -> dict:
    changes = {f: person[f] for f in ("name", "relation") if getattr(member, f) != person[f]}
    if (pii.digest(person["phone"]) if person["phone"] else "") != member.phone_digest:
        changes.update(pii.phone_columns(person["phone"]))
    return changes


def _chunks(items: list, size: int = 2000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---- income records ------------------------------------------------------------------------------------------------


def import_incomes(*, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress):
    """Income records of registered households, a year, a quarter or a month each."""
    sheet = _read("incomes", user, data, filename)
    villages = _villages(sheet, user)
    total = len(sheet.rows)
    progress(0, total, "校验中")
    parsed = []
    for number, cells in sheet.rows:
        values, row_errors, village = _parse_row(sheet, villages, number, cells)
        if village is not None and not row_errors:
            parsed.append((number, village, values))
    stored_homes = _stored_households({(v.code, values["number"]) for _n, v, values in parsed})
    records: dict[tuple, tuple[int, IncomeRecord]] = {}
    for number, village, values in parsed:
        home = stored_homes.get((village.code, values["number"]))
        if home is None:
            reason = f"{village.name}没有户编号为 {values['number']} 的户，请先登记或导入该户"
            sheet.error(number, "number", values["number"], reason)
            continue
        record = IncomeRecord(
            household=home,
            year=values["year"],
            period_kind=values["period_kind"],
            period=values.get("period") or 0,
            persons=values["persons"],
            **{f: values.get(f) or Decimal(0) for f in AMOUNTS},
        )
        problems = []
        try:
            record.clean()
        except ValidationError as exc:
            problems = field_errors(exc, number, sheet.position, sheet.spec.columns, values)
        if not 2000 <= record.year <= timezone.localdate().year + 1:
            sheet.error(number, "year", record.year, "年度须在 2000 年至明年之间")
        if record.persons < 1:
            sheet.error(number, "persons", record.persons, "家庭人口至少 1 人")
        sheet.errors.extend(problems)
        key = (home.pk, record.year, record.period_kind, record.period)
        if key in records:
            reason = f"与第 {records[key][0]} 行是同一户的同一周期（{record.period_label}）"
            sheet.error(number, "period", record.period, reason)
        elif not problems:
            records[key] = (number, record)
    _finish_check(sheet, dry_run, progress, total)

    stored = {}
    for home_ids in _chunks(sorted({k[0] for k in records})):
        for r in IncomeRecord.objects.filter(household_id__in=home_ids):
            stored[(r.household_id, r.year, r.period_kind, r.period)] = r
    fields = ("persons", *AMOUNTS)
    new, changed = [], []
    for key, (_number, record) in records.items():
        old = stored.get(key)
        if old is None:
            new.append(record)
        elif changes := {f: getattr(record, f) for f in fields if getattr(old, f) != getattr(record, f)}:
            changed.append((old, changes))
    unchanged = len(records) - len(new) - len(changed)
    if dry_run:
        progress(total, total, "试导入完成")
        return _dry_result(total, len(new), len(changed), unchanged, "收支记录")
    try:
        with transaction.atomic(), set_actor(audit_actor(user)):
            for record in new:
                record.save()
            for old, changes in changed:
                save_versioned(old, expected_version=old.version, changes=changes)
    except (IntegrityError, StaleObjectError, ValidationError) as exc:
        _conflict("收支记录")(exc)
    progress(total, total, "导入完成")
    return {
        "created": len(new),
        "updated": len(changed),
        "unchanged": unchanged,
        "rows": total,
        "dry_run": False,
        "summary": f"导入完成：共 {total} 行，新增收支记录 {len(new)} 条、更新 {len(changed)} 条，"
        f"{unchanged} 条无变化。",
    }


# ---- paper declarations --------------------------------------------------------------------------------------------


def _consent_at(day: datetime.date) -> datetime.datetime:
    """The moment a paper declaration is dated: the start of its day, local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def import_declarations(*, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress):
    """A county's paper records of 农户自主申报 (counter, 12317 hotline), each through ``services.declare``: the
    household's one open case gets the lead, a household not yet registered is added as pending."""
    sheet = _read("declarations", user, data, filename)
    villages = _villages(sheet, user)
    total = len(sheet.rows)
    steps = total if dry_run else total * 2
    progress(0, steps, "校验中")
    today = timezone.localdate()
    rows: dict[tuple, dict] = {}
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        values, row_errors, village = _parse_row(sheet, villages, number, cells)
        if values.get("consent") is False:
            sheet.error(number, "consent", NO, "没有签承诺授权书的申报不能导入：须农户签字同意核查家庭信息")
        day = values.get("declared_on")
        if day is not None and day > today:
            sheet.error(number, "declared_on", day.isoformat(), "申报日期不能晚于今天")
        if village is None or row_errors:
            continue
        try:
            head_name, id_number, phone = services.check_declaration(
                village=village,
                head_name=values["head_name"],
                id_number=values["id_number"],
                phone=values["phone"],
                difficulty=values["difficulty"],
                description=values.get("description") or "",
                consent=bool(values.get("consent")),
            )
        except ValidationError as exc:
            found = field_errors(exc, number, sheet.position, sheet.spec.columns, values, hidden=HIDDEN)
            sheet.errors.extend(e for e in found if e.column != sheet.where("consent"))
            continue
        digest = pii.digest(id_number)
        key = (digest, day, values["channel"], values["difficulty"])
        if key in rows:
            reason = f"与第 {rows[key]['row']} 行是同一份申报（同一人、日期、渠道和困难类别）"
            sheet.error(number, "id_number", pii.mask_id(id_number), reason)
            continue
        rows[key] = {
            "row": number,
            "village": village,
            "head_name": head_name,
            "id_number": id_number,
            "phone": phone,
            "difficulty": values["difficulty"],
            "description": values.get("description") or "",
            "channel": values["channel"],
            "consent_at": _consent_at(day),
        }
        if done % 500 == 0:
            progress(done, steps, f"校验第 {done} / {total} 行")
    _finish_check(sheet, dry_run, progress, steps)

    done_before = _imported_declarations(rows)
    new = [row for key, row in rows.items() if key not in done_before]
    unchanged = len(rows) - len(new)
    if dry_run:
        progress(total, steps, "试导入完成")
        return _dry_result(total, len(new), 0, unchanged, "申报")
    steps = total + len(new)
    row = {}
    progress(total, steps, "写入中")
    try:
        with transaction.atomic(), workdays.reused_calendars():
            cases_before = Alert.objects.count()
            for written, row in enumerate(new, start=1):
                services.declare(user=user, consent=True, **{k: v for k, v in row.items() if k != "row"})
                if written % 200 == 0:
                    progress(total + written, steps, "写入中")
            opened = Alert.objects.count() - cases_before
    except ValidationError as exc:  # the row being written when a rule refused it
        raise UserFacingError(
            f"第 {row['row']} 行：{'；'.join(exc.messages)}。未写入任何数据",
            details={"errors": [RowError(row["row"], "", "", m).as_dict() for m in exc.messages]},
        ) from exc
    except IntegrityError as exc:
        _conflict("申报")(exc)
    progress(steps, steps, "导入完成")
    return {
        "created": len(new),
        "updated": 0,
        "unchanged": unchanged,
        "rows": total,
        "cases_opened": opened,
        "dry_run": False,
        "summary": f"导入完成：共 {total} 行，登记申报 {len(new)} 份（新开案件 {opened} 件，"
        f"其余作为线索并入已有案件），{unchanged} 份已导入过。",
    }


def _imported_declarations(rows: dict) -> set[tuple]:
    """The keys of the rows already imported (the same person, day, channel and difficulty)."""
    digests = sorted({key[0] for key in rows})
    found = set()
    for chunk in _chunks(digests):
        for d in Declaration.objects.filter(id_number_digest__in=chunk).only(
            "id_number_digest", "consent_at", "channel", "difficulty"
        ):
            found.add((d.id_number_digest, timezone.localdate(d.consent_at), d.channel, d.difficulty))
    return found


# ---- jobs ------------------------------------------------------------------------------------------------------------

IMPORTERS = {"households": import_households, "incomes": import_incomes, "declarations": import_declarations}


def import_kind(*, kind: str, user, data: bytes, filename: str, dry_run: bool, progress: Progress = no_progress):
    return IMPORTERS[kind](user=user, data=data, filename=filename, dry_run=dry_run, progress=progress)


def start_import(*, kind: str, user, upload, dry_run: bool, next_url: str = "", back_url: str = ""):
    """A dry run or an import of an uploaded file, as a background job with progress."""
    _require_keeper(user)
    return import_job(
        job_kind=f"monitoring.{kind}.import",
        noun=str(NOUNS[kind]),
        user=user,
        upload=upload,
        dry_run=dry_run,
        next_url=next_url,
        back_url=back_url,
        run=import_kind,
        params={"kind": kind},
    )
