"""农户自主申报 on the public page a village's QR code opens (duikou/monitoring/front.py): two screens (the details,
then the 承诺授权 asked for explicitly), the acknowledgement number, a pending household and a case for a household
the registry does not know, a lead on the open case of one it knows; the rate limits per address, ID number and
village, and a flood from one address refused after its limit with every accepted declaration kept."""

import logging
import re

import pytest
from django.test import Client

from duikou.core.models import RateCounter
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, Declaration, Household, Member

pytestmark = pytest.mark.django_db

VILLAGE = "411526001001"  # 潢川县春申街道西关社区
URL = f"/declare/{VILLAGE}/"
ACK = re.compile(r'id="ack-number">(SB[2-9A-HJ-NP-Z]{10})<')


def details(serial: int = 1, **extra) -> dict:
    return {
        "head_name": "张大山",
        "phone": "13912340001",
        "id_number": mt.id_number(serial),
        "difficulty": "illness",
        "description": "户主突发脑梗住院，自付医疗费约 4 万元",
        **extra,
    }


def submit(client: Client, data: dict, address: str = "10.0.0.1", **headers):
    """The second screen's submission: the details again (hidden fields) with the consent ticked."""
    return client.post(URL, {**data, "stage": "consent", "consent": "on"}, REMOTE_ADDR=address, **headers)


def ack_of(response) -> str:
    match = ACK.search(response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


@pytest.fixture
def village():
    return mt.place()[1]


def test_the_page_names_the_village_and_asks_the_details_without_a_consent_box(client, village):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "西关社区居民委员会" in html and "春申街道" in html
    for name in ("head_name", "phone", "id_number", "difficulty", "description"):
        assert f'name="{name}"' in html
    assert 'name="consent"' not in html  # the consent is its own screen, never a box on the first
    assert "noindex" in response["X-Robots-Tag"]


def test_an_unknown_code_or_one_that_is_not_a_villages_is_not_found(client, village):
    assert client.get("/declare/411526001999/").status_code == 404
    assert client.get("/declare/411526001/").status_code == 404  # a township's code: not a page at all
    assert client.get("/declare/41152600100x/").status_code == 404


def test_the_details_lead_to_the_consent_screen_with_the_consent_text_and_nothing_saved(client, village):
    response = client.post(URL, {**details(), "stage": "details"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "承诺授权书" in html and "收入、财产" in html
    checkbox = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
    assert "checked" not in checkbox and "required" in checkbox
    assert "4115**********" in html  # the ID masked in the summary
    assert Declaration.objects.count() == 0


def test_a_wrong_id_number_is_refused_on_the_first_screen(client, village):
    response = client.post(URL, {**details(), "id_number": "411526198001010000", "stage": "details"})
    assert "身份证号码校验位不正确" in response.content.decode()
    assert "承诺授权书" not in response.content.decode()


def test_without_ticking_the_consent_nothing_is_declared(client, village):
    response = client.post(URL, {**details(), "stage": "consent"})
    assert "请阅读承诺授权" in response.content.decode()
    assert Declaration.objects.count() == 0


def test_going_back_from_the_consent_screen_keeps_what_was_typed(client, village):
    response = client.post(URL, {**details(), "stage": "edit"})
    html = response.content.decode()
    assert 'value="张大山"' in html and 'name="consent"' not in html


def test_a_household_the_registry_does_not_know_becomes_pending_with_a_case(client, village):
    response = submit(client, details())
    assert response.status_code == 200
    ack = ack_of(response)
    assert "请抄下或截图保存这个编号" in response.content.decode()
    declaration = Declaration.objects.get(ack_number=ack)
    assert declaration.channel == Alert.Channel.SELF and declaration.recorded_by is None
    assert declaration.consent_at is not None
    assert declaration.household.pending and declaration.household.village_id == VILLAGE
    assert declaration.case.status == Alert.Status.VERIFYING and declaration.case.channel == Alert.Channel.SELF
    assert declaration.id_number_masked.startswith("4115") and declaration.phone_masked == "139****0001"


def test_a_household_with_an_open_case_gets_a_lead_not_a_second_case(client, village):
    cadre = mt.local_user("decl_township", level="township")
    home = mt.household(cadre, number="H001", head_name="张大山")
    services.add_member(user=cadre, household=home, name="张大山", id_number=mt.id_number(5), relation="户主")
    case, _opened = services.open_case(household=home, channel=Alert.Channel.VISIT, user=cadre, note="走访发现")
    ack = ack_of(submit(client, details(5)))
    declaration = Declaration.objects.get(ack_number=ack)
    assert declaration.household == home and declaration.case == case
    assert Alert.objects.filter(household=home).count() == 1
    assert case.steps.filter(step=AlertStep.Step.LEAD).count() == 2
    assert Household.objects.filter(pending=True).count() == 0


def test_the_id_number_and_phone_stay_out_of_addresses_and_logs(client, village, caplog):
    data = details(7)
    with caplog.at_level(logging.DEBUG):
        response = submit(client, data)
        client.get(URL)
    assert response.status_code == 200
    text = "\n".join(r.getMessage() for r in caplog.records) + "\n".join(str(r.__dict__) for r in caplog.records)
    assert data["id_number"] not in text and data["phone"] not in text
    assert not RateCounter.objects.filter(key__contains=data["id_number"]).exists()


def test_the_form_needs_its_csrf_token(village):
    strict = Client(enforce_csrf_checks=True)
    assert submit(strict, details()).status_code == 403
    assert Declaration.objects.count() == 0


def test_the_same_id_number_is_refused_after_its_daily_limit_and_the_form_keeps_all_but_the_id(
    client, village, settings, caplog
):
    settings.DUIKOU_DECLARE_ID_PER_DAY = 2
    for n in range(2):
        assert submit(client, details(9), address=f"10.0.1.{n}").status_code == 200
    with caplog.at_level(logging.DEBUG):
        refused = submit(client, details(9), address="10.0.1.9")
    logged = "\n".join(str(r.__dict__) for r in caplog.records)
    assert caplog.records and mt.id_number(9) not in logged and "10.0.1.9" not in logged
    html = refused.content.decode()
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "该身份证号码提交过于频繁" in html
    assert 'value="张大山"' in html and 'value="13912340001"' in html
    assert mt.id_number(9) not in html
    assert Declaration.objects.count() == 2


def test_a_village_is_refused_after_its_daily_limit_whatever_the_address(client, village, settings):
    settings.DUIKOU_DECLARE_VILLAGE_PER_DAY = 3
    for n in range(3):
        assert submit(client, details(20 + n), address=f"10.0.2.{n}").status_code == 200
    refused = submit(client, details(30), address="10.0.2.99")
    assert refused.status_code == 429 and "本村提交过于频繁" in refused.content.decode()
    assert Declaration.objects.count() == 3


def test_the_address_is_the_trusted_proxys_only_when_the_proxy_is_trusted(client, village, settings):
    settings.DUIKOU_DECLARE_ADDRESS_PER_HOUR = 2
    # not trusted: X-Forwarded-For is the client's own word; every request counts on the proxy's address
    settings.DUIKOU_TRUSTED_PROXY = False
    for n in range(2):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"}
        assert submit(client, details(40 + n), address="192.0.2.1", **forwarded).status_code == 200
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.50"}
    assert submit(client, details(42), address="192.0.2.1", **forwarded).status_code == 429
    # trusted: each villager behind the proxy is counted on the address the proxy saw
    settings.DUIKOU_TRUSTED_PROXY = True
    for n in range(3):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"198.51.100.7, 203.0.113.{60 + n}"}
        assert submit(client, details(43 + n), address="192.0.2.1", **forwarded).status_code == 200
    assert Declaration.objects.count() == 5


def test_a_flood_of_a_thousand_from_one_address_is_refused_after_the_limit_and_nothing_valid_is_lost(
    client, village, settings
):
    """One address sends 1,000 declarations (each a valid one, a different ID number); now and then a villager on
    another address declares in between. The flood is refused after its limit; every declaration accepted — the
    flood's first ones and every villager's — is in the database with its household and its case's lead."""
    limit = settings.DUIKOU_DECLARE_ADDRESS_PER_HOUR
    accepted, refused, villagers = [], 0, []
    for n in range(1000):
        response = submit(client, details(n, head_name=f"申报人{n}"), address="198.18.0.1")
        if response.status_code == 200:
            accepted.append(ack_of(response))
        else:
            assert response.status_code == 429 and "该网络地址提交过于频繁" in response.content.decode()
            refused += 1
        if n % 100 == 99:  # a villager elsewhere is not locked out by the flood
            other = submit(client, details(n, head_name=f"村民{n}"), address=f"198.18.1.{n // 100}")
            assert other.status_code == 200, other.content.decode()[:500]
            villagers.append(ack_of(other))
    assert len(accepted) == limit and refused == 1000 - limit and len(villagers) == 10
    kept = Declaration.objects.filter(ack_number__in=accepted + villagers).select_related("household", "case")
    assert kept.count() == limit + 10 == Declaration.objects.count()
    for d in kept:
        assert d.case is not None and d.case.household_id == d.household_id
        assert d.case.steps.filter(step=AlertStep.Step.LEAD, details__declaration=d.ack_number).exists()
    assert Member.objects.count() == Household.objects.filter(pending=True).count()


def test_the_page_and_its_consent_read_in_english_for_a_phone_set_to_english(client, village):
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Step 1 of 2: your details" in html and "Next: read the commitment and authorisation" in html
    html = client.post(URL, {**details(), "stage": "details"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "I agree and authorise the township government" in html and "Agree and submit" in html
