"""Notices to several pairings at once (批量下发): one notice per pairing, consecutive numbers, all or nothing; every
notice starts at its issuer's level of supervision and names both sides of its pairing, on the pages and in its Word
document (read back with python-docx), alone or in the zip of the notices issued together."""

import datetime
import io
import json
import zipfile

import docx
import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from duikou import testing
from duikou.accounts.models import Organisation
from duikou.accounts.services import issue_token
from duikou.evaluation import documents
from duikou.evaluation.models import Notice
from duikou.evaluation.supervision import services
from duikou.evaluation.testing import published_run
from duikou.pairings.models import Pairing

pytestmark = pytest.mark.django_db


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def sides():
    return {
        "xinyang": testing.pairing("信阳市", "苏州市"),
        "yanan": testing.pairing("延安市", "无锡市"),
        "ganzhou": testing.pairing("赣州市", "深圳市"),
    }


@pytest.fixture
def run(who, sides):
    """The overseer's national run: 延安 excellent, 赣州 fair, 信阳 poor."""
    return published_run(
        who["ndrc"],
        [(sides["yanan"], "93.40", "excellent"), (sides["ganzhou"], "70", "fair"), (sides["xinyang"], "55", "poor")],
    )


def issue_many(run, pairings, user, **extra) -> list[Notice]:
    return services.issue_notices(
        run=run,
        pairings=pairings,
        finding=extra.pop("finding", "共建园区招商进展缓慢"),
        measures_required=extra.pop("measures_required", "制定招商专项方案，按季度报送进展"),
        deadline=extra.pop("deadline", in_days(60)),
        user=user,
        **extra,
    )


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)


def year() -> int:
    return timezone.localdate().year


# ---- the service ---------------------------------------------------------------------------------------------


def test_batch_issues_one_notice_per_pairing_numbered_in_one_series(run, sides, who):
    notices = issue_many(run, [sides["xinyang"], sides["ganzhou"]], who["ndrc"])
    assert [n.number for n in notices] == [f"对口整改〔{year()}〕1号", f"对口整改〔{year()}〕2号"]
    assert [n.responsible.name for n in notices] == ["信阳市人民政府", "赣州市人民政府"]
    assert len({n.batch for n in notices}) == 1 and notices[0].batch is not None
    assert all(n.step_due == in_days(5) and n.status == "issued" for n in notices)
    # each finding starts with the pairing's own result in the run
    assert notices[0].finding.startswith("在2025年度对口合作工作成效评估中，信阳市—苏州市总分 55.00 分")
    assert "排名第 3 位，等次为较差。\n共建园区招商进展缓慢" in notices[0].finding
    for notice in notices:  # each creation is in the audit history, by the issuer
        entry = LogEntry.objects.get_for_object(notice).get()
        assert entry.actor == who["ndrc"] and entry.action == LogEntry.Action.CREATE


def test_batch_continues_the_years_series_after_single_notices(run, sides, who):
    single = services.issue_notice(
        run=run,
        pairing=sides["yanan"],
        finding="问题",
        measures_required="要求",
        deadline=in_days(60),
        user=who["ndrc"],
    )
    notices = issue_many(run, [sides["xinyang"], sides["ganzhou"], sides["yanan"]], who["ndrc"], state_result=False)
    assert single.number == f"对口整改〔{year()}〕1号"
    assert [n.number for n in notices] == [f"对口整改〔{year()}〕{i}号" for i in (2, 3, 4)]
    assert notices[0].finding == "共建园区招商进展缓慢" and single.batch is None


def test_batch_is_all_or_nothing_and_names_each_pairing_and_why(run, sides, who):
    Organisation.objects.filter(name="赣州市人民政府").update(is_active=False)
    outside = testing.pairing("百色市", "深圳市")  # not in the run's results
    with pytest.raises(ValidationError) as exc:
        issue_many(run, [sides["xinyang"], sides["ganzhou"], outside], who["ndrc"])
    problems = exc.value.message_dict["pairings"]
    assert problems == [
        "「赣州市—深圳市」：未找到赣州市人民政府，无法确定责任单位",
        f"「百色市—深圳市」：不在「{run}」的评估结果中",
    ]
    assert not Notice.objects.exists()
    # nothing was numbered either: the next notice is the year's first
    assert issue_many(run, [sides["xinyang"]], who["ndrc"])[0].number == f"对口整改〔{year()}〕1号"


def test_batch_refuses_an_empty_choice_a_pairing_twice_and_bad_shared_fields(run, sides, who):
    with pytest.raises(ValidationError) as exc:
        issue_many(run, [], who["ndrc"], finding=" ", deadline=in_days(2))
    errors = exc.value.message_dict
    assert errors["pairings"] == ["请至少选择一个结对关系"] and "finding" in errors
    assert "晚于签收期限" in errors["deadline"][0]
    with pytest.raises(ValidationError, match="「信阳市—苏州市」：重复选择"):
        issue_many(run, [sides["xinyang"], sides["xinyang"]], who["ndrc"])
    assert not Notice.objects.exists()


def test_batch_by_the_runs_organiser_only(run, sides, who):
    for user in (who["henan"], who["xy_approver"]):
        with pytest.raises(PermissionDenied):
            issue_many(run, [sides["xinyang"]], user)
    assert not Notice.objects.exists()


def test_batch_of_all_twenty_national_pairings(who):
    pairings = list(Pairing.objects.filter(level="national", status="active").order_by("code"))
    assert len(pairings) == 20
    run = published_run(who["ndrc"], [(p, str(50 + i), "poor") for i, p in enumerate(pairings)])
    notices = issue_many(run, pairings, who["ndrc"])
    assert [n.number for n in notices] == [f"对口整改〔{year()}〕{i}号" for i in range(1, 21)]
    assert Notice.objects.filter(batch=notices[0].batch).count() == 20


# ---- the issuer's level --------------------------------------------------------------------------------------


def test_a_notice_by_the_national_overseer_starts_under_national_supervision(run, sides, who):
    single = services.issue_notice(
        run=run,
        pairing=sides["xinyang"],
        finding="问题",
        measures_required="要求",
        deadline=in_days(60),
        user=who["ndrc"],
    )
    batch = issue_many(run, [sides["ganzhou"]], who["ndrc"])
    assert single.supervision_level == batch[0].supervision_level == Notice.Level.NATIONAL
    # so only the overseer verifies it, and an overdue step has nowhere higher to go
    notice = services.receive_notice(notice=single, user=who["xy_editor"], expected_version=single.version)
    notice = services.report_measures(
        notice=notice, user=who["xy_editor"], expected_version=notice.version, text="已整改"
    )
    with pytest.raises(PermissionDenied):
        services.verify_notice(notice=notice, user=who["henan"], expected_version=notice.version, comment="省级核验")
    assert services.escalate_overdue(today=in_days(30)) == []
    assert services.verify_notice(notice=notice, user=who["ndrc"], expected_version=notice.version, comment="通过")


def test_a_notice_by_a_province_starts_under_province_supervision(sides, who):
    hrun = published_run(who["henan"], [(sides["xinyang"], "55", "poor")], province="410000")
    notices = issue_many(hrun, [sides["xinyang"]], who["henan"])
    assert notices[0].supervision_level == Notice.Level.PROVINCE


# ---- both sides named ----------------------------------------------------------------------------------------


def test_the_document_names_both_sides(run, sides, who):
    national, province = (
        issue_many(run, [sides["xinyang"]], who["ndrc"])[0],
        issue_many(
            published_run(who["henan"], [(sides["xinyang"], "55", "poor")], province="410000"),
            [sides["xinyang"]],
            who["henan"],
        )[0],
    )
    text = docx_text(documents.notice_docx(national))
    assert "关于信阳市—苏州市对口合作工作整改要求的通知" in text
    assert "现将信阳市（革命老区方）与苏州市（支持方）对口合作工作存在的问题和整改要求通知如下" in text
    assert national.number in text and "信阳市人民政府：" in text and "国家发展改革委（振兴司）" in text
    assert "提级督办" not in text  # already under national supervision
    assert "逾期未完成的，将提级督办" in docx_text(documents.notice_docx(province))


# ---- pages ---------------------------------------------------------------------------------------------------


def as_user(client, user):
    client.force_login(user)
    return client


def test_batch_page_lists_the_runs_pairings_with_filters(client, run, sides, who):
    services.issue_notice(
        run=run,
        pairing=sides["ganzhou"],
        finding="问题",
        measures_required="要求",
        deadline=in_days(60),
        user=who["ndrc"],
    )
    c = as_user(client, who["ndrc"])
    url = f"/evaluation/notices/new/batch/?run={run.pk}"
    page = c.get(url).content.decode()
    assert page.count('class="batch-row"') == 3 and 'id="select-all"' in page and "notice_batch.js" in page
    assert 'name="pairings" value="{}"'.format(sides["xinyang"].pk) in page
    page = c.get(url + "&grade=poor").content.decode()
    assert page.count('class="batch-row"') == 1 and "信阳市" in page
    page = c.get(url + "&without_notice=on").content.decode()
    assert page.count('class="batch-row"') == 2 and "赣州市" not in page
    assert c.get(url + "&q=延安").content.decode().count('class="batch-row"') == 1
    assert c.get(url + "&grade=nonsense&q=%25_&without_notice=maybe").status_code == 200
    # the commendation page links here for the run's organiser
    assert (
        f"/evaluation/notices/new/batch/?run={run.pk}" in c.get(f"/evaluation/commendations/{run.pk}/").content.decode()
    )


def test_batch_page_issues_and_lists_the_notices_with_both_sides(client, run, sides, who):
    c = as_user(client, who["ndrc"])
    url = f"/evaluation/notices/new/batch/?run={run.pk}"
    data = {
        "pairings": [sides["xinyang"].pk, sides["ganzhou"].pk],
        "finding": "共建园区招商进展缓慢",
        "measures_required": "制定招商专项方案",
        "deadline": in_days(60).isoformat(),
        "state_result": "on",
    }
    response = c.post(url, data)
    notices = list(Notice.objects.order_by("number"))
    assert [n.pairing for n in notices] == [sides["ganzhou"], sides["xinyang"]]  # numbered in rank order
    assert response.status_code == 302 and response["Location"] == f"/evaluation/notices/?batch={notices[0].batch}"
    page = c.get(response["Location"]).content.decode()
    assert page.count('class="notice-row') == 2 and 'id="batch-zip"' in page and "已下发整改通知 2 份" in page
    for old, partner in (("信阳市", "苏州市"), ("赣州市", "深圳市")):
        assert f"革命老区方</span> {old}" in page and f"支持方</span> {partner}" in page
    detail = c.get(f"/evaluation/notices/{notices[0].pk}/").content.decode()
    assert 'id="notice-old-side">赣州市<' in detail and 'id="notice-partner-side">深圳市<' in detail
    assert 'id="notice-level">国家督办<' in detail


def test_batch_page_refusal_names_the_pairing_and_issues_nothing(client, run, sides, who):
    Organisation.objects.filter(name="赣州市人民政府").update(is_active=False)
    c = as_user(client, who["ndrc"])
    data = {
        "pairings": [sides["xinyang"].pk, sides["ganzhou"].pk],
        "finding": "问题",
        "measures_required": "要求",
        "deadline": in_days(60).isoformat(),
    }
    response = c.post(f"/evaluation/notices/new/batch/?run={run.pk}", data)
    page = response.content.decode()
    assert response.status_code == 200 and 'id="batch-errors"' in page
    assert "「赣州市—深圳市」：未找到赣州市人民政府，无法确定责任单位" in page
    assert page.count(" checked") >= 2  # the choice is kept for another try
    assert not Notice.objects.exists()
    response = c.post(f"/evaluation/notices/new/batch/?run={run.pk}", {**data, "pairings": ["999999"]})
    assert response.status_code == 200 and not Notice.objects.exists()


def test_batch_page_is_for_the_runs_organiser(client, run, sides, who):
    url = f"/evaluation/notices/new/batch/?run={run.pk}"
    assert as_user(client, who["xy_approver"]).get(url).status_code == 403
    assert as_user(client, who["henan"]).get(url).status_code == 403
    assert as_user(client, who["ndrc"]).get("/evaluation/notices/new/batch/").status_code == 404
    assert as_user(client, who["ndrc"]).get("/evaluation/notices/new/batch/?run=abc").status_code == 404


def test_zip_holds_each_notice_of_the_batch_as_a_document_naming_both_sides(client, run, sides, who):
    notices = issue_many(run, [sides["xinyang"], sides["ganzhou"]], who["ndrc"])
    url = f"/evaluation/notices/batch/{notices[0].batch}/notices.zip"
    response = as_user(client, who["ndrc"]).get(url)
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert names == sorted(f"{n.number}（{n.pairing}）.docx" for n in notices)
    texts = [docx_text(archive.read(name)) for name in names]
    assert any("信阳市（革命老区方）与苏州市（支持方）" in t for t in texts)
    assert any("赣州市（革命老区方）与深圳市（支持方）" in t for t in texts)
    # a city gets the notices of the batch it may see, and nobody else's
    archive = zipfile.ZipFile(io.BytesIO(as_user(client, who["xy_editor"]).get(url).content))
    assert archive.namelist() == [f"{notices[0].number}（信阳市—苏州市）.docx"]
    stranger = testing.user("ya_editor2", "陕西省人民政府", "editor")
    assert as_user(client, stranger).get(url).status_code == 404


# ---- API -----------------------------------------------------------------------------------------------------


def api_post(client, user, url, body):
    _token, key = issue_token(user=user, name="test")
    return client.post(
        f"/api/supervision{url}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_api_issues_a_batch_all_or_nothing(client, run, sides, who):
    body = {
        "run_id": run.pk,
        "pairing_ids": [sides["xinyang"].pk, sides["yanan"].pk],
        "finding": "接口问题",
        "measures_required": "接口要求",
        "deadline": in_days(40).isoformat(),
    }
    mine = body | {"pairing_ids": [sides["xinyang"].pk]}
    assert api_post(client, who["xy_approver"], "/notices/batch", mine).status_code == 403
    assert api_post(client, who["xy_approver"], "/notices/batch", body).status_code == 404  # 延安 is not theirs
    bad = api_post(client, who["ndrc"], "/notices/batch", body | {"pairing_ids": [sides["xinyang"].pk, 999999]})
    assert bad.status_code == 404 and not Notice.objects.exists()
    twice = api_post(client, who["ndrc"], "/notices/batch", body | {"pairing_ids": [sides["xinyang"].pk] * 2})
    assert twice.status_code == 422 and "「信阳市—苏州市」：重复选择" in json.dumps(twice.json(), ensure_ascii=False)
    created = api_post(client, who["ndrc"], "/notices/batch", body)
    assert created.status_code == 201
    data = created.json()
    assert [(n["old_side"], n["partner_side"]) for n in data] == [("信阳市", "苏州市"), ("延安市", "无锡市")]
    assert [n["number"] for n in data] == [f"对口整改〔{year()}〕1号", f"对口整改〔{year()}〕2号"]
    assert {n["supervision_level"] for n in data} == {"national"} and len({n["batch"] for n in data}) == 1
