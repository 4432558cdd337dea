"""The register's writes: who may record, the overlap and date rules, ending without deleting, reports, and the ID and
phone numbers kept encrypted, masked, and out of the audit history; then the counts per period."""

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from duikou import testing
from duikou.core import pii
from duikou.core.errors import StaleObjectError
from duikou.indicators import records
from duikou.secondments import queries, services
from duikou.secondments import testing as st
from duikou.secondments.models import Secondment

pytestmark = pytest.mark.django_db

D = datetime.date


def test_either_city_of_the_pairing_records_a_secondment(xinyang, suzhou):
    a = st.secondment(xinyang, serial=1)
    b = st.secondment(suzhou, serial=2, direction=Secondment.Direction.OLD_TO_EAST)
    assert {a.pairing_id, b.pairing_id} == {testing.pairing("信阳市", "苏州市").pk}


def test_a_city_outside_the_pairing_may_not_record_for_it(yanan):
    with pytest.raises(PermissionDenied, match="信阳市"):
        st.secondment(yanan)
    assert not Secondment.objects.exists()


def test_a_viewer_may_not_record(pairing):
    viewer = testing.user("xy_viewer", "信阳市人民政府", "viewer")
    with pytest.raises(PermissionDenied):
        st.secondment(viewer)


def test_an_overlapping_secondment_of_the_same_person_is_refused_naming_the_person_masked_and_the_other(
    xinyang, suzhou
):
    first = st.secondment(xinyang, serial=7, start_date=D(2026, 1, 1), end_date=D(2026, 12, 31))
    full = st.id_number(7)
    with pytest.raises(ValidationError) as refused:
        st.secondment(suzhou, serial=7, start_date=D(2026, 6, 1), host_org="信阳市教育局", post="副局长")
    message = " ".join(refused.value.messages)
    assert first.id_number_masked in message and full not in message
    assert "张挂职" in message and "信阳市发展和改革委员会" in message and "2026-01-01 — 2026-12-31" in message
    assert Secondment.objects.count() == 1


def test_an_open_ended_secondment_overlaps_any_later_one_of_the_same_person(xinyang):
    st.secondment(xinyang, serial=8, start_date=D(2025, 1, 1))
    with pytest.raises(ValidationError, match="两段挂职时间重叠"):
        st.secondment(xinyang, serial=8, start_date=D(2027, 1, 1))


def test_the_same_person_may_serve_again_after_the_first_secondment_ended(xinyang):
    st.secondment(xinyang, serial=9, start_date=D(2025, 1, 1), end_date=D(2025, 12, 31))
    again = st.secondment(xinyang, serial=9, start_date=D(2026, 1, 1))
    assert again.pk


def test_an_end_before_the_start_is_refused_naming_both_dates(xinyang):
    with pytest.raises(ValidationError) as refused:
        st.secondment(xinyang, start_date=D(2026, 5, 1), end_date=D(2026, 4, 30))
    assert refused.value.message_dict["end_date"] == ["结束日期 2026-04-30 早于开始日期 2026-05-01"]


def test_an_edit_moving_the_end_before_the_start_is_refused(xinyang):
    item = st.secondment(xinyang, start_date=D(2026, 5, 1))
    with pytest.raises(ValidationError, match="结束日期 2026-01-01 早于开始日期 2026-05-01"):
        services.update_secondment(user=xinyang, secondment=item, expected_version=item.version, end_date=D(2026, 1, 1))


def test_an_id_number_with_a_wrong_check_digit_is_refused_at_its_field(xinyang):
    good = st.id_number(3)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as refused:
        st.secondment(xinyang, id_number=bad)
    assert "校验位" in refused.value.message_dict["id_number"][0]
    assert bad not in str(refused.value)


def test_a_stale_edit_is_refused(xinyang, suzhou):
    item = st.secondment(xinyang)
    services.update_secondment(user=suzhou, secondment=item, expected_version=item.version, post="主任助理")
    with pytest.raises(StaleObjectError):
        services.update_secondment(user=xinyang, secondment=item, expected_version=item.version, post="副主任")
    assert Secondment.objects.get().post == "主任助理"


def test_the_id_and_phone_are_encrypted_at_rest(xinyang):
    item = st.secondment(xinyang, serial=11, phone="13912345678")
    full = st.id_number(11)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_enc, id_number_digest, id_number_masked, phone_enc, phone_masked "
            "FROM secondments_secondment WHERE id = %s",
            [item.pk],
        )
        enc, digest, masked, phone_enc, phone_masked = cursor.fetchone()
    assert full.encode() not in bytes(enc) and b"13912345678" not in bytes(phone_enc)
    assert pii.decrypt(enc) == full and pii.decrypt(phone_enc) == "13912345678"
    assert digest == pii.digest(full) and full not in digest
    assert masked == pii.mask_id(full) and phone_masked == "139****5678"


def test_the_audit_history_holds_the_masked_numbers_only(xinyang):
    item = st.secondment(xinyang, serial=12, phone="13912345678")
    services.update_secondment(user=xinyang, secondment=item, expected_version=item.version, phone="13700001111")
    entries = LogEntry.objects.filter(object_pk=str(item.pk), content_type__model="secondment")
    assert entries.count() == 2
    text = " ".join(str(e.changes) for e in entries)
    assert st.id_number(12) not in text and "13912345678" not in text and "13700001111" not in text
    assert item.id_number_masked in text and "137****1111" in text


def test_ending_early_needs_a_reason_and_keeps_the_record(xinyang):
    item = st.secondment(xinyang, start_date=D(2026, 1, 1))
    with pytest.raises(ValidationError) as refused:
        services.end_secondment(
            user=xinyang, secondment=item, expected_version=item.version, on=D(2026, 4, 1), early=True
        )
    assert refused.value.message_dict == {"end_reason": ["提前结束须填写原因"]}
    ended = services.end_secondment(
        user=xinyang, secondment=item, expected_version=item.version, on=D(2026, 4, 1), early=True, reason="工作调动"
    )
    assert (ended.status, ended.end_date, ended.end_reason) == ("ended_early", D(2026, 4, 1), "工作调动")
    with pytest.raises(ValidationError, match="不能再次结束"):
        services.end_secondment(
            user=xinyang, secondment=ended, expected_version=ended.version, on=D(2026, 5, 1), early=False
        )
    assert Secondment.objects.filter(pk=item.pk).exists()


def test_a_report_dated_before_the_secondment_is_refused_and_a_good_one_is_kept(xinyang):
    item = st.secondment(xinyang, start_date=D(2026, 3, 1))
    with pytest.raises(ValidationError, match="报告日期 2026-02-01 早于挂职开始日期 2026-03-01"):
        services.add_report(user=xinyang, secondment=item, date=D(2026, 2, 1), title="月报", text="内容")
    report = services.add_report(user=xinyang, secondment=item, date=D(2026, 4, 1), title="四月工作", text="调研园区")
    assert list(queries.reports_of(xinyang, item)) == [report]


# --- counts per period --------------------------------------------------------------------------------------------


def _people(user):
    st.secondment(user, serial=21, start_date=D(2026, 3, 1))  # serving on, into Q2 and after
    st.secondment(user, serial=22, start_date=D(2026, 1, 10), end_date=D(2026, 3, 31), field="education")  # Q1 only
    st.secondment(  # starts on the first day of Q3
        user, serial=23, start_date=D(2026, 7, 1), direction="old_to_east", field="health", kind="professional"
    )
    st.secondment(user, serial=24, start_date=D(2025, 6, 1), end_date=D(2026, 4, 1))  # ends on Q2's first day


def test_counts_take_everyone_serving_at_any_time_in_the_quarter(xinyang, pairing):
    _people(xinyang)
    q = {p.index: p for p in queries.quarters(2026)}
    total = {i: queries.counts(xinyang, pairing=pairing.pk, since=q[i].start, until=q[i].end)["total"] for i in q}
    assert total == {1: 3, 2: 2, 3: 2, 4: 2}


def test_counts_split_by_direction_and_field(xinyang, pairing):
    _people(xinyang)
    counts = queries.counts(xinyang, pairing=pairing.pk, since=D(2026, 7, 1), until=D(2026, 9, 30))
    assert dict(counts["direction"]) == {"东部→老区": 1, "老区→东部": 1}
    assert dict(counts["field"])["医疗卫生"] == 1 and dict(counts["field"])["产业"] == 1


def test_the_register_feeds_cadre_exchange_persons_in_the_records_registry(xinyang, pairing):
    _people(xinyang)
    recorded = records.recorded(xinyang, pairing=pairing.pk, since=D(2026, 4, 1), until=D(2026, 6, 30))
    assert ("挂职名册", Decimal(2)) in [(str(label), n) for label, n in recorded["cadre_exchange_persons"]]


def test_another_citys_user_counts_nothing_of_the_pairing(xinyang, yanan, pairing):
    _people(xinyang)
    assert queries.serving_total(yanan, pairing=pairing.pk, since=D(2026, 1, 1), until=D(2026, 12, 31)) is None
