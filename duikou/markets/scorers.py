"""The terms each market scores a pair by (``engine.Term``), with the columns they read. Method and weights are
documented in docs/matching.md; changing a weight here changes that page's table.

Sets (skills, occupations, certifications) are 64-bit masks, one bit per code of a bounded vocabulary, so a term
over sets is a few bitwise operations on whole arrays.
"""

import datetime
from collections.abc import Iterable, Sequence

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .engine import Scorer, Side, Term
from .models import Certification, Occupation, ProductCategory, Skill
from .words import listed, month_name

OCCUPATIONS = list(Occupation.values)
SKILLS = list(Skill.values)
PREFERENCES = 4  # preferred regions kept per job seeker (province or city codes)


def mask(codes: Iterable[str], vocabulary: Sequence[str]) -> int:
    """The bit mask of ``codes`` in ``vocabulary`` (unknown codes are refused by the forms and imports before)."""
    value = 0
    for code in codes:
        value |= 1 << vocabulary.index(code)
    return value


def unmask(value: int, vocabulary: Sequence[str]) -> list[str]:
    return [code for bit, code in enumerate(vocabulary) if int(value) >> bit & 1]


def region_int(code: str) -> int:
    """A preferred-region code as the integer of its prefix: a province "410000" → 41, a city "411500" → 4115."""
    code = str(code)
    return int(code[:2]) if code[2:6] == "0000" else int(code[:4])


def _labels(codes: Iterable[str], choices) -> str:
    return listed(choices(c).label for c in codes)


# ---- labour cooperation: job seekers (left) × job postings (right) -------------------------------------------------


def seeker_side(seekers: Sequence[dict]) -> Side:
    """Columns of job seekers: dicts with occupations, skills, trainings, preferred_regions (codes), expected_wage,
    needs_housing and home (a county or city code)."""
    prefs = np.full((len(seekers), PREFERENCES), -1, dtype=np.int64)
    for i, s in enumerate(seekers):
        for p, code in enumerate(list(s["preferred_regions"])[:PREFERENCES]):
            prefs[i, p] = region_int(code)
    return {
        "occupations": np.array([mask(s["occupations"], OCCUPATIONS) for s in seekers], dtype=np.uint64),
        "skills": np.array([mask(s["skills"], SKILLS) for s in seekers], dtype=np.uint64),
        "trained": np.array([mask(s["trainings"], SKILLS) for s in seekers], dtype=np.uint64),
        "expected_wage": np.array([s["expected_wage"] for s in seekers], dtype=np.float64),
        "needs_housing": np.array([s["needs_housing"] for s in seekers], dtype=bool),
        "preferred": prefs,
        "home_city": np.array([int(str(s["home"])[:4]) for s in seekers], dtype=np.int64),
    }


def posting_side(postings: Sequence[dict]) -> Side:
    """Columns of job postings: dicts with occupation, skills, wage_max, housing and region (a county or city code)."""
    return {
        "occupation": np.array([mask([p["occupation"]], OCCUPATIONS) for p in postings], dtype=np.uint64),
        "required": np.array([mask(p["skills"], SKILLS) for p in postings], dtype=np.uint64),
        "wage_max": np.array([p["wage_max"] for p in postings], dtype=np.float64),
        "housing": np.array([p["housing"] for p in postings], dtype=bool),
        "province": np.array([int(str(p["region"])[:2]) for p in postings], dtype=np.int64),
        "city": np.array([int(str(p["region"])[:4]) for p in postings], dtype=np.int64),
    }


# Each term returns a boolean array (full weight or nothing) or float64 values in [0, 1]; see engine.term_points.


def _occupation(s: Side, p: Side) -> np.ndarray:
    wanted = s["occupations"][:, None]
    return (wanted == 0) | ((wanted & p["occupation"][None, :]) != 0)


def _skills(s: Side, p: Side) -> np.ndarray:
    required = p["required"]
    needed = np.bitwise_count(required).astype(np.float64)
    per_skill = np.divide(1.0, needed, out=np.zeros_like(needed), where=needed > 0)
    have = np.bitwise_count(required[None, :] & (s["skills"] | s["trained"])[:, None])
    value = np.multiply(have, per_skill[None, :], dtype=np.float64)
    value += (needed == 0)[None, :]  # a posting that asks no skill is met by everyone
    return value


def _training(s: Side, p: Side) -> np.ndarray:
    required = p["required"][None, :]
    return (required == 0) | ((s["trained"][:, None] & required) != 0)


def _wage(s: Side, p: Side) -> np.ndarray:
    expected = s["expected_wage"].astype(np.float64)
    per_yuan = np.divide(1.0, expected, out=np.full_like(expected, 1e9), where=expected > 0)
    value = np.multiply(per_yuan[:, None], p["wage_max"].astype(np.float64)[None, :])
    np.minimum(value, 1.0, out=value)
    return value


def _housing(s: Side, p: Side) -> np.ndarray:
    return ~(s["needs_housing"][:, None] & ~p["housing"][None, :])


def _region(s: Side, p: Side) -> np.ndarray:
    prefs = s["preferred"]
    hit = np.broadcast_to((prefs[:, 0] < 0)[:, None], (len(prefs), len(p["city"]))).copy()  # no preference: any
    for k in range(prefs.shape[1]):
        column = prefs[:, k : k + 1]
        if (column < 0).all():
            continue
        hit |= column == p["province"][None, :]
        hit |= column == p["city"][None, :]
    return hit


def labour_scorer(pairs: Iterable[tuple[int, int]] = ()) -> Scorer:
    """``pairs``: (old-area city, supporting city) as 4-digit integers, for the pairing term."""
    partners: dict[int, list[int]] = {}
    for old, partner in sorted(set(pairs)):
        partners.setdefault(old, []).append(partner)
    homes = np.array(sorted(partners), dtype=np.int64)
    width = max((len(v) for v in partners.values()), default=1)
    table = np.full((len(homes) + 1, width), -1, dtype=np.int64)  # the last row: a home city without a pairing
    for i, old in enumerate(homes):
        table[i, : len(partners[old])] = partners[old]

    def paired(s: Side, p: Side) -> np.ndarray:
        at = np.searchsorted(homes, s["home_city"])
        found = (at < len(homes)) & (homes[np.minimum(at, len(homes) - 1)] == s["home_city"]) if len(homes) else at < 0
        mine = table[np.where(found, at, len(homes))]
        hit = np.zeros((len(mine), len(p["city"])), dtype=bool)
        for k in range(width):
            hit |= mine[:, k : k + 1] == p["city"][None, :]
        return hit

    # Labels and reasons are written in the reader's language when a pair is explained (never stored).
    def reason_occupation(a, b, v):
        if not a["occupations"]:
            return _("求职者未限定职业，视为符合")
        words = {
            "wanted": _labels(unmask(a["occupations"], OCCUPATIONS), Occupation),
            "got": _labels(unmask(b["occupation"], OCCUPATIONS), Occupation),
        }
        if v:
            return _("岗位职业「%(got)s」在意向职业（%(wanted)s）内") % words
        return _("岗位职业「%(got)s」不在意向职业（%(wanted)s）内") % words

    def reason_skills(a, b, v):
        required = unmask(b["required"], SKILLS)
        if not required:
            return _("岗位无技能要求")
        have = unmask(int(b["required"]) & (int(a["skills"]) | int(a["trained"])), SKILLS)
        return ngettext(
            "具备岗位要求技能 %(have)s/%(required)s 项（%(skills)s）",
            "具备岗位要求技能 %(have)s/%(required)s 项（%(skills)s）",
            len(required),
        ) % {"have": len(have), "required": len(required), "skills": _labels(have, Skill)}

    def reason_training(a, b, v):
        if not int(b["required"]):
            return _("岗位无技能要求，无需对口培训")
        trained = unmask(int(b["required"]) & int(a["trained"]), SKILLS)
        if trained:
            return _("参加过对口技能培训（%(skills)s）") % {"skills": _labels(trained, Skill)}
        return _("未参加岗位所需技能的培训")

    def reason_wage(a, b, v):
        return _("岗位工资上限 %(wage_max)s 元，期望 %(expected)s 元（满足 %(share)s）") % {
            "wage_max": int(b["wage_max"]),
            "expected": int(a["expected_wage"]),
            "share": f"{v:.0%}",
        }

    def reason_housing(a, b, v):
        if not a["needs_housing"]:
            return _("求职者不需要住宿")
        return _("岗位提供住宿") if b["housing"] else _("求职者需要住宿，岗位不提供")

    def reason_region(a, b, v):
        if int(a["preferred"][0]) < 0:
            return _("求职者未限定地区，视为符合")
        return _("工作地在意向地区内") if v else _("工作地不在意向地区内")

    def reason_pairing(a, b, v):
        return _("工作地城市与户籍地城市是对口合作结对城市") if v else _("工作地城市与户籍地城市无结对关系")

    return Scorer(
        (
            Term("occupation", _("职业意向"), 20, _occupation, reason_occupation),
            Term("skills", _("技能匹配"), 30, _skills, reason_skills),
            Term("training", _("对口培训"), 10, _training, reason_training),
            Term("wage", _("工资"), 20, _wage, reason_wage),
            Term("housing", _("住宿"), 5, _housing, reason_housing),
            Term("region", _("意向地区"), 10, _region, reason_region),
            Term("pairing", _("结对城市"), 5, paired, reason_pairing),
        )
    )


# ---- produce (产销对接): product listings (left) × demands (right) ---------------------------------------------------

CATEGORIES = list(ProductCategory.values)
CERTIFICATIONS = list(Certification.values)
ALL_MONTHS = (1 << 12) - 1
PAIRED = 8  # old-area regions kept per demand: the cities (or counties) paired with the buyer's place


def season_mask(start: int, end: int) -> int:
    """Bit m−1 set for each month m of a supply season; a season may wrap the year end (11 → 2)."""
    months = range(start, end + 1) if start <= end else [*range(start, 13), *range(1, end + 1)]
    return sum(1 << (m - 1) for m in months)


def period_mask(start: datetime.date, end: datetime.date) -> int:
    """The months a demand period touches; a period of a year or more touches every month."""
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    if count >= 12:
        return ALL_MONTHS
    return season_mask(start.month, end.month)


def months_text(value: int) -> str:
    return listed(month_name(m) for m in range(1, 13) if int(value) >> (m - 1) & 1)


def listing_side(listings: Sequence, *, assisted: Iterable[str] = ()) -> Side:
    """Columns of product listings (model objects or alike); ``assisted``: the codes of the counties named
    国家乡村振兴重点帮扶县 (专栏1)."""
    assisted = set(assisted)
    return {
        "category": np.array([CATEGORIES.index(x.category) for x in listings], dtype=np.int64),
        "certs": np.array([mask(x.certifications, CERTIFICATIONS) for x in listings], dtype=np.uint64),
        "season": np.array([season_mask(x.season_start, x.season_end) for x in listings], dtype=np.uint64),
        "volume": np.array([float(x.volume_tonnes) for x in listings], dtype=np.float64),
        "price": np.array([float(x.price_yuan_kg) for x in listings], dtype=np.float64),
        "city": np.array([int(str(x.origin_id)[:4]) for x in listings], dtype=np.int64),
        "county": np.array([int(str(x.origin_id)[:6]) for x in listings], dtype=np.int64),
        "assisted": np.array([x.origin_id in assisted for x in listings], dtype=bool),
    }


def demand_side(demands: Sequence, *, pairings: Iterable[tuple[str, str]] = ()) -> Side:
    """Columns of demands (model objects or alike); ``pairings``: (old-area prefix, partner prefix) of the active
    pairings, as code prefixes ("4115", "3205"; a municipality is "31")."""
    pairings = list(pairings)
    paired = np.full((len(demands), PAIRED), -1, dtype=np.int64)
    for i, d in enumerate(demands):
        olds = sorted({old for old, partner in pairings if str(d.region_id).startswith(partner)})
        for p, old in enumerate(olds[:PAIRED]):
            paired[i, p] = int(old)
    return {
        "category": np.array([CATEGORIES.index(d.category) for d in demands], dtype=np.int64),
        "required": np.array([mask(d.certifications_required, CERTIFICATIONS) for d in demands], dtype=np.uint64),
        "months": np.array([period_mask(d.period_start, d.period_end) for d in demands], dtype=np.uint64),
        "volume": np.array([float(d.volume_tonnes) for d in demands], dtype=np.float64),
        "max_price": np.array(
            [float(d.max_price_yuan_kg) if d.max_price_yuan_kg else 0.0 for d in demands], dtype=np.float64
        ),
        "paired": paired,
    }


def _bits(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values).astype(np.float64)


def _produce_gate(s: Side, d: Side) -> np.ndarray:
    same = s["category"][:, None] == d["category"][None, :]
    required = d["required"][None, :]
    return same & ((s["certs"][:, None] & required) == required)


def _extra_certs(s: Side, d: Side) -> np.ndarray:
    """The listing's certifications beyond those required, out of those the demand did not require."""
    required = d["required"][None, :]
    extra = _bits(s["certs"][:, None] & ~required)
    room = len(CERTIFICATIONS) - _bits(required)
    return np.where(room == 0, 1.0, extra / np.maximum(room, 1))


def _season(s: Side, d: Side) -> np.ndarray:
    months = d["months"][None, :]
    return _bits(s["season"][:, None] & months) / np.maximum(_bits(months), 1)


def _volume(s: Side, d: Side) -> np.ndarray:
    return np.minimum(1.0, s["volume"][:, None] / d["volume"][None, :])


def _price(s: Side, d: Side) -> np.ndarray:
    cap = d["max_price"][None, :]
    price = s["price"][:, None]
    falling = np.clip(1.0 - (price - cap) / np.maximum(0.5 * cap, 1e-9), 0.0, 1.0)
    return np.where((cap <= 0) | (price <= cap), 1.0, falling)


def _paired(s: Side, d: Side) -> np.ndarray:
    paired = d["paired"]
    hit = np.zeros((len(s["city"]), len(paired)), dtype=bool)
    for k in range(paired.shape[1]):
        column = paired[:, k][None, :]
        hit |= (column == s["city"][:, None]) | (column == s["county"][:, None])
    return hit.astype(np.float64)


def _assisted(s: Side, d: Side) -> np.ndarray:
    return np.repeat(s["assisted"].astype(np.float64)[:, None], len(d["category"]), axis=1)


def produce_scorer() -> Scorer:
    """Listings × demands. Only the same category with every required certification may match (the gate)."""

    # Labels and reasons are written in the reader's language when a pair is explained (never stored).
    def gate_reason(a, b):
        if int(a["category"]) != int(b["category"]):
            got, wanted = (ProductCategory(CATEGORIES[int(x["category"])]).label for x in (a, b))
            return _("产品类别「%(got)s」与需求的「%(wanted)s」不同") % {"got": got, "wanted": wanted}
        missing = unmask(int(b["required"]) & ~int(a["certs"]), CERTIFICATIONS)
        return _("缺少需求要求的认证：%(missing)s") % {"missing": _labels(missing, Certification)}

    def reason_certs(a, b, v):
        extra = unmask(int(a["certs"]) & ~int(b["required"]), CERTIFICATIONS)
        required = unmask(int(b["required"]), CERTIFICATIONS)
        words = {
            "required": _labels(required, Certification),
            "n": len(extra),
            "extra": _labels(extra, Certification),
        }
        if len(required) == len(CERTIFICATIONS):
            return _("具备要求的认证（%(required)s）；已具备全部认证") % words
        if not extra:
            if required:
                return _("具备要求的认证（%(required)s）；无要求以外的认证") % words
            return _("无要求以外的认证")
        if required:
            return (
                ngettext(
                    "具备要求的认证（%(required)s）；另有认证 %(n)s 项（%(extra)s）",
                    "具备要求的认证（%(required)s）；另有认证 %(n)s 项（%(extra)s）",
                    len(extra),
                )
                % words
            )
        return ngettext("另有认证 %(n)s 项（%(extra)s）", "另有认证 %(n)s 项（%(extra)s）", len(extra)) % words

    def reason_season(a, b, v):
        wanted = int(_bits(np.array([b["months"]], dtype=np.uint64))[0])
        inside = int(_bits(np.array([int(a["season"]) & int(b["months"])], dtype=np.uint64))[0])
        return ngettext(
            "需求期涉及 %(months)s，其中 %(inside)s/%(wanted)s 个月在供货季（%(season)s）内",
            "需求期涉及 %(months)s，其中 %(inside)s/%(wanted)s 个月在供货季（%(season)s）内",
            wanted,
        ) % {
            "months": months_text(b["months"]),
            "inside": inside,
            "wanted": wanted,
            "season": months_text(a["season"]),
        }

    def reason_volume(a, b, v):
        return _("可供 %(supply)s 吨，需求 %(demand)s 吨（覆盖 %(share)s）") % {
            "supply": f"{float(a['volume']):g}",
            "demand": f"{float(b['volume']):g}",
            "share": f"{v:.0%}",
        }

    def reason_price(a, b, v):
        cap = float(b["max_price"])
        words = {"price": f"{float(a['price']):g}", "cap": f"{cap:g}"}
        if cap <= 0:
            return _("需求未限定价格（报价 %(price)s 元/公斤）") % words
        if float(a["price"]) <= cap:
            return _("报价 %(price)s 元/公斤不高于最高价 %(cap)s 元/公斤") % words
        return _("报价 %(price)s 元/公斤高于最高价 %(cap)s 元/公斤（超过 1.5 倍记 0 分）") % words

    def reason_pairing(a, b, v):
        if v:
            return _("产地城市与采购方所在城市是对口合作结对城市")
        return _("产地城市与采购方所在城市无结对关系")

    def reason_assisted(a, b, v):
        return _("产地是国家乡村振兴重点帮扶县") if v else _("产地不是国家乡村振兴重点帮扶县")

    return Scorer(
        (
            Term("certs", _("认证"), 10, _extra_certs, reason_certs),
            Term("season", _("供货季"), 25, _season, reason_season),
            Term("volume", _("供应量"), 25, _volume, reason_volume),
            Term("price", _("价格"), 20, _price, reason_price),
            Term("pairing", _("结对城市"), 15, _paired, reason_pairing),
            Term("assisted", _("重点帮扶县"), 5, _assisted, reason_assisted),
        ),
        gate=_produce_gate,
        gate_reason=gate_reason,
    )
