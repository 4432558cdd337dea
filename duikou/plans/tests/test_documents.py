import io

import docx
import pytest

from duikou.plans.documents import build_docx

from .factories import drafted_plan, filed_plan, people

pytestmark = pytest.mark.django_db


def paragraphs(plan) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(build_docx(plan))).paragraphs if p.text.strip()]


def test_docx_has_title_issuers_numbers_and_every_section_and_item():
    plan = filed_plan(people())
    text = paragraphs(plan)
    assert text[0] == "豫政〔2026〕1号  苏政发〔2026〕2号"
    assert text[1] == plan.title
    assert "河南省人民政府" in text[2] and "江苏省人民政府" in text[2]
    headings = [t for t in text if t[1:2] == "、" and t[0] in "一二三四五六七八九十"]
    assert headings == ["一、总体目标", "二、重点任务", "三、重大项目", "四、主要指标与年度目标", "五、保障措施"]
    assert "（一）共同建设产业合作平台载体" in text
    for item in plan.items.all():
        assert any(item.text in t for t in text), item.text
    assert any("苏信合作产业园" in t and "5000" in t for t in text)


def test_docx_of_a_draft_names_both_city_governments(client):
    plan = drafted_plan(people())
    assert "信阳市人民政府、苏州市人民政府" in paragraphs(plan)[1]


def test_filed_plan_cannot_be_edited_through_the_page(client):
    who = people()
    plan = filed_plan(who)
    client.force_login(who["xy_editor"])
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "add-goals" not in page and "已备案" in page
    response = client.post(f"/plans/{plan.pk}/goals/", {"goals-text": "改", "goals-plan_version": plan.version})
    assert response.status_code == 403
    response = client.post(f"/plans/{plan.pk}/step/submit/")
    assert response.status_code == 403
    assert list(plan.goals.values_list("text", flat=True)) == ["打造对口合作样板"]


def test_docx_download(client):
    who = people()
    plan = drafted_plan(who)
    client.force_login(who["xy_editor"])
    response = client.get(f"/plans/{plan.pk}/plan.docx")
    assert response.status_code == 200 and response["Content-Type"].endswith("wordprocessingml.document")
    assert plan.title in "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
