"""A plan as an official-style Word document (.docx), generated from its structured content."""

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from duikou.core.documents import cn
from duikou.policy.models import Task

from .models import Plan


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(doc, text: str, *, font="仿宋", size=16, bold=False, center=False, indent=True):
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.line_spacing = Pt(28)
    _font(p.add_run(text), font, size, bold)
    return p


def build_docx(plan: Plan) -> bytes:
    """Title, issuing bodies and numbers, then sections numbered 一、 (一) 1. as official documents are."""
    doc = Document()
    pairing = plan.pairing
    issuances = list(plan.issuances.select_related("province").order_by("order"))
    if issuances:
        _para(doc, "  ".join(i.doc_number for i in issuances), size=16, center=True)
    _para(doc, plan.title, font="方正小标宋简体", size=22, center=True)
    bodies = "、".join(f"{i.province.name}人民政府" for i in issuances) or (
        f"{pairing.old_region.name}人民政府、{pairing.partner_region.name}人民政府"
    )
    _para(doc, f"（{bodies}）", size=16, center=True)
    _para(doc, f"{plan.get_kind_display()} · {plan.start_year}—{plan.end_year}年", size=14, center=True)

    sections: list[tuple[str, list]] = []
    if plan.goals.exists():
        sections.append(("总体目标", [("", [g.text for g in plan.goals.all()])]))
    items_by_task: dict[Task, list[str]] = {}
    for item in plan.items.select_related("key_task", "responsible_unit"):
        extra = "；".join(
            x
            for x in [
                f"责任单位：{item.responsible_unit.name}" if item.responsible_unit_id else "",
                f"完成时限：{item.due_date:%Y年%m月%d日}" if item.due_date else "",
            ]
            if x
        )
        items_by_task.setdefault(item.key_task, []).append(item.text + (f"（{extra}）" if extra else ""))
    if items_by_task:
        sections.append(("重点任务", [(task.name, texts) for task, texts in items_by_task.items()]))
    if plan.projects.exists():
        rows = []
        for p in plan.projects.select_related("location", "responsible_unit"):
            facts = "，".join(
                x
                for x in [
                    f"建设地点：{p.location.name}" if p.location_id else "",
                    f"计划投资{p.investment_wan}万元" if p.investment_wan is not None else "",
                    f"建设期{p.start_year}—{p.end_year}年" if p.start_year else "",
                    f"责任单位：{p.responsible_unit.name}" if p.responsible_unit_id else "",
                ]
                if x
            )
            rows.append(f"{p.name}。{facts}。" if facts else f"{p.name}。")
        sections.append(("重大项目", [("", rows)]))
    if plan.targets.exists():
        rows = [f"{t.indicator_name}：{t.year}年目标{t.target}{t.unit}。" for t in plan.targets.all()]
        sections.append(("主要指标与年度目标", [("", rows)]))
    if plan.milestones.exists():
        rows = [f"{m.date:%Y年%m月}，{m.text}。" for m in plan.milestones.all()]
        sections.append(("工作时序", [("", rows)]))
    if plan.measures.exists():
        sections.append(("保障措施", [("", [m.text for m in plan.measures.all()])]))

    for number, (heading, groups) in enumerate(sections, 1):
        _para(doc, f"{cn(number)}、{heading}", font="黑体", size=16, indent=True)
        sub = 0
        for group, texts in groups:
            if group:
                sub += 1
                _para(doc, f"（{cn(sub)}）{group}", font="楷体", size=16, bold=True)
            for n, text in enumerate(texts, 1):
                _para(doc, f"{n}. {text}" if len(texts) > 1 or group else text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
