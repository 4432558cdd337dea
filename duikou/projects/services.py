"""Writes to projects and activities. Each function checks permission through the scoping layer, validates,
writes in one transaction with the audit actor set, and returns the object."""

import datetime
import os
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_checked, save_versioned
from duikou.core.digests import sm3_file
from duikou.core.uploads import size_error
from duikou.pairings.models import Pairing

from .models import TYPED_FIELDS, Activity, Evidence, FundTransaction, Milestone, ProgressUpdate, Project

# What an edit may change; the pairing of a project or an activity is fixed when it is created.
PROJECT_FIELDS = (
    "name",
    "industry",
    "key_task",
    "location",
    "park",
    "investment_planned",
    "investment_signed",
    "investment_in_place",
    "funding_sources",
    "land_quota_guarantee",
    "start_date",
    "end_date",
    "status",
    "note",
)
ACTIVITY_FIELDS = ("kind", "key_task", "date", "title", *TYPED_FIELDS, "note")

EVIDENCE_EXTENSIONS = (
    ".pdf",
    ".ofd",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".jpg",
    ".jpeg",
    ".png",
    ".zip",
    ".txt",
)


def require_pairing_change(user, pairing: Pairing) -> None:
    """Either city of the pairing (or a province or the overseer above it) with the right to change data."""
    scoping.require(user, scoping.Action.CHANGE, pairing)
    if pairing.status != Pairing.Status.ACTIVE:
        raise ValidationError("该结对关系已调整，不能再新增记录，请在最新的结对关系下填报")


# --- projects ---------------------------------------------------------------------------------------------


def _normalise_project(fields: dict) -> dict:
    out = dict(fields)
    for key in ("name", "park", "note"):
        if key in out and isinstance(out[key], str):
            out[key] = out[key].strip()
    for key in ("investment_planned", "investment_signed", "investment_in_place"):
        if out.get(key) is not None:
            out[key] = _cents(out[key])
    if "funding_sources" in out:
        out["funding_sources"] = sorted(set(out["funding_sources"] or []), key=_source_order)
    return out


def _cents(value):
    """An amount in 万元 with its two decimals (so messages and comparisons read 20.00, not 20)."""
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return value  # left for validation to name


def _source_order(code: str) -> int:
    from .models import FundingSource

    return FundingSource.values.index(code) if code in FundingSource.values else 99


def create_project(*, user, pairing: Pairing, **fields) -> Project:
    """Record a major project for ``pairing``."""
    return _create_record(Project, user=user, pairing=pairing, fields=fields)


def update_project(*, project: Project, user, expected_version: int, **changes) -> Project:
    """Edit a project; a stale version is refused with StaleObjectError (nothing is overwritten)."""
    return _update_record(project, user=user, expected_version=expected_version, changes=changes)


def add_milestone(
    *, project: Project, user, name: str, due_date: datetime.date, done_date: datetime.date | None = None
) -> Milestone:
    scoping.require(user, scoping.Action.CHANGE, project)
    milestone = Milestone(project=project, name=name.strip(), due_date=due_date, done_date=done_date)
    with transaction.atomic(), set_actor(audit_actor(user)):
        milestone.full_clean()
        save_checked(milestone)
    return milestone


def update_milestone(
    *, milestone: Milestone, user, name: str, due_date: datetime.date, done_date: datetime.date | None
) -> Milestone:
    scoping.require(user, scoping.Action.CHANGE, milestone)
    with transaction.atomic(), set_actor(audit_actor(user)):
        fresh = Milestone.objects.select_for_update().get(pk=milestone.pk)
        fresh.name, fresh.due_date, fresh.done_date = name.strip(), due_date, done_date
        fresh.full_clean()
        save_checked(fresh)
    return fresh


def complete_milestone(*, milestone: Milestone, user, done_date: datetime.date | None = None) -> Milestone:
    return update_milestone(
        milestone=milestone,
        user=user,
        name=milestone.name,
        due_date=milestone.due_date,
        done_date=done_date or timezone.localdate(),
    )


def _check_evidence(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    files = [f for f in files if f is not None]
    errors = []
    for f in files:
        name = os.path.basename(f.name or "")
        ext = os.path.splitext(name)[1].lower()
        if ext not in EVIDENCE_EXTENSIONS:
            errors.append(f"佐证材料「{name}」的格式不支持（可上传 {' '.join(EVIDENCE_EXTENSIONS)}）")
        elif too_big := size_error(name, f.size):
            errors.append(f"佐证材料{too_big}")
        elif f.size == 0:
            errors.append(f"佐证材料「{name}」是空文件")
    if errors:
        raise ValidationError({"files": errors})
    return files


def add_progress_update(
    *, project: Project, user, date: datetime.date, text: str, files: Iterable[UploadedFile] = ()
) -> ProgressUpdate:
    """A dated progress report; each evidence file is stored under MEDIA_ROOT with its SM3 digest."""
    scoping.require(user, scoping.Action.CHANGE, project)
    files = _check_evidence(files)
    update = ProgressUpdate(project=project, date=date, text=(text or "").strip(), created_by=audit_actor(user))
    update.full_clean()
    with transaction.atomic(), set_actor(audit_actor(user)):
        update.save()
        for f in files:
            add_evidence(update=update, upload=f)
    return update


def add_evidence(*, update: ProgressUpdate, upload: UploadedFile) -> Evidence:
    """Store one file; the digest is computed over the bytes as stored."""
    upload.seek(0)
    digest = sm3_file(upload)
    upload.seek(0)
    name = os.path.basename(upload.name or "file")[:255]
    evidence = Evidence(update=update, name=name, size=upload.size, sm3=digest)
    # Stored under a name of its own (from the digest), so that no upload can pick its path.
    ext = os.path.splitext(name)[1].lower()[:10]
    evidence.file.save(f"{digest[:32]}{ext}", upload, save=False)
    evidence.save()
    return evidence


def verify_evidence(evidence: Evidence) -> bool:
    """Whether the stored file still has the digest recorded when it was uploaded."""
    try:
        with evidence.file.open("rb") as handle:
            return sm3_file(handle) == evidence.sm3
    except (FileNotFoundError, OSError):
        return False


# --- fund transactions ------------------------------------------------------------------------------------------


def add_fund_transaction(
    *,
    project: Project,
    user,
    kind: str,
    date: datetime.date,
    amount_wan,
    source: str,
    provider: str = "",
    receiver: str = "",
    reference: str = "",
    note: str = "",
) -> FundTransaction:
    """Record one dated commitment, disbursement or expenditure of ``project`` (dated within the project's life)."""
    scoping.require(user, scoping.Action.CHANGE, project)
    record = FundTransaction(
        project=project,
        kind=kind,
        date=date,
        amount_wan=_cents(amount_wan) if amount_wan is not None else None,
        source=source,
        provider=(provider or "").strip(),
        receiver=(receiver or "").strip(),
        reference=(reference or "").strip(),
        note=(note or "").strip(),
    )
    with transaction.atomic(), set_actor(audit_actor(user)):
        record.full_clean()
        save_checked(record)  # the same transaction sent twice at once: the second is refused as full_clean refuses it
    return record


def cancel_fund_transaction(
    *, fund_transaction: FundTransaction, user, expected_version: int, reason: str
) -> FundTransaction:
    """Cancel a wrong transaction with the reason (it stays, marked 已作废, and no longer counts); a stale version is
    refused with StaleObjectError."""
    scoping.require(user, scoping.Action.CHANGE, fund_transaction)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("作废资金往来「%(row)s」须填写原因") % {"row": fund_transaction.describe()}})
    if fund_transaction.status == FundTransaction.Status.CANCELLED and fund_transaction.version == expected_version:
        raise ValidationError(_("资金往来「%(row)s」已作废") % {"row": fund_transaction.describe()})
    changes = {
        "status": FundTransaction.Status.CANCELLED,
        "cancel_reason": reason,
        "cancelled_by": audit_actor(user),
        "cancelled_at": timezone.now(),
    }
    with set_actor(audit_actor(user)):
        return save_versioned(fund_transaction, expected_version=expected_version, changes=changes)


# --- activities -------------------------------------------------------------------------------------------


def _normalise_activity(fields: dict) -> dict:
    """Blank text becomes NULL, so a typed column is either set or empty (the database checks which)."""
    out = dict(fields)
    for key, value in out.items():
        if isinstance(value, str):
            value = value.strip()
            if key in TYPED_FIELDS and value == "":
                value = None
            out[key] = value
    return out


def create_activity(*, user, pairing: Pairing, **fields) -> Activity:
    return _create_record(Activity, user=user, pairing=pairing, fields=fields)


def update_activity(*, activity: Activity, user, expected_version: int, **changes) -> Activity:
    return _update_record(activity, user=user, expected_version=expected_version, changes=changes)


# --- both: a project or an activity is recorded for a pairing, and edited with a version check ----------------

# what each kind of record takes, and how its values are normalised before they are checked
RECORDS = {Project: (PROJECT_FIELDS, _normalise_project), Activity: (ACTIVITY_FIELDS, _normalise_activity)}


def _record_fields(model, fields: dict) -> dict:
    allowed, normalise = RECORDS[model]
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown {model._meta.model_name} fields: {sorted(unknown)}")
    return normalise(fields)


def _create_record(model, *, user, pairing: Pairing, fields: dict):
    require_pairing_change(user, pairing)
    record = model(pairing=pairing, **_record_fields(model, fields))
    with transaction.atomic(), set_actor(audit_actor(user)):
        record.full_clean()
        save_checked(record)  # one of the same name saved at the same moment: refused as full_clean refuses it
    return record


def _update_record(record, *, user, expected_version: int, changes: dict):
    scoping.require(user, scoping.Action.CHANGE, record)
    changes = _record_fields(type(record), changes)
    with set_actor(audit_actor(user)):
        return save_versioned(record, expected_version=expected_version, changes=changes)
