"""Every write of the seconded-people register: record a person's secondment, edit it (checked against the version
read), end it (期满, or 提前结束 with the reason: never deleted), and add a work report. Each write is checked through
the scoping layer (a secondment belongs to its pairing, so either city records it), runs in one transaction with its
audit entry, and keeps the ID and phone numbers as job seekers' are (``duikou.core.pii``); no number is logged or
echoed in a message, only its masked form.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core import pii
from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_checked, save_versioned
from duikou.pairings.models import Pairing

from . import queries
from .models import Secondment, SecondmentReport

FIELDS = ("direction", "kind", "name", "home_org", "host_org", "post", "field", "start_date", "end_date")
PII_COLUMNS = [*Secondment.ENCRYPTED, "id_number_masked", "phone_masked"]


def _require_pairing(user, pairing: Pairing) -> None:
    if not scoping.may(user, scoping.Action.CHANGE):
        raise PermissionDenied
    if pairing.status != Pairing.Status.ACTIVE or not scoping.can(user, scoping.Action.CHANGE, pairing):
        raise PermissionDenied(_("您无权为结对关系「%(pairing)s」登记挂职人员。") % {"pairing": pairing})


def _clean(values: dict) -> dict:
    out = dict(values)
    for key in ("name", "home_org", "host_org", "post"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    return out


def _check_dates(start: datetime.date | None, end: datetime.date | None) -> None:
    if start and end and end < start:
        raise ValidationError(
            {
                "end_date": [
                    _("结束日期 %(end)s 早于开始日期 %(start)s") % {"end": end.isoformat(), "start": start.isoformat()}
                ]
            }
        )


def _lock_person(digest: str) -> None:
    """Hold the person's secondments until the transaction ends, so that the two cities recording the same person
    at the same moment check the overlap one after the other: one is recorded, the other refused. PostgreSQL: a
    transaction-scoped advisory lock named for the ID digest (never the number). SQLite: its IMMEDIATE transactions
    hold the database's write lock from their start, so writers are queued there anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"duikou:secondee:{digest}"])


def _no_overlap(item: Secondment) -> None:
    """A person serves in one place at a time: refused naming the person (masked) and the other secondment."""
    other = queries.same_person_overlapping(item.id_number_digest, item.start_date, item.end_date, exclude=item.pk)
    if other is not None:
        raise ValidationError(
            {
                "start_date": [
                    _(
                        "%(name)s（身份证号 %(masked)s）在 %(period)s 已有挂职：%(pairing)s %(host)s %(post)s，"
                        "两段挂职时间重叠"
                    )
                    % {
                        "name": item.name,
                        "masked": item.id_number_masked,
                        "period": other.period_text,
                        "pairing": other.pairing,
                        "host": other.host_org,
                        "post": other.post,
                    }
                ]
            }
        )


def create_secondment(*, user, pairing: Pairing, id_number: str, phone: str = "", **fields) -> Secondment:
    """Record one person's secondment for a pairing the user's city is party to."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown secondment fields: {sorted(unknown)}")
    _require_pairing(user, pairing)
    id_number, phone = pii.normalise_identifiers(id_number, phone)
    fields = _clean(fields)
    _check_dates(fields.get("start_date"), fields.get("end_date"))
    item = Secondment(
        pairing=pairing,
        **fields,
        **pii.id_number_columns(id_number),
        **pii.phone_columns(phone),
    )
    item.full_clean(exclude=PII_COLUMNS)
    with transaction.atomic(), set_actor(audit_actor(user)):
        _lock_person(item.id_number_digest)
        _no_overlap(item)
        # the same person recorded at the same moment by the partner city: refused as it would be a moment later
        save_checked(item, check=_no_overlap)
    return item


def update_secondment(
    *, user, secondment: Secondment, expected_version: int, phone: str | None = None, **changes
) -> Secondment:
    """Edit a secondment (its pairing and ID number stay: record anew for another person); ``phone`` None keeps the
    stored number, "" removes it."""
    scoping.require(user, scoping.Action.CHANGE, secondment)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown secondment fields: {sorted(unknown)}")
    changes = _clean(changes)
    start = changes.get("start_date", secondment.start_date)
    end = changes.get("end_date", secondment.end_date)
    _check_dates(start, end)
    if secondment.status != Secondment.Status.SERVING and end is None:
        raise ValidationError({"end_date": [_("已结束的挂职须有结束日期")]})
    if phone is not None:
        changes |= pii.phone_columns(pii.normalise_phone_field(phone))
    with transaction.atomic(), set_actor(audit_actor(user)):
        _lock_person(secondment.id_number_digest)
        probe = Secondment(
            pk=secondment.pk,
            name=changes.get("name", secondment.name),
            id_number_digest=secondment.id_number_digest,
            id_number_masked=secondment.id_number_masked,
            start_date=start,
            end_date=end,
        )
        _no_overlap(probe)
        return save_versioned(secondment, expected_version=expected_version, exclude=PII_COLUMNS, changes=changes)


def end_secondment(
    *, user, secondment: Secondment, expected_version: int, on: datetime.date, early: bool, reason: str = ""
) -> Secondment:
    """End a serving secondment on ``on``: 期满, or 提前结束 with its reason. The record stays."""
    scoping.require(user, scoping.Action.CHANGE, secondment)
    if secondment.status != Secondment.Status.SERVING:
        raise ValidationError(
            _("%(name)s 的挂职已是「%(status)s」，不能再次结束。")
            % {"name": secondment.name, "status": secondment.get_status_display()}
        )
    reason = reason.strip()
    if early and not reason:
        raise ValidationError({"end_reason": [_("提前结束须填写原因")]})
    _check_dates(secondment.start_date, on)
    changes = {
        "end_date": on,
        "status": Secondment.Status.ENDED_EARLY if early else Secondment.Status.COMPLETED,
        "end_reason": reason if early else "",
    }
    with transaction.atomic(), set_actor(audit_actor(user)):
        return save_versioned(secondment, expected_version=expected_version, exclude=PII_COLUMNS, changes=changes)


def add_report(*, user, secondment: Secondment, date: datetime.date, title: str, text: str) -> SecondmentReport:
    """A work report of the person, dated within their secondment."""
    scoping.require(user, scoping.Action.CHANGE, secondment)
    title, text = title.strip(), text.strip()
    errors = {}
    if not title:
        errors["title"] = [_("请填写报告标题")]
    if not text:
        errors["text"] = [_("请填写报告内容")]
    if date < secondment.start_date:
        errors["date"] = [
            _("报告日期 %(date)s 早于挂职开始日期 %(start)s")
            % {"date": date.isoformat(), "start": secondment.start_date.isoformat()}
        ]
    if errors:
        raise ValidationError(errors)
    report = SecondmentReport(secondment=secondment, date=date, title=title, text=text, created_by=user)
    report.full_clean()
    with transaction.atomic(), set_actor(audit_actor(user)):
        report.save()
    return report
