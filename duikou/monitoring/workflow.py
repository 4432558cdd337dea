"""The case workflow of household monitoring (seed 004 二(一)) as one table: from which status each step starts,
where it leads, the lowest level that may take it (every level above may too), whose turn it is and when it is due.

Villages and townships verify (核实) and propose risk elimination; a township (or a level above it) decides: include
as a monitoring object or dismiss, confirm or return a risk elimination. "assist" and "recheck" record work without
changing the status. Verification is due within the rule set's 响应时限, decisions within
``DUIKOU_MONITORING_DECIDE_DAYS`` and the first assistance measure within ``DUIKOU_MONITORING_ASSIST_DAYS`` (settings:
the seeds name no number of days); the case keeps the due date of the step it waits for in ``deadline``.
"""

import datetime
from dataclasses import dataclass
from enum import IntEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from duikou.accounts import scoping
from duikou.core.workflow import Party, Step, Workflow, after_days, region_party

from .models import Alert, AlertStep, RuleSet, Threshold


class Level(IntEnum):
    """Where a user's organisation sits in the region tree, read from its code prefix (the scoping layer's)."""

    NATIONAL = 0
    PROVINCE = 1
    PREFECTURE = 2
    COUNTY = 3
    TOWNSHIP = 4
    VILLAGE = 5


LEVEL_LABELS = {
    Level.NATIONAL: "国家",
    Level.PROVINCE: "省级",
    Level.PREFECTURE: "市级",
    Level.COUNTY: "县级",
    Level.TOWNSHIP: "乡镇级",
    Level.VILLAGE: "村级",
}
_LEVEL_BY_PREFIX = {2: Level.PROVINCE, 4: Level.PREFECTURE, 6: Level.COUNTY, 9: Level.TOWNSHIP, 12: Level.VILLAGE}


def user_level(user) -> Level | None:
    """The user's level: a 西关社区 (village) user is VILLAGE, a 春申街道 user TOWNSHIP, 信阳市 PREFECTURE."""
    prefix = scoping.region_prefix(user)
    if prefix is None:
        return Level.NATIONAL
    return _LEVEL_BY_PREFIX.get(len(prefix))


@dataclass(frozen=True)
class AtLeast:
    """Who may take a step: users of ``level`` or of any level above it (in the case's area: see the gate below); the
    case waits for the household's village or township."""

    level: Level

    def __call__(self, user, alert: Alert) -> bool:
        level = user_level(user)
        return level is not None and level <= self.level

    def party(self, alert: Alert) -> list[Party]:
        household = alert.household
        return [region_party(household.village if self.level == Level.VILLAGE else household.township)]


VILLAGE, TOWNSHIP = AtLeast(Level.VILLAGE), AtLeast(Level.TOWNSHIP)


def verify_days(ruleset: RuleSet) -> int:
    """The verification period: the rule set's 响应时限, or the installation's setting where it has none."""
    value = ruleset.thresholds.filter(key=Threshold.Key.RESPONSE_DAYS).values_list("value", flat=True).first()
    return int(value) if value is not None else settings.DUIKOU_MONITORING_VERIFY_DAYS


def _verification_due(alert: Alert, start: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=verify_days(alert.run.ruleset))


def _first_measure_due(alert: Alert, start: datetime.date) -> datetime.date | None:
    """Under assistance the next step waits on the income, not on a date: only the first measure is due."""
    if alert.measures.exists():
        return None
    return start + datetime.timedelta(days=settings.DUIKOU_MONITORING_ASSIST_DAYS)


_decision_due = after_days("DUIKOU_MONITORING_DECIDE_DAYS")


def _gate(user, alert: Alert) -> bool:
    return user_level(user) is not None and scoping.can(user, scoping.Action.CHANGE, alert)


def _refuse(user, alert: Alert, step: Step) -> Exception:
    if not step.starts_from(alert.status):
        return ValidationError(f"该预警当前为「{alert.get_status_display()}」，不能办理「{step.label}」")
    return PermissionDenied(f"「{step.label}」须由{LEVEL_LABELS[step.who.level]}及以上的用户办理")


S, K = Alert.Status, AlertStep.Step


def _step(step: K, source: str, target: str, who: AtLeast, *, style: str = "danger", **extra) -> Step:
    return Step(step.value, step.label, (source,), target, who, party=who.party, style=style, **extra)


NOTE = ("note",)
WORKFLOW = Workflow(
    [
        _step(K.VERIFY, S.VERIFYING, S.DECIDING, VILLAGE, due=_verification_due, fields=("checks", *NOTE)),
        _step(K.INCLUDE, S.DECIDING, S.MONITORED, TOWNSHIP, due=_decision_due, fields=("category", *NOTE)),
        _step(K.DISMISS, S.DECIDING, S.CLOSED, TOWNSHIP, due=_decision_due, style="outline-secondary", fields=NOTE),
        _step(K.RETURN, S.DECIDING, S.VERIFYING, TOWNSHIP, due=_decision_due, style="outline-secondary", fields=NOTE),
        _step(
            K.ASSIST,
            S.MONITORED,
            S.MONITORED,
            VILLAGE,
            due=_first_measure_due,
            fields=("kind", "responsible_unit", "description", "start_date"),
        ),
        _step(K.PROPOSE_ELIMINATION, S.MONITORED, S.ELIMINATING, VILLAGE, fields=NOTE),
        _step(K.RECHECK, S.MONITORED, S.MONITORED, VILLAGE, fields=("checks", *NOTE)),
        _step(K.ELIMINATE, S.ELIMINATING, S.CLOSED, TOWNSHIP, due=_decision_due, fields=NOTE),
        _step(
            K.REJECT_ELIMINATION,
            S.ELIMINATING,
            S.MONITORED,
            TOWNSHIP,
            due=_decision_due,
            style="outline-secondary",
            fields=NOTE,
        ),
    ],
    gate=_gate,
    refuse=_refuse,
    due_field="deadline",
)
