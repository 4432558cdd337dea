"""The pairing page as the pairing's hub: its plans, projects, activities, produce agreements, figures against its
plan's targets, evaluation results and rectification notices — each section with its count, a few latest rows and
a link to the full list filtered to the pairing.

Every section is read through its app's scoped query (or the scoping layer), as the user; a section of a kind of
data the user may not read at all (``scoping.reads``) is left out rather than shown empty. Which figure comes from
where is written in docs/pairings.md.
"""

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping
from duikou.evaluation.models import Notice, Result, Run
from duikou.evaluation.supervision import queries as notice_queries
from duikou.indicators.models import DataValue
from duikou.markets.models import Agreement
from duikou.markets.produce import queries as produce_queries
from duikou.pairings.models import Pairing
from duikou.plans import queries as plan_queries
from duikou.plans.models import Plan
from duikou.projects import queries as project_queries
from duikou.projects.models import Activity, Project

LATEST = 3  # rows shown per section; the link leads to the rest
FIGURE_YEARS = 2  # the latest years with a target, up to this one


@dataclass
class Section:
    key: str
    title: str
    count: int
    rows: list
    url: str  # the full list, filtered to the pairing
    empty: str  # what the section says when the pairing has nothing of the kind yet
    extra: dict = field(default_factory=dict)


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def pairing_hub(user, pairing: Pairing, *, today: datetime.date | None = None) -> list[Section]:
    """The sections of ``pairing``'s page that ``user`` may read, in the page's order."""
    today = today or timezone.localdate()
    pk = pairing.pk
    sections = [
        _figures(user, pairing, today),
        _listed(
            user,
            Plan,
            lambda: plan_queries.plans_for(user, pairing=pk),
            Section("plans", _("实施方案与计划"), 0, [], _url("plans:list", pairing=pk), _("尚未编制方案。")),
        ),
        _listed(
            user,
            Project,
            lambda: project_queries.projects_for(user, pairing=pk).order_by("-updated", "-pk"),
            Section("projects", _("重大项目"), 0, [], _url("projects:list", pairing=pk), _("尚未登记项目。")),
        ),
        _listed(
            user,
            Activity,
            lambda: project_queries.activities_for(user, pairing=pk),
            Section(
                "activities", _("合作活动"), 0, [], _url("projects:activity_list", pairing=pk), _("尚未记录合作活动。")
            ),
        ),
        _listed(
            user,
            Agreement,
            lambda: produce_queries.agreements_for(user, pairing=pk),
            Section(
                "agreements",
                _("产销协议"),
                0,
                [],
                _url("markets:produce_agreements", pairing=pk),
                _("尚无计入本结对的产销协议。"),
            ),
        ),
        _results(user, pairing),
        _notices(user, pairing, today),
    ]
    return [s for s in sections if s is not None]


def _listed(user, model, rows, section: Section) -> Section | None:
    """``section`` filled from ``rows()`` (a scoped QuerySet, latest first): its count and its first rows; None when
    the user may not read ``model`` at all."""
    if not scoping.reads(user, model):
        return None
    qs = rows()
    section.count, section.rows = qs.count(), list(qs[:LATEST])
    return section


def _figures(user, pairing, today) -> Section | None:
    """The latest years' accepted figures against the filed plans' targets (plans.queries.figures_against_targets)."""
    if not scoping.reads(user, DataValue):
        return None
    figures = plan_queries.figures_against_targets(user, pairing)
    years = sorted({f.year for f in figures if f.year <= today.year}, reverse=True)[:FIGURE_YEARS]
    if not years and figures:  # a plan whose targets all lie ahead: its first year
        years = [min(f.year for f in figures)]
    rows = [f for f in figures if f.year in years]
    return Section(
        "figures",
        _("指标完成情况"),
        len(rows),
        rows,
        _url("plans:list", pairing=pairing.pk, status=Plan.Status.FILED),
        _("尚无已备案方案设定年度指标目标。"),
        {"years": years},
    )


def _results(user, pairing) -> Section | None:
    """Published evaluation results of the pairing, latest year first; each row links to its explanation."""
    if not scoping.reads(user, Result):
        return None
    qs = (
        scoping.scope(user, Result)
        .filter(pairing=pairing, run__status=Run.Status.PUBLISHED)
        .select_related("run__scheme")
        .order_by("-run__scheme__year", "-run__published_at", "-pk")
    )
    return Section(
        "results",
        _("成效评估"),
        qs.count(),
        list(qs[:LATEST]),
        _url("evaluation:schemes"),
        _("尚未发布本结对的成效评估结果。"),
    )


def _notices(user, pairing, today) -> Section | None:
    if not scoping.reads(user, Notice):
        return None
    qs = notice_queries.notices_for(user, today=today).filter(pairing=pairing)
    open_ = qs.exclude(status=Notice.Status.CLOSED)
    return Section(
        "notices",
        _("整改通知"),
        qs.count(),
        list(qs.order_by("-pk")[:LATEST]),
        _url("evaluation:notices", pairing=pairing.pk),
        _("没有整改通知。"),
        {"open": open_.count(), "overdue": open_.filter(step_due__lt=today).count(), "today": today},
    )
