"""Workflows as tables: plans, indicator reports, rectification notices and monitoring cases move through steps, and
each app declares its steps in one table (its ``workflow`` module) built from the pieces here.

The table answers two questions and is the only place that does:

* ``allowed_steps(user, obj)``: the steps this user may take on this object now — the buttons a page shows and the
  requests its views, API and services accept;
* ``turn(obj)``: whose turn it is, which steps they are expected to take and by when — without a user, so that a
  page, a to-do list or a notice can say 「等待 苏州市 处理」 for any object.

Services stay where they are: each step function asks ``require`` first and then does its own writing (locks, version
checks, audit entries), and takes the status it leads to and the next due date from the table.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duikou.accounts.models import Organisation


@dataclass(frozen=True)
class Party:
    """Who is expected to act: the organisations answering for a place, or one named organisation."""

    label: str  # as shown: 苏州市, 河南省, 信阳市人民政府, 春申街道
    region: str | None = None  # division code of the place whose organisations act; None: the national level
    organisation: int | None = None  # when one organisation is named (a notice's responsible unit)

    def __str__(self) -> str:
        return str(self.label)

    def includes(self, user) -> bool:
        """Whether ``user`` acts for this party: a member of the named organisation, or of one answering for the
        place (an organisation sitting at the party's region)."""
        org = getattr(user, "organisation", None)
        if org is None:
            return False
        if self.organisation is not None:
            return org.pk == self.organisation
        return self.region is not None and org.region_id == self.region


# A party's name in the language of whoever reads it (a region's or organisation's ``display_name``).
_named = lazy(lambda named: named.display_name, str)


def region_party(region) -> Party:
    """The organisations answering for a region (a ``geo.Region``: its name and division code)."""
    return Party(label=_named(region), region=region.code)


def organisation_party(organisation) -> Party:
    return Party(label=_named(organisation), region=organisation.region_id, organisation=organisation.pk)


def party_users(parties: Iterable[Party], *, changing=None) -> list:
    """The active users of the active organisations the parties name: one organisation, the organisations of a
    region, or (neither) the national overseer; with ``changing``, only those who may change that object."""
    from django.contrib.auth import get_user_model

    from duikou.accounts import scoping

    organisations = Organisation.objects.none()
    for party in parties:
        if party.organisation is not None:
            organisations |= Organisation.objects.filter(pk=party.organisation)
        elif party.region is not None:
            organisations |= Organisation.objects.filter(region_id=party.region)
        else:
            organisations |= Organisation.objects.filter(kind=Organisation.Kind.NATIONAL)
    users = (
        get_user_model()
        .objects.filter(organisation__in=organisations.filter(is_active=True), is_active=True)
        .select_related("organisation__region")
        .order_by("pk")
    )
    if changing is None:
        return list(users)
    return [user for user in users if scoping.can(user, scoping.Action.CHANGE, changing)]


def national_party() -> Party:
    """The national overseer (国家发展改革委（振兴司）, the organisation of the whole country)."""
    org = Organisation.objects.filter(kind=Organisation.Kind.NATIONAL, is_active=True).order_by("pk").first()
    return organisation_party(org) if org else Party(label=_("国家"))


@dataclass(frozen=True)
class Step:
    """One row of a workflow table."""

    name: str  # as in URLs and the API: submit, agree, verify ...
    label: str  # what the step is called on a page (a lazy translation)
    sources: tuple[str, ...]  # the statuses it starts from; empty: any status
    target: str | None  # the status it leads to; None: the status stays
    who: Callable[[Any, Any], bool]  # whether this user may take it on this object now (its status already matches)
    # whose turn it is while the object waits for this step; None for a step taken only by the way (flag a problem,
    # unlock, start a revision), which never makes it anyone's turn
    party: Callable[[Any], Sequence[Party]] | None = None
    # when the step is due, from the object and the day it started waiting for it (``after_days``); None: no date
    due: Callable[[Any, datetime.date], datetime.date | None] | None = None
    style: str = "primary"  # its button: primary, success, danger, or outline-… for a step back
    fields: tuple[str, ...] = ()  # what its form asks for besides the version (comment, reason, doc_number …)

    def starts_from(self, status: str) -> bool:
        return not self.sources or status in self.sources


def after_days(setting: str, *, local: bool = False) -> Callable[[Any, datetime.date], datetime.date]:
    """A due rule: so many days (the named setting) after the step started waiting. ``local``: the number is this
    deployment's own rule, not one the policy documents set; pages mark such a due date 「本地规则」."""

    def due(obj, start: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=getattr(settings, setting))

    due.local_rule = local  # type: ignore[attr-defined]
    due.setting = setting  # type: ignore[attr-defined]
    return due


@dataclass(frozen=True)
class Turn:
    """Whose turn it is on an object: its status, the steps it waits for, who is to take them and by when. A finished
    object (or one that waits for nobody) has no steps and no parties."""

    status: str
    steps: tuple[Step, ...] = ()
    parties: tuple[Party, ...] = ()
    due: datetime.date | None = None
    # the setting behind the due date when it is this deployment's own rule, not policy (shown as 「本地规则」)
    local_rule: str = ""

    @property
    def waiting(self) -> bool:
        return bool(self.steps)

    @property
    def party_names(self) -> str:
        return pgettext("list separator", "、").join(str(p) for p in self.parties)

    @property
    def step_label(self) -> str:
        """The first step waited for, as a page names what is pending (「核验」)."""
        return self.steps[0].label if self.steps else ""

    def __str__(self) -> str:
        """One line for a page: 「等待 苏州市 处理」, with 「，截止 2026-12-20」 when the step has a due date."""
        if not self.waiting:
            return ""
        text = _("等待 %(parties)s 处理") % {"parties": self.party_names}
        if self.due:
            text += _("，截止 %(due)s") % {"due": self.due.isoformat()}
            if self.local_rule:
                text += _("（本地规则）")
        return text


def status_refusal(obj) -> PermissionDenied:
    """The plain refusal of a step the user may not take now: 「当前状态（草稿）下您不能执行此操作」."""
    return PermissionDenied(f"当前状态（{obj.get_status_display()}）下您不能执行此操作")


class Workflow:
    """A workflow's table of steps with the questions every page, API route and service asks of it.

    ``gate(user, obj)`` is checked once before the table (whether the user may act on the object at all, e.g. see it);
    ``refuse(user, obj, step)`` makes the error a refused step raises, in the app's own words; ``due_field`` names the
    field where the object keeps the due date of the step it waits for, when it keeps one.
    """

    def __init__(
        self,
        steps: Iterable[Step],
        *,
        refuse: Callable[[Any, Any, Step], Exception],
        gate: Callable[[Any, Any], bool] | None = None,
        due_field: str | None = None,
    ):
        self.steps: dict[str, Step] = {}
        for step in steps:
            if step.name in self.steps:
                raise ValueError(f"step {step.name} is in the table twice")
            self.steps[step.name] = step
        self.refuse, self.gate, self.due_field = refuse, gate, due_field

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps.values())

    def __contains__(self, name: object) -> bool:
        return name in self.steps

    def __getitem__(self, name: str) -> Step:
        return self.steps[name]

    def allowed_steps(self, user, obj) -> list[Step]:
        """The steps ``user`` may take on ``obj`` now, in the table's order."""
        if self.gate is not None and not self.gate(user, obj):
            return []
        return [s for s in self.steps.values() if s.starts_from(obj.status) and s.who(user, obj)]

    def allows(self, user, obj, name: str) -> bool:
        return any(s.name == name for s in self.allowed_steps(user, obj))

    def require(self, user, obj, name: str) -> Step:
        """The step, if ``user`` may take it on ``obj`` now; otherwise the app's refusal is raised."""
        step = self.steps[name]
        if not self.allows(user, obj, name):
            raise self.refuse(user, obj, step)
        return step

    def waiting(self, status: str) -> list[Step]:
        """The steps an object in ``status`` waits for (those that make it someone's turn)."""
        return [s for s in self.steps.values() if s.party is not None and s.starts_from(status)]

    def due(self, obj, status: str, start: datetime.date) -> datetime.date | None:
        """When an object that enters ``status`` on ``start`` has to have its next step taken: the earliest due date of
        the steps it then waits for (None when none of them has one)."""
        dates = [d for s in self.waiting(status) if s.due is not None and (d := s.due(obj, start)) is not None]
        return min(dates, default=None)

    def waiting_statuses(self) -> set[str] | None:
        """The statuses in which an object waits for someone (None: any status, when a waited-for step starts from
        any); a to-do list reads only objects in these."""
        statuses: set[str] = set()
        for step in self.steps.values():
            if step.party is not None:
                if not step.sources:
                    return None
                statuses.update(step.sources)
        return statuses

    def todo(self, user, objects: Iterable) -> Iterator[tuple[Any, Turn, list[Step]]]:
        """The objects among ``objects`` waiting for a step this user may take now as one of the parties whose turn
        it is, each with its turn and those steps — what a to-do list shows. Steps taken only by the way (no party),
        or that the user may take without being waited for (a city that agreed may still return), never put an
        object there."""
        for obj in objects:
            mine = [
                s
                for s in self.allowed_steps(user, obj)
                if s.party is not None and any(p.includes(user) for p in s.party(obj))
            ]
            if mine:
                yield obj, self.turn(obj), mine

    def waiting_for(self, obj) -> list:
        """The users whose to-do holds ``obj`` now: active members of the organisations whose turn it is, who may
        take one of the steps it waits for (whom a notice of the turn or of its deadline goes to)."""
        return [user for user in party_users(self.turn(obj).parties) if next(self.todo(user, [obj]), None)]

    def turn(self, obj) -> Turn:
        """Whose turn it is on ``obj``: the steps it waits for in its status, their parties, and the stored due date."""
        steps = tuple(self.waiting(obj.status))
        parties: dict[Party, None] = {}
        for step in steps:
            parties.update(dict.fromkeys(step.party(obj)))
        if not parties:
            return Turn(status=obj.status)
        due = getattr(obj, self.due_field) if self.due_field else None
        local = next((getattr(s.due, "setting", "") for s in steps if getattr(s.due, "local_rule", False)), "")
        return Turn(status=obj.status, steps=steps, parties=tuple(parties), due=due, local_rule=local if due else "")
