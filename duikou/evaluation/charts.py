"""Charts of an evaluation run, drawn on the server as PNG for the report documents.

Matplotlib figures rendered by its Agg backend (no display, no pyplot state), with the Noto CJK fonts of
Debian's ``fonts-noto-cjk``; a missing font is a clear error, never a chart of empty boxes. The map draws
province outlines from the vendored ECharts map (``vendor/maps/china.json``) and marks each evaluated
old-area city at its seat from ``vendor/city_centers.json`` — the files the web pages use, so no geometry is
typed here. It is a regional map around the evaluated cities, titled 示意图; since it draws the country's territory it
carries the standard 南海诸岛 inset in its lower right (``vendor/maps/nanhai.json``, ECharts' own inset geometry).

Two layers: ``radar_png`` / ``ranking_png`` / ``grade_map_png`` draw from plain values; ``radar_chart``,
``ranking_chart`` and ``grade_map`` read a run's results and call them.
"""

import contextlib
import functools
import io
import math
import textwrap
import threading
from dataclasses import dataclass
from decimal import Decimal

import matplotlib
from matplotlib import font_manager
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from duikou.core.documents import SANS
from duikou.core.errors import UserFacingError
from duikou.geo.maps import city_center, static_json
from duikou.policy.models import Task

from .models import Grade, Reporting, Result, Run

FONT_PACKAGE = "fonts-noto-cjk"
DPI = 150

GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]
GRADE_LABELS = {Grade.EXCELLENT: "优秀", Grade.GOOD: "良好", Grade.FAIR: "一般", Grade.POOR: "较差"}
GRADE_COLOURS = {Grade.EXCELLENT: "#1b7837", Grade.GOOD: "#7fbc41", Grade.FAIR: "#f1a340", Grade.POOR: "#d73027"}


class FontMissingError(UserFacingError):
    """The Chinese font is not installed: charts and PDFs would show boxes instead of characters."""


# ---- fonts ------------------------------------------------------------------------------------------------


@functools.cache
def cjk_font(family: str = SANS) -> font_manager.FontProperties:
    """The Noto CJK face ``family`` (Simplified Chinese face of the .ttc), or FontMissingError.

    If matplotlib's font cache predates the installation of the font, the system font folders are scanned
    once more before giving up.
    """

    def found() -> bool:
        return any(entry.name == family for entry in font_manager.fontManager.ttflist)

    if not found():
        for path in font_manager.findSystemFonts():
            if "NotoSansCJK" in path or "NotoSerifCJK" in path:
                font_manager.fontManager.addfont(path)
    if not found():
        raise FontMissingError(
            f"未找到中文字体「{family}」，无法生成含中文的图表和文档。"
            f"请安装 Debian 软件包 {FONT_PACKAGE}（make run 和 make test 会自动安装）。"
        )
    return font_manager.FontProperties(family=family)


_DRAWING = threading.Lock()


@contextlib.contextmanager
def _rc():
    """Text made inside takes the CJK font (matplotlib resolves a text's font when the text is created).

    rcParams are global and matplotlib is not thread-safe, so one chart is drawn at a time (background jobs
    may run in threads).
    """
    cjk_font(SANS)
    with _DRAWING, matplotlib.rc_context({"font.family": [SANS], "axes.unicode_minus": False}):
        yield


def _figure(width: float, height: float) -> Figure:
    # A bare Figure, not pyplot: no global state shared between requests; PNG output goes through Agg.
    return Figure(figsize=(width, height), dpi=DPI)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


# ---- plain drawings ---------------------------------------------------------------------------------------


def radar_png(title: str, axes: list[str], shares: list[float]) -> bytes:
    """A radar chart of ``shares`` (0–1, a share of full marks; may exceed 1 when a cap allows) on ``axes``."""
    if len(axes) != len(shares) or len(axes) < 3:
        raise ValueError("雷达图至少需要三个维度，且每个维度一个数值")
    with _rc():
        figure = _figure(4.2, 4.0)  # shown about 7.5 cm wide, two to a row
        ax = figure.add_subplot(projection="polar")
        n = len(axes)
        angles = [2 * math.pi * k / n for k in range(n)]
        ax.set_theta_offset(math.pi / 2)  # the first key task at the top, the others clockwise
        ax.set_theta_direction(-1)
        values = [max(0.0, float(s)) for s in shares]
        top = max(1.0, max(values))
        ax.set_ylim(0, top)
        rings = [top * k / 5 for k in range(1, 6)]
        ax.set_yticks(rings)
        ax.set_yticklabels([f"{r:.0%}" for r in rings], fontsize=7.5, color="#888888")
        ax.set_rlabel_position(180 / n)  # between the first two axes
        ax.set_xticks(angles)
        ax.set_xticklabels([_wrap(a, 7) for a in axes], fontsize=10)
        ax.tick_params(axis="x", pad=14)
        ax.grid(color="#cccccc", linewidth=0.6)
        ax.spines["polar"].set_color("#999999")
        closed_angles, closed_values = angles + angles[:1], values + values[:1]
        ax.plot(closed_angles, closed_values, color="#b2182b", linewidth=1.8)
        ax.fill(closed_angles, closed_values, color="#b2182b", alpha=0.22)
        for angle, value in zip(angles, values, strict=True):
            # the share inside the polygon, off its corner toward the centre, clear of the axis label
            direction = math.pi / 2 - angle
            ax.annotate(
                f"{value:.0%}",
                (angle, value),
                textcoords="offset points",
                xytext=(-14 * math.cos(direction), -11 * math.sin(direction)),
                fontsize=8.5,
                ha="center",
                va="center",
                color="#7f0000",
                fontweight="bold",
            )
        ax.set_title(title, fontsize=12, pad=24)
        return _png(figure)


def _wrap(text: str, width: int) -> str:
    """Chinese text in lines of at most ``width`` characters, as even as possible (8 → 4 + 4, not 7 + 1)."""
    lines = math.ceil(len(text) / width)
    per = math.ceil(len(text) / lines) if lines else width
    return "\n".join(textwrap.wrap(text, per))


@dataclass(frozen=True)
class Bar:
    name: str
    total: float
    grade: str


def ranking_png(title: str, bars: list[Bar], cutoffs: dict[str, float] | None = None) -> bytes:
    """Horizontal bars of the totals in rank order (first at the top), coloured by grade, with the cut-offs."""
    if not bars:
        raise ValueError("没有可绘制的评估结果")
    with _rc():
        figure = _figure(7.2, max(2.4, 0.42 * len(bars) + 1.4))
        ax = figure.add_subplot()
        positions = list(range(len(bars)))[::-1]
        ax.barh(positions, [b.total for b in bars], color=[GRADE_COLOURS.get(b.grade, "#999999") for b in bars],
                height=0.62)  # fmt: skip
        ax.set_yticks(positions)
        ax.set_yticklabels([b.name for b in bars], fontsize=9)
        top = max(100.0, max(b.total for b in bars))
        ax.set_xlim(0, top * 1.08)
        for y, bar in zip(positions, bars, strict=True):
            ax.text(bar.total + top * 0.01, y, f"{bar.total:.2f}", va="center", fontsize=8)
        for grade, value in (cutoffs or {}).items():
            ax.axvline(value, color=GRADE_COLOURS.get(grade, "#999999"), linestyle="--", linewidth=0.9)
            ax.text(value, len(bars) - 0.35, f"{GRADE_LABELS.get(grade, grade)}线 {value:g}", fontsize=7,
                    ha="center", va="bottom", color="#444444")  # fmt: skip
        ax.set_xlabel("总分", fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(handles=_grade_handles(marker="s"), loc="lower right", fontsize=8, frameon=False)
        ax.set_title(title, fontsize=11, pad=22 if cutoffs else 8)
        return _png(figure)


@dataclass(frozen=True)
class City:
    name: str
    lng: float
    lat: float
    grade: str


# The 南海诸岛 inset, in the map's lower right (axes fraction: left, bottom, width, height); the box keeps the
# inset's own proportions inside it, anchored to the lower right corner.
INSET_BOX = (0.805, 0.012, 0.183, 0.34)
SEA, LAND, BORDER, DASH = "#dfeaf3", "#f3efe6", "#9c9c9c", "#4d4d4d"


def grade_map_png(title: str, cities: list[City]) -> bytes:
    """Province outlines around the cities and one mark per city, with the 南海诸岛 inset in the lower right: any map
    on which the country's territory is drawn shows it whole."""
    return _png(grade_map_figure(title, cities))


def grade_map_figure(title: str, cities: list[City]) -> Figure:
    if not cities:
        raise ValueError("没有可标注的城市")
    lngs, lats = [c.lng for c in cities], [c.lat for c in cities]
    # At least 10° × 8° around the cities' centre, plus a margin; never wider than the map data.
    half_w = max(5.0, (max(lngs) - min(lngs)) / 2 + 2.5)
    half_h = max(4.0, (max(lats) - min(lats)) / 2 + 2.0)
    mid_x, mid_y = (max(lngs) + min(lngs)) / 2, (max(lats) + min(lats)) / 2
    x0, x1, y0, y1 = mid_x - half_w, mid_x + half_w, mid_y - half_h, mid_y + half_h
    x1 = _clear_of_inset(cities, x0, x1, y0, y1)
    aspect = 1 / math.cos(math.radians(mid_y))  # degrees of longitude are shorter away from the equator
    with _rc():
        figure = _figure(7.2, max(3.5, 7.2 * (y1 - y0) * aspect / (x1 - x0)))
        ax = figure.add_subplot()
        ax.add_collection(
            PolyCollection(
                [ring for _name, rings in province_outlines() for ring in rings],
                facecolors=LAND,
                edgecolors=BORDER,
                linewidths=0.5,
            )
        )
        for name, (cx, cy) in province_label_points().items():
            if name not in ("香港", "澳门") and x0 + 0.5 < cx < x1 - 0.5 and y0 + 0.3 < cy < y1 - 0.3:
                ax.text(cx, cy, name, fontsize=7, color="#9a9a9a", ha="center", va="center")
        for city in cities:
            ax.scatter(city.lng, city.lat, s=70, color=GRADE_COLOURS.get(city.grade, "#999999"),
                       edgecolors="white", linewidths=0.9, zorder=3)  # fmt: skip
            ax.annotate(city.name, (city.lng, city.lat), textcoords="offset points", xytext=(5, 4), fontsize=8,
                        zorder=4)  # fmt: skip
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(aspect)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(SEA)
        _nanhai_inset(ax)
        # under the map, so that it covers no territory
        ax.legend(
            handles=_grade_handles(marker="o"),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncol=len(GRADE_ORDER),
            fontsize=9,
            frameon=False,
        )
        ax.set_title(title, fontsize=11)
        return figure


def _clear_of_inset(cities: list[City], x0: float, x1: float, y0: float, y1: float) -> float:
    """The map's east edge, moved east until no city (with room for its name) lies under the inset."""
    left, _bottom, _width, height = INSET_BOX
    for _attempt in range(20):
        crowded = [
            c
            for c in cities
            if (c.lat - y0) / (y1 - y0) < height + 0.04
            and (c.lng - x0) / (x1 - x0) + 0.02 * (len(c.name) + 1) > left - 0.01
        ]
        if not crowded:
            break
        x1 += (x1 - x0) * 0.12
    return x1


def _nanhai_inset(ax) -> None:
    """The standard 南海诸岛 inset: the coast, the ten dashes and the frame, as ECharts draws them for its map of
    China (``vendor/maps/nanhai.json``), labelled, in its own box in the lower right of the map."""
    data = nanhai()
    rings = data["rings"]
    inset = ax.inset_axes(INSET_BOX, zorder=5)
    inset.set_facecolor(SEA)
    coast = [rings[i] for i in data["roles"]["coast"]]
    dashes = [rings[i] for i in data["roles"]["dashes"]]
    frame = [rings[i] for i in data["roles"]["frame"]]
    inset.add_collection(PolyCollection(coast, facecolors=LAND, edgecolors=BORDER, linewidths=0.5))
    inset.add_collection(PolyCollection(dashes, facecolors=DASH, edgecolors=DASH, linewidths=0.4))
    inset.add_collection(PolyCollection(frame, facecolors="#666666", edgecolors="#666666", linewidths=0.3))
    width = max(x for ring in rings for x, _y in ring)
    height = max(y for ring in rings for _x, y in ring)
    inset.set_xlim(0, width)
    inset.set_ylim(height, 0)  # the inset's units run downwards
    inset.set_aspect("equal", adjustable="box", anchor="SE")
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_color("#666666")
        spine.set_linewidth(0.6)
    inset.text(width / 2, height - 4.2, data["name"], fontsize=6.5, ha="center", va="center", color="#333333")


def _grade_handles(marker: str) -> list[Line2D]:
    return [
        Line2D([], [], marker=marker, linestyle="", markersize=8, color=GRADE_COLOURS[g], label=GRADE_LABELS[g])
        for g in GRADE_ORDER
    ]


# ---- map data ----------------------------------------------------------------------------------------------


def _decode_ring(text: str, offset: list[int], scale: float) -> list[tuple[float, float]]:
    """ECharts' compressed GeoJSON ring: zigzag-encoded coordinate deltas, two characters a point."""
    ring, x, y = [], offset[0], offset[1]
    for i in range(0, len(text) - 1, 2):
        dx, dy = ord(text[i]) - 64, ord(text[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append((x / scale, y / scale))
    return ring


@functools.cache
def province_outlines() -> list[tuple[str, list[list[tuple[float, float]]]]]:
    """(province short name, outer and inner rings as (lng, lat) lists) for every feature of china.json."""
    data = static_json("vendor/maps/china.json")
    scale = data.get("UTF8Scale") or 1024
    provinces = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            polygons, offsets = [geometry["coordinates"]], [geometry.get("encodeOffsets")]
        else:
            polygons, offsets = (
                geometry["coordinates"],
                geometry.get("encodeOffsets") or [None] * len(geometry["coordinates"]),
            )
        rings = []
        for polygon, polygon_offsets in zip(polygons, offsets, strict=True):
            for k, ring in enumerate(polygon):
                if data.get("UTF8Encoding"):
                    rings.append(_decode_ring(ring, polygon_offsets[k], scale))
                else:
                    rings.append([(float(p[0]), float(p[1])) for p in ring])
        provinces.append((feature["properties"]["name"], rings))
    return provinces


@functools.cache
def nanhai() -> dict:
    """The 南海诸岛 inset of ECharts' map of China (coast, ten dashes, frame), in the inset's own units."""
    return static_json("vendor/maps/nanhai.json")


@functools.cache
def province_label_points() -> dict[str, tuple[float, float]]:
    data = static_json("vendor/maps/china.json")
    return {f["properties"]["name"]: tuple(f["properties"]["cp"]) for f in data["features"] if "cp" in f["properties"]}


# ---- from a run --------------------------------------------------------------------------------------------


def key_tasks() -> list[Task]:
    return list(Task.objects.filter(kind=Task.Kind.KEY_TASK).order_by("order", "code"))


def task_shares(result: Result, full: dict[str, Decimal], tasks: list[Task]) -> list[float]:
    """The result's score of each key task as a share of the task's full marks (0 where it has none)."""
    shares = []
    for task in tasks:
        score = Decimal(str((result.task_scores or {}).get(task.code, 0)))
        shares.append(float(score / full[task.code]) if full.get(task.code) else 0.0)
    return shares


def pairing_name(result: Result) -> str:
    return f"{result.pairing.old_region.name}—{result.pairing.partner_region.name}"


def _results(run: Run) -> list[Result]:
    """The ranked results (a pairing with no report due has no rank, grade or place on a chart)."""
    return list(
        run.results.filter(rank__isnull=False)
        .select_related("pairing__old_region", "pairing__partner_region")
        .order_by("rank", "pairing__code")
    )


def grade_text(result: Result) -> str:
    """The grade as the documents show it, with the reporting mark beside it: 较差（未按时填报）."""
    if not result.ranked:
        return Reporting.NONE_DUE.label
    grade = GRADE_LABELS.get(result.grade, result.grade)
    return f"{grade}（{Reporting.MISSED.label}）" if result.missed else grade


def has_radar(result: Result, full: dict[str, Decimal], tasks: list[Task]) -> bool:
    """A radar chart only where there is something to draw: a ranked pairing with a positive share on some task
    (a chart of zeros is an empty chart, and a report says in a line why there is none instead)."""
    return result.ranked and any(share > 0 for share in task_shares(result, full, tasks))


def radar_chart(result: Result, *, full: dict[str, Decimal] | None = None, tasks: list[Task] | None = None) -> bytes:
    """One pairing's key-task scores as shares of full marks."""
    tasks = tasks if tasks is not None else key_tasks()
    full = full if full is not None else result.run.scheme.full_marks_by_task()
    if not has_radar(result, full, tasks):
        raise ValueError(f"{pairing_name(result)}没有可绘制的重点任务得分")
    title = f"{pairing_name(result)}（第{result.rank}名，{grade_text(result)}）"
    return radar_png(title, [t.name for t in tasks], task_shares(result, full, tasks))


def ranking_chart(run: Run) -> bytes:
    scheme = run.scheme
    bars = [
        Bar(pairing_name(r) + (f"（{Reporting.MISSED.label}）" if r.missed else ""), float(r.total), r.grade)
        for r in _results(run)
    ]
    cutoffs = {
        Grade.EXCELLENT: float(scheme.excellent_min),
        Grade.GOOD: float(scheme.good_min),
        Grade.FAIR: float(scheme.fair_min),
    }
    return ranking_png(f"{scheme.name}总分排名", bars, cutoffs)


def grade_map(run: Run) -> bytes:
    """The old-area city of every evaluated pairing at its seat, coloured by the pairing's grade."""
    cities = []
    for result in _results(run):
        point = city_center(result.pairing.old_region.code)
        if point:
            cities.append(City(result.pairing.old_region.name, point[0], point[1], result.grade))
    if not cities:
        raise ValueError(f"「{run}」的评估对象均无城市坐标，无法绘制分布图")
    return grade_map_png(f"{run.scheme.name}等次分布示意图", cities)
