"""Who is told what: the workflow steps of plans, reports and notices tell the next party (never the actor, never
anyone outside the object's scope), once per event; reminders reach each organisation once a day."""

import datetime
import re
from email import message_from_string, policy

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from duikou import testing
from duikou.accounts import scoping
from duikou.evaluation.supervision import services as supervision
from duikou.evaluation.testing import published_run
from duikou.indicators import services as indicators
from duikou.indicators.models import DataSet
from duikou.indicators.tests.factories import QUARTER, fill, report
from duikou.notifications import services
from duikou.notifications.models import Delivery, Notification, Reminder
from duikou.plans import services as plans
from duikou.plans.tests.factories import drafted_plan, people

pytestmark = pytest.mark.django_db
K = Notification.Kind


@pytest.fixture
def who():
    return people()


def told(kind=None) -> dict[str, set[str]]:
    """Username → the kinds of notification they hold (only ``kind`` when given)."""
    out: dict[str, set[str]] = {}
    qs = Notification.objects.select_related("recipient")
    for n in qs.filter(kind=kind) if kind else qs:
        out.setdefault(n.recipient.username, set()).add(n.kind)
    return out


def test_submitting_a_plan_tells_both_cities_approvers_and_not_the_drafter(who):
    plan = drafted_plan(who)
    plans.submit_for_agreement(user=who["xy_editor"], plan=plan)
    assert set(told(K.SUBMITTED)) == {"xy_approver", "sz_approver"}
    item = Notification.objects.get(recipient=who["sz_approver"])
    assert item.link == f"/plans/{plan.pk}/" and "确认同意" in item.title and "信阳" in item.body
    assert "xy_editor" not in item.body and "信阳市人民政府" in item.body  # the actor's unit, never the account


def test_returning_a_plan_tells_its_drafters(who):
    plan = drafted_plan(who)
    plan = plans.submit_for_agreement(user=who["xy_editor"], plan=plan)
    plans.return_plan(user=who["sz_approver"], plan=plan, comment="请补充投资额")
    assert "xy_editor" in told(K.RETURNED) and "sz_approver" not in told(K.RETURNED)


def test_the_whole_plan_chain_tells_each_next_party_and_the_cities_when_filed(who):
    plan = drafted_plan(who)
    plan = plans.submit_for_agreement(user=who["xy_editor"], plan=plan)
    plan = plans.agree(user=who["xy_approver"], plan=plan)
    assert "henan_approver" not in told()  # one side agreed: nobody new is waited for
    plan = plans.agree(user=who["sz_approver"], plan=plan)
    assert {"henan_approver", "jiangsu_approver"} <= set(told(K.SUBMITTED))
    plan = plans.issue(user=who["henan"], plan=plan, doc_number="豫政〔2026〕1号", date=datetime.date(2026, 3, 1))
    assert "ndrc_approver" not in told()
    plan = plans.issue(user=who["jiangsu"], plan=plan, doc_number="苏政〔2026〕2号", date=datetime.date(2026, 3, 2))
    assert "ndrc_approver" in told(K.SUBMITTED)
    plans.file_plan(user=who["ndrc"], plan=plan, receipt="备案〔2026〕1号")
    done = told(K.APPROVED)
    assert {"xy_editor", "xy_approver", "sz_approver", "henan_approver", "jiangsu_approver"} <= set(done)
    assert "ndrc_approver" not in done and "ya_editor" not in told()


def test_a_report_goes_to_the_provinces_then_the_overseer_and_back_to_the_cities(who):
    rep = fill(who["xy_editor"], report())
    rep = indicators.submit_report(user=who["xy_editor"], report=rep)
    assert {"henan_approver", "jiangsu_approver"} <= set(told(K.SUBMITTED))
    item = Notification.objects.get(recipient=who["henan"])
    assert item.link == f"/indicators/entry/{rep.pairing_id}/quarterly/{QUARTER}/"
    rep = indicators.return_report(user=who["henan"], report=rep, comment="请核实签约金额")
    assert {"xy_editor", "xy_approver", "sz_approver"} <= set(told(K.RETURNED))
    rep = fill(who["xy_editor"], rep)
    rep = indicators.submit_report(user=who["xy_editor"], report=rep)
    rep = indicators.approve_report(user=who["henan"], report=rep)
    assert "ndrc_approver" in told(K.SUBMITTED)
    indicators.accept_report(user=who["ndrc"], report=rep)
    assert "xy_editor" in told(K.APPROVED)


@pytest.fixture
def run(who):
    yanan, xinyang = testing.pairing("延安市", "无锡市"), testing.pairing("信阳市", "苏州市")
    return published_run(who["ndrc"], [(yanan, "93.4", "excellent"), (xinyang, "72", "fair")])


def walk(notice, user, step, **kw):
    fn = {
        "receive": supervision.receive_notice,
        "report": supervision.report_measures,
        "verify": supervision.verify_notice,
        "close": supervision.close_notice,
        "return": supervision.return_measures,
    }[step]
    notice.refresh_from_db()
    return fn(notice=notice, user=user, expected_version=notice.version, **kw)


def issue(run, who, pairing=None, issuer="ndrc"):
    return supervision.issue_notice(
        run=run,
        pairing=pairing or testing.pairing("信阳市", "苏州市"),
        finding="共建园区招商进展缓慢",
        measures_required="制定招商专项方案",
        deadline=timezone.localdate() + datetime.timedelta(days=60),
        user=who[issuer],
    )


def test_a_notice_tells_its_responsible_organisation_then_the_supervisor(who):
    # 河南's own evaluation: the notice is under the province's supervision, so the province is told
    xinyang = testing.pairing("信阳市", "苏州市")
    notice = issue(published_run(who["henan"], [(xinyang, "72", "fair")], province="410000"), who, issuer="henan")
    assert set(told(K.NOTICE_ISSUED)) == {"xy_editor", "xy_approver"}  # 信阳市人民政府, who may receive it
    walk(notice, who["xy_editor"], "receive")  # the same hand goes on: nobody new is told
    assert Notification.objects.count() == 2
    walk(notice, who["xy_editor"], "report", text="已制定招商专项方案")
    assert set(told(K.SUBMITTED)) == {"henan_approver"}  # the supervising province, whose turn it is
    walk(notice, who["henan"], "return", comment="请补充落地项目清单")
    assert {"xy_editor", "xy_approver"} <= set(told(K.RETURNED))
    walk(notice, who["xy_editor"], "report", text="补充了清单")
    walk(notice, who["henan"], "verify", comment="整改到位")
    walk(notice, who["henan"], "close")
    assert {"xy_editor", "xy_approver"} <= set(told(K.APPROVED))


def test_no_recipient_ever_receives_an_object_outside_their_scope_for_any_kind(who, run):
    """Every kind, about a plan, a report and a notice of 信阳–苏州, offered to a user of every other province's
    city, to 陕西 and to 延安: only those in scope hold it."""
    outsiders = [
        who["yanan_editor"],
        testing.user("shaanxi_approver", "陕西省人民政府", "approver"),
        testing.user("wuxi_approver", "无锡市人民政府", "approver"),
    ]
    insiders = [who["xy_approver"], who["henan"]]
    objects = [drafted_plan(who), report(), issue(run, who)]
    Notification.objects.all().delete()
    for obj in objects:
        for kind in K.values:
            services.notify(
                recipients=outsiders + insiders, kind=kind, obj=obj, title="t", link="/", key=f"{kind}:{obj!r}"
            )
    for outsider in outsiders:
        assert not Notification.objects.filter(recipient=outsider).exists(), outsider.username
    for insider in insiders:
        assert Notification.objects.filter(recipient=insider).count() == len(K.values) * len(objects)
    # and whatever the steps wrote before: every notification is about an object its recipient may see
    for n in Notification.objects.select_related("recipient", "content_type"):
        obj = n.content_type.get_object_for_this_type(pk=n.object_id)
        assert scoping.can(n.recipient, scoping.Action.VIEW, obj)


def test_the_same_event_is_stored_once_per_recipient(who):
    plan = drafted_plan(who)
    for _ in range(3):
        services.notify(
            recipients=[who["xy_approver"]], kind=K.DUE_TODAY, obj=plan, title="今天到期", link="/", key="due:1"
        )
    assert Notification.objects.filter(recipient=who["xy_approver"], key="due:1").count() == 1


def test_the_daily_digest_replaces_single_messages(who, settings, tmp_path):
    settings.DUIKOU_MESSAGING_OUTBOX = tmp_path
    who["xy_approver"].email = "xy@example.gov.cn"
    who["xy_approver"].save()
    services.save_preference(
        user=who["xy_approver"], email_enabled=True, email="", channels=[], phone=None, digest=True
    )
    plan = drafted_plan(who)
    for i in range(3):
        services.notify(
            recipients=[who["xy_approver"]], kind=K.REMINDER, obj=plan, title=f"第{i}条", link="/", key=f"k{i}"
        )
    assert not Delivery.objects.exists()
    # the next digest: the one whose 24 hours, up to its digest hour, hold now (the test may run at any hour)
    hour = datetime.timedelta(hours=settings.DUIKOU_DIGEST_HOUR)
    next_digest = (timezone.localtime() - hour).date() + datetime.timedelta(days=1)
    assert services.send_digests(day=next_digest) == 1
    assert services.send_digests(day=next_digest) == 0  # once a day, however often the schedule runs
    digest = Delivery.objects.get()
    assert digest.status == Delivery.Status.SENT and digest.notification is None
    text = next((tmp_path / "mail").iterdir()).read_text()
    subject = message_from_string(text, policy=policy.default)["Subject"]
    assert "每日通知摘要" in subject and "3 条" in subject and "1. 第0条" in text and "3. 第2条" in text


def test_reminding_the_unreported_reaches_each_city_once_a_day(who):
    henan_editor = testing.user("henan_editor", "河南省人民政府", "editor")
    dataset = DataSet.objects.get(pk="quarterly")
    sent, already = indicators.remind_unreported(user=henan_editor, dataset=dataset, period=QUARTER)
    xinyang = report()
    reminders = Reminder.objects.filter(object_id=str(xinyang.pk))
    assert sent >= 2 and already == 0 and reminders.count() == 2  # 信阳 and 苏州
    assert {"xy_editor", "xy_approver", "sz_approver"} <= set(told(K.REMINDER))
    count = Notification.objects.count()
    again = indicators.remind_unreported(user=henan_editor, dataset=dataset, period=QUARTER)
    assert again == (0, sent) and Notification.objects.count() == count
    notes = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(xinyang), object_id=xinyang.pk, changes_text__contains="催办提醒"
    )
    assert notes.count() == 2 and notes.filter(changes_text__contains="信阳市人民政府").exists()


def test_a_city_cannot_remind(who):
    with pytest.raises(PermissionDenied):
        indicators.remind_unreported(user=who["xy_editor"], dataset=DataSet.objects.get(pk="quarterly"), period=QUARTER)


def test_reminding_notices_reaches_the_responsible_unit_of_waiting_notices_only(who, run):
    waiting = issue(run, who)
    sent, already = supervision.remind_notices(user=who["henan"], notices=[waiting])
    assert (sent, already) == (1, 0) and set(told(K.REMINDER)) == {"xy_editor", "xy_approver"}
    assert supervision.remind_notices(user=who["henan"], notices=[waiting]) == (0, 1)
    walk(waiting, who["xy_editor"], "receive")
    walk(waiting, who["xy_editor"], "report", text="已整改")
    waiting.refresh_from_db()
    assert supervision.remind_notices(user=who["ndrc"], notices=[waiting]) == (0, 0)  # waits for the supervisor
    with pytest.raises(PermissionDenied):
        supervision.remind_notices(user=who["xy_approver"], notices=[waiting])


def test_each_recipient_is_told_in_their_own_language(who):
    """One step, two readers: the approver who reads English gets the notification (and its e-mail and SMS) in
    English, with the pairing's English name; the one who reads Chinese gets it in Chinese."""
    who["sz_approver"].language = "en"
    who["sz_approver"].save(update_fields=["language"])
    plan = drafted_plan(who)
    plans.submit_for_agreement(user=who["xy_editor"], plan=plan)
    english = Notification.objects.get(recipient=who["sz_approver"])
    chinese = Notification.objects.get(recipient=who["xy_approver"])
    assert english.title.startswith("Submitted to you") and "确认同意" not in english.title, english.title
    assert "Xinyang Municipal People's Government" in english.body and "信阳市人民政府" not in english.body
    assert chinese.title.startswith("提交给您处理") and "确认同意" in chinese.title and "信阳市人民政府" in chinese.body
    # the plan's own title is data; everything else reads English
    assert not re.search(r"[\u3400-\u9fff]", english.title.replace(plan.title, "")), english.title
