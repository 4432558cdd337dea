"""Scoped reads of 劳务协作 (postings, job seekers, placements, follow-ups): every list a page or the API shows starts
here."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core import pii
from duikou.core.querysets import filter_given, search

from ..models import FollowUp, JobPosting, JobSeeker, ListingStatus, MatchRun, Placement, StoredMatch


def open_postings(user) -> QuerySet[JobPosting]:
    return scoping.scope(user, JobPosting).filter(status=ListingStatus.OPEN)


def seekers_for(user) -> QuerySet[JobSeeker]:
    return scoping.scope(user, JobSeeker)


def postings_for(
    user,
    *,
    q: str = "",
    status: str = "",
    occupation: str = "",
    city: str = "",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[JobPosting]:
    qs = scoping.scope(user, JobPosting, action).select_related("region__parent")
    qs = filter_given(qs, status=status, occupation=occupation, region__code__startswith=city[:4])
    qs = search(qs, q, "employer__contains", "title__contains", "region__name__contains")
    placed = Count("placements", filter=Q(placements__status=Placement.Status.EMPLOYED))
    return qs.annotate(placed=placed).order_by("-created", "-pk")


def posting_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> JobPosting:
    return scoping.get_for(user, JobPosting.objects.select_related("region__parent"), action, pk=pk)


def find_seekers(
    user,
    *,
    q: str = "",
    id_number: str = "",
    status: str = "",
    occupation: str = "",
    skill: str = "",
    home: str = "",
) -> QuerySet[JobSeeker]:
    """Seekers the user answers for; ``q`` is part of a name, ``id_number`` a full ID number (matched by its digest;
    one that is not valid finds nobody). An ID number comes from a request body, never from a URL: a URL is kept
    in access logs and browser histories."""
    qs = filter_given(seekers_for(user).select_related("home__parent"), status=status, home__code__startswith=home)
    if occupation:
        qs = lists_holding(qs, ("occupations",), occupation)
    if skill:
        qs = lists_holding(qs, ("skills", "trainings"), skill)
    if q:
        qs = qs.filter(name__contains=q)
    if id_number:
        try:
            qs = qs.filter(id_number_digest=pii.digest(pii.normalise_id_number(id_number)))
        except ValidationError:
            qs = qs.none()
    return qs.order_by("-created", "-pk")


def lists_holding(qs: QuerySet, fields: tuple[str, ...], code: str) -> QuerySet:
    """The rows whose JSON list in any of ``fields`` holds ``code``, decided by the database on SQLite and
    PostgreSQL alike: a list's JSON text holds the code in double quotes (codes are plain lower-case words, which
    JSON writes as they are)."""
    if not re.fullmatch(r"[a-z0-9_]+", code or ""):
        return qs.none()
    texts = {f"{name}_json_text": Cast(name, TextField()) for name in fields}
    holds = Q()
    for alias in texts:
        holds |= Q(**{f"{alias}__contains": f'"{code}"'})
    return qs.alias(**texts).filter(holds)


def seeker_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> JobSeeker:
    return scoping.get_for(user, JobSeeker.objects.select_related("home__parent"), action, pk=pk)


PLACEMENT_RELATED = ("seeker__home__parent", "posting__region__parent", "pairing", "activity")


def placements_for(user, *, status: str = "", pairing: int | None = None, q: str = ""):
    qs = scoping.scope(user, Placement).select_related(*PLACEMENT_RELATED)
    qs = filter_given(qs, status=status, pairing_id=pairing)
    qs = search(qs, q, "posting__employer__contains", "posting__title__contains")
    return qs.order_by("-start_date", "-pk")


def placement_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW):
    return scoping.get_for(user, Placement.objects.select_related(*PLACEMENT_RELATED), action, pk=pk)


def followups_due(user, *, today=None, within: int = 30, overdue_only: bool = False):
    """Follow-ups not yet done and due within ``within`` days (or overdue), oldest first."""
    today = today or timezone.localdate()
    limit = today if overdue_only else today + datetime.timedelta(days=within)
    qs = scoping.scope(user, FollowUp).filter(done_on__isnull=True)
    qs = qs.filter(due__lt=today) if overdue_only else qs.filter(due__lte=limit)
    return qs.select_related("placement__seeker__home__parent", "placement__posting__region").order_by("due", "pk")


def followup_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW):
    return scoping.get_for(
        user, FollowUp.objects.select_related("placement__seeker", "placement__posting"), action, pk=pk
    )


def seeker_by_id_number(user, id_number: str, action: scoping.Action = scoping.Action.CHANGE) -> JobSeeker | None:
    """The seeker registered with this ID number among those the user may ``action`` (found by its keyed digest;
    an invalid number finds nobody)."""
    try:
        digest = pii.digest(pii.normalise_id_number(id_number))
    except ValidationError:
        return None
    return scoping.scope(user, JobSeeker, action).filter(id_number_digest=digest).first()


def with_remaining(qs: QuerySet[JobPosting]) -> QuerySet[JobPosting]:
    """Postings with ``placed`` (people in post) and ``remaining`` (headcount − placed)."""
    return qs.annotate(placed=Count("placements", filter=Q(placements__status=Placement.Status.EMPLOYED)))


def remaining(posting: JobPosting) -> int:
    placed = posting.placements.filter(status=Placement.Status.EMPLOYED).count()
    return max(posting.headcount - placed, 0)


def latest_match_run() -> MatchRun | None:
    """The finished match run whose stored rows the match pages read (``runs.py``); not personal, not scoped."""
    return (
        MatchRun.objects.filter(market=MatchRun.Market.LABOUR, status=MatchRun.Status.DONE)
        .order_by("-finished", "-pk")
        .first()
    )


def stored_matches(run: MatchRun, side: int, listing_id: int, k: int) -> list[tuple[int, int, int]]:
    """(rank, counterpart id, score in hundredths) of a listing's stored top k, best first: one read of the
    (run, side, listing, rank) index. The caller scopes the counterparts it shows."""
    rows = StoredMatch.objects.filter(run=run, side=side, listing_id=listing_id).order_by("rank")
    return list(rows.values_list("rank", "counterpart_id", "score")[:k])


def open_postings_with_room(user, today: datetime.date | None = None) -> QuerySet[JobPosting]:
    today = today or timezone.localdate()
    qs = scoping.scope(user, JobPosting).filter(status=ListingStatus.OPEN, valid_until__gte=today)
    return with_remaining(qs.select_related("region__parent")).order_by("pk")


# ---- what the placements add up to, beside the reported 劳务协作人数 (indicators.records) ------------------------
# The groups of the indicator's breakdown (data/indicators/breakdowns.json, 人群): a placed worker whose ID number
# digest is a member of a household of the monitoring registry counts as 监测对象 when the household is a monitoring
# object (it has a monitoring category), as 脱贫人口 when it is in the registry without one; anyone else as 其他.
LIFTED, MONITORED, OTHER = "lifted", "monitored", "other"


def _placed(user, *, pairing: int, since: datetime.date, until: datetime.date) -> QuerySet[Placement]:
    return scoping.scope(user, Placement).filter(pairing_id=pairing, start_date__gte=since, start_date__lte=until)


def placed_by_group(user, *, pairing: int, since: datetime.date, until: datetime.date) -> dict[str, int]:
    """Workers placed through the pairing with a start date in [since, until], by group of the 人群 breakdown
    ({option code: count}; they add up to all placed), matched to the monitoring registry by ID number digest: only
    the category of the matching household is read, nothing of the person."""
    from duikou.monitoring.models import Member

    members = Member.objects.filter(id_number_digest=OuterRef("seeker__id_number_digest"))
    rows = _placed(user, pairing=pairing, since=since, until=until).annotate(
        registered=Exists(members), category=Subquery(members.values("household__category")[:1])
    )
    counts = {LIFTED: 0, MONITORED: 0, OTHER: 0}
    for registered, category in rows.values_list("registered", "category"):
        counts[(MONITORED if category else LIFTED) if registered else OTHER] += 1
    return counts
