"""The evaluation's documents: the report (.docx and PDF), the commendation list and rectification notices (.docx).

The page layout (GB/T 9704-2012: red letterhead, numbered sections, signature and date, page numbers) comes
from ``duikou.core.documents``; this module says what each document holds.

``report_data`` gathers what both report formats show, so the .docx and the PDF cannot drift apart.
"""

import base64
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from duikou.core import documents as layout
from duikou.core.documents import SANS, SERIF, cn, cn_date
from duikou.indicators.models import Indicator
from duikou.policy.models import Clause, Task
from duikou.policy.models import Document as PolicyDocument

from . import charts
from .models import Commendation, Notice, Result, Run, Scheme, ranking_order

WORK_PLAN = "fgzx-2022-766"  # 革命老区重点城市对口合作工作方案, 四(四) asks for the evaluation
EVALUATION_CLAUSE = "fgzx-2022-766/4/4"
COMMEND_QUOTE = "对于积极主动开展工作并取得明显成效的省（区、市）和城市，给予通报表扬并通过适当方式予以鼓励"
RECTIFY_QUOTE = "对于工作进展缓慢的，要提出明确整改要求并督促改进落实"


# ---- what the report shows ---------------------------------------------------------------------------------


@dataclass
class ReportRow:
    rank: int
    name: str
    task_scores: list[str]
    total: str
    grade: str
    topsis: str = "—"
    topsis_rank: str = "—"
    shift: str = "—"


@dataclass
class ReportData:
    run: Run
    title: str
    issuer: str
    date: str
    status_note: str
    overview: list[str]
    task_headers: list[str]
    task_note: str
    rows: list[ReportRow]
    ranking_png: bytes
    map_png: bytes | None
    radars: list[tuple[str, bytes]]
    has_topsis: bool
    topsis_note: str
    weights: list[tuple[str, str]] = field(default_factory=list)
    apart: list[tuple[str, list[str]]] = field(default_factory=list)  # (why nothing was due, of which pairings)
    apart_note: str = ""
    missed_note: str = ""
    charts_note: str = ""  # the line that stands where a ranking chart or map would have nothing to draw
    ranking_caption: str = ""
    map_caption: str = ""
    no_radars: list[str] = field(default_factory=list)  # a line for each pairing without a radar chart, and why
    # the cross-checks' (交叉核查) adjustments: pairing, item, score before, adjustment, score after, reviewer, reason
    adjustments: list[list[str]] = field(default_factory=list)


def _money(value) -> str:
    return f"{Decimal(str(value)):.2f}"


def _num(value) -> str:
    """A Decimal without trailing zeros: 20.00 → 20, 92.50 → 92.5."""
    return f"{Decimal(str(value)).normalize():f}"


def _issuer(run: Run, user=None) -> str:
    """The body that organised the evaluation: the publisher's (else the starter's) organisation."""
    user = user or run.published_by or run.started_by
    if user is not None and user.organisation_id:
        return user.organisation.name
    scheme = run.scheme
    return "国家发展改革委" if scheme.level == Scheme.Level.NATIONAL else f"{scheme.province.name}人民政府"


def _work_plan() -> str:
    doc = PolicyDocument.objects.filter(pk=WORK_PLAN).first()
    return f"《{doc.title}》（{doc.doc_number}）" if doc else "《革命老区重点城市对口合作工作方案》"


def _adjustments(run: Run) -> list[list[str]]:
    """Each score a cross-check adjusted, with the score before and after, who checked and why."""
    rows = []
    for s in (
        run.scores.filter(inputs__has_key="cross_check")
        .select_related("pairing__old_region", "pairing__partner_region", "item")
        .order_by("pairing__code", "item__order", "item_id")
    ):
        made = s.inputs["cross_check"]
        rows.append(
            [
                str(s.pairing),
                s.item.name,
                _money(made["before"]),
                _num(made["adjustment"]),
                _money(s.score),
                made["reviewer"],
                made["reason"],
            ]
        )
    return rows


def report_data(run: Run) -> ReportData:
    """Everything the report shows, computed once for both formats."""
    run = Run.objects.select_related("scheme__province", "published_by__organisation", "started_by__organisation").get(
        pk=run.pk
    )
    scheme = run.scheme
    with translation.override("zh-hans"):
        everyone = list(
            run.results.select_related("pairing__old_region", "pairing__partner_region", "run").order_by(
                *ranking_order()
            )
        )
        # the ranking, the charts and the figures are of the ranked pairings; those with no report due stand apart
        results = [r for r in everyone if r.ranked]
        apart = [r for r in everyone if not r.ranked]
        full = run.scheme.full_marks_by_task()
        radar_tasks = charts.key_tasks()
        # the table's columns: the five key tasks and any other task the scheme scores, so a row adds up
        tasks = list(Task.objects.filter(Q(kind=Task.Kind.KEY_TASK) | Q(code__in=list(full))).order_by("order", "code"))
        day = timezone.localdate(run.published_at) if run.published_at else timezone.localdate()
        issuer = _issuer(run)

        headers = [f"任务{cn(i)}（{_num(full.get(t.code, 0))}分）" for i, t in enumerate(tasks, 1)]
        task_note = "注：" + "；".join(f"任务{cn(i)}为{t.name}" for i, t in enumerate(tasks, 1)) + "。"
        topsis_ranked = [r for r in results if r.topsis_score is not None]
        rows = []
        for r in results:
            row = ReportRow(
                rank=r.rank,
                name=charts.pairing_name(r),
                task_scores=[_money((r.task_scores or {}).get(t.code, 0)) for t in tasks],
                total=_money(r.total),
                grade=charts.grade_text(r),
            )
            if r.topsis_score is not None:
                row.topsis = f"{r.topsis_score:.4f}"
                row.topsis_rank = str(r.topsis_rank or "—")
                if r.topsis_rank:
                    shift = r.rank - r.topsis_rank
                    row.shift = "0" if shift == 0 else f"{shift:+d}"
            rows.append(row)

        counts = {g: sum(1 for r in results if r.grade == g) for g in charts.GRADE_ORDER}
        overview = [
            f"根据{_work_plan()}关于组织开展工作成效评估的要求，{issuer}组织开展了{scheme.name}。"
            f"本次评估共{scheme.items.count()}项评估内容，覆盖{len([t for t in tasks if full.get(t.code)])}项任务，"
            f"满分{_num(sum(full.values(), Decimal(0)))}分；参评结对关系{len(results)}个"
            + (f"，另有{len(apart)}个结对关系本年度无应报数据，不参与排名" if apart else "")
            + "。",
        ]
        if results:
            best, worst = results[0], results[-1]
            average = sum((r.total for r in results), Decimal(0)) / len(results)
            overview.append(
                "评估结果："
                + "、".join(f"{charts.GRADE_LABELS[g]}{counts[g]}个" for g in charts.GRADE_ORDER)
                + (f"，其中未按时填报{sum(1 for r in results if r.missed)}个" if any(r.missed for r in results) else "")
                + f"。平均得分{average:.2f}分，最高{_money(best.total)}分（{charts.pairing_name(best)}），"
                f"最低{_money(worst.total)}分（{charts.pairing_name(worst)}）。"
            )
        overview.append(
            f"等次划分：总分{_num(scheme.excellent_min)}分及以上为优秀，{_num(scheme.good_min)}分至"
            f"{_num(scheme.excellent_min)}分（不含）为良好，{_num(scheme.fair_min)}分至{_num(scheme.good_min)}分（不含）"
            f"为一般，{_num(scheme.fair_min)}分以下为较差。"
        )
        if run.published:
            status_note = f"本报告依据第{run.number}次评估结果编制，结果已于{cn_date(day)}发布。"
        else:
            status_note = f"本报告依据第{run.number}次评估计算结果编制，结果尚未发布，仅供审核使用。"

        entropy = sorted((run.entropy_weights or {}).items(), key=lambda kv: -float(kv[1]))
        names = dict(Indicator.objects.filter(pk__in=[code for code, _w in entropy]).values_list("code", "name"))
        weights = [(names.get(code, code), f"{float(weight):.4f}") for code, weight in entropy]
        if topsis_ranked:
            moved = sum(1 for row in rows if row.shift not in ("0", "—"))
            topsis_note = (
                "为检验评估结果的稳健性，以各结对关系的指标实际值为决策矩阵，用熵权法确定客观权重，"
                "再用逼近理想解排序法（TOPSIS，向量归一化）计算各结对关系与理想解的相对贴近度并排序，"
                f"与方案计分排名对照。两种排名不一致的结对关系{moved}个，名次差为方案排名减TOPSIS排名"
                "（正数表示按客观赋权排名更靠前）。"
            )
        else:
            topsis_note = "本次评估未计算客观赋权对照（参评结对关系少于两个或方案没有指标类评估内容）。"

        missed = [r for r in results if r.missed]
        missed_note = (
            f"标注“未按时填报”的{len(missed)}个结对关系有到期未报的报告，照常计分、排名和评定等次，"
            "并按评估方案扣除未按期填报分。"
            if missed
            else ""
        )
        apart_rows: dict[str, list[str]] = {}  # why nothing was due → the pairings, so a reason is said once
        for r in apart:
            apart_rows.setdefault((r.reporting_note or "本年度无应报数据").rstrip("。"), []).append(
                charts.pairing_name(r)
            )
        apart_note = (
            f"以下{len(apart)}个结对关系在评估年度没有到期应报的数据，不计分、不排名、不评定等次，也不绘制雷达图。"
            if apart
            else ""
        )
        # a radar chart only where it has something to draw; in place of the others, one line says which and why
        radars, blank_missed, blank = [], [], []
        for r in results:
            name = charts.pairing_name(r)
            if charts.has_radar(r, full, radar_tasks):
                radars.append((name, charts.radar_chart(r, full=full, tasks=radar_tasks)))
            else:
                (blank_missed if r.missed else blank).append(name)
        no_radars = []
        if blank_missed:
            no_radars.append(
                f"以下{len(blank_missed)}个结对关系未按时填报，各项重点任务均无得分，未绘制雷达图：{'、'.join(blank_missed)}。"
            )
        if blank:
            no_radars.append(f"以下{len(blank)}个结对关系各项重点任务均无得分，未绘制雷达图：{'、'.join(blank)}。")
        if apart:
            names = "、".join(charts.pairing_name(r) for r in apart)
            no_radars.append(f"以下{len(apart)}个结对关系本年度无应报数据，未绘制雷达图：{names}。")
        try:
            map_png = charts.grade_map(run) if results else None
        except ValueError:
            map_png = None
        # the bars of the ranking chart are the totals: with every total 0 there would be nothing to see
        ranking_png = charts.ranking_chart(run) if any(r.total > 0 for r in results) else b""
        notes = []
        if not results:
            notes.append("本次评估没有参与排名的结对关系，未绘制排名图和等次分布示意图。")
        else:
            if not ranking_png:
                notes.append("参评结对关系总分均为0分，未绘制总分排名图。")
            if map_png is None:
                notes.append("参评结对关系的城市均无坐标，未绘制等次分布示意图。")
        charts_note = "".join(notes)
        figure = 1
        ranking_caption = f"图{figure}　总分排名" if ranking_png else ""
        figure += bool(ranking_png)
        map_caption = f"图{figure}　评估等次分布示意图" if map_png else ""
        return ReportData(
            run=run,
            title=f"{scheme.name}报告",
            issuer=issuer,
            date=cn_date(day),
            status_note=status_note,
            overview=overview,
            task_headers=headers,
            task_note=task_note,
            rows=rows,
            ranking_png=ranking_png,
            map_png=map_png,
            ranking_caption=ranking_caption,
            map_caption=map_caption,
            radars=radars,
            has_topsis=bool(topsis_ranked),
            topsis_note=topsis_note,
            weights=weights,
            apart=[(note, names) for note, names in apart_rows.items()],
            apart_note=apart_note,
            missed_note=missed_note,
            charts_note=charts_note,
            no_radars=no_radars,
            adjustments=_adjustments(run),
        )


# ---- the report --------------------------------------------------------------------------------------------


def _ranking_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    headers = ["排名", "结对关系", *data.task_headers, "总分", "等次"]
    return headers, [[str(r.rank), r.name, *r.task_scores, r.total, r.grade] for r in data.rows]


def _topsis_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    headers = ["结对关系", "方案排名", "总分", "TOPSIS贴近度", "TOPSIS排名", "名次差"]
    return headers, [[r.name, str(r.rank), r.total, r.topsis, r.topsis_rank, r.shift] for r in data.rows]


def report_docx(run: Run) -> bytes:
    """The evaluation report as Word: overview, ranking table and charts, radar per pairing, TOPSIS view."""
    data = report_data(run)
    doc = layout.document()
    layout.title(doc, data.title)
    layout.para(doc, f"{data.issuer}　{data.date}", size=14, align="center", line=None, space_after=12)

    layout.heading(doc, 1, "总体情况")
    for text in [*data.overview, data.status_note]:
        layout.para(doc, text)

    layout.heading(doc, 2, "评估结果排名")
    if data.rows:
        headers, rows = _ranking_rows(data)
        layout.caption(doc, "表1　评估结果排名")
        widths = [1.0, 3.6] + [1.5] * len(data.task_headers) + [1.4, 1.1]
        layout.table(doc, headers, rows, widths)
        layout.para(doc, data.task_note, size=12, align="left", line=None, space_after=6)
        if data.missed_note:
            layout.para(doc, data.missed_note, size=12, align="left", line=None, space_after=6)
        if data.ranking_png:
            layout.picture(doc, data.ranking_png)
            layout.caption(doc, data.ranking_caption)
        if data.map_png:
            layout.picture(doc, data.map_png, width_cm=13.5)
            layout.caption(doc, data.map_caption)
        if data.charts_note:
            layout.para(doc, data.charts_note)
    else:
        layout.para(doc, data.charts_note if data.apart else "本次评估没有评估结果。")
    if data.apart:
        layout.para(doc, data.apart_note)
        for i, (note, names) in enumerate(data.apart, 1):
            layout.para(doc, f"{i}. {note}（{len(names)}个）：{'、'.join(names)}。")

    if data.adjustments:
        layout.para(doc, "下列评估项的得分经交叉核查调整，调整理由如下。")
        layout.caption(doc, "表　交叉核查调整")
        headers = ["结对关系", "评估项", "调整前", "调整", "调整后", "核查单位", "理由"]
        layout.table(doc, headers, data.adjustments, [2.6, 2.6, 1.3, 1.1, 1.3, 2.4, 3.4])

    layout.heading(doc, 3, "重点任务成效")
    if data.radars:
        layout.para(doc, "下列雷达图给出各结对关系五项重点任务得分占该任务满分的比例。")
    for start in range(0, len(data.radars), 2):
        pair = data.radars[start : start + 2]
        table = doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, (_name, png) in zip(table.rows[0].cells, pair, strict=False):
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run().add_picture(io.BytesIO(png), width=Cm(7.6))
    for line in data.no_radars:
        layout.para(doc, line)

    layout.heading(doc, 4, "客观赋权对照（熵权—TOPSIS）")
    layout.para(doc, data.topsis_note)
    if data.has_topsis:
        if data.weights:
            layout.caption(doc, "表2　指标熵权")
            layout.table(doc, ["指标", "熵权"], [[name, weight] for name, weight in data.weights], [8.0, 3.0])
            layout.para(doc, line=None)
        headers, rows = _topsis_rows(data)
        layout.caption(doc, "表3　方案排名与TOPSIS排名对照" if data.weights else "表2　方案排名与TOPSIS排名对照")
        layout.table(doc, headers, rows, [4.0, 1.8, 1.8, 2.6, 2.2, 1.6])
    return layout.docx_bytes(doc)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def report_html(run: Run, data: ReportData | None = None) -> str:
    """The report as a self-contained HTML page (images inline), the source of the PDF."""
    data = data or report_data(run)
    headers, rows = _ranking_rows(data)
    topsis_headers, topsis_rows = _topsis_rows(data)
    return render_to_string(
        "evaluation/report.html",
        {
            "data": data,
            "serif": SERIF,
            "sans": SANS,
            "ranking_headers": headers,
            "ranking_rows": rows,
            "topsis_headers": topsis_headers,
            "topsis_rows": topsis_rows,
            "ranking_src": _data_uri(data.ranking_png) if data.ranking_png else "",
            "map_src": _data_uri(data.map_png) if data.map_png else "",
            "radars": [(name, _data_uri(png)) for name, png in data.radars],
        },
    )


def report_pdf(run: Run) -> bytes:
    """The report as PDF: the HTML page rendered by WeasyPrint (pango; fonts through fontconfig)."""
    from weasyprint import HTML  # imported here: loading pango takes a moment and only this needs it

    charts.cjk_font(SERIF)  # a clear error rather than a PDF of empty boxes
    charts.cjk_font(SANS)
    return HTML(string=report_html(run)).write_pdf()


# ---- commendation list and rectification notice ------------------------------------------------------------


def _clause_mentions(quote: str) -> bool:
    clause = Clause.objects.filter(pk=EVALUATION_CLAUSE).first()
    return bool(clause and quote in clause.text)


def commendation_docx(run: Run, *, number: str | None = None) -> bytes:
    """The commendation list (通报表扬) of a run: every Commendation row with its reason.

    ``number`` is the document number (文号); commendations have none stored, so without it the number is
    left for the issuing office to fill in: 对口表扬〔2026〕　号.
    """
    run = Run.objects.select_related("scheme__province", "published_by__organisation", "started_by__organisation").get(
        pk=run.pk
    )
    scheme = run.scheme
    commendations = list(
        Commendation.objects.filter(run=run).select_related(
            "pairing__old_region", "pairing__partner_region", "created_by__organisation"
        )
    )
    rank = dict(Result.objects.filter(run=run).values_list("pairing_id", "rank"))
    commendations.sort(key=lambda c: (rank.get(c.pairing_id, 10**6), c.pairing.code))
    issuer = _issuer(run)
    created = max((c.created for c in commendations), default=None)
    day = timezone.localdate(created or run.published_at) if (created or run.published_at) else timezone.localdate()
    number = number or f"对口表扬〔{day.year}〕　号"

    doc = layout.document()
    layout.letterhead(doc, issuer, number)
    layout.title(doc, f"关于对{scheme.year}年度对口合作工作成效突出的结对城市予以通报表扬的通报")
    addressee = (
        "各有关省、自治区、直辖市人民政府，各有关城市人民政府："
        if scheme.level == Scheme.Level.NATIONAL
        else (f"{scheme.province.name}各有关市人民政府：")
    )
    layout.para(doc, addressee, align="left")
    basis = f"“{COMMEND_QUOTE}”的要求，" if _clause_mentions(COMMEND_QUOTE) else "关于开展工作成效评估的要求，"
    layout.para(
        doc,
        f"根据{_work_plan()}{basis}{issuer}组织开展了{scheme.name}。经评估，"
        f"以下{len(commendations)}个结对关系工作成效突出，评估等次为优秀，现予以通报表扬。",
    )
    for i, commendation in enumerate(commendations, 1):
        pairing = commendation.pairing
        reason = commendation.reason.strip().rstrip("。；;.")
        layout.para(doc, f"{i}. {pairing.old_region.name}—{pairing.partner_region.name}：{reason}。")
    if not commendations:
        layout.para(doc, "（本次评估无通报表扬的结对关系。）")
    layout.para(
        doc,
        "希望受到表扬的结对城市再接再厉，持续深化对口合作；其他结对城市要对照先进找差距，"
        "扎实推进各项重点任务落地见效。",
    )
    layout.signature(doc, issuer, cn_date(day))
    return layout.docx_bytes(doc)


def notice_docx(notice: Notice) -> bytes:
    """A rectification notice (整改通知): number, addressee, both sides of the pairing (the old-area city and its
    partner), finding, required measures, deadline, issuer, date."""
    notice = Notice.objects.select_related(
        "run__scheme", "pairing__old_region", "pairing__partner_region", "responsible", "issued_by__organisation"
    ).get(pk=notice.pk)
    run, pairing = notice.run, notice.pairing
    issuer = _issuer(run, notice.issued_by)
    day = timezone.localdate(notice.issued_at)
    name = f"{pairing.old_region.name}—{pairing.partner_region.name}"
    sides = f"{pairing.old_region.name}（革命老区方）与{pairing.partner_region.name}（支持方）"

    doc = layout.document()
    layout.letterhead(doc, issuer, notice.number)
    layout.title(doc, f"关于{name}对口合作工作整改要求的通知")
    layout.para(doc, f"{notice.responsible.name}：", align="left")
    basis = f"“{RECTIFY_QUOTE}”的要求" if _clause_mentions(RECTIFY_QUOTE) else "关于督促改进落实的要求"
    layout.para(
        doc,
        f"根据{run.scheme.name}结果和{_work_plan()}{basis}，现将{sides}对口合作工作存在的问题和整改要求通知如下。",
    )
    layout.heading(doc, 1, "存在问题")
    for text in notice.finding.splitlines():
        if text.strip():
            layout.para(doc, text.strip())
    layout.heading(doc, 2, "整改要求")
    for text in notice.measures_required.splitlines():
        if text.strip():
            layout.para(doc, text.strip())
    layout.heading(doc, 3, "整改时限")
    # a notice under national supervision has no higher level to be escalated to
    later = "逾期未完成的，将提级督办。" if notice.supervision_level == Notice.Level.PROVINCE else ""
    layout.para(doc, f"请于{cn_date(notice.deadline)}前完成整改，并将整改措施及成效报{issuer}。{later}")
    if notice.major:
        layout.para(doc, "本事项已列为重大问题，报国家层面跟踪督办。")
    layout.signature(doc, issuer, cn_date(day))
    return layout.docx_bytes(doc)
