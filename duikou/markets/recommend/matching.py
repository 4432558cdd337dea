"""Pairing recommendation (结对推荐): candidate eastern and central cities for an old-area city or county, ranked by
complementarity with every term shown, the review of an existing pairing, and the optimal many-to-one assignment under
a cap on pairings per supporting city. The method, weights and caveats are in docs/matching.md (## 结对推荐).

Old-area cities are the left side, candidate cities the right side of ``engine``; candidates are the cities with a
profile that are not old-area cities, in order of division code, so every ranking and assignment is reproducible.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from duikou.accounts import scoping
from duikou.geo.maps import city_center
from duikou.geo.models import OldArea, Region
from duikou.pairings.models import Pairing

from .. import engine
from ..engine import Scorer, Side, Term
from ..models import CityProfile
from ..scorers import mask, unmask
from ..words import industry_names
from .queries import latest_profiles, tie_strengths
from .tables import INDUSTRIES, named_industries

EARTH_RADIUS_KM = 6371.0
NEAR_KM, FAR_KM = 500.0, 2000.0  # distance term: 1 up to NEAR_KM, 0 from FAR_KM, linear between
STRUCTURE_FULL = 30.0  # industrial complementarity reaches 1 at a dissimilarity of 30 percentage points
KEY = 1_000_000  # pair key = old code × KEY + candidate code (6-digit codes)
LOAD_LEVELS = (Pairing.Level.NATIONAL, Pairing.Level.PROVINCE)


# ---- the terms -----------------------------------------------------------------------------------------------------


def haversine_km(lat1, lng1, lat2, lng2) -> np.ndarray:
    """Great-circle distance (km) between points in degrees; NaN where a point is missing."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lng2) - np.radians(lng1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def dissimilarity(o: Side, c: Side) -> np.ndarray:
    """½ Σ |share_old − share_candidate| over the three sectors, in percentage points (0–100)."""
    return np.abs(o["shares"][:, None, :] - c["shares"][None, :, :]).sum(axis=2) / 2


def _structure(o: Side, c: Side) -> np.ndarray:
    return np.minimum(1.0, dissimilarity(o, c) / STRUCTURE_FULL)


def _special(o: Side, c: Side) -> np.ndarray:
    named = o["named"][:, None]
    hit = np.bitwise_count(named & c["industries"][None, :]).astype(np.float64)
    return np.where(named == 0, 0.0, hit / np.maximum(np.bitwise_count(named).astype(np.float64), 1))


def _distance_km(o: Side, c: Side) -> np.ndarray:
    return haversine_km(o["lat"][:, None], o["lng"][:, None], c["lat"][None, :], c["lng"][None, :])


def _distance(o: Side, c: Side) -> np.ndarray:
    value = np.clip((FAR_KM - _distance_km(o, c)) / (FAR_KM - NEAR_KM), 0.0, 1.0)
    return np.nan_to_num(value, nan=0.0)


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    if not len(keys):
        return np.zeros(wanted.shape)
    at = np.clip(np.searchsorted(keys, wanted), 0, len(keys) - 1)
    return np.where(keys[at] == wanted, values[at], 0.0)


def recommend_scorer(ties: dict[tuple[str, str], int], own: set[tuple[str, str]]) -> Scorer:
    """``ties``: (old region code, candidate code) → the strongest tie (1–5); ``own``: (old city code, candidate code)
    of the pairings that exist already, not counted in that old city's view of the candidate's load."""
    tie_items = sorted((int(a) * KEY + int(b), s) for (a, b), s in ties.items())
    tie_keys = np.array([k for k, _ in tie_items], dtype=np.int64)
    tie_values = np.array([s for _, s in tie_items], dtype=np.float64)
    own_keys = np.array(sorted(int(a) * KEY + int(b) for a, b in own), dtype=np.int64)

    def strength(o: Side, c: Side) -> np.ndarray:
        by_region = _lookup(tie_keys, tie_values, o["code"][:, None] * KEY + c["code"][None, :])
        by_city = _lookup(tie_keys, tie_values, o["city"][:, None] * KEY + c["code"][None, :])
        return np.maximum(by_region, by_city)

    def _ties(o: Side, c: Side) -> np.ndarray:
        return strength(o, c) / 5

    def load(o: Side, c: Side) -> np.ndarray:
        mine = np.isin(o["city"][:, None] * KEY + c["code"][None, :], own_keys)
        return np.maximum(c["load"][None, :] - mine, 0)

    def _load(o: Side, c: Side) -> np.ndarray:
        return 1.0 / (1.0 + load(o, c))

    # Labels and reasons are written in the reader's language when a pair is explained (never stored); the cities'
    # names in them are data.
    def reason_structure(a, b, v):
        d = float(dissimilarity(_one(a), _one(b))[0, 0])
        sa, sb = ("∶".join(f"{x:g}" for x in r["shares"]) for r in (a, b))
        return _(
            "三次产业结构 %(old)s %(old_shares)s，%(candidate)s %(candidate_shares)s；"
            "结构差异 %(difference)s 个百分点（%(full)s 个百分点及以上得满分）"
        ) % {
            "old": a["name"],
            "old_shares": sa,
            "candidate": b["name"],
            "candidate_shares": sb,
            "difference": f"{d:.1f}",
            "full": f"{STRUCTURE_FULL:g}",
        }

    def reason_special(a, b, v):
        named = unmask(a["named"], INDUSTRIES)
        if not named:
            return _("文件未点名该老区的特色产业")
        hit = unmask(int(a["named"]) & int(b["industries"]), INDUSTRIES)
        return ngettext(
            "文件点名的特色产业 %(hit)s/%(named)s 项是%(city)s的优势产业（%(industries)s）",
            "文件点名的特色产业 %(hit)s/%(named)s 项是%(city)s的优势产业（%(industries)s）",
            len(named),
        ) % {
            "hit": len(hit),
            "named": len(named),
            "city": b["name"],
            "industries": industry_names(hit) if hit else _("无"),
        }

    def reason_ties(a, b, v):
        s = int(strength(_one(a), _one(b))[0, 0])
        return _("已录入的既有经济联系最强为 %(strength)s/5") % {"strength": s} if s else _("未录入既有经济联系")

    def reason_distance(a, b, v):
        d = float(_distance_km(_one(a), _one(b))[0, 0])
        if math.isnan(d):
            return _("缺少城市坐标，按 0 计")
        return _("两市距离约 %(km)s 公里（%(near)s 公里内满分，%(far)s 公里及以上为 0）") % {
            "km": f"{d:,.0f}",
            "near": f"{NEAR_KM:,.0f}",
            "far": f"{FAR_KM:,.0f}",
        }

    def reason_load(a, b, v):
        n = int(load(_one(a), _one(b))[0, 0])
        if not n:
            return _("%(city)s当前无其他结对任务") % {"city": b["name"]}
        return ngettext(
            "%(city)s当前承担 %(n)s 个结对（不计与本市的结对）", "%(city)s当前承担 %(n)s 个结对（不计与本市的结对）", n
        ) % {"city": b["name"], "n": n}

    return Scorer(
        (
            Term("structure", _("产业结构互补"), 30, _structure, reason_structure),
            Term("special", _("特色产业契合"), 30, _special, reason_special),
            Term("ties", _("既有经济联系"), 15, _ties, reason_ties),
            Term("distance", _("距离"), 15, _distance, reason_distance),
            Term("load", _("结对负荷"), 10, _load, reason_load),
        )
    )


def _one(row: dict) -> Side:
    return {k: np.asarray([v]) for k, v in row.items()}


def side(rows: list[dict]) -> Side:
    """Columns of cities: dicts with code, city (the prefecture code; a city's own), name, shares (three floats),
    industries (list), lat, lng and, for candidates, load."""
    return {
        "code": np.array([int(r["code"]) for r in rows], dtype=np.int64),
        "city": np.array([int(r.get("city", r["code"])) for r in rows], dtype=np.int64),
        "name": np.array([r["name"] for r in rows], dtype=object),
        "shares": np.array([r["shares"] for r in rows], dtype=np.float64).reshape(len(rows), 3),
        "named": np.array([mask(r.get("named", ()), INDUSTRIES) for r in rows], dtype=np.uint64),
        "industries": np.array([mask(r.get("industries", ()), INDUSTRIES) for r in rows], dtype=np.uint64),
        "lat": np.array([np.nan if r.get("lat") is None else r["lat"] for r in rows], dtype=np.float64),
        "lng": np.array([np.nan if r.get("lng") is None else r["lng"] for r in rows], dtype=np.float64),
        "load": np.array([r.get("load", 0) for r in rows], dtype=np.int64),
    }


# ---- reading the data ----------------------------------------------------------------------------------------------


class NoProfile(Exception):
    """The old-area city has no profile: its industrial structure is unknown."""


def old_area_codes() -> dict[str, list[str]]:
    """Old-area member region code → the names of its old areas."""
    codes: dict[str, list[str]] = {}
    for code, name in OldArea.members.through.objects.values_list("region_id", "oldarea__name").order_by(
        "region_id", "oldarea__name"
    ):
        codes.setdefault(code, []).append(name)
    for code, name in (
        Pairing.objects.filter(level=Pairing.Level.NATIONAL, old_area__isnull=False)
        .values_list("old_region_id", "old_area__name")
        .order_by("old_region_id")
    ):
        codes.setdefault(code, [])
        if name not in codes[code]:
            codes[code].append(name)
    return codes


def old_city(region: Region) -> Region:
    """The old-area city whose profile a region uses: itself, or a county's prefecture."""
    if region.level == Region.Level.COUNTY and region.parent_id:
        return region.parent
    return region


def is_old_area(region: Region, areas: dict[str, list[str]] | None = None) -> bool:
    areas = old_area_codes() if areas is None else areas
    return region.code in areas or old_city(region).code in areas


def candidate_loads() -> dict[str, int]:
    """Active national and province-internal pairings each supporting region carries (counts only)."""
    loads: dict[str, int] = {}
    qs = Pairing.objects.filter(status=Pairing.Status.ACTIVE, level__in=LOAD_LEVELS)
    for code in qs.values_list("partner_region_id", flat=True):
        loads[code] = loads.get(code, 0) + 1
    return loads


def current_partners() -> set[tuple[str, str]]:
    qs = Pairing.objects.filter(status=Pairing.Status.ACTIVE, level__in=LOAD_LEVELS)
    return {(a[:4] + "00", b) for a, b in qs.values_list("old_region_id", "partner_region_id")}


def _point(code: str) -> tuple[float | None, float | None]:
    point = city_center(code)
    return (point[1], point[0]) if point else (None, None)


def _shares(p: CityProfile) -> tuple[float, float, float]:
    return float(p.primary_share), float(p.secondary_share), float(p.tertiary_share)


@dataclass
class World:
    """Everything a ranking reads, loaded once: both sides, their regions and profiles, and the scorer."""

    candidates: list[Region]
    candidate_side: Side
    profiles: dict[str, CityProfile]
    areas: dict[str, list[str]]
    scorer: Scorer
    loads: dict[str, int]


def load_world(user) -> World:
    profiles = latest_profiles(user)
    areas = old_area_codes()
    loads = candidate_loads()
    candidates = [p.region for code, p in sorted(profiles.items()) if code not in areas]
    rows = []
    for region in candidates:
        p = profiles[region.code]
        lat, lng = _point(region.code)
        rows.append(
            {
                "code": region.code,
                "name": region.name,
                "shares": _shares(p),
                "industries": p.industries,
                "lat": lat,
                "lng": lng,
                "load": loads.get(region.code, 0),
            }
        )
    scorer = recommend_scorer(tie_strengths(user), current_partners())
    return World(candidates, side(rows), profiles, areas, scorer, loads)


@dataclass
class OldSide:
    region: Region
    city: Region
    profile: CityProfile
    named: tuple[str, ...]
    named_sources: tuple[str, ...]
    note: str

    @property
    def named_text(self) -> str:
        return industry_names(self.named)


def old_rows(world: World, regions: list[Region]) -> tuple[list[OldSide], Side]:
    olds, rows = [], []
    for region in regions:
        city = old_city(region)
        profile = world.profiles.get(city.code)
        if profile is None:
            raise NoProfile(city.name)
        areas = world.areas.get(city.code, []) or world.areas.get(region.code, [])
        named = named_industries(city, areas)
        note = (
            _("%(county)s使用所属%(city)s的产业结构、特色产业和坐标") % {"county": region.name, "city": city.name}
            if city.pk != region.pk
            else ""
        )
        olds.append(OldSide(region, city, profile, named.industries, named.sources, note))
        lat, lng = _point(city.code)
        rows.append(
            {
                "code": region.code,
                "city": city.code,
                "name": city.name,
                "shares": _shares(profile),
                "named": named.industries,
                "lat": lat,
                "lng": lng,
            }
        )
    return olds, side(rows)


# ---- ranking, review, assignment -----------------------------------------------------------------------------------


@dataclass
class Ranking:
    old: OldSide
    rows: list[dict]  # rank, candidate (Region), profile, score, terms, current (is the current partner)
    candidates: int
    sources: list = field(default_factory=list)


def _partners_of(city: Region) -> set[str]:
    return {b for a, b in current_partners() if a == city.code}


def rank_candidates(user, region: Region, k: int = 10, *, world: World | None = None) -> Ranking:
    """The best k candidate cities for one old-area city or county, each with its terms."""
    scoping.require(user, scoping.Action.VIEW)
    world = world or load_world(user)
    (old,), left = old_rows(world, [region])
    m = engine.rows(world.candidate_side) if world.candidates else 0
    partners = _partners_of(old.city)
    rows = []
    if m:
        top = engine.top_k(world.scorer, left, world.candidate_side, k=min(k, m) if k else m)
        for rank, (j, score) in enumerate(zip(top.left_index[0], top.left_score[0], strict=True), start=1):
            if j == engine.NO_MATCH:
                continue
            candidate = world.candidates[int(j)]
            explained = engine.explain(world.scorer, left, 0, world.candidate_side, int(j))
            rows.append(
                {
                    "rank": rank,
                    "candidate": candidate,
                    "profile": world.profiles[candidate.code],
                    "score": int(score) / 100,
                    "terms": explained["terms"],
                    "current": candidate.code in partners,
                }
            )
    sources = sorted({p.source for p in [old.profile, *(r["profile"] for r in rows)]}, key=lambda s: s.pk)
    return Ranking(old, rows, m, sources)


@dataclass
class Review:
    pairing: Pairing
    ranking: Ranking
    partner_rank: int | None  # None: the partner has no profile (it is not among the candidates)
    partner_row: dict | None


def review_pairing(user, pairing: Pairing) -> Review:
    """Where the current partner of a pairing stands among all candidates for its old-area side."""
    pairing = scoping.get_for(user, Pairing, pk=pairing.pk)
    ranking = rank_candidates(user, pairing.old_region, k=0)
    row = next((r for r in ranking.rows if r["candidate"].code == pairing.partner_region_id), None)
    return Review(pairing, ranking, row["rank"] if row else None, row)


@dataclass
class Assignment:
    rows: list[dict]  # old (OldSide), candidate, score, terms
    unassigned: list[OldSide]
    capacities: list[dict]  # candidate, load, capacity, used
    total: float
    cap: int


def solve(scores: np.ndarray, capacity: np.ndarray) -> list[tuple[int, int, int]]:
    """The assignment of rows (capacity 1 each) to columns (``capacity``) with the largest total score (hundredths);
    among assignments with the same total, earlier rows get lower-index columns, so the answer does not depend on the
    solver. Returns (row, column, score) sorted by row."""
    n, m = scores.shape
    left, right = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    left, right = left.ravel(), right.ravel()
    base = scores.ravel().astype(np.int64)
    # tie-break: a bonus worth less than one hundredth in total, (m − j) × (n − i) per pair, so that among equal totals
    # earlier rows get the lower-index columns (rearrangement inequality); the solver then has a unique optimum
    scale = n * n * m + 1
    bonus = (m - right) * (n - left)
    keyed = np.where(base > 0, base * scale + bonus, 0)
    result = engine.assign(left, right, keyed, np.ones(n, dtype=np.int64), capacity.astype(np.int64))
    return sorted(
        (int(i), int(j), int(s) // scale) for i, j, s in zip(result.left, result.right, result.score, strict=True)
    )


def optimal_assignment(user, regions: list[Region], cap: int, *, world: World | None = None) -> Assignment:
    """Each chosen old-area city or county gets at most one candidate, each candidate at most ``cap`` − its current
    load (not counting the chosen cities' own pairings, floor 0); the total score is the largest possible."""
    scoping.require(user, scoping.Action.VIEW)
    world = world or load_world(user)
    regions = sorted({r.code: r for r in regions}.values(), key=lambda r: r.code)
    olds, left = old_rows(world, regions)
    own = {o.city.code for o in olds}
    theirs = [b for a, b in current_partners() if a in own]
    load = {c.code: world.loads.get(c.code, 0) - theirs.count(c.code) for c in world.candidates}
    capacity = np.array([max(cap - load[c.code], 0) for c in world.candidates], dtype=np.int64)
    rows, used = [], {}
    if world.candidates and olds:
        scores = engine.points(world.scorer, left, world.candidate_side).astype(np.int64)
        for i, j, score in solve(scores, capacity):
            candidate = world.candidates[j]
            explained = engine.explain(world.scorer, left, i, world.candidate_side, j)
            rows.append({"old": olds[i], "candidate": candidate, "score": score / 100, "terms": explained["terms"]})
            used[candidate.code] = used.get(candidate.code, 0) + 1
    assigned = {r["old"].region.code for r in rows}
    capacities = [
        {"candidate": c, "load": load[c.code], "capacity": int(capacity[j]), "used": used.get(c.code, 0)}
        for j, c in enumerate(world.candidates)
    ]
    total = sum(round(r["score"] * 100) for r in rows) / 100
    return Assignment(rows, [o for o in olds if o.region.code not in assigned], capacities, total, cap)


def old_area_regions(user) -> list[Region]:
    """The old-area cities a ranking may be asked for (members of the old areas or old side of a national pairing)."""
    scoping.require(user, scoping.Action.VIEW)
    codes = old_area_codes()
    return list(Region.objects.filter(Q(code__in=codes), level=Region.Level.PREFECTURE).order_by("code"))
