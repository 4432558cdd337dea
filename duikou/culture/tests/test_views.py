"""The editors' pages answer a refused change with a message on the page they came from, never an error page."""

import pytest

from duikou import testing as base
from duikou.culture import testing as ct
from duikou.culture.models import StudyVisit

pytestmark = pytest.mark.django_db


def test_unlinking_a_study_trip_from_a_published_resource_is_refused_with_a_message(client):
    w = ct.world()
    visit = StudyVisit.objects.get(resource=w["site"])
    base.login(client, w["who"]["xy_editor"])
    response = client.post(f"/culture/visits/{visit.pk}/remove/", follow=True)
    assert response.status_code == 200 and "只能修改草稿" in response.content.decode()
    assert StudyVisit.objects.filter(pk=visit.pk).exists()
    stop = w["route"].stops.first()
    response = client.post(f"/culture/stops/{stop.pk}/remove/", follow=True)
    assert response.status_code == 200 and "只能修改草稿" in response.content.decode()
    assert w["route"].stops.filter(pk=stop.pk).exists()
