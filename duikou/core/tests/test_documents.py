"""The shared Word layout (duikou/core/documents.py): numerals, dates and the GB/T 9704 page."""

import datetime
import io

import docx

from duikou.core import documents as layout


def test_chinese_numerals():
    assert [layout.cn(n) for n in (1, 5, 10, 11, 20, 23)] == ["一", "五", "十", "十一", "二十", "二十三"]


def test_dates_are_written_as_official_documents_write_them():
    assert layout.cn_date(datetime.date(2026, 3, 5)) == "2026年3月5日"


def test_a_document_has_the_standard_page_a_numbered_heading_a_table_and_the_signature_at_the_right():
    doc = layout.document()
    layout.title(doc, "关于某事的通报")
    layout.heading(doc, 2, "总体情况")
    layout.table(doc, ["城市", "得分"], [["信阳市", "92.5"]])
    layout.signature(doc, "国家发展改革委（振兴司）", layout.cn_date(datetime.date(2026, 3, 5)))

    read = docx.Document(io.BytesIO(layout.docx_bytes(doc)))
    section = read.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    assert "PAGE" in section.footer.paragraphs[0]._p.xml  # "— 1 —": a PAGE field, numbered by Word
    texts = [p.text for p in read.paragraphs if p.text]
    assert texts == ["关于某事的通报", "二、总体情况", "国家发展改革委（振兴司）", "2026年3月5日"]
    assert [c.text for c in read.tables[0].rows[1].cells] == ["信阳市", "92.5"]
    assert read.paragraphs[-1].paragraph_format.right_indent == docx.shared.Pt(layout.BODY_PT * 4)
