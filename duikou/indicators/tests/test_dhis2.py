"""dataValueSets as DHIS2 writes them: its XML, its id schemes with each organisation's uid mapping, its export shapes.

The bodies are shaped as DHIS2's Web API documentation ("Sending data values") shows them:

    <dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" dataSet="dataSetID"
      completeDate="date" period="period" orgUnit="orgUnitID" attributeOptionCombo="aocID">
      <dataValue dataElement="dataElementID" categoryOptionCombo="cocID" value="1" comment="comment1"/>
      ...
    </dataValueSet>

and, for its example with identifiers ("Mortality < 5 years" of Ngelehun CHC), uids such as dataSet="pBOMPrpg1QX",
orgUnit="DiszpKrYNg8", dataElement="f7n9E0hX8qk" / "Ix2HsbDMLea" / "eY5ehpbEsB7", sent with ``idScheme``,
``dataElementIdScheme`` and ``orgUnitIdScheme`` (CODE, UID or NAME). Here the uids are mapped to this platform's
indicators and pairing; the period is a quarter (DHIS2 writes quarters as 2025Q3).
"""

import csv
import io
import json

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from duikou import testing
from duikou.accounts.services import issue_token
from duikou.core.errors import UserFacingError
from duikou.core.exports import xlsx_bytes
from duikou.indicators import dhis2, services, transfer
from duikou.indicators.models import DataValue, Dhis2Id, Indicator
from duikou.plans.tests.factories import people

from .factories import report

pytestmark = pytest.mark.django_db

NS = "http://dhis2.org/schema/dxf/2.0"
UIDS = {"signed_projects": "f7n9E0hX8qk", "signed_amount_wan": "Ix2HsbDMLea", "training_persons": "eY5ehpbEsB7"}
SET_UID, UNIT_UID = "pBOMPrpg1QX", "DiszpKrYNg8"


@pytest.fixture
def who():
    return people()


def pairing_code():
    return report().pairing.code


def mapped(user):
    """The 信阳 organisation's mapping of the documentation's uids to its indicators, its pairing and the data set."""
    for code, uid in UIDS.items():
        services.add_dhis2_id(user=user, kind="dataElement", uid=uid, code=code)
    services.add_dhis2_id(user=user, kind="orgUnit", uid=UNIT_UID, code=pairing_code())
    services.add_dhis2_id(user=user, kind="dataSet", uid=SET_UID, code="quarterly")


def stored():
    return sorted(DataValue.objects.values_list("pairing__code", "indicator_id", "period", "value", "comment"))


def xml_set(values: str, **attributes) -> bytes:
    root = " ".join(f'{k}="{v}"' for k, v in attributes.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<dataValueSet xmlns="{NS}" {root}>\n{values}</dataValueSet>'.encode()
    )


# ---- XML -----------------------------------------------------------------------------------------------------


def test_an_xml_data_value_set_as_dhis2_documents_it_is_imported_with_the_set_attributes_inherited(who):
    body = xml_set(
        '  <dataValue dataElement="signed_projects" categoryOptionCombo="HllvX50cXC0" value="1" comment="comment1"/>\n'  # noqa: E501
        '  <dataValue dataElement="signed_amount_wan" categoryOptionCombo="HllvX50cXC0" value="2" comment="comment2"/>\n'  # noqa: E501
        '  <dataValue dataElement="training_persons" categoryOptionCombo="HllvX50cXC0" value="3" comment="comment3"/>\n',  # noqa: E501
        dataSet="quarterly",
        completeDate="2025-10-10",
        period="2025Q3",
        orgUnit=pairing_code(),
        attributeOptionCombo="HllvX50cXC0",
    )
    result = transfer.import_values(user=who["xy_editor"], data=body, filename="dataValueSet.xml")
    assert (result["status"], result["importCount"]["imported"], result["conflicts"]) == ("SUCCESS", 3, [])
    code = pairing_code()
    assert [(p, i, per, str(v), c) for p, i, per, v, c in stored()] == [
        (code, "signed_amount_wan", "2025Q3", "2.0000", "comment2"),
        (code, "signed_projects", "2025Q3", "1.0000", "comment1"),
        (code, "training_persons", "2025Q3", "3.0000", "comment3"),
    ]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" period="2025Q3" orgUnit="N01">
  <dataValue dataElement="signed_projects" value="1" comment="&lol2;"/>
</dataValueSet>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0">
<dataValue dataElement="signed_projects" comment="&x;"/></dataValueSet>"""


@pytest.mark.parametrize("body", [BOMB, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_an_xml_file_with_a_dtd_or_entities_is_refused_before_anything_is_expanded(who, body):
    with pytest.raises(UserFacingError, match="「v.xml」含有文档类型声明（DTD）、实体或外部引用") as exc:
        transfer.import_values(user=who["xy_editor"], data=body, filename="v.xml")
    assert len(exc.value.details["errors"]) == 1 and exc.value.details["status"] == "ERROR"
    assert not DataValue.objects.exists()


def test_malformed_xml_is_refused_naming_the_line_and_column(who):
    body = xml_set('<dataValue dataElement="signed_projects" value="1">\n', period="2025Q3")
    with pytest.raises(UserFacingError, match=r"「v.xml」不是有效的 XML：第 4 行第 \d+ 列有误"):
        transfer.import_values(user=who["xy_editor"], data=body, filename="v.xml")


def test_an_xml_document_that_is_not_a_data_value_set_is_refused_by_its_root(who):
    with pytest.raises(UserFacingError, match="根元素是「metadata」"):
        transfer.import_values(user=who["xy_editor"], data=b"<metadata/>", filename="v.xml")


def test_an_xml_file_past_the_row_limit_is_refused_as_one_error(who, settings):
    settings.DUIKOU_UPLOAD_MAX_ROWS = 5
    values = '<dataValue dataElement="signed_projects" value="1"/>\n' * 6
    with pytest.raises(UserFacingError, match="超过单次导入上限 5 行") as exc:
        transfer.import_values(user=who["xy_editor"], data=xml_set(values, period="2025Q3"), filename="v.xml")
    assert len(exc.value.details["errors"]) == 1


def test_the_api_reads_an_xml_body_by_its_content_type_or_its_first_bytes(who, client):
    _token, key = issue_token(user=who["xy_editor"], name="t")
    body = xml_set('<dataValue dataElement="signed_projects" value="4"/>', period="2025Q4", orgUnit=pairing_code())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    answer = client.post("/api/indicators/dataValueSets", body, content_type="application/xml", **auth).json()
    assert answer["status"] == "SUCCESS" and answer["importCount"]["imported"] == 1
    again = client.post("/api/indicators/dataValueSets", body, content_type="application/octet-stream", **auth)
    assert again.json()["importCount"] == {"imported": 0, "updated": 0, "ignored": 1, "deleted": 0}
    refused = client.post("/api/indicators/dataValueSets", BOMB, content_type="text/xml", **auth)
    assert refused.status_code == 409 and "DTD" in refused.json()["conflicts"][0]["value"]


# ---- id schemes ----------------------------------------------------------------------------------------------


def test_a_set_named_by_uids_is_imported_through_the_organisations_mapping(who):
    mapped(who["xy_editor"])
    body = xml_set(
        '  <dataValue dataElement="f7n9E0hX8qk" value="12"/>\n'
        '  <dataValue dataElement="Ix2HsbDMLea" value="14"/>\n'
        '  <dataValue dataElement="eY5ehpbEsB7" value="16"/>\n',
        dataSet=SET_UID,
        completeDate="2025-10-03",
        period="2025Q3",
        orgUnit=UNIT_UID,
    )
    schemes = dhis2.schemes_from({"idScheme": "UID"})
    result = transfer.import_values(user=who["xy_editor"], data=body, filename="v.xml", id_schemes=schemes)
    assert result["importCount"]["imported"] == 3
    assert dict(DataValue.objects.values_list("indicator_id", "value")) == {
        "signed_projects": 12,
        "signed_amount_wan": 14,
        "training_persons": 16,
    }


def test_an_unmapped_uid_is_refused_by_row_and_column_naming_the_uid_and_its_kind(who):
    mapped(who["xy_editor"])
    body = {"period": "2025Q3", "orgUnit": UNIT_UID, "dataValues": [
        {"dataElement": "f7n9E0hX8qk", "value": "1"},
        {"dataElement": "Prlt0C1RF0s", "value": "2"},
        {"dataElement": "eY5ehpbEsB7", "orgUnit": "ImspTQPwCqd", "value": "3"},
    ]}  # fmt: skip
    with pytest.raises(UserFacingError) as exc:
        transfer.import_values(
            user=who["xy_editor"], data=json.dumps(body).encode(), filename="v.json", id_schemes={"dataElement": "UID",
            "orgUnit": "UID"}
        )  # fmt: skip
    errors = [(e["row"], e["column"], e["value"], e["reason"]) for e in exc.value.details["errors"]]
    assert errors == [
        (2, "dataElement", "Prlt0C1RF0s", "DHIS2 uid「Prlt0C1RF0s」（数据元（指标））在本机构的 uid 映射中没有登记"),
        (3, "orgUnit", "ImspTQPwCqd", "DHIS2 uid「ImspTQPwCqd」（组织单元（结对））在本机构的 uid 映射中没有登记"),
    ]
    assert exc.value.details["conflicts"][0]["object"] == "Prlt0C1RF0s"  # DHIS2's conflict shape
    assert not DataValue.objects.exists()


def test_another_organisations_mapping_does_not_resolve_a_uid(who):
    mapped(who["sz_approver"])  # 苏州 maps the same uids (to the same pairing it reports for)
    body = xml_set('<dataValue dataElement="f7n9E0hX8qk" value="1"/>', period="2025Q3", orgUnit=pairing_code())
    with pytest.raises(UserFacingError) as exc:
        transfer.import_values(user=who["xy_editor"], data=body, filename="v.xml", id_schemes={"dataElement": "UID"})
    assert exc.value.details["errors"][0]["value"] == "f7n9E0hX8qk"


def test_a_malformed_uid_is_refused_naming_dhis2s_pattern(who):
    body = xml_set('<dataValue dataElement="1abcdefghij" value="1"/>', period="2025Q3", orgUnit=pairing_code())
    with pytest.raises(UserFacingError) as exc:
        transfer.import_values(user=who["xy_editor"], data=body, filename="v.xml", id_schemes={"dataElement": "UID"})
    assert "首位为字母" in exc.value.details["errors"][0]["reason"]


def test_an_unmapped_data_set_uid_is_one_error_for_the_file(who):
    body = xml_set('<dataValue dataElement="signed_projects" value="1"/>', dataSet=SET_UID, period="2025Q3")
    with pytest.raises(UserFacingError, match=f"「{SET_UID}」（数据集）"):
        transfer.import_values(user=who["xy_editor"], data=body, filename="v.xml", id_schemes={"dataSet": "UID"})


def test_the_name_scheme_matches_the_indicators_and_pairings_names_exactly(who):
    body = {"period": "2025Q3", "orgUnit": "信阳市—苏州市", "dataValues": [
        {"dataElement": "签约项目数", "value": "5"},
        {"dataElement": "签约项目", "value": "6"},
    ]}  # fmt: skip
    schemes = dhis2.schemes_from({"idScheme": "NAME"})
    with pytest.raises(UserFacingError) as exc:
        transfer.import_values(
            user=who["xy_editor"], data=json.dumps(body).encode(), filename="v.json", id_schemes=schemes
        )
    assert [(e["row"], e["reason"]) for e in exc.value.details["errors"]] == [
        (2, "没有名称为「签约项目」的数据元（指标）")
    ]
    body["dataValues"].pop()
    result = transfer.import_values(
        user=who["xy_editor"], data=json.dumps(body).encode(), filename="v.json", id_schemes=schemes
    )
    assert result["importCount"]["imported"] == 1 and DataValue.objects.get().indicator_id == "signed_projects"


def test_an_unknown_id_scheme_is_refused_naming_the_parameter():
    with pytest.raises(Exception, match="参数 orgUnitIdScheme 的值「attribute」无效"):
        dhis2.schemes_from({"orgUnitIdScheme": "attribute"})
    assert dhis2.schemes_from({"idScheme": "uid", "orgUnitIdScheme": "code"}) == {
        "dataElement": "UID",
        "orgUnit": "CODE",
        "dataSet": "UID",
    }


def test_the_api_takes_dhis2s_id_scheme_parameters(who, client):
    mapped(who["xy_editor"])
    _token, key = issue_token(user=who["xy_editor"], name="t")
    body = json.dumps({"dataSet": SET_UID, "period": "2025Q3", "orgUnit": UNIT_UID, "dataValues": [
        {"dataElement": "f7n9E0hX8qk", "value": "7"}]})  # fmt: skip
    answer = client.post(
        "/api/indicators/dataValueSets?idScheme=UID&dryRun=true",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    ).json()
    assert answer["status"] == "SUCCESS" and answer["importCount"]["imported"] == 1 and not DataValue.objects.exists()


# ---- export and round trip -----------------------------------------------------------------------------------


def filled(who):
    body = {"dataSet": "quarterly", "period": "2025Q3", "orgUnit": pairing_code(), "dataValues": [
        {"dataElement": "signed_projects", "value": "-3", "comment": '=HYPERLINK("http://x")'},
        {"dataElement": "signed_amount_wan", "value": "12.5", "comment": "首批，含\u201c引号\u201d & <尖括号>"},
        {"dataElement": "training_persons", "value": "40"},
    ]}  # fmt: skip
    transfer.import_values(user=who["xy_editor"], data=json.dumps(body).encode(), filename="v.json")
    return stored()


@pytest.mark.parametrize("fmt", ["json", "csv", "xml"])
@pytest.mark.parametrize("scheme", ["CODE", "UID", "NAME"])
def test_an_export_in_dhis2s_shapes_imports_back_unchanged(who, fmt, scheme):
    mapped(who["xy_editor"])
    before = filled(who)
    schemes = dhis2.schemes_from({"idScheme": scheme})
    values = DataValue.objects.all()
    content, filename, _type = dhis2.export_set(
        values, fmt, user=who["xy_editor"], schemes=schemes, dataset="quarterly"
    )
    DataValue.objects.all().delete()
    result = transfer.import_values(user=who["xy_editor"], data=content, filename=filename, id_schemes=schemes)
    assert result["importCount"]["imported"] == 3
    assert stored() == before


def test_the_csv_export_has_dhis2s_columns_in_dhis2s_order(who):
    filled(who)
    content, _n, _t = dhis2.export_set(DataValue.objects.all(), "csv", user=who["xy_editor"])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value",
                       "storedby", "lastupdated", "comment", "followup"]  # fmt: skip
    assert ["signed_projects", "2025Q3", pairing_code(), "default", "default", "-3"] in [r[:6] for r in rows]


def test_the_xml_export_is_a_dhis2_data_value_set_with_uids(who):
    mapped(who["xy_editor"])
    filled(who)
    schemes = dhis2.schemes_from({"idScheme": "UID"})
    content, _n, _t = dhis2.export_set(
        DataValue.objects.all(), "xml", user=who["xy_editor"], schemes=schemes, dataset="quarterly"
    )
    text = content.decode()
    assert f'<dataValueSet xmlns="{NS}" dataSet="{SET_UID}">' in text
    assert f'dataElement="f7n9E0hX8qk" period="2025Q3" orgUnit="{UNIT_UID}" categoryOptionCombo="HllvX50cXC0"' in text


def test_an_export_by_uid_is_refused_naming_what_has_no_uid(who):
    filled(who)
    services.add_dhis2_id(user=who["xy_editor"], kind="dataElement", uid="f7n9E0hX8qk", code="signed_projects")
    with pytest.raises(Exception, match="数据元（指标）「signed_amount_wan」") as exc:
        dhis2.export_set(DataValue.objects.all(), "xml", user=who["xy_editor"], schemes={"dataElement": "UID"})
    assert "signed_projects" not in str(exc.value)


def test_the_export_page_and_api_select_a_data_set_period_and_org_unit_in_the_users_scope(who, client):
    mapped(who["xy_editor"])
    filled(who)
    client.force_login(who["xy_editor"])
    page = client.get(f"/indicators/export/?dhis2=1&format=xml&idScheme=UID&dataSet={SET_UID}&orgUnit={UNIT_UID}")
    assert page.status_code == 200 and page.content.count(b"<dataValue ") == 3
    assert b'dataElement="Ix2HsbDMLea"' in page.content
    api = client.get("/api/indicators/dataValueSets?format=json&period=2025Q4").json()
    assert api["dataValues"] == []
    client.force_login(who["yanan_editor"])  # 延安 sees nothing of 信阳's
    assert client.get("/api/indicators/dataValueSets?format=csv").content.decode("utf-8-sig").count("\n") == 1
    bad = client.get("/indicators/export/?dhis2=1&format=xml&idScheme=UID&orgUnit=DiszpKrYNg8")
    assert bad.status_code == 400 and "DiszpKrYNg8" in bad.content.decode()


# ---- the mapping table -----------------------------------------------------------------------------------------


def test_a_uid_must_follow_dhis2s_pattern_and_name_an_existing_object(who):
    with pytest.raises(Exception, match="首位为字母") as exc:
        services.add_dhis2_id(user=who["xy_editor"], kind="dataElement", uid="f7n9E0hX8q", code="signed_projects")
    with pytest.raises(Exception, match="平台代码「no_such」不是本机构可映射的数据元（指标）") as exc:
        services.add_dhis2_id(user=who["xy_editor"], kind="dataElement", uid="f7n9E0hX8qk", code="no_such")
    report(old="延安市", partner="无锡市")
    with pytest.raises(Exception, match="不是本机构可映射的组织单元（结对）") as exc:
        yanan = report(old="延安市", partner="无锡市").pairing.code
        services.add_dhis2_id(user=who["xy_editor"], kind="orgUnit", uid=UNIT_UID, code=yanan)
    assert exc.value and not Dhis2Id.objects.exists()


def test_one_active_uid_per_object_and_a_retired_one_is_kept(who):
    editor = who["xy_editor"]
    first = services.add_dhis2_id(user=editor, kind="dataElement", uid="f7n9E0hX8qk", code="signed_projects")
    with pytest.raises(Exception, match="本机构已有该 uid 的有效映射"):
        services.add_dhis2_id(user=editor, kind="dataElement", uid="f7n9E0hX8qk", code="training_persons")
    with pytest.raises(Exception, match="本机构已为该平台代码登记了有效的 uid"):
        services.add_dhis2_id(user=editor, kind="dataElement", uid="Ix2HsbDMLea", code="signed_projects")
    services.retire_dhis2_id(user=editor, mapping=first, version=first.version)
    services.add_dhis2_id(user=editor, kind="dataElement", uid="f7n9E0hX8qk", code="training_persons")
    assert sorted(Dhis2Id.objects.values_list("code", "status")) == [
        ("signed_projects", "retired"),
        ("training_persons", "active"),
    ]
    from duikou.core.errors import StaleObjectError

    with pytest.raises((StaleObjectError, Exception), match="已停用"):
        services.retire_dhis2_id(user=editor, mapping=first, version=first.version)


def test_a_viewer_may_not_add_a_mapping(who):
    viewer = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    with pytest.raises(Exception, match="只有本机构可编辑数据的用户"):
        services.add_dhis2_id(user=viewer, kind="dataElement", uid="f7n9E0hX8qk", code="signed_projects")


def test_the_mapping_exports_to_excel_and_imports_back_into_another_organisation(who, client):
    mapped(who["xy_editor"])
    client.force_login(who["xy_editor"])
    content = client.get("/indicators/dhis2-ids/export/").content
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == ["对象类别", "DHIS2 uid", "平台代码"]
    again = services.import_dhis2_ids(user=who["xy_editor"], data=content, filename="m.xlsx")
    assert (again["new"], again["unchanged"]) == (0, 5)
    result = services.import_dhis2_ids(user=who["sz_approver"], data=content, filename="m.xlsx")
    assert result["new"] == 5
    assert Dhis2Id.objects.filter(organisation=who["sz_approver"].organisation).count() == 5


def test_a_mapping_file_with_bad_rows_writes_nothing_and_names_each_row(who):
    element = "数据元（指标）"
    rows = [[element, "f7n9E0hX8qk", "signed_projects"], ["指标", "Ix2HsbDMLea", "signed_amount_wan"],
            [element, "Ix2HsbDMLea", "no_such"], [element, "f7n9E0hX8qk", "training_persons"]]  # fmt: skip
    data = xlsx_bytes("DHIS2 uid", ["对象类别", "DHIS2 uid", "平台代码"], rows)
    with pytest.raises(UserFacingError) as exc:
        services.import_dhis2_ids(user=who["xy_editor"], data=data, filename="m.xlsx")
    assert [(e["row"], e["column"]) for e in exc.value.details["errors"]] == [
        (3, "对象类别"),
        (4, "平台代码"),
        (5, "DHIS2 uid"),
    ]
    assert not Dhis2Id.objects.exists()


def test_the_mapping_page_adds_lists_searches_and_retires(who, client):
    client.force_login(who["xy_editor"])
    answer = client.post(
        "/indicators/dhis2-ids/", {"kind": "dataElement", "uid": "f7n9E0hX8qk", "code": "signed_projects"}
    )
    assert answer.status_code == 302
    bad = client.post("/indicators/dhis2-ids/", {"kind": "dataElement", "uid": "x", "code": "signed_projects"})
    assert "首位为字母" in bad.content.decode()
    assert "f7n9E0hX8qk" in client.get("/indicators/dhis2-ids/?q=signed").content.decode()
    assert "f7n9E0hX8qk" not in client.get("/indicators/dhis2-ids/?q=training").content.decode()
    mapping = Dhis2Id.objects.get()
    client.post(f"/indicators/dhis2-ids/{mapping.pk}/retire/", {"version": mapping.version})
    assert Dhis2Id.objects.get().status == "retired"
    assert "<code>f7n9E0hX8qk</code>" not in client.get("/indicators/dhis2-ids/").content.decode()
    assert "<code>f7n9E0hX8qk</code>" in client.get("/indicators/dhis2-ids/?status=retired").content.decode()
    client.force_login(who["sz_approver"])  # another organisation's table
    assert "<code>f7n9E0hX8qk</code>" not in client.get("/indicators/dhis2-ids/?status=").content.decode()


def test_the_import_page_imports_by_uid_and_shows_dhis2s_counts(who, client):
    mapped(who["xy_editor"])
    client.force_login(who["xy_editor"])
    body = xml_set('<dataValue dataElement="f7n9E0hX8qk" value="9"/>', period="2025Q3", orgUnit=UNIT_UID)
    upload = io.BytesIO(body)
    upload.name = "dhis2.xml"
    answer = client.post("/indicators/import/", {"file": upload, "idScheme": "UID"}, follow=True)
    text = answer.content.decode()
    assert 'data-count="imported">1<' in text and "SUCCESS" in text
    assert DataValue.objects.get().value == 9


def test_two_first_mappings_of_one_uid_at_once_one_is_recorded_and_the_other_told_why(who, monkeypatch):
    checked = services.dhis2_target_error

    def meanwhile(**kwargs):  # another editor records the same uid between this one's check and its save
        Dhis2Id.objects.create(
            organisation=who["xy_editor"].organisation,
            kind="dataElement",
            uid="f7n9E0hX8qk",
            code="training_persons",
            created_by=who["xy_approver"],
        )
        return checked(**kwargs)

    monkeypatch.setattr(services, "dhis2_target_error", meanwhile)
    with pytest.raises(ValidationError, match="本机构已有该 uid 的有效映射"):
        services.add_dhis2_id(user=who["xy_editor"], kind="dataElement", uid="f7n9E0hX8qk", code="signed_projects")
    assert list(Dhis2Id.objects.values_list("code", flat=True)) == ["training_persons"]


@pytest.mark.parametrize("fmt", ["json", "csv", "xml"])
@pytest.mark.parametrize("scheme", ["CODE", "UID"])
def test_a_breakdowns_sub_rows_export_with_their_combos_and_import_back_unchanged(who, fmt, scheme):
    """A sub-row is written with its option's uid as categoryOptionCombo (the total with the default combo), so an
    export of a breakdown does not come back as four totals."""
    mapped(who["xy_editor"])
    services.add_dhis2_id(user=who["xy_editor"], kind="dataElement", uid="LbrCoop0001", code="labour_coop_persons")
    labour = Indicator.objects.get(pk="labour_coop_persons")
    options = {o.code: o.uid for o in labour.breakdown.options.all()}
    body = {"dataSet": "quarterly", "period": "2025Q3", "orgUnit": pairing_code(), "dataValues": [
        {"dataElement": "labour_coop_persons", "value": "10"},
        {"dataElement": "labour_coop_persons", "categoryOptionCombo": options["lifted"], "value": "6"},
        {"dataElement": "labour_coop_persons", "categoryOptionCombo": options["monitored"], "value": "4"},
    ]}  # fmt: skip
    transfer.import_values(user=who["xy_editor"], data=json.dumps(body).encode(), filename="v.json")
    before = sorted(DataValue.objects.values_list("indicator_id", "option__order", "value"), key=str)
    schemes = dhis2.schemes_from({"idScheme": scheme})
    content, filename, _type = dhis2.export_set(DataValue.objects.all(), fmt, user=who["xy_editor"], schemes=schemes)
    assert options["lifted"].encode() in content
    DataValue.objects.all().delete()
    result = transfer.import_values(user=who["xy_editor"], data=content, filename=filename, id_schemes=schemes)
    assert result["importCount"]["imported"] == 3
    assert sorted(DataValue.objects.values_list("indicator_id", "option__order", "value"), key=str) == before
