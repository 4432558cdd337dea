"""Feedback's writes: a message from the public (no sign-in, nothing personal asked or kept) and the moderators'
steps (``workflow``), each in one transaction with its audit entry; a step that changes what the public page shows
raises the public site's cache generation in the same transaction, so the page changes at once on every process."""

import re
import unicodedata

from auditlog.context import set_actor as audit_without_address
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_versioned
from duikou.core.errors import StaleObjectError, UserFacingError

from ..models import FEEDBACK_MAX, Feedback
from ..services import bump_generation
from . import PublicSubject
from .workflow import VISIBLE, WORKFLOW

REASON_MAX = 500

# what the public must not post (and a moderator's reply must not publish): an ID number's pattern (18 characters,
# the last may be X) and a mainland mobile number's (11 digits from 13…19…), also when written with spaces or dashes
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])")
SEPARATORS = re.compile(r"(?<=[0-9])[\s\-‐–—.·]+(?=[0-9Xx])")


def personal_data(text: str) -> str:
    """Why ``text`` may not be published (an ID number or a mobile number in it), or "". Full-width digits count."""
    plain = unicodedata.normalize("NFKC", text)
    for candidate in (plain, SEPARATORS.sub("", plain)):
        if ID_NUMBER.search(candidate):
            return _("内容中有身份证号码（18 位数字）。为保护个人信息，请删去后再提交。")
        if MOBILE.search(candidate):
            return _("内容中有手机号码（11 位数字）。为保护个人信息，请删去后再提交。")
    return ""


def check_text(text: str, *, what: str, required: bool = True) -> str:
    """``text`` stripped, or a ValidationError naming ``what`` and the problem: empty, too long, personal data."""
    text = (text or "").strip()
    if not text:
        if required:
            raise ValidationError(_("请填写%(what)s。") % {"what": what})
        return ""
    if len(text) > FEEDBACK_MAX:
        raise ValidationError(
            _("%(what)s最多 %(most)d 字，现有 %(n)d 字。") % {"what": what, "most": FEEDBACK_MAX, "n": len(text)}
        )
    problem = personal_data(text)
    if problem:
        raise ValidationError(problem)
    return text


def post_feedback(*, subject: PublicSubject, body: str, language: str) -> Feedback:
    """Keep a message from the public about ``subject`` (a public subject, ``feedback.resolve``), pending moderation:
    its text, the subject's title as the page showed it, the page's language and the time — nothing about the sender.
    Refused (ValidationError) when the text is empty, too long, or holds an ID or mobile number."""
    text = check_text(body, what=_("留言内容"))
    item = Feedback(
        subject_kind=subject.kind,
        subject_id=subject.id,
        subject_title=str(subject.title)[:300],
        pairing=subject.pairing,
        region=subject.region,
        body=text,
        language=(language or "")[:10],
    )
    # the audit entry names no one and, unlike a signed-in user's, no address: the sender stays unknown
    with transaction.atomic(), audit_without_address(None, remote_addr=None, remote_port=None):
        item.save()
    return item


def moderate(
    *, user, item: Feedback, step: str, version: int | None, reason: str = "", reply: str | None = None
) -> Feedback:
    """Take the moderation ``step`` (show, reject, hide, reply) on ``item`` as it was at ``version`` (the version the
    moderator's page showed). Of two moderators acting on the same message at once, one wins; the other is told who
    was faster and nothing of theirs is written. ``reason`` (internal, never public) is needed to reject or hide;
    ``reply`` (public, under the message) may come with showing, or on its own."""
    if step not in WORKFLOW:
        raise UserFacingError(_("没有这项审核操作。"))
    if version != item.version:
        raise UserFacingError(_stale(item))
    WORKFLOW.require(user, item, step)
    target = WORKFLOW[step].target
    now = timezone.now()
    changes: dict = {}
    if target is not None:
        changes.update(status=target, moderated_by=user, moderated_at=now)
    if step in ("reject", "hide"):
        reason = (reason or "").strip()
        if not reason:
            raise UserFacingError(_("请填写理由（只在内部记录，不公开）。"))
        if len(reason) > REASON_MAX:
            raise UserFacingError(_("理由最多 %(most)d 字。") % {"most": REASON_MAX})
        changes["reason"] = reason
    elif step == "show":
        changes["reason"] = ""  # the earlier refusal's reason stays in the audit history
    if step == "reply" or (step == "show" and (reply or "").strip()):
        try:
            text = check_text(reply or "", what=_("答复"), required=False)
        except ValidationError as exc:
            raise UserFacingError(exc.messages[0]) from exc
        changes.update(reply=text, replied_at=now if text else None)
    with transaction.atomic(), set_actor(audit_actor(user)):
        try:
            fresh = save_versioned(item, expected_version=version, changes=changes)
        except StaleObjectError as exc:
            raise UserFacingError(_stale(item)) from exc
        if step in VISIBLE or fresh.status == Feedback.Status.SHOWN:
            bump_generation()
    return fresh


def _stale(item: Feedback) -> str:
    current = Feedback.objects.filter(pk=item.pk).first()
    status = current.get_status_display() if current else ""
    return _("这条留言刚由他人处理过（现为「%(status)s」），您的操作没有执行；请查看最新状态后再决定。") % {
        "status": status
    }
