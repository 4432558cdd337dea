"""The data the pairing recommendation reads: city profiles and economic ties imported from files (each file one
``DataSource`` with its SM3 digest and provenance), and the special industries the policy documents name for each old
area (``data/markets/old_area_industries.csv``, every row citing its clause and quoting its words).

An import is all-or-nothing: every row is checked first, and one bad cell means nothing is written; the errors name
row, column, value and reason. Importing the same file again (same name and digest) changes nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core.audit_entries import bulk_create_logged
from duikou.core.datafiles import data_path
from duikou.core.digests import sm3_hex
from duikou.core.errors import DataFileError, UserFacingError
from duikou.core.tables import RowError, cell_code, cell_decimal, cell_text
from duikou.core.uploads import read_table
from duikou.geo.models import OldArea, Region

from ..models import (
    EXAMPLE_NOTE,
    EXAMPLE_PUBLISHER,
    INDUSTRIES_NAME,
    INDUSTRIES_NOTE,
    PROFILES_NAME,
    TIES_NAME,
    CityProfile,
    DataSource,
    EconomicTie,
)
from .tables import INDUSTRIES, INDUSTRIES_FILE, KINDS, PROFILE_COLUMNS, industry_rows, split_industries

SHARE_SUM_TOLERANCE = Decimal("1.0")  # rounded shares may miss 100 by this much

# The files `duikou load-pairing-data` loads (see data/SOURCES.md).
SHIPPED = (
    {
        "kind": "profiles",
        "file": "city_profiles_example.csv",
        "name": PROFILES_NAME,
        "publisher": EXAMPLE_PUBLISHER,
        "official": False,
        "note": EXAMPLE_NOTE,
    },
    {
        "kind": "ties",
        "file": "economic_ties_example.csv",
        "name": TIES_NAME,
        "publisher": EXAMPLE_PUBLISHER,
        "official": False,
        "note": EXAMPLE_NOTE,
    },
)


# ---- entering and importing --------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    kind: str
    file_name: str
    sm3: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    source: DataSource | None = None
    unchanged: bool = False  # the same file was imported before
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "file_name": self.file_name,
            "sm3": self.sm3,
            "rows": self.rows,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "unchanged": self.unchanged,
            "source_id": self.source.pk if self.source else None,
            "errors": [e.as_dict() for e in self.errors],
        }


def may_import(user) -> bool:
    """Data sources feed the national review: only the national level (or the CLI, ``user=None``) imports them."""
    if user is None:
        return True
    return scoping.may(user, scoping.Action.CHANGE) and scoping.region_prefix(user) is None


def _old_area_codes() -> set[str]:
    return set(OldArea.members.through.objects.values_list("region_id", flat=True))


def _region(code: str, regions: dict[str, Region]) -> Region:
    region = regions.get(code)
    if region is None:
        raise ValueError(_("区划代码不存在"))
    return region


def _parse_profile(cells: dict, regions: dict[str, Region]) -> dict:
    values: dict = {}
    column = "区划代码"
    try:
        values["region"] = _region(cell_code(cells[column] or ""), regions)
        if values["region"].level not in ("prefecture", "province"):
            raise ValueError(_("应为地级市（或直辖市）的区划代码"))
        column = "年份"
        year = int(cell_decimal(cells[column]))
        if not 1990 <= year <= 2100:
            raise ValueError(_("年份应在 1990–2100 之间"))
        values["year"] = year
        shares = []
        for column, name in zip(
            PROFILE_COLUMNS[2:5], ("primary_share", "secondary_share", "tertiary_share"), strict=True
        ):
            if cells[column] is None:
                raise ValueError(_("必填，不能为空"))
            share = cell_decimal(cells[column]).quantize(Decimal("0.01"))
            if not 0 <= share <= 100:
                raise ValueError(_("应为 0–100 之间的百分数"))
            values[name] = share
            shares.append(share)
        if abs(sum(shares) - 100) > SHARE_SUM_TOLERANCE:
            raise ValueError(_("三次产业占比之和为 %(sum)s，应为 100") % {"sum": sum(shares)})
        column = "优势产业"
        industries = split_industries(cells[column])
        unknown = [i for i in industries if i not in INDUSTRIES]
        if unknown:
            raise ValueError(
                _("不在产业词表内：%(unknown)s（可用：%(known)s）")
                % {"unknown": "、".join(unknown), "known": "、".join(INDUSTRIES)}
            )
        values["industries"] = industries
    except (ValueError, ArithmeticError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) and _readable(exc) else _("不是有效的数字")
        raise _CellError(column, cells.get(column), reason) from exc
    return values


def _parse_tie(cells: dict, regions: dict[str, Region], old_codes: set[str]) -> dict:
    values: dict = {}
    column = "老区城市或县代码"
    try:
        old = _region(cell_code(cells[column] or ""), regions)
        city = old.code[:4] + "00"
        if old.code not in old_codes and city not in old_codes:
            raise ValueError(_("不是革命老区重点城市或其所辖县"))
        values["old_region"] = old
        column = "候选城市代码"
        partner = _region(cell_code(cells[column] or ""), regions)
        if partner.level not in ("prefecture", "province") or partner.code in old_codes:
            raise ValueError(_("应为东中部候选城市（地级市或直辖市）的区划代码"))
        values["partner_region"] = partner
        column = "联系类型"
        text = cell_text(cells[column] or "")
        labels = _tie_kind_labels()
        kinds = labels | {v: v for v in EconomicTie.Kind.values}
        if text not in kinds:
            raise ValueError(_("应为：%(kinds)s") % {"kinds": "、".join(labels)})
        values["kind"] = kinds[text]
        column = "强度（1–5）"
        strength = cell_decimal(cells[column])
        if strength != strength.to_integral_value() or not 1 <= strength <= 5:
            raise ValueError(_("应为 1–5 的整数"))
        values["strength"] = int(strength)
        column = "说明"
        description = cell_text(cells[column] or "")
        if not description or len(description) > 200:
            raise ValueError(_("必填，最多 200 字"))
        values["description"] = description
    except (ValueError, ArithmeticError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) and _readable(exc) else _("不是有效的数字")
        raise _CellError(column, cells.get(column), reason) from exc
    return values


def _tie_kind_labels() -> dict[str, str]:
    """Label → value of the kinds of ties, in Chinese as the file holds them, whatever the reader's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return {str(label): value for value, label in EconomicTie.Kind.choices}


def _readable(exc: Exception) -> bool:
    """Our own reasons are Chinese sentences; Python's (int("x"), Decimal("x")) are replaced by a plain one."""
    return bool(str(exc)) and not str(exc).startswith(("invalid", "could not", "["))


class _CellError(Exception):
    def __init__(self, column: str, value, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def import_file(
    *,
    user,
    kind: str,
    data: bytes,
    filename: str,
    name: str,
    publisher: str,
    official: bool,
    note: str = "",
    dry_run: bool = False,
) -> ImportResult:
    """Import one file of city profiles or economic ties as one data source. Nothing is written if any row fails."""
    if not may_import(user):
        raise PermissionDenied
    if kind not in KINDS:
        raise UserFacingError(_("未知的数据类型：%(kind)s") % {"kind": kind})
    noun, columns = KINDS[kind]
    result = ImportResult(kind=kind, file_name=filename, sm3=sm3_hex(data), dry_run=dry_run)
    header, rows = read_table(data, filename, noun)
    position = {str(h): i for i, h in enumerate(header) if h is not None}
    missing = [c for c in columns if c not in position]
    if missing:
        result.errors = [RowError(1, c, None, _("缺少此列（表头见导入页说明）")) for c in missing]
        return result
    rows = [(n, r) for n, r in rows if any(v is not None for v in r)]
    codes = set()
    for _n, r in rows:
        for c in columns[:2]:
            value = r[position[c]] if position[c] < len(r) else None
            codes.add(cell_code(value) if value is not None else "")
    regions = {r.code: r for r in Region.objects.filter(code__in=[c for c in codes if c.isdigit()])}
    old_codes = _old_area_codes()
    parsed, seen = [], {}
    for number, r in rows:
        cells = {c: (r[position[c]] if position[c] < len(r) else None) for c in columns}
        try:
            values = _parse_profile(cells, regions) if kind == "profiles" else _parse_tie(cells, regions, old_codes)
        except _CellError as exc:
            result.errors.append(RowError(number, exc.column, exc.value, exc.reason))
            continue
        if kind == "profiles":
            code = values["region"].code
            if code in seen:
                result.errors.append(
                    RowError(number, "区划代码", code, _("与第 %(row)s 行重复（同一城市）") % {"row": seen[code]})
                )
                continue
            seen[code] = number
        parsed.append(values)
    result.rows = len(parsed)
    if result.errors or dry_run:
        return result
    existing = DataSource.objects.filter(file_name=filename, sm3=result.sm3).order_by("pk").first()
    if existing is not None:
        result.source, result.unchanged = existing, True
        return result
    with transaction.atomic():
        source = DataSource.objects.create(
            name=name,
            publisher=publisher,
            official=official,
            file_name=filename,
            sm3=result.sm3,
            imported_by=user,
            note=note,
        )
        if kind == "profiles":
            objects = [CityProfile(source=source, **v) for v in parsed]
            bulk_create_logged(CityProfile, objects, actor=user)
        else:
            objects = [EconomicTie(source=source, entered_by=user, **v) for v in parsed]
            bulk_create_logged(EconomicTie, objects, actor=user)
    result.source = source
    return result


def load_shipped() -> list[ImportResult]:
    """Load the shipped files (idempotent: a file already imported with the same digest is left as it is)."""
    results = []
    for spec in SHIPPED:
        path = data_path("markets", spec["file"])
        result = import_file(
            user=None,
            kind=spec["kind"],
            data=path.read_bytes(),
            filename=spec["file"],
            name=spec["name"],
            publisher=spec["publisher"],
            official=spec["official"],
            note=spec["note"],
        )
        if result.errors:
            first = result.errors[0]
            raise DataFileError(path, first.row, f"{first.column}：{first.reason}")
        results.append(result)
    # the named industries are policy text: recorded as an official source (no rows; the terms read the file)
    path = data_path("markets", INDUSTRIES_FILE)
    industry_rows()
    data = path.read_bytes()
    digest = sm3_hex(data)
    if not DataSource.objects.filter(file_name=INDUSTRIES_FILE, sm3=digest).exists():
        DataSource.objects.create(
            name=INDUSTRIES_NAME,
            publisher=(
                "发改振兴〔2022〕766号 三（五）；"
                "“十四五”支持革命老区巩固拓展脱贫攻坚成果衔接推进乡村振兴实施方案 （十）（十一）"
            ),
            official=True,
            file_name=INDUSTRIES_FILE,
            sm3=digest,
            note=INDUSTRIES_NOTE,
        )
    return results


def create_tie(*, user, **values) -> EconomicTie:
    """A tie is entered by either side: the old-area region's areas or the candidate city's. The row is written and
    then checked through the scoping layer in the same transaction, so the rule lives in one place (``apps.tie_q``)."""
    scoping.require(user, scoping.Action.CHANGE)
    with transaction.atomic():
        tie = EconomicTie(entered_by=user, **values)
        tie.full_clean()
        tie.save()
        if not scoping.can(user, scoping.Action.CHANGE, tie):
            raise PermissionDenied
    return tie
