"""Plan test helpers: a drafted 信阳–苏州 plan and the users of both cities, both provinces and the overseer."""

import datetime

from duikou import testing
from duikou.plans import services
from duikou.policy.models import Task


def people():
    return {
        "xy_editor": testing.user("xy_editor", "信阳市人民政府", "editor"),
        "xy_approver": testing.user("xy_approver", "信阳市人民政府", "approver"),
        "sz_approver": testing.user("sz_approver", "苏州市人民政府", "approver"),
        "henan": testing.user("henan_approver", "河南省人民政府", "approver"),
        "jiangsu": testing.user("jiangsu_approver", "江苏省人民政府", "approver"),
        "ndrc": testing.user("ndrc_approver", "国家发展改革委（振兴司）", "approver"),
        "yanan_editor": testing.user("ya_editor", "延安市人民政府", "editor"),
    }


def drafted_plan(who, **extra):
    pairing = testing.pairing("信阳市", "苏州市")
    plan = services.create_plan(
        user=who["xy_editor"],
        pairing=pairing,
        kind="five_year",
        title="信阳市与苏州市对口合作五年实施方案",
        start_year=2026,
        end_year=2030,
        **extra,
    )
    kt5 = Task.objects.get(pk="KT5")
    for section, values in [
        ("goals", {"text": "打造对口合作样板"}),
        ("items", {"key_task": kt5, "text": "共建豫东南高新区", "year": 2026, "due_date": datetime.date(2026, 12, 31)}),
        ("items", {"key_task": kt5, "text": "2027 年的事项", "year": 2027}),
        ("targets", {"indicator_id": "signed_projects", "year": 2026, "target": 10}),
        ("targets", {"indicator_id": "signed_projects", "year": 2027, "target": 12}),
        (
            "projects",
            {"name": "苏信合作产业园", "key_task": kt5, "investment_wan": 5000, "start_year": 2026, "end_year": 2026},
        ),
        ("measures", {"text": "建立联席会议制度"}),
    ]:
        services.save_content(
            user=who["xy_editor"], plan=plan, section=section, expected_version=plan.version, values=values
        )
        plan.refresh_from_db()
    return plan


def edit_first_item(who, plan, values=None, **links):
    """信阳's editor changes the plan's first item (``values``, and its clauses or tasks); returns the item."""
    item = plan.items.first()
    services.save_content(
        user=who["xy_editor"],
        plan=plan,
        section="items",
        row_id=item.pk,
        expected_version=plan.version,
        values=values or {},
        **links,
    )
    return item


def filed_plan(who):
    plan = drafted_plan(who)
    plan = services.submit_for_agreement(user=who["xy_editor"], plan=plan)
    plan = services.agree(user=who["xy_approver"], plan=plan)
    plan = services.agree(user=who["sz_approver"], plan=plan)
    plan = services.issue(user=who["henan"], plan=plan, doc_number="豫政〔2026〕1号", date=datetime.date(2026, 3, 1))
    plan = services.issue(
        user=who["jiangsu"], plan=plan, doc_number="苏政发〔2026〕2号", date=datetime.date(2026, 3, 2)
    )
    return services.file_plan(user=who["ndrc"], plan=plan, receipt="备案〔2026〕9号")
