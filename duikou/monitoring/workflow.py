"""The case procedure of household monitoring as one table: from which status each step starts, where it leads, the
one level that takes it, whose turn it is and when it is due.

Identification (识别纳入) follows the procedure counties publish (``shared/domain/monitoring-procedure.md``): 入户核实
(village) → 承诺授权 recorded (village) → 村级民主评议, which opens the 村内公示 (village) → after the 公示, to the
township → 乡镇审核 → 县级审定 with its 公告 → monitored with its category. Risk elimination (风险消除) runs the same
way: the village verifies and proposes, 评议, 公示; the township reviews; the county confirms and announces.

Separation of duties is the table's, not the pages': each step is taken at its own level only (a city or province
user takes none; a county user does not verify for the village), the township or the county decides and never the
village, and whoever took the last step of a case cannot take the next one. Steps that record work without moving
the case (a lead, a measure, a recheck) do not count as "the last step".

Deadlines count working days (``core.workdays``, with the province's own days): verification within the rule set's
入户核实时限; the whole identification within its 识别纳入办结时限 from the first lead; the first assistance measure
within ``DUIKOU_MONITORING_ASSIST_DAYS``; each elimination step within ``DUIKOU_MONITORING_DECIDE_DAYS``. The figures
are the rule set's (per province, each with its source or marked as a local setting), never national policy.
"""

import datetime
from dataclasses import dataclass
from enum import IntEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duikou.accounts import scoping
from duikou.core import workdays
from duikou.core.workflow import Party, Step, Workflow, region_party
from duikou.geo.models import Region

from .models import Alert, AlertStep, RuleSet, Threshold, threshold


class Level(IntEnum):
    """Where a user's organisation sits in the region tree, read from its code prefix (the scoping layer's)."""

    NATIONAL = 0
    PROVINCE = 1
    PREFECTURE = 2
    COUNTY = 3
    TOWNSHIP = 4
    VILLAGE = 5


LEVEL_LABELS = {
    Level.NATIONAL: gettext_lazy("国家"),
    Level.PROVINCE: gettext_lazy("省级"),
    Level.PREFECTURE: gettext_lazy("市级"),
    Level.COUNTY: gettext_lazy("县级"),
    Level.TOWNSHIP: gettext_lazy("乡镇级"),
    Level.VILLAGE: gettext_lazy("村级"),
}
_LEVEL_BY_PREFIX = {2: Level.PROVINCE, 4: Level.PREFECTURE, 6: Level.COUNTY, 9: Level.TOWNSHIP, 12: Level.VILLAGE}


def user_level(user) -> Level | None:
    """The user's level: a 西关社区 (village) user is VILLAGE, a 春申街道 user TOWNSHIP, 信阳市 PREFECTURE."""
    prefix = scoping.region_prefix(user)
    if prefix is None:
        return Level.NATIONAL
    return _LEVEL_BY_PREFIX.get(len(prefix))


def last_actor_id(alert: Alert) -> int | None:
    """Who took the case's last step that moved it (None: nobody yet, or the system); read once per version."""
    cached = getattr(alert, "_last_actor", None)
    if cached is not None and cached[0] == alert.version:
        return cached[1]
    moving = [s.name for s in WORKFLOW if s.target is not None and s.sources != (s.target,)]
    actor = (
        AlertStep.objects.filter(alert=alert, step__in=moving)
        .order_by("-created", "-pk")
        .values_list("actor_id", flat=True)
        .first()
    )
    alert._last_actor = (alert.version, actor)
    return actor


@dataclass(frozen=True)
class At:
    """Who may take a step: users of exactly these levels (in the case's area: see the gate below) who did not take
    the case's last step; the case waits for the organisations of the first level's place."""

    levels: tuple[Level, ...]
    moves: bool = True  # a step that records work without moving the case is not bound by the separation rule

    def __call__(self, user, alert: Alert) -> bool:
        if user_level(user) not in self.levels:
            return False
        return not self.moves or last_actor_id(alert) != user.pk

    def party(self, alert: Alert) -> list[Party]:
        household = alert.household
        level = self.levels[0]
        if level == Level.VILLAGE:
            return [region_party(household.village)]
        if level == Level.TOWNSHIP:
            return [region_party(household.township)]
        county = Region.objects.filter(pk=household.village_id[:6]).first()
        return [region_party(county)] if county else []


VILLAGE, TOWNSHIP, COUNTY = At((Level.VILLAGE,)), At((Level.TOWNSHIP,)), At((Level.COUNTY,))
FRONT_LINE = At((Level.VILLAGE, Level.TOWNSHIP), moves=False)  # measures and rechecks: the village or the township


def province_of(alert: Alert) -> str:
    return alert.household.village_id[:2]


def working_days_after(alert: Alert, start: datetime.date, days: int) -> datetime.date:
    return workdays.add_working_days(start, days, province_of(alert)).day


def verify_days(ruleset: RuleSet | None) -> int:
    """The verification period in working days: the rule set's 入户核实时限, or the installation's setting."""
    return int(threshold(ruleset, Threshold.Key.RESPONSE_DAYS, settings.DUIKOU_MONITORING_VERIFY_DAYS))


def identification_due(alert: Alert) -> datetime.date:
    """The whole identification is due so many working days (the rule set's) after the case was opened."""
    opened = timezone.localdate(alert.created) if alert.created else timezone.localdate()
    days = int(threshold(alert.ruleset, Threshold.Key.IDENTIFY_DAYS))
    return working_days_after(alert, opened, days)


def _verification_due(alert: Alert, start: datetime.date) -> datetime.date:
    return working_days_after(alert, start, verify_days(alert.ruleset))


def _identification_due(alert: Alert, start: datetime.date) -> datetime.date:
    return identification_due(alert)


def _after_publicity(alert: Alert, start: datetime.date) -> datetime.date:
    """The village reports to the township the working day after the 公示 ends (and within the identification)."""
    end = alert.publicity_end or start
    return working_days_after(alert, end, 1)


def _first_measure_due(alert: Alert, start: datetime.date) -> datetime.date | None:
    """Under assistance the next step waits on the income, not on a date: only the first measure is due."""
    if alert.measures.exists():
        return None
    return working_days_after(alert, start, settings.DUIKOU_MONITORING_ASSIST_DAYS)


def _decision_due(alert: Alert, start: datetime.date) -> datetime.date:
    return working_days_after(alert, start, settings.DUIKOU_MONITORING_DECIDE_DAYS)


def _gate(user, alert: Alert) -> bool:
    return user_level(user) is not None and scoping.can(user, scoping.Action.CHANGE, alert)


def _refuse(user, alert: Alert, step: Step) -> Exception:
    if not step.starts_from(alert.status):
        return ValidationError(
            _("该案件当前为「%(status)s」，不能办理「%(step)s」")
            % {"status": alert.get_status_display(), "step": step.label}
        )
    levels = "、".join(str(LEVEL_LABELS[level]) for level in step.who.levels)
    if user_level(user) in step.who.levels and step.who.moves:
        return PermissionDenied(
            _("「%(step)s」须由另一名%(levels)s用户办理：上一步是您办理的，同一人不能连续办理两个步骤")
            % {"step": step.label, "levels": levels}
        )
    return PermissionDenied(_("「%(step)s」只能由%(levels)s用户办理") % {"step": step.label, "levels": levels})


S, K = Alert.Status, AlertStep.Step


def _step(step: K, source: str, target: str, who: At, *, style: str = "primary", **extra) -> Step:
    return Step(step.value, step.label, (source,), target, who, party=who.party, style=style, **extra)


NOTE = ("note",)
CHECKS = ("checks",)
MEETING = ("meeting_date", "attendees", "opinion", *NOTE)
BACK = "outline-secondary"
WORKFLOW = Workflow(
    [
        # identification
        _step(K.VERIFY, S.VERIFYING, S.CONSENTING, VILLAGE, due=_verification_due, fields=(*CHECKS, *NOTE)),
        _step(
            K.CONSENT, S.CONSENTING, S.DELIBERATING, VILLAGE, due=_identification_due, fields=("consent_date", *NOTE)
        ),
        _step(
            K.DELIBERATE,
            S.DELIBERATING,
            S.PUBLICISING,
            VILLAGE,
            due=_identification_due,
            fields=(*MEETING, "category"),
        ),
        _step(K.SUBMIT, S.PUBLICISING, S.TOWNSHIP_REVIEW, VILLAGE, due=_after_publicity, fields=NOTE),
        _step(K.TOWNSHIP_APPROVE, S.TOWNSHIP_REVIEW, S.COUNTY_DECISION, TOWNSHIP, due=_identification_due, fields=NOTE),
        _step(
            K.TOWNSHIP_DISMISS,
            S.TOWNSHIP_REVIEW,
            S.CLOSED,
            TOWNSHIP,
            due=_identification_due,
            style="danger",
            fields=NOTE,
        ),
        _step(K.RETURN, S.TOWNSHIP_REVIEW, S.VERIFYING, TOWNSHIP, due=_identification_due, style=BACK, fields=NOTE),
        _step(
            K.INCLUDE,
            S.COUNTY_DECISION,
            S.MONITORED,
            COUNTY,
            due=_identification_due,
            style="success",
            fields=("category", *NOTE),
        ),
        _step(K.DISMISS, S.COUNTY_DECISION, S.CLOSED, COUNTY, due=_identification_due, style="danger", fields=NOTE),
        _step(
            K.COUNTY_RETURN,
            S.COUNTY_DECISION,
            S.TOWNSHIP_REVIEW,
            COUNTY,
            due=_identification_due,
            style=BACK,
            fields=NOTE,
        ),
        # assistance
        _step(
            K.ASSIST,
            S.MONITORED,
            S.MONITORED,
            FRONT_LINE,
            due=_first_measure_due,
            fields=("kind", "responsible_unit", "description", "start_date"),
        ),
        _step(K.RECHECK, S.MONITORED, S.MONITORED, FRONT_LINE, fields=(*CHECKS, *NOTE)),
        _step(K.SAFETY_NET, S.MONITORED, S.SAFETY_NET, COUNTY, style=BACK, fields=NOTE),
        # risk elimination
        _step(K.PROPOSE_ELIMINATION, S.MONITORED, S.EL_DELIBERATING, VILLAGE, fields=(*CHECKS, *NOTE)),
        _step(K.EL_DELIBERATE, S.EL_DELIBERATING, S.EL_PUBLICISING, VILLAGE, due=_decision_due, fields=MEETING),
        _step(K.EL_SUBMIT, S.EL_PUBLICISING, S.EL_TOWNSHIP, VILLAGE, due=_after_publicity, fields=NOTE),
        _step(K.EL_TOWNSHIP_APPROVE, S.EL_TOWNSHIP, S.EL_COUNTY, TOWNSHIP, due=_decision_due, fields=NOTE),
        _step(K.REJECT_ELIMINATION, S.EL_TOWNSHIP, S.MONITORED, TOWNSHIP, due=_decision_due, style=BACK, fields=NOTE),
        _step(K.ELIMINATE, S.EL_COUNTY, S.CLOSED, COUNTY, due=_decision_due, style="success", fields=NOTE),
        _step(K.EL_COUNTY_REJECT, S.EL_COUNTY, S.MONITORED, COUNTY, due=_decision_due, style=BACK, fields=NOTE),
    ],
    gate=_gate,
    refuse=_refuse,
    due_field="deadline",
)

# the statuses of a 公示 (the public notice page lists a case only while today is within its period)
PUBLICITY_STATUSES = (S.PUBLICISING, S.EL_PUBLICISING)
IDENTIFICATION_STATUSES = (
    S.VERIFYING,
    S.CONSENTING,
    S.DELIBERATING,
    S.PUBLICISING,
    S.TOWNSHIP_REVIEW,
    S.COUNTY_DECISION,
)
ELIMINATION_STATUSES = (S.EL_DELIBERATING, S.EL_PUBLICISING, S.EL_TOWNSHIP, S.EL_COUNTY)
