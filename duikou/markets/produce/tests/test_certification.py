"""消费帮扶产品认定: the register's rules, its steps (four eyes, 公示, revoke), what counts as a certified purchase,
and a budget unit's reserved share."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from duikou import testing
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.markets.models import ProductCertification
from duikou.markets.produce import queries, services
from duikou.markets.produce import testing as make
from duikou.markets.produce.workflow import WORKFLOW

pytestmark = pytest.mark.django_db
S = ProductCertification.Status
DAY = datetime.timedelta(days=1)


@pytest.fixture
def county():
    return testing.county_org(make.XIN_XIAN)


@pytest.fixture
def approver(county):
    return testing.user("hc_approver", county, "approver")


@pytest.fixture
def second_approver(county):
    return testing.user("hc_approver2", county, "approver")


@pytest.fixture
def county_editor(county):
    return testing.user("hc_editor", county, "editor")


def step(cert, user, name, **kw):
    return services.certification_step(certification=cert, user=user, name=name, expected_version=cert.version, **kw)


def publicize(cert, user, start, end):
    return step(cert, user, "publicize", publicity_start=start, publicity_end=end, note="同意")


def today():
    return timezone.localdate()


# --- the application ----------------------------------------------------------------------------------------------


def test_county_editor_enters_a_draft(county_editor):
    cert = make.certification(user=county_editor, basis=["gi", "promise"])
    assert cert.status == S.DRAFT and cert.basis == ["gi", "promise"] and cert.created_by == county_editor


def test_value_below_the_threshold_is_refused_naming_the_product():
    with pytest.raises(ValidationError) as exc:
        make.certification(name="潢川小籽花生", annual_value_wan=Decimal("49.99"))
    assert "「潢川小籽花生」年销售额 49.99 万元低于认定下限 50 万元" in exc.value.message_dict["annual_value_wan"][0]


def test_threshold_is_a_setting(settings):
    settings.DUIKOU_CERTIFICATION_MIN_VALUE_WAN = 100
    with pytest.raises(ValidationError) as exc:
        make.certification(annual_value_wan=Decimal("80"))
    assert "低于认定下限 100 万元" in exc.value.message_dict["annual_value_wan"][0]


def test_the_place_must_be_a_county():
    with pytest.raises(ValidationError) as exc:
        make.certification(county="411500")
    assert "「信阳市」不是" in exc.value.message_dict["county"][0]


def test_at_least_one_basis_is_required():
    with pytest.raises(ValidationError) as exc:
        make.certification(basis=[])
    assert "认定依据" in exc.value.message_dict["basis"][0]


def test_linked_listing_must_come_from_the_same_county():
    elsewhere = make.listing("411524", "商城茶叶")
    with pytest.raises(ValidationError) as exc:
        make.certification(listing=elsewhere)
    assert "商城茶叶" in exc.value.message_dict["listing"][0]


def test_editor_of_another_city_cannot_enter_one():
    stranger = testing.user("ya", "延安市人民政府", "editor")
    with pytest.raises(ValidationError) as exc:
        make.certification(user=stranger)
    assert "潢川县" in exc.value.message_dict["county"][0]


# --- the steps ------------------------------------------------------------------------------------------------


def test_submit_sends_it_to_the_county_review(county_editor):
    cert = step(make.certification(user=county_editor), county_editor, "submit")
    assert cert.status == S.REVIEW and cert.submitted_by == county_editor


def test_submitter_may_not_review_own_application(approver):
    cert = step(make.certification(user=approver), approver, "submit")
    with pytest.raises(PermissionDenied) as exc:
        publicize(cert, approver, today(), today() + 7 * DAY)
    assert "提交人不能审核自己提交的认定申请" in str(exc.value)


def test_city_approver_is_not_the_county_review(editor):
    cert = step(make.certification(user=editor), editor, "submit")
    city = testing.user("xy_approver", "信阳市人民政府", "approver")
    assert WORKFLOW.allowed_steps(city, cert) == []
    with pytest.raises(PermissionDenied) as exc:
        publicize(cert, city, today(), today() + 7 * DAY)
    assert "潢川县有审批权限的用户" in str(exc.value)


def test_review_sets_the_publicity_period(county_editor, approver):
    cert = step(make.certification(user=county_editor), county_editor, "submit")
    cert = publicize(cert, approver, today(), today() + 7 * DAY)
    assert cert.status == S.PUBLICITY and cert.publicity_end == today() + 7 * DAY and cert.reviewed_by == approver


def test_publicity_ending_before_it_starts_is_refused(county_editor, approver):
    cert = step(make.certification(user=county_editor), county_editor, "submit")
    with pytest.raises(ValidationError) as exc:
        publicize(cert, approver, today(), today() - DAY)
    assert "公示截止日不能早于起始日" in exc.value.message_dict["publicity_end"][0]


def test_certify_waits_for_the_publicity_to_end(county_editor, approver):
    cert = step(make.certification(user=county_editor), county_editor, "submit")
    cert = publicize(cert, approver, today() - DAY, today())
    with pytest.raises(ValidationError) as exc:
        step(cert, approver, "certify", certificate_no="N1", valid_from=today() + DAY, valid_to=today() + 30 * DAY)
    assert f"公示期至 {today().isoformat()}，公示结束后才能认定" in exc.value.messages[0]


def test_certify_gives_the_certificate_and_validity(county_editor, approver):
    cert = make.certify(make.certification(user=county_editor), county_editor, approver, number="HC-001")
    assert cert.status == S.CERTIFIED and cert.certificate_no == "HC-001" and cert.certified_by == approver
    assert cert.valid_on(today()) and not cert.valid_on(today() - DAY)


def test_a_certificate_number_is_unique(county_editor, approver):
    make.certify(make.certification(user=county_editor), county_editor, approver, number="HC-001")
    other = make.certification(name="潢川甲鱼", user=county_editor)
    with pytest.raises(ValidationError) as exc:
        make.certify(other, county_editor, approver, number="HC-001")
    assert "certificate_no" in exc.value.message_dict


def test_return_needs_a_reason_and_goes_back_to_draft(county_editor, approver):
    cert = step(make.certification(user=county_editor), county_editor, "submit")
    with pytest.raises(ValidationError):
        step(cert, approver, "return")
    cert = step(cert, approver, "return", note="缺少追溯码样例")
    assert cert.status == S.DRAFT and cert.returned_reason == "缺少追溯码样例"
    assert (
        services.update_certification(
            certification=cert, user=county_editor, expected_version=cert.version, traceability="附追溯码样例"
        ).traceability
        == "附追溯码样例"
    )


def test_an_objection_upheld_in_publicity_returns_it(county_editor, approver):
    cert = step(make.certification(user=county_editor), county_editor, "submit")
    cert = publicize(cert, approver, today() - 3 * DAY, today() + 4 * DAY)
    cert = step(cert, approver, "return", note="公示期间收到实名异议，经核实销售额不实")
    assert cert.status == S.DRAFT and cert.publicity_end is None


def test_a_submitted_application_is_not_edited(county_editor):
    cert = step(make.certification(user=county_editor), county_editor, "submit")
    with pytest.raises(UserFacingError) as exc:
        services.update_certification(certification=cert, user=county_editor, expected_version=cert.version, name="x")
    assert "只能修改草稿" in str(exc.value)


def test_two_approvers_at_once_one_wins(county_editor, approver, second_approver):
    cert = step(make.certification(user=county_editor), county_editor, "submit")
    won = publicize(cert, approver, today(), today() + 7 * DAY)
    with pytest.raises(StaleObjectError):
        step(cert, second_approver, "return", note="材料不全")  # read at the same version as the winner
    assert won.status == S.PUBLICITY


def test_revoke_needs_a_reason_and_ends_on_its_day(county_editor, approver):
    cert = make.certify(make.certification(user=county_editor), county_editor, approver)
    with pytest.raises(ValidationError):
        step(cert, approver, "revoke", revoked_on=today() + 5 * DAY)
    cert = step(cert, approver, "revoke", note="抽检不合格", revoked_on=today() + 5 * DAY)
    assert cert.status == S.REVOKED
    assert cert.valid_on(today() + 4 * DAY) and not cert.valid_on(today() + 5 * DAY)


def test_editor_may_not_revoke(county_editor, approver):
    cert = make.certify(make.certification(user=county_editor), county_editor, approver)
    with pytest.raises(PermissionDenied):
        step(cert, county_editor, "revoke", note="x")


def test_every_step_is_in_the_history(county_editor, approver):
    from auditlog.models import LogEntry

    cert = make.certify(make.certification(user=county_editor), county_editor, approver)
    statuses = [e.changes.get("status", [None, None])[1] for e in LogEntry.objects.get_for_object(cert)]
    assert {"review", "publicity", "certified"} <= set(statuses)


# --- what counts as a certified purchase ------------------------------------------------------------------------


@pytest.fixture
def sold(county_editor, approver, editor):
    """A 潢川 listing certified today for 10 days, and an agreement with a 苏州 canteen signed 30 days ago."""
    listing = make.listing(make.XIN_XIAN, "潢川贡米", user=editor, category="grain_oil")
    cert = make.certification(user=county_editor, listing=listing)
    cert = make.certify(cert, county_editor, approver, number="HC-9", valid_to=today() + 10 * DAY)
    buyer = make.demand("320508", "苏州市机关食堂", category="grain_oil", period_start=today() - 60 * DAY,
                        period_end=today() + 60 * DAY)  # fmt: skip
    agreement = services.sign_agreement(
        user=editor, listing=listing, demand=buyer, volume_tonnes=Decimal("10"), price_yuan_kg=Decimal("6"),
        signed_on=today() - 30 * DAY,
    )  # fmt: skip
    return {"listing": listing, "cert": cert, "agreement": agreement}


def deliver(user, agreement, day, amount="3", certified=None):
    return services.record_delivery(
        user=user, agreement=agreement, date=day, volume_tonnes=Decimal("1"), amount_wan=Decimal(amount),
        certified=certified,
    )  # fmt: skip


def test_a_delivery_while_certified_counts_as_certified(editor, sold):
    delivery = deliver(editor, sold["agreement"], today())
    assert delivery.certification == sold["cert"]


def test_a_delivery_before_the_certificate_counts_as_other(editor, sold):
    assert deliver(editor, sold["agreement"], today() - 5 * DAY).certification is None


def test_claiming_certified_before_the_certificate_is_refused(editor, sold):
    day = today() - 5 * DAY
    with pytest.raises(ValidationError) as exc:
        deliver(editor, sold["agreement"], day, certified=True)
    message = exc.value.message_dict["certified"][0]
    assert f"「潢川贡米」在 {day.isoformat()} 不是认定产品" in message
    assert f"证书 HC-9 自 {today().isoformat()} 起才有效" in message


def test_claiming_certified_after_expiry_is_refused(editor, sold):
    with pytest.raises(ValidationError) as exc:
        deliver(editor, sold["agreement"], today() + 11 * DAY, certified=True)
    assert f"证书 HC-9 已于 {(today() + 10 * DAY).isoformat()} 到期" in exc.value.message_dict["certified"][0]


def test_claiming_certified_after_revocation_is_refused(editor, sold, approver):
    step(sold["cert"], approver, "revoke", note="抽检不合格", revoked_on=today() + 2 * DAY)
    assert deliver(editor, sold["agreement"], today() + DAY, certified=True).certification == sold["cert"]
    with pytest.raises(ValidationError) as exc:
        deliver(editor, sold["agreement"], today() + 3 * DAY, certified=True)
    revoked = (today() + 2 * DAY).isoformat()
    assert f"证书 HC-9 已于 {revoked} 撤销：抽检不合格" in exc.value.message_dict["certified"][0]


def test_claiming_certified_without_any_certificate_is_refused(editor):
    listing = make.listing(make.XIN_XIAN, "潢川鸭蛋", user=editor)
    buyer = make.demand("320508", "苏州某食堂", period_start=today() - DAY, period_end=today() + DAY)
    agreement = services.sign_agreement(
        user=editor, listing=listing, demand=buyer, volume_tonnes=Decimal("2"), price_yuan_kg=Decimal("6"),
        signed_on=today() - DAY,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        deliver(editor, agreement, today(), certified=True)
    assert "「潢川鸭蛋」" in exc.value.message_dict["certified"][0] and "没有产品认定证书" in exc.value.messages[0]


def test_a_certified_product_may_be_recorded_as_other(editor, sold):
    assert deliver(editor, sold["agreement"], today(), certified=False).certification is None


def test_the_agreement_figures_split_certified_and_other(editor, sold):
    deliver(editor, sold["agreement"], today() - 5 * DAY, amount="2")
    deliver(editor, sold["agreement"], today(), amount="3")
    row = queries.agreements_for(editor).get(pk=sold["agreement"].pk)
    assert (row.delivered_wan, row.certified_wan) == (Decimal("5"), Decimal("3"))
    split = services.split_of(queries.deliveries_for(editor, agreement=sold["agreement"]))
    assert split == {"total_wan": Decimal("5"), "certified_wan": Decimal("3"), "other_wan": Decimal("2")}


def test_listing_shows_it_is_certified_today(editor, sold):
    other = make.listing(make.XIN_XIAN, "无认定产品", user=editor)
    rows = {x.pk: x.certified for x in queries.listings_for(editor)}
    assert rows[sold["listing"].pk] is True and rows[other.pk] is False


# --- a budget unit's reserved share -----------------------------------------------------------------------------


def test_buyer_sees_its_reserved_share_against_the_target(editor, sold, settings):
    settings.DUIKOU_CONSUMPTION_RESERVED_SHARE = 50
    deliver(editor, sold["agreement"], today(), amount="6", certified=False)
    deliver(editor, sold["agreement"], today(), amount="4")
    suzhou = testing.user("sz", "苏州市人民政府", "viewer")
    rows = queries.reserved_shares(suzhou, year=today().year)
    assert [(r["buyer"], r["certified_wan"], r["total_wan"], r["share"], r["met"]) for r in rows] == [
        ("苏州市机关食堂", Decimal("4"), Decimal("10"), Decimal("40.0"), False)
    ]
    assert queries.reserved_shares(testing.user("ya", "延安市人民政府", "viewer"), year=today().year) == []


def test_a_submitted_application_is_on_the_county_approvers_to_do(approver, second_approver):
    from duikou.todo import todo_for

    cert = step(make.certification(user=approver), approver, "submit")
    items, _more = todo_for(second_approver, source="certifications")
    assert [(i.title, i.action, i.place) for i in items] == [(cert.name, "审核通过并公示、退回", "潢川县")]
    assert todo_for(approver, source="certifications")[0] == []  # the submitter does not review it


def test_the_grid_shows_the_certified_purchases_beside_the_reported_consumption_aid(editor, sold):
    from duikou.indicators import records

    deliver(editor, sold["agreement"], today() - 5 * DAY, amount="2", certified=False)
    deliver(editor, sold["agreement"], today(), amount="3")
    assert sold["agreement"].pairing_id
    found = dict(
        records.recorded(editor, pairing=sold["agreement"].pairing_id, since=today() - 30 * DAY, until=today())[
            "consumption_aid_wan"
        ]
    )
    assert found["其中认定产品采购"] == Decimal("3")
    assert found["活动记录"] == Decimal("5")  # every delivery is a 消费帮扶 activity
    before = records.recorded(
        editor, pairing=sold["agreement"].pairing_id, since=today() - 30 * DAY, until=today() - 6 * DAY
    )
    assert dict(before["consumption_aid_wan"])["其中认定产品采购"] == Decimal("0")
