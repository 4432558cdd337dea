"""The vendored city map (frontend/build_city_map.js) names and codes its cities as the region tree does, so the
choropleth can colour every old-area city that the analytics store reports."""

import json

import pytest
from django.contrib.staticfiles import finders

from duikou.geo.models import OldArea, Region
from duikou.indicators import analytics
from duikou.pairings.models import Pairing

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def features():
    with open(finders.find("vendor/maps/china-cities.json"), encoding="utf-8") as handle:
        return json.load(handle)["features"]


def test_every_city_feature_is_a_division_of_the_region_tree_under_its_code(features):
    cities = [f["properties"] for f in features if f["properties"]["level"] != "border"]
    names = dict(Region.objects.filter(code__in=[c["code"] for c in cities]).values_list("code", "name"))
    outside_tree = {"710000", "810000", "820000"}  # 台湾省, 香港, 澳门: on the map, not in the region tree
    assert {c["code"]: c["name"] for c in cities if c["code"] not in outside_tree} == names
    assert len({c["name"] for c in cities}) == len(cities)  # a name names one feature
    assert (
        sum(c["level"] == "prefecture" for c in cities)
        == Region.objects.filter(level="prefecture").exclude(name__in=analytics.PLACEHOLDERS).count()
    )


def test_every_old_area_city_of_a_pairing_is_on_the_map(features):
    codes = {f["properties"]["code"] for f in features}
    for pairing in Pairing.objects.select_related("old_region__parent__parent"):
        _province, city, city_code, _county = analytics._place(pairing.old_region)
        assert city_code in codes, (pairing, city)
    members = Region.objects.filter(old_areas__in=OldArea.objects.all(), level="prefecture")
    assert set(members.values_list("code", flat=True)) <= codes


def test_the_map_has_the_province_borders_as_one_line_feature(features):
    borders = [f for f in features if f["properties"]["level"] == "border"]
    assert len(borders) == 1 and borders[0]["geometry"]["type"] == "MultiLineString"
    assert len(borders[0]["geometry"]["coordinates"]) > 30
