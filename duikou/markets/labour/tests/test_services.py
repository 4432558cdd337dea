"""劳务协作 services: postings, seekers (personal data as in household monitoring), placements counted in the
pairing's labour-cooperation figure, follow-ups, scoping."""

import datetime
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import translation

from duikou import testing
from duikou.accounts import scoping
from duikou.core.errors import StaleObjectError
from duikou.markets.labour import matching, queries, services
from duikou.markets.labour import testing as lt
from duikou.markets.models import FollowUp, JobSeeker, Placement
from duikou.projects.models import Activity
from duikou.projects.queries import activity_figures

pytestmark = pytest.mark.django_db


# --- postings -------------------------------------------------------------------------------------------------


def test_supporting_city_posts_a_job(suzhou):
    posting = lt.posting("320505", user=suzhou)
    assert posting.region.name == "虎丘区" and posting.version == 1


def test_old_area_city_cannot_post_in_suzhou(xinyang):
    with pytest.raises(PermissionDenied):
        lt.posting("320505", user=xinyang)


def test_work_place_must_be_on_a_supporting_side():
    with pytest.raises(ValidationError) as exc:
        lt.posting("411526")  # 潢川县 is an old-area county, not a supporting side
    assert "支持方" in str(exc.value)


def test_wage_max_not_below_wage_min():
    with pytest.raises(ValidationError) as exc:
        lt.posting(wage_min=6000, wage_max=5000)
    assert "上限" in str(exc.value)


def test_unknown_skill_refused():
    with pytest.raises(ValidationError):
        lt.posting(skills=["juggling"])


def test_posting_edit_is_versioned(suzhou):
    posting = lt.posting(user=suzhou)
    services.update_posting(user=suzhou, posting=posting, expected_version=1, headcount=3)
    with pytest.raises(StaleObjectError):
        services.update_posting(user=suzhou, posting=posting, expected_version=1, headcount=4)


def test_closing_a_posting(suzhou):
    posting = lt.posting(user=suzhou)
    closed = services.close_posting(user=suzhou, posting=posting, expected_version=1)
    assert closed.status == "closed"


def test_postings_are_read_by_all_and_changed_by_their_area(suzhou, xinyang):
    posting = lt.posting(user=suzhou)
    assert queries.posting_for(xinyang, posting.pk) == posting
    with pytest.raises(PermissionDenied):
        queries.posting_for(xinyang, posting.pk, scoping.Action.CHANGE)


# --- seekers and personal data --------------------------------------------------------------------------------


def test_seeker_id_number_is_encrypted_digested_and_masked(xinyang):
    number = lt.id_number(7)
    seeker = lt.seeker(user=xinyang, id_number_=number, phone="13912345678")
    assert seeker.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert seeker.phone_masked == "139****5678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM markets_jobseeker WHERE id = %s", [seeker.pk])
        row = cursor.fetchone()
    stored = " ".join(bytes(v).hex() + repr(bytes(v)) if isinstance(v, bytes | memoryview) else str(v) for v in row)
    assert number not in stored and "13912345678" not in stored


def test_seeker_id_never_logged(xinyang, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    number = lt.id_number(8)
    lt.seeker(user=xinyang, id_number_=number)
    with pytest.raises(ValidationError):
        lt.seeker(user=xinyang, name="重复", id_number_=number)
    assert number not in caplog.text


def test_duplicate_id_refused_with_a_message(xinyang):
    number = lt.id_number(9)
    lt.seeker(user=xinyang, id_number_=number)
    with pytest.raises(ValidationError) as exc:
        lt.seeker(user=xinyang, name="另一人", id_number_=number.lower())
    assert exc.value.message_dict["id_number"] == ["该身份证号码已登记为求职者"]


def test_bad_check_digit_refused(xinyang):
    number = lt.id_number(10)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        lt.seeker(user=xinyang, id_number_=wrong)
    assert "校验位" in str(exc.value) and wrong not in str(exc.value)


def test_home_must_be_a_county(xinyang):
    with pytest.raises(ValidationError) as exc:
        lt.seeker("411500", user=xinyang)
    assert "县级" in str(exc.value)


def test_seeker_from_another_area_refused(xinyang):
    with pytest.raises(PermissionDenied):
        lt.seeker("610602", user=xinyang)


def test_seekers_scoped_to_home_area(xinyang, yanan):
    mine = lt.seeker(user=xinyang, serial=11)
    theirs = lt.seeker("610602", "延安人", user=yanan, serial=12)
    assert list(queries.find_seekers(xinyang)) == [mine]
    with pytest.raises(Http404):
        queries.seeker_for(xinyang, theirs.pk)


def test_find_seekers_by_occupation_and_skill_in_the_database(xinyang):
    welder = lt.seeker(user=xinyang, name="焊工", serial=21, occupations=["manufacturing"], skills=["welder"])
    trained = lt.seeker(user=xinyang, name="培训过", serial=22, occupations=["construction"], trainings=["welder"])
    cook = lt.seeker(user=xinyang, name="厨师", serial=23, occupations=["catering", "domestic"], skills=["cook"])

    def names(**filters):
        return sorted(s.name for s in queries.find_seekers(xinyang, **filters))

    assert names(skill="welder") == sorted([welder.name, trained.name])  # a skill held or trained for
    assert names(occupation="domestic") == [cook.name]  # any of the occupations sought
    assert names(occupation="manufacturing", skill="welder") == [welder.name]
    # a code is matched whole: "cook" is not "cnc", and no code matches part of another
    assert names(skill="coo") == [] and names(skill="cnc") == []
    assert names(skill='welder"]') == []  # not a code: nothing, rather than a loose match


def test_find_seeker_by_full_id_number(xinyang):
    number = lt.id_number(13)
    seeker = lt.seeker(user=xinyang, id_number_=number)
    lt.seeker(user=xinyang, name="别人", serial=14)
    assert list(queries.find_seekers(xinyang, id_number=number.lower())) == [seeker]
    assert list(queries.find_seekers(xinyang, q=number)) == []  # `q` is a name: an ID number is never a filter in a URL


def test_employer_sees_only_masked_rows(suzhou, xinyang):
    number = lt.id_number(15)
    lt.seeker(user=xinyang, name="张三丰", id_number_=number, phone="13812345678", skills=["electrician"])
    posting = lt.posting(user=suzhou)
    (match,) = matching.matches_for_posting(suzhou, posting)
    assert not match.visible
    row = match.as_dict()
    assert row["seeker_name"] == "张**" and row["seeker_id"] is None and row["id_number_masked"] is None
    assert row["home_city"] == "信阳市"
    assert "张三丰" not in str(row) and number not in str(row) and "13812345678" not in str(row)


def test_seeker_update_keeps_the_id(xinyang):
    seeker = lt.seeker(user=xinyang, serial=16)
    updated = services.update_seeker(user=xinyang, seeker=seeker, expected_version=1, expected_wage=7000, phone="")
    assert updated.expected_wage == 7000 and updated.id_number_digest == seeker.id_number_digest
    assert updated.version == 2


# --- placements -----------------------------------------------------------------------------------------------


def test_placement_counts_in_the_pairings_labour_figure(xinyang):
    posting = lt.posting("320505", headcount=2)
    seeker = lt.seeker(user=xinyang, serial=20)
    pairing = testing.pairing("信阳市", "苏州市")
    q2 = {"since": datetime.date(2025, 4, 1), "until": datetime.date(2025, 6, 30)}
    before = activity_figures(xinyang, pairing=pairing.pk, **q2)["labour_coop_persons"] or 0
    placement = services.record_placement(
        user=xinyang, seeker=seeker, posting=posting, start_date=datetime.date(2025, 5, 6), wage=5500
    )
    assert placement.pairing == pairing
    activity = Activity.objects.get(pk=placement.activity_id)
    assert (activity.kind, activity.key_task_id, activity.people_placed) == ("labour", "KT2", 1)
    assert activity.date == datetime.date(2025, 5, 6)
    assert "张" not in activity.title or "*" in activity.title  # never the full name
    assert activity_figures(xinyang, pairing=pairing.pk, **q2)["labour_coop_persons"] == before + 1
    q3 = {"since": datetime.date(2025, 7, 1), "until": datetime.date(2025, 9, 30)}
    assert activity_figures(xinyang, pairing=pairing.pk, **q3)["labour_coop_persons"] is None
    seeker.refresh_from_db()
    assert seeker.status == JobSeeker.Status.PLACED
    assert [(f.months, f.due) for f in placement.followups.order_by("months")] == [
        (3, datetime.date(2025, 8, 6)),
        (6, datetime.date(2025, 11, 6)),
    ]


def test_placement_without_pairing_records_no_activity(xinyang):
    posting = lt.posting("320214", employer="无锡某厂")  # 无锡 is paired with 延安, not 信阳
    seeker = lt.seeker(user=xinyang, serial=21)
    placement = services.record_placement(
        user=xinyang, seeker=seeker, posting=posting, start_date=datetime.date(2025, 5, 6), wage=5000
    )
    assert placement.pairing is None and placement.activity is None


def test_full_posting_refuses_another_placement(xinyang):
    posting = lt.posting(headcount=1)
    services.record_placement(
        user=xinyang,
        seeker=lt.seeker(user=xinyang, serial=22),
        posting=posting,
        start_date=datetime.date(2025, 5, 1),
        wage=5000,
    )
    with pytest.raises(ValidationError) as exc:
        services.record_placement(
            user=xinyang,
            seeker=lt.seeker(user=xinyang, name="第二人", serial=23),
            posting=posting,
            start_date=datetime.date(2025, 5, 2),
            wage=5000,
        )
    assert "招满" in str(exc.value)


def test_placed_seeker_cannot_be_placed_again(xinyang):
    seeker = lt.seeker(user=xinyang, serial=24)
    day = datetime.date(2025, 5, 1)
    services.record_placement(user=xinyang, seeker=seeker, posting=lt.posting(headcount=3), start_date=day, wage=5000)
    with pytest.raises(ValidationError):
        services.record_placement(
            user=xinyang, seeker=seeker, posting=lt.posting(headcount=3), start_date=day, wage=5000
        )


def test_employer_cannot_record_a_placement(suzhou, xinyang):
    seeker = lt.seeker(user=xinyang, serial=25)
    with pytest.raises(PermissionDenied):
        services.record_placement(
            user=suzhou, seeker=seeker, posting=lt.posting(user=suzhou), start_date=datetime.date(2025, 5, 1), wage=1
        )


# --- follow-ups -----------------------------------------------------------------------------------------------


def _placed(user, serial=30, start=datetime.date(2025, 1, 15)):
    return services.record_placement(
        user=user,
        seeker=lt.seeker(user=user, serial=serial),
        posting=lt.posting(headcount=5),
        start_date=start,
        wage=5000,
    )


def test_followup_records_wage(xinyang):
    placement = _placed(xinyang)
    first = placement.followups.get(months=3)
    done = services.record_followup(
        user=xinyang, followup=first, expected_version=1, still_employed=True, wage=5800, done_on=first.due
    )
    assert (done.still_employed, done.wage, done.version) == (True, 5800, 2)


def test_followup_still_employed_needs_a_wage(xinyang):
    first = _placed(xinyang).followups.get(months=3)
    with pytest.raises(ValidationError):
        services.record_followup(user=xinyang, followup=first, expected_version=1, still_employed=True)


def test_left_ends_the_placement_but_it_still_counts(xinyang):
    placement = _placed(xinyang, start=datetime.date(2025, 2, 10))
    pairing = placement.pairing
    services.record_followup(
        user=xinyang,
        followup=placement.followups.get(months=3),
        expected_version=1,
        still_employed=False,
        done_on=datetime.date(2025, 5, 12),
    )
    placement.refresh_from_db()
    assert placement.status == Placement.Status.LEFT
    assert JobSeeker.objects.get(pk=placement.seeker_id).status == JobSeeker.Status.SEEKING
    later = placement.followups.get(months=6)
    assert later.done_on is not None and later.still_employed is False
    assert later.note == "3 个月回访时已离岗"  # the record, as stored
    with translation.override("en"):
        assert later.note_text == "Gone from the job at the 3-month follow-up"
        assert FollowUp(note="3 个月回访时已离岗，电话未接通").note_text == "3 个月回访时已离岗，电话未接通"  # a user's
    q1 = {"since": datetime.date(2025, 1, 1), "until": datetime.date(2025, 3, 31)}
    assert activity_figures(xinyang, pairing=pairing.pk, **q1)["labour_coop_persons"] == 1


def test_overdue_followups_listed_oldest_first(xinyang, yanan):
    old = _placed(xinyang, serial=31, start=datetime.date(2024, 1, 10))
    _placed(xinyang, serial=32, start=datetime.date(2099, 1, 10))
    today = datetime.date(2024, 12, 1)
    overdue = list(queries.followups_due(xinyang, today=today, overdue_only=True))
    assert overdue == list(FollowUp.objects.filter(placement=old).order_by("months"))
    assert list(queries.followups_due(yanan, today=today, overdue_only=True)) == []
