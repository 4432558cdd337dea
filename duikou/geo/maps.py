"""Where places are on the map: the seats of cities (``vendor/city_centers.json``) and the vendored ECharts map
files, the same static files the web pages draw from, so no geometry is typed in the code."""

import functools
import json

from django.contrib.staticfiles import finders


def static_json(name: str):
    """A vendored JSON file from the static files (``vendor/...``); a missing one is a clear error."""
    path = finders.find(name)
    if not path:
        raise FileNotFoundError(f"静态文件 {name} 不存在（见 duikou/static/vendor/README.md）")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@functools.cache
def city_centers() -> dict[str, dict]:
    """Division code → {"lng", "lat", ...} of the seat of each city (and province)."""
    return static_json("vendor/city_centers.json")


def city_center(code: str, *, fall_back: bool = True) -> tuple[float, float] | None:
    """(longitude, latitude) of the seat of the city with this division code; a county falls back to its
    prefecture, then its province (``fall_back=False``: this code only). None when there is none."""
    centers = city_centers()
    candidates = (code, code[:4] + "00", code[:2] + "0000") if fall_back else (code,)
    for candidate in candidates:
        if candidate in centers:
            point = centers[candidate]
            return float(point["lng"]), float(point["lat"])
    return None
