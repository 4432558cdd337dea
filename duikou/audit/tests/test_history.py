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
