"""Feedback from the public (公众留言) on the public site's subjects, and the registry of those subjects.

A subject is anything with a public page the public may comment on: a pairing's page now, a red-culture resource
later. Its app registers it once, in its ``AppConfig.ready``::

    from duikou.publication import feedback
    feedback.register_subject("resource", resolve)

where ``resolve(subject_id)`` returns a ``PublicSubject`` (title, public URL, and the pairing and/or region whose
approvers moderate what is said about it) while the subject is public, and None otherwise (a withdrawn or unknown
subject takes no feedback and its page shows none). Its public page then shows the section of approved feedback and
the form (``public_views.section``), and the form posts to ``public:feedback`` with the kind and id.

The pieces: ``services`` (posting and moderating), ``queries`` (the moderators' scoped list, the public read of what
was approved), ``views`` (the moderation page), ``public_views`` (the form's page and the section), ``workflow``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the registry is imported by apps' ready(); it loads no models itself
    from duikou.geo.models import Region
    from duikou.pairings.models import Pairing


@dataclass(frozen=True)
class PublicSubject:
    """What feedback needs of a public subject: its title as the public page shows it, that page's address, and who
    answers for it (a pairing, a region, or both: the approvers in scope of either moderate)."""

    kind: str
    id: int
    title: str
    url: str
    pairing: "Pairing | None" = None
    region: "Region | None" = None


Resolver = Callable[[int], PublicSubject | None]
_SUBJECTS: dict[str, Resolver] = {}
KIND_MAX = 20  # characters of a kind (``Feedback.subject_kind``)


def register_subject(kind: str, resolve: Resolver) -> None:
    """Let the public comment on subjects of ``kind`` (a short slug: "pairing", "resource"); ``resolve(id)`` gives the
    subject while it is public, None otherwise. A kind is registered once."""
    if not kind or len(kind) > KIND_MAX or not kind.replace("_", "").isalnum() or not kind.islower():
        raise ValueError(f"feedback subject kind {kind!r}: a lowercase slug of at most {KIND_MAX} characters")
    if kind in _SUBJECTS and _SUBJECTS[kind] is not resolve:
        raise ValueError(f"feedback subject kind {kind!r} is registered already")
    _SUBJECTS[kind] = resolve


def kinds() -> list[str]:
    return list(_SUBJECTS)


def resolve(kind: str, subject_id: int) -> PublicSubject | None:
    """The public subject ``kind``/``subject_id``, or None when there is no such kind, no such subject, or it is not
    public now."""
    resolver = _SUBJECTS.get(kind)
    if resolver is None:
        return None
    return resolver(subject_id)
