"""The public status page (duikou/monitoring/front.py): the acknowledgement number asked in a form, never read from
the address; the case's stage in public words with the step dates, the 公示 period, objections and their answers;
nothing personal (no name, ID or phone number, no description of an illness, no official's note); look-ups limited per
address."""

import re

import pytest
from django.utils import timezone

from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, Objection

pytestmark = pytest.mark.django_db

STATUS = "/declare/status/"
ILLNESS = "户主确诊尿毒症，每周透析三次"


@pytest.fixture
def declaration():
    """A household the registry does not know declares: a pending household and a new case."""
    _township, village = mt.place()
    return services.declare(
        village=village,
        head_name="王小梅",
        id_number=mt.id_number(61),
        phone="13712345678",
        difficulty="illness",
        description=ILLNESS,
        consent=True,
    )


@pytest.fixture
def screened(ruleset):
    """A registered household whose low income the screening flagged declares too: its declaration joins that case,
    which the tests walk through the procedure."""
    from duikou.core.actors import Operator

    cadre = mt.local_user("status_township", level="township")
    home = mt.household(cadre, number="H061", head_name="王小梅")
    services.add_member(user=cadre, household=home, name="王小梅", id_number=mt.id_number(61), phone="13712345678")
    mt.income(cadre, home, 2025, "8000", persons=2)
    services.screen_households(user=Operator(), ruleset=ruleset)
    _township, village = mt.place()
    declaration = services.declare(
        village=village,
        head_name="王小梅",
        id_number=mt.id_number(61),
        phone="13712345678",
        difficulty="illness",
        description=ILLNESS,
        consent=True,
    )
    assert declaration.case.run_id is not None
    return declaration


def look_up(client, ack: str, address: str = "10.1.0.1"):
    return client.post(STATUS, {"ack_number": ack}, REMOTE_ADDR=address)


def personal(declaration) -> list[str]:
    plain = mt.id_number(61)
    return ["王小梅", "王**", plain, plain[-6:], declaration.id_number_masked, "13712345678", "137****5678", ILLNESS]


def test_the_form_asks_the_number_and_the_address_carries_none(client, declaration):
    page = client.get(f"{STATUS}?ack_number={declaration.ack_number}")
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert "status-result" not in page.content.decode()  # a number in the address is not read
    assert "noindex" in page["X-Robots-Tag"]


def test_a_new_declaration_shows_received_with_its_channel_village_and_date_and_nothing_personal(client, declaration):
    response = look_up(client, declaration.ack_number)
    html = response.content.decode()
    assert "已受理，等待村里入户核实" in html
    assert "农户自主申报（扫码）" in html and "西关社区居民委员会" in html
    assert timezone.localtime(declaration.created).strftime("%Y-%m-%d") in html  # the date as the village reads it
    assert declaration.case.deadline.isoformat() in html  # the step's due date
    leaked = [text for text in personal(declaration) if text in html]
    assert not leaked


def test_a_number_typed_with_spaces_and_small_letters_is_found(client, declaration):
    ack = declaration.ack_number
    typed = f" {ack[:6].lower()} {ack[6:]} "
    assert "已受理" in look_up(client, typed).content.decode()


def test_an_unknown_number_says_so(client, declaration):
    html = look_up(client, "SB2345678923").content.decode()
    assert "没有找到这个受理编号" in html and "status-result" not in html


def test_the_case_in_publicity_shows_its_period_and_the_steps_dates_but_not_the_officials_notes(client, screened):
    case = mt.walk(screened.case, "publicising")
    html = look_up(client, screened.ack_number).content.decode()
    assert "村内公示中" in html
    assert f"{case.publicity_start:%Y-%m-%d} — {case.publicity_end:%Y-%m-%d}" in html
    for step in ("入户核实", "承诺授权", "村级民主评议，开始公示"):
        assert step in html
    assert "入户核实属实" not in html and "评议同意" not in html  # the steps' notes stay with staff
    assert not [text for text in personal(screened) if text in html]


def test_an_objection_and_its_answer_are_shown_to_the_household(client, screened):
    case = mt.walk(screened.case, "publicising")
    objection = services.lodge_objection(case=case, kind="objection", subject="", text="该户有货车一辆，请再核实")
    html = look_up(client, screened.ack_number).content.decode()
    assert "该户有货车一辆" in html and "待答复" in html
    township = mt.procedure_users()["township"]
    services.answer_objection(
        user=township, objection=objection, answer="经核实货车已于去年报废", expected_version=objection.version
    )
    html = look_up(client, screened.ack_number).content.decode()
    assert "经核实货车已于去年报废" in html and "已答复" in html


def test_the_objections_own_number_shows_its_answer_and_the_case_stage(client, screened):
    case = mt.walk(screened.case, "publicising")
    objection = services.lodge_objection(case=case, kind="objection", subject="", text="请核实该户收入")
    html = look_up(client, objection.ack_number).content.decode()
    assert "公示异议" in html and "村内公示中" in html and "请核实该户收入" in html
    assert not [text for text in personal(screened) if text in html]


def test_a_case_the_township_dismissed_reads_as_decided_not_monitored(client, screened):
    case = mt.walk(screened.case, "township_review")
    township = mt.procedure_users()["township"]
    services.take_step(
        user=township, alert=case, step="township_dismiss", expected_version=case.version, note="收入高于监测范围"
    )
    html = look_up(client, screened.ack_number).content.decode()
    assert "经核实不纳入监测" in html and "乡镇审核：不纳入" in html
    assert "收入高于监测范围" not in html


def test_a_monitored_case_reads_as_included(client, screened):
    mt.walk(screened.case, "monitored")
    html = look_up(client, screened.ack_number).content.decode()
    assert "已认定：纳入监测帮扶" in html and "县级审定：纳入监测，公告" in html


def test_look_ups_are_limited_per_address(client, declaration, settings):
    settings.DUIKOU_DECLARE_STATUS_PER_HOUR = 3
    for _n in range(3):
        assert "status-result" in look_up(client, declaration.ack_number, "10.1.0.7").content.decode()
    refused = look_up(client, declaration.ack_number, "10.1.0.7").content.decode()
    assert "该网络地址提交过于频繁" in refused and "status-result" not in refused
    # another address is not affected; guesses count like any look-up
    assert "status-result" in look_up(client, declaration.ack_number, "10.1.0.8").content.decode()


def test_acknowledgement_numbers_are_not_guessable_in_bulk(client, declaration, settings):
    settings.DUIKOU_DECLARE_STATUS_PER_HOUR = 5
    answers = [look_up(client, f"SB{n:010d}", "10.1.0.9").content.decode() for n in range(8)]
    assert sum("没有找到这个受理编号" in a for a in answers) == 5
    assert all("提交过于频繁" in a for a in answers[5:])
    assert re.search(r"请 \d+ 分钟后再试", answers[-1])
    assert Objection.objects.count() == 0 and Alert.objects.count() == 1
