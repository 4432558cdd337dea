"""劳务协作: job postings from the supporting side, job seekers from the old areas, matches both ways with their
reasons, the best assignment under capacities, placements and their 3- and 6-month follow-ups.

A placement is recorded as a 劳务协作 activity (``projects.Activity``, people_placed = 1) of the pairing that joins
the seeker's home city and the work place's city, so it counts in that pairing's labour-cooperation figure for the
period it started in. Seekers' ID and phone numbers are kept exactly as household members' are
(``duikou.core.pii``): ciphertext, keyed digest, masked copy; no value is ever logged.
"""

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from duikou.accounts import scoping
from duikou.audit.context import set_actor
from duikou.core import pii
from duikou.core.actors import audit_actor
from duikou.core.concurrency import save_checked, save_versioned
from duikou.geo.models import Region
from duikou.pairings.queries import active_pairings, pairing_between
from duikou.policy.models import Task
from duikou.projects.models import Activity

from . import engine
from .models import FollowUp, JobPosting, JobSeeker, ListingStatus, Occupation, Placement, Skill
from .scorers import PREFERENCES, labour_scorer, posting_side, seeker_side

# 2022 方案 三(二) 衔接推进乡村振兴和新型城镇化: "鼓励开展劳务合作，支持革命老区农村低收入群体就业技能培训和外出务工"
LABOUR_KEY_TASK = "KT2"
FOLLOWUP_MONTHS = (3, 6)

POSTING_FIELDS = (
    "employer",
    "region",
    "title",
    "occupation",
    "skills",
    "wage_min",
    "wage_max",
    "housing",
    "headcount",
    "valid_until",
)
SEEKER_FIELDS = (
    "name",
    "occupations",
    "skills",
    "trainings",
    "preferred_regions",
    "expected_wage",
    "needs_housing",
    "status",
)


def _require_area(user, region: Region, message: str) -> None:
    """A new record belongs to the user's own area: the scoping layer cannot ask about a row not yet saved."""
    scoping.require(user, scoping.Action.CHANGE)
    prefix = scoping.region_prefix(user)
    if prefix == "" or (prefix is not None and not region.code.startswith(prefix)):
        raise PermissionDenied(message)


def _codes(values, vocabulary, label: str, name: str) -> list[str]:
    values = list(dict.fromkeys(values or []))
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise ValidationError({name: [f"「{'、'.join(map(str, unknown))}」不是可选的{label}"]})
    return sorted(values, key=list(vocabulary).index)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- where people come from and go to -------------------------------------------------------------------------


def supporting_prefixes() -> set[str]:
    """The areas a job may be posted in: the supporting (eastern or central) side of some active pairing."""
    return {p.partner_region.prefix for p in active_pairings()}


def check_work_place(region: Region) -> None:
    if region.level not in (Region.Level.PREFECTURE, Region.Level.COUNTY):
        raise ValidationError({"region": ["工作地点须为市或县（区）"]})
    if not any(region.code.startswith(prefix) for prefix in supporting_prefixes()):
        raise ValidationError(
            {"region": [f"工作地点「{region.full_name}」不在任何结对关系的支持方（东部、中部城市）内"]}
        )


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


# --- postings -------------------------------------------------------------------------------------------------


def _clean_posting(values: dict) -> dict:
    out = dict(values)
    for key in ("employer", "title"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    if "skills" in out:
        out["skills"] = _codes(out["skills"], Skill.values, "技能", "skills")
    if out.get("occupation") is not None and out["occupation"] not in Occupation.values:
        raise ValidationError({"occupation": [f"「{out['occupation']}」不是可选的职业类别"]})
    return out


def _check_posting(posting: JobPosting) -> None:
    errors = {}
    if posting.wage_min is not None and posting.wage_max is not None and posting.wage_max < posting.wage_min:
        errors["wage_max"] = ["月工资上限不能低于下限"]
    if errors:
        raise ValidationError(errors)
    check_work_place(posting.region)
    posting.full_clean()


def create_posting(*, user, **fields) -> JobPosting:
    """Post a job; only the work place's own area (or its province, or the nation) posts it."""
    unknown = set(fields) - set(POSTING_FIELDS)
    if unknown:
        raise TypeError(f"unknown posting fields: {sorted(unknown)}")
    fields = _clean_posting(fields)
    _require_area(user, fields["region"], "只能发布本地区的用工岗位")
    posting = JobPosting(**fields)
    _check_posting(posting)
    with transaction.atomic(), set_actor(audit_actor(user)):
        posting.save()
    return posting


def update_posting(*, user, posting: JobPosting, expected_version: int, **changes) -> JobPosting:
    scoping.require(user, scoping.Action.CHANGE, posting)
    unknown = set(changes) - set(POSTING_FIELDS) - {"status"}
    if unknown:
        raise TypeError(f"unknown posting fields: {sorted(unknown)}")
    changes = _clean_posting(changes)
    if "region" in changes:
        _require_area(user, changes["region"], "只能把岗位改到本地区")
        check_work_place(changes["region"])
    wage_min = changes.get("wage_min", posting.wage_min)
    wage_max = changes.get("wage_max", posting.wage_max)
    if wage_max < wage_min:
        raise ValidationError({"wage_max": ["月工资上限不能低于下限"]})
    with set_actor(audit_actor(user)):
        return save_versioned(posting, expected_version=expected_version, changes=changes)


def close_posting(*, user, posting: JobPosting, expected_version: int) -> JobPosting:
    return update_posting(user=user, posting=posting, expected_version=expected_version, status=ListingStatus.CLOSED)


def with_remaining(qs: QuerySet[JobPosting]) -> QuerySet[JobPosting]:
    """Postings with ``placed`` (people in post) and ``remaining`` (headcount − placed)."""
    return qs.annotate(placed=Count("placements", filter=Q(placements__status=Placement.Status.EMPLOYED)))


def remaining(posting: JobPosting) -> int:
    placed = posting.placements.filter(status=Placement.Status.EMPLOYED).count()
    return max(posting.headcount - placed, 0)


# --- job seekers ----------------------------------------------------------------------------------------------


def _clean_seeker(values: dict) -> dict:
    out = dict(values)
    if isinstance(out.get("name"), str):
        out["name"] = out["name"].strip()
    if "occupations" in out:
        out["occupations"] = _codes(out["occupations"], Occupation.values, "职业", "occupations")
    for key in ("skills", "trainings"):
        if key in out:
            out[key] = _codes(out[key], Skill.values, "技能", key)
    if "preferred_regions" in out:
        codes = list(dict.fromkeys(str(c).strip() for c in out["preferred_regions"] or [] if str(c).strip()))
        if len(codes) > PREFERENCES:
            raise ValidationError({"preferred_regions": [f"意向地区最多 {PREFERENCES} 个"]})
        found = dict(
            Region.objects.filter(
                code__in=codes, level__in=[Region.Level.PROVINCE, Region.Level.PREFECTURE]
            ).values_list("code", "level")
        )
        bad = [c for c in codes if c not in found]
        if bad:
            raise ValidationError({"preferred_regions": [f"「{'、'.join(bad)}」不是省或市的区划代码"]})
        out["preferred_regions"] = codes
    return out


PII_COLUMNS = [*JobSeeker.ENCRYPTED, "id_number_masked", "phone_masked"]


def register_seeker(
    *, user, home: Region, name: str, id_number: str, phone: str = "", expected_wage: int, **fields
) -> JobSeeker:
    """Register an old-area job seeker; the ID number is validated (GB 11643), encrypted, digested and masked."""
    unknown = set(fields) - set(SEEKER_FIELDS)
    if unknown:
        raise TypeError(f"unknown seeker fields: {sorted(unknown)}")
    if home.level != Region.Level.COUNTY:
        raise ValidationError({"home": [f"户籍地须为县级区划，「{home.name}」是{home.get_level_display()}"]})
    _require_area(user, home, "只能登记本地区的求职者")
    id_number, phone = pii.normalise_identifiers(id_number, phone)
    digest = pii.digest(id_number)
    _not_registered(digest)
    seeker = JobSeeker(
        home=home,
        expected_wage=expected_wage,
        **_clean_seeker({"name": name, **fields}),
        **pii.id_number_columns(id_number, digest),
        **pii.phone_columns(phone),
    )
    seeker.full_clean(exclude=PII_COLUMNS)
    with transaction.atomic(), set_actor(audit_actor(user)):
        # registered at the same moment by someone else: refused as a registration a moment later is
        save_checked(seeker, check=lambda s: _not_registered(s.id_number_digest))
    return seeker


def _not_registered(digest: str) -> None:
    if JobSeeker.objects.filter(id_number_digest=digest).exists():
        raise ValidationError({"id_number": ["该身份证号码已登记为求职者"]})


def update_seeker(*, user, seeker: JobSeeker, expected_version: int, phone: str | None = None, **changes) -> JobSeeker:
    """Edit what a seeker looks for; the ID number and home never change (register anew instead)."""
    scoping.require(user, scoping.Action.CHANGE, seeker)
    unknown = set(changes) - set(SEEKER_FIELDS)
    if unknown:
        raise TypeError(f"unknown seeker fields: {sorted(unknown)}")
    changes = _clean_seeker(changes)
    if phone is not None:
        changes |= pii.phone_columns(pii.normalise_phone_field(phone))
    with set_actor(audit_actor(user)):
        return save_versioned(seeker, expected_version=expected_version, exclude=PII_COLUMNS, changes=changes)


# --- matching -------------------------------------------------------------------------------------------------


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
    return "、".join(str(choices(c).label) for c in codes if c in choices.values) or "—"


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


def open_postings_with_room(user, today: datetime.date | None = None) -> QuerySet[JobPosting]:
    today = today or timezone.localdate()
    qs = scoping.scope(user, JobPosting).filter(status=ListingStatus.OPEN, valid_until__gte=today)
    return with_remaining(qs.select_related("region__parent")).order_by("pk")


def _visible_seekers(user) -> set[int]:
    return set(scoping.scope(user, JobSeeker).values_list("pk", flat=True))


def matches_for_posting(user, posting: JobPosting, k: int = 10) -> list[Match]:
    """The best ``k`` seeking job seekers for ``posting``, best first, each explained term by term."""
    scoping.require(user, scoping.Action.VIEW, posting)
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


def matches_for_seeker(user, seeker: JobSeeker, k: int = 10) -> list[Match]:
    """The best ``k`` open postings with room for ``seeker`` (whom the user must be allowed to read)."""
    scoping.require(user, scoping.Action.VIEW, seeker)
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
    pairs: dict[tuple[int, int], int] = {}
    for i in range(len(seeker_list)):
        for j, score in zip(top.left_index[i], top.left_score[i], strict=True):
            if j != engine.NO_MATCH:
                pairs[(i, int(j))] = int(score)
    for j in range(len(posting_list)):
        for i, score in zip(top.right_index[j], top.right_score[j], strict=True):
            if i != engine.NO_MATCH:
                pairs[(int(i), j)] = int(score)
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


# --- placements and follow-ups --------------------------------------------------------------------------------


def record_placement(
    *, user, seeker: JobSeeker, posting: JobPosting, start_date: datetime.date, wage: int, note: str = ""
) -> Placement:
    """Place a seeker in a job. The seeker's side records it (it answers for the person); the placement becomes a
    劳务协作 activity of the pairing joining the two cities, and its 3- and 6-month follow-ups are scheduled."""
    scoping.require(user, scoping.Action.CHANGE, seeker)
    scoping.require(user, scoping.Action.VIEW, posting)
    if not wage or wage <= 0:
        raise ValidationError({"wage": ["月工资须大于 0"]})
    pairing = pairing_between(seeker.home, posting.region)
    explanation = explain_pair(seeker, posting)
    with transaction.atomic(), set_actor(audit_actor(user)):
        seeker = JobSeeker.objects.select_for_update().select_related("home").get(pk=seeker.pk)
        posting = JobPosting.objects.select_for_update().select_related("region").get(pk=posting.pk)
        if seeker.status != JobSeeker.Status.SEEKING:
            raise ValidationError({"seeker": [f"求职者当前状态为「{seeker.get_status_display()}」，不能再安置"]})
        if posting.status != ListingStatus.OPEN:
            raise ValidationError({"posting": ["该岗位已关闭"]})
        if remaining(posting) <= 0:
            raise ValidationError({"posting": [f"该岗位已招满（{posting.headcount} 人）"]})
        placement = Placement(
            seeker=seeker,
            posting=posting,
            pairing=pairing,
            start_date=start_date,
            wage=wage,
            score=Decimal(str(explanation["score"])).quantize(Decimal("0.01")) if explanation["eligible"] else None,
        )
        placement.full_clean(exclude=["activity"])
        placement.save()
        if pairing is not None:
            activity = Activity(
                pairing=pairing,
                kind=Activity.Kind.LABOUR,
                key_task=Task.objects.get(code=LABOUR_KEY_TASK),
                date=start_date,
                title=f"转移就业：{pii.mask_name(seeker.name)} 到{posting.employer}（安置 #{placement.pk}）"[:200],
                people_placed=1,
                note=(note or "").strip(),
            )
            activity.full_clean()
            activity.save()
            placement.activity = activity
            placement.save(update_fields=["activity"])
        save_versioned(
            seeker, expected_version=seeker.version, exclude=PII_COLUMNS, changes={"status": JobSeeker.Status.PLACED}
        )
        for months in FOLLOWUP_MONTHS:
            FollowUp.objects.create(placement=placement, months=months, due=add_months(start_date, months))
    return placement


def record_followup(
    *,
    user,
    followup: FollowUp,
    expected_version: int,
    still_employed: bool,
    wage: int | None = None,
    done_on: datetime.date | None = None,
    note: str = "",
) -> FollowUp:
    """Record a follow-up. One that finds the worker gone ends the placement (and closes the later follow-up);
    the placement still counts in the period it started in."""
    scoping.require(user, scoping.Action.CHANGE, followup)
    if still_employed and not wage:
        raise ValidationError({"wage": ["仍在岗时须填写当时月工资"]})
    done_on = done_on or timezone.localdate()
    placement = followup.placement
    if done_on < placement.start_date:
        raise ValidationError({"done_on": ["回访日期不能早于上岗日期"]})
    changes = {"still_employed": still_employed, "wage": wage or None, "done_on": done_on, "note": (note or "").strip()}
    with transaction.atomic(), set_actor(audit_actor(user)):
        followup = save_versioned(followup, expected_version=expected_version, changes=changes)
        placement = Placement.objects.select_for_update().get(pk=placement.pk)
        if not still_employed and placement.status == Placement.Status.EMPLOYED:
            save_versioned(placement, expected_version=placement.version, changes={"status": Placement.Status.LEFT})
            seeker = JobSeeker.objects.get(pk=placement.seeker_id)
            if seeker.status == JobSeeker.Status.PLACED:
                save_versioned(
                    seeker,
                    expected_version=seeker.version,
                    exclude=PII_COLUMNS,
                    changes={"status": JobSeeker.Status.SEEKING},
                )
            for later in placement.followups.filter(done_on__isnull=True, months__gt=followup.months):
                save_versioned(
                    later,
                    expected_version=later.version,
                    changes={
                        "done_on": done_on,
                        "still_employed": False,
                        "note": f"{followup.months} 个月回访时已离岗",
                    },
                )
    return followup
