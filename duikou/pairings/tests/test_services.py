from collections import Counter

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from duikou import testing
from duikou.core.errors import StaleObjectError
from duikou.pairings import services
from duikou.pairings.models import Pairing
from duikou.pairings.testing import repair_with_wuxi

pytestmark = pytest.mark.django_db


def test_twenty_national_pairings_as_listed():
    national = Pairing.objects.filter(level="national", status="active")
    assert national.count() == 20
    partners = Counter(national.values_list("partner_region__name", flat=True))
    assert partners["深圳市"] == 3
    assert partners["广州市"] == partners["上海市"] == partners["宁波市"] == 2
    assert all((p.start_year, p.end_year) == (2022, 2030) for p in national)


def test_each_pairing_cites_its_clause_and_old_area():
    p = testing.pairing("信阳市", "苏州市")
    assert p.old_area.name == "大别山革命老区"
    assert p.source_clause_id == "fgzx-2022-766/2/9"
    assert "信阳市" in p.source_clause.text and "苏州市" in p.source_clause.text
    enshi = Pairing.objects.get(old_region__code="422800")
    assert enshi.partner_region.name == "杭州市" and enshi.old_area.short_name == "湘鄂渝黔"


def test_profile_edit_is_audited_with_before_and_after():
    editor = testing.user("xy", "信阳市人民政府", "editor")
    p = testing.pairing("信阳市", "苏州市")
    services.update_pairing_profile(
        pairing=p, user=editor, expected_version=p.version, mechanism="联席会议每年一次", contacts="", note=""
    )
    entry = LogEntry.objects.get_for_object(p).latest("timestamp")
    assert entry.actor == editor
    assert entry.changes_dict["mechanism"] == ["", "联席会议每年一次"]


def test_stale_edit_is_refused():
    editor = testing.user("xy", "信阳市人民政府", "editor")
    p = testing.pairing("信阳市", "苏州市")
    services.update_pairing_profile(pairing=p, user=editor, expected_version=1, mechanism="A", contacts="", note="")
    with pytest.raises(StaleObjectError, match="已被他人修改"):
        services.update_pairing_profile(pairing=p, user=editor, expected_version=1, mechanism="B", contacts="", note="")
    p.refresh_from_db()
    assert p.mechanism == "A" and p.version == 2


def test_editor_outside_the_pairing_cannot_edit():
    editor = testing.user("ya", "延安市人民政府", "editor")
    with pytest.raises(PermissionDenied):
        services.update_pairing_profile(
            pairing=testing.pairing("信阳市", "苏州市"),
            user=editor,
            expected_version=1,
            mechanism="x",
            contacts="",
            note="",
        )


def test_repairing_is_a_new_dated_record():
    import datetime

    overseer = testing.user("ndrc", "国家发展改革委（振兴司）", "approver")
    old = testing.pairing("信阳市", "苏州市")
    new = repair_with_wuxi(old, overseer)
    old.refresh_from_db()
    assert old.status == "ended" and old.valid_to == datetime.date(2026, 12, 31)
    assert new.supersedes == old and new.partner_region.name == "无锡市"
    assert [p.pk for p in new.chain()] == [old.pk, new.pk]


def test_province_cannot_change_a_national_pairing():
    approver = testing.user("hn", "河南省人民政府", "approver")
    with pytest.raises(PermissionError):
        repair_with_wuxi(testing.pairing("信阳市", "苏州市"), approver, reason="x")
