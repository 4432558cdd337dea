"""The staff side of the ways in (duikou/monitoring/front.py): declarations taken on the 12317 hotline or at the
counter by county and township staff, the list of declarations, the cadres' visit log with its one tap that raises
the household's case, and the villages' QR posters, whose code is read back from the PDF."""

import datetime
import re
import subprocess

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from duikou import testing
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, AlertStep, Declaration, Visit
from duikou.testing import tool

pytestmark = pytest.mark.django_db

VILLAGE = "411526001001"


def hotline(**extra) -> dict:
    return {
        "channel": "hotline",
        "village": VILLAGE,
        "head_name": "李春生",
        "phone": "13812345670",
        "id_number": mt.id_number(71),
        "difficulty": "disaster",
        "description": "房屋被洪水冲毁",
        "consent": "on",
        **extra,
    }


@pytest.fixture
def township(client):
    user = mt.local_user("front_township", level="township")
    client.force_login(user)
    return user


# ---- 12317 and the counter ------------------------------------------------------------------------------------


def test_township_staff_record_a_hotline_declaration_with_its_channel(client, township):
    response = client.post("/monitoring/declarations/new/", hotline())
    assert response.status_code == 302 and response["Location"] == "/monitoring/declarations/"
    declaration = Declaration.objects.get()
    assert declaration.channel == Alert.Channel.HOTLINE and declaration.recorded_by == township
    assert declaration.case.channel == Alert.Channel.HOTLINE and declaration.household.pending
    page = client.get(response["Location"]).content.decode()
    assert declaration.ack_number in page  # the message to read out to the caller, and the list
    assert mt.id_number(71) not in page and "13812345670" not in page
    assert declaration.id_number_masked in page and "138****5670" in page


def test_a_counter_declaration_without_the_declarants_consent_is_refused(client, township):
    data = hotline(channel="counter")
    del data["consent"]
    html = client.post("/monitoring/declarations/new/", data).content.decode()
    assert "请阅读并同意承诺授权" in html
    assert not Declaration.objects.exists()


def test_the_form_offers_only_the_villages_of_the_staffs_area(client, township):
    mt.place("yanan")
    html = client.get("/monitoring/declarations/new/").content.decode()
    assert VILLAGE in html and "610602001001" not in html
    response = client.post("/monitoring/declarations/new/", hotline(village="610602001001"))
    assert response.status_code == 200 and not Declaration.objects.exists()


def test_village_cadres_and_city_staff_do_not_take_hotline_declarations(client):
    client.force_login(mt.local_user("front_village", level="village"))
    assert client.get("/monitoring/declarations/new/").status_code == 403
    client.force_login(testing.user("front_city", "信阳市人民政府", "editor"))
    assert client.get("/monitoring/declarations/new/").status_code == 403


def test_the_list_filters_by_channel_village_and_number_and_links_the_cases(client, township):
    _township, village = mt.place()
    own = services.declare(
        village=village,
        head_name="赵一",
        id_number=mt.id_number(72),
        phone="13800000072",
        difficulty="illness",
        consent=True,
    )
    taken = services.declare(
        village=village,
        head_name="钱二",
        id_number=mt.id_number(73),
        phone="13800000073",
        difficulty="other",
        consent=True,
        channel="counter",
        user=township,
    )
    _t, far = mt.place("yanan")
    services.declare(
        village=far,
        head_name="延安申报",
        id_number=mt.id_number(74, area="610602"),
        phone="13800000074",
        difficulty="other",
        consent=True,
    )
    page = client.get("/monitoring/declarations/").content.decode()
    assert "赵一" in page and "钱二" in page and "延安申报" not in page
    assert f'href="/monitoring/alerts/{own.case_id}/"' in page
    page = client.get("/monitoring/declarations/?channel=counter").content.decode()
    assert "钱二" in page and "赵一" not in page
    page = client.get(f"/monitoring/declarations/?q={own.ack_number.lower()}").content.decode()
    assert "赵一" in page and "钱二" not in page
    page = client.get("/monitoring/declarations/?area=411526002").content.decode()
    assert "赵一" not in page and "没有符合条件的申报" in page
    assert taken.recorded_by == township


# ---- the visit log -------------------------------------------------------------------------------------------


@pytest.fixture
def cadre(client):
    user = mt.local_user("front_cadre", level="village")
    client.force_login(user)
    return user


@pytest.fixture
def home():
    return mt.household(mt.local_user("front_registrar", level="township"), number="H080", head_name="孙老汉")


def test_the_household_page_offers_the_visit_and_the_form_defaults_to_today(client, cadre, home):
    assert 'id="household-visit"' in client.get(f"/monitoring/households/{home.pk}/").content.decode()
    html = client.get(f"/monitoring/households/{home.pk}/visits/new/").content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html
    assert "发现风险，发起核实" in html


def test_a_visit_without_a_risk_is_saved_and_leads_back_to_the_household(client, cadre, home):
    data = {"date": "2026-01-05", "situation": "家中两位老人身体尚可，务工收入稳定", "risk": "", "action": "save"}
    response = client.post(f"/monitoring/households/{home.pk}/visits/new/", data)
    assert response.status_code == 302 and response["Location"] == f"/monitoring/households/{home.pk}/"
    visit = Visit.objects.get()
    assert visit.visitor == cadre and visit.case is None and visit.date == datetime.date(2026, 1, 5)
    assert not Alert.objects.exists()


def test_one_tap_records_the_visit_raises_the_case_and_lands_on_it(client, cadre, home):
    data = {"date": timezone.localdate().isoformat(), "situation": "户主务工受伤，收入中断", "risk": "accident"}
    response = client.post(f"/monitoring/households/{home.pk}/visits/new/", {**data, "action": "raise"})
    case = Alert.objects.get(household=home)
    assert response.status_code == 302 and response["Location"] == f"/monitoring/alerts/{case.pk}/"
    assert case.channel == Alert.Channel.VISIT and case.status == Alert.Status.VERIFYING
    assert Visit.objects.get().case == case


def test_one_tap_on_a_household_with_an_open_case_joins_it(client, cadre, home):
    case, _opened = services.open_case(household=home, channel=Alert.Channel.HOTLINE, note="热线")
    data = {"date": "2026-01-05", "situation": "复访：仍无收入", "risk": "job_loss", "action": "raise"}
    response = client.post(f"/monitoring/households/{home.pk}/visits/new/", data)
    assert response["Location"] == f"/monitoring/alerts/{case.pk}/"
    assert Alert.objects.filter(household=home).count() == 1
    assert case.steps.filter(step=AlertStep.Step.LEAD).count() == 2


def test_raising_a_case_needs_the_kind_of_risk(client, cadre, home):
    data = {"date": "2026-01-05", "situation": "情况不明", "risk": "", "action": "raise"}
    html = client.post(f"/monitoring/households/{home.pk}/visits/new/", data).content.decode()
    assert "发起核实前请选择发现的风险类别" in html
    assert not Visit.objects.exists() and not Alert.objects.exists()


def test_a_visit_dated_tomorrow_is_refused(client, cadre, home):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = {"date": tomorrow.isoformat(), "situation": "预先填写", "risk": "", "action": "save"}
    assert "走访日期不能晚于今天" in client.post(f"/monitoring/households/{home.pk}/visits/new/", data).content.decode()


def test_a_household_of_another_area_cannot_be_visited(client, cadre):
    far = mt.household(mt.local_user("far_registrar", "yanan", level="township"), "yanan", number="Y1")
    assert client.get(f"/monitoring/households/{far.pk}/visits/new/").status_code == 404


def test_city_staff_and_viewers_do_not_log_visits(client, home):
    client.force_login(testing.user("front_city_editor", "信阳市人民政府", "editor"))
    assert client.get(f"/monitoring/households/{home.pk}/visits/new/").status_code == 403
    client.force_login(mt.local_user("front_viewer", level="village", role="viewer"))
    assert client.get(f"/monitoring/households/{home.pk}/visits/new/").status_code == 403


def test_the_visit_list_filters_by_risk_and_raised(client, cadre, home):
    services.record_visit(user=cadre, household=home, date=datetime.date(2026, 1, 5), situation="平稳")
    services.record_visit(
        user=cadre,
        household=home,
        date=datetime.date(2026, 1, 6),
        situation="户主住院",
        risk="illness",
        raise_case=True,
    )
    page = client.get("/monitoring/visits/").content.decode()
    assert "平稳" in page and "户主住院" in page
    page = client.get("/monitoring/visits/?raised=1").content.decode()
    assert "平稳" not in page and "户主住院" in page
    page = client.get("/monitoring/visits/?risk=-").content.decode()
    assert "平稳" in page and "户主住院" not in page


# ---- QR posters --------------------------------------------------------------------------------------------------


def test_the_poster_page_lists_the_villages_of_the_area(client, township):
    mt.place("lueyang")
    page = client.get("/monitoring/posters/").content.decode()
    assert "西关社区居民委员会" in page and f"/monitoring/posters/{VILLAGE}.pdf" in page
    assert "南街居委会" not in page


def test_city_staff_get_no_posters(client):
    mt.place()
    client.force_login(testing.user("poster_city", "信阳市人民政府", "editor"))
    assert client.get("/monitoring/posters/").status_code == 403
    assert client.get(f"/monitoring/posters/{VILLAGE}.pdf").status_code == 403


def test_a_poster_of_another_area_is_not_found(client, township):
    mt.place("yanan")
    assert client.get("/monitoring/posters/610602001001.pdf").status_code == 404


def test_the_posters_qr_code_reads_as_the_villages_public_declaration_address(
    client, township, settings, tmp_path, artifacts_dir
):
    settings.DUIKOU_PUBLIC_BASE_URL = "https://duikou.example.gov.cn"
    response = client.get(f"/monitoring/posters/{VILLAGE}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(
        [tool("pdftoppm"), "-r", "100", "-png", "-f", "1", "-singlefile", pdf, tmp_path / "page"], check=True
    )
    image = Image.open(tmp_path / "page.png")
    image.save(f"{artifacts_dir}/front-poster-{VILLAGE}.png")
    expected = f"{settings.DUIKOU_PUBLIC_BASE_URL}/declare/{VILLAGE}/"
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [expected]
    text = subprocess.run([tool("pdftotext"), pdf, "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "河南省信阳市潢川县春申街道西关社区居民委员会" in flat
    assert "12317" in flat and "村委会" in flat and expected in flat
    assert re.search(r"扫码申报", flat)
