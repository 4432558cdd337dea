"""劳务协作 matching: job seekers and postings scored both ways with their reasons, and the best assignment under
capacities."""

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core import pii
from duikou.geo.models import Region
from duikou.pairings.queries import active_pairings

from .. import engine
from ..models import JobPosting, JobSeeker, ListingStatus, MatchRun, Occupation, Placement, Skill, StoredMatch
from ..scorers import labour_scorer, posting_side, seeker_side
from ..words import listed
from .queries import latest_match_run, open_postings_with_room, stored_matches, with_remaining


def scorer_pairs() -> list[tuple[int, int]]:
    """(old-area city, supporting city) as 4-digit integers for the pairing term; a municipality partner
    (上海市, 北京市, 天津市) stands for each of its city-level divisions."""
    pairings = list(active_pairings())
    provinces = [p.partner_region for p in pairings if p.partner_region.level == Region.Level.PROVINCE]
    cities: dict[str, list[str]] = {r.code: [] for r in provinces}
    for r in Region.objects.filter(parent__in=provinces, level=Region.Level.PREFECTURE):
        cities[r.parent_id].append(r.code)
    pairs = set()
    for p in pairings:
        partners = cities.get(p.partner_region.code) or [p.partner_region.code]
        for code in partners:
            pairs.add((int(p.old_region.code[:4]), int(code[:4])))
    return sorted(pairs)


# what the scorer reads of a job seeker (``home`` is the county's code)
SEEKER_SCORED = ("occupations", "skills", "trainings", "preferred_regions", "expected_wage", "needs_housing", "home")


def seeker_dict(s: JobSeeker) -> dict:
    return {name: getattr(s, "home_id" if name == "home" else name) for name in SEEKER_SCORED}


def posting_dict(p: JobPosting) -> dict:
    return {
        "occupation": p.occupation,
        "skills": p.skills,
        "wage_max": p.wage_max,
        "housing": p.housing,
        "region": p.region_id,
    }


def _labels(codes, choices) -> str:
    return listed(choices(c).label for c in codes if c in choices.values)


def skill_labels(codes) -> str:
    return _labels(codes, Skill)


def occupation_labels(codes) -> str:
    return _labels(codes, Occupation)


def label_seekers(user, placements) -> list[Placement]:
    """Placements with ``seeker_label``: the name where the user may read the seeker, else the masked name."""
    placements = list(placements)
    visible = _visible_seekers(user) if placements else set()
    for p in placements:
        p.seeker_label = p.seeker.name if p.seeker_id in visible else pii.mask_name(p.seeker.name)
    return placements


@dataclass
class Match:
    """One ranked pair. ``visible`` is whether the user may read the seeker's record; otherwise only the masked
    name, home city and skills are shown (never the ID or phone number, nor the record's id)."""

    seeker: JobSeeker
    posting: JobPosting
    score: Decimal
    explanation: dict
    visible: bool
    rank: int = 0
    terms: list = field(default_factory=list)
    # a stored match whose records changed after the run: the explanation is of the records now, and sums to this
    changed_score: Decimal | None = None

    @property
    def explained_score(self) -> Decimal:
        """What the explanation's points add up to: the stored score unless the records changed since the run."""
        return self.score if self.changed_score is None else self.changed_score

    @property
    def seeker_name(self) -> str:
        return self.seeker.name if self.visible else pii.mask_name(self.seeker.name)

    @property
    def home_city(self) -> str:
        return self.seeker.home.parent.name if self.seeker.home.parent_id else self.seeker.home.name

    @property
    def skills_text(self) -> str:
        return _labels(self.seeker.skills, Skill)

    @property
    def trainings_text(self) -> str:
        return _labels(self.seeker.trainings, Skill)

    def as_dict(self) -> dict:
        out = {
            "rank": self.rank,
            "seeker_id": self.seeker.pk if self.visible else None,
            "seeker_name": self.seeker_name,
            "id_number_masked": self.seeker.id_number_masked if self.visible else None,
            "home_city": self.home_city,
            "skills": list(self.seeker.skills),
            "trainings": list(self.seeker.trainings),
            "posting_id": self.posting.pk,
            "posting": str(self.posting),
            "score": self.score,
            "terms": self.explanation["terms"],
        }
        return out


def _to_decimal(hundredths: int) -> Decimal:
    return (Decimal(int(hundredths)) / 100).quantize(Decimal("0.01"))


def open_seekers() -> QuerySet[JobSeeker]:
    return JobSeeker.objects.filter(status=JobSeeker.Status.SEEKING).select_related("home__parent").order_by("pk")


def _visible_seekers(user) -> set[int]:
    return set(scoping.scope(user, JobSeeker).values_list("pk", flat=True))


class MatchList(list):
    """A listing's matches, best first, and where they come from: ``run`` is the latest finished match run;
    ``live`` says they were scored for this request (the listing is newer than the run, or not in it) rather than
    read from the run's stored rows."""

    def __init__(self, matches=(), *, run: MatchRun | None = None, live: bool = True, newer: bool = False):
        super().__init__(matches)
        self.run, self.live, self.newer = run, live, newer


def _stored_for(run: MatchRun | None, listing, side: int, k: int) -> list[tuple[int, int, int]] | None:
    """The stored rows of ``listing``, or None when the page must score it now: no run yet, more rows asked than a
    run keeps, the listing created or edited after the run began, or not in the run (it was not open then)."""
    if run is None or k > int(run.params.get("k", 0)) or listing.updated >= run.started:
        return None
    return stored_matches(run, side, listing.pk, k) or None


def _explained(matches: list[Match], scorer, left, right, pairs: list[tuple[int, int]], stored: list[int]) -> None:
    """Explain each stored match from its records now; where they no longer add up to the stored score (a record
    or a pairing changed since the run), ``changed_score`` says what they add up to."""
    for m, (i, j), score in zip(matches, pairs, stored, strict=True):
        m.explanation = engine.explain(scorer, left, i, right, j)
        now = round(m.explanation["score"] * 100)
        if now != score:
            m.changed_score = _to_decimal(now)


def matches_for_posting(user, posting: JobPosting, k: int = 10) -> MatchList:
    """The best ``k`` seeking job seekers for ``posting``, best first, each explained term by term: the latest
    match run's stored rows, or scored now when the posting is newer than the run."""
    scoping.require(user, scoping.Action.VIEW, posting)
    run = latest_match_run()
    stored = _stored_for(run, posting, StoredMatch.Side.POSTING, k)
    if stored is None:
        return MatchList(_live_for_posting(user, posting, k), run=run, newer=run is not None)
    ids = [seeker_id for _rank, seeker_id, _score in stored]
    seekers = open_seekers().in_bulk(ids)  # a seeker placed or withdrawn since the run is left out
    visible = set(scoping.scope(user, JobSeeker).filter(pk__in=ids).values_list("pk", flat=True))
    shown = [(rank, seekers[pk], score) for rank, pk, score in stored if pk in seekers]
    matches = [Match(s, posting, _to_decimal(score), {}, s.pk in visible, rank) for rank, s, score in shown]
    if matches:
        scorer = labour_scorer(scorer_pairs())
        left, right = seeker_side([seeker_dict(s) for _r, s, _sc in shown]), posting_side([posting_dict(posting)])
        _explained(matches, scorer, left, right, [(i, 0) for i in range(len(shown))], [sc for _r, _s, sc in shown])
    return MatchList(matches, run=run, live=False)


def _live_for_posting(user, posting: JobPosting, k: int) -> list[Match]:
    """Every seeking job seeker scored against ``posting`` now (the path before a run covers it)."""
    # every seeking job seeker is scored, so only the scored columns are read; whole rows only for the best k
    rows = list(open_seekers().values_list("pk", *SEEKER_SCORED))
    if not rows:
        return []
    visible = _visible_seekers(user)
    scorer = labour_scorer(scorer_pairs())
    left = seeker_side([dict(zip(SEEKER_SCORED, row[1:], strict=True)) for row in rows])
    right = posting_side([posting_dict(posting)])
    top = engine.top_k(scorer, left, right, k)
    best = open_seekers().in_bulk([rows[int(i)][0] for i in top.right_index[0] if i != engine.NO_MATCH])
    out = []
    for rank, (i, score) in enumerate(zip(top.right_index[0], top.right_score[0], strict=True), start=1):
        if i == engine.NO_MATCH:
            continue
        seeker = best.get(rows[int(i)][0])
        if seeker is None:
            continue  # placed or withdrawn in the meantime
        explanation = engine.explain(scorer, left, int(i), right, 0)
        out.append(Match(seeker, posting, _to_decimal(score), explanation, seeker.pk in visible, rank))
    return out


def matches_for_seeker(user, seeker: JobSeeker, k: int = 10) -> MatchList:
    """The best ``k`` open postings with room for ``seeker`` (whom the user must be allowed to read): the latest
    match run's stored rows, or scored now when the seeker is newer than the run."""
    scoping.require(user, scoping.Action.VIEW, seeker)
    run = latest_match_run()
    stored = _stored_for(run, seeker, StoredMatch.Side.SEEKER, k)
    if stored is None:
        return MatchList(_live_for_seeker(user, seeker, k), run=run, newer=run is not None)
    ids = [posting_id for _rank, posting_id, _score in stored]
    # postings the user may read that are still open, valid and with room (closed or filled since the run: left out)
    postings = {p.pk: p for p in open_postings_with_room(user).filter(pk__in=ids) if p.headcount > p.placed}
    shown = [(rank, postings[pk], score) for rank, pk, score in stored if pk in postings]
    matches = [Match(seeker, p, _to_decimal(score), {}, True, rank) for rank, p, score in shown]
    if matches:
        scorer = labour_scorer(scorer_pairs())
        left, right = seeker_side([seeker_dict(seeker)]), posting_side([posting_dict(p) for _r, p, _s in shown])
        _explained(matches, scorer, left, right, [(0, j) for j in range(len(shown))], [sc for _r, _p, sc in shown])
    return MatchList(matches, run=run, live=False)


def _live_for_seeker(user, seeker: JobSeeker, k: int) -> list[Match]:
    postings = list(open_postings_with_room(user))
    postings = [p for p in postings if p.headcount > p.placed]
    if not postings:
        return []
    scorer = labour_scorer(scorer_pairs())
    left, right = seeker_side([seeker_dict(seeker)]), posting_side([posting_dict(p) for p in postings])
    top = engine.top_k(scorer, left, right, k)
    out = []
    for rank, (j, score) in enumerate(zip(top.left_index[0], top.left_score[0], strict=True), start=1):
        if j == engine.NO_MATCH:
            continue
        explanation = engine.explain(scorer, left, 0, right, int(j))
        out.append(Match(seeker, postings[int(j)], _to_decimal(score), explanation, True, rank))
    return out


def explain_pair(seeker: JobSeeker, posting: JobPosting) -> dict:
    scorer = labour_scorer(scorer_pairs())
    return engine.explain(scorer, seeker_side([seeker_dict(seeker)]), 0, posting_side([posting_dict(posting)]), 0)


@dataclass
class Plan:
    matches: list[Match]
    total: Decimal
    seekers: int
    postings: int
    candidates: int


def plan_assignment(
    user,
    *,
    seekers: QuerySet[JobSeeker] | None = None,
    postings: QuerySet[JobPosting] | None = None,
    k: int = 10,
) -> Plan:
    """The placement plan with the largest total score: each seeker at most once, each posting at most its
    remaining headcount, over the candidate pairs that are in either side's top ``k``. Seekers default to those
    the user answers for; postings to every open posting with room."""
    scoping.require(user, scoping.Action.VIEW)
    seeker_qs = seekers if seekers is not None else scoping.scope(user, JobSeeker)
    seeker_list = list(seeker_qs.filter(status=JobSeeker.Status.SEEKING).select_related("home__parent").order_by("pk"))
    posting_qs = postings if postings is not None else scoping.scope(user, JobPosting)
    posting_list = [
        p
        for p in with_remaining(
            posting_qs.filter(status=ListingStatus.OPEN, valid_until__gte=timezone.localdate()).select_related(
                "region__parent"
            )
        ).order_by("pk")
        if p.headcount > p.placed
    ]
    if not seeker_list or not posting_list:
        return Plan([], Decimal("0.00"), len(seeker_list), len(posting_list), 0)
    visible = _visible_seekers(user)
    scorer = labour_scorer(scorer_pairs())
    left = seeker_side([seeker_dict(s) for s in seeker_list])
    right = posting_side([posting_dict(p) for p in posting_list])
    top = engine.top_k(scorer, left, right, k)
    pairs = top.candidates()
    keys = sorted(pairs)
    result = engine.assign(
        np.array([i for i, _j in keys]),
        np.array([j for _i, j in keys]),
        np.array([pairs[key] for key in keys]),
        np.ones(len(seeker_list), dtype=np.int64),
        np.array([p.headcount - p.placed for p in posting_list], dtype=np.int64),
    )
    matches = []
    for i, j, score in zip(result.left, result.right, result.score, strict=True):
        seeker, posting = seeker_list[int(i)], posting_list[int(j)]
        explanation = engine.explain(scorer, left, int(i), right, int(j))
        matches.append(Match(seeker, posting, _to_decimal(score), explanation, seeker.pk in visible))
    matches.sort(key=lambda m: (m.posting.pk, -m.score, m.seeker.pk))
    for rank, m in enumerate(matches, start=1):
        m.rank = rank
    return Plan(matches, _to_decimal(result.total), len(seeker_list), len(posting_list), len(keys))
