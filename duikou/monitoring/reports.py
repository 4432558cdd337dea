"""The periodic monitoring report of a national key assistance county (国家乡村振兴重点帮扶县, seed 004 专栏1).

Seed 004 二(四) (clause ``ssw-2021-xczx/2/4``): 建立跟踪监测机制，对乡村振兴重点帮扶县进行定期监测评估.
The report gives, for one county and one period (a year or a quarter), the counts and flows of its cases by
township, the cases overdue today and the assistance measures started in the period by kind, as .xlsx and as an
official-style .docx. Counts come from the same scoped, database-aggregated queries as the dashboard. No personal
data enters the report but household numbers and masked head-of-household names.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from duikou.accounts import scoping
from duikou.core import documents as layout
from duikou.core import pii
from duikou.core.documents import cn_date
from duikou.core.errors import UserFacingError
from duikou.core.exports import safe_row
from duikou.geo.models import Designation, Region

from . import queries
from .models import Alert, AssistanceMeasure

CLAUSE = "ssw-2021-xczx/2/4"  # seed 004 二(四): 建立跟踪监测机制，对乡村振兴重点帮扶县进行定期监测评估
COLUMNS = [
    ("new", gettext_noop("新增预警")),
    ("verifying", gettext_noop("核实认定中")),
    ("monitored", gettext_noop("监测帮扶中")),
    ("eliminated", gettext_noop("风险消除")),
    ("dismissed", gettext_noop("核实排除")),
    ("overdue", gettext_noop("逾期")),
]


def column_labels() -> list[str]:
    return [_(label) for _key, label in COLUMNS]


def key_designation(county: Region) -> Designation | None:
    """The county's 专栏1 entry, or None when it is not a national key assistance county."""
    return Designation.objects.filter(kind=Designation.Kind.ASSIST_COUNTY, region=county).first()


def key_designation_code(code: str) -> bool:
    """Whether the county with this code is in 专栏1 (the dashboard offers the report only then)."""
    return Designation.objects.filter(kind=Designation.Kind.ASSIST_COUNTY, region_id=code).exists()


def county_in_scope(user, code: str) -> Region:
    """A county the user answers for (the county itself or any level above it); 404 otherwise."""
    county = scoping.get_for(user, Region.objects.filter(level=Region.Level.COUNTY), code=code)
    prefix = scoping.region_prefix(user)
    if not scoping.may(user, scoping.Action.VIEW) or (prefix is not None and not county.code.startswith(prefix)):
        raise Http404("county not in scope")
    return county


def period_label(year: int, quarter: int | None) -> str:
    return _("%(year)s年第%(q)s季度") % {"year": year, "q": quarter} if quarter else _("%(year)s年") % {"year": year}


@dataclass
class CountyReport:
    county: Region
    designation: Designation
    year: int
    quarter: int | None
    start: datetime.date
    end: datetime.date
    rows: list[tuple[str, str, list[int]]]  # (township code, name, counts in COLUMNS order)
    totals: list[int]
    overdue: list[list[str]]  # township, village, household number, masked head, status, due date, days late
    measures: list[tuple[str, int]]  # kind label, count
    channels: list[tuple[str, int]] = field(default_factory=list)  # way in, cases opened in the period
    timeliness: list[list] = field(default_factory=list)  # step, taken, mean days waited, taken late, overdue now
    generated: datetime.date = field(default_factory=timezone.localdate)

    @property
    def period(self) -> str:
        return period_label(self.year, self.quarter)

    @property
    def title(self) -> str:
        return _("%(county)s防止返贫动态监测定期报告（%(period)s）") % {
            "county": self.county.name,
            "period": self.period,
        }


def county_report(*, user, county: Region, year: int, quarter: int | None = None) -> CountyReport:
    """Gather the report of a 专栏1 county; a county outside 专栏1 is refused with a message saying so."""
    scoping.require(user, scoping.Action.VIEW)
    prefix = scoping.region_prefix(user)
    if prefix is not None and not county.code.startswith(prefix):
        raise PermissionDenied
    designation = key_designation(county)
    if designation is None:
        raise UserFacingError(
            _("%(county)s不在 004 专栏1 国家乡村振兴重点帮扶县名单中，没有定期监测报告。") % {"county": county.name}
        )
    if quarter not in (None, 1, 2, 3, 4):
        raise UserFacingError(_("季度应为 1 至 4"))
    start, end = queries.period_bounds(year, quarter)
    counts = list(queries.dashboard_counts(user, area=county.code, start=start, end=end))
    names = queries.region_names(user, [c["key"] for c in counts])
    rows = [(c["key"], names[c["key"]], [c[k] for k, _label in COLUMNS]) for c in counts]
    totals = [sum(r[2][i] for r in rows) for i in range(len(COLUMNS))]
    today = timezone.localdate()
    overdue = [
        [
            a.household.township.name,
            a.household.village.name,
            a.household.number,
            pii.mask_name(a.household.head_name),
            a.get_status_display(),
            a.deadline.isoformat(),
            str((today - a.deadline).days),
        ]
        for a in queries.alerts_for(user, area=county.code, overdue=True)
    ]
    kinds = dict(AssistanceMeasure.Kind.choices)
    by_kind = {m["kind"]: m["n"] for m in queries.measures_by_kind(user, area=county.code, start=start, end=end)}
    measures = [(str(label), by_kind.get(kind, 0)) for kind, label in kinds.items()]
    opened = queries.channel_counts(user, area=county.code, start=start, end=end)
    channels = [(str(label), opened.get(value, 0)) for value, label in Alert.Channel.choices]
    timeliness = [
        [str(r["label"]), r["taken"], "—" if r["mean_days"] is None else r["mean_days"], r["late"], r["overdue_now"]]
        for r in queries.step_timeliness(user, area=county.code, start=start, end=end)
    ]
    return CountyReport(
        county, designation, year, quarter, start, end, rows, totals, overdue, measures, channels, timeliness
    )


def _timeliness_header() -> list[str]:
    return [_("步骤"), _("办理次数"), _("平均等待（天）"), _("逾期办理"), _("当前逾期未办")]


def _overdue_header() -> list[str]:
    return [_("乡镇"), _("行政村"), _("户编号"), _("户主（脱敏）"), _("状态"), _("期限"), _("逾期天数")]


def report_xlsx(report: CountyReport) -> bytes:
    """Four sheets: the summary with the source, counts by township, overdue cases, measures by kind."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("概况")
    bold = Font(bold=True)
    sheet.append(safe_row([report.title]))
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in (
        (_("县（市、区）"), f"{report.county.name}（{report.county.code}）"),
        (
            _("统计期"),
            f"{report.period}（{report.start:%Y-%m-%d} 至 {report.end - datetime.timedelta(days=1):%Y-%m-%d}）",
        ),
        (_("名录依据"), f"{report.designation.get_kind_display()}，{report.designation.source}"),
        (_("生成日期"), report.generated.isoformat()),
        (_("口径"), _("新增预警、风险消除、核实排除为统计期内发生数；核实认定中、监测帮扶中、逾期为生成日的在办数")),
    ):
        sheet.append(safe_row([label, value]))
    sheet.append([])
    sheet.append([_("指标"), _("合计")])
    for (_key, label), value in zip(COLUMNS, report.totals, strict=True):
        sheet.append(safe_row([_(label), value]))
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 70

    def table(title: str, header: list[str], rows) -> None:
        ws = book.create_sheet(title)
        ws.append(safe_row(header))
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
        for row in rows:
            ws.append(safe_row(row))
        ws.freeze_panes = "A2"
        for i in range(len(header)):
            ws.column_dimensions[chr(65 + i)].width = 16

    table(
        _("分乡镇"),
        [_("区划代码"), _("乡镇"), *column_labels()],
        [[code, name, *counts] for code, name, counts in report.rows] + [["", _("合计"), *report.totals]],
    )
    table(_("逾期案件"), _overdue_header(), report.overdue)
    table(_("帮扶措施"), [_("措施类别"), _("统计期内新增")], report.measures)
    table(_("发现渠道"), [_("发现渠道"), _("统计期内新增案件")], report.channels)
    table(_("办理时效"), _timeliness_header(), report.timeliness)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_docx(report: CountyReport) -> bytes:
    """The report as an official-style document (the GB/T 9704 layout of core.documents)."""
    doc = layout.document()
    layout.title(doc, report.title)
    t = dict(zip([k for k, _label in COLUMNS], report.totals, strict=True))
    layout.para(
        doc,
        _(
            "《“十四五”支持革命老区巩固拓展脱贫攻坚成果衔接推进乡村振兴实施方案》二(四)要求"
            "“建立跟踪监测机制，对乡村振兴重点帮扶县进行定期监测评估”。现将%(county)s（%(source)s）"
            "%(period)s防止返贫动态监测情况报告如下。"
        )
        % {"county": report.county.name, "source": report.designation.source, "period": report.period},
    )
    layout.heading(doc, 1, _("总体情况"))
    layout.para(
        doc,
        _(
            "统计期内新增返贫致贫风险预警 %(new)s 户，风险消除 %(eliminated)s 户，核实排除 %(dismissed)s 户。"
            "截至 %(today)s，核实认定中 %(verifying)s 户，监测帮扶中 %(monitored)s 户，逾期未办结 %(overdue)s 户。"
        )
        % {**t, "today": cn_date(report.generated)},
    )
    layout.heading(doc, 2, _("分乡镇情况"))
    layout.table(
        doc,
        [_("乡镇"), *column_labels()],
        [[name, *counts] for _code, name, counts in report.rows] + [[_("合计"), *report.totals]],
    )
    layout.heading(doc, 3, _("逾期案件"))
    if report.overdue:
        layout.para(doc, _("以下案件已超过当前步骤期限，请督促办理（户主姓名已脱敏）。"))
        layout.table(doc, _overdue_header(), report.overdue)
    else:
        layout.para(doc, _("无逾期案件。"))
    layout.heading(doc, 4, _("帮扶措施"))
    layout.para(doc, _("统计期内新增帮扶措施 %(n)s 项，按类别如下。") % {"n": sum(n for _k, n in report.measures)})
    layout.table(doc, [_("措施类别"), _("统计期内新增")], [[label, n] for label, n in report.measures])
    layout.heading(doc, 5, _("发现渠道"))
    layout.para(
        doc,
        _("统计期内新增案件 %(n)s 个，按发现渠道（农户自主申报、基层干部排查、部门筛查预警）如下。")
        % {"n": sum(n for _label, n in report.channels)},
    )
    layout.table(doc, [_("发现渠道"), _("统计期内新增案件")], [[label, n] for label, n in report.channels])
    layout.heading(doc, 6, _("办理时效"))
    layout.para(doc, _("统计期内各步骤的办理次数、平均等待天数和逾期情况如下；期限按工作日计算。"))
    layout.table(doc, _timeliness_header(), report.timeliness)
    layout.signature(doc, _("对口合作平台（自动生成）"), cn_date(report.generated))
    return layout.docx_bytes(doc)
