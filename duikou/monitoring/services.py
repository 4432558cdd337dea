"""Every write of household monitoring: registry entries, rule sets, screening runs, and the cases that follow
alerts (the workflow: the table in ``workflow.py`` says which steps there are and who may take them)."""

import datetime
import io
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from duikou.accounts import scoping
from duikou.accounts.models import Organisation
from duikou.core import pii, workdays
from duikou.core.actors import audit_actor
from duikou.core.audit_context import set_actor
from duikou.core.concurrency import save_checked, save_versioned
from duikou.core.errors import StaleObjectError, UserFacingError
from duikou.core.exports import csv_bytes
from duikou.core.jobs import start_job
from duikou.core.workflow import Step
from duikou.geo.models import Region
from duikou.policy.models import Clause

from . import engine
from .models import (
    DEFAULT_THRESHOLDS,
    POLICY_CLAUSE,
    UNOFFICIAL,
    Alert,
    AlertStep,
    AssistanceMeasure,
    Declaration,
    Difficulty,
    Household,
    IncomeRecord,
    Member,
    Objection,
    Rule,
    RuleSet,
    ScreeningRun,
    Threshold,
    Visit,
    current_ruleset,
    percent,
    threshold,
)
from .workflow import PUBLICITY_STATUSES, WORKFLOW, Level, user_level, verify_days, working_days_after


def _require(user, action: scoping.Action, obj=None) -> None:
    scoping.require(user, action, obj)


def create_household(*, user, township: Region, village: Region, number: str, head_name: str, **fields) -> Household:
    household = Household(township=township, village=village, number=number, head_name=head_name, **fields)
    household.full_clean(validate_constraints=False)
    prefix = scoping.region_prefix(user)
    if not scoping.may(user, scoping.Action.CHANGE) or (prefix is not None and not village.code.startswith(prefix)):
        raise PermissionDenied
    with transaction.atomic(), set_actor(audit_actor(user)):
        # the number is checked inside the write (SQLite's queue), and again if PostgreSQL's unique rule refuses it
        _number_free(household)
        save_checked(household, check=_number_free)  # two registrations of one number at once: one wins
    return household


def _number_free(household: Household) -> None:
    if Household.objects.filter(village=household.village, number=household.number).exclude(pk=household.pk).exists():
        raise ValidationError(
            {"number": [f"{household.village.name}已有户编号 {household.number}，请换一个或查找该户"]}
        )


def add_member(*, user, household: Household, name: str, id_number: str, phone: str = "", relation: str = "") -> Member:
    _require(user, scoping.Action.CHANGE, household)
    id_number, phone = pii.normalise_identifiers(id_number, phone)
    digest = pii.digest(id_number)
    if Member.objects.filter(id_number_digest=digest).exists():
        raise ValidationError({"id_number": ["该身份证号码已登记在其他家庭成员中"]})
    member = Member(
        household=household,
        name=name,
        relation=relation,
        **pii.id_number_columns(id_number, digest),
        **pii.phone_columns(phone),
    )
    with transaction.atomic(), set_actor(audit_actor(user)):
        member.save()
    return member


def record_income(*, user, household: Household, year: int, **amounts) -> IncomeRecord:
    _require(user, scoping.Action.CHANGE, household)
    record = IncomeRecord(household=household, year=year, **amounts)
    record.full_clean(validate_constraints=False)
    record.validate_constraints(exclude=["household", "year", "period_kind", "period"])
    with transaction.atomic(), set_actor(audit_actor(user)):
        _income_period_free(record)
        save_checked(record, check=_income_period_free)  # the same period saved at the same moment: one wins
    return record


def _income_period_free(record: IncomeRecord) -> None:
    taken = IncomeRecord.objects.filter(
        household_id=record.household_id, year=record.year, period_kind=record.period_kind, period=record.period
    ).exclude(pk=record.pk)
    if taken.exists():
        field = "year" if record.period_kind == IncomeRecord.Period.YEAR else "period"
        raise ValidationError({field: [f"该户{record.period_label}的收支已登记，同一周期只能有一条记录"]})


def export_members_unmasked(*, user, household: Household) -> bytes:
    """CSV of the household's members with their full ID and phone numbers: approvers and above in scope only,
    and recorded in the audit history (who, when, which household, how many rows — never the values)."""
    _require(user, scoping.Action.APPROVE, household)
    members = list(household.members.order_by("pk"))
    content = csv_bytes(
        ["姓名", "与户主关系", "身份证号", "电话"],
        (
            [m.name, m.relation, pii.decrypt(m.id_number_enc), pii.decrypt(m.phone_enc) if m.phone_enc else ""]
            for m in members
        ),
    )
    LogEntry.objects.log_create(
        household,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=audit_actor(user),
        changes={"unmasked_export": ["", f"导出 {len(members)} 名成员的完整身份证号和电话"]},
    )
    return content


def _threshold_rows(thresholds: dict | None, base: dict) -> tuple[dict, dict]:
    """The figures of a new rule set: each key from ``thresholds`` ({key: {"value", "official", "source"}}) or from
    ``base`` (the version it revises, or the defaults); errors by key in words."""
    given = {str(k): v for k, v in (thresholds or {}).items()}
    rows, errors = {}, {}
    for key in Threshold.Key.values:
        item = given.get(key, base[key])
        label = Threshold.Key(key).label
        try:
            value = Decimal(str(item["value"]).strip())
            if not value.is_finite():
                raise ArithmeticError
        except (ArithmeticError, ValueError, TypeError, KeyError):
            errors[key] = [f"{label}：请填写数字"]
            continue
        source = (item.get("source") or "").strip()
        official = bool(item.get("official"))
        if value < 0:
            errors[key] = [f"{label}：不能为负数"]
        elif key in DAY_KEYS and (value != value.to_integral_value() or value < 1):
            errors[key] = [f"{label}：须为正整数"]
        elif not source:
            errors[key] = [f"{label}：请填写来源（文件、条款或页码），或注明为本地设置"]
        elif official and UNOFFICIAL in source:
            errors[key] = [f"{label}：标为官方数据时，来源须写明文件、条款或页码，不能是「{UNOFFICIAL}」"]
        rows[key] = {"value": value, "official": official, "source": source[:300]}
    return rows, errors


DAY_KEYS = {
    Threshold.Key.RESPONSE_DAYS,
    Threshold.Key.IDENTIFY_DAYS,
    Threshold.Key.PUBLICITY_DAYS,
    Threshold.Key.ANNOUNCE_DAYS,
    Threshold.Key.OBJECTION_DAYS,
    Threshold.Key.STABLE_MONTHS,
}


def _default_rows() -> dict:
    rows = {k: {"value": v, "official": False, "source": src} for k, (v, src) in DEFAULT_THRESHOLDS.items()}
    rows[Threshold.Key.RESPONSE_DAYS]["value"] = str(settings.DUIKOU_MONITORING_VERIFY_DAYS)
    return rows


def _require_province(user, province: Region) -> None:
    _require(user, scoping.Action.CHANGE)
    if province.level != Region.Level.PROVINCE or scoping.region_prefix(user) not in (None, province.prefix):
        raise PermissionDenied("监测规则集由本省（或国家）管理员维护")


def create_ruleset(
    *,
    user,
    province: Region,
    year: int,
    thresholds: dict | None = None,
    note: str = "",
    enabled: set | None = None,
    revises: RuleSet | None = None,
) -> RuleSet:
    """A new version of the province's rule set for ``year`` with the rules citing seed 004 二(一): each figure as
    given, else the version it revises, else the defaults (local settings, marked so)."""
    _require_province(user, province)
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": ["年度须为 2000–2100"]})
    base = _default_rows()
    if revises is not None:
        base.update(
            {t.key: {"value": t.value, "official": t.official, "source": t.source} for t in revises.thresholds.all()}
        )
        if enabled is None:
            enabled = set(revises.rules.filter(enabled=True).values_list("code", flat=True))
    rows, errors = _threshold_rows(thresholds, base)
    if errors:
        raise ValidationError(errors)
    clause = Clause.objects.get(pk=POLICY_CLAUSE)
    with transaction.atomic(), set_actor(audit_actor(user)):
        # the province's row is locked: two new versions at once get 2 and 3, never two 2s
        Region.objects.select_for_update().filter(pk=province.pk).first()
        last = RuleSet.objects.filter(province=province, year=year).order_by("-version").first()
        ruleset = RuleSet.objects.create(
            province=province, year=year, version=(last.version + 1) if last else 1, note=(note or "").strip()
        )
        Threshold.objects.bulk_create(Threshold(ruleset=ruleset, key=k, **row) for k, row in rows.items())
        for code in Rule.Code.values:
            Rule.objects.create(ruleset=ruleset, code=code, clause=clause, enabled=enabled is None or code in enabled)
    return ruleset


def edit_ruleset(*, user, ruleset: RuleSet, thresholds: dict, note: str = "", enabled: set | None = None) -> RuleSet:
    """Change a rule set no screening and no case has used yet; one in use is only superseded (``create_ruleset``
    with ``revises``), so that every case keeps the figures it was judged by."""
    _require_province(user, ruleset.province)
    base = {t.key: {"value": t.value, "official": t.official, "source": t.source} for t in ruleset.thresholds.all()}
    base = _default_rows() | base
    rows, errors = _threshold_rows(thresholds, base)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), set_actor(audit_actor(user)):
        locked = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
        if locked.in_use:
            raise ValidationError(
                f"{locked} 已用于 {locked.runs.count()} 次筛查、{locked.alerts.count()} 个案件，"
                "不能修改；请修订为新版本"
            )
        for key, row in rows.items():
            current = Threshold.objects.filter(ruleset=locked, key=key).first()
            if current is None:
                Threshold.objects.create(ruleset=locked, key=key, **row)
            elif (current.value, current.official, current.source) != (row["value"], row["official"], row["source"]):
                current.value, current.official, current.source = row["value"], row["official"], row["source"]
                current.save()
        if enabled is not None:
            for rule in locked.rules.all():
                if rule.enabled != (rule.code in enabled):
                    rule.enabled = rule.code in enabled
                    rule.save()
        if locked.note != (note or "").strip():
            locked.note = (note or "").strip()
            locked.save()
    return locked


def screen_households(*, user, ruleset: RuleSet, engine_name: str = "duckdb", progress=None) -> ScreeningRun:
    """Screen the households of the rule set's province that the user answers for; one open alert per household."""
    if engine_name not in engine.ENGINES:
        raise UserFacingError(f"不支持的计算引擎「{engine_name}」，可选：{'、'.join(engine.ENGINES)}")
    _require(user, scoping.Action.CHANGE)
    households = scoping.scope(user, Household, scoping.Action.CHANGE).filter(
        village__code__startswith=ruleset.province.prefix
    )
    thresholds = ruleset.values()
    enabled = set(ruleset.rules.filter(enabled=True).values_list("code", flat=True))
    # three steps (snapshot, rules, writing the alerts): the bar reaches its end only when the alerts are written,
    # never sits at 100 % while the engine (Spark can take seconds) still computes
    step = progress or (lambda *a, **k: None)
    table = engine.snapshot(households, ruleset.year, progress=lambda done, total=None, message="": step(0, 3, message))
    digest = engine.snapshot_digest(table)
    step(1, 3, f"规则计算（{engine_name}，{table.num_rows} 户）")
    flagged = engine.evaluate(table, thresholds, enabled, engine=engine_name, pg_url=_pg_url(engine_name))
    deadline = workdays.add_working_days(timezone.localdate(), verify_days(ruleset), ruleset.province_id[:2]).day
    step(2, 3, f"写入预警（命中 {flagged.num_rows} 户）")
    with transaction.atomic(), set_actor(audit_actor(user)):
        # the province's row is locked while alerts are written: two screenings of the province take turns, and the
        # second finds the open cases the first made (one open case per household is also a unique rule)
        Region.objects.select_for_update().filter(pk=ruleset.province_id).first()
        run = ScreeningRun.objects.create(
            ruleset=ruleset,
            ruleset_version=ruleset.version,
            year=ruleset.year,
            engine=engine_name,
            snapshot_digest=digest,
            households=table.num_rows,
            flagged=flagged.num_rows,
            started_by=str(getattr(user, "username", user)),
        )
        run.alerts_created = persist_alerts(
            run=run, flagged=flagged, households=households, thresholds=thresholds, deadline=deadline
        )
        run.save(update_fields=["alerts_created"])
    return run


def persist_alerts(*, run: ScreeningRun, flagged, households, thresholds: dict, deadline: datetime.date) -> int:
    """The write step of a screening run (inside its transaction): one alert per flagged household that has no open
    case. The households with an open case are read in one query over the scoped households (not an ``IN`` list of
    the flagged ids) and taken out of the flagged Arrow table; the alerts are explained column by column
    (``engine.explain_columns``) and go in by ``COPY`` on PostgreSQL and ``bulk_create`` elsewhere. As with
    ``bulk_create`` before (no save, so no auditlog signal), no audit entry is written per alert: the run row records
    who screened what, and every later step of a case is audited."""
    open_ids = (
        Alert.objects.exclude(status=Alert.Status.CLOSED)
        .filter(household__in=households.order_by().values("pk"))
        .values_list("household_id", flat=True)
    )
    ids = flagged["household_id"]
    new = flagged.filter(pc.invert(pc.is_in(ids, value_set=pa.array(list(open_ids), type=ids.type))))
    if not new.num_rows:
        return 0

    # each alert's rules and the values that made them fire, as JSON texts, computed for all rows at once
    rules, values = engine.explain_columns(new, thresholds)
    if connection.vendor == "postgresql":
        return _copy_alerts(run, deadline, new["household_id"], rules, values)
    rows = zip(new["household_id"].to_pylist(), rules.to_pylist(), values.to_pylist(), strict=True)
    made, chunk = 0, []
    for household_id, fired, explained in rows:
        alert = Alert(household_id=household_id, run=run, ruleset_id=run.ruleset_id, deadline=deadline)
        alert.rules, alert.values = json.loads(fired), json.loads(explained)
        chunk.append(alert)
        if len(chunk) >= 5000:
            made += len(Alert.objects.bulk_create(chunk))
            chunk = []
    return made + len(Alert.objects.bulk_create(chunk))


# the alerts' COPY is sent in pieces of this many rows (each written as CSV by Arrow, not row by row in Python)
COPY_ROWS = 200_000


def _copy_alerts(run: ScreeningRun, deadline: datetime.date, households, rules, values) -> int:
    """``COPY`` of the alerts as CSV written by Arrow: household, rules JSON and values JSON vary; every other column
    is as a new ``Alert`` has it (its field defaults, the run, the deadline, the time now), taken from the model's own
    fields and written as the database's text for it (NULL as an empty unquoted field, as CSV ``COPY`` reads it)."""
    fields = [f for f in Alert._meta.concrete_fields if not f.primary_key]
    template = Alert(household_id=0, run=run, ruleset=run.ruleset, deadline=deadline, created=timezone.now())
    varying = {"household_id": households, "rules": rules, "values": values}
    n = len(households)
    columns = {}
    for f in fields:
        if f.attname in varying:
            columns[f.column] = varying[f.attname]
            continue
        value = f.get_db_prep_save(getattr(template, f.attname), connection)
        columns[f.column] = pa.nulls(n, pa.string()) if value is None else pa.repeat(pa.scalar(str(value)), n)
    table = pa.table(columns)
    names = ", ".join(connection.ops.quote_name(name) for name in table.column_names)
    statement = f"COPY {connection.ops.quote_name(Alert._meta.db_table)} ({names}) FROM STDIN WITH (FORMAT csv)"
    options = pacsv.WriteOptions(include_header=False)
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for start in range(0, n, COPY_ROWS):
            sink = io.BytesIO()
            pacsv.write_csv(table.slice(start, COPY_ROWS), sink, write_options=options)
            copy.write(sink.getbuffer())
    return n


def _pg_url(engine_name: str) -> str:
    if engine_name != "postgres":
        return ""
    db = connection.settings_dict  # the live database (the test database under pytest)
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise UserFacingError("PostgreSQL 引擎需要以 PostgreSQL 为数据库（DUIKOU_DATABASE_URL）")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_screening(*, user, ruleset: RuleSet, engine_name: str = "duckdb"):
    """Screening as a background job with progress (the page polls it; the CLI runs the same function)."""
    _require(user, scoping.Action.CHANGE)

    return start_job(
        kind="screening",
        title=f"返贫风险筛查：{ruleset}",
        user=user,
        fn=screening_job,
        params={"ruleset_id": ruleset.pk, "engine_name": engine_name},
    )


def screening_job(*, user, progress, ruleset_id: int, engine_name: str) -> dict:
    """The job of ``start_screening``: the alerts are written in one transaction, so a retry starts clean."""
    ruleset = RuleSet.objects.select_related("province").get(pk=ruleset_id)
    run = screen_households(user=user, ruleset=ruleset, engine_name=engine_name, progress=progress)
    return {
        "run": run.pk,
        "households": run.households,
        "flagged": run.flagged,
        "alerts": run.alerts_created,
        "summary": f"已筛查 {run.households} 户，命中 {run.flagged} 户，新增预警 {run.alerts_created} 条",
    }


# ---- the case workflow --------------------------------------------------------------------------------------------


S, K = Alert.Status, AlertStep.Step
NOTE_REQUIRED = {
    K.VERIFY: "核实情况",
    K.TOWNSHIP_DISMISS: "排除理由",
    K.DISMISS: "不予纳入的理由",
    K.RETURN: "退回理由",
    K.COUNTY_RETURN: "退回理由",
    K.REJECT_ELIMINATION: "退回理由",
    K.EL_COUNTY_REJECT: "退回理由",
    K.SAFETY_NET: "兜底保障的依据（低保或特困供养的认定）",
}
CATEGORIES = (Household.Category.UNSTABLE, Household.Category.MARGINAL, Household.Category.SUDDEN)
# steps whose form confirms every one of the five checks (they start unknown on the form)
ALL_CHECKS = (K.VERIFY, K.PROPOSE_ELIMINATION)
MEETINGS = (K.DELIBERATE, K.EL_DELIBERATE)
AFTER_PUBLICITY = (K.SUBMIT, K.EL_SUBMIT)
ANNOUNCED = (K.INCLUDE, K.ELIMINATE)
CRITERIA_STEPS = (K.PROPOSE_ELIMINATION, K.EL_TOWNSHIP_APPROVE, K.ELIMINATE)


def _check_step(user, alert: Alert, step: str, expected_version: int) -> Step:
    if step not in WORKFLOW:
        raise ValidationError(f"未知的处置步骤「{step}」")
    scoping.require(user, scoping.Action.CHANGE, alert)
    if alert.version != expected_version:
        raise StaleObjectError(alert, expected_version, alert.version)
    return WORKFLOW.require(user, alert, step)


def _actor_name(user) -> str:
    if user is None:
        return "农户本人（网上申报）"
    org = getattr(user, "organisation", None)
    return f"{user}（{org}）" if org else str(user)


def _record_step(alert: Alert, user, step: str, source: str, due, note: str, details: dict | None = None) -> AlertStep:
    return AlertStep.objects.create(
        alert=alert,
        step=step,
        from_status=source,
        to_status=alert.status,
        note=note,
        details=details or {},
        actor=audit_actor(user) if user is not None else None,
        actor_name=_actor_name(user)[:200],
        due=due,
    )


def _checks_changes(checks: dict | None, *, complete: bool) -> dict:
    """The checks a step records: each True (holds) or False (fails). ``complete``: every one of the five must be
    answered — a check left unknown is named, never taken as passed."""
    checks = dict(checks or {})
    unknown = set(checks) - set(Household.CHECKS)
    if unknown:
        raise ValidationError(f"未知的核查项：{'、'.join(sorted(unknown))}")
    given = {name: value for name, value in checks.items() if value is not None}
    if complete:
        missing = [str(Household._meta.get_field(f).verbose_name) for f in Household.CHECKS if f not in given]
        if missing:
            raise ValidationError({"checks": [f"请逐项核实并填写：{'、'.join(missing)}"]})
    return {name: bool(value) for name, value in given.items()}


@dataclass(frozen=True)
class Criterion:
    ok: bool
    text: str


class EliminationRefused(ValidationError):
    """Risk elimination refused: the first message says so, the others which criteria do not hold."""

    def __str__(self) -> str:
        first, *reasons = self.messages
        return f"{first}：{'；'.join(reasons)}"


def plain_number(value) -> str:
    """A threshold as people write it: 7000, 0.3, 10000.5 (thresholds are stored with four decimals)."""
    return f"{Decimal(value).normalize():f}"


def monitoring_bound(ruleset) -> tuple[Decimal, str]:
    """The line that defines monitoring — the income line with its margin, as screening applies it — and its words."""
    line = threshold(ruleset, Threshold.Key.INCOME_LINE)
    margin = threshold(ruleset, Threshold.Key.MARGIN)
    bound = line * (1 + margin)
    words = gettext("监测范围上限 %(bound)s 元（监测收入标准 %(line)s 元上浮 %(margin)s）") % {
        "bound": plain_number(bound),
        "line": plain_number(line),
        "margin": percent(margin),
    }
    return bound, words


def _month_add(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def income_criteria(household: Household, ruleset, *, today: datetime.date) -> list[Criterion]:
    """Income stably above the line: each of the latest N months (N the rule set's 收入持续稳定月数) covered by a
    monthly record, or by its quarter's, whose per-capita income at a year's rate is above the monitoring bound; the
    latest month recorded no more than three months before ``today``."""
    months = int(threshold(ruleset, Threshold.Key.STABLE_MONTHS))
    bound, shown = monitoring_bound(ruleset)
    sub = [r for r in household.incomes.all() if r.period_kind != IncomeRecord.Period.YEAR]
    by_month: dict[tuple[int, int], IncomeRecord] = {}
    for record in sorted(sub, key=lambda r: r.period_kind != IncomeRecord.Period.MONTH):  # quarters first
        if record.period_kind == IncomeRecord.Period.QUARTER:
            for m in range(record.period * 3 - 2, record.period * 3 + 1):
                by_month[(record.year, m)] = record
    for record in sub:
        if record.period_kind == IncomeRecord.Period.MONTH:
            by_month[(record.year, record.period)] = record  # a month's own record wins over its quarter's
    if not by_month:
        return [Criterion(False, gettext("尚无月度或季度收入记录：须有最近连续 %(n)s 个月的记录") % {"n": months})]
    latest = max(by_month)
    recent = _month_add(today.year, today.month, -3)
    if latest < recent:
        text = gettext("最近的月度或季度收入记录为 %(year)s 年 %(month)s 月，须有近 3 个月内的记录")
        return [Criterion(False, text % {"year": latest[0], "month": latest[1]})]
    out, seen = [], set()
    for k in range(months - 1, -1, -1):
        year, month = _month_add(*latest, -k)
        record = by_month.get((year, month))
        if record is None:
            text = gettext("缺少 %(year)s 年 %(month)s 月的收入记录（须连续 %(n)s 个月）")
            out.append(Criterion(False, text % {"year": year, "month": month, "n": months}))
            continue
        if record.pk in seen:
            continue
        seen.add(record.pk)
        rate = record.annual_per_capita
        above = record.net_income * 12 > bound * record.persons * record.months
        text = (
            gettext("%(period)s人均纯收入（按年折算）%(rate)s 元，高于%(bound)s")
            if above
            else gettext("%(period)s人均纯收入（按年折算）%(rate)s 元，未高于%(bound)s")
        )
        out.append(Criterion(above, text % {"period": record.period_label, "rate": rate, "bound": shown}))
    return out


def elimination_criteria(alert: Alert, *, checks: dict | None = None, today: datetime.date | None = None):
    """Whether the household may leave monitoring: assistance recorded; income stably above the same line that
    defines monitoring (``income_criteria``); every 两不愁三保障 and drinking-water check confirmed and holding (the
    ones ``checks`` gives as the step records them); not a household without labour capacity living on social
    assistance (kept under 兜底保障, never marked eliminated)."""
    today = today or timezone.localdate()
    household = alert.household
    out = []
    measures = alert.measures.count()
    registered = gettext("已登记帮扶措施 %(n)s 项") % {"n": measures} if measures else gettext("尚未登记帮扶措施")
    out.append(Criterion(measures > 0, registered))
    out += income_criteria(household, alert.ruleset, today=today)
    state = {f: getattr(household, f) for f in Household.CHECKS} | dict(checks or {})
    names = {f: str(Household._meta.get_field(f).verbose_name) for f in Household.CHECKS}
    failed = [names[f] for f in Household.CHECKS if state[f] is False]
    unknown = [names[f] for f in Household.CHECKS if state[f] is None]
    if unknown:
        out.append(Criterion(False, gettext("尚未核实：%(checks)s") % {"checks": gettext("、").join(unknown)}))
    if failed:
        out.append(Criterion(False, gettext("未达标：%(checks)s") % {"checks": gettext("、").join(failed)}))
    else:
        out.append(Criterion(True, gettext("已核实的两不愁三保障及饮水安全均达标")))
    if household.under_safety_net:
        text = gettext("该户无劳动能力且享受低保或特困供养：不标注风险消除，转入兜底保障")
        out.append(Criterion(False, text))
    return out


def _meeting(data: dict, *, today: datetime.date) -> dict:
    """The record of a 民主评议 meeting: its date (not in the future), how many attended, its opinion."""
    errors = {}
    meeting_date = data.get("meeting_date")
    if not isinstance(meeting_date, datetime.date):
        errors["meeting_date"] = ["请填写评议会议日期"]
    elif meeting_date > today:
        errors["meeting_date"] = ["评议会议日期不能晚于今天"]
    try:
        attendees = int(data.get("attendees") or 0)
    except (TypeError, ValueError):
        attendees = 0
    if attendees < 1:
        errors["attendees"] = ["请填写参加评议的人数"]
    opinion = (data.get("opinion") or "").strip()
    if not opinion:
        errors["opinion"] = ["请填写评议意见"]
    if errors:
        raise ValidationError(errors)
    return {"meeting_date": meeting_date.isoformat(), "attendees": attendees, "opinion": opinion[:500]}


def open_objections(alert: Alert) -> int:
    return alert.objections.filter(status=Objection.Status.OPEN).count()


def take_step(
    *,
    user,
    alert: Alert,
    step: str,
    expected_version: int,
    note: str = "",
    category: str = "",
    checks: dict | None = None,
    meeting_date: datetime.date | None = None,
    attendees: int | None = None,
    opinion: str = "",
    consent_date: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Alert:
    """Take one step of the case (not "assist": see ``add_measure``): check the table (level, separation, status),
    the version and the step's own record; then move the case, update the household and record the step."""
    transition = _check_step(user, alert, step, expected_version)
    if step == K.ASSIST:
        raise ValidationError("请通过「登记帮扶措施」表单登记帮扶措施")
    today = today or timezone.localdate()
    note = (note or "").strip()
    if step in NOTE_REQUIRED and not note:
        raise ValidationError({"note": [f"请填写{NOTE_REQUIRED[step]}"]})
    household_changes: dict = {}
    if step in (*ALL_CHECKS, K.RECHECK):
        household_changes = _checks_changes(checks, complete=step in ALL_CHECKS)
        if step == K.RECHECK and not household_changes:
            raise ValidationError("请填写复核结果")
    changes: dict = {"status": transition.target}
    details: dict = {}
    if step == K.CONSENT:
        if not isinstance(consent_date, datetime.date):
            raise ValidationError({"consent_date": ["请填写农户签署承诺授权书的日期"]})
        if consent_date > today:
            raise ValidationError({"consent_date": ["承诺授权日期不能晚于今天"]})
        details["consent_date"] = consent_date.isoformat()
    if step in MEETINGS:
        details = _meeting({"meeting_date": meeting_date, "attendees": attendees, "opinion": opinion}, today=today)
        days = int(threshold(alert.ruleset, Threshold.Key.PUBLICITY_DAYS))
        changes["publicity_start"], changes["publicity_end"] = today, today + datetime.timedelta(days=days - 1)
        details["publicity"] = [today.isoformat(), changes["publicity_end"].isoformat()]
    if step == K.DELIBERATE:
        if category not in CATEGORIES:
            raise ValidationError({"category": ["请选择评议建议的监测类别"]})
        details["category"] = category
    if step in AFTER_PUBLICITY:
        if alert.publicity_end and today <= alert.publicity_end:
            raise ValidationError(f"公示期至 {alert.publicity_end:%Y-%m-%d}，期满后方可上报")
        pending = open_objections(alert)
        if pending:
            raise ValidationError(f"公示期间的 {pending} 件异议尚未答复，答复后方可上报")
    if step == K.INCLUDE:
        if category not in CATEGORIES:
            raise ValidationError({"category": ["请选择监测类别"]})
        changes["category"] = category
        household_changes["category"] = category
        household_changes["pending"] = False
    if step in ANNOUNCED:
        days = int(threshold(alert.ruleset, Threshold.Key.ANNOUNCE_DAYS))
        changes["announce_start"], changes["announce_end"] = today, today + datetime.timedelta(days=days - 1)
        details["announcement"] = [today.isoformat(), changes["announce_end"].isoformat()]
    if step == K.SAFETY_NET and not alert.household.under_safety_net:
        raise ValidationError(
            "只有无劳动能力且享受低保或特困供养的户才能转入兜底保障；请先在户信息中核实劳动能力和救助情况"
        )
    if step in CRITERIA_STEPS:
        refused = [c.text for c in elimination_criteria(alert, checks=household_changes, today=today) if not c.ok]
        if refused:
            raise EliminationRefused(["不满足风险消除条件", *refused])
    if step in (K.DISMISS, K.TOWNSHIP_DISMISS):
        changes["outcome"] = Alert.Outcome.DISMISSED
    if step == K.ELIMINATE:
        changes["outcome"] = Alert.Outcome.ELIMINATED
        household_changes["category"] = Household.Category.NONE
    moved = transition.target != alert.status
    if moved:
        changes["overdue_flagged"] = None  # the late step is taken; the next one is flagged when it is late
        preview = Alert(**{f.attname: getattr(alert, f.attname) for f in Alert._meta.concrete_fields})
        for name, value in changes.items():
            setattr(preview, name, value)
        changes["deadline"] = WORKFLOW.due(preview, transition.target, today)
    with transaction.atomic(), set_actor(audit_actor(user)):
        fresh = save_versioned(alert, expected_version=expected_version, changes=changes)
        if household_changes:
            home = Household.objects.select_for_update().get(pk=alert.household_id)
            save_versioned(home, expected_version=home.version, changes=household_changes)
        _record_step(fresh, user, step, alert.status, alert.deadline, note, details)
    return fresh


# ---- the ways in: leads, declarations, visits ------------------------------------------------------------------------

ACK_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone


def new_ack(prefix: str) -> str:
    """An acknowledgement number nobody can guess (50 random bits): the household's key to its status page."""
    return prefix + "".join(secrets.choice(ACK_ALPHABET) for _ in range(10))


def open_case(
    *,
    household: Household,
    channel: str,
    user=None,
    note: str = "",
    details: dict | None = None,
    today: datetime.date | None = None,
):
    """The household's one open case with this lead attached, or a new case opened by it (waiting for the village's
    verification, due so many working days after ``today``, by default the day it is). Two leads at the same moment
    end in one case: the second finds the first's (a unique rule holds one open case per household, and a refused
    insert is retried as an attachment). Returns (case, opened)."""
    label = Alert.Channel(channel).label
    text = f"{label}：{note}" if note else str(label)
    today = today or timezone.localdate()
    for _attempt in range(2):
        existing = Alert.objects.exclude(status=S.CLOSED).filter(household=household).first()
        if existing is not None:
            _record_step(existing, user, K.LEAD, existing.status, existing.deadline, text, details)
            return existing, False
        case = Alert(
            household=household,
            channel=channel,
            ruleset=current_ruleset(household.village_id, today),
            status=S.VERIFYING,
        )
        case.deadline = working_days_after(case, today, verify_days(case.ruleset))
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError:
            continue  # another lead opened the case a moment ago: attach to it
        _record_step(case, user, K.LEAD, S.VERIFYING, case.deadline, text, details)
        return case, True
    raise UserFacingError("该户的案件正在被同时修改，请稍后重试")


def _front_line(user, village: Region, levels=(Level.COUNTY, Level.TOWNSHIP)) -> None:
    """County or township staff (or the village, where ``levels`` allows) of the village's own area."""
    if user is None:
        raise PermissionDenied("须由县、乡镇工作人员登记")
    prefix = scoping.region_prefix(user)
    if (
        not scoping.may(user, scoping.Action.CHANGE)
        or user_level(user) not in levels
        or prefix is None
        or not village.code.startswith(prefix)
    ):
        raise PermissionDenied


def check_declaration(
    *, village: Region, head_name: str, id_number: str, phone: str, difficulty: str, description: str, consent: bool
) -> tuple[str, str, str]:
    """The rules every declaration meets, whichever way it comes in (the public page, staff, a paper record imported
    from a file): the household head's name, ID number and phone in canonical form, or a ValidationError naming each
    field that is wrong (never echoing an ID number)."""
    errors = {}
    if village.level != Region.Level.VILLAGE:
        errors["village"] = ["请选择行政村"]
    head_name = (head_name or "").strip()
    if not head_name or len(head_name) > 60:
        errors["head_name"] = ["请填写户主姓名（60 字以内）"]
    try:
        id_number, phone = pii.normalise_identifiers(id_number, phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not phone and "phone" not in errors:
        errors["phone"] = ["请填写手机号码，以便村里联系核实"]
    if difficulty not in Difficulty.values:
        errors["difficulty"] = ["请选择家庭困难类别"]
    if len(description or "") > 1000:
        errors["description"] = ["困难情况请在 1000 字以内"]
    if not consent:
        errors["consent"] = ["请阅读并同意承诺授权：同意核查家庭收入、财产等信息"]
    if errors:
        raise ValidationError(errors)
    return head_name, id_number, phone


def declare(
    *,
    village: Region,
    head_name: str,
    id_number: str,
    phone: str,
    difficulty: str,
    description: str = "",
    consent: bool,
    channel: str = Alert.Channel.SELF,
    user=None,
    consent_at: datetime.datetime | None = None,
) -> Declaration:
    """A household's declaration: from the public page (no user), or recorded by county or township staff from the
    12317 hotline or the counter. It joins the household's open case or opens one; a household the registry does
    not know yet is added as pending, for the village to verify. ``consent_at``: when the household signed its
    承诺授权 on paper (a record taken earlier and imported later); now otherwise."""
    if channel == Alert.Channel.SELF:
        if user is not None:
            raise ValidationError("工作人员代录请选择 12317 热线或窗口受理")
    elif channel in (Alert.Channel.HOTLINE, Alert.Channel.COUNTER):
        _front_line(user, village)
    else:
        raise ValidationError({"channel": ["请选择申报渠道"]})
    head_name, id_number, phone = check_declaration(
        village=village,
        head_name=head_name,
        id_number=id_number,
        phone=phone,
        difficulty=difficulty,
        description=description,
        consent=consent,
    )
    digest = pii.digest(id_number)
    with transaction.atomic(), set_actor(audit_actor(user) if user else None):
        member = Member.objects.select_related("household").filter(id_number_digest=digest).first()
        if member is not None:
            household = member.household
        else:
            ack = new_ack("SB")
            household = Household(
                township=village.parent,
                village=village,
                number=f"申报{ack}",
                head_name=head_name,
                pending=True,
            )
            household.save()
            Member.objects.create(
                household=household,
                name=head_name,
                relation="户主",
                **pii.id_number_columns(id_number, digest),
                **pii.phone_columns(phone),
            )
        declaration = Declaration(
            ack_number=new_ack("SB"),
            channel=channel,
            village=village,
            household=household,
            head_name=head_name,
            **pii.id_number_columns(id_number, digest),
            **pii.phone_columns(phone),
            difficulty=difficulty,
            description=(description or "").strip(),
            consent_at=consent_at or timezone.now(),
            recorded_by=audit_actor(user) if user else None,
        )
        case, _opened = open_case(
            household=household,
            channel=channel,
            user=user,
            note=Difficulty(difficulty).label,
            details={"declaration": declaration.ack_number},
        )
        declaration.case = case
        declaration.save()
    return declaration


def record_visit(
    *, user, household: Household, date: datetime.date, situation: str, risk: str = "", raise_case: bool = False
) -> Visit:
    """A cadre's visit (走访记录); ``raise_case``: the visit found a risk, and the household's case is opened (or the
    visit joins its open case as a lead)."""
    _front_line(user, household.village, levels=(Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY))
    errors = {}
    situation = (situation or "").strip()
    if not situation:
        errors["situation"] = ["请填写走访情况"]
    if not isinstance(date, datetime.date):
        errors["date"] = ["请填写走访日期"]
    elif date > timezone.localdate():
        errors["date"] = ["走访日期不能晚于今天"]
    if risk and risk not in Difficulty.values:
        errors["risk"] = ["请选择发现的风险类别"]
    if raise_case and not risk:
        errors["risk"] = ["发起核实前请选择发现的风险类别"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), set_actor(audit_actor(user)):
        visit = Visit(household=household, visitor=audit_actor(user), date=date, situation=situation, risk=risk)
        if raise_case:
            visit.case, _opened = open_case(
                household=household, channel=Alert.Channel.VISIT, user=user, note=Difficulty(risk).label
            )
        visit.save()
    return visit


# ---- objections and appeals --------------------------------------------------------------------------------------

APPEALABLE = {
    Objection.Subject.DISMISSAL: lambda a: a.status == S.CLOSED and a.outcome == Alert.Outcome.DISMISSED,
    Objection.Subject.CATEGORY: lambda a: a.status in (S.MONITORED, S.SAFETY_NET),
    Objection.Subject.INCLUSION: lambda a: a.status in (S.MONITORED, S.SAFETY_NET),
    Objection.Subject.ELIMINATION: lambda a: a.status == S.CLOSED and a.outcome == Alert.Outcome.ELIMINATED,
}


def lodge_objection(*, case: Alert, kind: str, subject: str, text: str, user=None, today=None) -> Objection:
    """An objection during the case's 公示 (anyone), or the household's appeal of a decision; online (no user) or
    recorded by county or township staff. Due for an answer so many working days later (the rule set's)."""
    today = today or timezone.localdate()
    if user is not None:
        _front_line(user, case.household.village)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["请填写异议或申诉的内容和理由"]})
    if len(text) > 2000:
        raise ValidationError({"text": ["内容请在 2000 字以内"]})
    if kind == Objection.Kind.OBJECTION:
        if not (
            case.status in PUBLICITY_STATUSES
            and case.publicity_start
            and case.publicity_start <= today <= case.publicity_end
        ):
            raise ValidationError("该户不在公示期内，不能提出公示异议；对已作出的决定可以申诉")
        subject = Objection.Subject.ELIMINATION if case.status == S.EL_PUBLICISING else Objection.Subject.INCLUSION
    elif kind == Objection.Kind.APPEAL:
        allowed = APPEALABLE.get(subject)
        if allowed is None:
            raise ValidationError({"subject": ["请选择申诉的事项"]})
        if not allowed(case):
            raise ValidationError(
                f"该户当前为「{case.get_status_display()}」，不能就「{Objection.Subject(subject).label}」申诉"
            )
    else:
        raise ValidationError({"kind": ["请选择异议或申诉"]})
    days = int(threshold(case.ruleset, Threshold.Key.OBJECTION_DAYS))
    objection = Objection(
        ack_number=new_ack("YY"),
        case=case,
        kind=kind,
        subject=subject,
        online=user is None,
        text=text,
        due=working_days_after(case, today, days),
        recorded_by=audit_actor(user) if user else None,
    )
    with transaction.atomic(), set_actor(audit_actor(user) if user else None):
        objection.save()
        _record_step(
            case, user, K.LEAD, case.status, case.deadline, f"{objection.get_kind_display()} {objection.ack_number}"
        )
    return objection


def may_assign(user, alert: Alert) -> bool:
    """The township or the county names a case's responsible person (帮扶联系人) while the case is open."""
    return (
        alert.is_open
        and scoping.can(user, scoping.Action.CHANGE, alert)
        and user_level(user) in (Level.TOWNSHIP, Level.COUNTY)
    )


def assign_responsible(*, user, alert: Alert, responsible, expected_version: int) -> Alert:
    """Name the cadre who follows the case (or nobody): someone who may work on it, never outside its area. The case
    then appears in that person's to-do list, and they are told."""
    if not may_assign(user, alert):
        raise PermissionDenied("帮扶联系人由乡镇或县级指定，且仅限未结案的案件")
    if responsible is not None and not (
        responsible.is_active and scoping.can(responsible, scoping.Action.CHANGE, alert)
    ):
        raise ValidationError({"responsible": ["所选人员不负责该户所在地区，或没有填报权限"]})
    from duikou.notifications.models import Notification
    from duikou.notifications.services import notify

    with transaction.atomic(), set_actor(audit_actor(user)):
        fresh = save_versioned(alert, expected_version=expected_version, changes={"responsible": responsible})
        if responsible is not None:
            notify(
                recipients=[responsible],
                kind=Notification.Kind.CASE_ASSIGNED,
                obj=fresh,
                title=lambda: (
                    gettext("%(household)s监测案件由您跟进帮扶") % {"household": alert.household.masked_label}
                ),
                link=reverse("monitoring:alert", args=[fresh.pk]),
                key=f"case-assigned:{fresh.pk}:{fresh.version}",
                actor=user,
            )
    return fresh


def may_answer(user, objection: Objection) -> bool:
    """Whether ``user`` may answer the objection now (the page shows the form only then)."""
    if objection.status != Objection.Status.OPEN or not scoping.can(user, scoping.Action.CHANGE, objection):
        return False
    return user_level(user) in ((Level.COUNTY,) if objection.escalated else (Level.TOWNSHIP, Level.COUNTY))


def answer_objection(*, user, objection: Objection, answer: str, expected_version: int) -> Objection:
    """The township answers (the county too, and only the county once it has escalated); the answer is shown to the
    household on its status page."""
    scoping.require(user, scoping.Action.CHANGE, objection)
    if objection.status == Objection.Status.OPEN and not may_answer(user, objection):
        raise PermissionDenied(
            "逾期未答复的异议已上报县级，由县级答复" if objection.escalated else "异议由乡镇或县级答复"
        )
    if objection.status != Objection.Status.OPEN:
        raise ValidationError("该异议已答复")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": ["请填写答复内容"]})
    with transaction.atomic(), set_actor(audit_actor(user)):
        return save_versioned(
            objection,
            expected_version=expected_version,
            changes={
                "status": Objection.Status.ANSWERED,
                "answer": answer[:2000],
                "answered_by": audit_actor(user),
                "answered_at": timezone.now(),
            },
        )


def escalate_overdue_objections(*, today: datetime.date | None = None) -> list[int]:
    """Objections past their answer date go to the county, once (the daily schedule runs it); each in its history."""
    from duikou.core.audit_entries import log_bulk_updates

    today = today or timezone.localdate()
    with transaction.atomic():
        late = Objection.objects.select_for_update().filter(
            status=Objection.Status.OPEN, due__lt=today, escalated__isnull=True
        )
        rows = [(o.pk, str(o), {"escalated": (None, today)}) for o in late]
        ids = [pk for pk, _text, _changes in rows]
        Objection.objects.filter(pk__in=ids).update(escalated=today)
        log_bulk_updates(Objection, rows, actor=None)
    return ids


def flag_overdue_cases(*, today: datetime.date | None = None) -> list[int]:
    """Record, once per late step, the day a case was found past its step's due date (the daily schedule runs it).
    Each flag is a line in the case's history, by the system; the case's version is not raised, so nobody's open
    form goes stale. Pages compute "overdue" from the due date anyway; the flag keeps when it was first seen."""
    from duikou.core.audit_entries import log_bulk_updates

    from .queries import overdue_q

    today = today or timezone.localdate()
    with transaction.atomic():
        late = Alert.objects.select_for_update(of=("self",)).filter(overdue_q(today), overdue_flagged__isnull=True)
        rows = [(a.pk, str(a), {"overdue_flagged": (None, today)}) for a in late.select_related("household")]
        flagged = [pk for pk, _text, _changes in rows]
        Alert.objects.filter(pk__in=flagged).update(overdue_flagged=today)
        log_bulk_updates(Alert, rows, actor=None)
    return flagged


def responsible_units(household: Household):
    """The organisations that answer for the household's village: from the province down to the village, with their
    units (a measure's responsible unit is one of them)."""
    code = household.village_id
    chain = [code[:2] + "0000", code[:4] + "00", code[:6], code[:9], code]
    return Organisation.objects.filter(is_active=True, region_id__in=chain).order_by("kind", "name")


def add_measure(
    *,
    user,
    alert: Alert,
    expected_version: int,
    kind: str,
    responsible_unit: Organisation,
    description: str,
    start_date: datetime.date,
) -> AssistanceMeasure:
    """Record an assistance measure of a monitored household; the first one meets the step's deadline."""
    _check_step(user, alert, K.ASSIST, expected_version)
    errors = {}
    if kind not in AssistanceMeasure.Kind.values:
        errors["kind"] = ["请选择措施类别"]
    if not (description or "").strip():
        errors["description"] = ["请填写措施内容"]
    if start_date is None:
        errors["start_date"] = ["请填写开始日期"]
    if responsible_unit is None or not responsible_units(alert.household).filter(pk=responsible_unit.pk).exists():
        errors["responsible_unit"] = ["责任单位须为该户所在省、市、县、乡镇、村的机构或其部门"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), set_actor(audit_actor(user)):
        fresh = save_versioned(
            alert,
            expected_version=expected_version,
            changes={"deadline": None, "overdue_flagged": None},
        )
        measure = AssistanceMeasure.objects.create(
            alert=fresh,
            kind=kind,
            responsible_unit=responsible_unit,
            description=description.strip(),
            start_date=start_date,
            created_by=audit_actor(user),
        )
        _record_step(fresh, user, K.ASSIST, S.MONITORED, alert.deadline, str(measure))
    return measure


# ---- the registry: editing households and members ---------------------------------------------------------------


def may_keep_registry(user, village: Region) -> bool:
    """Whether ``user`` keeps the registry of ``village``: county and township editors of its own area."""
    try:
        _front_line(user, village)
    except PermissionDenied:
        return False
    return True


HOUSEHOLD_EDITABLE = ("head_name", "address", "number", "labour_capacity", "social_assistance")


def update_household(*, user, household: Household, expected_version: int, **changes) -> Household:
    """Edit a household's head, address, number (unique in its village), labour capacity and social assistance;
    refused when someone else saved it since ``expected_version`` was read; the change is in the audit history."""
    _front_line(user, household.village)
    unknown = set(changes) - set(HOUSEHOLD_EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    errors = {}
    for name in ("head_name", "number"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
            if not changes[name]:
                errors[name] = [f"请填写{Household._meta.get_field(name).verbose_name}"]
    if "address" in changes:
        changes["address"] = (changes["address"] or "").strip()
    if errors:
        raise ValidationError(errors)
    probe = Household(pk=household.pk, village=household.village, number=changes.get("number", household.number))
    with transaction.atomic(), set_actor(audit_actor(user)):
        _number_free(probe)
        try:
            with transaction.atomic():
                return save_versioned(household, expected_version=expected_version, changes=changes)
        except IntegrityError:
            _number_free(probe)  # another household took the number a moment ago
            raise


def confirm_household(*, user, household: Household, expected_version: int) -> Household:
    """核实登记: a household created by a self-declaration (pending) is confirmed into the registry by the township or
    county after the village's check."""
    _front_line(user, household.village)
    if not household.pending:
        raise ValidationError("该户已在登记册中，无需再核实登记")
    if household.number.startswith("申报"):
        raise ValidationError({"number": ["请先把申报时的临时户编号改为本村的户编号，再核实登记"]})
    with transaction.atomic(), set_actor(audit_actor(user)):
        return save_versioned(household, expected_version=expected_version, changes={"pending": False})


def add_registry_member(
    *, user, household: Household, name: str, id_number: str, phone: str = "", relation: str = ""
) -> Member:
    """A member added from the registry page (county and township editors); the ID number is checked and stored
    only encrypted, as a digest and masked (``add_member``)."""
    _front_line(user, household.village)
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationError({"name": ["请填写姓名（60 字以内）"]})
    return add_member(
        user=user, household=household, name=name, id_number=id_number, phone=phone, relation=(relation or "").strip()
    )


def update_member(
    *, user, member: Member, expected_version: int, name: str, relation: str, phone: str | None = None
) -> Member:
    """Edit a member's name, relation and phone (the ID number is the member's identity and is not edited: a wrong
    one is a different person). The phone is stored encrypted, as a digest and masked; None keeps it, "" removes
    it."""
    _front_line(user, member.household.village)
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationError({"name": ["请填写姓名（60 字以内）"]})
    relation = (relation or "").strip()
    if len(relation) > 20:
        raise ValidationError({"relation": ["与户主关系请在 20 字以内"]})
    changes = {"name": name, "relation": relation}
    if phone is not None:
        phone = pii.normalise_phone_field(phone)
        if (pii.digest(phone) if phone else "") != member.phone_digest:
            changes.update(pii.phone_columns(phone))
    with transaction.atomic(), set_actor(audit_actor(user)):
        return save_versioned(member, expected_version=expected_version, changes=changes, exclude=Member.ENCRYPTED)
