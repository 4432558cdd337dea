"""Scoped reads of the matching markets: every list a page or the API shows starts here."""

from django.db.models import QuerySet

from duikou.accounts import scoping

from .models import Demand, JobPosting, JobSeeker, ListingStatus, ProductListing


def open_listings(user) -> QuerySet[ProductListing]:
    return scoping.scope(user, ProductListing).filter(status=ListingStatus.OPEN)


def open_demands(user) -> QuerySet[Demand]:
    return scoping.scope(user, Demand).filter(status=ListingStatus.OPEN)


def open_postings(user) -> QuerySet[JobPosting]:
    return scoping.scope(user, JobPosting).filter(status=ListingStatus.OPEN)


def seekers_for(user) -> QuerySet[JobSeeker]:
    return scoping.scope(user, JobSeeker)


def overview(user) -> dict[str, int]:
    return {
        "listings": open_listings(user).count(),
        "demands": open_demands(user).count(),
        "postings": open_postings(user).count(),
        "seekers": seekers_for(user).filter(status=JobSeeker.Status.SEEKING).count(),
    }


# ---- labour cooperation ---------------------------------------------------------------------------------------------


def postings_for(
    user,
    *,
    q: str = "",
    status: str = "",
    occupation: str = "",
    city: str = "",
    action: scoping.Action = scoping.Action.VIEW,
) -> QuerySet[JobPosting]:
    from django.db.models import Count
    from django.db.models import Q as Where

    from .models import Placement

    qs = scoping.scope(user, JobPosting, action).select_related("region__parent")
    if status:
        qs = qs.filter(status=status)
    if occupation:
        qs = qs.filter(occupation=occupation)
    if city:
        qs = qs.filter(region__code__startswith=city[:4])
    if q:
        qs = qs.filter(Where(employer__contains=q) | Where(title__contains=q) | Where(region__name__contains=q))
    placed = Count("placements", filter=Where(placements__status=Placement.Status.EMPLOYED))
    return qs.annotate(placed=placed).order_by("-created", "-pk")


def posting_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> JobPosting:
    return scoping.get_for(user, JobPosting.objects.select_related("region__parent"), action, pk=pk)


def find_seekers(
    user, *, q: str = "", status: str = "", occupation: str = "", skill: str = "", home: str = ""
) -> QuerySet[JobSeeker]:
    """Seekers the user answers for; ``q`` is a name or a full ID number (matched by its digest)."""
    from django.core.exceptions import ValidationError

    from duikou.monitoring import pii

    qs = seekers_for(user).select_related("home__parent")
    if status:
        qs = qs.filter(status=status)
    if home:
        qs = qs.filter(home__code__startswith=home)
    if occupation:
        qs = qs.filter(pk__in=[s.pk for s in qs.only("pk", "occupations") if occupation in s.occupations])
    if skill:
        qs = qs.filter(pk__in=[s.pk for s in qs.only("pk", "skills", "trainings") if skill in s.skills + s.trainings])
    if q:
        try:
            qs = qs.filter(id_number_digest=pii.digest(pii.normalise_id_number(q)))
        except ValidationError:
            qs = qs.filter(name__contains=q)
    return qs.order_by("-created", "-pk")


def seeker_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> JobSeeker:
    return scoping.get_for(user, JobSeeker.objects.select_related("home__parent"), action, pk=pk)


PLACEMENT_RELATED = ("seeker__home__parent", "posting__region__parent", "pairing", "activity")


def placements_for(user, *, status: str = "", pairing: int | None = None, q: str = ""):
    from .models import Placement

    qs = scoping.scope(user, Placement).select_related(*PLACEMENT_RELATED)
    if status:
        qs = qs.filter(status=status)
    if pairing:
        qs = qs.filter(pairing_id=pairing)
    if q:
        qs = qs.filter(posting__employer__contains=q) | qs.filter(posting__title__contains=q)
    return qs.order_by("-start_date", "-pk")


def placement_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW):
    from .models import Placement

    return scoping.get_for(user, Placement.objects.select_related(*PLACEMENT_RELATED), action, pk=pk)


def followups_due(user, *, today=None, within: int = 30, overdue_only: bool = False):
    """Follow-ups not yet done and due within ``within`` days (or overdue), oldest first."""
    import datetime

    from django.utils import timezone

    from .models import FollowUp

    today = today or timezone.localdate()
    limit = today if overdue_only else today + datetime.timedelta(days=within)
    qs = scoping.scope(user, FollowUp).filter(done_on__isnull=True)
    qs = qs.filter(due__lt=today) if overdue_only else qs.filter(due__lte=limit)
    return qs.select_related("placement__seeker__home__parent", "placement__posting__region").order_by("due", "pk")


def followup_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW):
    from .models import FollowUp

    return scoping.get_for(
        user, FollowUp.objects.select_related("placement__seeker", "placement__posting"), action, pk=pk
    )


def seeker_by_id_number(user, id_number: str, action: scoping.Action = scoping.Action.CHANGE) -> JobSeeker | None:
    """The seeker registered with this ID number among those the user may ``action`` (found by its keyed digest;
    an invalid number finds nobody)."""
    from django.core.exceptions import ValidationError

    from duikou.monitoring import pii

    try:
        digest = pii.digest(pii.normalise_id_number(id_number))
    except ValidationError:
        return None
    return scoping.scope(user, JobSeeker, action).filter(id_number_digest=digest).first()
