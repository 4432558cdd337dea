"""The pages: the list with its search and filters, a person's page, the form, the export (masked), the pairing's
summary and the reporting grid showing the register's count beside 干部双向挂职人数."""

import datetime
import io
import re

import pytest
from openpyxl import load_workbook

from duikou import testing
from duikou.indicators import services as indicator_services
from duikou.indicators.models import DataSet, Indicator
from duikou.secondments import testing as st
from duikou.secondments.models import Secondment

pytestmark = pytest.mark.django_db

D = datetime.date


def _text(response) -> str:
    return response.content.decode()


def test_the_list_shows_the_name_and_the_masked_id_never_the_number(client, xinyang):
    item = st.secondment(xinyang, serial=31, name="李援建")
    client.force_login(xinyang)
    page = _text(client.get("/secondments/"))
    assert "李援建" in page and item.id_number_masked in page
    assert st.id_number(31) not in page and "13800138000" not in page


def test_the_list_searches_by_name_and_filters_by_direction_field_and_serving_date(client, xinyang):
    st.secondment(
        xinyang, serial=32, name="王教师", field="education", start_date=D(2026, 1, 1), end_date=D(2026, 6, 30)
    )
    st.secondment(xinyang, serial=33, name="赵医生", field="health", direction="old_to_east", start_date=D(2026, 7, 1))
    client.force_login(xinyang)
    names = lambda url: {n for n in ("王教师", "赵医生") if n in _text(client.get(url))}  # noqa: E731
    assert names("/secondments/?q=王") == {"王教师"}
    assert names("/secondments/?direction=old_to_east") == {"赵医生"}
    assert names("/secondments/?field=education") == {"王教师"}
    assert names("/secondments/?serving_on=2026-08-01") == {"赵医生"}
    assert names("/secondments/?serving_on=2026-03-01") == {"王教师"}
    assert "没有符合条件的挂职人员" in _text(client.get("/secondments/?q=无此人"))


def test_an_empty_register_says_so(client, xinyang):
    client.force_login(xinyang)
    assert "还没有登记挂职人员" in _text(client.get("/secondments/"))


def test_the_form_records_a_person_and_the_id_never_stands_in_the_address(client, xinyang, pairing):
    client.force_login(xinyang)
    data = {
        "pairing": pairing.pk,
        "direction": "east_to_old",
        "kind": "professional",
        "name": "钱农技",
        "id_number": st.id_number(34),
        "phone": "13611112222",
        "home_org": "苏州市农业农村局",
        "host_org": "潢川县农业农村局",
        "post": "技术指导",
        "field": "agriculture",
        "start_date": "2026-04-01",
        "end_date": "",
    }
    response = client.post("/secondments/new/", data)
    assert response.status_code == 302 and st.id_number(34) not in response["Location"]
    item = Secondment.objects.get(name="钱农技")
    page = _text(client.get(response["Location"]))
    assert item.id_number_masked in page and "136****2222" in page and st.id_number(34) not in page


def test_the_form_shows_the_overlap_refusal_at_the_start_date(client, xinyang, suzhou, pairing):
    first = st.secondment(suzhou, serial=35, start_date=D(2026, 1, 1))
    client.force_login(xinyang)
    data = {
        "pairing": pairing.pk, "direction": "east_to_old", "kind": "cadre", "name": "张挂职",
        "id_number": st.id_number(35), "home_org": "甲", "host_org": "乙", "post": "丙", "field": "other",
        "start_date": "2026-02-01",
    }  # fmt: skip
    page = _text(client.post("/secondments/new/", data))
    assert (
        "两段挂职时间重叠" in page
        and first.id_number_masked in page
        and st.id_number(35) not in page.split("value=")[0]
    )
    assert Secondment.objects.count() == 1


def test_the_history_on_a_persons_page_shows_no_number_in_clear(client, xinyang):
    item = st.secondment(xinyang, serial=36, phone="13512345678")
    client.force_login(xinyang)
    client.post(
        f"/secondments/{item.pk}/end/", {"version": item.version, "on": "2026-06-30", "early": "1", "reason": "因病"}
    )
    page = _text(client.get(f"/secondments/{item.pk}/"))
    assert "提前结束" in page and "因病" in page
    assert st.id_number(36) not in page and "13512345678" not in page


def test_the_export_masks_the_id_and_phone_for_every_role(client, xinyang):
    item = st.secondment(xinyang, serial=37, phone="13512345678")
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    for user in (xinyang, approver):
        client.force_login(user)
        book = load_workbook(io.BytesIO(client.get("/secondments/export.xlsx").content))
        cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
        assert item.id_number_masked in cells and "135****5678" in cells
        assert st.id_number(37) not in cells and "13512345678" not in cells


def test_the_pairing_summary_counts_people_per_quarter(client, xinyang, pairing):
    st.secondment(xinyang, serial=38, start_date=D(2026, 2, 1), end_date=D(2026, 4, 15))  # Q1 and Q2
    st.secondment(xinyang, serial=39, start_date=D(2026, 5, 1), direction="old_to_east")  # Q2 on
    client.force_login(xinyang)
    page = _text(client.get(f"/secondments/pairings/{pairing.pk}/?year=2026"))
    totals = dict(re.findall(r'data-period="(2026Q\d)">(\d+)<', page))
    assert totals == {"2026Q1": "1", "2026Q2": "2", "2026Q3": "1", "2026Q4": "1"}


def test_the_grid_shows_the_registers_count_beside_cadre_exchange_persons(client, xinyang, pairing):
    st.secondment(xinyang, serial=40, start_date=D(2026, 2, 1), end_date=D(2026, 4, 15))  # spans into Q2
    st.secondment(xinyang, serial=41, start_date=D(2026, 6, 30))  # the quarter's last day
    st.secondment(xinyang, serial=42, start_date=D(2026, 7, 1))  # after it
    report = indicator_services.get_report(
        pairing=pairing, dataset=DataSet.objects.get(pk="quarterly"), period="2026Q2"
    )
    indicator_services.save_value(
        user=xinyang, report=report, indicator=Indicator.objects.get(pk="cadre_exchange_persons"), value="5"
    )
    client.force_login(xinyang)
    page = _text(client.get(f"/indicators/entry/{pairing.pk}/quarterly/2026Q2/"))
    beside = re.search(r'id="r-cadre_exchange_persons">(.*?)</div></td>', page, re.S).group(1)
    assert "挂职名册：2" in re.sub(r"\s+", "", beside)


def test_an_id_number_typed_in_the_search_is_dropped_from_the_address(client, xinyang):
    st.secondment(xinyang, serial=43)
    client.force_login(xinyang)
    response = client.get(f"/secondments/?q={st.id_number(43)}", follow=True)
    assert response.redirect_chain == [("/secondments/", 302)]
    assert "身份证号不能作为网址中的查询条件" in _text(response)
