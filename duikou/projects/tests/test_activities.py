import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from duikou import testing
from duikou.core.errors import StaleObjectError
from duikou.projects import queries, services
from duikou.projects import testing as pt
from duikou.projects.models import KIND_FIELDS, TYPED_FIELDS, Activity

pytestmark = pytest.mark.django_db

EXAMPLES = {
    "visit": {"delegation_size": 12, "delegation_level": "city"},
    "exchange": {"exchange_people": 5, "exchange_direction": "old_to_east", "exchange_months": 6},
    "training": {"training_sessions": 2, "trainees": 90},
    "consumption": {"sales_amount": Decimal("88.50"), "product_category": "茶叶", "sales_channel": "电商平台"},
    "labour": {"people_placed": 150},
    "school_pair": {"institution_old": "信阳市第一中学", "institution_partner": "苏州中学"},
    "hospital_pair": {"institution_old": "信阳市中心医院", "institution_partner": "苏州市立医院"},
    "study_trip": {"participants": 60},
}


@pytest.fixture
def xinyang():
    return testing.pairing("信阳市", "苏州市")


def typed(kind: str) -> dict:
    return {name: None for name in TYPED_FIELDS} | EXAMPLES[kind]


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_each_kind_is_recorded_with_exactly_its_fields(xinyang, kind):
    activity = pt.activity(xinyang, f"{kind} 记录", kind=kind, **typed(kind))
    assert {n for n in TYPED_FIELDS if getattr(activity, n) is not None} == set(KIND_FIELDS[kind])


def test_missing_field_of_the_kind_is_named_in_chinese(xinyang):
    with pytest.raises(ValidationError) as exc:
        pt.activity(xinyang, kind="training", **(typed("training") | {"trainees": None}))
    assert exc.value.message_dict == {"trainees": ["培训须填写「培训人数」"]}


def test_field_of_another_kind_is_refused(xinyang):
    with pytest.raises(ValidationError) as exc:
        pt.activity(xinyang, kind="labour", **(typed("labour") | {"participants": 30}))
    assert exc.value.message_dict == {"participants": ["「研学人数」只适用于研学，劳务协作请留空"]}


def test_institution_names_belong_to_school_and_hospital_pairs(xinyang):
    with pytest.raises(ValidationError) as exc:
        pt.activity(xinyang, kind="visit", **(typed("visit") | {"institution_old": "某中学"}))
    assert exc.value.message_dict["institution_old"] == ["「老区方机构」只适用于学校结对、医院结对，互访请留空"]


def test_blank_text_counts_as_empty(xinyang):
    activity = pt.activity(xinyang, kind="visit", **(typed("visit") | {"product_category": "  "}))
    assert activity.product_category is None


def test_negative_numbers_are_refused(xinyang):
    with pytest.raises(ValidationError) as exc:
        pt.activity(xinyang, kind="labour", **(typed("labour") | {"people_placed": -3}))
    assert exc.value.message_dict["people_placed"] == ["「转移就业人数」不能为负数"]
    with pytest.raises(ValidationError) as exc:
        pt.activity(xinyang, kind="consumption", **(typed("consumption") | {"sales_amount": Decimal("-1")}))
    assert exc.value.message_dict["sales_amount"] == ["「消费帮扶金额（万元）」不能为负数"]


def test_the_database_holds_the_kind_rule_and_the_sign_by_any_path(xinyang):
    good = pt.activity(xinyang)
    for change in [{"participants": 5}, {"delegation_size": None}, {"delegation_size": -1}]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Activity.objects.filter(pk=good.pk).update(**change)


def test_same_activity_twice_is_refused(xinyang):
    pt.activity(xinyang, "座谈会")
    with pytest.raises(ValidationError, match="同一结对关系在同一天已有同类型、同标题的活动"):
        pt.activity(xinyang, "座谈会")
    pt.activity(xinyang, "座谈会", date=datetime.date(2024, 5, 21))  # another day is another activity


def test_stale_activity_edit_is_refused(xinyang):
    editor = testing.user("xy", "信阳市人民政府", "editor")
    activity = pt.activity(xinyang, user=editor)
    services.update_activity(activity=activity, user=editor, expected_version=1, delegation_size=15)
    with pytest.raises(StaleObjectError):
        services.update_activity(activity=activity, user=editor, expected_version=1, delegation_size=99)
    activity.refresh_from_db()
    assert activity.delegation_size == 15


def test_change_of_kind_must_bring_the_new_fields(xinyang):
    editor = testing.user("xy", "信阳市人民政府", "editor")
    activity = pt.activity(xinyang, user=editor)
    with pytest.raises(ValidationError) as exc:
        services.update_activity(activity=activity, user=editor, expected_version=1, kind="study_trip")
    assert "研学须填写「研学人数」" in exc.value.message_dict["participants"]
    changed = services.update_activity(
        activity=activity, user=editor, expected_version=1, kind="study_trip", **typed("study_trip")
    )
    assert changed.participants == 60 and changed.delegation_size is None


def test_activities_are_filtered_by_kind_pairing_and_dates(xinyang):
    sanming = testing.pairing("三明市", "上海市")
    pt.activity(xinyang, "五月互访", date=datetime.date(2024, 5, 1))
    pt.activity(xinyang, "七月研学", kind="study_trip", date=datetime.date(2024, 7, 1), **typed("study_trip"))
    pt.activity(sanming, "三明研学", kind="study_trip", date=datetime.date(2024, 7, 2), **typed("study_trip"))
    overseer = testing.user("ndrc", "国家发展改革委（振兴司）", "viewer")

    def titles(**filters):
        return sorted(a.title for a in queries.activities_for(overseer, **filters))

    assert titles(kind="study_trip") == ["七月研学", "三明研学"]
    assert titles(pairing=xinyang.pk) == ["七月研学", "五月互访"]
    assert titles(since=datetime.date(2024, 6, 1), until=datetime.date(2024, 7, 1)) == ["七月研学"]
    henan = testing.user("hn", "河南省人民政府", "viewer")
    assert sorted(a.title for a in queries.activities_for(henan)) == ["七月研学", "五月互访"]
