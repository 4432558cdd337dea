"""Generated .docx files name GB/T 9704's faces, read back from the document's XML: 方正小标宋简体 for the title and
the issuing body, 仿宋_GB2312 for the body and the Normal style, 黑体 for 一、 headings, 楷体_GB2312 for （一） ones,
宋体 for the page number — never the open Noto faces, which only draw the PDFs."""

import io

import docx
from docx.oxml.ns import qn

from duikou.core import documents as layout


def _faces(run) -> set[str]:
    fonts = run._element.rPr.rFonts
    return {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")}


def test_each_part_of_a_document_names_the_standard_face():
    doc = layout.document()
    layout.letterhead(doc, "国家发展改革委", "发改振兴〔2026〕1号")
    layout.title(doc, "关于开展对口合作工作成效评估的通知")
    layout.heading(doc, 1, "总体要求")
    layout.sub_heading(doc, 1, "评估范围")
    layout.para(doc, "正文一段。")
    layout.table(doc, ["结对关系", "得分"], [["信阳市—苏州市", "95"]])
    read = docx.Document(io.BytesIO(layout.docx_bytes(doc)))
    by_text = {p.text: p for p in read.paragraphs if p.text}
    assert read.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    expected = {
        "国家发展改革委": "方正小标宋简体",
        "关于开展对口合作工作成效评估的通知": "方正小标宋简体",
        "一、总体要求": "黑体",
        "（一）评估范围": "楷体_GB2312",
        "正文一段。": "仿宋_GB2312",
        "发改振兴〔2026〕1号": "仿宋_GB2312",
    }
    for text, face in expected.items():
        assert _faces(by_text[text].runs[0]) == {face}, text
    cells = read.tables[0].rows
    assert _faces(cells[0].cells[0].paragraphs[0].runs[0]) == {"黑体"}
    assert _faces(cells[1].cells[0].paragraphs[0].runs[0]) == {"仿宋_GB2312"}
    footer = read.sections[0].footer.paragraphs[0]
    assert {f for run in footer.runs for f in _faces(run)} == {"宋体"}
    xml = read.element.xml + read.sections[0].footer._element.xml
    assert "Noto" not in xml
