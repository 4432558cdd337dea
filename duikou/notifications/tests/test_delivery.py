"""Messages carried for real: e-mail to a local SMTP server (aiosmtpd) and read back, SMS and group-robot posts to a
local fake gateway; an unreachable server leaves the message queued, retried, its error visible, and the step that
caused it done."""

import datetime
import json

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from duikou import testing
from duikou.core import messaging
from duikou.notifications import services
from duikou.notifications.models import Delivery, Notification
from duikou.plans import services as plans
from duikou.plans.models import Plan
from duikou.plans.tests.factories import drafted_plan, people

from .servers import Gateway, free_port, smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    who = people()
    who["sz_approver"].email = "sz.approver@example.gov.cn"
    who["sz_approver"].display_name = "苏州审核员"
    who["sz_approver"].save()
    who["xy_editor"].display_name = "张三丰"
    who["xy_editor"].save()
    return who


@pytest.fixture
def live(settings, tmp_path):
    settings.DUIKOU_MESSAGING_BACKEND = "live"
    settings.DUIKOU_MESSAGING_OUTBOX = tmp_path
    settings.EMAIL_HOST = "127.0.0.1"
    settings.DUIKOU_SITE_URL = "https://duikou.example.gov.cn"
    return settings


@pytest.fixture
def smtp(live):
    controller, box = smtp_server()
    live.EMAIL_PORT = controller.port
    yield box
    controller.stop()


@pytest.fixture
def gateway(live):
    gw = Gateway()
    yield gw
    gw.stop()


def submit(who, capture) -> Plan:
    plan = drafted_plan(who)
    with capture(execute=True):
        return plans.submit_for_agreement(user=who["xy_editor"], plan=plan)


def test_a_submitted_plan_reaches_the_partner_approver_by_email(who, smtp, django_capture_on_commit_callbacks):
    plan = submit(who, django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["to"] == ["sz.approver@example.gov.cn"]
    assert "【对口合作平台】提交给您处理" in mail["subject"] and plan.title in mail["subject"]
    assert f"https://duikou.example.gov.cn/plans/{plan.pk}/" in mail["body"]
    assert "张**" in mail["body"] and "张三丰" not in mail["body"]  # the actor's name masked
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_an_unreachable_smtp_server_leaves_the_message_queued_with_its_error(
    who, live, django_capture_on_commit_callbacks, client
):
    port = free_port()  # nothing listens there
    live.EMAIL_PORT = port
    plan = submit(who, django_capture_on_commit_callbacks)
    assert plan.status == Plan.Status.AGREEING  # the step is done whatever the mail server does
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.QUEUED and delivery.attempts == 1
    assert f"127.0.0.1:{port} 未接收" in delivery.last_error and delivery.next_attempt_at > timezone.now()
    client.force_login(who["sz_approver"])
    page = client.get("/inbox/").content.decode()
    assert delivery.last_error in page and "将自动重试" in page
    assert services.send_due() == {}  # not yet due
    controller, box = smtp_server(port)
    try:
        later = timezone.now() + datetime.timedelta(hours=1)
        assert services.send_due(now=later) == {"sent": 1}
    finally:
        controller.stop()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.last_error == "" and len(box.messages) == 1


def test_after_the_last_attempt_it_is_failed_and_shown_to_the_operator_who_sends_it_again(
    who, live, django_capture_on_commit_callbacks, client
):
    live.EMAIL_PORT = free_port()
    live.DUIKOU_DELIVERY_MAX_ATTEMPTS = 2
    submit(who, django_capture_on_commit_callbacks)
    services.send_due(now=timezone.now() + datetime.timedelta(days=1))
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 2
    assert Notification.objects.filter(recipient=who["sz_approver"]).exists()  # the inbox keeps it
    admin = testing.user("sysadmin", "信阳市人民政府", "system_admin")
    client.force_login(admin)
    page = client.get("/inbox/deliveries/?status=failed").content.decode()
    assert "未接收" in page and "sz.approver" not in page  # the error; no address
    controller, box = smtp_server(live.EMAIL_PORT)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(f"/inbox/deliveries/{delivery.pk}/retry").status_code == 302
    finally:
        controller.stop()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and len(box.messages) == 1


def test_an_unexpected_error_is_recorded_with_a_reference_and_the_step_succeeds(
    who, smtp, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(messaging, "send", broken)
    plan = submit(who, django_capture_on_commit_callbacks)
    assert plan.status == Plan.Status.AGREEING
    assert "内部错误，参考编号" in Delivery.objects.get().last_error


def channels_for(user, live, gateway, *, secret="SEC"):
    live.DUIKOU_MESSAGING_CHANNELS = ["sms", "wecom", "dingtalk"]
    live.DUIKOU_SMS_URL = f"{gateway.url}/sms/send"
    live.DUIKOU_SMS_TOKEN = "t0ken-secret"
    live.DUIKOU_WECOM_URL = f"{gateway.url}/cgi-bin/webhook/send?key=wecom-key"
    live.DUIKOU_DINGTALK_URL = f"{gateway.url}/robot/send?access_token=ding-token"
    live.DUIKOU_DINGTALK_SECRET = secret
    services.save_preference(
        user=user,
        email_enabled=False,
        email="",
        channels=["sms", "wecom", "dingtalk"],
        phone="13800138000",
        digest=False,
    )


def test_sms_and_group_robots_receive_their_documented_json(who, live, gateway, django_capture_on_commit_callbacks):
    channels_for(who["sz_approver"], live, gateway)
    submit(who, django_capture_on_commit_callbacks)
    posts = {p["path"].split("?")[0]: p for p in gateway.posts}
    assert set(posts) == {"/sms/send", "/cgi-bin/webhook/send", "/robot/send"}
    sms = posts["/sms/send"]
    assert sms["headers"]["Authorization"] == "Bearer t0ken-secret"
    assert sms["json"]["to"] == "13800138000" and sms["json"]["text"].startswith("【对口合作平台】提交给您处理")
    wecom = posts["/cgi-bin/webhook/send"]["json"]
    assert wecom["msgtype"] == "text" and wecom["text"]["mentioned_mobile_list"] == ["13800138000"]
    ding = posts["/robot/send"]
    assert ding["json"]["at"] == {"atMobiles": ["13800138000"], "isAtAll": False}
    assert "timestamp=" in ding["path"] and "sign=" in ding["path"]  # 加签
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_a_refusing_gateway_keeps_the_message_queued_without_leaking_its_key(
    who, live, django_capture_on_commit_callbacks
):
    gateway = Gateway(status=200, answer={"errcode": 310000, "errmsg": "sign not match"})
    try:
        channels_for(who["sz_approver"], live, gateway)
        live.DUIKOU_SMS_URL = f"http://127.0.0.1:{free_port()}/sms"  # unreachable
        submit(who, django_capture_on_commit_callbacks)
    finally:
        gateway.stop()
    errors = dict(Delivery.objects.values_list("channel", "last_error"))
    assert "errcode 310000" in errors["wecom"] and "errcode 310000" in errors["dingtalk"]
    assert "无法连接" in errors["sms"]
    assert not any(secret in json.dumps(errors) for secret in ("wecom-key", "ding-token", "t0ken", "13800138000"))
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.QUEUED}


def test_the_development_backend_writes_the_outbox(who, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.DUIKOU_MESSAGING_OUTBOX = tmp_path
    settings.DUIKOU_MESSAGING_CHANNELS = ["sms"]
    services.save_preference(
        user=who["sz_approver"], email_enabled=True, email="", channels=["sms"], phone="13900139000", digest=False
    )
    submit(who, django_capture_on_commit_callbacks)
    line = json.loads((tmp_path / "sms.jsonl").read_text().splitlines()[0])
    assert line["to"] == "13900139000" and "提交给您处理" in line["text"]
    assert any((tmp_path / "mail").iterdir())


def test_with_workers_the_message_is_a_queued_task_that_a_worker_sends(
    who, smtp, settings, django_capture_on_commit_callbacks
):
    settings.DUIKOU_JOBS_INLINE = False
    submit(who, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.QUEUED and not smtp.messages  # nothing sent in the request
    queued = DBTaskResult.objects.get(task_path__endswith="deliver_task")
    assert queued.args_kwargs["args"] == [delivery.pk]
    queued.task.call(*queued.args_kwargs["args"])  # what the worker runs
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and len(smtp.messages) == 1
