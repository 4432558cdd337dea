"""The cockpit (驾驶舱): where the pairings a national or province overseer answers for stand in one year.

It reads across the apps (plans, indicators, evaluation, monitoring, projects), always through their scoped queries
or the scoping layer, and aggregates in the database: a fixed number of queries whatever the number of pairings
(tested with a query-count bound). Which figure comes from where is written in docs/cockpit.md.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.evaluation import queries as evaluation_queries
from duikou.evaluation.models import Grade, Notice, Run
from duikou.geo.maps import city_center
from duikou.indicators import queries as indicator_queries
from duikou.indicators.models import DataSet, Report
from duikou.indicators.periods import periods_of_year
from duikou.monitoring.models import Alert
from duikou.monitoring.queries import overdue_q
from duikou.pairings.models import Pairing
from duikou.pairings.queries import pairings_for
from duikou.plans import queries as plan_queries
from duikou.projects import queries as project_queries
from duikou.projects.models import Project

FIRST_YEAR = 2022  # the national pairings' period begins (2022 方案)

# The key figures of the year: the indicator reported each quarter, against the target the plans set for it.
FIGURES = [
    ("consumption_aid_wan", _("消费帮扶")),
    ("labour_coop_persons", _("劳务协作")),
    ("funds_in_place_wan", _("投资到位")),
    ("signed_projects", _("签约项目")),
]


class State:
    """A pairing's colour on the map and in the tables; the words are always shown with it."""

    RED, AMBER, GREEN = "red", "amber", "green"
    LABELS = {RED: _("需督办"), AMBER: _("需关注"), GREEN: _("正常")}
    COLOURS = {RED: "#c92a2a", AMBER: "#e67700", GREEN: "#2b8a3e"}


@dataclass
class PairingStand:
    pairing: Pairing
    plan_filed: bool = False
    on_time: int = 0
    late: int = 0
    missing: int = 0
    first_missing: tuple[str, str] | None = None  # (data set, period) of the oldest missing report
    open_notices: int = 0
    overdue_notices: int = 0
    overdue_cases: int = 0
    overdue_milestones: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def overdue_total(self) -> int:
        return self.missing + self.overdue_notices + self.overdue_cases + self.overdue_milestones

    @property
    def state(self) -> str:
        if self.overdue_total:
            return State.RED
        if not self.plan_filed or self.late or self.open_notices:
            return State.AMBER
        return State.GREEN

    @property
    def state_label(self) -> str:
        return str(State.LABELS[self.state])

    @property
    def links(self) -> dict[str, str]:
        p = self.pairing
        out = {
            "pairing": reverse("pairings:detail", args=[p.pk]),
            "notices": f"{reverse('evaluation:notices')}?{urlencode({'overdue': '1', 'q': p.old_region.name})}",
            "cases": f"{reverse('monitoring:alerts')}?{urlencode({'overdue': '1', 'area': p.old_region.prefix})}",
            "milestones": f"{reverse('projects:overdue')}?{urlencode({'pairing': p.pk})}",
        }
        if self.first_missing:
            dataset, period = self.first_missing
            out["reports"] = f"{reverse('indicators:reminders')}?{urlencode({'dataset': dataset, 'period': period})}"
        return out


def years(today: datetime.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return list(range(max(today.year, FIRST_YEAR), FIRST_YEAR - 1, -1))


def cockpit_for(user, year: int, *, today: datetime.date | None = None) -> dict:
    """Everything the cockpit page shows for ``year``, over the pairings the user sees."""
    if not scoping.oversees(user):
        raise PermissionDenied(
            _("驾驶舱供国家和省级监督使用：您所在机构可在本机构的结对关系、指标填报和整改督办页面查看进展。")
        )
    today = today or timezone.localdate()
    pairings = list(pairings_for(user).exclude(level=Pairing.Level.INSTITUTION))
    stands = {p.pk: PairingStand(p) for p in pairings}
    ids = list(stands)
    if ids:
        _plans(user, year, stands)
        _reports(user, year, today, pairings, stands)
        _notices(user, today, ids, stands)
        _cases(user, today, stands)
        _milestones(user, today, ids, stands)
    rows = sorted(stands.values(), key=lambda s: (s.pairing.level, s.pairing.code))
    return {
        "year": year,
        "today": today,
        "stands": rows,
        "overdue": sorted((s for s in rows if s.overdue_total), key=lambda s: (-s.overdue_total, s.pairing.code)),
        "counts": {state: sum(1 for s in rows if s.state == state) for state in State.LABELS},
        "figures": _figures(user, year, ids) if ids else [],
        "projects": _projects(user, ids) if ids else None,
        "evaluation": _evaluation(user, year, ids),
        "map": _map(rows),
    }


def _plans(user, year, stands) -> None:
    filed = plan_queries.filed_plans_in_force_for(user, year).filter(pairing_id__in=list(stands))
    for pid in filed.order_by().values_list("pairing_id", flat=True).distinct():
        stands[pid].plan_filed = True


def _reports(user, year, today, pairings, stands) -> None:
    datasets = scoping.scope(user, DataSet).prefetch_related("pairings").order_by("code")
    states = indicator_queries.report_states(
        pairings,
        datasets,
        lambda ds: periods_of_year(year, ds.period_type),
        today=today,
        reports=scoping.scope(user, Report),
    )
    T = indicator_queries.Timeliness
    for s in sorted(states, key=lambda s: s.period):
        stand = stands[s.pairing_id]
        if s.state == T.ON_TIME:
            stand.on_time += 1
        elif s.state == T.LATE:
            stand.late += 1
        elif s.state == T.MISSING:
            stand.missing += 1
            stand.first_missing = stand.first_missing or (s.dataset.code, s.period.id)


def _notices(user, today, ids, stands) -> None:
    open_ = scoping.scope(user, Notice).filter(pairing_id__in=ids).exclude(status=Notice.Status.CLOSED)
    for row in (
        open_.order_by()
        .values("pairing_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(step_due__lt=today)))
    ):
        stands[row["pairing_id"]].open_notices = row["open"]
        stands[row["pairing_id"]].overdue_notices = row["overdue"]


def _cases(user, today, stands) -> None:
    """Overdue household monitoring cases in the old-area side's place (by county), as far as the user sees them."""
    by_county = dict(
        scoping.scope(user, Alert)
        .filter(overdue_q(today))
        .annotate(county=Substr("household__village__code", 1, 6))
        .order_by()
        .values("county")
        .annotate(n=Count("pk"))
        .values_list("county", "n")
    )
    for stand in stands.values():
        prefix = stand.pairing.old_region.prefix
        stand.overdue_cases = sum(n for county, n in by_county.items() if county.startswith(prefix))


def _milestones(user, today, ids, stands) -> None:
    rows = (
        project_queries.overdue_milestones_for(user, today=today)
        .filter(project__pairing_id__in=ids)
        .order_by()
        .values("project__pairing_id")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        stands[row["project__pairing_id"]].overdue_milestones = row["n"]


def _figures(user, year, ids) -> list[dict]:
    """Each key figure: the accepted values of the year (all pairings), the targets of the filed plans in force that
    apply (``plans.queries.figures_against_targets``, the one reading of figures against targets), and the share of
    the target reached by the pairings that have one."""
    codes = [code for code, _label in FIGURES]
    by_code: dict[str, list] = defaultdict(list)
    for figure in plan_queries.figures_against_targets(user, ids, [year], indicators=codes):
        by_code[figure.indicator.code].append(figure)
    out = []
    for code, label in FIGURES:
        figures = by_code[code]
        if not figures:  # not an indicator of the library
            continue
        ind = figures[0].indicator
        reported = [f for f in figures if f.value is not None]
        with_target = [f for f in figures if f.target_row is not None]
        target = sum((f.target for f in with_target), Decimal(0))
        reached = sum((f.value or Decimal(0) for f in with_target), Decimal(0))
        percent = round(reached * 100 / target) if target > 0 else None
        out.append(
            {
                "code": code,
                "label": label,
                "name": ind.display_name,
                "unit": ind.display_unit,
                "actual": sum((f.value for f in reported), Decimal(0)),
                "reporting": len(reported),
                "target": target if with_target else None,
                "with_target": len(with_target),
                "reached": reached,
                "percent": percent,
                "bar": min(percent, 100) if percent is not None else 0,
            }
        )
    return out


def _projects(user, ids) -> dict:
    """The projects recorded in the projects app, by status, with their cumulative investment in place."""
    rows = (
        scoping.scope(user, Project)
        .filter(pairing_id__in=ids)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"), in_place=Sum("investment_in_place"))
    )
    by_status = {r["status"]: r for r in rows}
    return {
        "total": sum(r["n"] for r in rows),
        "in_place": sum((r["in_place"] or Decimal(0) for r in rows), Decimal(0)),
        "statuses": [
            {"status": value, "label": label, "n": by_status[value]["n"] if value in by_status else 0}
            for value, label in Project.Status.choices
        ],
    }


def _evaluation(user, year, ids) -> dict | None:
    """The latest published evaluation of the year or an earlier one (a year is evaluated the next spring), and the
    user's pairings in it (a published ranking may show others too: the evaluation pages show it whole)."""
    run = (
        evaluation_queries.runs_for(user, status=Run.Status.PUBLISHED)
        .filter(scheme__year__lte=year)
        .order_by("-scheme__year", "-published_at", "-pk")
        .first()
    )
    if run is None:
        return None
    mine = evaluation_queries.results_for(user, run).filter(pairing_id__in=ids)
    results = list(mine[:10])
    counted = dict(mine.order_by().values_list("grade").annotate(n=Count("pk")))
    grades = [{"grade": g, "label": label, "n": counted.get(g, 0)} for g, label in Grade.choices]
    return {"run": run, "results": results, "grades": grades, "count": sum(g["n"] for g in grades)}


def _map(rows: list[PairingStand]) -> dict:
    """What the map draws: a line per pairing in its state's colour, from the old-area city to its partner."""

    def coord(region):
        point = city_center(region.code)
        return list(point) if point else None

    return {
        "colours": State.COLOURS,
        "labels": {k: str(v) for k, v in State.LABELS.items()},
        "pairings": [
            {
                "label": s.pairing.label,
                "url": reverse("pairings:detail", args=[s.pairing.pk]),
                "state": s.state,
                "old": {"name": s.pairing.old_region.name, "coord": coord(s.pairing.old_region)},
                "partner": {"name": s.pairing.partner_region.name, "coord": coord(s.pairing.partner_region)},
            }
            for s in rows
        ],
    }
