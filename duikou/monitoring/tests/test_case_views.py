"""The case pages and API: list with overdue badge, step forms by level, measures, incomes, departmental import."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.core.actors import Operator
from duikou.geo.models import Region
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, DepartmentImport, DepartmentSignal, Household, IncomeRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadre():
    """The first of the two 西关社区 cadres of ``mt.procedure_users``."""
    return mt.procedure_users()["village"]


@pytest.fixture
def alert(cadre):
    ruleset = services.create_ruleset(user=Operator(), province=Region.objects.get(code="410000"), year=2025)
    home = mt.household(cadre, head_name="王大")
    services.add_member(user=cadre, household=home, name="王大", id_number=mt.id_number(21))
    mt.income(cadre, home, 2025, "8000", persons=2)
    services.screen_households(user=Operator(), ruleset=ruleset)
    return home.alerts.get()


def post_step(client, alert, step, **data):
    alert.refresh_from_db()
    return client.post(f"/monitoring/alerts/{alert.pk}/step/", {"step": step, "version": alert.version, **data})


def test_list_flags_overdue_cases_in_red(client, cadre, alert):
    Alert.objects.filter(pk=alert.pk).update(deadline=datetime.date(2020, 1, 1))
    client.force_login(cadre)
    page = client.get("/monitoring/").content.decode()
    assert "王大户" in page and "overdue-badge" in page and "春申街道 西关社区居民委员会" in page
    assert "王大户" in client.get("/monitoring/?overdue=1").content.decode()
    assert "王大户" not in client.get("/monitoring/?status=closed").content.decode()
    assert "王大户" in client.get("/monitoring/?status=all&area=411526001001").content.decode()


def test_village_cadre_sees_only_the_steps_they_may_take(client, cadre, alert):
    client.force_login(cadre)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'id="step-verify"' in page and 'id="step-include"' not in page
    # whose turn it is and until when, above the steps of whoever may take them
    assert f"等待 {cadre.organisation} 处理，截止 {alert.deadline.isoformat()}</p>" in page
    assert "人均纯收入 4000.00 元，低于 10500.00 元" in page


def test_case_page_says_whose_turn_it_is_when_it_is_not_yours(client, cadre, alert):
    alert = mt.walk(alert, "township_review")
    client.force_login(cadre)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert f'id="workflow-turn">等待 春申街道 处理，截止 {alert.deadline.isoformat()}</p>' in page
    assert 'id="step-township_approve"' not in page and 'class="card card-body mb-3 step-form"' not in page


CHECKS_FORM = {"has_checks": "1", **{f"check_{c}": "1" for c in Household.CHECKS}}


def test_each_hand_takes_its_step_through_the_pages(client, alert):
    hands = mt.procedure_users()

    def as_(hand, step, **data):
        client.force_login(hands[hand])
        page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
        assert f'id="step-{step}"' in page, f"{hand} is not offered {step}"
        response = post_step(client, alert, step, **data)
        assert response.status_code == 302
        alert.refresh_from_db()
        return client.get(response["Location"]).content.decode()

    # the verification form's five checks start unset: no radio is checked
    client.force_login(hands["village"])
    form = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert form.count('name="check_') == 10 and " checked" not in form
    as_("village", "verify", note="入户核实属实", **CHECKS_FORM)
    assert alert.status == Alert.Status.CONSENTING and alert.household.water_ok is True
    as_("village2", "consent", consent_date="2026-01-04")
    page = as_("village", "deliberate", meeting_date="2026-01-05", attendees="11", opinion="同意", category="sudden")
    assert alert.status == Alert.Status.PUBLICISING and "村内公示中" in page
    mt._end_publicity(alert)
    as_("village2", "submit")
    as_("township", "township_approve", note="审核同意")
    client.force_login(hands["county"])
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert '<option value="sudden" selected>' in page  # the category the meeting proposed
    as_("county", "include", category="unstable")
    assert alert.status == Alert.Status.MONITORED and alert.household.category == "unstable"


def test_a_refused_step_says_why(client, cadre, alert):
    client.force_login(cadre)
    response = post_step(client, alert, "verify", note="属实", has_checks="1", check_water_ok="0")
    page = client.get(response["Location"]).content.decode()
    assert "请逐项核实并填写：不愁吃、不愁穿、义务教育有保障、基本医疗有保障、住房安全有保障" in page
    post_step(client, alert, "verify", note="属实", **CHECKS_FORM)
    response = post_step(client, alert, "consent", consent_date="2026-01-04")
    assert "同一人不能连续办理两个步骤" in client.get(response["Location"]).content.decode()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CONSENTING


def test_a_stale_form_is_refused_with_a_message(client, cadre, alert):
    client.force_login(cadre)
    stale = alert.version
    post_step(client, alert, "verify", note="属实", **CHECKS_FORM)
    client.force_login(mt.procedure_users()["village2"])
    response = client.post(
        f"/monitoring/alerts/{alert.pk}/step/",
        {"step": "consent", "version": stale, "consent_date": "2026-01-04"},
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CONSENTING


def test_viewer_gets_403_on_steps(client, alert):
    viewer = mt.local_user("xiguan_viewer", level="village", role="viewer")
    client.force_login(viewer)
    assert post_step(client, alert, "verify", note="x").status_code == 403


def test_elimination_button_explains_why_it_is_refused(client, cadre, alert):
    mt.to_monitored(alert, measure="公益性岗位")
    client.force_login(cadre)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'id="step-propose_elimination"' in page and "criterion-failed" in page
    response = post_step(client, alert, "propose_elimination", **CHECKS_FORM)
    page = client.get(response["Location"]).content.decode()
    assert "不满足风险消除条件" in page and "尚无月度或季度收入记录：须有最近连续 6 个月的记录" in page


def test_measure_form_lists_the_units_answering_for_the_household(client, cadre, alert):
    alert = mt.to_monitored(alert)
    client.force_login(cadre)
    page = client.get(f"/monitoring/alerts/{alert.pk}/measures/new/").content.decode()
    assert "西关社区居民委员会" in page and "信阳市人民政府" in page and "延安市人民政府" not in page
    unit = services.responsible_units(alert.household).get(name="西关社区居民委员会")
    response = client.post(
        f"/monitoring/alerts/{alert.pk}/measures/new/",
        {
            "kind": "industry",
            "responsible_unit": unit.pk,
            "description": "发展林下养殖",
            "start_date": "2026-04-01",
            "version": alert.version,
        },
    )
    assert response.status_code == 302
    assert alert.measures.get().description == "发展林下养殖"


def test_income_form_records_a_year_and_returns(client, cadre, alert):
    client.force_login(cadre)
    next_url = f"/monitoring/alerts/{alert.pk}/"
    response = client.post(
        f"/monitoring/households/{alert.household_id}/incomes/new/",
        {
            "year": 2026,
            "persons": 2,
            "net_income": "30000",
            "next": next_url,
            **dict.fromkeys(
                (
                    "wage_income",
                    "business_income",
                    "transfer_income",
                    "property_income",
                    "medical_expense",
                    "education_expense",
                ),
                "0",
            ),
        },
    )
    assert response.status_code == 302 and response["Location"] == next_url
    assert IncomeRecord.objects.get(household=alert.household, year=2026).net_income == 30000


def test_departmental_import_through_the_pages(client, cadre, alert):
    number = mt.id_number(21)
    content = mt.department_csv(
        [
            (number, "2025-03-01", "15000", ""),
            (mt.id_number(5, area="110105"), "2025-03-01", "1", ""),
            ("123", "", "", ""),
        ]
    )
    client.force_login(cadre)
    assert 'name="file"' in client.get("/monitoring/imports/").content.decode()
    response = client.post(
        "/monitoring/imports/", {"kind": "hospital", "file": SimpleUploadedFile("医保.csv", content)}, follow=True
    )
    page = response.content.decode()
    assert "试导入完成" in page and "身份证号码格式不正确" in page and number not in page
    batch = DepartmentImport.objects.get()
    page = client.get(f"/monitoring/imports/{batch.pk}/").content.decode()
    assert 'id="confirm-import"' in page and f"4115**********{number[-4:]}" in page and number not in page
    assert "未找到该身份证号对应的家庭成员" in page and DepartmentSignal.objects.count() == 0
    client.post(f"/monitoring/imports/{batch.pk}/confirm/")
    assert DepartmentSignal.objects.get().amount == 15000
    assert 'id="confirm-import"' not in client.get(f"/monitoring/imports/{batch.pk}/").content.decode()
    assert "15000.00" in client.get(f"/monitoring/households/{alert.household_id}/").content.decode()


def api(client, user):
    _token, key = issue_token(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_api_case_steps_and_refusals(client, cadre, alert):
    hands = mt.procedure_users()
    auth = api(client, cadre)
    case = client.get(f"/api/monitoring/alerts/{alert.pk}", **auth).json()
    assert case["allowed_steps"] == ["verify"] and case["status"] == "verifying" and case["channel"] == "screening"

    def take(user_auth, step, **body):
        return client.post(
            f"/api/monitoring/alerts/{alert.pk}/steps/{step}",
            data=json.dumps(body, default=str),
            content_type="application/json",
            **user_auth,
        )

    assert take(auth, "verify", version=case["version"] + 1, note="x", checks=mt.ALL_OK).status_code == 409
    refused = take(auth, "verify", version=case["version"], note="属实", checks={"water_ok": True})
    assert refused.status_code == 422 and "请逐项核实并填写" in str(refused.json()["detail"])
    response = take(auth, "verify", version=case["version"], note="属实", checks=mt.ALL_OK)
    assert response.status_code == 200 and response.json()["steps"][-1]["step"] == "verify"
    version = response.json()["version"]
    # the same cadre cannot take the next step; the county cannot take the village's
    refused = take(auth, "consent", version=version, consent_date="2026-01-04")
    assert refused.status_code == 403 and "同一人不能连续办理两个步骤" in str(refused.json()["detail"])
    assert take(api(client, hands["county"]), "consent", version=version, consent_date="2026-01-04").status_code == 403
    response = take(api(client, hands["village2"]), "consent", version=version, consent_date="2026-01-04")
    assert response.json()["status"] == "deliberating"
    assert response.json()["steps"][-1]["details"] == {"consent_date": "2026-01-04"}
    alert.refresh_from_db()
    alert = mt.walk(alert, "monitored")
    version = alert.version
    unit = services.responsible_units(alert.household).get(name="春申街道")
    measure = client.post(
        f"/api/monitoring/alerts/{alert.pk}/measures",
        data=json.dumps(
            {
                "version": version,
                "kind": "housing",
                "responsible_unit_id": unit.pk,
                "description": "危房改造",
                "start_date": "2026-05-01",
            }
        ),
        content_type="application/json",
        **auth,
    )
    assert measure.status_code == 201 and measure.json()["basis"] == ["ssw-2021-xczx/2/1"]
    refused = take(auth, "propose_elimination", version=version + 1, checks=mt.ALL_OK)
    assert refused.status_code == 422 and refused.json()["detail"][0] == "不满足风险消除条件"
    assert "尚无月度或季度收入记录" in " ".join(refused.json()["detail"])


def test_api_departmental_dry_run_then_confirm(client, cadre, alert):
    auth = api(client, cadre)
    content = mt.department_csv([(mt.id_number(21), "2025-03-01", "", "")])
    response = client.post(
        "/api/monitoring/imports", {"kind": "disability", "file": SimpleUploadedFile("残联.csv", content)}, **auth
    )
    assert response.status_code == 201
    report = response.json()
    assert report["status"] == "checked" and report["matched"] == 1 and DepartmentSignal.objects.count() == 0
    assert mt.id_number(21) not in response.content.decode()
    confirmed = client.post(f"/api/monitoring/imports/{report['id']}/confirm", **auth)
    assert confirmed.json()["status"] == "loaded" and DepartmentSignal.objects.count() == 1
    assert client.post(f"/api/monitoring/imports/{report['id']}/confirm", **auth).status_code == 422
    yanan = testing.user("yanan_editor", "延安市人民政府", "editor")
    assert client.get(f"/api/monitoring/imports/{report['id']}", **api(client, yanan)).status_code == 404
