"""The overview of the three kinds of matching; each subject's own reads are in its ``queries.py``."""

from duikou.markets.labour import queries as labour_queries
from duikou.markets.produce import queries as produce_queries

from .models import JobSeeker


def overview(user) -> dict[str, int]:
    return {
        "listings": produce_queries.open_listings(user).count(),
        "demands": produce_queries.open_demands(user).count(),
        "postings": labour_queries.open_postings(user).count(),
        "seekers": labour_queries.seekers_for(user).filter(status=JobSeeker.Status.SEEKING).count(),
    }
