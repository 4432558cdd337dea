"""City seats on the map (duikou/geo/maps.py), read from the vendored vendor/city_centers.json."""

import pytest

from duikou.geo import maps


def test_a_city_is_at_its_seat():
    lng, lat = maps.city_center("411500")  # 信阳市
    assert lng == pytest.approx(114.09, abs=0.1) and lat == pytest.approx(32.15, abs=0.1)


def test_a_county_falls_back_to_its_city_unless_asked_for_its_own_seat_only():
    assert maps.city_center("411521") == maps.city_center("411500")
    assert maps.city_center("411521", fall_back=False) is None


def test_a_code_with_no_seat_anywhere_has_none():
    assert maps.city_center("990101") is None
