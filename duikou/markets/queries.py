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
