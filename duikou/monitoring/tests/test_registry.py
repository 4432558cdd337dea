"""The household registry in the UI: the list of the user's area with its search (name, number, area, category, and
an ID number sent in the body, never the URL), the empty state, and registering a household (county and township
editors only)."""

import pytest

from duikou import testing
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def township():
    return mt.local_user("reg_township", level="township")  # 春申街道, 潢川县


@pytest.fixture
def homes(township):
    first = mt.household(township, number="H001", head_name="王大", category="marginal")
    second = mt.household(township, number="H002", head_name="李二")
    testing_member = mt.id_number(7, area="411526")
    from duikou.monitoring import services

    services.add_member(user=township, household=second, name="李二", id_number=testing_member, relation="户主")
    return first, second, testing_member


def test_an_empty_registry_says_what_to_do_first(client, township):
    client.force_login(township)
    page = client.get("/monitoring/households/").content.decode()
    assert 'id="registry-empty"' in page and "登记监测户" in page and 'id="household-add"' in page
    client.force_login(testing.user("reg_viewer", "信阳市人民政府", "viewer"))
    page = client.get("/monitoring/households/").content.decode()
    assert "由县、乡镇的填报人员登记" in page and 'id="household-add"' not in page


def test_the_list_finds_by_name_number_category_and_id_number_in_the_body(client, township, homes):
    first, second, id_number = homes
    client.force_login(township)
    assert "王大户" in client.get("/monitoring/households/").content.decode()
    assert "王大户" not in client.get("/monitoring/households/?q=李二").content.decode()
    assert "李二户" in client.get("/monitoring/households/?q=H002").content.decode()
    page = client.get("/monitoring/households/?category=marginal").content.decode()
    assert "王大户" in page and "李二户" not in page
    assert "王大户" in client.get("/monitoring/households/?area=411526001").content.decode()
    assert "王大户" not in client.get("/monitoring/households/?area=411526002").content.decode()
    page = client.get("/monitoring/households/?category=-").content.decode()
    assert "李二户" in page and "王大户" not in page
    found = client.post("/monitoring/households/", {"id_number": id_number.lower()}).content.decode()
    assert "李二户" in found and "王大户" not in found and id_number not in found
    none = client.post("/monitoring/households/", {"id_number": "123"}).content.decode()
    assert 'id="household-none"' in none and "身份证号" in none


def test_another_area_sees_none_of_them(client, homes):
    client.force_login(testing.user("reg_yanan", "延安市人民政府", "viewer"))
    page = client.get("/monitoring/households/").content.decode()
    assert "王大户" not in page and 'id="registry-empty"' in page


def test_a_township_editor_registers_a_household_and_a_duplicate_number_is_refused(client, township):
    _township, village = mt.place()
    client.force_login(township)
    form = client.get("/monitoring/households/new/").content.decode()
    assert village.code in form and village.name in form
    data = {"village": village.code, "number": "H010", "head_name": "赵五", "address": "", "category": ""}
    answer = client.post("/monitoring/households/new/", data)
    household = Household.objects.get(number="H010")
    assert answer.status_code == 302 and answer["Location"] == f"/monitoring/households/{household.pk}/"
    assert household.township_id == village.parent_id
    again = client.post("/monitoring/households/new/", data).content.decode()
    assert "field-error" in again and Household.objects.filter(number="H010").count() == 1
    outside = client.post("/monitoring/households/new/", data | {"village": "610602001001", "number": "H011"})
    assert "field-error" in outside.content.decode() and not Household.objects.filter(number="H011").exists()


def test_village_and_city_users_cannot_open_the_form(client):
    for user in (mt.local_user("reg_village", level="village"), testing.user("reg_city", "信阳市人民政府", "editor")):
        client.force_login(user)
        assert client.get("/monitoring/households/new/").status_code == 403
