"""Projects' and activities' tables: their columns and import specs, the lookups their cells name (pairings the user
may record for, key tasks, counties), and the import and export jobs. The machinery is ``core.tables``.

A row is matched to what is stored by its natural key (结对编号 + 项目名称 for projects; 结对编号 + 类型 + 日期 +
标题 for activities).
"""

import datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.jobs import start_job
from duikou.core.tables import (
    YES_NO_HINT,
    Column,
    Hint,
    Progress,
    Spec,
    cell_code,
    cell_text,
    choice_column,
    choice_hint,
    choice_labels,
    column_codes,
    export_table,
    import_job,
    import_rows,
    in_chinese,
    multi_column,
    no_progress,
    template_bytes,
)
from duikou.geo.models import Region
from duikou.pairings.models import Pairing
from duikou.policy.models import Task

from . import queries
from .models import KIND_FIELDS, TYPED_FIELDS, Activity, FundingSource, FundTransaction, Industry, Project
from .services import ACTIVITY_FIELDS, PROJECT_FIELDS

# --- columns ------------------------------------------------------------------------------------------------


def _field(model, name: str):
    return model._meta.get_field(name)


def pairing_label(pairing: Pairing) -> str:
    return f"{pairing.code} {pairing.old_region.name}—{pairing.partner_region.name}"


PAIRING_COL = Column(
    N_("结对编号"),
    "pairing",
    "coded",
    True,
    help=Hint(_("从下拉列表选择，如「%(example)s」"), example="N09 信阳市—苏州市"),
    width=24,
    label=pairing_label,
)
KEY_TASK_COL = Column(
    N_("重点任务"),
    "key_task",
    "coded",
    True,
    help=Hint(_("从下拉列表选择，如「%(example)s」"), example="KT5 共同建设产业合作平台载体"),
    width=30,
)
AMOUNT_HELP = _("不小于 0 的数字，最多两位小数；空白按 0")

PROJECT_COLUMNS: tuple[Column, ...] = (
    PAIRING_COL,
    Column(N_("项目名称"), "name", "text", True, max_length=200, help=_("同一结对关系下不能重名"), width=30),
    choice_column(N_("产业"), "industry", Industry, required=True),
    KEY_TASK_COL,
    Column(
        N_("所在县区代码"),
        "location",
        "county",
        True,
        help=Hint(_("县级区划代码，如「%(example)s」或「%(code)s」"), example="411526 潢川县", code="411526"),
        width=20,
    ),
    Column(
        N_("共建园区"),
        "park",
        "text",
        max_length=120,
        help=Hint(_("如 %(examples)s"), examples="豫东南高新区"),
        width=18,
    ),
    Column(N_("计划投资（万元）"), "investment_planned", "decimal", help=AMOUNT_HELP),
    Column(N_("签约投资（万元）"), "investment_signed", "decimal", help=AMOUNT_HELP),
    Column(N_("到位资金（万元）"), "investment_in_place", "decimal", help=_("不小于 0，且不超过签约投资；空白按 0")),
    multi_column(N_("资金来源"), "funding_sources", FundingSource),
    Column(N_("用地指标重点保障"), "land_quota_guarantee", "bool", help=YES_NO_HINT),
    choice_column(N_("状态"), "status", Project.Status, required=True),
    Column(N_("备注"), "note", "text", help="", width=30),
    Column(N_("项目起始日期"), "start_date", "date", help=_("如 2024-01-01；空白时按结对期限的起始年份")),
    Column(N_("项目截止日期"), "end_date", "date", help=_("如 2030-12-31；空白时按结对期限的截止年份")),
)


@in_chinese
def _typed_columns() -> list[Column]:
    """One column per typed field of an activity (headed by its verbose name in Chinese), with the kinds that need
    it in its help text."""
    columns = []
    for name in TYPED_FIELDS:
        f = _field(Activity, name)
        kinds = [str(Activity.Kind(k).label) for k in KIND_FIELDS if name in KIND_FIELDS[k]]
        label = str(f.verbose_name)
        if f.choices:
            hint = Hint(_("%(kinds)s必填"), kinds=kinds)
            columns.append(Column(label, name, "choice", choices=choice_labels(f.choices), help=hint))
        elif isinstance(f, models.DecimalField):
            columns.append(Column(label, name, "decimal", help=Hint(_("%(kinds)s必填；不小于 0"), kinds=kinds)))
        elif isinstance(f, models.IntegerField):
            columns.append(Column(label, name, "count", help=Hint(_("%(kinds)s必填；不小于 0 的整数"), kinds=kinds)))
        else:
            hint = Hint(_("%(kinds)s必填"), kinds=kinds)
            columns.append(Column(label, name, "text", max_length=f.max_length, help=hint, width=20))
    return columns


ACTIVITY_COLUMNS: tuple[Column, ...] = (
    PAIRING_COL,
    Column(
        N_("类型"),
        "kind",
        "choice",
        True,
        choices=choice_labels(Activity.Kind.choices),
        help=choice_hint(Activity.Kind, _("从下拉列表选择：%(labels)s；只填写该类型对应的列")),
    ),
    KEY_TASK_COL,
    Column(N_("日期"), "date", "date", True, help=_("如 2024-05-20")),
    Column(N_("标题"), "title", "text", True, max_length=200, width=30),
    *_typed_columns(),
    Column(N_("备注"), "note", "text", width=30),
)


def project_label(project: Project) -> str:
    return f"{project.pairing.code} {project.name}"


FUND_COLUMNS: tuple[Column, ...] = (
    Column(
        N_("项目"),
        "project",
        "coded",
        True,
        help=Hint(_("从下拉列表选择：结对编号和项目名称，如「%(example)s」"), example="N09 潢川电子产业园"),
        width=32,
        label=project_label,
    ),
    choice_column(N_("类型"), "kind", FundTransaction.Kind, required=True),
    Column(N_("日期"), "date", "date", True, help=_("须在项目起止日期内，如 2024-05-20")),
    Column(N_("金额（万元）"), "amount_wan", "decimal", True, help=_("大于 0 的数字，最多两位小数")),
    choice_column(N_("资金来源"), "source", FundingSource, required=True),
    Column(N_("提供方"), "provider", "text", max_length=120, help=_("出资或拨付资金的单位"), width=24),
    Column(N_("接收方"), "receiver", "text", max_length=120, help=_("接收资金的单位"), width=24),
    Column(N_("文号或凭证号"), "reference", "text", max_length=80, width=20),
    Column(N_("备注"), "note", "text", width=30),
)


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
        self.user = user
        self._projects: dict[tuple[str, str], Project] | None = None

    def projects(self) -> dict[tuple[str, str], Project]:
        """The projects the user may record transactions for, by (pairing code, name); loaded when first needed."""
        if self._projects is None:
            qs = queries.projects_for(self.user, action=scoping.Action.CHANGE).select_related("pairing")
            self._projects = {(p.pairing.code, p.name): p for p in qs}
        return self._projects

    def load(self, columns, rows: list[tuple[int, list]], position: dict[str, int]) -> None:
        """The counties the rows' county cells name, in one query per 500."""
        codes = set().union(*(column_codes(rows, position, c) for c in columns if c.kind == "county"))
        wanted = sorted(c for c in codes if c.isdigit() and len(c) <= 12)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            self.counties.update({r.code: r for r in Region.objects.filter(code__in=chunk).select_related("parent")})

    def parse(self, col: Column, raw):
        code = cell_code(raw)
        if col.field == "pairing":
            pairing = self.pairings.get(code)
            if pairing is None:
                raise ValueError(f"结对编号「{code}」不存在，或您无权为该结对关系填报")
            return pairing
        if col.field == "key_task":
            task = self.tasks.get(code) or self.tasks.get(cell_text(raw))
            if task is None:
                codes = "、".join(t.code for c, t in self.tasks.items() if c == t.code)
                raise ValueError(f"「{cell_text(raw)}」不是重点任务（可选：{codes}）")
            return task
        if col.field == "project":
            text = cell_text(raw)
            parts = text.split(maxsplit=1)
            project = self.projects().get((parts[0], parts[1].strip()) if len(parts) == 2 else (text, ""))
            if project is None:
                raise ValueError(f"项目「{text}」不存在，或您无权为该项目填报（须写作「结对编号 项目名称」）")
            return project
        if col.kind == "county":
            region = self.counties.get(code)
            if region is None:
                raise ValueError(f"区划代码「{code}」不存在")
            if region.level != Region.Level.COUNTY:
                raise ValueError(f"「{region.name}」（{code}）是{region.get_level_display()}，须填写县级区划代码")
            return region
        raise ValueError(f"unknown column kind {col.kind}")  # a programming error, not the user's

    def lists(self, columns) -> dict[str, list[str]]:
        """The template's dropdowns: the pairings, key tasks and (for a county column) counties of the pairings."""
        lists = {
            "pairing": [pairing_label(p) for p in self.pairings.values()],
            "key_task": [f"{t.code} {t.name}" for code, t in self.tasks.items() if code == t.code],
        }
        if any(c.field == "project" for c in columns):
            lists["project"] = [project_label(p) for p in self.projects().values()]
        if any(c.kind == "county" for c in columns):
            sides = (side for p in self.pairings.values() for side in (p.old_region, p.partner_region))
            counties = []
            for prefix in sorted({side.prefix for side in sides}):
                counties += Region.objects.filter(level=Region.Level.COUNTY, code__startswith=prefix).order_by("code")
            lists["county"] = [f"{r.code} {r.name}" for r in counties]
        return lists


# --- importing ------------------------------------------------------------------------------------------------


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
        "start_date": None,
        "end_date": None,
        "park": "",
        "note": "",
    },
    references=Refs,
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
    references=Refs,
)


FUND_SPEC = Spec(
    model=FundTransaction,
    columns=FUND_COLUMNS,
    sheet="资金往来",
    key=("project_id", "kind", "date", "amount_wan", "source", "reference"),
    fields=("provider", "receiver", "note"),
    noun="资金往来",
    duplicate="与第 {row} 行重复（同一项目、类型、日期、金额、资金来源和文号）",
    defaults={"provider": "", "receiver": "", "reference": "", "note": ""},
    references=Refs,
    current=lambda qs: qs.filter(status=FundTransaction.Status.ACTIVE),
)


def import_projects(*, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress):
    return import_rows(PROJECT_SPEC, user=user, data=data, filename=filename, dry_run=dry_run, progress=progress)


def import_activities(*, user, data: bytes, filename: str, dry_run: bool = False, progress: Progress = no_progress):
    return import_rows(ACTIVITY_SPEC, user=user, data=data, filename=filename, dry_run=dry_run, progress=progress)


# --- templates and jobs -----------------------------------------------------------------------------------


def template_for(spec: Spec, user) -> bytes:
    """A blank import template of ``spec``, with the dropdowns of what ``user`` may record for."""
    return template_bytes(spec, Refs(user).lists(spec.columns))


SPECS = {"projects": PROJECT_SPEC, "activities": ACTIVITY_SPEC, "funds": FUND_SPEC}
NOUNS = {"projects": _("重大项目"), "activities": _("合作活动"), "funds": _("资金往来")}


def start_import(*, kind: str, user, upload, dry_run: bool, next_url: str = "", back_url: str = ""):
    """Start an import job of projects or activities for an uploaded file."""
    return import_job(
        job_kind=f"{kind}.import",
        noun=str(NOUNS[kind]),
        user=user,
        upload=upload,
        dry_run=dry_run,
        next_url=next_url,
        back_url=back_url,
        run=import_kind,
        params={"kind": kind},
    )


def import_kind(*, kind: str, user, data: bytes, filename: str, dry_run: bool, progress: Progress = no_progress):
    return import_rows(SPECS[kind], user=user, data=data, filename=filename, dry_run=dry_run, progress=progress)


def export_queryset(kind: str, user, filters: dict):
    if kind == "projects":
        return queries.projects_for(user, **filters)
    if kind == "funds":  # the transactions in force: a cancelled one is kept on its project's page, not exported
        return queries.fund_transactions_for(user, **filters, status=FundTransaction.Status.ACTIVE)
    return queries.activities_for(user, **filters)


def export_file(*, kind: str, user, filters: dict, fmt: str, progress: Progress = no_progress) -> tuple[str, bytes]:
    """The file name and content of an export of what ``user`` may see, filtered."""
    if fmt not in ("xlsx", "csv"):
        raise UserFacingError("导出格式只能是 xlsx 或 csv")
    content = export_table(SPECS[kind], export_queryset(kind, user, filters), fmt=fmt, progress=progress)
    return f"{kind}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}", content


def start_export(*, kind: str, user, filters: dict, fmt: str):
    """Start an export job; the worker chooses the rows through the scoping layer, as the job's user."""
    if fmt not in ("xlsx", "csv"):
        raise UserFacingError("导出格式只能是 xlsx 或 csv")
    return start_job(
        kind=f"{kind}.export",
        title=gettext("导出%(noun)s（%(format)s）") % {"noun": NOUNS[kind], "format": fmt},
        user=user,
        fn=export_job,
        params={"kind": kind, "filters": {k: _plain(v) for k, v in filters.items()}, "fmt": fmt},
    )


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


DATE_FILTERS = ("since", "until")


def export_job(*, user, progress, kind: str, filters: dict, fmt: str) -> dict:
    filters = {k: datetime.date.fromisoformat(v) if k in DATE_FILTERS and v else v for k, v in filters.items()}
    qs = export_queryset(kind, user, filters)
    content = export_table(SPECS[kind], qs, fmt=fmt, progress=progress)
    filename = f"{kind}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"
    summary = gettext("已导出%(noun)s，共 %(n)s 条") % {"noun": NOUNS[kind], "n": qs.count()}
    return {"_file": (filename, content), "filename": filename, "summary": summary}
