"""The evaluation report (.docx, PDF), its charts, the commendation list and the rectification notice.

The data is built directly from the models (no engine): a national scheme with one item per key task plus a
deduction item, a run over six national pairings with task scores, totals, grades and the TOPSIS view.
"""

import datetime
import io
import os
import re
import shutil
import subprocess
from decimal import Decimal

import docx
import pytest
from django.utils import timezone
from matplotlib.path import Path
from PIL import Image

from duikou import testing
from duikou.evaluation import charts, documents
from duikou.evaluation import testing as ev
from duikou.evaluation.models import Commendation, Item, Notice, Result, Run, Scheme
from duikou.geo import maps
from duikou.policy.models import Clause
from duikou.testing import tool

pytestmark = pytest.mark.django_db

KEY_TASKS = ["KT1", "KT2", "KT3", "KT4", "KT5"]
# (old city, partner, task scores KT1–KT5 out of 20 each, TOPSIS closeness, TOPSIS rank)
RESULTS = [
    ("信阳市", "苏州市", ["19.50", "19.00", "18.50", "19.00", "19.50"], "0.812345", 1),
    ("延安市", "无锡市", ["18.00", "17.50", "18.00", "17.00", "18.50"], "0.655000", 3),
    ("赣州市", "深圳市", ["17.00", "18.00", "16.50", "17.50", "16.00"], "0.701200", 2),
    ("长治市", "北京市", ["15.00", "16.00", "14.50", "15.50", "16.25"], "0.433300", 4),
    ("丽水市", "宁波市", ["13.00", "12.50", "14.00", "11.50", "12.00"], "0.301000", 5),
    ("百色市", "深圳市", ["10.00", "11.50", "9.00", "12.00", "10.50"], "0.120000", 6),
]
WEIGHTS = {"consumption_aid_wan": 0.41, "signed_amount_wan": 0.35, "training_persons": 0.24}


def kept_docx(content: bytes, artifacts_dir, name: str):
    """Keeps the document among the test artifacts (to look at); the document and its non-empty paragraphs."""
    with open(os.path.join(artifacts_dir, name), "wb") as handle:
        handle.write(content)
    document = docx.Document(io.BytesIO(content))
    return document, [p.text for p in document.paragraphs if p.text.strip()]


def evaluated_run(user, *, published: bool = True, topsis: bool = True) -> Run:
    scheme = Scheme.objects.create(
        year=2025, level=Scheme.Level.NATIONAL, name="2025年度革命老区重点城市对口合作工作成效评估", created_by=user
    )
    ev.task_items(scheme, lambda code: f"{code}工作成效")
    Item.objects.create(  # takes marks away: not part of any task's full marks
        scheme=scheme,
        order=9,
        name="未按期填报",
        key_task_id="KT3",
        weight=Decimal(5),
        method=Item.Method.DEDUCTION,
        deduction_basis=Item.DeductionBasis.MISSED_REPORTING,
        deduction_points=Decimal(1),
    )
    run = Run.objects.create(
        scheme=scheme, number=1, status=Run.Status.DONE, started_by=user, entropy_weights=WEIGHTS if topsis else {}
    )
    for rank, (old, partner, scores, closeness, topsis_rank) in enumerate(RESULTS, 1):
        total = sum(Decimal(s) for s in scores)
        Result.objects.create(
            run=run,
            pairing=testing.pairing(old, partner),
            total=total,
            rank=rank,
            grade=scheme.grade_for(total),
            task_scores=dict(zip(KEY_TASKS, scores, strict=True)),
            topsis_score=Decimal(closeness) if topsis else None,
            topsis_rank=topsis_rank if topsis else None,
        )
    if published:
        run.status, run.published_by, run.published_at = Run.Status.PUBLISHED, user, timezone.now()
        run.save()
    return run


@pytest.fixture
def ndrc():
    return testing.user("ndrc_reporter", "国家发展改革委（振兴司）", "approver")


def total(scores) -> str:
    return f"{sum(Decimal(s) for s in scores):.2f}"


# ---- the report as Word ------------------------------------------------------------------------------------


def test_report_docx_opens_with_the_ranking_table_in_rank_order(ndrc):
    document = docx.Document(io.BytesIO(documents.report_docx(evaluated_run(ndrc))))
    ranking = next(t for t in document.tables if t.rows[0].cells[0].text == "排名")
    header = [c.text for c in ranking.rows[0].cells]
    assert header == ["排名", "结对关系", *[f"任务{n}（20分）" for n in "一二三四五"], "总分", "等次"]
    rows = [[c.text for c in row.cells] for row in ranking.rows[1:]]
    assert [r[1] for r in rows] == [f"{old}—{partner}" for old, partner, *_ in RESULTS]
    assert rows[0] == ["1", "信阳市—苏州市", "19.50", "19.00", "18.50", "19.00", "19.50", "95.50", "优秀"]
    assert [r[7] for r in rows] == [total(scores) for _o, _p, scores, *_ in RESULTS]
    assert [r[8] for r in rows] == ["优秀", "良好", "良好", "一般", "一般", "较差"]


def test_report_docx_has_the_sections_charts_and_topsis_view(ndrc, artifacts_dir):
    content = documents.report_docx(evaluated_run(ndrc))
    document, text = kept_docx(content, artifacts_dir, "evaluation-report.docx")
    assert text[0] == "2025年度革命老区重点城市对口合作工作成效评估报告"
    assert [t for t in text if t[:2] in ("一、", "二、", "三、", "四、")] == [
        "一、总体情况",
        "二、评估结果排名",
        "三、重点任务成效",
        "四、客观赋权对照（熵权—TOPSIS）",
    ]
    overview = "\n".join(text)
    assert "参评结对关系6个" in overview and "优秀1个、良好2个、一般2个、较差1个" in overview
    assert "《革命老区重点城市对口合作工作方案》（发改振兴〔2022〕766号）" in overview
    assert "结果已于" in overview and "满分100分" in overview  # the deduction item adds no marks
    # ranking chart, map, and one radar chart per pairing (two to a row)
    assert len(document.inline_shapes) == 2 + len(RESULTS)
    topsis = next(t for t in document.tables if t.rows[0].cells[0].text == "结对关系")
    assert [c.text for c in topsis.rows[2].cells] == ["延安市—无锡市", "2", "89.00", "0.6550", "3", "-1"]
    weights = next(t for t in document.tables if t.rows[0].cells[0].text == "指标")
    assert [c.text for c in weights.rows[1].cells] == ["消费帮扶金额", "0.4100"]


def test_report_docx_sets_the_chinese_fonts_as_east_asian_fonts(ndrc):
    document = docx.Document(io.BytesIO(documents.report_docx(evaluated_run(ndrc))))

    def east_asian(run):
        return run._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    title, heading = document.paragraphs[0].runs[0], next(p for p in document.paragraphs if p.text == "一、总体情况")
    assert east_asian(title) == "方正小标宋简体" and title.font.size.pt == 22
    assert east_asian(heading.runs[0]) == "黑体"
    section = document.sections[0]
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)


def test_report_of_an_unpublished_run_says_it_is_not_published(ndrc):
    document = docx.Document(io.BytesIO(documents.report_docx(evaluated_run(ndrc, published=False))))
    assert any("结果尚未发布，仅供审核使用" in p.text for p in document.paragraphs)


def test_report_without_topsis_explains_why_there_is_no_second_view(ndrc):
    document = docx.Document(io.BytesIO(documents.report_docx(evaluated_run(ndrc, topsis=False))))
    assert any("本次评估未计算客观赋权对照" in p.text for p in document.paragraphs)
    assert not any(t.rows[0].cells[0].text == "结对关系" for t in document.tables)


def test_report_of_a_run_without_results_still_opens(ndrc):
    run = evaluated_run(ndrc, published=False)
    run.results.all().delete()
    document = docx.Document(io.BytesIO(documents.report_docx(run)))
    assert any(p.text == "本次评估没有评估结果。" for p in document.paragraphs)
    assert "本次评估没有评估结果。" in documents.report_html(run)


# ---- the report as PDF -------------------------------------------------------------------------------------


def test_report_pdf_has_the_ranking_text_real_chinese_glyphs_and_ink(ndrc, tmp_path, artifacts_dir):
    pdf = documents.report_pdf(evaluated_run(ndrc))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    shutil.copy(path, os.path.join(artifacts_dir, "evaluation-report.pdf"))

    text = subprocess.run([tool("pdftotext"), "-layout", path, "-"], capture_output=True, check=True).stdout.decode()
    assert "2025年度革命老区重点城市对口合作工作成效评估报告" in "".join(text.split())  # the title runs over two lines
    rows = [line.split() for line in text.splitlines()]
    for rank, (old, partner, scores, *_) in enumerate(RESULTS, 1):  # one table row per line, in rank order
        assert [str(rank), f"{old}—{partner}", *scores, total(scores)] in [row[:8] for row in rows], (old, text)
    assert "TOPSIS" in text and "0.8123" in text

    # The Chinese text is drawn with an embedded Noto CJK face (not a fallback without CJK glyphs) ...
    fonts = subprocess.run([tool("pdffonts"), path], capture_output=True, check=True).stdout.decode()
    cjk = [line for line in fonts.splitlines() if re.search(r"Noto-?(Serif|Sans)-?CJK-?SC", line)]
    assert {"Serif", "Sans"} <= {re.search(r"(Serif|Sans)", line).group(1) for line in cjk}, fonts
    assert all(line.split()[-5] == "yes" for line in cjk), fonts  # the emb column: embedded
    # ... and the first page, rendered, carries ink: neither blank nor solid.
    subprocess.run([tool("pdftoppm"), "-r", "50", "-png", "-f", "1", "-l", "2", path, tmp_path / "page"], check=True)
    for number in (1, 2):
        page = next(tmp_path.glob(f"page-{number}.png"))
        shutil.copy(page, os.path.join(artifacts_dir, f"evaluation-report-page{number}.png"))
    grey = Image.open(next(tmp_path.glob("page-1.png"))).convert("L")
    dark = sum(grey.histogram()[:128]) / (grey.width * grey.height)
    assert 0.005 < dark < 0.5, dark


def test_report_glyphs_are_characters_not_empty_boxes(ndrc, tmp_path):
    """A missing glyph is drawn as the same box for every character; real characters differ from each other.

    Render page 1 at 144 dpi, cut the first heading (黑体 stand-in) and the issuing body under the title (serif)
    into one cell per character, and check that every cell has ink and no two cells are the same image.
    """
    path = tmp_path / "report.pdf"
    path.write_bytes(documents.report_pdf(evaluated_run(ndrc)))
    words = subprocess.run(
        [tool("pdftotext"), "-bbox", "-f", "1", "-l", "1", path, "-"], capture_output=True, check=True
    ).stdout.decode()
    subprocess.run(
        [tool("pdftoppm"), "-r", "144", "-png", "-f", "1", "-l", "1", "-singlefile", path, tmp_path / "page"],
        check=True,
    )
    page = Image.open(tmp_path / "page.png").convert("L")
    scale = 144 / 72
    for text in ["一、总体情况", "国家发展改革委（振兴司）"]:
        match = re.search(
            rf'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">{text}</word>', words
        )
        assert match, text
        x0, y0, x1, y1 = (float(v) * scale for v in match.groups())
        width = (x1 - x0) / len(text)
        cells = [
            page.crop((round(x0 + i * width), round(y0), round(x0 + (i + 1) * width), round(y1)))
            for i in range(len(text))
        ]
        assert all(sum(cell.histogram()[:128]) > 0 for cell in cells), text
        assert len({cell.tobytes() for cell in cells}) == len(cells), text


# ---- charts ------------------------------------------------------------------------------------------------


def test_charts_are_png_images(ndrc, artifacts_dir):
    run = evaluated_run(ndrc)
    result = run.results.get(rank=1)
    for name, png in [
        ("evaluation-radar.png", charts.radar_chart(result)),
        ("evaluation-ranking.png", charts.ranking_chart(run)),
        ("evaluation-map.png", charts.grade_map(run)),
    ]:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(png))
        assert image.width > 500 and image.height > 300
        with open(os.path.join(artifacts_dir, name), "wb") as handle:
            handle.write(png)


def test_radar_shows_task_scores_as_shares_of_full_marks_leaving_deductions_out(ndrc):
    run = evaluated_run(ndrc)
    full = run.scheme.full_marks_by_task()
    assert full == {code: Decimal(20) for code in KEY_TASKS}
    shares = charts.task_shares(run.results.get(rank=1), full, charts.key_tasks())
    assert shares == pytest.approx([0.975, 0.95, 0.925, 0.95, 0.975])


def test_map_outlines_decode_to_the_provinces_the_cities_lie_in():
    outlines = dict(charts.province_outlines())
    assert len(outlines) == 34
    for city, province in [("411500", "河南"), ("610600", "陕西"), ("360700", "江西"), ("451000", "广西")]:
        point = maps.city_center(city)
        assert any(Path(ring).contains_point(point) for ring in outlines[province]), (city, province)
    assert maps.city_center("411521") == maps.city_center("411500")  # a county falls back to its city


def test_missing_chinese_font_is_a_clear_error(monkeypatch):
    charts.cjk_font.cache_clear()
    monkeypatch.setattr(charts.font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(charts.font_manager, "findSystemFonts", lambda: [])
    try:
        with pytest.raises(charts.FontMissingError, match="fonts-noto-cjk"):
            charts.radar_png("标题", ["一", "二", "三"], [0.1, 0.2, 0.3])
    finally:
        charts.cjk_font.cache_clear()


# ---- commendation list and rectification notice ------------------------------------------------------------


def test_commendation_docx_lists_the_commended_pairings_with_their_reasons(ndrc, artifacts_dir):
    run = evaluated_run(ndrc)
    for old, partner in [("延安市", "无锡市"), ("信阳市", "苏州市")]:
        Commendation.objects.create(
            run=run, pairing=testing.pairing(old, partner), reason=f"{old}工作成效突出", created_by=ndrc
        )
    content = documents.commendation_docx(run, number="发改振兴〔2026〕12号")
    document, text = kept_docx(content, artifacts_dir, "evaluation-commendation.docx")
    assert text[:3] == [
        "国家发展改革委（振兴司）",
        "发改振兴〔2026〕12号",
        "关于对2025年度对口合作工作成效突出的结对城市予以通报表扬的通报",
    ]
    assert text[3].endswith("人民政府：")
    assert "给予通报表扬并通过适当方式予以鼓励" in text[4] and "以下2个结对关系" in text[4]
    assert text[5:7] == ["1. 信阳市—苏州市：信阳市工作成效突出。", "2. 延安市—无锡市：延安市工作成效突出。"]
    assert text[-2] == "国家发展改革委（振兴司）"
    assert text[-1] == documents.cn_date(timezone.localdate())
    header = document.paragraphs[0].runs[0]
    assert str(header.font.color.rgb) == "D00000"  # the issuing body in red


def test_commendation_docx_without_a_number_leaves_it_to_the_office(ndrc):
    document = docx.Document(io.BytesIO(documents.commendation_docx(evaluated_run(ndrc))))
    assert document.paragraphs[1].text == f"对口表扬〔{timezone.localdate().year}〕　号"


def test_notice_docx_has_number_addressee_finding_measures_deadline_issuer_and_date(ndrc, artifacts_dir):
    run = evaluated_run(ndrc)
    deadline = datetime.date(2026, 9, 30)
    notice = Notice.objects.create(
        run=run,
        pairing=testing.pairing("百色市", "深圳市"),
        number="对口整改〔2026〕7号",
        responsible=testing.org("百色市人民政府"),
        finding="消费帮扶金额未达年度目标。\n产业园区建设进度滞后。",
        measures_required="制定消费帮扶专项方案，按季度报送进展。",
        deadline=deadline,
        step_due=deadline - datetime.timedelta(days=60),
        issued_by=ndrc,
        major=True,
    )
    content = documents.notice_docx(notice)
    document, text = kept_docx(content, artifacts_dir, "evaluation-notice.docx")
    assert text[:4] == [
        "国家发展改革委（振兴司）",
        "对口整改〔2026〕7号",
        "关于百色市—深圳市对口合作工作整改要求的通知",
        "百色市人民政府：",
    ]
    body = "\n".join(text)
    assert "一、存在问题\n消费帮扶金额未达年度目标。\n产业园区建设进度滞后。\n二、整改要求" in body
    assert "制定消费帮扶专项方案，按季度报送进展。" in body
    assert "三、整改时限\n请于2026年9月30日前完成整改" in body
    assert "本事项已列为重大问题" in body
    assert text[-2:] == ["国家发展改革委（振兴司）", documents.cn_date(timezone.localdate(notice.issued_at))]


def test_documents_quote_the_work_plan_verbatim():
    clause = Clause.objects.get(pk=documents.EVALUATION_CLAUSE)
    assert documents.COMMEND_QUOTE in clause.text and documents.RECTIFY_QUOTE in clause.text
