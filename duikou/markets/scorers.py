"""The terms each market scores a pair by (``engine.Term``), with the columns they read. Method and weights are
documented in docs/matching.md; changing a weight here changes that page's table.

Sets (skills, occupations, certifications) are 64-bit masks, one bit per code of a bounded vocabulary, so a term
over sets is a few bitwise operations on whole arrays.
"""

from collections.abc import Iterable, Sequence

import numpy as np

from .engine import Scorer, Side, Term
from .models import Occupation, Skill

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
    return "、".join(str(choices(c).label) for c in codes) or "—"


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


def _count(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values).astype(np.float64)


def _occupation(s: Side, p: Side) -> np.ndarray:
    wanted = s["occupations"][:, None]
    return np.where(wanted == 0, 1.0, ((wanted & p["occupation"][None, :]) != 0).astype(np.float64))


def _skills(s: Side, p: Side) -> np.ndarray:
    required = p["required"][None, :]
    have = (s["skills"] | s["trained"])[:, None]
    needed = _count(required)
    return np.where(needed == 0, 1.0, _count(required & have) / np.maximum(needed, 1))


def _training(s: Side, p: Side) -> np.ndarray:
    required = p["required"][None, :]
    return np.where(required == 0, 1.0, ((s["trained"][:, None] & required) != 0).astype(np.float64))


def _wage(s: Side, p: Side) -> np.ndarray:
    expected = s["expected_wage"][:, None]
    return np.where(expected <= 0, 1.0, np.minimum(1.0, p["wage_max"][None, :] / np.maximum(expected, 1)))


def _housing(s: Side, p: Side) -> np.ndarray:
    return np.where(s["needs_housing"][:, None] & ~p["housing"][None, :], 0.0, 1.0)


def _region(s: Side, p: Side) -> np.ndarray:
    prefs = s["preferred"]
    hit = np.zeros((len(prefs), len(p["city"])), dtype=bool)
    for k in range(prefs.shape[1]):
        column = prefs[:, k : k + 1]
        hit |= (column == p["province"][None, :]) | (column == p["city"][None, :])
    return np.where((prefs[:, 0] < 0)[:, None], 1.0, hit.astype(np.float64))


def labour_scorer(pairs: Iterable[tuple[int, int]] = ()) -> Scorer:
    """``pairs``: (old-area city, supporting city) as 4-digit integers, for the pairing term."""
    keys = np.array(sorted({a * 10000 + b for a, b in pairs}), dtype=np.int64)

    def paired(s: Side, p: Side) -> np.ndarray:
        return np.isin(s["home_city"][:, None] * 10000 + p["city"][None, :], keys).astype(np.float64)

    def reason_occupation(a, b, v):
        if not a["occupations"]:
            return "求职者未限定职业，视为符合"
        wanted = _labels(unmask(a["occupations"], OCCUPATIONS), Occupation)
        got = _labels(unmask(b["occupation"], OCCUPATIONS), Occupation)
        return f"岗位职业「{got}」{'在' if v else '不在'}意向职业（{wanted}）内"

    def reason_skills(a, b, v):
        required = unmask(b["required"], SKILLS)
        if not required:
            return "岗位无技能要求"
        have = unmask(int(b["required"]) & (int(a["skills"]) | int(a["trained"])), SKILLS)
        return f"具备岗位要求技能 {len(have)}/{len(required)} 项（{_labels(have, Skill)}）"

    def reason_training(a, b, v):
        if not int(b["required"]):
            return "岗位无技能要求，无需对口培训"
        trained = unmask(int(b["required"]) & int(a["trained"]), SKILLS)
        return f"参加过对口技能培训（{_labels(trained, Skill)}）" if trained else "未参加岗位所需技能的培训"

    def reason_wage(a, b, v):
        return f"岗位工资上限 {int(b['wage_max'])} 元，期望 {int(a['expected_wage'])} 元（满足 {v:.0%}）"

    def reason_housing(a, b, v):
        if not a["needs_housing"]:
            return "求职者不需要住宿"
        return "岗位提供住宿" if b["housing"] else "求职者需要住宿，岗位不提供"

    def reason_region(a, b, v):
        if int(a["preferred"][0]) < 0:
            return "求职者未限定地区，视为符合"
        return "工作地在意向地区内" if v else "工作地不在意向地区内"

    def reason_pairing(a, b, v):
        return "工作地城市与户籍地城市是对口合作结对城市" if v else "工作地城市与户籍地城市无结对关系"

    return Scorer(
        (
            Term("occupation", "职业意向", 20, _occupation, reason_occupation),
            Term("skills", "技能匹配", 30, _skills, reason_skills),
            Term("training", "对口培训", 10, _training, reason_training),
            Term("wage", "工资", 20, _wage, reason_wage),
            Term("housing", "住宿", 5, _housing, reason_housing),
            Term("region", "意向地区", 10, _region, reason_region),
            Term("pairing", "结对城市", 5, paired, reason_pairing),
        )
    )
