"""A place is named with the nearest level above it that has a real name, never with a placeholder (市辖区)."""

import pytest

from duikou.geo.models import Region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "name"),
    [("310115", "上海市浦东新区"), ("411526", "信阳市潢川县"), ("110101", "北京市东城区"), ("310000", "上海市")],
)
def test_place_name_skips_placeholder_levels(code, name):
    assert Region.objects.get(code=code).place_name == name
