"""The public 公示/公告 page of a village (only during the period, masked names, never identifiers or notes), online
objections and appeals with their acknowledgement numbers, the answer page, the rate limits, the staff list of
objections, the escalation schedule."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

import duikou.schedules
from duikou.monitoring import notices, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, Declaration, Objection

pytestmark = pytest.mark.django_db

VILLAGE = mt.PLACES["xinyang"][3]
PAGE = f"/notices/{VILLAGE}/"
PHONE = "13912345678"


@pytest.fixture
def hands():
    return mt.procedure_users()


def new_case(hands, number: str, head: str, serial: int) -> Alert:
    """A household with a member (ID and phone) and a case opened by a visit, with a note that is never published."""
    home = mt.household(hands["county"], number=number, head_name=head)
    services.add_member(
        user=hands["county"], household=home, name=head, id_number=mt.id_number(serial), phone=PHONE, relation="户主"
    )
    case, _opened = services.open_case(household=home, channel="visit", user=hands["village"], note="患慢性肾病，住院")
    return case


@pytest.fixture
def publicised(hands):
    """A case in its 村内公示 since today, proposed as 突发严重困难户 at the deliberation."""
    case = new_case(hands, "N001", "王建国", 11)
    return mt.walk(case, "publicising", category="sudden")


def shift(case: Alert, days: int, *, field: str = "publicity") -> None:
    """Move the case's 公示 (or 公告) by ``days`` (negative: into the past)."""
    case.refresh_from_db()
    delta = datetime.timedelta(days=days)
    start, end = getattr(case, f"{field}_start"), getattr(case, f"{field}_end")
    Alert.objects.filter(pk=case.pk).update(**{f"{field}_start": start + delta, f"{field}_end": end + delta})


# ---- the public page --------------------------------------------------------------------------------------------


def test_the_notice_page_shows_a_publicity_only_within_its_period(client, publicised):
    shift(publicised, 2)  # starts the day after tomorrow
    page = client.get(PAGE).content.decode()
    assert "王**" not in page and "本村当前没有公示或公告" in page
    shift(publicised, -2)  # today is its first day
    page = client.get(PAGE).content.decode()
    assert "王**" in page and "本村当前没有公示或公告" not in page
    shift(publicised, -5)  # its five days are over
    page = client.get(PAGE).content.decode()
    assert "王**" not in page and "本村当前没有公示或公告" in page


def test_the_notice_page_shows_masked_name_village_category_and_step_and_nothing_personal(client, publicised):
    response = client.get(PAGE)
    page = response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"
    assert "no-store" in response["Cache-Control"]
    assert "王**" in page and "王建国" not in page
    assert "西关社区居民委员会" in page
    assert "突发严重困难户" in page  # the category proposed at the deliberation
    assert "拟纳入防止返贫监测对象" in page
    end = publicised.publicity_end if publicised.publicity_end else None
    assert f"{timezone.localdate():%Y-%m-%d} 至 {end:%Y-%m-%d}（5 个日历日）" in page
    for secret in (mt.id_number(11), PHONE, "138", "慢性肾病", "评议同意", "入户核实属实"):
        assert secret not in page


def test_the_announcement_of_an_inclusion_shows_the_decided_category(client, hands):
    case = mt.walk(new_case(hands, "N002", "李四海", 12), "monitored", category="marginal")
    page = client.get(PAGE).content.decode()
    assert "李**" in page and "边缘易致贫户" in page and "经县级审定，纳入防止返贫监测对象" in page
    assert "公告期" in page and "（7 个日历日）" in page
    assert f'name="case" value="{case.pk}"' not in page  # no objection to a 公告: the household appeals
    shift(case, -7, field="announce")
    assert "李**" not in client.get(PAGE).content.decode()


def test_an_elimination_publicity_is_listed_with_its_category(client, hands):
    case = mt.walk(new_case(hands, "N003", "赵小六", 13), "monitored", category="unstable")
    today = timezone.localdate()
    Alert.objects.filter(pk=case.pk).update(
        status=Alert.Status.EL_PUBLICISING,
        publicity_start=today,
        publicity_end=today + datetime.timedelta(days=4),
        announce_start=None,
        announce_end=None,
    )
    page = client.get(PAGE).content.decode()
    assert "赵**" in page and "脱贫不稳定户" in page and "拟标注风险消除" in page


def test_an_unknown_code_or_a_code_of_a_township_is_not_found(client, publicised):
    assert client.get("/notices/411526001999/").status_code == 404
    assert client.get("/notices/411526001/").status_code == 404  # nine digits: no route
    assert client.get("/notices/411526001000/").status_code == 404


# ---- objections and appeals ------------------------------------------------------------------------------------


def ack_of(page: str) -> str:
    return re.search(r'id="ack-number">(YY[0-9A-Z]{10})<', page).group(1)


def test_anyone_objects_online_during_the_publicity_and_gets_a_number(client, publicised):
    response = client.post(PAGE, {"case": publicised.pk, "text": "该户家中有新建楼房，收入不低。"})
    page = response.content.decode()
    number = ack_of(page)
    objection = Objection.objects.get(ack_number=number)
    assert (objection.case, objection.kind, objection.subject, objection.online) == (
        publicised,
        "objection",
        "inclusion",
        True,
    )
    assert objection.recorded_by is None and "有新建楼房" in objection.text
    assert "/notices/answer/" in page and "答复将显示在查询页面" in page
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"
    # the case's history records it, and the township must answer before the village reports
    assert AlertStep.objects.filter(alert=publicised, step="lead", note__contains=number).exists()


def test_an_objection_after_the_period_is_refused_with_the_services_message(client, publicised):
    shift(publicised, -5)
    response = client.post(PAGE, {"case": publicised.pk, "text": "异议"})
    assert "该户不在公示期内，不能提出公示异议" in response.content.decode()
    assert not Objection.objects.exists()


def test_an_objection_to_a_case_of_another_village_or_no_case_is_refused(client, publicised):
    other = f"/notices/{mt.place('yanan')[1].code}/"
    for url, case in ((other, publicised.pk), (PAGE, 999999), (PAGE, "abc"), (PAGE, "9" * 40)):
        response = client.post(url, {"case": case, "text": "异议"})
        assert response.status_code == 200
        assert "没有找到这条公示" in response.content.decode()
    assert not Objection.objects.exists()


def test_an_empty_objection_is_refused_and_the_page_shows_why(client, publicised):
    page = client.post(PAGE, {"case": publicised.pk, "text": "  "}).content.decode()
    assert "请填写异议或申诉的内容和理由" in page and not Objection.objects.exists()


def test_objections_are_limited_per_address(client, publicised, settings):
    settings.DUIKOU_OBJECTION_ADDRESS_LIMIT = 2
    for _ in range(2):
        assert client.post(PAGE, {"case": publicised.pk, "text": "异议"}).status_code == 200
    response = client.post(PAGE, {"case": publicised.pk, "text": "异议"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "该网络地址提交过于频繁" in response.content.decode()
    assert Objection.objects.count() == 2
    # another address still gets through
    assert Client(REMOTE_ADDR="203.0.113.9").post(PAGE, {"case": publicised.pk, "text": "异议"}).status_code == 200


def test_objections_are_limited_per_case_across_addresses(client, publicised, settings):
    settings.DUIKOU_OBJECTION_CASE_LIMIT = 3
    codes = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(PAGE, {"case": publicised.pk, "text": "异议"}).status_code
        for n in range(1, 6)
    ]
    assert codes == [200, 200, 200, 429, 429]
    response = Client(REMOTE_ADDR="203.0.113.50").post(PAGE, {"case": publicised.pk, "text": "异议"})
    assert "对该户公示的异议提交过于频繁" in response.content.decode()
    assert Objection.objects.count() == 3


@pytest.fixture
def declared_and_dismissed(hands):
    """A household's own declaration whose case the county dismissed."""
    _township, village = mt.place()
    declaration = services.declare(
        village=village,
        head_name="孙大娘",
        id_number=mt.id_number(21),
        phone="13700001111",
        difficulty="illness",
        description="老伴住院",
        consent=True,
    )
    case = mt.walk(declaration.case, "county_decision")
    services.take_step(user=hands["county"], alert=case, step="dismiss", expected_version=case.version, note="收入高")
    return Declaration.objects.select_related("case").get(pk=declaration.pk)


def test_a_household_appeals_a_dismissal_with_its_declaration_number(client, declared_and_dismissed):
    response = client.post(
        "/notices/appeal/",
        {"ack_number": declared_and_dismissed.ack_number.lower(), "subject": "dismissal", "text": "老伴住院花费大"},
    )
    number = ack_of(response.content.decode())
    appeal = Objection.objects.get(ack_number=number)
    assert (appeal.case_id, appeal.kind, appeal.subject) == (declared_and_dismissed.case_id, "appeal", "dismissal")
    assert response["X-Robots-Tag"] == "noindex, nofollow, noarchive"


def test_an_appeal_on_a_matter_not_decided_gets_the_services_message(client, declared_and_dismissed):
    response = client.post(
        "/notices/appeal/",
        {"ack_number": declared_and_dismissed.ack_number, "subject": "elimination", "text": "不服"},
    )
    assert "不能就「风险消除」申诉" in response.content.decode() and not Objection.objects.exists()


def test_a_wrong_number_gets_one_message_whatever_it_is(client, declared_and_dismissed):
    texts = set()
    for number in ("SB0000000000", "", "YY23456789AB", "x" * 300):
        page = client.post("/notices/appeal/", {"ack_number": number, "subject": "dismissal", "text": "不服"})
        texts.add(re.search(r'id="appeal-error">([^<]*)<', page.content.decode()).group(1))
    assert texts == {str(notices.GENERIC_APPEAL)} and "受理编号有误" in str(notices.GENERIC_APPEAL)
    assert not Objection.objects.exists()


def test_appeals_are_limited_per_address_wrong_numbers_included(client, declared_and_dismissed, settings):
    settings.DUIKOU_APPEAL_ADDRESS_LIMIT = 3
    for _ in range(3):
        client.post("/notices/appeal/", {"ack_number": "SB0000000000", "subject": "dismissal", "text": "x"})
    data = {"ack_number": declared_and_dismissed.ack_number, "subject": "dismissal", "text": "不服"}
    response = client.post("/notices/appeal/", data)
    assert response.status_code == 429 and not Objection.objects.exists()


def test_the_answer_page_shows_status_due_date_and_answer_and_nothing_personal(client, publicised, hands):
    number = ack_of(client.post(PAGE, {"case": publicised.pk, "text": "该户王建国家有轿车"}).content.decode())
    page = client.post("/notices/answer/", {"ack_number": f" {number.lower()} "}).content.decode()
    objection = Objection.objects.get()
    assert "待答复" in page and f"{objection.due:%Y-%m-%d}" in page and number in page
    assert "王建国" not in page and "轿车" not in page and "西关社区" not in page
    reply = "经核实，轿车为亲属所有。"
    services.answer_objection(user=hands["township"], objection=objection, answer=reply, expected_version=1)
    page = client.post("/notices/answer/", {"ack_number": number}).content.decode()
    assert "已答复" in page and "经核实，轿车为亲属所有。" in page


def test_the_answer_page_refuses_an_unknown_number_and_is_limited(client, settings):
    settings.DUIKOU_OBJECTION_LOOKUP_LIMIT = 2
    page = client.post("/notices/answer/", {"ack_number": "YY0000000000"}).content.decode()
    assert "没有找到这个受理编号" in page
    client.post("/notices/answer/", {"ack_number": "YY0000000001"})
    assert client.post("/notices/answer/", {"ack_number": "YY0000000002"}).status_code == 429
    assert client.get("/notices/answer/").status_code == 200


# ---- staff: recording, the list, escalation -----------------------------------------------------------------------


def test_township_staff_record_an_objection_taken_by_phone(client, publicised, hands):
    client.force_login(hands["township"])
    page = client.get(f"/monitoring/alerts/{publicised.pk}/").content.decode()
    assert 'id="objection-record"' in page and f"/notices/{VILLAGE}.docx" in page
    response = client.post(
        f"/monitoring/alerts/{publicised.pk}/objections/new/", {"kind": "objection", "text": "电话反映：该户有营业执照"}
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert not objection.online and objection.recorded_by == hands["township"]
    page = client.get(response["Location"]).content.decode()
    assert f"受理编号 {objection.ack_number}" in page


def test_a_village_cadre_may_not_record_an_objection(client, publicised, hands):
    client.force_login(hands["village"])
    assert 'id="objection-record"' not in client.get(f"/monitoring/alerts/{publicised.pk}/").content.decode()
    response = client.post(f"/monitoring/alerts/{publicised.pk}/objections/new/", {"kind": "objection", "text": "x"})
    assert response.status_code == 403 and not Objection.objects.exists()


def lodge(case: Alert, text: str, **fields) -> Objection:
    return services.lodge_objection(case=case, kind="objection", subject="inclusion", text=text, **fields)


def test_the_staff_list_filters_by_state_and_kind_and_finds_a_number(client, hands, declared_and_dismissed):
    first = mt.walk(new_case(hands, "N010", "周一", 31), "publicising")
    second = mt.walk(new_case(hands, "N011", "吴二", 32), "publicising")
    waiting = lodge(first, "异议甲")
    late = lodge(second, "异议乙")
    Objection.objects.filter(pk=late.pk).update(due=timezone.localdate() - datetime.timedelta(days=3))
    answered = lodge(second, "异议丙")
    services.answer_objection(user=hands["township"], objection=answered, answer="已核实", expected_version=1)
    appeal = services.lodge_objection(
        case=declared_and_dismissed.case, kind="appeal", subject="dismissal", text="申诉丁"
    )
    services.escalate_overdue_objections()
    client.force_login(hands["county"])

    def shown(query: str) -> list[str]:
        page = client.get(f"/monitoring/objections/?{query}").content.decode()
        return sorted(re.findall(r'class="font-monospace">(YY[0-9A-Z]+)<', page))

    assert shown("") == sorted([waiting.ack_number, late.ack_number, appeal.ack_number])  # open by default
    assert shown("state=overdue") == [late.ack_number]
    assert shown("state=escalated") == [late.ack_number]
    assert shown("state=answered") == [answered.ack_number]
    assert shown("state=&kind=appeal") == [appeal.ack_number]
    assert shown(f"state=&q={waiting.ack_number.lower()}") == [waiting.ack_number]
    page = client.get("/monitoring/objections/?state=").content.decode()
    assert f"/monitoring/alerts/{first.pk}/#case-objections" in page


def test_the_staff_list_shows_only_objections_in_scope(client, hands, publicised):
    lodge(publicised, "信阳侧异议")
    client.force_login(mt.local_user("yanan_township", "yanan", "township"))
    page = client.get("/monitoring/objections/?state=").content.decode()
    assert "信阳侧异议" not in page and 'id="objections-empty"' in page


def test_the_daily_schedule_escalates_an_overdue_objection_once(publicised):
    objection = lodge(publicised, "异议")
    schedule = {s.name: s for s in duikou.schedules.SCHEDULES()}["objections-overdue"]
    assert schedule.every == "day" and schedule.function == "duikou.schedules.escalate_objections"
    run = lambda: duikou.schedules.escalate_objections(user=None, progress=lambda done, total: None)  # noqa: E731
    assert run()["summary"] == "逾期未答复的异议、申诉上报县级 0 件"
    Objection.objects.filter(pk=objection.pk).update(due=timezone.localdate() - datetime.timedelta(days=1))
    assert run()["summary"] == "逾期未答复的异议、申诉上报县级 1 件"
    assert run()["summary"] == "逾期未答复的异议、申诉上报县级 0 件"
    objection.refresh_from_db()
    assert objection.escalated == timezone.localdate()
    assert not services.may_answer(mt.procedure_users()["township"], objection)
    assert services.may_answer(mt.procedure_users()["county"], objection)


def test_the_notice_page_reads_in_english(client, publicised, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(PAGE).content.decode()
    assert "proposed for inclusion as a monitored household" in page and "(5 calendar days)" in page
    assert "Object" in page and "Submit the objection" in page


def test_the_notice_page_reads_the_same_number_of_queries_for_one_case_or_three(client, hands, publicised):
    """Each line states its period from its case's rule set: read with the cases, not once a line."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from duikou.core.actors import Operator
    from duikou.geo.models import Region

    ruleset = services.create_ruleset(
        user=Operator(), province=Region.objects.get(code="410000"), year=timezone.localdate().year
    )
    Alert.objects.filter(pk=publicised.pk).update(ruleset=ruleset)  # the later cases take it as the current one
    url = f"/notices/{publicised.household.village_id}/"
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for serial, (number, head) in enumerate((("N002", "李四"), ("N003", "赵五")), start=12):
        mt.walk(new_case(hands, number, head, serial), "publicising")
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    assert page.count('<li class="card mb-3 notice notice-') == 3
    assert set(Alert.objects.values_list("ruleset", flat=True)) == {ruleset.pk}
    assert len(three.captured_queries) == len(one.captured_queries)
