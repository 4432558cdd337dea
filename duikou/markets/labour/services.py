"""劳务协作: job postings from the supporting side, job seekers from the old areas, matches both ways with their
reasons, the best assignment under capacities, placements and their 3- and 6-month follow-ups.

A placement is recorded as a 劳务协作 activity (``projects.Activity``, people_placed = 1) of the pairing that joins
the seeker's home city and the work place's city, so it counts in that pairing's labour-cooperation figure for the
period it started in. Seekers' ID and phone numbers are kept exactly as household members' are
(``duikou.core.pii``): ciphertext, keyed digest, masked copy; no value is ever logged.
"""

import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duikou.accounts import scoping
from duikou.core import pii
from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_checked, save_versioned
from duikou.geo.models import Region
from duikou.pairings.queries import active_pairings, pairing_between
from duikou.policy.models import Task
from duikou.projects.models import Activity

from ..models import LEFT_NOTE, FollowUp, JobPosting, JobSeeker, ListingStatus, Occupation, Placement, Skill
from ..scorers import PREFERENCES
from ..words import listed
from .matching import explain_pair
from .queries import remaining

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


def _codes(values, vocabulary, message: str, name: str) -> list[str]:
    """``message`` names the unknown values as %(values)s."""
    values = list(dict.fromkeys(values or []))
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise ValidationError({name: [message % {"values": listed(unknown)}]})
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
        raise ValidationError({"region": [_("工作地点须为市或县（区）")]})
    if not any(region.code.startswith(prefix) for prefix in supporting_prefixes()):
        raise ValidationError(
            {
                "region": [
                    _("工作地点「%(place)s」不在任何结对关系的支持方（东部、中部城市）内")
                    % {"place": region.place_name}
                ]
            }
        )


# --- postings -------------------------------------------------------------------------------------------------


def _clean_posting(values: dict) -> dict:
    out = dict(values)
    for key in ("employer", "title"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    if "skills" in out:
        out["skills"] = _codes(out["skills"], Skill.values, _("「%(values)s」不是可选的技能"), "skills")
    if out.get("occupation") is not None and out["occupation"] not in Occupation.values:
        raise ValidationError({"occupation": [_("「%(value)s」不是可选的职业类别") % {"value": out["occupation"]}]})
    return out


def _check_posting(posting: JobPosting) -> None:
    errors = {}
    if posting.wage_min is not None and posting.wage_max is not None and posting.wage_max < posting.wage_min:
        errors["wage_max"] = [_("月工资上限不能低于下限")]
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
    _require_area(user, fields["region"], _("只能发布本地区的用工岗位"))
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
        _require_area(user, changes["region"], _("只能把岗位改到本地区"))
        check_work_place(changes["region"])
    wage_min = changes.get("wage_min", posting.wage_min)
    wage_max = changes.get("wage_max", posting.wage_max)
    if wage_max < wage_min:
        raise ValidationError({"wage_max": [_("月工资上限不能低于下限")]})
    with set_actor(audit_actor(user)):
        return save_versioned(posting, expected_version=expected_version, changes=changes)


def close_posting(*, user, posting: JobPosting, expected_version: int) -> JobPosting:
    return update_posting(user=user, posting=posting, expected_version=expected_version, status=ListingStatus.CLOSED)


# --- job seekers ----------------------------------------------------------------------------------------------


def _clean_seeker(values: dict) -> dict:
    out = dict(values)
    if isinstance(out.get("name"), str):
        out["name"] = out["name"].strip()
    if "occupations" in out:
        out["occupations"] = _codes(
            out["occupations"], Occupation.values, _("「%(values)s」不是可选的职业"), "occupations"
        )
    for key in ("skills", "trainings"):
        if key in out:
            out[key] = _codes(out[key], Skill.values, _("「%(values)s」不是可选的技能"), key)
    if "preferred_regions" in out:
        codes = list(dict.fromkeys(str(c).strip() for c in out["preferred_regions"] or [] if str(c).strip()))
        if len(codes) > PREFERENCES:
            raise ValidationError({"preferred_regions": [_("意向地区最多 %(n)s 个") % {"n": PREFERENCES}]})
        found = dict(
            Region.objects.filter(
                code__in=codes, level__in=[Region.Level.PROVINCE, Region.Level.PREFECTURE]
            ).values_list("code", "level")
        )
        bad = [c for c in codes if c not in found]
        if bad:
            raise ValidationError(
                {"preferred_regions": [_("「%(codes)s」不是省或市的区划代码") % {"codes": listed(bad)}]}
            )
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
        raise ValidationError(
            {
                "home": [
                    _("户籍地须为县级区划，「%(name)s」是%(level)s")
                    % {"name": home.name, "level": home.get_level_display()}
                ]
            }
        )
    _require_area(user, home, _("只能登记本地区的求职者"))
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
        raise ValidationError({"id_number": [_("该身份证号码已登记为求职者")]})


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


# --- placements and follow-ups --------------------------------------------------------------------------------


def record_placement(
    *, user, seeker: JobSeeker, posting: JobPosting, start_date: datetime.date, wage: int, note: str = ""
) -> Placement:
    """Place a seeker in a job. The seeker's side records it (it answers for the person); the placement becomes a
    劳务协作 activity of the pairing joining the two cities, and its 3- and 6-month follow-ups are scheduled."""
    scoping.require(user, scoping.Action.CHANGE, seeker)
    scoping.require(user, scoping.Action.VIEW, posting)
    if not wage or wage <= 0:
        raise ValidationError({"wage": [_("月工资须大于 0")]})
    pairing = pairing_between(seeker.home, posting.region)
    explanation = explain_pair(seeker, posting)
    with transaction.atomic(), set_actor(audit_actor(user)):
        seeker = JobSeeker.objects.select_for_update().select_related("home").get(pk=seeker.pk)
        posting = JobPosting.objects.select_for_update().select_related("region").get(pk=posting.pk)
        if seeker.status != JobSeeker.Status.SEEKING:
            raise ValidationError(
                {"seeker": [_("求职者当前状态为「%(status)s」，不能再安置") % {"status": seeker.get_status_display()}]}
            )
        if posting.status != ListingStatus.OPEN:
            raise ValidationError({"posting": [_("该岗位已关闭")]})
        if remaining(posting) <= 0:
            raise ValidationError({"posting": [_("该岗位已招满（%(n)s 人）") % {"n": posting.headcount}]})
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
        raise ValidationError({"wage": [_("仍在岗时须填写当时月工资")]})
    done_on = done_on or timezone.localdate()
    placement = followup.placement
    if done_on < placement.start_date:
        raise ValidationError({"done_on": [_("回访日期不能早于上岗日期")]})
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
                        "note": LEFT_NOTE % {"months": followup.months},
                    },
                )
    return followup
