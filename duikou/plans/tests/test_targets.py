"""A plan's yearly target names an indicator of the library: chosen in the form (its unit comes with it), named by
code over the API (which returns the code beside the text as written); an unknown code is a clear error."""

import io
import json
from decimal import Decimal

import docx
import pytest

from duikou.accounts.services import issue_token
from duikou.plans.documents import build_docx
from duikou.plans.models import PlanTarget

from .factories import drafted_plan, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    return people()


def test_a_target_added_on_the_page_takes_the_indicators_name_and_unit(client, who):
    plan = drafted_plan(who)
    client.force_login(who["xy_editor"])
    form = {"targets-indicator": "funds_in_place_wan", "targets-year": "2026", "targets-target": "500"}
    client.post(f"/plans/{plan.pk}/targets/", {**form, "targets-plan_version": plan.version})
    row = PlanTarget.objects.get(plan=plan, indicator_id="funds_in_place_wan")
    assert (row.indicator_name, row.unit, row.target) == ("实际到位资金", "万元", Decimal("500"))
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert '<option value="funds_in_place_wan">实际到位资金（万元）</option>' in page
    assert "实际到位资金 · 2026：500.00 万元" in page


def test_an_unknown_indicator_is_refused_with_a_message(client, who):
    plan = drafted_plan(who)
    client.force_login(who["xy_editor"])
    form = {"targets-indicator": "no_such", "targets-year": "2026", "targets-target": "5"}
    response = client.post(f"/plans/{plan.pk}/targets/", {**form, "targets-plan_version": plan.version}, follow=True)
    assert "未保存：指标" in response.content.decode()
    assert plan.targets.count() == 2


def test_the_api_names_targets_by_code_and_returns_the_code(client, who):
    plan = drafted_plan(who)
    _token, key = issue_token(user=who["xy_editor"], name="targets")
    response = client.post(
        f"/api/plans/{plan.pk}/content/targets",
        data=json.dumps({"indicator": "coop_parks", "year": 2026, "target": "3", "plan_version": plan.version}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 201, response.content
    targets = response.json()["content"]["targets"]
    assert {
        "indicator": "共建产业园区数",
        "unit": "个",
        "year": 2026,
        "target": "3.00",
        "indicator_code": "coop_parks",
    } in (targets)


def test_the_plan_document_states_each_target_with_its_unit(who):
    plan = drafted_plan(who)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(build_docx(plan))).paragraphs)
    assert "签约项目数：2026年目标10.00个。" in text
