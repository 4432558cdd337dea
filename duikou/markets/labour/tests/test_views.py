"""劳务协作 pages, API and Excel import/export through HTTP."""

import datetime
import io
import json
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.core import pii
from duikou.markets.labour import services, tables
from duikou.markets.labour import testing as lt
from duikou.markets.models import JobPosting, JobSeeker, Placement
from duikou.projects.testing import workbook

pytestmark = pytest.mark.django_db


def api(client, user, method, url, data=None):
    _token, key = issue_token(user=user, name="t")
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if data is not None:
        kwargs |= {"data": json.dumps(data), "content_type": "application/json"}
    return getattr(client, method)(url, **kwargs)


# --- pages ----------------------------------------------------------------------------------------------------


def test_posting_detail_shows_reasons_adding_up_to_the_score(client, xinyang):
    posting = lt.posting()
    lt.seeker(user=xinyang, name="王五", skills=["electrician"], expected_wage=5500)
    client.force_login(xinyang)
    html = client.get(f"/markets/labour/postings/{posting.pk}/").content.decode()
    score = re.search(r'class="text-end fw-bold match-score">([\d.]+)<', html).group(1)
    points = re.findall(r'class="text-end term-points">([\d.]+)<', html)
    assert len(points) == 7
    assert sum(round(float(p) * 100) for p in points) == round(float(score) * 100)
    assert "王五" in html and "记录安置" in html


def test_employer_sees_masked_seekers_and_no_placement_button(client, xinyang, suzhou):
    number = lt.id_number(41)
    lt.seeker(user=xinyang, name="王五六", id_number_=number, phone="13700001111")
    posting = lt.posting(user=suzhou)
    client.force_login(suzhou)
    html = client.get(f"/markets/labour/postings/{posting.pk}/").content.decode()
    assert "王**" in html and "王五六" not in html and number not in html and number[:4] + "*" not in html
    assert "记录安置" not in html


def test_record_placement_through_the_page(client, xinyang):
    posting = lt.posting(headcount=2)
    seeker = lt.seeker(user=xinyang, name="赵六")
    client.force_login(xinyang)
    response = client.post(
        f"/markets/labour/place/{seeker.pk}/{posting.pk}/", {"start_date": "2025-05-06", "wage": "5600"}
    )
    placement = Placement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/markets/labour/placements/{placement.pk}/"
    assert placement.activity.people_placed == 1
    html = client.get(f"/pairings/{placement.pairing_id}/").content.decode()
    assert "活动记录合计" in html


def test_pairing_page_shows_this_years_labour_figure(client, xinyang):
    today = timezone.localdate()
    posting = lt.posting(headcount=2)
    services.record_placement(
        user=xinyang, seeker=lt.seeker(user=xinyang), posting=posting, start_date=today, wage=5000
    )
    client.force_login(xinyang)
    pairing = testing.pairing("信阳市", "苏州市")
    html = client.get(f"/pairings/{pairing.pk}/").content.decode()
    row = re.search(r'<tr data-code="labour_coop_persons">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'<td class="text-end">(.*?)</td>', row) == ["1", "1"]


def test_seeker_form_errors_are_shown(client, xinyang):
    client.force_login(xinyang)
    response = client.post(
        "/markets/labour/seekers/new/",
        {"name": "钱七", "home": "411526", "id_number": "41152619900101001X", "expected_wage": "5000"},
    )
    assert response.status_code == 200 and "校验位" in response.content.decode()
    assert not JobSeeker.objects.exists()


def test_seeker_created_through_the_page(client, xinyang):
    client.force_login(xinyang)
    response = client.post(
        "/markets/labour/seekers/new/",
        {
            "name": "钱七",
            "home": "411526 潢川县",
            "id_number": lt.id_number(42),
            "phone": "13800002222",
            "skills": ["electrician"],
            "preferred_regions": "320000 310000",
            "expected_wage": "5000",
        },
    )
    seeker = JobSeeker.objects.get()
    assert response.status_code == 302
    assert seeker.preferred_regions == ["320000", "310000"] and seeker.skills == ["electrician"]
    page = client.get(f"/markets/labour/seekers/{seeker.pk}/").content.decode()
    assert seeker.id_number_masked in page and lt.id_number(42) not in page and "138****2222" in page


def test_followup_recorded_through_the_page(client, xinyang):
    placement = services.record_placement(
        user=xinyang,
        seeker=lt.seeker(user=xinyang),
        posting=lt.posting(),
        start_date=datetime.date(2025, 1, 2),
        wage=5000,
    )
    followup = placement.followups.get(months=3)
    client.force_login(xinyang)
    assert followup.pk and "记录回访" in client.get("/markets/labour/followups/").content.decode()
    response = client.post(
        f"/markets/labour/followups/{followup.pk}/",
        {"version": "1", "done_on": "2025-04-03", "still_employed": "no", "note": "已返乡"},
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.status == Placement.Status.LEFT


def test_plan_page(client, xinyang):
    lt.posting(headcount=1)
    lt.seeker(user=xinyang, name="孙八", skills=["electrician"])
    client.force_login(xinyang)
    html = client.get("/markets/labour/plan/?k=5&go=1").content.decode()
    assert "孙八" in html and 'id="plan-total"' in html


# --- API ------------------------------------------------------------------------------------------------------


def test_api_matches_are_explained_and_masked_for_employers(client, xinyang, suzhou):
    number = lt.id_number(43)
    lt.seeker(user=xinyang, name="周九", id_number_=number, skills=["electrician"])
    posting = lt.posting(user=suzhou)
    rows = api(client, suzhou, "get", f"/api/markets/labour/postings/{posting.pk}/matches").json()
    assert rows[0]["seeker_name"] == "周*" and rows[0]["seeker_id"] is None and rows[0]["id_number_masked"] is None
    assert sum(round(t["points"] * 100) for t in rows[0]["terms"]) == round(float(rows[0]["score"]) * 100)
    assert number not in json.dumps(rows, ensure_ascii=False)


def test_api_seeker_answers_are_masked(client, xinyang):
    number = lt.id_number(44)
    response = api(
        client,
        xinyang,
        "post",
        "/api/markets/labour/seekers",
        {"name": "吴十", "home": "411526", "id_number": number, "phone": "13900003333", "expected_wage": 5000},
    )
    assert response.status_code == 201
    body = json.dumps(response.json(), ensure_ascii=False)
    assert number not in body and "13900003333" not in body and response.json()["phone_masked"] == "139****3333"
    again = api(
        client,
        xinyang,
        "post",
        "/api/markets/labour/seekers",
        {"name": "吴十一", "home": "411526", "id_number": number, "expected_wage": 5000},
    )
    assert again.status_code == 422 and "已登记" in again.json()["detail"][0]


def test_api_statuses(client, xinyang, suzhou):
    posting = lt.posting(user=suzhou)
    data = {
        "employer": "x",
        "title": "y",
        "region": "320505",
        "occupation": "manufacturing",
        "wage_min": 10,
        "wage_max": 20,
        "headcount": 1,
        "valid_until": "2099-01-01",
        "version": 1,
    }
    assert api(client, xinyang, "put", f"/api/markets/labour/postings/{posting.pk}", data).status_code == 403
    assert api(client, suzhou, "put", f"/api/markets/labour/postings/{posting.pk}", data).status_code == 200
    assert api(client, suzhou, "put", f"/api/markets/labour/postings/{posting.pk}", data).status_code == 409
    bad = data | {"wage_max": 5, "version": 2}
    assert api(client, suzhou, "put", f"/api/markets/labour/postings/{posting.pk}", bad).status_code == 422
    seeker = lt.seeker("610602", user=testing.user("ya", "延安市人民政府", "editor"))
    assert api(client, xinyang, "get", f"/api/markets/labour/seekers/{seeker.pk}").status_code == 404


def test_api_placement_and_followup(client, xinyang):
    posting = lt.posting(headcount=3)
    seeker = lt.seeker(user=xinyang)
    response = api(
        client,
        xinyang,
        "post",
        "/api/markets/labour/placements",
        {"seeker_id": seeker.pk, "posting_id": posting.pk, "start_date": "2025-03-03", "wage": 5200},
    )
    assert response.status_code == 201 and response.json()["activity_id"]
    placement_id = response.json()["id"]
    followups = api(client, xinyang, "get", f"/api/markets/labour/placements/{placement_id}/followups").json()
    assert [f["due"] for f in followups] == ["2025-06-03", "2025-09-03"]
    done = api(
        client,
        xinyang,
        "put",
        f"/api/markets/labour/followups/{followups[0]['id']}",
        {"version": 1, "still_employed": True, "wage": 5400, "done_on": "2025-06-04"},
    )
    assert done.status_code == 200 and done.json()["wage"] == 5400


# --- Excel ----------------------------------------------------------------------------------------------------

POSTING_ROW = {
    "用工单位": "苏州导入电子有限公司",
    "岗位名称": "普工",
    "工作地点代码": "320505 虎丘区",
    "职业类别": "电子装配",
    "技能要求": "装配、质量检验",
    "月工资下限（元）": 4500,
    "月工资上限（元）": 6000,
    "提供住宿": "是",
    "招聘人数": 20,
    "有效期至": "2026-12-31",
}


def posting_file(rows):
    return workbook(rows, [c.header for c in tables.POSTING_COLUMNS], title="用工岗位")


def seeker_file(rows):
    return workbook(rows, [c.header for c in tables.SEEKER_COLUMNS], title="求职者")


def test_posting_import(suzhou):
    result = tables.import_rows(kind="postings", user=suzhou, data=posting_file([POSTING_ROW]), filename="p.xlsx")
    assert result["created"] == 1
    posting = JobPosting.objects.get()
    assert (posting.occupation, posting.skills, posting.headcount) == ("electronics", ["assembly", "quality"], 20)


def test_posting_reimport_changes_nothing_and_updates_what_changed(suzhou):
    tables.import_rows(kind="postings", user=suzhou, data=posting_file([POSTING_ROW]), filename="p.xlsx")
    again = tables.import_rows(kind="postings", user=suzhou, data=posting_file([POSTING_ROW]), filename="p.xlsx")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    changed = POSTING_ROW | {"招聘人数": 25}
    result = tables.import_rows(kind="postings", user=suzhou, data=posting_file([changed]), filename="p.xlsx")
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 0)
    posting = JobPosting.objects.get()
    assert (posting.headcount, posting.version) == (25, 2)


def test_posting_import_dry_run_writes_nothing(suzhou):
    result = tables.import_rows(
        kind="postings", user=suzhou, data=posting_file([POSTING_ROW]), filename="p.xlsx", dry_run=True
    )
    assert result["created"] == 1 and not JobPosting.objects.exists()


def test_posting_import_is_all_or_nothing_with_row_errors(suzhou):
    from duikou.core.errors import UserFacingError

    bad = POSTING_ROW | {"月工资上限（元）": 4000, "职业类别": "宇航员"}
    with pytest.raises(UserFacingError) as exc:
        tables.import_rows(kind="postings", user=suzhou, data=posting_file([POSTING_ROW, bad]), filename="p.xlsx")
    errors = exc.value.details["errors"]
    assert {(e["row"], e["column"].split()[-1]) for e in errors} == {(3, "职业类别")}
    assert errors[0]["value"] == "宇航员" and "可选" in errors[0]["reason"]
    assert not JobPosting.objects.exists()
    with pytest.raises(UserFacingError) as exc:
        tables.import_rows(
            kind="postings",
            user=suzhou,
            data=posting_file([POSTING_ROW, POSTING_ROW | {"月工资上限（元）": 4000}]),
            filename="p.xlsx",
        )
    (error,) = exc.value.details["errors"]
    assert (error["row"], error["column"], error["reason"]) == (3, "G 月工资上限（元）", "月工资上限不能低于下限")
    assert not JobPosting.objects.exists()


def test_a_rows_error_does_not_hide_the_next_rows_errors(suzhou):
    from duikou.core.errors import UserFacingError

    rows = [POSTING_ROW | {"职业类别": "宇航员"}, POSTING_ROW | {"岗位名称": "质检员", "月工资上限（元）": 4000}]
    with pytest.raises(UserFacingError) as exc:
        tables.import_rows(kind="postings", user=suzhou, data=posting_file(rows), filename="p.xlsx", dry_run=True)
    found = {(e["row"], e["column"].split()[-1]): e["reason"] for e in exc.value.details["errors"]}
    assert found[(3, "月工资上限（元）")] == "月工资上限不能低于下限" and (2, "职业类别") in found
    assert len(found) == 2 and not JobPosting.objects.exists()


def test_seeker_import_never_reports_an_id_number(xinyang):
    from duikou.core.errors import UserFacingError

    number = lt.id_number(45)
    row = {"姓名": "郑一", "户籍地代码": "411526", "身份证号": number, "技能": "电工", "期望月工资（元）": 5000}
    result = tables.import_rows(kind="seekers", user=xinyang, data=seeker_file([row]), filename="s.xlsx")
    assert result["created"] == 1 and JobSeeker.objects.get().id_number_masked.endswith(number[-4:])
    again = tables.import_rows(kind="seekers", user=xinyang, data=seeker_file([row]), filename="s.xlsx")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    moved = row | {"户籍地代码": "411521"}  # the same person registered under another county
    with pytest.raises(UserFacingError) as exc:
        tables.import_rows(kind="seekers", user=xinyang, data=seeker_file([moved]), filename="s.xlsx")
    (error,) = exc.value.details["errors"]
    assert error["row"] == 2 and "已在其他户籍地" in error["reason"]
    assert number not in json.dumps(exc.value.details, ensure_ascii=False)
    assert JobSeeker.objects.get().home_id == "411526"


def test_seeker_reimport_updates_what_changed(xinyang):
    number = lt.id_number(46)
    row = {"姓名": "郑二", "户籍地代码": "411526", "身份证号": number, "技能": "电工", "期望月工资（元）": 5000}
    tables.import_rows(kind="seekers", user=xinyang, data=seeker_file([row]), filename="s.xlsx")
    result = tables.import_rows(
        kind="seekers", user=xinyang, data=seeker_file([row | {"期望月工资（元）": 5600}]), filename="s.xlsx"
    )
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 0)
    seeker = JobSeeker.objects.get()
    assert (seeker.expected_wage, seeker.version) == (5600, 2)


def test_seeker_import_refuses_another_areas_people(xinyang):
    from duikou.core.errors import UserFacingError

    row = {"姓名": "郑二", "户籍地代码": "610602", "身份证号": lt.id_number(46, "610602"), "期望月工资（元）": 5000}
    with pytest.raises(UserFacingError):
        tables.import_rows(kind="seekers", user=xinyang, data=seeker_file([row]), filename="s.xlsx")
    assert not JobSeeker.objects.exists()


def test_import_page_runs_a_job(client, suzhou):
    client.force_login(suzhou)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.xlsx", posting_file([POSTING_ROW]))
    response = client.post("/markets/labour/postings/import/", {"file": upload, "dry_run": "on"})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    assert "试导入通过" in client.get(response["Location"]).content.decode()


def test_template_has_dropdowns(client, suzhou):
    client.force_login(suzhou)
    response = client.get("/markets/labour/postings/template.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["用工岗位"]
    assert [c.value for c in sheet[1]][:3] == ["用工单位", "岗位名称", "工作地点代码"]
    assert sheet.data_validations.dataValidation
    # the instructions say what makes a row the same posting again, so that re-importing a file is safe
    rules = [row[2] for row in book["填写说明"].iter_rows(values_only=True) if row and row[2]]
    assert any("以「用工单位、岗位名称、工作地点代码、有效期至」识别同一条记录" in rule for rule in rules)
    assert book["选项"].sheet_state == "hidden"


def test_seeker_export_is_masked(client, xinyang):
    number = lt.id_number(47)
    lt.seeker(user=xinyang, name="冯三", id_number_=number, phone="13600004444")
    client.force_login(xinyang)
    book = load_workbook(io.BytesIO(client.get("/markets/labour/seekers/export.xlsx").content))
    text = " ".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row if v)
    assert "冯三" in text and number not in text and "13600004444" not in text and "136****4444" in text


def test_employer_sees_its_placement_with_the_name_masked(client, xinyang, suzhou):
    posting = lt.posting(user=suzhou)
    seeker = lt.seeker(user=xinyang, name="蒋四海")
    placement = services.record_placement(
        user=xinyang, seeker=seeker, posting=posting, start_date=datetime.date(2025, 3, 1), wage=5000
    )
    client.force_login(suzhou)
    html = client.get(f"/markets/labour/placements/{placement.pk}/").content.decode()
    assert "蒋**" in html and "蒋四海" not in html and seeker.id_number_masked not in html


def test_plan_for_one_city(client, xinyang):
    lt.posting("320505", "苏州岗", headcount=1)
    lt.posting("320214", "无锡岗", employer="无锡某厂", headcount=1)
    lt.seeker(user=xinyang, name="韩五", skills=["electrician"])
    client.force_login(xinyang)
    html = client.get("/markets/labour/plan/?k=5&city=320500&go=1").content.decode()
    assert "苏州岗" in html and "无锡岗" not in html
    body = api(client, xinyang, "get", "/api/markets/labour/plan?city=320200").json()
    assert [m["posting"] for m in body["matches"]] == ["无锡某厂：无锡岗"]


def test_seeker_export_keeps_formula_text_as_text(client, xinyang):
    lt.seeker(user=xinyang, name='=HYPERLINK("http://evil.example")', id_number_=lt.id_number(48))
    client.force_login(xinyang)
    book = load_workbook(io.BytesIO(client.get("/markets/labour/seekers/export.xlsx").content))
    cell = book.active["A2"]
    assert (cell.value, cell.data_type) == ('\'=HYPERLINK("http://evil.example")', "s")


# --- ID numbers never stand in a URL ------------------------------------------------------------------------------


def full_width(text: str) -> str:
    """４１１５２６… : how an ID number arrives from a Chinese input method in full-width mode."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def links(html: str) -> list[str]:
    return re.findall(r'(?:href|action|hx-get|hx-post)="([^"]*)"', html)


def test_seeker_search_by_id_number_is_posted_and_not_cached(client, xinyang):
    number = lt.id_number(61)
    lt.seeker(user=xinyang, name="按号查找的人", id_number_=number)
    lt.seeker(user=xinyang, name="另一个人", serial=62)
    client.force_login(xinyang)
    response = client.post("/markets/labour/seekers/", {"id_number": full_width(number[:6]) + " " + number[6:]})
    html = response.content.decode()
    assert response.status_code == 200 and "按号查找的人" in html and "另一个人" not in html
    assert "no-store" in response["Cache-Control"]
    assert number not in html and not [u for u in links(html) if number in u]
    assert 'method="post"' in html and 'name="id_number"' in html  # the page's own search form posts


def test_an_id_number_in_the_seeker_list_url_is_refused_or_ignored(client, xinyang):
    number = lt.id_number(63)
    lt.seeker(user=xinyang, name="按号查找的人", id_number_=number)
    lt.seeker(user=xinyang, name="另一个人", serial=64)
    client.force_login(xinyang)
    refused = client.get(f"/markets/labour/seekers/?q={number}&status=seeking")
    assert refused.status_code == 302 and number not in refused["Location"] and "status=seeking" in refused["Location"]
    html = client.get(refused["Location"]).content.decode()
    assert "身份证号不能作为网址中的查询条件" in html and not [u for u in links(html) if number in u]
    ignored = client.get(f"/markets/labour/seekers/?id_number={number}").content.decode()
    assert "另一个人" in ignored and not [u for u in links(ignored) if number in u]  # not a filter: nothing found by it


def test_api_finds_a_seeker_by_id_number_only_in_the_body(client, xinyang):
    number = lt.id_number(65)
    lt.seeker(user=xinyang, name="按号查找的人", id_number_=number)
    lt.seeker(user=xinyang, name="另一个人", serial=66)
    base = "/api/markets/labour/seekers"
    assert api(client, xinyang, "get", f"{base}?q={number}").status_code == 422
    ignored = api(client, xinyang, "get", f"{base}?id_number={number}").json()
    assert {s["name"] for s in ignored["items"]} == {"按号查找的人", "另一个人"}
    found = api(client, xinyang, "post", f"{base}/search", {"id_number": full_width(number)})
    assert found.status_code == 200 and [s["name"] for s in found.json()] == ["按号查找的人"]
    assert number not in found.content.decode()


def test_full_width_id_and_phone_numbers_are_normalised_for_job_seekers(client, xinyang):
    first = next(f"41152619900101{n:03d}" for n in range(1000) if pii.id_check_digit(f"41152619900101{n:03d}") == "X")
    response = api(
        client,
        xinyang,
        "post",
        "/api/markets/labour/seekers",
        {
            "name": "全角号码",
            "home": "411526",
            "id_number": full_width(first + "X"),
            "phone": "１３８ １２３４ ５６７８",
            "expected_wage": 4000,
        },
    )
    assert response.status_code == 201, response.content
    seeker = JobSeeker.objects.get(name="全角号码")
    assert pii.decrypt(seeker.id_number_enc) == first + "X" and pii.decrypt(seeker.phone_enc) == "13812345678"
    assert seeker.id_number_digest == pii.digest(first + "X")
