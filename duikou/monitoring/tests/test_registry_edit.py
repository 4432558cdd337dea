"""Keeping the registry from its pages: editing a household (with the version it was read at), confirming a household
a self-declaration created, members added and edited (identifiers masked on every page), income records of a year,
a quarter or a month, and the household page with its checks, their history, incomes by year and its cases."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from duikou import testing
from duikou.core.errors import StaleObjectError
from duikou.monitoring import services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, Household, IncomeRecord, Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def township():
    return mt.local_user("edit_township", level="township")


@pytest.fixture
def home(township):
    return mt.household(township, number="H001", head_name="王大")


def test_a_township_editor_edits_a_household_and_the_change_is_in_its_history(client, township, home):
    client.force_login(township)
    form = client.get(f"/monitoring/households/{home.pk}/edit/").content.decode()
    assert 'name="version"' in form and "王大" in form
    data = {
        "number": "H009",
        "head_name": "王大山",
        "address": "一组 3 号",
        "labour_capacity": "0",
        "social_assistance": "on",
        "version": home.version,
    }
    answer = client.post(f"/monitoring/households/{home.pk}/edit/", data)
    assert answer.status_code == 302
    home.refresh_from_db()
    assert (home.number, home.head_name, home.labour_capacity) == ("H009", "王大山", False)
    assert home.social_assistance
    assert home.under_safety_net
    page = client.get(f"/monitoring/households/{home.pk}/").content.decode()
    history = page.split('id="check-history"')[1].split("</details>")[0]
    assert "有劳动能力" in history and "尚未核实" in history and "edit_township" in history
    assert "享受低保或特困供养" in history


def test_an_edit_from_a_stale_version_is_refused(client, township, home):
    services.update_household(user=township, household=home, expected_version=home.version, address="新址")
    with pytest.raises(StaleObjectError):
        services.update_household(user=township, household=home, expected_version=home.version, head_name="旧表单")
    client.force_login(township)
    data = {"number": "H001", "head_name": "旧表单", "address": "", "labour_capacity": "", "version": home.version}
    page = client.post(f"/monitoring/households/{home.pk}/edit/", data).content.decode()
    assert 'id="form-errors"' in page
    home.refresh_from_db()
    assert home.head_name == "王大" and home.address == "新址"


def test_a_household_number_taken_in_the_village_is_refused_with_its_name(township, home):
    other = mt.household(township, number="H002", head_name="李二")
    with pytest.raises(ValidationError) as refused:
        services.update_household(user=township, household=other, expected_version=other.version, number="H001")
    assert "已有户编号 H001" in str(refused.value.message_dict["number"])


def test_only_county_and_township_editors_of_the_area_edit(client, home):
    village = mt.local_user("edit_village", level="village")
    city = testing.user("edit_city", "信阳市人民政府", "editor")
    for user in (village, city):
        with pytest.raises(PermissionDenied):
            services.update_household(user=user, household=home, expected_version=home.version, head_name="x")
        client.force_login(user)
        assert client.get(f"/monitoring/households/{home.pk}/edit/").status_code == 403
        assert client.get(f"/monitoring/households/{home.pk}/members/new/").status_code == 403
    stranger = mt.local_user("edit_yanan", "yanan", level="township")
    client.force_login(stranger)
    assert client.get(f"/monitoring/households/{home.pk}/edit/").status_code == 404
    county = mt.local_user("edit_county", level="county")
    assert services.update_household(user=county, household=home, expected_version=home.version, address="县改")


def test_a_pending_household_is_confirmed_into_the_registry(client, township):
    _t, village = mt.place()
    declaration = services.declare(
        village=village,
        head_name="申报人",
        id_number=mt.id_number(41),
        phone="13900000041",
        difficulty="illness",
        consent=True,
    )
    home = declaration.household
    assert home.pending
    client.force_login(township)
    page = client.get(f"/monitoring/households/{home.pk}/").content.decode()
    assert 'id="household-confirm"' in page and "核实登记" in page and 'id="household-declarations"' in page
    assert declaration.ack_number in page and mt.id_number(41) not in page
    # the temporary number of a declaration is replaced first
    client.post(f"/monitoring/households/{home.pk}/confirm/", {"version": home.version})
    home.refresh_from_db()
    assert home.pending
    home = services.update_household(user=township, household=home, expected_version=home.version, number="H020")
    answer = client.post(f"/monitoring/households/{home.pk}/confirm/", {"version": home.version})
    assert answer.status_code == 302
    home.refresh_from_db()
    assert not home.pending
    page = client.get(f"/monitoring/households/{home.pk}/").content.decode()
    assert 'id="household-confirm"' not in page and "待村核实" in page.split('id="check-history"')[1]
    with pytest.raises(ValidationError):
        services.confirm_household(user=township, household=home, expected_version=home.version)


def test_members_are_added_and_edited_and_shown_masked(client, township, home):
    plain, phone = mt.id_number(51), "13712345678"
    client.force_login(township)
    data = {"name": "王小", "relation": "子女", "id_number": plain, "phone": phone}
    answer = client.post(f"/monitoring/households/{home.pk}/members/new/", data)
    assert answer.status_code == 302
    member = Member.objects.get(household=home)
    assert member.id_number_masked == plain[:4] + "*" * 10 + plain[-4:] and member.phone_masked == "137****5678"
    again = client.post(f"/monitoring/households/{home.pk}/members/new/", data | {"name": "另一人"}).content.decode()
    assert "该身份证号码已登记" in again and plain not in again
    wrong = plain[:-1] + ("0" if plain[-1] != "0" else "1")
    bad = client.post(f"/monitoring/households/{home.pk}/members/new/", data | {"id_number": wrong})
    assert "校验位不正确" in bad.content.decode() and Member.objects.filter(household=home).count() == 1

    edit_url = f"/monitoring/households/{home.pk}/members/{member.pk}/edit/"
    form = client.get(edit_url).content.decode()
    assert member.id_number_masked in form and plain not in form and phone not in form
    edit = {"name": "王小二", "relation": "子女", "phone": "", "version": member.version}
    assert client.post(edit_url, edit).status_code == 302
    member.refresh_from_db()
    assert member.name == "王小二" and member.phone_masked == "137****5678"  # a blank phone keeps the number
    stale = client.post(edit_url, edit | {"name": "旧"}).content.decode()
    assert 'id="form-errors"' in stale
    assert client.post(edit_url, edit | {"version": member.version, "phone": "13800001111"}).status_code == 302
    member.refresh_from_db()
    assert member.phone_masked == "138****1111"
    assert client.post(edit_url, edit | {"version": member.version, "remove_phone": "on"}).status_code == 302
    member.refresh_from_db()
    assert member.phone_masked == "" and member.phone_enc is None
    page = client.get(f"/monitoring/households/{home.pk}/").content.decode()
    assert "王小二" in page and plain not in page and member.id_number_masked in page


def test_income_periods_are_recorded_validated_and_shown_by_year(client, township, home):
    client.force_login(township)
    url = f"/monitoring/households/{home.pk}/incomes/new/"
    base = {"year": 2026, "persons": 2, "net_income": "3000"}
    assert client.post(url, base | {"cycle": "quarter-2"}).status_code == 302
    assert client.post(url, base | {"cycle": "month-4", "net_income": "900"}).status_code == 302
    assert client.post(url, base | {"cycle": "year-0", "year": 2025, "net_income": "16000"}).status_code == 302
    twice = client.post(url, base | {"cycle": "quarter-2"}).content.decode()
    assert "2026年第2季度的收支已登记" in twice
    odd = client.post(url, base | {"cycle": "quarter-5"}).content.decode()
    assert "field-error" in odd
    with pytest.raises(ValidationError):
        services.record_income(
            user=township, household=home, year=2026, period_kind="month", period=13, persons=2, net_income=1
        )
    quarter = IncomeRecord.objects.get(household=home, period_kind="quarter")
    assert (quarter.period, quarter.per_capita) == (2, Decimal("1500.00"))
    assert quarter.annual_per_capita == Decimal("6000.00")
    month = IncomeRecord.objects.get(household=home, period_kind="month")
    assert month.annual_per_capita == Decimal("5400.00")
    page = client.get(f"/monitoring/households/{home.pk}/").content.decode()
    years = page.split('id="incomes"')[1]
    assert years.index("2026 年") < years.index("2025 年")
    assert "2026年第2季度" in years and "2026年4月" in years and "6000.00" in years and "5400.00" in years


def test_the_household_page_shows_unknown_checks_visits_and_cases(client, township, home):
    client.force_login(township)
    page = client.get(f"/monitoring/households/{home.pk}/").content.decode()
    checks = page.split('id="household-checks"')[1].split("</ul>")[0]
    assert checks.count("尚未核实") == 5
    cadre = mt.local_user("edit_cadre", level="village")
    services.record_visit(
        user=cadre, household=home, date=timezone.localdate(), situation="家中有人住院", risk="illness", raise_case=True
    )
    case = Alert.objects.get(household=home)
    page = client.get(f"/monitoring/households/{home.pk}/").content.decode()
    assert "家中有人住院" in page and f"/monitoring/alerts/{case.pk}/" in page
    Household.objects.filter(pk=home.pk).update(water_ok=False, food_clothing_ok=True)
    checks = client.get(f"/monitoring/households/{home.pk}/").content.decode().split('id="household-checks"')[1]
    assert checks.split("</ul>")[0].count("尚未核实") == 3 and "未达标" in checks
