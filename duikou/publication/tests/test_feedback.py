"""Feedback from the public (公众留言): the form on a pairing's public page (text only, nothing personal, rate limited
per address), moderation by the approvers of the pairing's area (show, reject, hide, reply; two at once: one wins),
and the public page showing a message only once approved, and no longer at once when hidden."""

import re

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache

from duikou import testing
from duikou.core.models import RateCounter
from duikou.publication import feedback
from duikou.publication import testing as pub
from duikou.publication.feedback import services
from duikou.publication.models import Feedback

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.45"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def pairing():
    return testing.pairing("信阳市", "苏州市")


@pytest.fixture
def approver():
    return testing.user("xy_moderator", "信阳市人民政府", "approver")


def form_url(pairing) -> str:
    return f"/public/feedback/pairing/{pairing.pk}/"


def post(client, pairing, body: str, **extra):
    return client.post(form_url(pairing), {"body": body, "website": "", **extra}, REMOTE_ADDR=ADDRESS)


def pending(pairing, body: str = "建议公开更多产业园区的招商信息。") -> Feedback:
    return services.post_feedback(subject=feedback.resolve("pairing", pairing.pk), body=body, language="zh-hans")


def moderate(item: Feedback, user, step: str, **fields) -> Feedback:
    item.refresh_from_db()
    return services.moderate(user=user, item=item, step=step, version=item.version, **fields)


# ---- posting ----------------------------------------------------------------------------------------------------


def test_the_pairing_page_carries_the_form_with_its_warning_and_no_personal_field(client, pairing):
    html = client.get(f"/public/pairings/{pairing.pk}/").content.decode()
    form = html[html.index('id="feedback-form"') : html.index("</form>", html.index('id="feedback-form"'))]
    assert f'action="/public/feedback/pairing/{pairing.pk}/"' in html and "csrfmiddlewaretoken" in form
    assert '<label class="form-label fw-semibold" for="id_body">留言内容</label>' in form
    assert "请不要写姓名、身份证号码、电话号码" in form
    assert set(re.findall(r'name="([a-z_]+)"', form)) == {"csrfmiddlewaretoken", "body", "website"}


def test_a_message_is_kept_pending_with_nothing_about_its_sender(client, pairing):
    response = post(client, pairing, "希望多组织苏州企业到信阳考察。")
    assert response.status_code == 200 and "经审核后在公开页面显示" in response.content.decode()
    item = Feedback.objects.get()
    assert (item.status, item.body, item.subject_kind, item.subject_id) == (
        "pending",
        "希望多组织苏州企业到信阳考察。",
        "pairing",
        pairing.pk,
    )
    assert item.subject_title == "信阳市—苏州市" and item.pairing == pairing and item.language == "zh-hans"
    stored = " ".join(str(v) for v in Feedback.objects.values().get().values())
    assert ADDRESS not in stored
    entry = LogEntry.objects.get_for_object(item).get()
    assert entry.remote_addr is None and entry.actor is None  # the audit entry keeps no address either
    assert ADDRESS not in " ".join(RateCounter.objects.values_list("key", flat=True))  # a keyed digest only
    assert "希望多组织" not in client.get(f"/public/pairings/{pairing.pk}/").content.decode()  # not yet moderated


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "请填写留言内容。"),
        ("   \n ", "请填写留言内容。"),
        ("长" * 1001, "留言内容最多 1000 字，现有 1001 字。"),
        ("我的身份证是41152619900101123X请联系", "身份证号码"),
        ("电话 138 0013 8000 找我", "手机号码"),
        ("手机：１３９１２３４５６７８", "手机号码"),
    ],
)
def test_a_message_is_refused_with_a_clear_message(client, pairing, body, message):
    response = post(client, pairing, body)
    html = response.content.decode()
    assert response.status_code == 200 and message in html and 'id="feedback-form"' in html
    assert not Feedback.objects.exists()


def test_a_message_of_1000_characters_and_other_numbers_are_taken(client, pairing):
    post(client, pairing, "长" * 1000)
    post(client, pairing, "2025年签约12个项目，投资额 3800000000 元，热线 12317。")
    assert Feedback.objects.count() == 2


def test_a_message_that_fills_the_hidden_field_is_thanked_and_not_kept(client, pairing):
    response = post(client, pairing, "广告内容", website="http://spam.example")
    assert response.status_code == 200 and "感谢您的留言" in response.content.decode()
    assert not Feedback.objects.exists()


def test_an_address_over_the_hourly_limit_is_told_so_with_429(client, pairing, settings):
    settings.DUIKOU_PUBLIC_FEEDBACK_PER_HOUR = 2
    assert post(client, pairing, "第一条").status_code == 200
    assert post(client, pairing, "").status_code == 200  # a refused message counts too
    response = post(client, pairing, "第三条")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "该网络地址提交过于频繁（每 1 小时至多 2 次）" in html and "第三条" in html  # the text is kept in the form
    assert list(Feedback.objects.values_list("body", flat=True)) == ["第一条"]
    other = client.post(form_url(pairing), {"body": "另一地址"}, REMOTE_ADDR="203.0.113.46")
    assert other.status_code == 200


def test_no_feedback_on_what_is_not_public(client, pairing):
    local = pub.province_pairing("P-FB")
    assert client.get(form_url(local)).status_code == 404  # a province-internal pairing nobody published
    assert post(client, local, "留言").status_code == 404
    assert client.get("/public/feedback/resource/1/").status_code == 404  # a kind nobody registered
    assert client.get("/public/feedback/pairing/99999999999999999999/").status_code == 404
    assert not Feedback.objects.exists()


def test_a_kind_is_registered_once_and_named_as_a_slug():
    with pytest.raises(ValueError, match="registered already"):
        feedback.register_subject("pairing", lambda pk: None)
    with pytest.raises(ValueError, match="slug"):
        feedback.register_subject("Red Culture", lambda pk: None)


# ---- moderation -------------------------------------------------------------------------------------------------


def test_a_message_shows_on_the_public_page_only_once_approved_and_goes_at_once_when_hidden(client, pairing, approver):
    url = f"/public/pairings/{pairing.pk}/"
    item = pending(pairing)
    assert "建议公开更多" not in client.get(url).content.decode()  # the page is now in the cache
    moderate(item, approver, "show", reply="已转交信阳市投资促进局。")
    html = client.get(url).content.decode()
    assert "建议公开更多产业园区的招商信息。" in html and "已转交信阳市投资促进局。" in html
    assert "xy_moderator" not in html
    moderate(item, approver, "hide", reason="内容涉及未公开事项")
    html = client.get(url).content.decode()
    assert "建议公开更多" not in html and "内容涉及未公开事项" not in html


def test_a_reply_to_a_shown_message_shows_at_once(client, pairing, approver):
    item = moderate(pending(pairing), approver, "show")
    url = f"/public/pairings/{pairing.pk}/"
    assert "答复" not in client.get(url).content.decode().split('id="feedback-title"')[1].split("我要留言")[0]
    moderate(item, approver, "reply", reply="感谢建议，已采纳。")
    assert "感谢建议，已采纳。" in client.get(url).content.decode()


def test_rejecting_or_hiding_needs_a_reason_which_stays_internal(pairing, approver):
    item = pending(pairing)
    with pytest.raises(services.UserFacingError, match="请填写理由"):
        moderate(item, approver, "reject", reason="  ")
    item = moderate(item, approver, "reject", reason="与对口合作无关")
    assert (item.status, item.reason, item.moderated_by) == ("rejected", "与对口合作无关", approver)


def test_a_reply_may_not_publish_a_mobile_number(pairing, approver):
    with pytest.raises(services.UserFacingError, match="手机号码"):
        moderate(pending(pairing), approver, "show", reply="请致电 13812345678")
    assert Feedback.objects.get().status == "pending"


def test_only_the_steps_of_the_status_are_taken(pairing, approver):
    item = moderate(pending(pairing), approver, "reject", reason="重复")
    with pytest.raises(services.UserFacingError, match="未采纳"):
        moderate(item, approver, "hide", reason="x")
    assert moderate(item, approver, "show").status == "shown"  # a rejection may be revised


def test_moderators_are_the_approvers_of_the_pairings_area(client, pairing, approver):
    item = pending(pairing)
    henan = testing.user("henan_moderator", "河南省人民政府", "approver")
    suzhou = testing.user("sz_moderator", "苏州市人民政府", "approver")
    editor = testing.user("xy_writer", "信阳市人民政府", "editor")
    yanan = testing.user("ya_moderator", "延安市人民政府", "approver")
    step = f"/publication/feedback/{item.pk}/show"
    for user, status in ((editor, 403), (yanan, 404)):
        client.force_login(user)
        assert client.post(step, {"version": item.version}).status_code == status
    client.force_login(editor)
    assert client.get("/publication/feedback/").status_code == 403
    client.force_login(yanan)
    assert "建议公开更多" not in client.get("/publication/feedback/").content.decode()
    for user in (henan, suzhou):  # the province, and the other side of the pairing
        client.force_login(user)
        assert "建议公开更多" in client.get("/publication/feedback/").content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_the_moderation_page_filters_searches_and_acts(client, pairing, approver):
    first = pending(pairing, "第一条：道路")
    pending(pairing, "第二条：学校")
    moderate(first, approver, "reject", reason="无关")
    client.force_login(approver)
    html = client.get("/publication/feedback/").content.decode()  # pending by default
    assert "第二条：学校" in html and "第一条：道路" not in html
    html = client.get("/publication/feedback/?status=all&q=道路").content.decode()
    assert "第一条：道路" in html and "第二条：学校" not in html and "无关" in html
    second = Feedback.objects.get(body="第二条：学校")
    response = client.post(
        f"/publication/feedback/{second.pk}/show", {"version": second.version, "reply": "", "next": "/publication/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/publication/#feedback-{second.pk}"
    second.refresh_from_db()
    assert second.status == "shown"
    entries = LogEntry.objects.get_for_object(second).order_by("pk")
    assert entries.count() == 2 and entries.last().actor == approver  # posted, then shown by the approver


def test_a_step_on_a_stale_page_is_refused_with_a_message_not_an_error(client, pairing, approver):
    item = pending(pairing)
    henan = testing.user("henan_moderator", "河南省人民政府", "approver")
    seen = item.version  # both pages show this version
    moderate(item, henan, "reject", reason="重复留言")
    client.force_login(approver)
    response = client.post(f"/publication/feedback/{item.pk}/show", {"version": seen}, follow=True)
    assert response.status_code == 200
    assert "这条留言刚由他人处理过（现为「未采纳」），您的操作没有执行" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "rejected"
    response = client.post(f"/publication/feedback/{item.pk}/show", {"version": "abc"}, follow=True)
    assert "刚由他人处理过" in response.content.decode()


def test_pending_messages_are_on_the_approvers_to_do_list(client, pairing, approver):
    from duikou.todo import todo_for

    pending(pairing, "请在信阳设立苏州商品展销中心")
    items, _more = todo_for(approver)
    assert [(i.kind, i.title, i.place) for i in items if i.source == "feedback"] == [
        ("公众留言", "请在信阳设立苏州商品展销中心", "信阳市—苏州市")
    ]
    editor = testing.user("xy_writer", "信阳市人民政府", "editor")
    assert not [i for i in todo_for(editor)[0] if i.source == "feedback"]
