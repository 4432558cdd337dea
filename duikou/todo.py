"""My to-do: everything waiting for this user's action, across the apps, oldest due date first.

Each source reads the user's scoped objects through its app's queries, and asks the app's workflow table which of
them wait for a step this user may take now (``Workflow.todo``) — the same table that draws the buttons and accepts
the requests, so the list never offers what the page would refuse. Sources without a workflow (project milestones,
plan tasks, labour follow-ups) list what is not done and due within ``DUIKOU_TODO_HORIZON_DAYS`` or overdue, for those
who may change it; messages from the public (公众留言) are listed while pending, for the approvers of their area. Each
source reads at most ``DUIKOU_TODO_SOURCE_LIMIT`` objects, oldest first, and says how many more there are, with the
link to its own list.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duikou.accounts import scoping

A = scoping.Action


@dataclass(frozen=True)
class Item:
    """One thing waiting for the user: what (``title``), where (``place``), the action expected, by when, and the
    link to the page where it is taken."""

    source: str  # plans, reports, notices, cases, objections, milestones, tasks, followups
    kind: str  # as shown: 方案, 填报报告, 整改通知 …
    title: str
    action: str
    link: str
    due: datetime.date | None = None
    place: str = ""
    turn: str = ""  # 「等待 苏州市 处理，截止 2026-12-20（本地规则）」 for a workflow step
    local_rule: bool = False  # the due date is this deployment's own rule, not policy

    def overdue(self, today: datetime.date) -> bool:
        return self.due is not None and self.due < today

    def as_dict(self, today: datetime.date) -> dict:
        return {
            "source": self.source,
            "kind": str(self.kind),
            "title": self.title,
            "action": str(self.action),
            "link": self.link,
            "due": self.due,
            "overdue": self.overdue(today),
            "place": self.place,
            "turn": self.turn,
            "local_rule": self.local_rule,
        }


@dataclass(frozen=True)
class More:
    """A source that had more than its limit: how many more, and its own list."""

    kind: str
    count: int
    link: str


SOURCES = {
    "plans": _("方案"),
    "reports": _("填报报告"),
    "notices": _("整改通知"),
    "cases": _("监测案件"),
    "objections": _("异议申诉"),
    "milestones": _("项目节点"),
    "tasks": _("方案任务"),
    "followups": _("就业回访"),
    "culture": _("红色文化审核"),
    "feedback": _("公众留言"),
    "certifications": _("消费帮扶产品认定"),
    "assessments": _("评估自评"),
    "cross_checks": _("交叉核查"),
}


def _limit() -> int:
    return settings.DUIKOU_TODO_SOURCE_LIMIT


def _horizon(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=settings.DUIKOU_TODO_HORIZON_DAYS)


def _workflow_items(user, source, workflow, queryset, *, title, place, link) -> tuple[list[Item], int]:
    """Objects of ``queryset`` (already scoped, in waiting statuses) waiting for a step this user may take."""
    statuses = workflow.waiting_statuses()
    if statuses is not None:
        queryset = queryset.filter(status__in=statuses)
    rows = list(queryset[: _limit() + 1])
    more = max(0, queryset.count() - _limit()) if len(rows) > _limit() else 0
    items = []
    for obj, turn, steps in workflow.todo(user, rows[: _limit()]):
        items.append(
            Item(
                source=source,
                kind=SOURCES[source],
                title=title(obj),
                action="、".join(str(s.label) for s in steps if s.name != "edit") or str(steps[0].label),
                link=link(obj),
                due=turn.due,
                place=place(obj),
                turn=str(turn),
                local_rule=bool(turn.local_rule),
            )
        )
    return items, more


def _plans(user, today):
    from duikou.plans.queries import plans_for
    from duikou.plans.workflow import WORKFLOW

    qs = plans_for(user).filter(next_revision__isnull=True).order_by("step_due", "pk")
    return _workflow_items(
        user,
        "plans",
        WORKFLOW,
        qs,
        title=str,
        place=lambda p: str(p.pairing),
        link=lambda p: reverse("plans:detail", args=[p.pk]),
    )


def _reports(user, today):
    """Reports of the user's pairings to fill and submit (each due on its data set's due date for the period, or
    so many days after it was returned), and reports waiting for the user's review step."""
    from duikou.indicators.models import Report
    from duikou.indicators.queries import reports_for
    from duikou.indicators.workflow import WORKFLOW

    qs = reports_for(user).select_related("dataset", "pairing__old_region", "pairing__partner_region")
    items, more = _workflow_items(
        user,
        "reports",
        WORKFLOW,
        qs.exclude(status=Report.Status.OPEN).order_by("step_due", "period", "pk"),
        title=lambda r: f"{r.dataset.name} {r.period}",
        place=lambda r: str(r.pairing),
        link=lambda r: reverse("indicators:entry", args=[r.pairing_id, r.dataset.code, r.period]),
    )
    return items + list(_reports_to_fill(user, today)), more


def _reports_to_fill(user, today) -> Iterator[Item]:
    """The recent periods' reports of the pairings whose city the user enters for, not yet submitted: overdue ones
    and those due within the horizon (a report never started counts as much as one started)."""
    from duikou.indicators import queries, services
    from duikou.indicators.models import Report
    from duikou.indicators.queries import Timeliness
    from duikou.pairings import sides

    if not scoping.may(user, A.CHANGE) or user.organisation_id is None:
        return
    horizon = _horizon(today)
    for dataset in queries.datasets_for(user).prefetch_related("pairings"):
        pairings = [p for p in queries.reporting_pairings_for(user, dataset, A.CHANGE) if sides.city_sides(user, p)]
        if not pairings:
            continue
        states = queries.report_states(
            pairings,
            [dataset],
            lambda ds: services.recent_periods(ds, today=today, count=4),
            today=today,
            reports=queries.reports_for(user),
        )
        # a report returned or unlocked is due again so many days after (its step_due)
        returned = {
            (pairing_id, period): due
            for pairing_id, period, due in queries.reports_for(user)
            .filter(dataset=dataset, status=Report.Status.OPEN, step_due__isnull=False)
            .values_list("pairing_id", "period", "step_due")
        }
        names = {p.pk: str(p) for p in pairings}
        for state in states:
            if state.state not in (Timeliness.MISSING, Timeliness.NOT_DUE) or state.status not in (None, "open"):
                continue
            due = max(state.due, returned.get((state.pairing_id, state.period.id), state.due))
            if due > horizon and state.state == Timeliness.NOT_DUE:
                continue
            yield Item(
                source="reports",
                kind=SOURCES["reports"],
                title=f"{dataset.name} {state.period.label}",
                action=_("填报并上报"),
                link=reverse("indicators:entry", args=[state.pairing_id, dataset.code, state.period.id]),
                due=due,
                place=names[state.pairing_id],
                local_rule=True,
            )


def _notices(user, today):
    from duikou.evaluation.supervision.queries import notices_for
    from duikou.evaluation.supervision.workflow import WORKFLOW

    return _workflow_items(
        user,
        "notices",
        WORKFLOW,
        notices_for(user).order_by("step_due", "pk"),
        title=str,
        place=lambda n: str(n.pairing),
        link=lambda n: reverse("evaluation:notice_detail", args=[n.pk]),
    )


def _cases(user, today):
    """Cases whose current step is this user's to take, and open cases this user is the responsible person of."""
    from duikou.monitoring.models import Alert
    from duikou.monitoring.queries import alerts_for
    from duikou.monitoring.workflow import WORKFLOW, Level, user_level

    def title(alert):
        return f"{alert.household} · {alert.get_status_display()}"

    def place(alert):
        return alert.household.village.name if alert.household.village_id else ""

    def link(alert):
        return reverse("monitoring:alert", args=[alert.pk])

    qs = alerts_for(user, status="open").select_related("household__village")
    items, more = [], 0
    if user_level(user) in (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY):  # the levels that take the steps
        items, more = _workflow_items(
            user, "cases", WORKFLOW, qs.order_by("deadline", "pk"), title=title, place=place, link=link
        )
    seen = {i.link for i in items}
    for alert in qs.filter(responsible=user).exclude(status=Alert.Status.CLOSED)[: _limit()]:
        if link(alert) in seen:
            continue
        turn = WORKFLOW.turn(alert)
        items.append(
            Item(
                source="cases",
                kind=SOURCES["cases"],
                title=title(alert),
                action=_("跟进帮扶（您是帮扶联系人）"),
                link=link(alert),
                due=alert.deadline,
                place=place(alert),
                turn=str(turn),
            )
        )
    return items, more


def _objections(user, today):
    from duikou.monitoring.models import Objection
    from duikou.monitoring.services import may_answer
    from duikou.monitoring.workflow import Level, user_level

    if user_level(user) not in (Level.TOWNSHIP, Level.COUNTY):  # objections are answered there only
        return [], 0

    qs = (
        scoping.scope(user, Objection, A.CHANGE)
        .filter(status=Objection.Status.OPEN)
        .select_related("case__household__village")
        .order_by("due", "pk")
    )
    rows = list(qs[: _limit() + 1])
    more = max(0, qs.count() - _limit()) if len(rows) > _limit() else 0
    items = [
        Item(
            source="objections",
            kind=SOURCES["objections"],
            title=f"{o.ack_number} {o.get_kind_display()}（{o.get_subject_display()}）",
            action=_("答复"),
            link=reverse("monitoring:alert", args=[o.case_id]) + "#objections",
            due=o.due,
            place=o.case.household.village.name,
        )
        for o in rows[: _limit()]
        if may_answer(user, o)
    ]
    return items, more


def _milestones(user, today):
    from duikou.projects.models import Milestone, Project

    qs = (
        scoping.scope(user, Milestone, A.CHANGE)
        .filter(done_date__isnull=True, due_date__lte=_horizon(today))
        .exclude(project__status__in=[Project.Status.TERMINATED, Project.Status.OPERATING])
        .select_related("project__pairing__old_region", "project__pairing__partner_region")
        .order_by("due_date", "pk")
    )
    return _plain(
        qs,
        lambda m: Item(
            source="milestones",
            kind=SOURCES["milestones"],
            title=f"{m.project.name}：{m.name}",
            action=_("完成并登记节点"),
            link=reverse("projects:detail", args=[m.project_id]) + "#milestones",
            due=m.due_date,
            place=str(m.project.pairing) if m.project.pairing_id else "",
        ),
    )


def _tasks(user, today):
    """Plan tasks (任务事项) of current plans: those of the user's own unit due within the horizon, and, for who may
    change the plan, the overdue ones that have no responsible unit to chase."""
    from duikou.plans.models import PlanItem

    open_items = PlanItem.objects.filter(done_date__isnull=True, plan__next_revision__isnull=True)
    mine = Q(pk__in=[])
    if user.organisation_id:
        own = open_items.filter(responsible_unit_id=user.organisation_id, due_date__lte=_horizon(today))
        mine |= Q(pk__in=own.values("pk"))
    if scoping.may(user, A.CHANGE):
        unowned = scoping.scope(user, open_items, A.CHANGE).filter(responsible_unit__isnull=True, due_date__lt=today)
        mine |= Q(pk__in=unowned.values("pk"))
    qs = PlanItem.objects.filter(mine).select_related("plan__pairing__old_region", "plan__pairing__partner_region")
    return _plain(
        qs.order_by("due_date", "pk"),
        lambda i: Item(
            source="tasks",
            kind=SOURCES["tasks"],
            title=f"{i.plan}：{i.text}",
            action=_("完成并登记"),
            link=reverse("plans:detail", args=[i.plan_id]) + "#items",
            due=i.due_date,
            place=str(i.plan.pairing),
        ),
    )


def _followups(user, today):
    from duikou.markets.models import FollowUp

    qs = (
        scoping.scope(user, FollowUp, A.CHANGE)
        .filter(done_on__isnull=True, due__lte=_horizon(today))
        .select_related("placement__seeker", "placement__posting")
        .order_by("due", "pk")
    )
    return _plain(
        qs,
        lambda f: Item(
            source="followups",
            kind=SOURCES["followups"],
            title=f"{f.placement} · {f.get_months_display()}",
            action=_("回访并登记"),
            link=reverse("markets:labour_followup_record", args=[f.pk]),
            due=f.due,
        ),
    )


def _culture(user, today):
    """Red-culture resources and routes submitted for review, for the approvers of their place (not the submitter)."""
    from duikou.culture.queries import resources_for, routes_for
    from duikou.culture.workflow import WORKFLOW

    resources, more = _workflow_items(
        user,
        "culture",
        WORKFLOW,
        resources_for(user, status="review").order_by("submitted_at", "pk"),
        title=lambda r: r.display_name,
        place=lambda r: r.region.display_name,
        link=lambda r: reverse("culture:resource", args=[r.pk]),
    )
    routes, more_routes = _workflow_items(
        user,
        "culture",
        WORKFLOW,
        routes_for(user, status="review").order_by("submitted_at", "pk"),
        title=lambda r: r.display_name,
        place=lambda r: str(r.pairing),
        link=lambda r: reverse("culture:route", args=[r.pk]),
    )
    return resources + routes, more + more_routes


def _certifications(user, today):
    """Product certifications waiting for their county's review or certification, for the county's approvers (not
    the submitter)."""
    from duikou.markets.models import ProductCertification
    from duikou.markets.produce.queries import certifications_for
    from duikou.markets.produce.workflow import WORKFLOW

    S = ProductCertification.Status
    waiting = certifications_for(user, action=A.APPROVE).filter(status__in=[S.REVIEW, S.PUBLICITY])
    return _workflow_items(
        user,
        "certifications",
        WORKFLOW,
        waiting.order_by("submitted_at", "pk"),
        title=lambda c: c.name,
        place=lambda c: c.county.display_name,
        link=lambda c: reverse("markets:produce_certification_detail", args=[c.pk]),
    )


def _feedback(user, today):
    """Messages from the public waiting for moderation by the approvers of their subject's area (no due date)."""
    from django.utils.text import Truncator

    from duikou.publication.feedback.queries import pending_for

    if not scoping.may(user, A.APPROVE):
        return [], 0
    return _plain(
        pending_for(user),
        lambda f: Item(
            source="feedback",
            kind=SOURCES["feedback"],
            title=Truncator(f.body).chars(60),
            action=_("审核留言"),
            link=reverse("publication:feedback") + f"?status=pending#feedback-{f.pk}",
            place=f.subject_title,
        ),
    )


def _assessments(user, today):
    """Self-assessments waiting for this user's city (to submit, or to give the partner's opinion on), and the sides
    of the user's city not yet begun in a scheme whose self-assessment is still open."""
    from duikou.evaluation.assessment import queries, services
    from duikou.evaluation.assessment.workflow import SELF_ASSESSMENT
    from duikou.evaluation.models import SelfAssessment
    from duikou.evaluation.queries import schemes_for
    from duikou.pairings import sides

    qs = (
        scoping.scope(user, SelfAssessment)
        .select_related("scheme", "pairing__old_region", "pairing__partner_region")
        .order_by("scheme__self_assessment_due", "pk")
    )
    items, more = _workflow_items(
        user,
        "assessments",
        SELF_ASSESSMENT,
        qs,
        title=lambda a: _("%(scheme)s · %(side)s自评") % {"scheme": a.scheme, "side": a.get_side_display()},
        place=lambda a: str(a.pairing),
        link=services.assessment_link,
    )
    if not scoping.may(user, A.CHANGE) or user.organisation_id is None:
        return items, more
    open_schemes = schemes_for(user).filter(self_assessment=True, self_assessment_due__gte=today)
    for scheme in open_schemes[: _limit()]:
        begun = set(qs.filter(scheme=scheme).values_list("pairing_id", "side"))
        for pairing in queries.pairings_of(user, scheme):
            for side in sides.city_sides(user, pairing):
                if (pairing.pk, side) in begun or not services.may_start(user, scheme, pairing, side):
                    continue
                items.append(
                    Item(
                        source="assessments",
                        kind=SOURCES["assessments"],
                        title=_("%(scheme)s · %(side)s自评") % {"scheme": scheme, "side": services.side_label(side)},
                        action=str(_("填写并提交自评")),
                        link=reverse("evaluation:assessment", args=[scheme.pk, pairing.pk, side]),
                        due=scheme.self_assessment_due,
                        place=str(pairing),
                    )
                )
    return items, more


def _cross_checks(user, today):
    from duikou.evaluation.assessment import queries, services
    from duikou.evaluation.assessment.workflow import CROSS_CHECK

    return _workflow_items(
        user,
        "cross_checks",
        CROSS_CHECK,
        queries.cross_checks_for(user),
        title=lambda c: _("%(scheme)s · 交叉核查") % {"scheme": c.scheme},
        place=lambda c: str(c.pairing),
        link=services.cross_check_link,
    )


def _plain(qs, make) -> tuple[list[Item], int]:
    rows = list(qs[: _limit() + 1])
    more = max(0, qs.count() - _limit()) if len(rows) > _limit() else 0
    return [make(row) for row in rows[: _limit()]], more


READERS = {
    "plans": (_plans, "plans:list"),
    "reports": (_reports, "indicators:reports"),
    "notices": (_notices, "evaluation:notices"),
    "cases": (_cases, "monitoring:alerts"),
    "objections": (_objections, "monitoring:objections"),
    "milestones": (_milestones, "projects:overdue"),
    "tasks": (_tasks, "plans:matrix"),
    "followups": (_followups, "markets:labour_followups"),
    "culture": (_culture, "culture:resources"),
    "feedback": (_feedback, "publication:feedback"),
    "certifications": (_certifications, "markets:produce_certifications"),
    "assessments": (_assessments, "evaluation:schemes"),
    "cross_checks": (_cross_checks, "evaluation:schemes"),
}


def todo_for(user, *, today: datetime.date | None = None, source: str = "") -> tuple[list[Item], list[More]]:
    """What waits for ``user``: the items, overdue and oldest due first (those without a due date last), and the
    sources that had more than they list."""
    today = today or timezone.localdate()
    items: list[Item] = []
    more: list[More] = []
    if not user.is_authenticated or not scoping.may(user, A.VIEW):
        return items, more
    for name, (read, list_url) in READERS.items():
        if source and name != source:
            continue
        found, extra = read(user, today)
        items.extend(found)
        if extra:
            more.append(More(kind=SOURCES[name], count=extra, link=reverse(list_url)))
    items.sort(key=lambda i: (i.due is None, i.due or today, str(i.kind), i.title))
    return items, more


def counts(items: list[Item], today: datetime.date) -> Iterator[tuple[str, str, int, int]]:
    """Per source: its name, label, how many items and how many of them overdue (for the filter chips)."""
    for name, label in SOURCES.items():
        mine = [i for i in items if i.source == name]
        if mine:
            yield name, str(label), len(mine), sum(1 for i in mine if i.overdue(today))
