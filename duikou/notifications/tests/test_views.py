"""The inbox, the badge, the preferences page, the API and the reminder buttons, through HTTP."""

import pytest

from duikou import testing
from duikou.evaluation.testing import published_run
from duikou.notifications import services
from duikou.notifications.models import Notification, Preference, Reminder
from duikou.plans.tests.factories import people

pytestmark = pytest.mark.django_db
K = Notification.Kind


@pytest.fixture
def who():
    return people()


def tell(user, n: int, obj=None, **kw):
    obj = obj or testing.pairing("信阳市", "苏州市")
    for i in range(n):
        services.notify(
            recipients=[user], kind=K.REMINDER, obj=obj, title=f"提醒第{i:02d}条", link="/plans/", key=f"t{i}", **kw
        )


def test_inbox_lists_newest_first_unread_highlighted_with_a_badge(client, who):
    tell(who["xy_approver"], 3)
    services.mark_read(user=who["xy_approver"], notification=Notification.objects.get(title="提醒第00条"))
    client.force_login(who["xy_approver"])
    page = client.get("/inbox/").content.decode()
    assert page.index("提醒第02条") < page.index("提醒第01条") < page.index("提醒第00条")
    assert page.count('data-unread="1"') == 2 and 'id="unread-badge">2<' in page
    unread = client.get("/inbox/?unread=1").content.decode()
    assert "提醒第00条" not in unread and "提醒第02条" in unread


def test_opening_a_notification_marks_it_read_and_goes_to_its_object(client, who):
    tell(who["xy_approver"], 1)
    item = Notification.objects.get()
    client.force_login(who["xy_approver"])
    response = client.get(f"/inbox/{item.pk}/")
    assert response.status_code == 302 and response["Location"] == "/plans/"
    item.refresh_from_db()
    assert item.read_at is not None
    assert 'id="unread-badge"' not in client.get("/inbox/").content.decode()


def test_mark_one_and_all_read(client, who):
    tell(who["xy_approver"], 3)
    client.force_login(who["xy_approver"])
    first = Notification.objects.first()
    client.post(f"/inbox/{first.pk}/read", {"next": "/inbox/?unread=1"})
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    response = client.post("/inbox/read-all", follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_someone_elses_notification_is_not_found(client, who):
    tell(who["sz_approver"], 1)
    item = Notification.objects.get()
    client.force_login(who["xy_approver"])
    assert client.get(f"/inbox/{item.pk}/").status_code == 404
    assert client.post(f"/inbox/{item.pk}/read").status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_the_inbox_pages_and_says_when_it_is_empty(client, who):
    client.force_login(who["xy_approver"])
    assert 'id="inbox-empty"' in client.get("/inbox/").content.decode()
    tell(who["xy_approver"], 25)
    first, second = client.get("/inbox/").content.decode(), client.get("/inbox/?page=2").content.decode()
    assert first.count("data-kind=") == 20 and second.count("data-kind=") == 5 and "共 25 条" in first


def test_preferences_keep_the_phone_encrypted_and_show_it_masked(client, who, settings):
    settings.DUIKOU_MESSAGING_CHANNELS = ["sms"]
    client.force_login(who["xy_approver"])
    data = {"email_enabled": "", "email": "", "channels": ["sms"], "phone": "138 0013 8000", "digest": "on"}
    assert client.post("/inbox/preferences/", data).status_code == 302
    pref = Preference.objects.get(user=who["xy_approver"])
    assert pref.phone_masked == "138****8000" and b"13800138000" not in bytes(pref.phone_enc) and pref.digest
    assert services.phone_of(pref) == "13800138000"
    page = client.get("/inbox/preferences/").content.decode()
    assert "138****8000" in page and "13800138000" not in page


def test_preferences_refuse_bad_input_with_reasons(client, who, settings):
    settings.DUIKOU_MESSAGING_CHANNELS = ["sms"]
    client.force_login(who["xy_approver"])
    page = client.post("/inbox/preferences/", {"channels": ["sms"], "phone": "12345"}).content.decode()
    assert "手机号码应为 11 位数字" in page
    page = client.post("/inbox/preferences/", {"email_enabled": "on", "email": "not-an-address"}).content.decode()
    assert "电子邮箱格式不正确" in page
    page = client.post("/inbox/preferences/", {"channels": ["dingtalk"]}).content.decode()
    assert "dingtalk" in page and not Preference.objects.exists()  # not a channel this site offers


def test_the_api_lists_and_marks_read(client, who):
    tell(who["xy_approver"], 2)
    tell(who["sz_approver"], 1)
    client.force_login(who["xy_approver"])
    data = client.get("/api/me/notifications").json()
    assert data["count"] == 2 and data["items"][0]["title"] == "提醒第01条"
    assert data["items"][0]["kind_label"] == "催办提醒" and data["items"][0]["read_at"] is None
    first = data["items"][1]["id"]
    assert client.post(f"/api/me/notifications/{first}/read").json()["read_at"] is not None
    assert client.get("/api/me/notifications?unread=true").json()["count"] == 1
    assert client.post("/api/me/notifications/read-all").json() == {"marked": 1}
    theirs = Notification.objects.get(recipient=who["sz_approver"]).pk
    assert client.post(f"/api/me/notifications/{theirs}/read").status_code == 404


def test_the_reminder_button_for_a_province_and_the_second_click(client, who):
    henan_editor = testing.user("henan_editor", "河南省人民政府", "editor")
    client.force_login(henan_editor)
    url = "/indicators/reminders/?dataset=quarterly&period=2025Q3"
    assert 'id="remind-all"' in client.get(url).content.decode()
    first = client.post("/indicators/reminders/send?dataset=quarterly&period=2025Q3", follow=True).content.decode()
    assert "已提醒" in first
    assert Notification.objects.filter(recipient=who["xy_editor"], kind=K.REMINDER).count() == 1
    second = client.post("/indicators/reminders/send?dataset=quarterly&period=2025Q3", follow=True).content.decode()
    assert "今天已提醒过，每天最多提醒一次" in second
    assert Notification.objects.filter(recipient=who["xy_editor"], kind=K.REMINDER).count() == 1


def test_a_city_sees_no_reminder_button_and_is_refused(client, who):
    client.force_login(who["xy_approver"])
    assert 'id="remind-all"' not in client.get("/indicators/reminders/?period=2025Q3").content.decode()
    assert client.post("/indicators/reminders/send?dataset=quarterly&period=2025Q3").status_code == 403
    assert not Reminder.objects.exists()


def test_the_notice_desk_reminds_responsible_units(client, who):
    import datetime

    from django.utils import timezone

    from duikou.evaluation.supervision import services as supervision

    xinyang = testing.pairing("信阳市", "苏州市")
    run = published_run(who["ndrc"], [(xinyang, "72", "fair")])
    supervision.issue_notice(
        run=run,
        pairing=xinyang,
        finding="进展缓慢",
        measures_required="制定方案",
        deadline=timezone.localdate() + datetime.timedelta(days=60),
        user=who["ndrc"],
    )
    client.force_login(who["henan"])
    assert 'id="remind-responsible"' in client.get("/evaluation/notices/").content.decode()
    page = client.post("/evaluation/notices/remind/", follow=True).content.decode()
    assert "已提醒 1 个责任单位" in page
    page = client.post("/evaluation/notices/remind/", follow=True).content.decode()
    assert "1 个责任单位今天已提醒过" in page
    assert Notification.objects.filter(recipient=who["xy_approver"], kind=K.REMINDER).count() == 1
