"""Loading the region tree and the policy boxes' name lists; resolving names to division codes."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from duikou.core.datafiles import data_path, read_csv, read_json
from duikou.core.errors import DataFileError

from .models import Designation, OldArea, Region

# file, level, column holding the parent code, code length in the file
REGION_FILES = [
    ("provinces.csv", Region.Level.PROVINCE, None, 2),
    ("cities.csv", Region.Level.PREFECTURE, "provinceCode", 4),
    ("areas.csv", Region.Level.COUNTY, "cityCode", 6),
    ("streets.csv", Region.Level.TOWNSHIP, "areaCode", 9),
    ("villages.csv.xz", Region.Level.VILLAGE, "streetCode", 12),
]
FULL_CODE = re.compile(r"^\d+$")


def pad(code: str) -> str:
    """Statistical codes of provinces (2 digits) and prefectures (4) padded to the 6-digit adcode form."""
    return code.ljust(6, "0") if len(code) < 6 else code


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


def read_region_files(levels: list[str] | None = None) -> list[tuple[str, str, str, str | None]]:
    """Read and check every region file: (code, name, level, parent code). Raises DataFileError, loads nothing."""
    rows: list[tuple[str, str, str, str | None]] = []
    known: set[str] = set()
    for filename, level, parent_col, length in REGION_FILES:
        if levels is not None and level not in levels:
            continue
        path = data_path("geo", filename)
        required = ["code", "name"] + ([parent_col] if parent_col else [])
        for line, row in read_csv(path, required):
            raw = row["code"]
            if len(raw) != length or not FULL_CODE.match(raw):
                raise DataFileError(path, line, f"区划代码「{raw}」应为 {length} 位数字")
            if not row["name"]:
                raise DataFileError(path, line, "名称为空")
            code = pad(raw)
            if level == Region.Level.COUNTY and code == pad(row[parent_col]) and code in known:
                # 不设区的地级市 (东莞, 中山, 儋州): the county-level line repeats the city's own code.
                continue
            if code in known:
                raise DataFileError(path, line, f"区划代码 {code} 重复")
            parent = None
            if parent_col:
                parent = pad(row[parent_col])
                if parent not in known:
                    raise DataFileError(path, line, f"上级代码 {row[parent_col]} 不存在")
                if not code.startswith(parent[: {4: 2, 6: 4, 9: 6, 12: 9}[length]]):
                    raise DataFileError(path, line, f"区划代码 {code} 不以上级代码 {parent} 开头")
            known.add(code)
            rows.append((code, row["name"], level, parent))
    return rows


def load_regions(
    *,
    levels: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 5000,
) -> LoadReport:
    """Load the region tree from data/geo idempotently: new codes are inserted in bulk, changed names updated.

    All or nothing: a broken line stops the load before anything is written. On PostgreSQL new rows go in
    with COPY; elsewhere with one prepared INSERT executed over all rows.
    """
    started = time.perf_counter()
    rows = read_region_files(levels)
    existing = dict(Region.objects.values_list("code", "name"))
    report = LoadReport()
    new = [r for r in rows if r[0] not in existing]
    renamed = [r for r in rows if r[0] in existing and existing[r[0]] != r[1]]
    total, done = len(new) + len(renamed), 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = Region._meta.db_table
            with connection.cursor() as cursor:
                with cursor.copy(f'COPY "{table}" (code, name, level, parent_id) FROM STDIN') as copy:
                    for i, row in enumerate(new, 1):
                        copy.write_row(row)
                        if progress and i % batch_size == 0:
                            progress(i, total)
            done = len(new)
        else:
            # Plain tuples through executemany: building 665,000 model instances costs more than the insert.
            table = connection.ops.quote_name(Region._meta.db_table)
            sql = f"INSERT INTO {table} (code, name, level, parent_id) VALUES (%s, %s, %s, %s)"
            with connection.cursor() as cursor:
                for start in range(0, len(new), batch_size):
                    chunk = new[start : start + batch_size]
                    cursor.executemany(sql, chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        for code, name, *_ in renamed:
            Region.objects.filter(code=code).update(name=name)
        if progress:
            progress(total, total)
    for _code, _name, level, _parent in new:
        report.created[level] = report.created.get(level, 0) + 1
    for _code, _name, level, _parent in renamed:
        report.updated[level] = report.updated.get(level, 0) + 1
    report.seconds = time.perf_counter() - started
    return report


def load_region_names_en() -> int:
    """English names of provinces and prefectures (data/geo/names_en.csv, built from the division files: see its
    builder) for the regions loaded, where a region has none yet or the file's differs; a line whose Chinese name is
    not the region's stops the load (the file and the division files disagree)."""
    path = data_path("geo", "names_en.csv")
    regions = {r.code: r for r in Region.objects.filter(level__in=[Region.Level.PROVINCE, Region.Level.PREFECTURE])}
    changed = []
    for line, row in read_csv(path, ["code", "name", "name_en"]):
        region = regions.get(row["code"])
        if region is None:
            continue
        if region.name != row["name"]:
            raise DataFileError(path, line, f"区划代码 {row['code']} 的名称是「{region.name}」，不是「{row['name']}」")
        if region.name_en != row["name_en"]:
            region.name_en = row["name_en"]
            changed.append(region)
    Region.objects.bulk_update(changed, ["name_en"], batch_size=500)
    return len(changed)


# ---- resolving names written in the policy texts --------------------------------------------------------

SUFFIXES = (
    "市",
    "县",
    "区",
    "自治县",
    "自治州",
    "土家族苗族自治州",
    "地区",
    "盟",
    "林区",
    "特区",
    "自治旗",
    "旗",
)


def resolve_city(name: str) -> Region:
    """A prefecture-level city (or a municipality, which stands at province level) named as in the texts.

    "恩施州" is the 自治州 恩施土家族苗族自治州; "北京市" is the municipality 110000. Ambiguity is an error.
    """
    candidates = list(Region.objects.filter(level=Region.Level.PREFECTURE, name=name))
    if not candidates:
        candidates = list(Region.objects.filter(level=Region.Level.PROVINCE, name=name))
    if not candidates and name.endswith("州"):
        stem = name[:-1]
        candidates = list(
            Region.objects.filter(level=Region.Level.PREFECTURE, name__startswith=stem, name__endswith="自治州")
        )
    if len(candidates) != 1:
        found = "、".join(f"{r.code} {r.name}" for r in candidates) or "无"
        raise LookupError(f"「{name}」无法唯一对应到地级区划（候选：{found}）")
    return candidates[0]


def load_old_areas() -> int:
    path = data_path("policy", "old_areas.json")
    items = read_json(path)
    changed = 0
    with transaction.atomic():
        for i, item in enumerate(items, 1):
            for key in ("key", "name", "short_name"):
                if not item.get(key):
                    raise DataFileError(path, None, f"第 {i} 项缺少 {key}")
            obj, created = OldArea.objects.get_or_create(
                key=item["key"],
                defaults={k: item.get(k) or "" for k in ("name", "short_name", "name_en", "source")},
            )
            changed += created
    return changed


def find_old_area(label: str) -> OldArea:
    """An old area by the label the texts use, e.g. 大别山革命老区 or 赣闽粤原中央苏区."""
    area = OldArea.objects.filter(name=label).first() or OldArea.objects.filter(short_name=label).first()
    if area is None:
        raise LookupError(f"「{label}」不是已登记的革命老区")
    return area


DESIGNATION_FILES = [
    ("zhuanlan1_counties.csv", Designation.Kind.ASSIST_COUNTY, "county", "004 专栏1"),
    ("zhuanlan2_county_towns.csv", Designation.Kind.COUNTY_TOWN, "county", "004 专栏2"),
    ("zhuanlan4_zones.csv", Designation.Kind.DEV_ZONE, "zone", "004 专栏4"),
]


def load_designations() -> int:
    """The regions named in 专栏1, 2 and 4 of seed 004. A row whose code does not resolve is an error."""
    pending = []
    for filename, kind, name_col, box in DESIGNATION_FILES:
        path = data_path("policy", filename)
        for line, row in read_csv(path, [name_col, "code", "line"]):
            code = row["code"]
            if not code:
                raise DataFileError(path, line, f"「{row[name_col]}」没有对应的区划代码")
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise DataFileError(path, line, f"区划代码 {code} 不存在")
            if (
                name_col == "county"
                and row.get("county")
                and not region.name.startswith(row["county"].rstrip("县市区"))
            ):
                raise DataFileError(path, line, f"「{row['county']}」与区划代码 {code}（{region.name}）不符")
            pending.append((kind, region, row[name_col], f"{box} 第{row['line']}行"))
    created = 0
    with transaction.atomic():
        for kind, region, name, source in pending:
            _obj, was_created = Designation.objects.get_or_create(
                kind=kind, name=name, region=region, defaults={"source": source}
            )
            created += was_created
    return created


def load_regions_under(prefix: str, *, batch_size: int = 5000) -> int:
    """Load the missing townships and villages under ``prefix`` (a county, prefecture or province code prefix)
    from data/geo, for a database that holds regions only to county level (tests, small installations).

    Rows whose parent is not in the database are skipped (their county is missing: load the tree first).
    Returns how many regions were created."""
    existing = set(Region.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    parents = set(Region.objects.filter(code__startswith=prefix[:6]).values_list("code", flat=True)) | existing
    new: list[Region] = []
    for filename, level, parent_col, length in REGION_FILES:
        if level not in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
            continue
        path = data_path("geo", filename)
        for line, row in read_csv(path, ["code", "name", parent_col]):
            code = row["code"]
            if not code.startswith(prefix) or code in existing:
                continue
            if len(code) != length or not FULL_CODE.match(code) or not row["name"]:
                raise DataFileError(path, line, f"区划代码「{code}」应为 {length} 位数字且名称不为空")
            parent = pad(row[parent_col])
            if parent not in parents:
                continue
            new.append(Region(code=code, name=row["name"], level=level, parent_id=parent))
            parents.add(code)
            existing.add(code)
    with transaction.atomic():
        Region.objects.bulk_create(new, batch_size=batch_size)
    return len(new)
