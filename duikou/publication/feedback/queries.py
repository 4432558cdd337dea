"""Feedback's reads: the moderators' list (scoped: the approvers of the subject's pairing or region) and the public
read of what was approved for one subject (no user: it is what the public page shows)."""

from django.db.models import QuerySet

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search

from ..models import Feedback


def feedback_for(user, *, status: str = "", q: str = "", kind: str = "") -> QuerySet[Feedback]:
    """The messages ``user`` may moderate (approve right in scope of the subject), newest first; ``status`` one of
    ``Feedback.Status``, ``q`` words of the text, the reply or the subject's title."""
    qs = scoping.scope(user, Feedback, scoping.Action.APPROVE).select_related("moderated_by__organisation")
    qs = search(qs, (q or "").strip()[:100], "body__icontains", "subject_title__icontains", "reply__icontains")
    return filter_given(
        qs,
        status=status if status in Feedback.Status.values else "",
        subject_kind=kind[:20],
    ).order_by("-created", "-pk")


def feedback_item_for(user, pk) -> Feedback:
    """One message to moderate: 404 outside the user's area, 403 inside it without the approve right."""
    return scoping.get_for(user, Feedback, scoping.Action.APPROVE, pk=pk)


def pending_for(user) -> QuerySet[Feedback]:
    """What waits for ``user``'s moderation, oldest first (the to-do list)."""
    return feedback_for(user, status=Feedback.Status.PENDING).order_by("created", "pk")


def shown_feedback(kind: str, subject_id: int) -> QuerySet[Feedback]:
    """The approved messages of one public subject, oldest first, as its public page shows them (text, date and
    reply only)."""
    return Feedback.objects.filter(subject_kind=kind, subject_id=subject_id, status=Feedback.Status.SHOWN).order_by(
        "created", "pk"
    )
