import pytest
from auditlog.models import LogEntry

from duikou import testing
from duikou.audit.queries import history_for
from duikou.audit.templatetags.audit_tags import change_rows
from duikou.plans.tests.factories import drafted_plan, people

pytestmark = pytest.mark.django_db


def test_history_rows_show_own_fields_with_labels_not_reverse_relations():
    who = people()
    plan = drafted_plan(who)
    created = LogEntry.objects.get_for_object(plan).filter(action=LogEntry.Action.CREATE).get()
    labels = [label for label, _change in change_rows(created)]
    assert "标题" in labels and "状态" in labels
    assert not {"items", "goals", "attachments", "derived_plans"} & set(labels)


def test_system_admin_sees_no_history_of_an_object():
    who = people()
    plan = drafted_plan(who)
    sysadmin = testing.user("sys", "国家发展改革委（振兴司）", "system_admin")
    assert history_for(who["xy_editor"], plan).exists()
    assert not history_for(sysadmin, plan).exists()


def test_empty_and_boolean_values_read_naturally():
    from duikou.audit.templatetags.audit_tags import empty_value

    assert [empty_value(v) for v in (None, "None", "", "True", "False", "12")] == ["—", "—", "—", "是", "否", "12"]


def test_list_fields_of_codes_show_their_labels():
    from duikou.markets.labour import services as labour
    from duikou.markets.labour import testing as lt

    editor = testing.user("sz_history", "苏州市人民政府", "editor")
    posting = lt.posting(user=editor, skills=["electrician"])
    labour.update_posting(user=editor, posting=posting, expected_version=posting.version, skills=["welder", "cnc"])
    rows = {
        entry.action: dict(change_rows(entry))
        for entry in LogEntry.objects.get_for_object(posting).filter(action__in=[0, 1])
    }
    assert rows[LogEntry.Action.CREATE]["技能要求"][1] == "电工"
    assert rows[LogEntry.Action.UPDATE]["技能要求"] == ("电工", "焊工、数控车床")


def test_a_project_history_names_its_funding_sources_and_shows_no_codes_empty_lists_or_ids():
    from duikou.projects import testing as pt

    editor = testing.user("xy_history", "信阳市人民政府", "editor")
    project = pt.project(testing.pairing("信阳市", "苏州市"), user=editor, funding_sources=["social_capital"])
    created = LogEntry.objects.get_for_object(project).filter(action=LogEntry.Action.CREATE).get()
    rows = dict(change_rows(created))
    assert rows["资金来源"][1] == "社会资本"
    assert "ID" not in rows and "id" not in rows
    text = " ".join(str(v) for pair in rows.values() for v in pair)
    assert "social_capital" not in text and "[]" not in text


def test_a_stored_list_without_labels_reads_as_a_list_or_a_dash():
    from duikou.audit.templatetags.audit_tags import _listed

    assert [_listed(v) for v in ('["甲", "乙"]', "[]", "12", None)] == ["甲、乙", "—", "12", None]


def test_history_reads_as_sentences_with_the_creation_in_one():
    """「2026-03-01 张三 将状态由「草稿」改为「双方确认中」」, not one row per field; the creation is one sentence."""
    from duikou.audit.templatetags.audit_tags import history_lines
    from duikou.plans import services

    who = people()
    plan = drafted_plan(who)
    services.submit_for_agreement(user=who["xy_editor"], plan=plan)
    lines = history_lines(history_for(who["xy_editor"], plan))
    created = lines[-1]
    assert created["text"] == "新建方案「信阳市与苏州市对口合作五年实施方案」"
    assert created["actor"] == who["xy_editor"]
    submitted = next(line["text"] for line in lines if "双方确认中" in line["text"])
    assert "将状态由「草稿」改为「双方确认中」" in submitted.split("；")
    assert len(lines) == history_for(who["xy_editor"], plan).count()  # one line per entry, not per field


def test_history_sentences_for_lists_clearing_and_a_change_without_a_user():
    from duikou.audit.templatetags.audit_tags import history_lines
    from duikou.pairings.models import Pairing
    from duikou.policy.models import Task

    who = people()
    plan = drafted_plan(who)
    item = plan.items.first()
    item.tasks.add(Task.objects.get(pk="KT1"))
    entry = LogEntry.objects.get_for_object(item).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    (line,) = history_lines([entry])
    assert line["text"].startswith("在其他相关任务中添加「") and line["actor"] == "系统"
    pairing = testing.pairing("信阳市", "苏州市")
    for note in ("联系人已调整", ""):
        pairing.note = note
        pairing.save()
    set_, cleared = (history_lines([e])[0]["text"] for e in LogEntry.objects.get_for_object(pairing)[:2][::-1])
    assert set_ == "将备注设为「联系人已调整」"
    assert cleared == "清空备注（原为「联系人已调整」）"
    assert Pairing.objects.get(pk=pairing.pk).note == ""
