"""Scoped reads of the household registry, rule sets, alerts and their cases, and departmental data."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.http import Http404
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core.querysets import search
from duikou.geo.models import Region

from .models import (
    Alert,
    AlertStep,
    AssistanceMeasure,
    Declaration,
    DepartmentImport,
    DepartmentSignal,
    Difficulty,
    Household,
    Member,
    Objection,
    RuleSet,
    ScreeningRun,
    Visit,
)
from .workflow import ELIMINATION_STATUSES, IDENTIFICATION_STATUSES

OPEN = "open"  # the status filter for every case that is not closed


def households_for(user, *, action: scoping.Action = scoping.Action.VIEW, q: str = "") -> QuerySet[Household]:
    qs = scoping.scope(user, Household, action).select_related("township", "village")
    return search(qs, q, "head_name__contains", "number")


def registry(user, *, q: str = "", area: str = "", category: str = "") -> QuerySet[Household]:
    """The households in the user's area for the registry list: by head's name or household number (``q``), by
    township or village code (``area``), by monitoring category (``-`` for households not monitored); each with
    whether it has an open case."""
    qs = households_for(user, q=q)
    if area.isdigit():
        qs = qs.filter(village__code__startswith=area)
    if category == "-":
        qs = qs.filter(category="")
    elif category and category in Household.Category.values:
        qs = qs.filter(category=category)
    open_case = Alert.objects.filter(household=OuterRef("pk")).exclude(status=Alert.Status.CLOSED)
    return qs.annotate(open_case=Exists(open_case)).order_by("village_id", "number")


def villages_for(user, limit: int = 2000) -> list[tuple[str, list[tuple[str, str]]]]:
    """The villages a user may register households in, grouped by township ((township name, [(code, village)])):
    the registry is kept by county and township governments, so [] for anyone else."""
    if not scoping.may(user, scoping.Action.CHANGE):
        return []
    prefix = scoping.region_prefix(user)
    if prefix is None or len(prefix) not in (6, 9):
        return []
    rows = (
        Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=prefix)
        .select_related("parent")
        .order_by("code")[:limit]
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for village in rows:
        groups.setdefault(village.parent.name, []).append((village.code, village.name))
    return list(groups.items())


def household_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Household:
    return scoping.get_for(user, Household.objects.select_related("township", "village"), action, pk=pk)


def members_of(user, household: Household) -> QuerySet[Member]:
    return scoping.scope(user, Member).filter(household=household).order_by("pk")


def find_members_by_id_number(user, id_number: str) -> QuerySet[Member]:
    """Exact search by ID number through its keyed digest; the plain number is never stored or compared. The number
    is normalised as on entry (full-width digits, spaces, a small x), and one that is not valid finds nobody. Called
    with a number from a request body, never from a URL."""
    from duikou.core import pii

    try:
        digest = pii.digest(pii.normalise_id_number(id_number))
    except ValidationError:
        return Member.objects.none()
    return scoping.scope(user, Member).filter(id_number_digest=digest).select_related("household")


def overdue_q(today: datetime.date | None = None) -> Q:
    """A case is overdue when the step it waits for is past its due date (on ``today``, by default the day it is)."""
    return Q(deadline__lt=today or timezone.localdate()) & ~Q(status=Alert.Status.CLOSED)


def alerts_for(
    user, *, status: str = "", area: str = "", rule: str = "", category: str = "", overdue: bool = False
) -> QuerySet[Alert]:
    """Alerts in scope; ``status`` "open" is every case not closed; ``area`` narrows to a county, township or
    village code prefix."""
    qs = scoping.scope(user, Alert).select_related("household__village", "household__township", "run")
    if status == OPEN:
        qs = qs.exclude(status=Alert.Status.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(household__village__code__startswith=area)
    if rule:
        qs = qs.filter(rules__contains=[rule]) if _json_contains() else qs.filter(rules__icontains=f'"{rule}"')
    if category:
        qs = qs.filter(household__category=category)
    if overdue:
        qs = qs.filter(overdue_q())
    return qs.order_by("deadline", "pk")


def alert_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Alert:
    qs = Alert.objects.select_related("household__village", "household__township", "run", "ruleset__province")
    return scoping.get_for(user, qs, action, pk=pk)


def contacts_for(user, alert: Alert) -> QuerySet:
    """Who may be named the case's responsible person: active editors and approvers of the organisations of the
    case's village, township and county (the user must see the case to ask)."""
    from duikou.accounts.models import User

    scoping.require(user, scoping.Action.VIEW, alert)
    code = alert.household.village_id
    places = [code[:n] for n in (6, 9, 12)]
    return (
        User.objects.filter(is_active=True, organisation__region_id__in=places, role__in=["editor", "approver"])
        .select_related("organisation")
        .order_by("organisation__region_id", "username")
    )


def steps_of(user, alert: Alert) -> QuerySet[AlertStep]:
    return scoping.scope(user, AlertStep).filter(alert=alert).select_related("actor").order_by("created", "pk")


def objections_of(user, alert: Alert) -> QuerySet[Objection]:
    return scoping.scope(user, Objection).filter(case=alert).order_by("created", "pk")


def objection_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> Objection:
    return scoping.get_for(user, Objection.objects.select_related("case__household"), action, pk=pk)


def measures_of(user, alert: Alert) -> QuerySet[AssistanceMeasure]:
    return (
        scoping.scope(user, AssistanceMeasure)
        .filter(alert=alert)
        .select_related("responsible_unit")
        .order_by("start_date", "pk")
    )


def areas_for(user, limit: int = 300) -> list[tuple[str, str]]:
    """The townships and villages with alerts in scope (code, name) for the area filter of a county, township or
    village user; [] above the county (a code is typed there) or when there are too many to list."""
    prefix = scoping.region_prefix(user)
    if prefix is None or len(prefix) < 6:
        return []
    rows = (
        scoping.scope(user, Alert)
        .values_list(
            "household__township_id", "household__township__name", "household__village_id", "household__village__name"
        )
        .distinct()
        .order_by("household__village_id")[: limit + 1]
    )
    rows = list(rows)
    if len(rows) > limit:
        return []
    areas: dict[str, str] = {}
    for t_code, t_name, v_code, v_name in rows:
        areas.setdefault(t_code, t_name)
        areas[v_code] = f"{t_name} {v_name}"
    return sorted(areas.items())


def signals_of(user, household: Household) -> QuerySet[DepartmentSignal]:
    return scoping.scope(user, DepartmentSignal).filter(household=household).select_related("member", "batch")


def imports_for(user, action: scoping.Action = scoping.Action.VIEW) -> QuerySet[DepartmentImport]:
    return scoping.scope(user, DepartmentImport, action).select_related("created_by", "loaded_by")


def import_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> DepartmentImport:
    return scoping.get_for(user, DepartmentImport.objects.select_related("created_by", "loaded_by"), action, pk=pk)


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def rulesets_for(user, action: scoping.Action = scoping.Action.VIEW) -> QuerySet[RuleSet]:
    return scoping.scope(user, RuleSet, action).select_related("province")


def ruleset_list(user, *, province: str = "", year: str = "") -> QuerySet[RuleSet]:
    """Rule sets in scope, newest first, each with how often it was used and whether a later version replaced it."""
    same = {"province": OuterRef("province"), "year": OuterRef("year")}
    newer = RuleSet.objects.filter(**same, version__gt=OuterRef("version"))
    qs = rulesets_for(user).annotate(
        superseded=Exists(newer),
        run_count=Count("runs", distinct=True),
        case_count=Count("alerts", distinct=True),
    )
    if province:
        qs = qs.filter(province_id=province)
    if year.isdigit():
        qs = qs.filter(year=int(year))
    return qs.order_by("province_id", "-year", "-version")


def ruleset_for(user, pk: int, action: scoping.Action = scoping.Action.VIEW) -> RuleSet:
    return scoping.get_for(user, RuleSet.objects.select_related("province"), action, pk=pk)


def provinces_for_rulesets(user) -> QuerySet[Region]:
    """The provinces whose rule sets the user may write: their own, or every one for the nation."""
    prefix = scoping.region_prefix(user)
    qs = Region.objects.filter(level=Region.Level.PROVINCE)
    if not scoping.may(user, scoping.Action.CHANGE) or prefix == "" or (prefix is not None and len(prefix) > 2):
        return qs.none()
    return qs if prefix is None else qs.filter(code=prefix[:2] + "0000")


def runs_for(user) -> QuerySet[ScreeningRun]:
    return scoping.scope(user, ScreeningRun).select_related("ruleset__province")


# ---- the dashboard: counts and flows by region, aggregated in the database -------------------------------

# the length of the code prefix one level below an area prefix of each length ("" is the whole country)
CHILD_PREFIX = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
# what the dashboard counts, in its order: stocks are as of today, flows within the chosen period
DASHBOARD_COUNTS = ("new", "verifying", "monitored", "eliminated", "dismissed", "overdue")


def period_bounds(year: int, quarter: int | None = None) -> tuple[datetime.date, datetime.date]:
    """First day and the day after the last day of a year or one of its quarters."""
    if quarter:
        start = datetime.date(year, 3 * quarter - 2, 1)
        end = datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
        return start, end
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


def dashboard_area(user, area: str = "") -> str:
    """The code prefix the dashboard shows: ``area`` if it lies within the user's own area, else the user's area."""
    own = scoping.region_prefix(user) or ""
    area = area.strip()
    if area.isdigit() and len(area) in CHILD_PREFIX and area.startswith(own):
        return area
    return own if len(own) in CHILD_PREFIX else own[:9]


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# the steps that close a case (its closing date is the last of them)
CLOSING_STEPS = (AlertStep.Step.ELIMINATE, AlertStep.Step.DISMISS, AlertStep.Step.TOWNSHIP_DISMISS)


def dashboard_counts(user, *, area: str, start: datetime.date, end: datetime.date) -> QuerySet:
    """One row per region one level below ``area`` (``key``: its code prefix) with the counts of the cases in scope,
    in one GROUP BY: ``new`` alerts created in the period, cases ``verifying`` (anywhere in the identification,
    入户核实 to 县级审定), ``monitored`` (monitored, under 兜底, or in the risk elimination procedure), cases closed in
    the period as ``eliminated`` or ``dismissed``, and cases ``overdue`` today."""
    length = CHILD_PREFIX[len(area)]
    lo, hi = _aware(start), _aware(end)
    closed_at = (
        AlertStep.objects.filter(alert=OuterRef("pk"), step__in=CLOSING_STEPS)
        .order_by("-created")
        .values("created")[:1]
    )
    S = Alert.Status
    in_period = Q(closed_at__gte=lo, closed_at__lt=hi)
    return (
        scoping.scope(user, Alert)
        .filter(household__village__code__startswith=area)
        .annotate(key=Substr("household__village_id", 1, length), closed_at=Subquery(closed_at))
        .values("key")
        .annotate(
            new=Count("pk", filter=Q(created__gte=lo, created__lt=hi)),
            verifying=Count("pk", filter=Q(status__in=IDENTIFICATION_STATUSES)),
            monitored=Count("pk", filter=Q(status__in=[S.MONITORED, S.SAFETY_NET, *ELIMINATION_STATUSES])),
            eliminated=Count("pk", filter=Q(outcome=Alert.Outcome.ELIMINATED) & in_period),
            dismissed=Count("pk", filter=Q(outcome=Alert.Outcome.DISMISSED) & in_period),
            overdue=Count("pk", filter=overdue_q()),
        )
        .order_by("key")
    )


def region_names(user, prefixes) -> dict[str, str]:
    """Names of regions by code prefix (provinces and prefectures by their padded six-digit code)."""
    padded = {p: p.ljust(6, "0") if len(p) < 6 else p for p in prefixes}
    names = {r.code: r.display_name for r in scoping.scope(user, Region).filter(code__in=padded.values())}
    return {p: names.get(code, p) for p, code in padded.items()}


def measures_by_kind(user, *, area: str, start: datetime.date, end: datetime.date) -> QuerySet:
    """Assistance measures started in the period under ``area``, counted by kind in one GROUP BY."""
    return (
        scoping.scope(user, AssistanceMeasure)
        .filter(alert__household__village__code__startswith=area, start_date__gte=start, start_date__lt=end)
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by("kind")
    )


def channel_counts(user, *, area: str, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """Cases opened in the period under ``area`` by the way the household was found, in one GROUP BY."""
    rows = (
        scoping.scope(user, Alert)
        .filter(household__village__code__startswith=area, created__gte=_aware(start), created__lt=_aware(end))
        .values("channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["channel"]: row["n"] for row in rows}


def step_timeliness(user, *, area: str, start: datetime.date, end: datetime.date) -> list[dict]:
    """Each procedure step taken in the period under ``area``: how many times, how long the case had waited for it
    on average (from the step before it, or from the case's opening), and how many were taken after their due date;
    with the cases waiting for it now past their due date. One GROUP BY for the steps, one for the waiting cases."""
    from .workflow import WORKFLOW

    moving = [s.name for s in WORKFLOW if s.target is not None and s.sources != (s.target,)]
    before = (
        AlertStep.objects.filter(alert=OuterRef("alert"), created__lt=OuterRef("created"))
        .exclude(step=AlertStep.Step.LEAD)
        .order_by("-created")
        .values("created")[:1]
    )
    waited = ExpressionWrapper(
        F("created") - Coalesce(Subquery(before), F("alert__created")), output_field=DurationField()
    )
    rows = (
        scoping.scope(user, AlertStep)
        .filter(
            alert__household__village__code__startswith=area,
            step__in=moving,
            created__gte=_aware(start),
            created__lt=_aware(end),
        )
        .annotate(waited=waited, late_step=Case(When(due__lt=TruncDate("created"), then=1), default=0))
        .values("step")
        .annotate(n=Count("pk"), mean=Avg("waited"), late=Sum("late_step"))
        .order_by()
    )
    taken = {row["step"]: row for row in rows}
    waiting = dict(
        scoping.scope(user, Alert)
        .filter(overdue_q(), household__village__code__startswith=area)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    out = []
    for step in WORKFLOW:
        if step.name not in moving:
            continue
        row = taken.get(step.name, {})
        mean = row.get("mean")
        out.append(
            {
                "step": step.name,
                "label": step.label,
                "taken": row.get("n", 0),
                "mean_days": round(mean.total_seconds() / 86400, 1) if mean is not None else None,
                "late": row.get("late") or 0,
                # a status waits for several steps (approve, dismiss, return): its overdue cases are counted once,
                # on the table's first step from it
                "overdue_now": waiting.get(step.sources[0], 0) if _first_from(WORKFLOW, step) else 0,
            }
        )
    return out


def _first_from(workflow, step) -> bool:
    return next(s for s in workflow if s.sources == step.sources).name == step.name


# ---- the ways in from the front line: declarations, visits, the villages' QR posters ------------------------------


def declarations_for(user, *, q: str = "", channel: str = "", area: str = "") -> QuerySet[Declaration]:
    """Declarations in scope, newest first: by acknowledgement number or household head (``q``), by channel, by a
    township or village code (``area``)."""
    qs = scoping.scope(user, Declaration).select_related("village__parent", "household", "case", "recorded_by")
    qs = search(qs, q.strip(), "ack_number__iexact", "head_name__contains")
    if channel in Alert.Channel.values:
        qs = qs.filter(channel=channel)
    if area.isdigit():
        qs = qs.filter(village__code__startswith=area)
    return qs.order_by("-created", "-pk")


def visits_for(user, *, q: str = "", area: str = "", risk: str = "", raised: bool = False) -> QuerySet[Visit]:
    """Visits in scope, latest first: by household head or number (``q``), by a township or village code, by the risk
    found (``-`` for none), only those that raised or joined a case (``raised``)."""
    qs = scoping.scope(user, Visit).select_related("household__village__parent", "visitor", "case")
    qs = search(qs, q, "household__head_name__contains", "household__number")
    if area.isdigit():
        qs = qs.filter(household__village__code__startswith=area)
    if risk == "-":
        qs = qs.filter(risk="")
    elif risk in Difficulty.values:
        qs = qs.filter(risk=risk)
    if raised:
        qs = qs.filter(case__isnull=False)
    return qs.order_by("-date", "-pk")


def local_level(user) -> bool:
    """Whether the user works for a county, a township or a village (the front line), not a city or above."""
    prefix = scoping.region_prefix(user)
    return prefix is not None and len(prefix) in (6, 9, 12)


def front_villages(user, *, q: str = "") -> QuerySet[Region]:
    """The villages of a county, township or village user's own area (for the QR posters), by name or code; none for
    anyone else."""
    if not (scoping.may(user, scoping.Action.VIEW) and local_level(user)):
        return Region.objects.none()
    qs = scoping.scope(user, Region).filter(level=Region.Level.VILLAGE, code__startswith=scoping.region_prefix(user))
    return search(qs.select_related("parent"), q, "name__contains", "code__startswith").order_by("code")


def front_village(user, code: str) -> Region:
    """One village of the user's area: 404 when it is not one, or not in the area; 403 when the user is not at the
    county, township or village level."""
    prefix = scoping.region_prefix(user)
    qs = scoping.scope(user, Region).filter(level=Region.Level.VILLAGE).select_related("parent")
    village = scoping.get_for(user, qs, code=code)
    if prefix is not None and not village.code.startswith(prefix):
        raise Http404("village not in scope")
    if not local_level(user):
        raise PermissionDenied
    return village


def public_village(code: str) -> Region:
    """The village a declaration poster points at (the public page, no user): 404 unless ``code`` is a village's."""
    village = Region.objects.filter(code=code, level=Region.Level.VILLAGE).select_related("parent__parent").first()
    if village is None:
        raise Http404("no such village")
    return village


def public_ack(ack_number: str) -> Declaration | Objection | None:
    """The declaration or objection of an acknowledgement number (the public status page, no user), or None."""
    if ack_number.startswith("YY"):
        qs = Objection.objects.select_related("case__household__village")
    else:
        qs = Declaration.objects.select_related("village", "case__household__village", "case__ruleset")
    return qs.filter(ack_number=ack_number).first()


def visits_of(user, household: Household) -> QuerySet:
    """The cadres' visits to the household (走访记录), newest first."""
    from .models import Visit

    return scoping.scope(user, Visit).filter(household=household).select_related("visitor", "case").order_by("-date")


def declarations_of(user, household: Household) -> QuerySet:
    """The household's declarations (农户自主申报, hotline, counter, paper), newest first; identifiers masked."""
    from .models import Declaration

    return scoping.scope(user, Declaration).filter(household=household).select_related("case").order_by("-created")


def incomes_of(user, household: Household) -> QuerySet:
    """The household's income records: years newest first, the yearly record before its quarters and months."""
    from .models import IncomeRecord

    return scoping.scope(user, IncomeRecord).filter(household=household).order_by("-year", "-period_kind", "period")


# ---- 公示 and 公告, objections ---------------------------------------------------------------------------------


def notice_q(today: datetime.date) -> Q:
    """A case whose 村内公示 (identification or risk elimination) or 公告 runs on ``today``."""
    from .workflow import PUBLICITY_STATUSES

    publicity = Q(status__in=PUBLICITY_STATUSES, publicity_start__lte=today, publicity_end__gte=today)
    return publicity | Q(announce_start__lte=today, announce_end__gte=today)


def public_notices(village_code: str, today: datetime.date) -> QuerySet[Alert]:
    """The cases of one village that the public 公示/公告 page shows today. Read without a user on purpose: the page
    is open to everyone and shows of each only what a notice on the village board shows (the masked head's name, the
    village, the category and the step)."""
    return (
        Alert.objects.filter(notice_q(today), household__village_id=village_code)
        .select_related("household__village", "household__township", "ruleset")
        .prefetch_related("ruleset__thresholds")  # each notice states its period from its rule set
        .order_by("household__number", "pk")
    )


def public_notice_villages(prefix: str, today: datetime.date) -> dict[str, dict[str, datetime.date]]:
    """The villages under the region of code ``prefix`` with a 公示 or 公告 running on ``today``: village code → kind
    ("publicity", "announcement") → the last day of that kind's running notices there. Read without a user on purpose
    (the public site's region pages link to each village's notice page); it reads dates only, nothing of a household."""
    from .workflow import PUBLICITY_STATUSES

    out: dict[str, dict[str, datetime.date]] = {}
    rows = Alert.objects.filter(notice_q(today), household__village__code__startswith=prefix).values_list(
        "household__village_id", "status", "publicity_start", "publicity_end", "announce_start", "announce_end"
    )
    for village, status, p_start, p_end, a_start, a_end in rows:
        kinds = out.setdefault(village, {})
        if status in PUBLICITY_STATUSES and p_start and p_start <= today <= p_end:
            kinds["publicity"] = max(kinds.get("publicity", p_end), p_end)
        if a_start and a_start <= today <= a_end:
            kinds["announcement"] = max(kinds.get("announcement", a_end), a_end)
    return out


def village_case(village_code: str, pk: int) -> Alert | None:
    """A case of the village, for an objection sent from its public notice page (read without a user, like the page;
    the service decides whether its 公示 is running and says so)."""
    return (
        Alert.objects.filter(pk=pk, household__village_id=village_code)
        .select_related("household__village", "ruleset")
        .first()
    )


def notices_for(user, today: datetime.date, *, village: str = "") -> QuerySet[Alert]:
    """The cases in scope whose 公示 or 公告 runs today, by village (the staff page of printable notices)."""
    qs = scoping.scope(user, Alert).filter(notice_q(today))
    if village:
        qs = qs.filter(household__village_id=village)
    return (
        qs.select_related("household__village", "household__township", "ruleset")
        .prefetch_related("ruleset__thresholds")
        .order_by("household__village_id", "household__number", "pk")
    )


OBJECTION_STATES = ("open", "overdue", "escalated", "answered")


def objections_for(user, *, state: str = "", kind: str = "", q: str = "") -> QuerySet[Objection]:
    """Objections and appeals in scope: ``state`` open (awaiting an answer), overdue (open past its date),
    escalated (gone to the county), answered; ``kind`` objection or appeal; ``q`` an acknowledgement number (exact,
    or its start)."""
    qs = scoping.scope(user, Objection).select_related("case__household__village", "case__household__township")
    today = timezone.localdate()
    if state == "open":
        qs = qs.filter(status=Objection.Status.OPEN)
    elif state == "overdue":
        qs = qs.filter(status=Objection.Status.OPEN, due__lt=today)
    elif state == "escalated":
        qs = qs.filter(escalated__isnull=False)
    elif state == "answered":
        qs = qs.filter(status=Objection.Status.ANSWERED)
    if kind in Objection.Kind.values:
        qs = qs.filter(kind=kind)
    q = (q or "").strip().upper()
    if q:
        qs = qs.filter(ack_number__startswith=q[:20])
    return qs.order_by("-status", "due", "pk")
