"""A DHIS2 province's file sent unchanged: 信阳's editor records the uids of DHIS2's example in the organisation's
mapping, imports the XML dataValueSet by uid on the import page, and reads DHIS2's counts on the job page; the same
pages on a 390 px phone."""

import pytest
from playwright.sync_api import expect

from duikou import testing
from duikou.core.tests.test_browser import login, shot
from duikou.indicators.models import DataValue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def xml(unit: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" completeDate="2025-10-03" period="2025Q3" orgUnit="{unit}">\n'  # noqa: E501
        '  <dataValue dataElement="f7n9E0hX8qk" value="12"/>\n'
        '  <dataValue dataElement="Ix2HsbDMLea" value="14"/>\n'
        "</dataValueSet>\n"
    ).encode()


def add_mapping(page, kind: str, uid: str, code: str) -> None:
    page.select_option("#id_kind", kind)
    page.fill("#id_uid", uid)
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("#dhis2-id-form button")


def test_a_mapping_recorded_then_an_xml_file_imported_by_uid(live_server, reference_data, new_page, artifacts_dir):
    base = live_server.url
    testing.user("xy_editor", "信阳市人民政府", "editor")
    pairing = testing.pairing("信阳市", "苏州市")

    page = new_page()
    login(page, base, "xy_editor")
    page.goto(f"{base}/indicators/import/")
    with page.expect_navigation():
        page.click("#dhis2-ids-link")
    expect(page.locator("#dhis2-ids")).to_contain_text("本机构还没有登记 DHIS2 uid 映射")
    add_mapping(page, "dataElement", "f7n9E0hX8qk", "signed_projects")
    add_mapping(page, "dataElement", "Ix2HsbDMLea", "signed_amount_wan")
    add_mapping(page, "orgUnit", "1iszpKrYNg8", pairing.code)  # not DHIS2's pattern: refused at the field
    expect(page.locator("#dhis2-id-form .field-error")).to_contain_text("首位为字母")
    add_mapping(page, "orgUnit", "DiszpKrYNg8", pairing.code)
    expect(page.locator("#dhis2-ids tbody tr")).to_have_count(3)
    expect(page.locator("#dhis2-ids")).to_contain_text("DiszpKrYNg8")
    shot(page, artifacts_dir, "dhis2-mapping.png")

    page.goto(f"{base}/indicators/import/")
    page.set_input_files("#id_file", files=[{"name": "dhis2.xml", "mimeType": "application/xml", "buffer": xml(
        "DiszpKrYNg8")}])  # fmt: skip
    page.select_option("#id_idScheme", "UID")
    page.uncheck("#id_dry_run")
    shot(page, artifacts_dir, "dhis2-import.png")
    with page.expect_navigation():
        page.click("#start-import")
    expect(page.locator(".job-import-status")).to_have_text("SUCCESS")
    expect(page.locator('[data-count="imported"]')).to_have_text("2")
    expect(page.locator('[data-count="updated"]')).to_have_text("0")
    shot(page, artifacts_dir, "dhis2-import-done.png")
    assert sorted(DataValue.objects.values_list("indicator_id", "value")) == [
        ("signed_amount_wan", 14),
        ("signed_projects", 12),
    ]

    # an uid the organisation has not mapped: nothing written, the conflict named by row and column
    page.goto(f"{base}/indicators/import/")
    page.set_input_files("#id_file", files=[{"name": "bad.xml", "mimeType": "application/xml", "buffer": xml(
        "ImspTQPwCqd")}])  # fmt: skip
    page.select_option("#id_idScheme", "UID")
    page.uncheck("#id_dry_run")
    with page.expect_navigation():
        page.click("#start-import")
    expect(page.locator(".job-import-status")).to_have_text("ERROR")
    expect(page.locator('[data-count="conflicts"]')).to_have_text("2")
    expect(page.locator(".job-errors")).to_contain_text(
        "DHIS2 uid「ImspTQPwCqd」（组织单元（结对））在本机构的 uid 映射中没有登记"
    )

    phone = new_page(PHONE)
    login(phone, base, "xy_editor")
    for path, name in (
        ("/indicators/dhis2-ids/", "dhis2-mapping-390.png"),
        ("/indicators/import/", "dhis2-import-390.png"),
    ):
        phone.goto(f"{base}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, artifacts_dir, name)
    phone.goto(page.url)  # the failed job
    expect(phone.locator(".job-import-status")).to_have_text("ERROR")
    shot(phone, artifacts_dir, "dhis2-import-conflicts-390.png")
