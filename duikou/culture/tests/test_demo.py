"""The demo set: real sites only with their cited source, every item marked 示例数据, and a second run adds nothing."""

import pytest

from duikou.culture.demo import SITES, load_demo_culture
from duikou.culture.models import Resource, Route

pytestmark = pytest.mark.django_db


def test_the_demo_is_marked_cited_and_loaded_once(client):
    assert load_demo_culture()["resources"] == 4
    assert load_demo_culture() == {"resources": 0, "routes": 0, "published": 4}
    assert Route.objects.get(demo=True).stops.count() == 3
    for row in SITES:
        item = Resource.objects.get(name=row["name"])
        assert item.demo and item.status == "published"
        assert "https://" in item.sources and "近似位置" in item.sources
    oral = Resource.objects.get(kind="oral")
    assert "非真实口述" in oral.name and oral.media.get().content_type == "audio/wav"
    for url in ("/public/culture/", f"/public/culture/resources/{oral.pk}/"):
        assert 'id="demo-notice"' in client.get(url).content.decode()
