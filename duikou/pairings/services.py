"""Writes to pairings: the national list from the 2022 方案, profile edits, and dated re-pairings."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from duikou.accounts import scoping
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_versioned
from duikou.core.datafiles import data_path, read_csv
from duikou.core.errors import DataFileError
from duikou.geo.models import Region
from duikou.geo.services import find_old_area, resolve_city
from duikou.policy.models import Clause

from .models import Pairing

NATIONAL_START = datetime.date(2022, 3, 1)  # the period the 方案 sets is 2022–2030; it gives no day


def load_national_pairings() -> int:
    """The 20 pairings listed in 二 of the 2022 方案, read from data/pairings/national_2022.csv.

    Every name must resolve to exactly one division and every clause must exist, or nothing is loaded.
    """
    path = data_path("pairings", "national_2022.csv")
    rows = []
    for line, row in read_csv(path, ["seq", "old_region", "old_area", "partner_region", "clause"]):
        try:
            old = resolve_city(row["old_region"])
            partner = resolve_city(row["partner_region"])
            area = find_old_area(row["old_area"])
        except LookupError as exc:
            raise DataFileError(path, line, str(exc)) from exc
        clause = Clause.objects.filter(pk=row["clause"]).first()
        if clause is None:
            raise DataFileError(path, line, f"条款 {row['clause']} 不存在")
        if row["old_region"] not in clause.text or row["partner_region"] not in clause.text:
            raise DataFileError(
                path,
                line,
                f"条款 {clause.pk} 的原文中没有「{row['old_region']}」与「{row['partner_region']}」",
            )
        rows.append((int(row["seq"]), old, area, partner, clause))
    created = 0
    with transaction.atomic():
        for seq, old, area, partner, clause in rows:
            _p, was_created = Pairing.objects.get_or_create(
                code=f"N{seq:02d}",
                defaults=dict(
                    old_region=old,
                    old_area=area,
                    partner_region=partner,
                    level=Pairing.Level.NATIONAL,
                    start_year=2022,
                    end_year=2030,
                    valid_from=NATIONAL_START,
                    source_clause=clause,
                ),
            )
            created += was_created
            area.members.add(old)
    return created


def update_pairing_profile(
    *, pairing: Pairing, user, expected_version: int, mechanism: str, contacts: str, note: str
) -> Pairing:
    """Either side edits the pairing's working profile; a stale version is refused (StaleObjectError)."""
    scoping.require(user, scoping.Action.CHANGE, pairing)
    if pairing.status != Pairing.Status.ACTIVE:
        raise ValidationError("已调整的结对关系不能再修改")
    with set_actor(user):
        return save_versioned(
            pairing,
            expected_version=expected_version,
            changes={"mechanism": mechanism, "contacts": contacts, "note": note},
        )


def repair(
    *,
    pairing: Pairing,
    user,
    partner_region: Region,
    effective: datetime.date,
    reason: str,
    end_year: int | None = None,
) -> Pairing:
    """Dynamic optimisation (2026 意见 item 20): end this pairing on ``effective`` and start a new record.

    National pairings are changed by the national overseer only; others by an approver whose area covers
    the old-area side.
    """
    scoping.require(user, scoping.Action.APPROVE, pairing)
    if pairing.level == Pairing.Level.NATIONAL and scoping.region_prefix(user) is not None:
        raise PermissionError("国家确定的结对关系只能由国家发展改革委调整")
    if not reason.strip():
        raise ValidationError({"change_reason": "请说明调整理由"})
    if pairing.status != Pairing.Status.ACTIVE:
        raise ValidationError("该结对关系已被调整，请在最新记录上操作")
    if effective <= pairing.valid_from:
        raise ValidationError({"valid_from": "生效日期须晚于原结对的生效日期"})
    with transaction.atomic(), set_actor(user):
        old = Pairing.objects.select_for_update().get(pk=pairing.pk)
        old.status, old.valid_to = Pairing.Status.ENDED, effective - datetime.timedelta(days=1)
        old.version += 1
        old.save()
        new = Pairing(
            code=_next_code(old.code),
            old_region=old.old_region,
            old_area=old.old_area,
            partner_region=partner_region,
            level=old.level,
            institution_kind=old.institution_kind,
            parent=old.parent,
            start_year=effective.year,
            end_year=end_year or old.end_year,
            valid_from=effective,
            supersedes=old,
            change_reason=reason,
            source_clause=old.source_clause,
            mechanism=old.mechanism,
            contacts=old.contacts,
            note=old.note,
        )
        new.full_clean()
        new.save()
    return new


def _next_code(code: str) -> str:
    base, _sep, rev = code.partition("-r")
    return f"{base}-r{int(rev or 1) + 1}"
