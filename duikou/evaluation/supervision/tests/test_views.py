"""Supervision pages and API: the same services and scoping as the service tests, through HTTP."""

import datetime
import io
import json

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.evaluation.models import Commendation, Notice
from duikou.evaluation.supervision import services
from duikou.evaluation.testing import published_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(who, xinyang):
    return published_run(
        who["ndrc"], [(xinyang, "91.5", "excellent"), (testing.pairing("延安市", "无锡市"), "70", "fair")]
    )


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def notice(run, xinyang, who):
    return services.issue_notice(
        run=run,
        pairing=xinyang,
        finding="消费帮扶金额未达年度目标",
        measures_required="拓展消费帮扶渠道",
        deadline=in_days(60),
        user=who["ndrc"],
    )


@pytest.fixture
def hnotice(who, xinyang):
    """A notice 河南 issued from its own evaluation: under province supervision."""
    hrun = published_run(who["henan"], [(xinyang, "72", "fair")], province="410000")
    return services.issue_notice(
        run=hrun,
        pairing=xinyang,
        finding="消费帮扶金额未达年度目标",
        measures_required="拓展消费帮扶渠道",
        deadline=in_days(60),
        user=who["henan"],
    )


def as_user(client, user):
    client.force_login(user)
    return client


def step(client, notice, name, **data):
    notice.refresh_from_db()
    return client.post(f"/evaluation/notices/{notice.pk}/step/{name}/", {"version": notice.version, **data})


# ---- pages ---------------------------------------------------------------------------------------------


def test_desk_lists_the_users_notices_with_overdue_in_red(client, notice, who):
    Notice.objects.filter(pk=notice.pk).update(step_due=in_days(-1), supervision_level="national")
    page = as_user(client, who["xy_editor"]).get("/evaluation/notices/").content.decode()
    assert notice.number in page and "table-danger overdue" in page and "逾期" in page
    assert "国家督办台" not in page  # the national desk link is for the overseer


def test_desk_escalates_overdue_notices_first(client, hnotice, who):
    notice = hnotice
    Notice.objects.filter(pk=notice.pk).update(step_due=in_days(-1))
    response = as_user(client, who["henan"]).get("/evaluation/notices/")
    assert "已升级为国家督办" in response.content.decode()
    notice.refresh_from_db()
    assert notice.supervision_level == "national"


def test_desk_filters_search_and_empty_state(client, notice, who):
    c = as_user(client, who["xy_editor"])
    assert notice.number in c.get("/evaluation/notices/?q=信阳&status=issued&level=national").content.decode()
    empty = c.get("/evaluation/notices/?major=1").content.decode()
    assert notice.number not in empty and 'id="notice-empty"' in empty
    assert notice.number not in c.get("/evaluation/notices/?overdue=1").content.decode()
    assert c.get("/evaluation/notices/?status=nonsense&overdue=x").status_code == 200
    stranger = testing.user("ya_editor", "延安市人民政府", "editor")
    assert notice.number not in as_user(client, stranger).get("/evaluation/notices/").content.decode()


def test_desk_pages(client, run, xinyang, who, settings):
    settings.PAGE_SIZE = 2
    for _ in range(3):
        services.issue_notice(
            run=run, pairing=xinyang, finding="问题", measures_required="要求", deadline=in_days(60), user=who["ndrc"]
        )
    page = as_user(client, who["xy_editor"]).get("/evaluation/notices/?page=2").content.decode()
    assert page.count('class="notice-row') == 1 and "第 2 / 2 页" in page


def test_export_is_an_xlsx_of_the_filtered_scoped_list(client, notice, who):
    response = as_user(client, who["xy_editor"]).get("/evaluation/notices/export.xlsx?status=open")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "文号" and rows[1][0] == notice.number and rows[1][2] == "信阳市人民政府"


def test_national_desk_is_for_the_overseer_only(client, notice, who):
    Notice.objects.filter(pk=notice.pk).update(major=True)
    assert notice.number in as_user(client, who["ndrc"]).get("/evaluation/notices/national/").content.decode()
    assert as_user(client, who["henan"]).get("/evaluation/notices/national/").status_code == 403


def test_detail_shows_only_the_steps_the_user_may_take(client, notice, who):
    page = as_user(client, who["xy_editor"]).get(f"/evaluation/notices/{notice.pk}/").content.decode()
    assert 'id="step-receive"' in page and 'id="step-verify"' not in page
    page = as_user(client, who["henan"]).get(f"/evaluation/notices/{notice.pk}/").content.decode()
    assert 'id="step-receive"' not in page and 'id="step-flag_major"' in page
    stranger = testing.user("ya_editor", "延安市人民政府", "editor")
    assert as_user(client, stranger).get(f"/evaluation/notices/{notice.pk}/").status_code == 404


def test_detail_says_whose_turn_it_is_and_by_when(client, notice, who):
    response = as_user(client, who["henan"]).get(f"/evaluation/notices/{notice.pk}/")
    assert str(response.context["turn"]) == f"等待 信阳市人民政府 处理，截止 {in_days(5).isoformat()}（本地规则）"
    assert f"待 信阳市人民政府「签收」，时限 {in_days(5).isoformat()}。" in response.content.decode()
    Notice.objects.filter(pk=notice.pk).update(step_due=in_days(-1), supervision_level="national")
    page = client.get(f"/evaluation/notices/{notice.pk}/").content.decode()
    assert f"信阳市人民政府「签收」已逾期（时限 {in_days(-1).isoformat()}）。" in page


def test_walk_through_the_pages(client, hnotice, who):
    notice = hnotice
    c = as_user(client, who["xy_editor"])
    assert step(c, notice, "receive").status_code == 302
    response = step(c, notice, "report", text="")
    assert "未完成" in c.get(response["Location"]).content.decode()  # empty measures are refused on the page
    step(c, notice, "report", text="已开设消费帮扶专馆")
    assert step(c, notice, "verify", comment="自己核验").status_code == 403
    c = as_user(client, who["henan"])
    step(c, notice, "verify", comment="核验通过")
    step(c, notice, "close")
    notice.refresh_from_db()
    assert notice.status == "closed"
    page = c.get(f"/evaluation/notices/{notice.pk}/").content.decode()
    assert "已销号" in page and "已开设消费帮扶专馆" in page and "修改历史" in page


def test_stale_step_on_the_page_is_refused_with_a_message(client, notice, who):
    c = as_user(client, who["xy_editor"])
    version = notice.version
    step(c, notice, "receive")
    response = c.post(f"/evaluation/notices/{notice.pk}/step/report/", {"version": version, "text": "旧版本"})
    assert "已被他人修改" in c.get(response["Location"]).content.decode()


def test_issue_form_from_a_published_run(client, run, xinyang, who):
    c = as_user(client, who["ndrc"])
    url = f"/evaluation/notices/new/?run={run.pk}&pairing={xinyang.pk}"
    page = c.get(url).content.decode()
    assert "总分 91.50 分" in page and "信阳市人民政府" in page
    response = c.post(url, {"pairing": xinyang.pk, "finding": "", "measures_required": "x", "deadline": "2000-01-01"})
    assert response.status_code == 200 and "请写明存在的问题" not in response.content.decode()  # the form refuses first
    assert "这个字段是必填项" in response.content.decode() or "This field is required" in response.content.decode()
    response = c.post(
        url, {"pairing": xinyang.pk, "finding": "问题", "measures_required": "要求", "deadline": "2000-01-01"}
    )
    assert "整改时限须晚于签收期限" in response.content.decode()
    response = c.post(
        url,
        {"pairing": xinyang.pk, "finding": "问题", "measures_required": "要求", "deadline": in_days(30).isoformat()},
    )
    created = Notice.objects.get()
    assert response["Location"] == f"/evaluation/notices/{created.pk}/" and created.issued_by == who["ndrc"]


def test_issue_form_is_refused_to_cities_and_hidden_out_of_scope(client, run, xinyang, who):
    url = f"/evaluation/notices/new/?run={run.pk}&pairing={xinyang.pk}"
    assert as_user(client, who["xy_approver"]).get(url).status_code == 403
    yanan = testing.pairing("延安市", "无锡市")
    assert (
        as_user(client, who["xy_approver"]).get(f"/evaluation/notices/new/?run={run.pk}&pairing={yanan.pk}").status_code
        == 404
    )


def test_commendation_page_generates_the_list(client, run, who):
    c = as_user(client, who["ndrc"])
    page = c.get(f"/evaluation/commendations/{run.pk}/").content.decode()
    assert 'id="generate-commendations"' in page and 'id="commendations-empty"' in page and "下发整改通知" in page
    c.post(f"/evaluation/commendations/{run.pk}/generate/")
    assert Commendation.objects.filter(run=run).count() == 1
    page = as_user(client, who["xy_viewer"]).get(f"/evaluation/commendations/{run.pk}/").content.decode()
    assert "信阳市—苏州市" in page and "排名第 1 位" in page and 'id="generate-commendations"' not in page
    assert as_user(client, who["xy_approver"]).post(f"/evaluation/commendations/{run.pk}/generate/").status_code == 403


# ---- API -----------------------------------------------------------------------------------------------


def api(client, user, method, url, body=None):
    _token, key = issue_token(user=user, name="test")
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"/api/supervision{url}", **kwargs)


def test_api_walk_with_conflict_and_refusals(client, xinyang, who):
    hrun = published_run(who["henan"], [(xinyang, "72", "fair")], province="410000")
    body = {
        "run_id": hrun.pk,
        "pairing_id": xinyang.pk,
        "finding": "接口问题",
        "measures_required": "接口要求",
        "deadline": in_days(40).isoformat(),
    }
    assert api(client, who["xy_approver"], "post", "/notices", body).status_code == 403
    created = api(client, who["henan"], "post", "/notices", body)
    assert created.status_code == 201
    data = created.json()
    assert data["responsible"] == "信阳市人民政府" and data["status"] == "issued"
    assert (data["old_side"], data["partner_side"], data["supervision_level"]) == ("信阳市", "苏州市", "province")
    nid, version = data["id"], data["version"]

    got = api(client, who["xy_editor"], "get", f"/notices/{nid}").json()
    assert got["steps"] == ["receive"]
    r = api(client, who["xy_editor"], "post", f"/notices/{nid}/steps/receive", {"version": version})
    assert r.status_code == 200 and r.json()["status"] == "received"
    stale = api(client, who["xy_editor"], "post", f"/notices/{nid}/steps/report", {"version": version, "text": "x"})
    assert stale.status_code == 409
    empty = api(client, who["xy_editor"], "post", f"/notices/{nid}/steps/report", {"version": version + 1})
    assert empty.status_code == 422
    r = api(
        client, who["xy_editor"], "post", f"/notices/{nid}/steps/report", {"version": version + 1, "text": "已整改"}
    )
    assert r.json()["status"] == "reported"
    city = api(
        client, who["xy_approver"], "post", f"/notices/{nid}/steps/verify", {"version": version + 2, "comment": "x"}
    )
    assert city.status_code == 403
    r = api(client, who["henan"], "post", f"/notices/{nid}/steps/verify", {"version": version + 2, "comment": "通过"})
    assert r.json()["status"] == "verified"
    r = api(client, who["henan"], "post", f"/notices/{nid}/steps/close", {"version": version + 3})
    assert r.json()["status"] == "closed"
    unknown = api(client, who["henan"], "post", f"/notices/{nid}/steps/dance", {"version": version + 4})
    assert unknown.status_code == 422
    assert api(client, who["shaanxi"], "get", f"/notices/{nid}").status_code == 404


def test_api_lists_and_national_desk(client, notice, who):
    listed = api(client, who["xy_editor"], "get", "/notices?status=open").json()
    assert [n["number"] for n in listed] == [notice.number]
    assert api(client, who["shaanxi"], "get", "/notices").json() == []
    # issued by the overseer: under national supervision, so on its desk from the start
    assert [n["id"] for n in api(client, who["ndrc"], "get", "/notices/national-desk").json()] == [notice.pk]
    r = api(client, who["henan"], "post", f"/notices/{notice.pk}/steps/flag_major", {"version": 1, "reason": "重大"})
    assert r.json()["major"] is True
    assert api(client, who["henan"], "get", "/notices/national-desk").status_code == 403


def test_api_commendations(client, run, who):
    assert api(client, who["xy_approver"], "post", f"/runs/{run.pk}/commendations").status_code == 403
    made = api(client, who["ndrc"], "post", f"/runs/{run.pk}/commendations").json()
    assert [c["pairing"] for c in made] == ["信阳市—苏州市"]
    assert api(client, who["ndrc"], "post", f"/runs/{run.pk}/commendations").json() == []
    listed = api(client, who["xy_viewer"], "get", f"/runs/{run.pk}/commendations").json()
    assert len(listed) == 1 and "优秀" in listed[0]["reason"]


# ---- Word documents ------------------------------------------------------------------------------------


def docx_text(response) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)


def test_notice_and_commendation_documents_download(client, run, notice, who):
    c = as_user(client, who["xy_editor"])
    page = c.get(f"/evaluation/notices/{notice.pk}/").content.decode()
    assert 'id="download-docx"' in page
    text = docx_text(c.get(f"/evaluation/notices/{notice.pk}/notice.docx"))
    assert notice.number in text and "消费帮扶金额未达年度目标" in text and "信阳市人民政府" in text
    services.generate_commendations(run=run, user=who["ndrc"])
    page = c.get(f"/evaluation/commendations/{run.pk}/").content.decode()
    assert 'id="download-commendations"' in page
    text = docx_text(c.get(f"/evaluation/commendations/{run.pk}/commendations.docx"))
    assert "信阳市—苏州市" in text and "排名第 1 位" in text and "。。" not in text


def test_issue_form_without_a_run_lists_the_runs_the_user_may_issue_from(client, run, who):
    page = as_user(client, who["ndrc"]).get("/evaluation/notices/new/").content.decode()
    assert f"?run={run.pk}" in page
    page = as_user(client, who["xy_approver"]).get("/evaluation/notices/new/").content.decode()
    assert f"?run={run.pk}" not in page and "没有您可以据以下发整改通知的已发布评估结果" in page


def test_commendation_document_needs_a_list(client, run, who):
    assert as_user(client, who["ndrc"]).get(f"/evaluation/commendations/{run.pk}/commendations.docx").status_code == 404
