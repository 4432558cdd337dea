import pytest

from duikou import testing
from duikou.policy import queries
from duikou.policy.models import Box, Clause, DecomposedTask, Document, Task

pytestmark = pytest.mark.django_db


def test_five_documents_with_stable_clause_ids():
    assert Document.objects.count() == 5
    clause = Clause.objects.get(pk="fgzx-2022-766/3/5")
    assert clause.number == "（五）" and clause.title == "共同建设产业合作平台载体"
    assert "信阳市（大别山革命老区）" in Clause.objects.get(pk="fgzx-2022-766/2/9").text


def test_clause_text_has_no_page_break_artefacts():
    for clause in Clause.objects.all():
        assert "\n\n" not in clause.text, clause.pk


def test_five_key_tasks_each_linked_to_its_clause():
    key_tasks = Task.objects.filter(kind="key_task").order_by("code")
    assert [t.code for t in key_tasks] == ["KT1", "KT2", "KT3", "KT4", "KT5"]
    assert [t.clause_id for t in key_tasks] == [f"fgzx-2022-766/3/{i}" for i in range(1, 6)]
    assert key_tasks[0].name == "传承弘扬红色文化"
    assert Task.objects.filter(kind="opinion_item").count() == 20


def test_boxes_of_the_2021_plan_are_kept_whole():
    box = Box.objects.get(document_id="ssw-2021-xczx", number="专栏1")
    assert "城口县" in box.text and "海原县" in box.text


def test_shanghai_tasks_name_responsible_units():
    task = DecomposedTask.objects.filter(document_id="hff-2022-10", key_task_id="KT1").get()
    units = set(task.responsible_units.values_list("name", flat=True))
    assert "市文化旅游局" in units
    assert all(u.kind == "unit" and u.region_id == "310000" for u in task.responsible_units.all())


def test_search_for_provincial_sub_centre_finds_clauses_of_002_and_004():
    viewer = testing.user("v", "信阳市人民政府", "viewer")
    hits = queries.search_clauses(viewer, "省域副中心城市")
    docs = {h.clause.section.document_id for h in hits}
    assert {"zbgb-2026-yijian", "ssw-2021-xczx"} <= docs
    assert all("省域副中心城市" in h.clause.text for h in hits if h.phrase)
    assert hits[0].phrase


def test_search_segments_words_and_needs_all_of_them():
    viewer = testing.user("v", "信阳市人民政府", "viewer")
    assert "红色" in queries.terms("红色文化传承")
    hits = queries.search_clauses(viewer, "红色文化传承")
    assert hits and all("红色" in h.clause.text and "传承" in h.clause.text for h in hits)
    assert queries.search_clauses(viewer, "量子引力") == []
    assert queries.search_clauses(viewer, "，。") == []
