"""Publishing and withdrawing (every write of the app): checked against the workflow table, written with the audit
entry and the public site's new generation in one transaction."""

from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.errors import UserFacingError

from .models import Generation, Publication
from .workflow import KINDS, WORKFLOW, Subject

PUBLIC = "public"


def subject_of(item: Model) -> Subject:
    """``item`` with its open publication and its latest one (open or withdrawn)."""
    kind = KINDS[type(item)]
    rows = Publication.objects.filter(kind=kind, pairing=item) if kind == "pairing" else None
    if rows is None:
        rows = Publication.objects.filter(kind=kind, **{kind: item})
    rows = list(rows.select_related("published_by__organisation", "withdrawn_by__organisation").order_by("-pk")[:1])
    last = rows[0] if rows else None
    return Subject(item, last if last and last.status == Publication.Status.PUBLISHED else None, last)


def bump_generation(name: str = PUBLIC) -> None:
    """Raise the public site's cache generation (in the caller's transaction): every process's next request builds
    its pages anew."""
    if not Generation.objects.filter(name=name).update(number=F("number") + 1):
        try:
            with transaction.atomic():
                Generation.objects.create(name=name, number=1)
        except IntegrityError:  # another process created it at the same moment
            Generation.objects.filter(name=name).update(number=F("number") + 1)


def publish(*, user, item: Model, secrecy_confirmed: bool, secrecy_note: str = "", demo: bool = False) -> Publication:
    """Publish ``item`` (a filed plan's summary, a major project, an approved or accepted report, a province-internal
    pairing) on the public site, recording the 保密审查 confirmation. Refused without the confirmation, for an item
    that may not be published, by a user who may not decide, and when it is already published."""
    subject = subject_of(item)
    WORKFLOW.require(user, subject, "publish")
    if not secrecy_confirmed:
        raise UserFacingError(_("公开前须确认已完成保密审查。"))
    kind = subject.kind
    publication = Publication(
        kind=kind,
        pairing=subject.pairing,
        secrecy_confirmed=True,
        secrecy_note=secrecy_note.strip(),
        demo=demo,
        published_by=user,
        published_at=timezone.now(),
        **({} if kind == "pairing" else {kind: item}),
    )
    try:
        with transaction.atomic(), set_actor(audit_actor(user)):
            publication.full_clean(validate_constraints=False)
            publication.save()
            bump_generation()
    except IntegrityError as exc:  # published by someone else since the page was read
        raise UserFacingError(_("该事项已公开。")) from exc
    return publication


def withdraw(*, user, item: Model, reason: str) -> Publication:
    """Withdraw ``item``'s publication: it leaves the public site on every process at once; the publication stays in
    the history with who withdrew it, when and why."""
    subject = subject_of(item)
    WORKFLOW.require(user, subject, "withdraw")
    reason = reason.strip()
    if not reason:
        raise UserFacingError(_("请填写撤回理由。"))
    with transaction.atomic(), set_actor(audit_actor(user)):
        fresh = Publication.objects.select_for_update().get(pk=subject.publication.pk)
        if fresh.status != Publication.Status.PUBLISHED:
            raise UserFacingError(_("该事项未公开或已撤回。"))
        fresh.status = Publication.Status.WITHDRAWN
        fresh.withdrawn_by, fresh.withdrawn_at, fresh.withdraw_reason = user, timezone.now(), reason
        fresh.version += 1
        fresh.save()
        bump_generation()
    return fresh
