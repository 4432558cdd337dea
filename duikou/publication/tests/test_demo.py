"""`duikou demo-public`: the demo plan filed and published with the demo projects, all marked 示例数据 on the public
pages; running it again publishes nothing twice."""

import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from duikou.pairings.models import Pairing
from duikou.publication.models import Publication

pytestmark = pytest.mark.django_db


def test_without_the_demo_accounts_it_says_what_to_run_first():
    with pytest.raises(CommandError, match="duikou demo"):
        call_command("demo-public", verbosity=0)


def test_the_demo_is_filed_published_and_marked_on_every_public_page(client):
    cache.clear()
    for command in ("demo", "demo-plans", "demo-projects"):
        call_command(command, verbosity=0, stdout=io.StringIO())
    call_command("demo-public", verbosity=0, stdout=io.StringIO())
    published = Publication.objects.filter(status="published")
    assert set(published.values_list("kind", flat=True)) == {"plan", "project"}
    assert all(p.demo for p in published)
    plan = published.get(kind="plan").plan
    assert plan.status == "filed" and "演示" in plan.filing_receipt
    xinyang = Pairing.objects.get(code="N09", status="active")
    for url in ("/public/", "/public/pairings/", f"/public/pairings/{xinyang.pk}/", "/public/data/"):
        html = client.get(url).content.decode()
        assert 'id="demo-notice"' in html and "示例数据" in html, url
    assert plan.title in client.get(f"/public/pairings/{xinyang.pk}/").content.decode()
    count = published.count()
    call_command("demo-public", verbosity=0, stdout=io.StringIO())
    assert Publication.objects.count() == count
