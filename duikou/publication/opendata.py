"""The open data: each public table with its columns (a code and its label side by side, so a reader needs no code
list), the date each row is filtered by, and its rows from the public reads (``site``). The CSV and JSON downloads,
the column dictionary page and the public API all read these definitions, so they always agree.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from duikou.evaluation.models import Grade, Reporting
from duikou.pairings.models import Pairing
from duikou.projects.models import Industry, Project

from . import site


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    description: str
    kind: str = "text"  # text, number, date, code, list


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    date: str  # what the date range filters on
    columns: tuple[Column, ...]
    rows: Callable[[datetime.date | None, datetime.date | None], Iterable[dict]]


def in_range(day, start, end) -> bool:
    if day is None:
        return start is None and end is None
    if isinstance(day, datetime.datetime):
        day = day.date()
    return (start is None or day >= start) and (end is None or day <= end)


def _pairing_columns() -> tuple[Column, ...]:
    return (
        Column("pairing_code", _("结对编号"), _("平台内结对关系编号"), "code"),
        Column("pairing", _("结对关系"), _("革命老区方——支持方")),
    )


DEMO = Column("demo", _("示例数据"), _("1：演示用的示例数据，不是真实的工作成果；0：真实数据"), "number")


def _pairing_cells(p: Pairing) -> dict:
    return {"pairing_code": p.code, "pairing": str(p)}


def _pairings(start, end):
    for p in site.public_pairings():
        if in_range(p.valid_from, start, end):
            yield {
                "code": p.code,
                "level": p.level,
                "level_label": str(p.get_level_display()),
                "old_region_code": p.old_region_id,
                "old_region": p.old_region.display_name,
                "old_area": p.old_area.display_name if p.old_area_id else "",
                "partner_region_code": p.partner_region_id,
                "partner_region": p.partner_region.display_name,
                "start_year": p.start_year,
                "end_year": p.end_year,
                "valid_from": p.valid_from,
            }


def _plans(start, end):
    demo = site.demo_items()
    for plan in site.published_plans():
        if in_range(plan.filed_at, start, end):
            yield {
                **_pairing_cells(plan.pairing),
                "title": plan.title,
                "kind": plan.kind,
                "kind_label": str(plan.get_kind_display()),
                "start_year": plan.start_year,
                "end_year": plan.end_year,
                "revision": plan.revision,
                "filed_at": plan.filed_at.date() if plan.filed_at else None,
                "demo": int(("plan", plan.pk) in demo),
            }


def _projects(start, end):
    demo = site.demo_items()
    for p in site.published_projects().order_by("pairing__code", "name"):
        published = p.publications.filter(status=site.OPEN).values_list("published_at", flat=True).first()
        if in_range(published, start, end):
            yield {
                **_pairing_cells(p.pairing),
                "name": p.name,
                "industry": p.industry,
                "industry_label": str(Industry(p.industry).label) if p.industry in Industry.values else p.industry,
                "key_task": p.key_task_id,
                "key_task_label": p.key_task.display_name,
                "location_code": p.location_id,
                "location": p.location.display_name,
                "park": p.park,
                "investment_planned_wan": p.investment_planned,
                "investment_signed_wan": p.investment_signed,
                "investment_in_place_wan": p.investment_in_place,
                "status": p.status,
                "status_label": str(Project.Status(p.status).label),
                "funding_sources": ";".join(p.funding_sources or []),
                "funding_sources_label": ";".join(site.funding_labels(p)),
                "published_at": published.date() if published else None,
                "demo": int(("project", p.pk) in demo),
            }


def _figures(start, end):
    demo = site.demo_items()
    for pairing in site.public_pairings():
        for f in site.figures(pairing):
            for s in f.sources:
                if in_range(s["at"], start, end):
                    yield {
                        **_pairing_cells(pairing),
                        "indicator": f.figure.indicator.code,
                        "indicator_label": f.figure.indicator.display_name,
                        "unit": f.figure.indicator.display_unit,
                        "period": s["period"],
                        "value": s["value"],
                        "status": s["status_code"],
                        "status_label": s["status"],
                        "report": s["report"],
                        "accepted_by_unit": s["unit"],
                        "accepted_at": s["at"].date() if s["at"] else None,
                        "demo": int(("report", s["report_id"]) in demo),
                    }


def _results(start, end):
    for r in site.results():
        if in_range(r.run.published_at, start, end):
            scheme = r.run.scheme
            yield {
                **_pairing_cells(r.pairing),
                "year": scheme.year,
                "scheme": scheme.name,
                "level": scheme.level,
                "level_label": str(scheme.get_level_display()),
                "total": r.total,
                "rank": r.rank,
                "ranked_count": r.ranked_count,
                "grade": r.grade,
                "grade_label": str(Grade(r.grade).label) if r.grade else "",
                "reporting": r.reporting,
                "reporting_label": str(Reporting(r.reporting).label),
                "published_at": r.run.published_at.date() if r.run.published_at else None,
            }


def _commendations(start, end):
    for c in site.commendations():
        if in_range(c.run.published_at, start, end):
            yield {
                **_pairing_cells(c.pairing),
                "year": c.run.scheme.year,
                "scheme": c.run.scheme.name,
                "reason": c.reason,
                "published_at": c.run.published_at.date() if c.run.published_at else None,
            }


P = _pairing_columns()
TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "pairings",
            _("结对关系"),
            _("国家确定的结对关系（2022 年工作方案）和省级决定公开的省域内结对关系。"),
            _("生效日期"),
            (
                Column("code", _("结对编号"), _("平台内结对关系编号"), "code"),
                Column("level", _("层级代码"), _("national 国家确定；province 省域内结对"), "code"),
                Column("level_label", _("层级"), _("层级代码的名称")),
                Column("old_region_code", _("革命老区方区划代码"), _("统计用区划代码"), "code"),
                Column("old_region", _("革命老区方"), _("革命老区方城市名称")),
                Column("old_area", _("所属革命老区"), _("国发〔2021〕3号所列革命老区")),
                Column("partner_region_code", _("支持方区划代码"), _("统计用区划代码"), "code"),
                Column("partner_region", _("支持方"), _("支持方城市名称")),
                Column("start_year", _("起始年份"), _("结对期起始年份"), "number"),
                Column("end_year", _("截止年份"), _("结对期截止年份"), "number"),
                Column("valid_from", _("生效日期"), _("本结对记录生效日期"), "date"),
            ),
            _pairings,
        ),
        Table(
            "plans",
            _("实施方案"),
            _("已备案并经审批决定公开的实施方案（摘要）。"),
            _("备案日期"),
            (
                *P,
                Column("title", _("标题"), _("方案标题")),
                Column(
                    "kind",
                    _("类别代码"),
                    _("five_year 五年实施方案；special 专项实施方案；annual 年度工作计划"),
                    "code",
                ),
                Column("kind_label", _("类别"), _("类别代码的名称")),
                Column("start_year", _("起始年份"), _("方案期起始年份"), "number"),
                Column("end_year", _("截止年份"), _("方案期截止年份"), "number"),
                Column("revision", _("修订版次"), _("第几次修订（1 为初版）"), "number"),
                Column("filed_at", _("备案日期"), _("国家发展改革委备案日期"), "date"),
                DEMO,
            ),
            _plans,
        ),
        Table(
            "projects",
            _("重大项目"),
            _("经审批决定公开的对口合作重大项目及其投资情况（万元）。"),
            _("公开日期"),
            (
                *P,
                Column("name", _("项目名称"), _("项目名称")),
                Column("industry", _("产业代码"), _("项目所属产业的代码"), "code"),
                Column("industry_label", _("产业"), _("产业代码的名称")),
                Column("key_task", _("重点任务代码"), _("2022 年工作方案重点任务代码（KT1–KT5）"), "code"),
                Column("key_task_label", _("重点任务"), _("重点任务名称")),
                Column("location_code", _("所在县区代码"), _("统计用区划代码"), "code"),
                Column("location", _("所在县区"), _("所在县级行政区名称")),
                Column("park", _("共建园区"), _("共建园区名称（如有）")),
                Column("investment_planned_wan", _("计划投资（万元）"), _("计划总投资"), "number"),
                Column("investment_signed_wan", _("签约投资（万元）"), _("已签约投资"), "number"),
                Column("investment_in_place_wan", _("到位资金（万元）"), _("实际到位资金，不超过签约投资"), "number"),
                Column(
                    "status",
                    _("状态代码"),
                    _("reserve 储备；signed 签约；construction 在建；operating 建成投产；terminated 终止"),
                    "code",
                ),
                Column("status_label", _("状态"), _("状态代码的名称")),
                Column("funding_sources", _("资金来源代码"), _("以分号分隔"), "list"),
                Column("funding_sources_label", _("资金来源"), _("资金来源代码的名称，以分号分隔"), "list"),
                Column("published_at", _("公开日期"), _("决定公开的日期"), "date"),
                DEMO,
            ),
            _projects,
        ),
        Table(
            "figures",
            _("已审核指标数值"),
            _("经审批决定公开的填报报告中省级已审核或国家已接收的指标数值，附来源：报告、接收（审核）单位和日期。"),
            _("接收（审核）日期"),
            (
                *P,
                Column("indicator", _("指标代码"), _("指标库中的指标代码"), "code"),
                Column("indicator_label", _("指标"), _("指标名称")),
                Column("unit", _("单位"), _("计量单位")),
                Column("period", _("报告期"), _("年（2025）、季度（2025Q1）或月（2025M01）"), "code"),
                Column("value", _("数值"), _("该报告期的数值"), "number"),
                Column("status", _("状态代码"), _("approved 省级已审核；accepted 国家已接收"), "code"),
                Column("status_label", _("状态"), _("状态代码的名称")),
                Column("report", _("来源报告"), _("数据集名称和报告期")),
                Column("accepted_by_unit", _("接收（审核）单位"), _("接收或审核该报告的单位（不列个人）")),
                Column("accepted_at", _("接收（审核）日期"), _("国家接收日期，未接收的为省级审核日期"), "date"),
                DEMO,
            ),
            _figures,
        ),
        Table(
            "results",
            _("成效评估结果"),
            _("已发布的年度成效评估结果：总分、排名和等次。"),
            _("发布日期"),
            (
                *P,
                Column("year", _("评估年度"), _("评估的年度"), "number"),
                Column("scheme", _("评估方案"), _("评估方案名称")),
                Column("level", _("层级代码"), _("national 国家级；province 省级"), "code"),
                Column("level_label", _("层级"), _("层级代码的名称")),
                Column("total", _("总分"), _("评估总分；无应报数据的不计分"), "number"),
                Column("rank", _("排名"), _("在参加排名的结对关系中的名次"), "number"),
                Column("ranked_count", _("参加排名数"), _("本批次参加排名的结对关系个数"), "number"),
                Column("grade", _("等次代码"), _("评估等次代码"), "code"),
                Column("grade_label", _("等次"), _("等次代码的名称")),
                Column(
                    "reporting", _("填报情况代码"), _("reported 已填报；missed 未按时填报；none_due 无应报数据"), "code"
                ),
                Column("reporting_label", _("填报情况"), _("填报情况代码的名称")),
                Column("published_at", _("发布日期"), _("评估结果发布日期"), "date"),
            ),
            _results,
        ),
        Table(
            "commendations",
            _("通报表扬"),
            _("已发布的成效评估中列入通报表扬的结对关系。"),
            _("发布日期"),
            (
                *P,
                Column("year", _("评估年度"), _("评估的年度"), "number"),
                Column("scheme", _("评估方案"), _("评估方案名称")),
                Column("reason", _("表扬事由"), _("表扬事由")),
                Column("published_at", _("发布日期"), _("评估结果发布日期"), "date"),
            ),
            _commendations,
        ),
    ]
}


def register(table: Table) -> None:
    """Add another app's public table (the red-culture platform's) to the downloads, the dictionary and the API."""
    TABLES[table.name] = table


def rows(table: Table, start: datetime.date | None = None, end: datetime.date | None = None) -> list[dict]:
    """The table's rows whose date lies in [start, end] (either may be open), each with every column."""
    keys = [c.key for c in table.columns]
    return [{k: row.get(k) for k in keys} for row in table.rows(start, end)]


def json_value(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | float | bool):
        return str(value)
    return value
