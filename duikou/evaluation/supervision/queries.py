"""Every read of supervision scoped to a user: notices, the national desk and commendations.

A run and its results are read through ``evaluation.queries`` (``run_for``, ``results_for``), as the run's own pages do.
"""

import datetime
import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core.querysets import filter_given, search

from .. import queries as evaluation_queries
from ..models import Commendation, Notice, Run

A = scoping.Action
S = Notice.Status


def notices_for(
    user,
    *,
    status: str = "",
    overdue: bool | None = None,
    major: bool | None = None,
    level: str = "",
    q: str = "",
    run: Run | int | None = None,
    batch: uuid.UUID | None = None,
    pairing: int | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Notice]:
    """Notices the user may see; ``status`` may also be ``open``; ``batch``: those issued together at once;
    ``pairing``: those of one pairing (by id)."""
    today = today or timezone.localdate()
    qs = scoping.scope(user, Notice).select_related(
        "pairing__old_region", "pairing__partner_region", "responsible", "run__scheme"
    )
    if status == "open":
        qs = qs.exclude(status=S.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if overdue is True:
        qs = qs.exclude(status=S.CLOSED).filter(step_due__lt=today)
    elif overdue is False:
        qs = qs.filter(Q(status=S.CLOSED) | Q(step_due__gte=today))
    if major is not None:
        qs = qs.filter(major=major)
    qs = filter_given(qs, supervision_level=level)
    if run is not None:
        qs = qs.filter(run=run)
    if batch is not None:
        qs = qs.filter(batch=batch)
    if pairing is not None:
        qs = qs.filter(pairing_id=pairing)
    qs = search(
        qs,
        q,
        "number__contains",
        "finding__contains",
        "pairing__old_region__name__contains",
        "pairing__partner_region__name__contains",
        "responsible__name__contains",
    )
    if batch is not None:  # a batch reads in the order it was numbered
        return qs.order_by("pk")
    return qs.order_by("step_due", "pk")


def batch_candidates(user, run: Run, *, grade: str = "", q: str = "", without_notice: bool = False) -> QuerySet:
    """The results of ``run`` whose pairings may be issued a notice (every pairing of the run's results the user
    sees, as for a single notice), each with ``notice_count``: the notices this run has issued to it so far."""
    qs = evaluation_queries.results_for(user, run).annotate(
        notice_count=Count("run__notices", filter=Q(run__notices__pairing=F("pairing")), distinct=True)
    )
    qs = filter_given(qs, grade=grade)
    qs = search(qs, q, "pairing__old_region__name__contains", "pairing__partner_region__name__contains")
    if without_notice:
        qs = qs.filter(notice_count=0)
    return qs


def notice_for(user, pk: int, action: scoping.Action = A.VIEW) -> Notice:
    return scoping.get_for(
        user,
        Notice.objects.select_related(
            "pairing__old_region", "pairing__partner_region", "responsible", "run__scheme", "issued_by"
        ),
        action,
        pk=pk,
    )


def is_national_overseer(user) -> bool:
    return scoping.may(user, A.VIEW) and scoping.region_prefix(user) is None


def national_desk(user, *, include_closed: bool = False) -> QuerySet[Notice]:
    """Major or escalated notices: the national overseer's desk (nobody else's)."""
    if not is_national_overseer(user):
        raise PermissionDenied("国家督办台仅供国家发展改革委（振兴司）使用")
    qs = notices_for(user, status="" if include_closed else "open").filter(
        Q(major=True) | Q(supervision_level=Notice.Level.NATIONAL)
    )
    return qs


def commendations_for(user, run: Run) -> QuerySet[Commendation]:
    return (
        scoping.scope(user, Commendation)
        .filter(run=run)
        .select_related("pairing__old_region", "pairing__partner_region", "created_by")
        .order_by("pairing__code")
    )


def is_overdue(notice: Notice, today: datetime.date | None = None) -> bool:
    return notice.open and notice.step_due < (today or timezone.localdate())
