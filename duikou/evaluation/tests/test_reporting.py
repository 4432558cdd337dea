"""A pairing with no report due in the evaluated year is listed apart (no score, rank or grade); one that failed to
report when due is ranked and graded as usual, with the missed-report deduction, and marked 未按时填报 wherever its
grade shows: the run page, the export, the API, the comparison, the explanation and the report documents."""

import datetime
import io
import json
import subprocess
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.evaluation import comparison, documents
from duikou.evaluation import testing as ev
from duikou.evaluation.models import Result, Run, Score
from duikou.indicators.models import DataSet
from duikou.pairings.models import Pairing

pytestmark = pytest.mark.django_db

Q4 = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
NO_RADAR = "本年度无应报数据，未绘制雷达图"


@pytest.fixture
def xinyang():
    return testing.pairing("信阳市", "苏州市")


@pytest.fixture
def yanan():
    return testing.pairing("延安市", "无锡市")


def asked_of(*pairings) -> None:
    """The quarterly data set asks these pairings only: nothing is due of the others."""
    DataSet.objects.get(pk="quarterly").pairings.set(pairings)


def scheme(who):
    return ev.scheme(
        who["ndrc"],
        items=[ev.target_item(), ev.rank_item(), ev.deduction_item(weight="5", points="1")],
    )


@pytest.fixture
def run(who, xinyang, yanan):
    """信阳–苏州 reported its four 2025 quarters; 延安–无锡 reported none though they were due; the data set asks
    nothing of the other 18 national pairings."""
    asked_of(xinyang, yanan)
    ev.all_reported(xinyang)
    ev.values(xinyang, {"funds_in_place_wan": dict.fromkeys(Q4, "2500"), "signed_projects": {"2025Q4": "3"}})
    return ev.run(scheme(who), who["ndrc"])


# ---- the statuses --------------------------------------------------------------------------------------------


def test_pairing_that_missed_due_reports_is_ranked_graded_and_marked(run, yanan):
    result = run.results.get(pairing=yanan)
    assert result.reporting == "missed" and result.missed and result.ranked
    assert (result.rank, result.grade, result.total) == (2, "poor", Decimal("0.00"))
    assert result.reporting_note.startswith("4 期报告逾期未报：2025Q1「")
    deduction = run.scores.get(pairing=yanan, item__method="deduction")
    assert deduction.score == Decimal("-4.00")  # the missed-report deduction stands


def test_pairing_that_reported_is_ranked_without_a_mark(run, xinyang):
    result = run.results.get(pairing=xinyang)
    assert (result.reporting, result.rank, result.grade, result.total) == ("reported", 1, "fair", Decimal("70.00"))
    assert run.scores.get(pairing=xinyang, item__method="deduction").score == Decimal("0.00")


def test_pairing_with_no_data_set_asking_it_is_listed_apart_unscored(run, xinyang, yanan):
    apart = run.results.exclude(pairing__in=[xinyang, yanan])
    assert apart.count() == 18
    assert set(apart.values_list("reporting", "rank", "total", "grade")) == {("none_due", None, None, "")}
    assert all(r.reporting_note == "2025 年没有要求该结对关系填报的数据集" for r in apart)
    assert not Score.objects.filter(run=run).exclude(pairing__in=[xinyang, yanan]).exists()
    assert run.job.result["summary"] == "已完成 2 个结对关系的评估，18 个无应报数据，不参与排名"


def test_ranking_and_rank_items_count_only_the_ranked_pairings(run, xinyang):
    assert sorted(run.results.exclude(rank=None).values_list("rank", flat=True)) == [1, 2]
    ranked = run.scores.get(pairing=xinyang, item__method="rank")
    assert ranked.inputs["evaluated"] == 2 and ranked.score == Decimal("20.00")


def test_reports_not_yet_due_mean_no_data_due(who, xinyang):
    asked_of(xinyang)
    ev.values(xinyang, {"funds_in_place_wan": {"2025Q1": "100"}})
    made = ev.run(scheme(who), who["ndrc"], today=datetime.date(2025, 2, 1))
    result = made.results.get(pairing=xinyang)
    assert (result.reporting, result.rank, result.grade) == ("none_due", None, "")
    assert result.reporting_note.startswith("2025 年的报告均未到报送期限（最早 2025-")
    assert not made.results.exclude(rank=None).exists()


def test_pairing_whose_period_begins_after_the_year_is_listed_apart(who, xinyang):
    later = ev.province_pairing("信阳市", "郑州市", "P-later")
    Pairing.objects.filter(pk=later.pk).update(start_year=2026)
    asked_of(xinyang)
    ev.all_reported(xinyang)
    made = ev.run(scheme(who), who["ndrc"])
    result = made.results.get(pairing=later)
    assert (result.reporting, result.rank) == ("none_due", None)
    assert result.reporting_note == "结对期自 2026 年开始，2025 年无应报数据"


def test_database_refuses_a_ranked_row_without_a_grade_and_an_unranked_row_with_one(run, xinyang):
    from duikou.evaluation.models import Scheme

    other = Run.objects.create(scheme=Scheme.objects.get(pk=run.scheme_id), number=9, started_by=run.started_by)
    for fields in (
        {"total": Decimal(1), "rank": 1, "grade": "", "reporting": "reported"},
        {"total": None, "rank": None, "grade": "poor", "reporting": "none_due"},
        {"total": Decimal(1), "rank": None, "grade": "poor", "reporting": "missed"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Result.objects.create(run=other, pairing=xinyang, **fields)


# ---- where the grade shows -----------------------------------------------------------------------------------


def test_run_page_ranks_two_lists_the_rest_apart_and_marks_the_missed_one(client, who, run):
    client.force_login(who["ndrc"])
    body = client.get(f"/evaluation/runs/{run.pk}/").content.decode()
    table = body[body.index('id="ranking-table"') : body.index("</table>", body.index('id="ranking-table"'))]
    assert table.count('class="ranking-row"') == 2
    assert table.count('class="badge text-bg-light border border-danger text-danger reporting-missed"') == 1
    apart = body[body.index('id="ranking-apart"') :]
    assert apart.count('class="apart-row ') == 18
    assert apart.count('class="text-muted apart-reason"') == 1  # one reason, said once
    assert "2025 年没有要求该结对关系填报的数据集（18）" in apart


def test_export_puts_the_status_beside_the_grade_and_leaves_the_apart_unranked(client, who, run):
    client.force_login(who["ndrc"])
    response = client.get(f"/evaluation/runs/{run.pk}/ranking.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    grade, status = header.index("等次"), header.index("填报情况")
    assert status == grade + 1
    assert [(r[0], r[grade], r[status]) for r in rows[1:3]] == [(1, "一般", "已填报"), (2, "较差", "未按时填报")]
    assert {(r[0], r[grade], r[status]) for r in rows[3:]} == {(None, None, "无应报数据")}


def test_api_results_carry_the_status_and_no_rank_for_the_apart(client, who, run, yanan):
    _token, key = issue_token(user=who["ndrc"], name="test")
    response = client.get(f"/api/evaluation/runs/{run.pk}/results", HTTP_AUTHORIZATION=f"Bearer {key}")
    rows = json.loads(response.content)
    assert len(rows) == 20
    missed = next(r for r in rows if r["pairing_id"] == yanan.pk)
    assert (missed["rank"], missed["grade"], missed["reporting"]) == (2, "poor", "missed")
    assert missed["reporting_label"] == "未按时填报"
    assert {(r["rank"], r["total"], r["grade"], r["reporting_label"]) for r in rows[2:]} == {
        (None, None, "", "无应报数据")
    }


def test_explanation_of_an_apart_pairing_says_why_it_is_not_scored(client, who, run):
    apart = run.results.filter(reporting="none_due").first()
    client.force_login(who["ndrc"])
    response = client.get(f"/evaluation/runs/{run.pk}/pairings/{apart.pairing_id}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="explanation-reporting"' in body and "不计分、不排名、不定等次" in body


def test_comparison_shows_a_change_of_status_as_a_change(who, run, yanan):
    ev.all_reported(yanan)
    rerun = ev.run(run.scheme, who["ndrc"])
    change = next(c for c in comparison.compare_runs(run, rerun) if c.pairing == yanan)
    assert (change.before.reporting, change.after.reporting) == ("missed", "reported")
    assert change.grade_changed and change.changed


def test_compare_page_marks_the_missed_grade(client, who, run):
    rerun = ev.run(run.scheme, who["ndrc"])
    client.force_login(who["ndrc"])
    body = client.get(f"/evaluation/runs/{rerun.pk}/compare/?other={run.pk}").content.decode()
    assert body.count("reporting-missed") == 2  # before and after
    assert body.count("reporting-none-due") == 36


# ---- the report ----------------------------------------------------------------------------------------------


def test_report_docx_ranks_two_lists_the_apart_and_draws_no_empty_radar(run, artifacts_dir):
    content = documents.report_docx(run)
    with open(f"{artifacts_dir}/evaluation-report-apart.docx", "wb") as handle:
        handle.write(content)
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    ranking = doc.tables[0]
    assert len(ranking.rows) == 3  # the header and the two ranked pairings
    assert [row.cells[-1].text for row in ranking.rows[1:]] == ["一般", "较差（未按时填报）"]
    assert "参评结对关系2个，另有18个结对关系本年度无应报数据，不参与排名" in text
    assert "以下18个结对关系在评估年度没有到期应报的数据" in text
    assert "1. 2025 年没有要求该结对关系填报的数据集（18个）：赣州市—深圳市、" in text
    assert "以下1个结对关系未按时填报，各项重点任务均无得分，未绘制雷达图：延安市—无锡市。" in text
    assert f"以下18个结对关系{NO_RADAR}：" in text
    # the ranking chart, the map and one radar chart (信阳–苏州 scored; 延安–无锡 has nothing to draw)
    assert len(doc.inline_shapes) == 3


def test_report_pdf_has_no_empty_radar_page_and_says_why(run, tmp_path, artifacts_dir):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(documents.report_pdf(run))
    with open(f"{artifacts_dir}/evaluation-report-apart.pdf", "wb") as handle:
        handle.write(pdf.read_bytes())
    text = subprocess.run([testing.tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True).stdout
    flat = text.replace("\n", "")
    assert NO_RADAR in flat and "较差（未按时填报）" in flat
    images = subprocess.run([testing.tool("pdfimages"), "-list", str(pdf)], capture_output=True, text=True).stdout
    kinds = [line.split()[2] for line in images.strip().splitlines()[2:]]
    assert kinds.count("image") == 3  # ranking chart, map, one radar chart
    pages = text.split("\f")
    assert all(page.strip() for page in pages if page != pages[-1])  # no page of pictures only
    subprocess.run(
        [
            testing.tool("pdftoppm"),
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            "4",
            str(pdf),
            f"{artifacts_dir}/evaluation-apart",
        ],
        check=True,
    )


def test_report_of_ranked_pairings_all_at_zero_draws_no_empty_ranking_chart(who, yanan):
    asked_of(yanan)  # it missed all four quarters: ranked, 0 points, nothing to draw but its place on the map
    made = ev.run(scheme(who), who["ndrc"])
    doc = Document(io.BytesIO(documents.report_docx(made)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "参评结对关系总分均为0分，未绘制总分排名图。" in text
    assert "图1　评估等次分布示意图" in text and "总分排名" not in text.replace("未绘制总分排名图", "")
    assert "以下1个结对关系未按时填报，各项重点任务均无得分，未绘制雷达图：延安市—无锡市。" in text
    assert "下列雷达图" not in text
    assert len(doc.inline_shapes) == 1  # the map only


# ---- notices and commendations of a run with pairings listed apart ------------------------------------------


def test_notice_issued_with_the_result_counts_the_ranked_and_marks_the_missed(who, run, xinyang, yanan):
    from duikou.evaluation import services as evaluation_services
    from duikou.evaluation.supervision import services as supervision

    evaluation_services.publish_run(run=run, user=who["ndrc"])
    apart = run.results.exclude(pairing__in=[xinyang, yanan]).first().pairing
    notices = supervision.issue_notices(
        run=run,
        pairings=[yanan, apart],
        finding="共建园区招商进展缓慢",
        measures_required="制定招商专项方案，按季度报送进展",
        deadline=timezone.localdate() + datetime.timedelta(days=60),
        user=who["ndrc"],
    )
    first, second = (n.finding.splitlines()[0] for n in notices)
    assert "在 2 个结对关系中排名第 2 位，等次为较差（未按时填报）。" in first  # 2 ranked, not the run's 20 rows
    assert second.endswith("本年度无应报数据，未参与排名。") and "None" not in second
