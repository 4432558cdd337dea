"""The grade map draws the country's territory, so it carries the 南海诸岛 inset (ECharts' own geometry, kept in
vendor/maps/nanhai.json): read back from the PNG, the inset's box in the lower right holds the ten dashes and its
label, and the legend is under the map."""

import io

import pytest
from PIL import Image

from duikou.evaluation import charts

CITIES = [
    charts.City("信阳市", 114.07, 32.12, "excellent"),
    charts.City("延安市", 109.49, 36.59, "poor"),
    charts.City("赣州市", 114.93, 25.83, "good"),
    charts.City("汕尾市", 115.36, 22.78, "fair"),  # near the lower right: the view widens so the inset covers no city
]


def near(pixel, colour: str, tolerance: int = 14) -> bool:
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], target, strict=True))


def count(image: Image.Image, box: tuple[float, float, float, float], colour: str, tolerance: int = 14) -> int:
    """Pixels of ``colour`` inside ``box`` (fractions of the image: left, top, right, bottom)."""
    w, h = image.size
    part = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    return sum(1 for pixel in part.get_flattened_data() if near(pixel, colour, tolerance))


@pytest.fixture(scope="module")
def png():
    return charts.grade_map_png("等次分布示意图", CITIES)


def test_nanhai_data_is_echarts_inset_with_ten_dashes_and_a_frame():
    data = charts.nanhai()
    assert data["name"] == "南海诸岛" and data["origin"] == [126, 25]
    assert len(data["roles"]["dashes"]) == 10 and len(data["rings"]) == 12
    assert "echarts" in data["_source"]


def test_inset_in_the_lower_right_holds_the_dashes(png, artifacts_dir):
    with open(f"{artifacts_dir}/evaluation-grade-map.png", "wb") as handle:
        handle.write(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    lower_right = count(image, (0.75, 0.55, 1.0, 0.95), charts.DASH)
    lower_left = count(image, (0.0, 0.55, 0.25, 0.95), charts.DASH)
    assert lower_right > 300  # the ten dashes
    assert lower_left < lower_right / 10


def test_without_the_inset_the_lower_right_has_no_dashes(monkeypatch):
    """The check above can fail: a map drawn without the inset has no dash pixels there."""
    monkeypatch.setattr(charts, "_nanhai_inset", lambda ax: None)
    image = Image.open(io.BytesIO(charts.grade_map_png("等次分布示意图", CITIES))).convert("RGB")
    assert count(image, (0.75, 0.55, 1.0, 0.95), charts.DASH) < 50


def test_inset_is_labelled_and_the_legend_names_the_grades():
    figure = charts.grade_map_figure("等次分布示意图", CITIES)
    main, inset = figure.axes[0], figure.axes[0].child_axes[0]
    assert [t.get_text() for t in inset.texts] == ["南海诸岛"]
    left, bottom, width, height = charts.INSET_BOX
    assert left + width > 0.97 and bottom < 0.05  # lower right of the map
    assert [t.get_text() for t in main.get_legend().get_texts()] == ["优秀", "良好", "一般", "较差"]


def test_legend_colours_are_drawn_under_the_map(png):
    image = Image.open(io.BytesIO(png)).convert("RGB")
    for grade in charts.GRADE_ORDER:
        assert count(image, (0.0, 0.93, 1.0, 1.0), charts.GRADE_COLOURS[grade], tolerance=20) > 20


def test_no_city_lies_under_the_inset():
    figure = charts.grade_map_figure("等次分布示意图", CITIES)
    ax = figure.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    left, bottom, _width, height = charts.INSET_BOX
    for city in CITIES:
        fx, fy = (city.lng - x0) / (x1 - x0), (city.lat - y0) / (y1 - y0)
        assert not (fx > left and fy < bottom + height), city.name
