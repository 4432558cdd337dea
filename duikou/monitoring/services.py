"""Every write of household monitoring: registry entries, rule sets, screening runs, and the cases that follow
alerts (the workflow: the table in ``workflow.py`` says which steps there are and who may take them)."""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from duikou.accounts import scoping
from duikou.accounts.models import Organisation
from duikou.core import pii
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
    POLICY_CLAUSE,
    Alert,
    AlertStep,
    AssistanceMeasure,
    Household,
    IncomeRecord,
    Member,
    Rule,
    RuleSet,
    ScreeningRun,
    Threshold,
    percent,
)
from .workflow import WORKFLOW, verify_days

UNOFFICIAL = "配置值，非官方数据"
# Seed 004 gives no monitoring income line, margin or shares: every default below is a setting, marked as such.
DEFAULT_THRESHOLDS = {
    Threshold.Key.INCOME_LINE: ("7000", f"{UNOFFICIAL}：种子文件未给出监测收入标准，请按本省当年公布的标准修改"),
    Threshold.Key.MARGIN: ("0.5", f"{UNOFFICIAL}：监测范围上浮比例"),
    Threshold.Key.FALL: ("0.3", f"{UNOFFICIAL}：收入同比下降比例"),
    Threshold.Key.RIGID: ("0.5", f"{UNOFFICIAL}：刚性支出占家庭纯收入比例"),
    Threshold.Key.RESPONSE_DAYS: (
        "15",  # a new rule set takes settings.DUIKOU_MONITORING_VERIFY_DAYS
        f"{UNOFFICIAL}：响应时限（核实期限）；依据 004 二(一)「建立健全快速发现和响应机制」"
        f"（{POLICY_CLAUSE}），天数为配置",
    ),
    Threshold.Key.HOSPITAL_OOP: ("10000", f"{UNOFFICIAL}：全年住院个人自付费用达到此数即预警；种子文件未给出"),
    Threshold.Key.DISASTER_LOSS: ("10000", f"{UNOFFICIAL}：全年灾害损失达到此数即预警；种子文件未给出"),
    Threshold.Key.STABLE_YEARS: (
        "2",
        f"{UNOFFICIAL}：风险消除须最近连续若干年人均纯收入高于监测范围上限（监测收入标准及上浮）；种子文件未给出年数",
    ),
}


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
    record.full_clean()
    with transaction.atomic(), set_actor(audit_actor(user)):
        save_checked(record)  # a record of the same year saved at the same moment: refused as full_clean refuses it
    return record


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


def create_ruleset(*, user, province: Region, year: int, thresholds: dict | None = None, note: str = "") -> RuleSet:
    """A new version of the province's rule set for ``year`` with the four rules citing seed 004 二(一)."""
    _require(user, scoping.Action.CHANGE)
    if scoping.region_prefix(user) not in (None, province.prefix):
        raise PermissionDenied
    clause = Clause.objects.get(pk=POLICY_CLAUSE)
    given = {str(k): v for k, v in (thresholds or {}).items()}
    defaults = dict(DEFAULT_THRESHOLDS)
    defaults[Threshold.Key.RESPONSE_DAYS] = (
        str(settings.DUIKOU_MONITORING_VERIFY_DAYS),
        DEFAULT_THRESHOLDS[Threshold.Key.RESPONSE_DAYS][1],
    )
    with transaction.atomic(), set_actor(audit_actor(user)):
        last = RuleSet.objects.filter(province=province, year=year).order_by("-version").first()
        ruleset = RuleSet.objects.create(
            province=province, year=year, version=(last.version + 1) if last else 1, note=note
        )
        for key, (default, source) in defaults.items():
            value, official, src = Decimal(default), False, source
            if key in given:
                item = given[key]
                value, official, src = Decimal(str(item["value"])), item.get("official", False), item["source"]
            Threshold.objects.create(ruleset=ruleset, key=key, value=value, official=official, source=src)
        for code in Rule.Code.values:
            Rule.objects.create(ruleset=ruleset, code=code, clause=clause)
    return ruleset


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
    table = engine.snapshot(households, ruleset.year, progress=progress)
    digest = engine.snapshot_digest(table)
    if progress:
        progress(table.num_rows, table.num_rows, f"规则计算（{engine_name}）")
    flagged = engine.evaluate(table, thresholds, enabled, engine=engine_name, pg_url=_pg_url(engine_name))
    deadline = timezone.localdate() + datetime.timedelta(days=verify_days(ruleset))
    if progress:
        progress(table.num_rows, table.num_rows, f"写入预警（命中 {flagged.num_rows} 户）")
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
    (``engine.explain_texts``) and go in by ``COPY`` on PostgreSQL and ``bulk_create`` elsewhere. As with
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
    rules, values = engine.explain_texts(new, thresholds)
    rows = zip(new["household_id"].to_pylist(), rules, values, strict=True)
    if connection.vendor == "postgresql":
        return _copy_alerts(run, deadline, rows)
    made, chunk = 0, []
    for household_id, fired, explained in rows:
        alert = Alert(household_id=household_id, run=run, deadline=deadline)
        alert.rules, alert.values = json.loads(fired), json.loads(explained)
        chunk.append(alert)
        if len(chunk) >= 5000:
            made += len(Alert.objects.bulk_create(chunk))
            chunk = []
    return made + len(Alert.objects.bulk_create(chunk))


def _copy_alerts(run: ScreeningRun, deadline: datetime.date, rows) -> int:
    """``COPY`` of (household, rules JSON, values JSON) rows into the alerts table; every other column as a new
    ``Alert`` has it (its field defaults, the run, the deadline, the time now), taken from the model's own fields."""
    fields = [f for f in Alert._meta.concrete_fields if not f.primary_key]
    template = Alert(household_id=0, run=run, deadline=deadline, created=timezone.now())
    constant = {f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    varying = ("household_id", "rules", "values")
    order = [f.attname for f in fields]
    slots = [order.index(name) for name in varying]
    base = [None if name in varying else constant[name] for name in order]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    statement = f"COPY {connection.ops.quote_name(Alert._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            for household_id, fired, values in rows:
                row = base.copy()
                row[slots[0]], row[slots[1]], row[slots[2]] = household_id, fired, values
                copy.write_row(row)
                count += 1
    return count


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
    return {"run": run.pk, "households": run.households, "flagged": run.flagged, "alerts": run.alerts_created}


# ---- the case workflow --------------------------------------------------------------------------------------------


S, K = Alert.Status, AlertStep.Step
NOTE_REQUIRED = {K.VERIFY: "核实情况", K.DISMISS: "排除理由", K.RETURN: "退回理由", K.REJECT_ELIMINATION: "退回理由"}
CATEGORIES = (Household.Category.UNSTABLE, Household.Category.MARGINAL, Household.Category.SUDDEN)


def _check_step(user, alert: Alert, step: str, expected_version: int) -> Step:
    if step not in WORKFLOW:
        raise ValidationError(f"未知的处置步骤「{step}」")
    scoping.require(user, scoping.Action.CHANGE, alert)
    if alert.version != expected_version:
        raise StaleObjectError(alert, expected_version, alert.version)
    return WORKFLOW.require(user, alert, step)


def _actor_name(user) -> str:
    org = getattr(user, "organisation", None)
    return f"{user}（{org}）" if org else str(user)


def _record_step(alert: Alert, user, step: str, source: str, due, note: str) -> AlertStep:
    return AlertStep.objects.create(
        alert=alert,
        step=step,
        from_status=source,
        to_status=alert.status,
        note=note,
        actor=audit_actor(user),
        actor_name=_actor_name(user)[:200],
        due=due,
    )


def _checks_changes(checks: dict | None) -> dict:
    if checks is None:
        return {}
    unknown = set(checks) - set(Household.CHECKS)
    if unknown:
        raise ValidationError(f"未知的核查项：{'、'.join(sorted(unknown))}")
    return {name: bool(value) for name, value in checks.items()}


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


def elimination_criteria(alert: Alert) -> list[Criterion]:
    """Whether the household may leave monitoring: assistance recorded; the per-capita net income of the latest
    N consecutive years (N the rule set's 收入稳定年数, the latest not before the alert's year) above the line that
    defines monitoring — the monitoring income line with its margin, as screening applies it; no failed
    两不愁三保障 or drinking-water check."""
    ruleset = alert.run.ruleset
    values = ruleset.values()
    default_line, default_margin, default_years = (
        Decimal(DEFAULT_THRESHOLDS[k][0]) for k in ("income_line", "margin_share", "stable_years")
    )
    line = Decimal(values.get(Threshold.Key.INCOME_LINE, default_line))
    margin = Decimal(values.get(Threshold.Key.MARGIN, default_margin))
    years = int(values.get(Threshold.Key.STABLE_YEARS, default_years))
    bound = line * (1 + margin)
    shown = f"监测范围上限 {plain_number(bound)} 元（监测收入标准 {plain_number(line)} 元上浮 {percent(margin)}）"
    out = []
    measures = alert.measures.count()
    out.append(Criterion(measures > 0, f"已登记帮扶措施 {measures} 项" if measures else "尚未登记帮扶措施"))
    records = {r.year: r for r in alert.household.incomes.all()}
    latest = max(records) if records else None
    if latest is None:
        out.append(Criterion(False, f"尚无收支记录：须有最近连续 {years} 年的收支记录"))
    elif latest < alert.run.year:
        out.append(Criterion(False, f"最近的收支记录为 {latest} 年，须有 {alert.run.year} 年及以后的记录"))
    else:
        for year in range(latest - years + 1, latest + 1):
            record = records.get(year)
            if record is None:
                out.append(Criterion(False, f"缺少 {year} 年收支记录（须连续 {years} 年）"))
            elif record.net_income > bound * record.persons:
                out.append(Criterion(True, f"{year} 年人均纯收入 {record.per_capita} 元，高于{shown}"))
            else:
                out.append(Criterion(False, f"{year} 年人均纯收入 {record.per_capita} 元，未高于{shown}"))
    failed = alert.household.failed_checks()
    out.append(Criterion(not failed, f"未达标：{'、'.join(failed)}" if failed else "两不愁三保障及饮水安全均达标"))
    return out


def take_step(
    *,
    user,
    alert: Alert,
    step: str,
    expected_version: int,
    note: str = "",
    category: str = "",
    checks: dict | None = None,
) -> Alert:
    """Take one step of the case (not "assist": see ``add_measure``): check the table, the version, the step's
    inputs and, for risk elimination, the criteria; then move the case, update the household, record the step."""
    transition = _check_step(user, alert, step, expected_version)
    if step == K.ASSIST:
        raise ValidationError("请通过「登记帮扶措施」表单登记帮扶措施")
    note = (note or "").strip()
    if step in NOTE_REQUIRED and not note:
        raise ValidationError({"note": [f"请填写{NOTE_REQUIRED[step]}"]})
    household_changes = _checks_changes(checks) if step in (K.VERIFY, K.RECHECK) else {}
    if step == K.RECHECK and not household_changes:
        raise ValidationError("请填写复核结果")
    changes: dict = {"status": transition.target}
    if step == K.INCLUDE:
        if category not in CATEGORIES:
            raise ValidationError({"category": ["请选择监测类别"]})
        changes["category"] = category
        household_changes["category"] = category
    if step in (K.PROPOSE_ELIMINATION, K.ELIMINATE):
        refused = [c.text for c in elimination_criteria(alert) if not c.ok]
        if refused:
            raise EliminationRefused(["不满足风险消除条件", *refused])
    if step == K.DISMISS:
        changes["outcome"] = Alert.Outcome.DISMISSED
    if step == K.ELIMINATE:
        changes["outcome"] = Alert.Outcome.ELIMINATED
        household_changes["category"] = Household.Category.NONE
    # the due date of the step the case then waits for (the table's); a step that keeps the status keeps it too
    moved = transition.target != alert.status
    changes["deadline"] = WORKFLOW.due(alert, transition.target, timezone.localdate()) if moved else alert.deadline
    if moved:
        changes["overdue_flagged"] = None  # the late step is taken; the next one is flagged when it is late
    with transaction.atomic(), set_actor(audit_actor(user)):
        fresh = save_versioned(alert, expected_version=expected_version, changes=changes)
        if household_changes:
            home = Household.objects.select_for_update().get(pk=alert.household_id)
            save_versioned(home, expected_version=home.version, changes=household_changes)
        _record_step(fresh, user, step, alert.status, alert.deadline, note)
    return fresh


def flag_overdue_cases(*, today: datetime.date | None = None) -> list[int]:
    """Record, once per late step, the day a case was found past its step's due date (the daily schedule runs it).
    Each flag is a line in the case's history, by the system; the case's version is not raised, so nobody's open
    form goes stale. Pages compute "overdue" from the due date anyway; the flag keeps when it was first seen."""
    from duikou.core.audit_entries import log_bulk_updates

    from .queries import overdue_q

    today = today or timezone.localdate()
    with transaction.atomic():
        late = Alert.objects.select_for_update(of=("self",)).filter(overdue_q(), overdue_flagged__isnull=True)
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
            alert, expected_version=expected_version, changes={"deadline": None, "overdue_flagged": None}
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
