"""Word (.docx) layout shared by every generated document: official-style pages after the national standard for
official documents (GB/T 9704-2012) as far as a generated file sensibly can, and Chinese numerals and dates.

A4 with its margins, the issuing body in red over a red rule, the document number, the title centred in a large
serif face, the body with sections numbered 一、（一）, the issuing body and the date at the bottom right, page
numbers as "— 1 —". Each run names the standard's face as its font (``w:eastAsia`` and the others): 方正小标宋简体
for the title and the issuing body, 仿宋_GB2312 for the body, 黑体 for first-level headings, 楷体_GB2312 for
second-level ones, 宋体 for page numbers — so Word on an office PC, where they are installed, uses them. They are not on
Debian: the PDFs and charts drawn here use the open faces Noto Serif CJK SC and Noto Sans CJK SC (``SERIF``,
``SANS``), which the layout functions also accept and map to the standard's faces. Knows no domain: the apps say what
a document holds.
"""

import datetime
import io

from docx import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

SANS = "Noto Sans CJK SC"  # draws 黑体 where it is missing (PDFs, charts)
SERIF = "Noto Serif CJK SC"  # draws 方正小标宋, 仿宋 and 楷体 where they are missing (PDFs, charts)
# GB/T 9704-2012's faces, named in the .docx
TITLE_FACE = "方正小标宋简体"  # 标题, 发文机关标志
BODY_FACE = "仿宋_GB2312"  # 正文
HEADING_FACE = "黑体"  # 一级标题 一、
SUBHEADING_FACE = "楷体_GB2312"  # 二级标题 （一）
NUMBER_FACE = "宋体"  # 页码
OFFICIAL = {SERIF: BODY_FACE, SANS: HEADING_FACE}  # an open face asked for by name stands for the standard's
RED = RGBColor(0xD0, 0x00, 0x00)
BODY_PT, TITLE_PT, TABLE_PT = 16, 22, 10.5  # 三号, 二号, 五号
LINE_PT = 28  # fixed line spacing: 22 lines on a page of the standard's type area

CN_NUMERALS = "一二三四五六七八九十"


def cn(n: int) -> str:
    """A section number in Chinese numerals (1 → 一, 12 → 十二, 20 → 二十), as 一、 and （一） headings use."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    if n < 20:
        return "十" + CN_NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return CN_NUMERALS[tens - 1] + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def cn_date(day: datetime.date) -> str:
    """A date as official documents write it: 2026年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def document() -> WordDocument:
    """An empty A4 document with the standard's margins, body face and size, and page numbers."""
    doc = WordDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FACE
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FACE)
    page_numbers(section)
    return doc


def set_font(run, name: str, size: float, *, bold: bool = False, colour: RGBColor | None = None) -> None:
    """The run's face (the standard's: ``SERIF`` and ``SANS`` are taken for 仿宋 and 黑体), size, weight, colour."""
    name = OFFICIAL.get(name, name)
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def para(
    doc,
    text: str = "",
    *,
    font: str = SERIF,
    size: float = BODY_PT,
    bold: bool = False,
    align: str = "indent",
    colour: RGBColor | None = None,
    line: float | None = LINE_PT,
    space_after: float = 0,
):
    """A paragraph of one run; ``align`` is indent (two characters, as body text is), left, center or right."""
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    if align == "indent":
        fmt.first_line_indent = Pt(size * 2)
    else:
        p.alignment = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
        }[align]
    if line:
        fmt.line_spacing = Pt(line)
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if text:
        set_font(p.add_run(text), font, size, bold=bold, colour=colour)
    return p


def heading(doc, number: int, text: str):
    return para(doc, f"{cn(number)}、{text}", font=SANS)


def sub_heading(doc, number: int, text: str):
    return para(doc, f"（{cn(number)}）{text}", font=SUBHEADING_FACE)


def red_rule(paragraph) -> None:
    """A red line under the paragraph: the separator under the issuing body of a 红头 document."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "6"), ("w:color", str(RED))):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def letterhead(doc, issuer: str, number: str) -> None:
    """Issuing body in red, document number, red rule (the 版头 of GB/T 9704)."""
    para(doc, issuer, font=TITLE_FACE, size=26, align="center", colour=RED, line=None, space_after=12)
    number_line = para(doc, number, size=BODY_PT, align="center", space_after=6)
    red_rule(number_line)
    para(doc)


def title(doc, text: str) -> None:
    para(doc, text, font=TITLE_FACE, size=TITLE_PT, align="center", line=36, space_after=12)


def em(text: str) -> float:
    """Width in characters of the body size: ASCII digits and letters are half as wide as Chinese ones."""
    return sum(0.5 if ord(ch) < 128 else 1 for ch in text)


def signature(doc, issuer: str, day: str) -> None:
    """The date four characters from the right margin, the issuing body centred over it (GB/T 9704 7.3.5)."""
    para(doc)
    issuer_line = para(doc, issuer, align="right")
    issuer_line.paragraph_format.right_indent = Pt(BODY_PT * max(0.0, 4 + (em(day) - em(issuer)) / 2))
    date_line = para(doc, day, align="right")
    date_line.paragraph_format.right_indent = Pt(BODY_PT * 4)


def page_numbers(section) -> None:
    """— 1 — centred in the footer (a PAGE field, so Word numbers every page)."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def text_run(text: str):
        set_font(p.add_run(text), NUMBER_FACE, 14)

    def field_char(kind: str):
        run = p.add_run()
        set_font(run, NUMBER_FACE, 14)
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    text_run("— ")
    field_char("begin")
    instruction = p.add_run()
    set_font(instruction, NUMBER_FACE, 14)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    instruction._r.append(instr)
    field_char("separate")
    text_run("1")
    field_char("end")
    text_run(" —")


def table(doc, headers: list[str], rows: list[list[str]], widths_cm: list[float] | None = None):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cells, values, bold in [(table.rows[0].cells, headers, True)] + [
        (table.add_row().cells, values, False) for values in rows
    ]:
        for cell, value in zip(cells, values, strict=True):
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing = 1.0
            set_font(p.add_run(str(value)), SANS if bold else SERIF, TABLE_PT, bold=bold)
    if widths_cm:
        for row in table.rows:
            for cell, width in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(width)
    return table


def picture(doc, png: bytes, width_cm: float = 15.6) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))


def caption(doc, text: str) -> None:
    para(doc, text, font=SANS, size=12, align="center", line=None, space_after=6)


def docx_bytes(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
