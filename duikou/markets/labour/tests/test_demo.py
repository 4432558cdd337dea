import pytest
from django.core.management import call_command

from duikou.markets.models import JobPosting, JobSeeker

pytestmark = pytest.mark.django_db


def test_demo_markets_loads_labour_demo_once(capsys):
    call_command("demo-markets")
    postings, seekers = JobPosting.objects.count(), JobSeeker.objects.count()
    assert postings == 5 and seekers == 7
    assert all("演示" in p.employer for p in JobPosting.objects.all())
    assert all(s.name.endswith("（演示）") for s in JobSeeker.objects.all())
    call_command("demo-markets")
    assert (JobPosting.objects.count(), JobSeeker.objects.count()) == (postings, seekers)
    assert "劳务协作" in capsys.readouterr().out
