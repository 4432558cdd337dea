"""The audit admin's export of the log, as a workbook read back."""

import io

import pytest
from auditlog.models import LogEntry
from openpyxl import load_workbook

from duikou import testing
from duikou.plans.tests.factories import drafted_plan, edit_first_item, people
from duikou.policy.models import Task

pytestmark = pytest.mark.django_db


def exported(client, user) -> list[dict]:
    client.force_login(user)
    response = client.get("/audit/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_export_holds_many_to_many_changes(client):
    who = people()
    plan = drafted_plan(who)
    item = edit_first_item(who, plan, tasks=[Task.objects.get(pk="KT2"), Task.objects.get(pk="KT5")])
    m2m = LogEntry.objects.get_for_object(item).filter(changes__tasks__type="m2m").get()  # the entry that broke it
    auditor = testing.user("xy_auditor", "信阳市人民政府", "audit_admin")
    rows = exported(client, auditor)
    row = next(r for r in rows if r["对象编号"] == str(item.pk) and r["时间"] == m2m.timestamp.isoformat())
    assert row["操作"] == "修改" and row["用户"] == "xy_editor"
    assert f"添加：{Task.objects.get(pk='KT2')}、{Task.objects.get(pk='KT5')}" in row["修改内容"]
    assert len(rows) == LogEntry.objects.filter(actor__organisation__name="信阳市人民政府").count()
    page = client.get("/audit/", {"q": item.object_repr if hasattr(item, "object_repr") else str(item)})
    assert page.status_code == 200 and f"添加：{Task.objects.get(pk='KT2')}" in page.content.decode()
