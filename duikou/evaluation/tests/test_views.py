"""Evaluation pages and API: schemes and items, reviews, runs, ranking, explanations, comparison, publication."""

import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.evaluation import services
from duikou.evaluation import testing as ev
from duikou.evaluation.models import Item, Review, Run, Scheme

pytestmark = pytest.mark.django_db

Q4 = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]


@pytest.fixture
def xinyang():
    return testing.pairing("信阳市", "苏州市")


@pytest.fixture
def yanan():
    return testing.pairing("延安市", "无锡市")


@pytest.fixture
def scheme(who):
    return ev.scheme(who["ndrc"], items=[ev.target_item(), ev.qualitative_item(weight="50")])


@pytest.fixture
def run(who, scheme, xinyang, yanan):
    ev.values(xinyang, {"funds_in_place_wan": dict.fromkeys(Q4, "2500")})
    ev.values(yanan, {"funds_in_place_wan": dict.fromkeys(Q4, "1000")})
    return ev.run(scheme, who["ndrc"])


def page(client, user):
    client.force_login(user)
    return client


# ---- schemes -----------------------------------------------------------------------------------------------


def test_scheme_list_filters_by_year_and_level(client, who, scheme):
    ev.scheme(who["henan"], level="province", province="410000", name="河南省2025年度评估方案")
    body = page(client, who["xy_viewer"]).get("/evaluation/?level=province").content.decode()
    assert "河南省2025年度评估方案" in body and scheme.name not in body
    body = client.get("/evaluation/?year=2024").content.decode()
    assert 'id="schemes-empty"' in body and "没有符合条件的评估方案" in body


def test_scheme_list_offers_creation_only_to_those_who_keep_schemes(client, who):
    assert 'id="scheme-create"' in page(client, who["ndrc"]).get("/evaluation/").content.decode()
    assert 'id="scheme-create"' not in page(client, who["xy_approver"]).get("/evaluation/").content.decode()
    assert client.get("/evaluation/schemes/new/").status_code == 403


def test_national_overseer_creates_a_scheme_on_the_page(client, who):
    response = page(client, who["ndrc"]).post(
        "/evaluation/schemes/new/",
        {"year": 2025, "level": "national", "name": "2025年度成效评估方案", "excellent_min": 90, "good_min": 80,
         "fair_min": 60},
    )  # fmt: skip
    scheme = Scheme.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/evaluation/schemes/{scheme.pk}/"
    assert scheme.created_by == who["ndrc"]


def test_province_creating_a_scheme_for_another_province_sees_the_refusal(client, who):
    client = page(client, who["henan"])
    body = client.get("/evaluation/schemes/new/").content.decode()
    assert '<option value="410000"' in body and '<option value="610000"' not in body
    response = client.post(
        "/evaluation/schemes/new/",
        {"year": 2025, "level": "province", "province": "610000", "name": "越权", "excellent_min": 90,
         "good_min": 80, "fair_min": 60},
    )  # fmt: skip
    assert response.status_code == 200 and not Scheme.objects.exists()


def test_item_form_shows_the_services_message_at_the_field(client, who, scheme):
    response = page(client, who["ndrc"]).post(
        f"/evaluation/schemes/{scheme.pk}/items/new/",
        {"name": "到位资金", "key_task": "KT5", "method": "target", "weight": "10", "indicator": "funds_in_place_wan",
         "scheme_version": scheme.version},
    )  # fmt: skip
    assert response.status_code == 200
    assert "目标完成度计分须填写大于 0 的目标值" in response.content.decode()


def test_item_is_added_edited_and_removed_on_the_page(client, who, scheme):
    client = page(client, who["ndrc"])
    response = client.post(
        f"/evaluation/schemes/{scheme.pk}/items/new/",
        {"name": "共建园区达标", "key_task": "KT5", "method": "threshold", "weight": "10", "indicator": "coop_parks",
         "threshold": "1", "scheme_version": scheme.version},
    )  # fmt: skip
    assert response.status_code == 302
    item = scheme.items.get(name="共建园区达标")
    scheme.refresh_from_db()
    edit = f"/evaluation/schemes/{scheme.pk}/items/{item.pk}/"
    assert "共建园区达标" in client.get(edit).content.decode()
    response = client.post(
        edit,
        {"name": "共建园区达标", "key_task": "KT5", "method": "threshold", "weight": "12", "indicator": "coop_parks",
         "threshold": "2", "scheme_version": scheme.version},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-3000:]
    item.refresh_from_db()
    assert (item.weight, item.threshold) == (Decimal("12"), Decimal("2"))
    scheme.refresh_from_db()
    client.post(edit, {"remove": "1", "scheme_version": scheme.version})
    assert not Item.objects.filter(pk=item.pk).exists()


def test_scheme_page_warns_when_weights_do_not_add_up_to_100(client, who):
    scheme = ev.scheme(who["ndrc"], items=[ev.qualitative_item(weight="30")])
    body = page(client, who["ndrc"]).get(f"/evaluation/schemes/{scheme.pk}/").content.decode()
    assert 'id="weight-warning"' in body and "计分项分值合计为 30 分" in body


def test_copy_forward_on_the_page(client, who, scheme):
    response = page(client, who["ndrc"]).post(f"/evaluation/schemes/{scheme.pk}/copy/", {"year": 2026})
    copy = Scheme.objects.get(year=2026)
    assert response["Location"] == f"/evaluation/schemes/{copy.pk}/"
    assert copy.items.count() == 2 and copy.copied_from == scheme


def test_published_scheme_pages_refuse_changes(client, who, run):
    services.publish_run(run=run, user=who["ndrc"])
    client = page(client, who["ndrc"])
    response = client.get(f"/evaluation/schemes/{run.scheme_id}/edit/", follow=True)
    assert "不能修改" in response.content.decode()
    assert 'id="item-create"' not in client.get(f"/evaluation/schemes/{run.scheme_id}/").content.decode()


# ---- reviews -----------------------------------------------------------------------------------------------


def test_review_grid_saves_the_reviewers_marks(client, who, scheme, xinyang, yanan):
    item = scheme.items.get(method="qualitative")
    client = page(client, who["ndrc"])
    body = client.get(f"/evaluation/schemes/{scheme.pk}/reviews/").content.decode()
    assert f'name="mark-{item.pk}-{xinyang.pk}"' in body
    response = client.post(
        f"/evaluation/schemes/{scheme.pk}/reviews/",
        {f"mark-{item.pk}-{xinyang.pk}": "88", f"comment-{item.pk}-{xinyang.pk}": "红色研学成效好"},
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.pairing, review.mark, review.comment, review.reviewer) == (
        xinyang,
        Decimal("88"),
        "红色研学成效好",
        who["ndrc"],
    )


def test_review_grid_shows_a_bad_mark_at_its_cell(client, who, scheme, yanan):
    item = scheme.items.get(method="qualitative")
    response = page(client, who["ndrc"]).post(
        f"/evaluation/schemes/{scheme.pk}/reviews/", {f"mark-{item.pk}-{yanan.pk}": "120"}
    )
    assert response.status_code == 422
    assert "超出 0–100" in response.content.decode() and not Review.objects.exists()


def test_city_cannot_open_the_review_grid(client, who, scheme):
    assert page(client, who["xy_approver"]).get(f"/evaluation/schemes/{scheme.pk}/reviews/").status_code == 403


# ---- runs --------------------------------------------------------------------------------------------------


def test_run_is_started_on_the_page_and_listed(client, who, scheme):
    client = page(client, who["ndrc"])
    response = client.post(f"/evaluation/schemes/{scheme.pk}/runs/start/")
    assert response["Location"] == f"/evaluation/schemes/{scheme.pk}/runs/"
    run = scheme.runs.get()
    assert run.status == Run.Status.DONE
    assert f"/evaluation/runs/{run.pk}/" in client.get(response["Location"]).content.decode()


def test_runs_page_shows_the_progress_of_a_running_run(client, who, scheme):
    from duikou.core.models import Job

    job = Job.objects.create(kind="evaluation", title="成效评估", user=who["ndrc"], status="running", done=3, total=22)
    Run.objects.create(scheme=scheme, number=1, started_by=who["ndrc"], job=job)
    body = page(client, who["ndrc"]).get(f"/evaluation/schemes/{scheme.pk}/runs/").content.decode()
    assert f'hx-get="/evaluation/schemes/{scheme.pk}/runs/"' in body and "13%" in body
    assert 'id="run-start" disabled' in body


def test_ranking_page_lists_rank_tasks_total_grade_and_topsis(client, who, run, xinyang):
    body = page(client, who["ndrc"]).get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert body.count('class="ranking-row"') == 20
    assert 'data-pairing="N09"' in body and "TOPSIS" in body and 'id="entropy-weights"' in body
    assert f"/evaluation/runs/{run.pk}/pairings/{xinyang.pk}/" in body
    assert 'id="run-publish"' in body


def test_ranking_export_is_an_xlsx_of_the_visible_results(client, who, run):
    response = page(client, who["henan_viewer"]).get(f"/evaluation/runs/{run.pk}/ranking.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("排名", "结对编号", "革命老区城市", "支持方")
    assert [r[1] for r in rows[1:]] == ["N09"]


def test_explanation_page_lists_each_items_score_and_explanation(client, who, run, xinyang):
    body = page(client, who["ndrc"]).get(f"/evaluation/runs/{run.pk}/pairings/{xinyang.pk}/").content.decode()
    assert "实际到位资金 2025 年 10,000 万元（2025Q1–Q4 已审核值之和）÷ 目标 10,000 万元" in body
    assert "暂无评议意见，得 0.00 分" in body


def test_city_is_refused_another_pairings_explanation_after_publication(client, who, run, xinyang, yanan):
    services.publish_run(run=run, user=who["ndrc"])
    client = page(client, who["xy_viewer"])
    body = client.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert body.count('class="ranking-row"') == 20
    assert f"/pairings/{yanan.pk}/" not in body and f"/pairings/{xinyang.pk}/" in body
    assert client.get(f"/evaluation/runs/{run.pk}/pairings/{yanan.pk}/").status_code == 403
    assert client.get(f"/evaluation/runs/{run.pk}/pairings/{xinyang.pk}/").status_code == 200


def test_city_sees_no_ranking_before_publication(client, who, run, xinyang):
    client = page(client, who["xy_viewer"])
    assert 'id="ranking-empty"' in client.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert client.get(f"/evaluation/runs/{run.pk}/pairings/{xinyang.pk}/").status_code == 404


def test_compare_page_shows_what_changed(client, who, run, yanan):
    from duikou.indicators.models import DataValue

    DataValue.objects.filter(pairing=yanan, period="2025Q1").update(value=Decimal("7000"))
    again = ev.run(run.scheme, who["ndrc"])
    body = page(client, who["ndrc"]).get(f"/evaluation/runs/{again.pk}/compare/?other={run.pk}").content.decode()
    assert "1 个结对关系的结果有变化" in body
    assert "20.00 → 50.00" in body


def test_publish_on_the_page(client, who, run):
    response = page(client, who["ndrc"]).post(f"/evaluation/runs/{run.pk}/publish/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.published


def test_city_approver_cannot_publish_on_the_page(client, who, run):
    assert page(client, who["xy_approver"]).post(f"/evaluation/runs/{run.pk}/publish/").status_code == 403
    run.refresh_from_db()
    assert run.status == Run.Status.DONE


# ---- API ---------------------------------------------------------------------------------------------------


def api(client, user, method, path, data=None):
    _token, key = issue_token(user=user, name="test")
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if data is not None:
        kwargs |= {"data": json.dumps(data), "content_type": "application/json"}
    return getattr(client, method)(f"/api/evaluation{path}", **kwargs)


def test_api_creates_a_scheme_with_items(client, who):
    payload = {
        "year": 2025,
        "level": "national",
        "name": "接口方案",
        "items": [
            {"name": "资金到位", "key_task": "KT5", "method": "target", "weight": "60",
             "indicator": "funds_in_place_wan", "target": "10000"},
            {"name": "红色文化", "key_task": "KT1", "method": "qualitative", "weight": "40", "criterion": "要点"},
        ],
    }  # fmt: skip
    response = api(client, who["ndrc"], "post", "/schemes", payload)
    assert response.status_code == 201
    assert [i["method"] for i in response.json()["items"]] == ["target", "qualitative"]


def test_api_scheme_with_a_bad_item_creates_nothing(client, who):
    payload = {"year": 2025, "level": "national", "name": "接口方案",
               "items": [{"name": "资金到位", "key_task": "KT5", "method": "target", "weight": "60"}]}  # fmt: skip
    response = api(client, who["ndrc"], "post", "/schemes", payload)
    assert response.status_code == 422 and "须选择指标" in response.json()["detail"][0]
    assert not Scheme.objects.exists()


def test_api_copies_a_scheme_forward(client, who, scheme):
    response = api(client, who["ndrc"], "post", f"/schemes/{scheme.pk}/copy", {"year": 2026})
    assert response.status_code == 201 and response.json()["copied_from"] == scheme.pk


def test_api_runs_publishes_and_explains(client, who, scheme, xinyang, yanan):
    ev.values(xinyang, {"funds_in_place_wan": dict.fromkeys(Q4, "2500")})
    response = api(client, who["ndrc"], "post", f"/schemes/{scheme.pk}/runs")
    assert response.status_code == 202
    run_id = response.json()["run"]["id"]
    assert api(client, who["ndrc"], "get", f"/runs/{run_id}").json()["status"] == "done"
    results = api(client, who["ndrc"], "get", f"/runs/{run_id}/results").json()
    assert results[0]["pairing"].startswith("N09") and results[0]["rank"] == 1
    scores = api(client, who["ndrc"], "get", f"/runs/{run_id}/pairings/{xinyang.pk}/scores").json()
    target = next(s for s in scores if s["method"] == "target")
    assert target["score"] == "50.00" and "（2025Q1–Q4 已审核值之和）" in target["explanation"]
    assert target["inputs"]["actual"]["value"] == "10000"
    assert api(client, who["henan"], "post", f"/runs/{run_id}/publish").status_code == 403
    assert api(client, who["ndrc"], "post", f"/runs/{run_id}/publish").json()["status"] == "published"
    city = api(client, who["xy_viewer"], "get", f"/runs/{run_id}/pairings/{yanan.pk}/scores")
    assert city.status_code == 403


def test_api_compare_lists_item_changes(client, who, run, yanan):
    from duikou.indicators.models import DataValue

    DataValue.objects.filter(pairing=yanan, period="2025Q1").update(value=Decimal("7000"))
    again = ev.run(run.scheme, who["ndrc"])
    data = api(client, who["ndrc"], "get", f"/runs/{again.pk}/compare/{run.pk}").json()
    assert (data["before"], data["after"]) == (run.pk, again.pk)
    changed = [p for p in data["pairings"] if p["changed"]]
    assert [p["pairing"][:3] for p in changed] == ["N06"]
    assert changed[0]["items"][0]["delta"] == "30.00"


def test_api_city_sees_no_results_before_publication(client, who, run):
    assert api(client, who["xy_viewer"], "get", f"/runs/{run.pk}/results").json() == []


# ---- one state per run ------------------------------------------------------------------------------------------


RUN_STATES = ["计算中", "待发布", "失败", "已发布"]


def shown_states(body: str) -> list[str]:
    """The run states and job states the runs table shows, per row."""
    import re

    rows = re.findall(r'<tr class="run-row".*?</tr>', body, re.S)
    job_states = ["排队中", "进行中", "等待重试", "已完成", "已取消"]
    return [[s for s in RUN_STATES + job_states if f">{s}<" in row or f"{s} · " in row] for row in rows]


@pytest.mark.parametrize(
    "run_status, job_status, expected",
    [
        ("running", "running", ["计算中", "进行中"]),
        ("running", "retrying", ["计算中", "等待重试"]),
        ("running", "cancelled", ["失败"]),  # cancelled while waiting: the run did not compute
        ("running", "failed", ["失败"]),  # its worker died and the retries ran out
        ("running", "done", ["失败"]),  # the job ended without finishing the run
        ("done", "done", ["待发布"]),
        ("failed", "failed", ["失败"]),
    ],
)
def test_runs_list_shows_one_state_per_run(client, who, scheme, run_status, job_status, expected):
    from duikou.core.models import Job

    job = Job.objects.create(
        kind="evaluation", title="成效评估", user=who["ndrc"], status=job_status, done=3, total=3, message="中断"
    )
    run = Run.objects.create(scheme=scheme, number=1, started_by=who["ndrc"], job=job, status=run_status)
    body = page(client, who["ndrc"]).get(f"/evaluation/schemes/{scheme.pk}/runs/").content.decode()
    assert shown_states(body) == [expected]
    # the table re-reads itself while the run computes, so its badge and its progress never drift apart
    polls = 'hx-select="#run-list"' in body
    assert polls == (expected[0] == "计算中") and f'hx-get="/jobs/{job.pk}/"' not in body
    assert ('id="run-start" disabled' in body) == (expected[0] == "计算中")
    detail = client.get(f"/evaluation/runs/{run.pk}/").content.decode()
    assert f'id="run-status">{expected[0]}<' in detail


def test_a_finished_report_job_shows_its_summary_not_its_drawing_message(client, who, run):
    response = page(client, who["ndrc"]).post(f"/evaluation/runs/{run.pk}/report/docx/")
    body = client.get(response["Location"]).content.decode()
    assert "评估报告（Word）已生成" in body and "已完成" in body
    assert "正在绘制图表并排版" not in body and "正在保存结果" not in body
