"""The red-culture platform's spreadsheets: a city loads its list of resources (and exports it back), and its routes
stop by stop. The machinery is ``core.tables``.

Resources are model rows (``import_rows``), matched by 所在地区代码 + 名称: a new row is a draft without a creator (its
audit entry names the importer), a row may update only a draft, and a row that would change a submitted or published
resource is refused (``Resource.clean``); a row equal to it changes nothing, so an export imported back passes.

A route's file has one row per stop, so one route is several rows and two models (``import_routes``): the rows of a
route (结对编号 + 线路名称) carry the same route fields, every stop is checked as ``Stop.clean`` checks it (its day
within the route's days, its resource in the pairing's two places), and the route's stops are replaced by the file's.
Both imports are all-or-nothing with the (row, column, value, reason) report, and have a dry run.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from duikou.accounts import scoping
from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.audit_entries import bulk_create_logged
from duikou.core.concurrency import save_checked, save_versioned
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.tables import (
    Column,
    Hint,
    Progress,
    RowError,
    Spec,
    cell_code,
    cell_text,
    cell_where,
    choice_column,
    choice_hint,
    choice_labels,
    column_codes,
    export_table,
    filled_rows,
    import_job,
    import_rows,
    no_progress,
    parse_cell,
    parse_row,
    read_header,
    refusal,
    template_bytes,
)
from duikou.core.uploads import read_table
from duikou.geo.models import OldArea, Region
from duikou.pairings.models import Pairing

from . import queries
from .models import RESOURCE_FIELDS, ROUTE_FIELDS, Resource, Route, Status, Stop

LOWEST_LEVELS = (Region.Level.COUNTY, Region.Level.TOWNSHIP, Region.Level.VILLAGE)  # where a resource may be
NOT_DRAFT = _("「%(name)s」已提交审核或已发布，须先在其页面「修改（退回草稿）」")

# --- columns ------------------------------------------------------------------------------------------------


def pairing_label(pairing: Pairing) -> str:
    return f"{pairing.code} {pairing.old_region.name}—{pairing.partner_region.name}"


SOURCES_HELP = _("每行一条（单元格内按 Alt+Enter 换行）：文献、档案、网页（含网址和日期）或采访记录；提交审核前须填写")

RESOURCE_COLUMNS: tuple[Column, ...] = (
    choice_column(N_("类别"), "kind", Resource.Kind, required=True),
    Column(
        N_("名称"),
        "name",
        "text",
        True,
        max_length=120,
        help=_("同一地区不能重名；已提交审核或已发布的资源不能由导入修改"),
        width=28,
    ),
    Column(N_("英文名称"), "name_en", "text", max_length=200, help=_("英文页面显示；可不填"), width=28),
    Column(
        N_("所在地区代码"),
        "region",
        "region",
        True,
        help=Hint(
            _("县级或乡镇、村级区划代码，须在您负责的地区内，如「%(example)s」或「%(code)s」"),
            example="411523 新县",
            code="411523",
        ),
        width=20,
    ),
    Column(
        N_("所属革命老区"),
        "old_area",
        "coded",
        help=Hint(_("从下拉列表选择，如「%(example)s」；可不填"), example="大别山革命老区"),
        width=24,
        label=lambda area: area.name,
    ),
    Column(N_("纬度"), "latitude", "decimal", True, help=_("十进制度数，如 31.64012（北纬）"), places=5),
    Column(N_("经度"), "longitude", "decimal", True, help=_("十进制度数，如 114.87953（东经）"), places=5),
    Column(
        N_("保护级别"),
        "protection",
        "choice",
        choices=choice_labels(Resource.Protection.choices),
        help=choice_hint(Resource.Protection, _("有公布的保护级别时从下拉列表选择（%(labels)s），没有则留空")),
        width=22,
    ),
    Column(N_("简介"), "description", "text", True, width=40),
    Column(N_("英文简介"), "description_en", "text", width=40),
    Column(N_("资料来源"), "sources", "text", help=SOURCES_HELP, width=40),
)

ROUTE_COLUMNS: tuple[Column, ...] = (
    Column(
        N_("结对编号"),
        "pairing",
        "coded",
        True,
        help=Hint(_("从下拉列表选择，如「%(example)s」"), example="N09 信阳市—苏州市"),
        width=24,
        label=pairing_label,
    ),
    Column(N_("线路名称"), "name", "text", True, max_length=120, help=_("同一结对关系下不能重名"), width=28),
    Column(N_("英文名称"), "name_en", "text", max_length=200, help=_("英文页面显示；可不填"), width=28),
    Column(N_("天数"), "days", "count", True, help=_("1 至 30 的整数")),
    Column(N_("线路简介"), "description", "text", True, width=40),
    Column(N_("英文简介"), "description_en", "text", width=40),
    Column(N_("资料来源"), "sources", "text", help=SOURCES_HELP, width=40),
    Column(N_("第几天"), "day", "count", True, help=_("不超过线路的天数")),
    Column(N_("当天顺序"), "order", "count", True, help=_("1、2、3……同一天内不能重复")),
    Column(
        N_("资源所在地区代码"),
        "resource_region",
        "region",
        True,
        help=Hint(_("资源所在的区划代码，如「%(example)s」"), example="411523 新县"),
        width=20,
    ),
    Column(
        N_("资源名称"),
        "resource_name",
        "text",
        True,
        max_length=120,
        help=_("结对双方城市的已发布资源，或您可以查看的草稿资源，名称须与资源一致"),
        width=28,
    ),
    Column(N_("站点说明"), "note", "text", max_length=200, width=24),
)
ROUTE_VALUE_FIELDS = tuple(f for f in ROUTE_FIELDS if f not in ("pairing", "name"))  # the same on a route's rows
STOP_FIELDS = ("day", "order", "resource_region", "resource_name", "note")


# --- what the cells name ----------------------------------------------------------------------------------------


def _load_regions(columns, rows, position) -> dict[str, Region]:
    """The regions the rows' region cells name, in one query per 500 codes."""
    codes = set().union(*(column_codes(rows, position, c) for c in columns if c.kind == "region"))
    wanted = sorted(c for c in codes if c.isdigit() and len(c) <= 12)
    found: dict[str, Region] = {}
    for start in range(0, len(wanted), 500):
        found.update({r.code: r for r in Region.objects.filter(code__in=wanted[start : start + 500])})
    return found


def _region(regions: dict[str, Region], raw) -> Region:
    code = cell_code(raw)
    region = regions.get(code)
    if region is None:
        raise ValueError(gettext("区划代码「%(code)s」不存在") % {"code": code})
    return region


class ResourceRefs:
    """What a resource file's cells name, for one user: regions in the user's area (county and below) and old
    areas (by name or short name)."""

    def __init__(self, user):
        self.prefix = scoping.region_prefix(user)
        self.areas = list(OldArea.objects.order_by("id"))
        self.by_name = {a.short_name: a for a in self.areas if a.short_name} | {a.name: a for a in self.areas}
        self.regions: dict[str, Region] = {}

    def load(self, columns, rows, position) -> None:
        self.regions = _load_regions(columns, rows, position)

    def parse(self, col: Column, raw):
        if col.field == "old_area":
            area = self.by_name.get(cell_text(raw))
            if area is None:
                names = "、".join(a.name for a in self.areas)
                raise ValueError(
                    gettext("「%(value)s」不是革命老区（可选：%(names)s）") % {"value": cell_text(raw), "names": names}
                )
            return area
        region = _region(self.regions, raw)
        if region.level not in LOWEST_LEVELS:
            raise ValueError(
                gettext("「%(name)s」（%(code)s）是%(level)s区划，须填写县级或乡镇、村级区划代码")
                % {"name": region.name, "code": region.code, "level": region.get_level_display()}
            )
        if self.prefix is not None and not (self.prefix and region.code.startswith(self.prefix)):
            raise ValueError(
                gettext("「%(name)s」（%(code)s）不在您负责的地区内，不能导入这里的资源")
                % {"name": region.name, "code": region.code}
            )
        return region

    def lists(self, columns) -> dict[str, list[str]]:
        return {"old_area": [a.name for a in self.areas]}


class RouteRefs:
    """What a route file's cells name, for one user: the pairings the user may record for, the regions of the stops'
    resources, and those resources (published, or a draft the user may see)."""

    def __init__(self, user):
        self.user = user
        pairings = scoping.scope(user, Pairing, scoping.Action.CHANGE).filter(status=Pairing.Status.ACTIVE)
        pairings = pairings.select_related("old_region", "partner_region").order_by("code")
        self.pairings = {p.code: p for p in pairings}
        self.regions: dict[str, Region] = {}
        self.resources: dict[tuple[str, str], Resource] = {}

    def load(self, columns, rows, position) -> None:
        self.regions = _load_regions(columns, rows, position)
        index = position.get(next(c.header for c in columns if c.field == "resource_name"))
        names = {
            cell_text(cells[index])
            for _n, cells in rows
            if index is not None and index < len(cells) and cells[index] is not None
        }
        if not self.regions or not names:
            return
        seen = scoping.scope(self.user, Resource).values("pk")
        found = Resource.objects.filter(region_id__in=list(self.regions), name__in=sorted(names))
        found = found.filter(Q(status=Status.PUBLISHED) | Q(pk__in=seen)).select_related("region")
        self.resources = {(r.region_id, r.name): r for r in found}

    def parse(self, col: Column, raw):
        if col.field == "pairing":
            code = cell_code(raw)
            pairing = self.pairings.get(code)
            if pairing is None:
                raise ValueError(gettext("结对编号「%(code)s」不存在，或您无权为该结对关系填报") % {"code": code})
            return pairing
        return _region(self.regions, raw)

    def resource(self, region: Region, name: str) -> Resource:
        found = self.resources.get((region.code, name))
        if found is None:
            raise ValueError(
                gettext("%(region)s（%(code)s）没有名为「%(name)s」的资源，或它是您无权查看的草稿")
                % {"region": region.name, "code": region.code, "name": name}
            )
        if found.status == Status.WITHDRAWN:
            raise ValueError(gettext("「%(name)s」已下架，不能加入线路。") % {"name": name})
        return found

    def lists(self, columns) -> dict[str, list[str]]:
        return {"pairing": [pairing_label(p) for p in self.pairings.values()]}


# --- resources ------------------------------------------------------------------------------------------------

RESOURCE_SPEC = Spec(
    model=Resource,
    columns=RESOURCE_COLUMNS,
    sheet="红色文化资源",
    key=("region_id", "name"),
    fields=RESOURCE_FIELDS,
    noun=_("红色文化资源"),
    duplicate=_("与第 {row} 行重复（同一地区的同名资源）"),
    defaults={"name_en": "", "protection": "", "description_en": "", "sources": ""},
    references=ResourceRefs,
)
ROUTE_SPEC = Spec(  # read by ``import_routes`` (a row is a stop), and its template
    model=Route,
    columns=ROUTE_COLUMNS,
    sheet="精品线路",
    key=("pairing_id", "name"),
    fields=ROUTE_FIELDS,
    noun=_("精品线路"),
    duplicate="",
    defaults={"name_en": "", "description_en": "", "sources": "", "note": ""},
    references=RouteRefs,
)
RESOURCE_RULES = (
    "新导入的资源是草稿：提交审核、发布后才在公开网站显示。",
    "只能更新草稿；与已提交审核或已发布的资源不同的行会被拒绝，须先在其页面「修改（退回草稿）」。"
    "与之相同的行不作改动，因此导出的文件可以原样导入。",
)
ROUTE_RULES = (
    "每行是线路的一个站点：结对编号和线路名称相同的各行属于同一条线路，其英文名称、天数、线路简介、英文简介和资料来源须每行相同。",
    "导入时以文件中的站点替换该线路的全部站点。站点的资源须在该结对关系的两市，是已发布的资源或您可以查看的草稿。",
    "新导入的线路是草稿；只能更新草稿线路，已提交审核或已发布的线路须先在其页面「修改（退回草稿）」。",
)


def import_resources(*, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress):
    return import_rows(RESOURCE_SPEC, user=user, data=data, filename=filename, dry_run=dry_run, progress=progress)


def resource_template(user) -> bytes:
    return template_bytes(RESOURCE_SPEC, ResourceRefs(user).lists(RESOURCE_COLUMNS), RESOURCE_RULES)


def resource_export(user) -> tuple[str, bytes]:
    """Every resource the user may see, as the import reads it (file name, content)."""
    rows = queries.resources_for(user).order_by("region_id", "name")
    return f"culture-resources-{timezone.localtime():%Y%m%d}.xlsx", export_table(RESOURCE_SPEC, rows, fmt="xlsx")


# --- routes ---------------------------------------------------------------------------------------------------


@dataclass
class _RouteRows:
    """The rows of one route in the file: its values (from its first row) and its stops."""

    first: int
    values: dict
    route: Route
    days_valid: bool
    stops: list[Stop] = field(default_factory=list)
    places: dict[tuple[int, int], int] = field(default_factory=dict)  # (day, order) → row


def _errors_in(exc: ValidationError, number: int, position: dict[str, int], columns, values: dict) -> list[RowError]:
    by_field = {c.field: c for c in columns}
    found = []
    for name, messages in exc.message_dict.items():
        col = by_field.get(name) or by_field.get(f"{name}_name") or by_field["name"]
        value = values.get(name, values.get(f"{name}_name", ""))
        found += [RowError(number, cell_where(position, col), value, m) for m in messages]
    return found


def _check_route_row(number, values, unread, groups, position) -> tuple[_RouteRows | None, list[RowError]]:
    """The route of a row (its group, new at the route's first row) and the row's route errors."""
    pairing, name = values.get("pairing"), values.get("name")
    if pairing is None or name is None:
        return None, []
    group = groups.get((pairing.pk, name))
    if group is not None:  # a later row of the route: its route fields must agree with the first row's
        by_field = {c.field: c for c in ROUTE_COLUMNS}
        message = gettext("与同一线路的第 %(row)s 行（%(value)s）不一致：同一线路的各行须填写相同的值")
        return group, [
            RowError(
                number, cell_where(position, by_field[f]), values[f], message % {"row": group.first, "value": first}
            )
            for f in ROUTE_VALUE_FIELDS
            if f in values and (first := group.values.get(f)) is not None and values[f] != first
        ]
    route_values = {f: values.get(f) for f in ROUTE_FIELDS}
    route = Route(**route_values)
    errors, days_valid = [], "days" not in unread
    try:
        route.clean_fields(exclude=["pairing", *unread])
    except ValidationError as exc:
        errors = _errors_in(exc, number, position, ROUTE_COLUMNS, values)
        days_valid = days_valid and "days" not in exc.message_dict
    groups[(pairing.pk, name)] = group = _RouteRows(number, route_values, route, days_valid)
    return group, errors


def _check_stop_row(number, values, unread, group, refs: RouteRefs, position) -> list[RowError]:
    """A stop's errors: its resource exists and may be seen, then ``Stop.clean`` (its day within the route's days,
    the resource in the pairing), and its place (day, order) once in the route."""
    by_field = {c.field: c for c in ROUTE_COLUMNS}
    errors: list[RowError] = []
    resource = None
    if values.get("resource_region") is not None and values.get("resource_name") is not None:
        try:
            resource = refs.resource(values["resource_region"], values["resource_name"])
        except ValueError as exc:
            where = cell_where(position, by_field["resource_name"])
            errors.append(RowError(number, where, values["resource_name"], str(exc)))
    stop = Stop(day=values.get("day"), order=values.get("order"), note=values.get("note") or "")
    if resource is not None:
        stop.resource = resource
    if group is not None and group.days_valid:
        stop.route = group.route
    for check in (lambda: stop.clean_fields(exclude=["route", "resource", *unread]), stop.clean):
        try:
            check()
        except ValidationError as exc:
            errors += _errors_in(exc, number, position, ROUTE_COLUMNS, values)
    if group is None or "day" in unread or "order" in unread:
        return errors
    place = (stop.day, stop.order)
    if place in group.places:
        message = gettext("与第 %(row)s 行重复：同一线路第 %(day)s 天已有顺序为 %(order)s 的站点")
        reason = message % {"row": group.places[place], "day": stop.day, "order": stop.order}
        errors.append(RowError(number, cell_where(position, by_field["order"]), stop.order, reason))
    else:
        group.places[place] = number
    if not errors:
        group.stops.append(stop)
    return errors


def _stop_keys(stops) -> list[tuple]:
    return sorted((s.day, s.order, s.resource_id, s.note) for s in stops)


def import_routes(*, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress):
    """Check every row of a routes file; if all are good (and this is not a dry run) create or update the draft
    routes and replace their stops, in one transaction. Raises UserFacingError with ``details["errors"]`` (row,
    column, value, reason) when any row is bad, or when the file would change a route that is not a draft."""
    if not scoping.may(user, scoping.Action.CHANGE):
        raise UserFacingError(gettext("您的角色不能导入数据"))
    header, body = read_table(data, filename, ROUTE_SPEC.sheet)
    position, errors = read_header(ROUTE_COLUMNS, header)
    rows = filled_rows(body)
    total = len(rows)
    steps = total if dry_run else total * 2
    progress(0, steps, "校验中")
    refs = RouteRefs(user)
    refs.load(ROUTE_COLUMNS, rows, position)

    groups: dict[tuple[int, str], _RouteRows] = {}
    for done, (number, cells) in enumerate(rows, start=1):
        values, row_errors = parse_row(ROUTE_SPEC, position, number, cells, lambda col, raw: parse_cell(col, raw, refs))
        unread = {c.field for c in ROUTE_COLUMNS} - values.keys()
        group, route_errors = _check_route_row(number, values, unread, groups, position)
        row_errors += route_errors
        row_errors += _check_stop_row(number, values, unread & set(STOP_FIELDS), group, refs, position)
        errors += row_errors
        if done % 200 == 0 or done == total:
            progress(done, steps, "校验中")

    # what is stored: a route that would change must be a draft
    stored: dict[tuple[int, str], Route] = {}
    if groups:
        names = sorted({name for _p, name in groups})
        wanted = scoping.scope(user, Route, scoping.Action.CHANGE).filter(
            pairing_id__in=sorted({p for p, _n in groups}), name__in=names
        )
        stored = {(r.pairing_id, r.name): r for r in wanted.prefetch_related("stops")}
    new, changed, unchanged = [], [], 0
    name_col = next(c for c in ROUTE_COLUMNS if c.field == "name")
    for key, group in groups.items():
        route = stored.get(key)
        if route is None:
            new.append(group)
            continue
        changes = {f: group.values[f] for f in ROUTE_VALUE_FIELDS if getattr(route, f) != group.values[f]}
        new_stops = _stop_keys(group.stops) != _stop_keys(route.stops.all())
        if not changes and not new_stops:
            unchanged += 1
        elif route.status != Status.DRAFT:
            message = str(NOT_DRAFT) % {"name": route.name}
            errors.append(RowError(group.first, cell_where(position, name_col), route.name, message))
        else:
            changed.append((group, route, changes, new_stops))
    if errors:
        progress(total, total, "校验完成，有错误")
        raise refusal(errors, dry_run=dry_run)

    counts = {"rows": total, "routes": len(groups), "created": len(new), "updated": len(changed)}
    result = {**counts, "unchanged": unchanged, "dry_run": dry_run}
    if dry_run:
        result["summary"] = (
            gettext(
                "试导入通过：共 %(rows)s 行、%(routes)s 条线路，将新增 %(created)s 条、更新 %(updated)s 条，"
                "%(unchanged)s 条无变化。未写入任何数据。"
            )
            % result
        )
        progress(total, steps, "试导入完成")
        return result

    progress(total, steps, "写入中")
    actor = audit_actor(user)
    try:
        with transaction.atomic(), set_actor(actor):
            stops: list[Stop] = []
            for group in new:
                route = group.route  # a draft without a creator: its audit entry names the importer
                route.full_clean()
                save_checked(route)
                stops += group.stops
            for group, route, changes, new_stops in changed:
                if changes:
                    try:
                        route = save_versioned(route, expected_version=route.version, changes=changes)
                    except StaleObjectError as exc:
                        message = gettext(
                            "第 %(row)s 行的线路「%(name)s」在导入过程中被他人修改，未写入任何数据，请重新导入"
                        )
                        raise UserFacingError(message % {"row": group.first, "name": route.name}) from exc
                if new_stops:
                    route.stops.all().delete()
                    for stop in group.stops:
                        stop.route = route
                    stops += group.stops
            bulk_create_logged(Stop, stops, actor=actor)
    except (IntegrityError, ValidationError) as exc:
        message = gettext("写入时与他人同时修改的线路冲突，未写入任何数据，请重新导入")
        raise UserFacingError(message) from exc
    progress(steps, steps, "导入完成")
    result["summary"] = (
        gettext(
            "导入完成：共 %(rows)s 行、%(routes)s 条线路，新增 %(created)s 条、更新 %(updated)s 条，"
            "%(unchanged)s 条无变化。"
        )
        % result
    )
    return result


def route_template(user) -> bytes:
    return template_bytes(ROUTE_SPEC, RouteRefs(user).lists(ROUTE_COLUMNS), ROUTE_RULES)


# --- jobs -------------------------------------------------------------------------------------------------------

IMPORTS = {"resources": import_resources, "routes": import_routes}
NOUNS = {"resources": _("红色文化资源"), "routes": _("精品线路")}


def import_kind(*, kind: str, user, data: bytes, filename: str, dry_run: bool, progress: Progress = no_progress):
    return IMPORTS[kind](user=user, data=data, filename=filename, dry_run=dry_run, progress=progress)


def start_import(*, kind: str, user, upload, dry_run: bool, next_url: str = "", back_url: str = ""):
    """Start an import job of resources or routes for an uploaded file."""
    return import_job(
        job_kind=f"culture.{kind}.import",
        noun=str(NOUNS[kind]),
        user=user,
        upload=upload,
        dry_run=dry_run,
        next_url=next_url,
        back_url=back_url,
        run=import_kind,
        params={"kind": kind},
    )
