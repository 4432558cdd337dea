"""What the public site reads: only what is public by nature (the 20 national pairings of the 2022 方案) or what an
approver decided to publish (``Publication``), and of it only units and figures — never a person's name, phone or
note. These reads are not scoped to a user: nobody signs in. Everything personal stays out by construction, each
page and table naming the fields it shows (no model is rendered whole).
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from duikou.evaluation.models import Commendation, Result, Run
from duikou.geo.maps import city_center
from duikou.geo.models import Region
from duikou.indicators.models import Report
from duikou.pairings.models import Pairing
from duikou.plans.models import Plan, PlanItem
from duikou.plans.queries import Figure, figures_against_targets
from duikou.projects.models import FundingSource, Project

from . import pages
from .feedback import PublicSubject
from .models import Publication

OPEN = Publication.Status.PUBLISHED


def _published(kind: str, **match) -> Exists:
    return Exists(Publication.objects.filter(kind=kind, status=OPEN, **match))


def public_pairings() -> QuerySet[Pairing]:
    """The pairings the public sees: the active national pairings of the 2022 方案 (a public list) and the active
    province-internal pairings their province published."""
    published = _published(Publication.Kind.PAIRING, pairing=OuterRef("pk"))
    return (
        Pairing.objects.filter(status=Pairing.Status.ACTIVE)
        .filter(Q(level=Pairing.Level.NATIONAL) | Q(level=Pairing.Level.PROVINCE) & published)
        .select_related("old_region", "partner_region", "old_area")
        .order_by("level", "code")
    )


def public_pairing(pk) -> Pairing:
    try:
        return public_pairings().get(pk=pk)
    except (Pairing.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("no public pairing") from exc


def published_plans(pairing: Pairing | None = None) -> QuerySet[Plan]:
    """Filed plans whose summary is published (a draft never is: only a filed plan may be published)."""
    qs = Plan.objects.filter(status=Plan.Status.FILED).filter(_published("plan", plan=OuterRef("pk")))
    if pairing is not None:
        qs = qs.filter(pairing=pairing)
    return qs.select_related("pairing__old_region", "pairing__partner_region", "key_task").order_by("-filed_at")


def published_projects(pairing: Pairing | None = None) -> QuerySet[Project]:
    qs = Project.objects.filter(_published("project", project=OuterRef("pk")))
    if pairing is not None:
        qs = qs.filter(pairing=pairing)
    return qs.select_related("pairing__old_region", "pairing__partner_region", "key_task", "location")


def published_reports(pairing: Pairing | None = None) -> QuerySet[Report]:
    """Reports approved by the province or accepted by the overseer whose publication is open."""
    qs = Report.objects.filter(status__in=(Report.Status.APPROVED, Report.Status.ACCEPTED)).filter(
        _published("report", report=OuterRef("pk"))
    )
    if pairing is not None:
        qs = qs.filter(pairing=pairing)
    return qs


def published_runs() -> QuerySet[Run]:
    return Run.objects.filter(status=Run.Status.PUBLISHED)


def results(pairing: Pairing | None = None) -> QuerySet[Result]:
    """Results of published evaluation runs for the public pairings, with the number of ranked pairings of their run."""
    qs = Result.objects.filter(run__status=Run.Status.PUBLISHED, pairing__in=public_pairings().values("pk"))
    if pairing is not None:
        qs = qs.filter(pairing=pairing)
    ranked = Count("run__results", filter=Q(run__results__rank__isnull=False))
    return (
        qs.select_related("run__scheme__province", "pairing__old_region", "pairing__partner_region")
        .annotate(ranked_count=ranked)
        .order_by("-run__scheme__year", "run__scheme__level", "pk")
    )


def commendations(pairing: Pairing | None = None) -> QuerySet[Commendation]:
    qs = Commendation.objects.filter(run__status=Run.Status.PUBLISHED, pairing__in=public_pairings().values("pk"))
    if pairing is not None:
        qs = qs.filter(pairing=pairing)
    return qs.select_related("run__scheme", "pairing__old_region", "pairing__partner_region").order_by(
        "-run__scheme__year", "pk"
    )


def demo_published() -> bool:
    """Whether demo data is on the public site (every page then says 示例数据)."""
    return Publication.objects.filter(status=OPEN, demo=True).exists()


def demo_items() -> set[tuple[str, int]]:
    """(kind, item id) of the published demo items."""
    out = set()
    for kind, plan, project, report, pairing in Publication.objects.filter(status=OPEN, demo=True).values_list(
        "kind", "plan_id", "project_id", "report_id", "pairing_id"
    ):
        out.add((kind, {"plan": plan, "project": project, "report": report}.get(kind, pairing)))
    return out


# ---- one pairing's public page --------------------------------------------------------------------------------


@dataclass
class PlanSummary:
    plan: Plan
    goals: list[str]
    tasks: list[tuple[str, int]]  # key task name, number of plan items under it
    replaced: bool  # a later revision has been filed


def plan_summaries(pairing: Pairing) -> list[PlanSummary]:
    out = []
    for plan in published_plans(pairing).prefetch_related("goals"):
        counts: dict = {}
        for item in PlanItem.objects.filter(plan=plan).select_related("key_task").order_by("key_task__order", "pk"):
            counts[item.key_task] = counts.get(item.key_task, 0) + 1
        tasks = [(task.display_name, n) for task, n in counts.items()]
        replaced = Plan.objects.filter(previous=plan, status=Plan.Status.FILED).exists()
        out.append(PlanSummary(plan, [g.text for g in plan.goals.all()], tasks, replaced))
    return out


@dataclass
class PublicFigure:
    """A figure as the public sees it: the target only from a published plan, each source with its unit."""

    figure: Figure
    target_published: bool
    sources: list[dict] = field(default_factory=list)

    @property
    def target(self) -> Decimal | None:
        return self.figure.target if self.target_published else None

    @property
    def indicator_name(self) -> str:
        return self.figure.indicator.display_name

    @property
    def share(self) -> Decimal | None:
        return self.figure.share if self.target_published else None


def _unit(user) -> str:
    """The organisation a person acted for (the public sees units, never people)."""
    org = getattr(user, "organisation", None)
    return org.name if org is not None else ""


def figures(pairing: Pairing) -> list[PublicFigure]:
    """The pairing's accepted figures by year from its published reports, against its filed plans' targets
    (``plans.queries.figures_against_targets``, the one reading of them), a target shown only when its plan's summary
    is published; each value with its provenance: the report, the unit that accepted it and when."""
    reports = published_reports(pairing)
    rows = list(reports.values_list("period", "dataset__indicators__code"))
    years = {int(period[:4]) for period, _code in rows}
    codes = {code for _period, code in rows if code}
    if not years:
        return []
    plans = set(published_plans(pairing).values_list("pk", flat=True))
    out = []
    for f in figures_against_targets(None, pairing, years, indicators=codes, reports=reports):
        if f.value is None and not f.sources:
            continue
        sources = [
            {
                "period": s.period,
                "value": s.value,
                "status": s.status_label,
                "status_code": s.status,
                "report": f"{s.report.dataset.name} {s.report.period}" if s.report else "",
                "unit": _unit(s.accepted_by),
                "at": s.accepted_at,
                "report_id": s.report.pk if s.report else None,
            }
            for s in f.sources
        ]
        out.append(PublicFigure(f, f.plan is not None and f.plan.pk in plans, sources))
    return out


def funding_labels(project: Project) -> list[str]:
    labels = dict(FundingSource.choices)
    return [str(labels.get(code, code)) for code in project.funding_sources or []]


def pairing_page(pairing: Pairing) -> dict:
    """Everything a pairing's public page shows."""
    projects = list(published_projects(pairing).order_by("name"))
    for p in projects:
        p.public_funding = funding_labels(p)
    return {
        "pairing": pairing,
        "plans": plan_summaries(pairing),
        "projects": projects,
        "figures": figures(pairing),
        "results": list(results(pairing)),
        "commendations": list(commendations(pairing)),
        "demo": demo_items(),
        "sections": pages.pairing_sections(pairing),
    }


def map_data(pairings) -> dict:
    """The pairings as the map script reads them (``pairing_map.js``)."""

    def side(region):
        point = city_center(region.code, fall_back=False)
        return {"name": region.display_name, "code": region.code, "coord": list(point) if point else None}

    return {
        "pairings": [
            {
                "id": p.pk,
                "label": str(p),
                "url": reverse("public:pairing", args=[p.pk]),
                "old": side(p.old_region),
                "partner": side(p.partner_region),
            }
            for p in pairings
        ]
    }


# ---- the pairings as entries of the site (search and sitemap) ---------------------------------------------------


def pairing_entries() -> list:
    """Each public pairing as an entry of the site (``entries.Entry``): its title is the page's heading (both sides),
    its text what the page shows of it — old area, level, period, the published plans' titles, goals and key tasks,
    the published projects (name, park, county), the indicators of its public figures, the evaluation schemes and
    commendations — and its last change the latest publication or withdrawal of one of its items."""
    from django.db.models import Max
    from django.urls import reverse
    from django.utils import timezone

    from .entries import Entry

    pairings = list(public_pairings())
    words: dict[int, list[str]] = {p.pk: [] for p in pairings}
    for p in pairings:
        words[p.pk] += [p.old_area.display_name if p.old_area else "", p.get_level_display()]
        words[p.pk].append(f"{p.start_year}—{p.end_year}")
    for plan in published_plans().filter(pairing__in=words).prefetch_related("goals"):
        words[plan.pairing_id] += [plan.title, *(g.text for g in plan.goals.all())]
    items = PlanItem.objects.filter(plan__in=published_plans().filter(pairing__in=words))
    for item in items.select_related("key_task", "plan").order_by("key_task__order", "pk"):
        words[item.plan.pairing_id].append(item.key_task.display_name)
    for project in published_projects().filter(pairing__in=words):
        words[project.pairing_id] += [project.name, project.park, project.location.display_name]
    for pairing_id in set(published_reports().filter(pairing__in=words).values_list("pairing_id", flat=True)):
        pairing = next(p for p in pairings if p.pk == pairing_id)
        words[pairing_id] += [f.indicator_name for f in figures(pairing)]
    for result in results().filter(pairing__in=words):
        words[result.pairing_id].append(result.run.scheme.name)
    for c in commendations().filter(pairing__in=words):
        words[c.pairing_id] += [c.run.scheme.name, c.reason]
    changed = {
        pairing: max(d for d in (published, withdrawn) if d is not None)
        for pairing, published, withdrawn in Publication.objects.filter(pairing__in=words)
        .values("pairing")
        .annotate(published=Max("published_at"), withdrawn=Max("withdrawn_at"))
        .values_list("pairing", "published", "withdrawn")
    }
    out = []
    for p in pairings:
        at = changed.get(p.pk)
        text = " ".join(dict.fromkeys(w for w in words[p.pk] if w))  # each once, in page order
        out.append(
            Entry(
                kind="pairing",
                key=f"pairing:{p.pk}",
                url=reverse("public:pairing", args=[p.pk]),
                title=str(p),
                text=text,
                lastmod=timezone.localdate(at) if at else None,
            )
        )
    return out


def pairing_subject(pk: int) -> PublicSubject | None:
    """A public pairing as a subject of feedback (``feedback.register_subject("pairing", …)``); None when it is not
    public (withdrawn, adjusted, never published, unknown)."""
    pairing = public_pairings().filter(pk=pk).first()
    if pairing is None:
        return None
    url = reverse("public:pairing", args=[pairing.pk])
    return PublicSubject(kind="pairing", id=pairing.pk, title=str(pairing), url=url, pairing=pairing)


# ---- regions ----------------------------------------------------------------------------------------------------

REGION_CODE = re.compile(r"\d{6}|\d{9}|\d{12}")


def public_region(code: str) -> Region:
    """The region of division ``code`` (6 digits down to the county, 9 for a township, 12 for a village) with its
    ancestors loaded; 404 for a code that names none."""
    region = None
    if REGION_CODE.fullmatch(code or ""):
        region = Region.objects.select_related("parent__parent__parent__parent").filter(code=code).first()
    if region is None:
        raise Http404("no such region")
    return region


def region_children(region: Region | None, q: str = "") -> QuerySet[Region]:
    """The regions directly under ``region`` (the provinces under none), by code; ``q`` a part of the name (Chinese or
    English) or the start of the code."""
    qs = Region.objects.filter(parent=region) if region else Region.objects.filter(level=Region.Level.PROVINCE)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(name_en__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code")


def region_pairings(region: Region) -> QuerySet[Pairing]:
    """The public pairings that involve ``region``: a side lies within it (a province's cities), or it lies within a
    side (a county of the city)."""
    chain = [r.code for r in region.ancestors()] + [region.code]
    sides = Q(old_region__in=chain) | Q(partner_region__in=chain)
    within = Q(old_region__code__startswith=region.prefix) | Q(partner_region__code__startswith=region.prefix)
    return public_pairings().filter(sides | within)


@dataclass
class RunningNotices:
    """A village under a region page whose 公示 or 公告 runs today: the village and, per kind, its last day."""

    village: Region
    publicity_end: datetime.date | None
    announcement_end: datetime.date | None


def running_notices(region: Region, today: datetime.date, limit: int = 100) -> tuple[list[RunningNotices], int]:
    """The villages under ``region`` with a 公示 or 公告 running on ``today`` (at most ``limit``, by code), and how many
    more there are. What monitoring's public notice pages show, as links; nothing of a household."""
    from duikou.monitoring.queries import public_notice_villages

    found = public_notice_villages(region.prefix, today)
    codes = sorted(found)
    villages = Region.objects.filter(code__in=codes[:limit]).select_related("parent").order_by("code")
    rows = [RunningNotices(v, found[v.code].get("publicity"), found[v.code].get("announcement")) for v in villages]
    return rows, max(0, len(codes) - limit)
