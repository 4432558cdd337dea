"""Scoped reads of self-assessments and cross-checks (every one through the scoping layer)."""

from django.db.models import QuerySet
from django.http import Http404

from duikou.accounts import scoping
from duikou.pairings.models import Pairing

from .. import inputs
from ..models import CrossCheck, Finding, Scheme, SelfAssessment, SelfAssessmentEntry, Side


def pairings_of(user, scheme: Scheme) -> QuerySet[Pairing]:
    """The pairings the scheme evaluates that the user may see."""
    return (
        scoping.scope(user, Pairing)
        .filter(pk__in=inputs.pairings_evaluated(scheme).values("pk"))
        .select_related("old_region", "partner_region")
        .order_by("level", "code")
    )


def pairing_of(user, scheme: Scheme, pairing_pk: int) -> Pairing:
    return scoping.get_for(user, pairings_of(user, scheme), pk=pairing_pk)


def assessments_for(user, scheme: Scheme) -> QuerySet[SelfAssessment]:
    return (
        scoping.scope(user, SelfAssessment)
        .filter(scheme=scheme)
        .select_related("scheme", "pairing__old_region", "pairing__partner_region")
    )


def assessment_of(user, scheme: Scheme, pairing: Pairing, side: str) -> SelfAssessment | None:
    """The side's self-assessment, None while not begun; 404 for a side that is not one."""
    if side not in Side.values:
        raise Http404("no such side")
    return assessments_for(user, scheme).filter(pairing=pairing, side=side).first()


def cross_checks_for(user, scheme: Scheme | None = None) -> QuerySet[CrossCheck]:
    qs = scoping.scope(user, CrossCheck).select_related(
        "scheme", "pairing__old_region", "pairing__partner_region", "reviewer"
    )
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    return qs.order_by("scheme_id", "pairing__code")


def cross_check_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> CrossCheck:
    return scoping.get_for(
        user,
        CrossCheck.objects.select_related("scheme", "pairing__old_region", "pairing__partner_region", "reviewer"),
        action,
        pk=pk,
    )


def assessment_by_pk(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> SelfAssessment:
    return scoping.get_for(
        user,
        SelfAssessment.objects.select_related("scheme", "pairing__old_region", "pairing__partner_region"),
        action,
        pk=pk,
    )


def self_assessed_for_check(user, check: CrossCheck) -> QuerySet[SelfAssessmentEntry]:
    """What the pairing's two sides said of the sampled items, for those who may read the cross-check: the reviewers
    of another province read the self-assessments through the cross-check they were assigned, not by place."""
    if not scoping.can(user, scoping.Action.VIEW, check):
        return SelfAssessmentEntry.objects.none()
    return (
        SelfAssessmentEntry.objects.filter(
            assessment__scheme_id=check.scheme_id, assessment__pairing_id=check.pairing_id, item_id__in=check.sample
        )
        .exclude(assessment__status=SelfAssessment.Status.DRAFT)
        .select_related("assessment")
        .order_by("item_id", "assessment__side")
    )


def entries_for(user, scheme: Scheme) -> QuerySet[SelfAssessmentEntry]:
    """Every item of the scheme's self-assessments the user may see, with the partner's opinion on it."""
    return (
        scoping.scope(user, SelfAssessmentEntry)
        .filter(assessment__scheme=scheme)
        .select_related("assessment__pairing__old_region", "assessment__pairing__partner_region", "item")
        .order_by("assessment__pairing__code", "item__order", "item_id", "assessment__side")
    )


def findings_for(user, scheme: Scheme) -> QuerySet[Finding]:
    """The cross-checks' findings of the scheme the user may see."""
    return (
        scoping.scope(user, Finding)
        .filter(cross_check__scheme=scheme)
        .select_related("cross_check__pairing__old_region", "cross_check__pairing__partner_region")
        .select_related("cross_check__reviewer", "item")
        .order_by("cross_check__pairing__code", "item__order", "item_id")
    )
