"""Every write of household monitoring: registry entries, rule sets, screening runs and their alerts."""

import csv
import datetime
import io
from decimal import Decimal

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from duikou.accounts import scoping
from duikou.core.errors import UserFacingError
from duikou.core.jobs import start_job
from duikou.geo.models import Region
from duikou.policy.models import Clause
from duikou.projects.services import Operator

from . import engine, pii
from .models import POLICY_CLAUSE, Alert, Household, IncomeRecord, Member, Rule, RuleSet, ScreeningRun, Threshold

UNOFFICIAL = "配置值，非官方数据"
# Seed 004 gives no monitoring income line, margin or shares: every default below is a setting, marked as such.
DEFAULT_THRESHOLDS = {
    Threshold.Key.INCOME_LINE: ("7000", f"{UNOFFICIAL}：种子文件未给出监测收入标准，请按本省当年公布的标准修改"),
    Threshold.Key.MARGIN: ("0.5", f"{UNOFFICIAL}：监测范围上浮比例"),
    Threshold.Key.FALL: ("0.3", f"{UNOFFICIAL}：收入同比下降比例"),
    Threshold.Key.RIGID: ("0.5", f"{UNOFFICIAL}：刚性支出占家庭纯收入比例"),
    Threshold.Key.RESPONSE_DAYS: (
        "15",
        f"{UNOFFICIAL}：响应时限；依据 004 二(一)「建立健全快速发现和响应机制」（{POLICY_CLAUSE}），天数为配置",
    ),
}


def _audit_actor(user):
    """The command-line operator is recorded as the system."""
    return None if isinstance(user, Operator) else user


def _require(user, action: scoping.Action, obj=None) -> None:
    scoping.require(user, action, obj)


def create_household(*, user, township: Region, village: Region, number: str, head_name: str, **fields) -> Household:
    household = Household(township=township, village=village, number=number, head_name=head_name, **fields)
    household.full_clean()
    prefix = scoping.region_prefix(user)
    if not scoping.may(user, scoping.Action.CHANGE) or (prefix is not None and not village.code.startswith(prefix)):
        raise PermissionDenied
    with transaction.atomic(), set_actor(_audit_actor(user)):
        household.save()
    return household


def add_member(*, user, household: Household, name: str, id_number: str, phone: str = "", relation: str = "") -> Member:
    _require(user, scoping.Action.CHANGE, household)
    try:
        id_number = pii.normalise_id_number(id_number)
        phone = pii.normalise_phone(phone) if phone else ""
    except ValidationError as exc:
        raise ValidationError({"id_number" if exc.code.startswith("id") else "phone": exc.messages}) from None
    digest = pii.digest(id_number)
    if Member.objects.filter(id_number_digest=digest).exists():
        raise ValidationError({"id_number": ["该身份证号码已登记在其他家庭成员中"]})
    member = Member(
        household=household,
        name=name,
        relation=relation,
        id_number_enc=pii.encrypt(id_number),
        id_number_digest=digest,
        id_number_masked=pii.mask_id(id_number),
        phone_enc=pii.encrypt(phone) if phone else None,
        phone_digest=pii.digest(phone) if phone else "",
        phone_masked=pii.mask_phone(phone) if phone else "",
    )
    with transaction.atomic(), set_actor(_audit_actor(user)):
        member.save()
    return member


def record_income(*, user, household: Household, year: int, **amounts) -> IncomeRecord:
    _require(user, scoping.Action.CHANGE, household)
    record = IncomeRecord(household=household, year=year, **amounts)
    record.full_clean()
    with transaction.atomic(), set_actor(_audit_actor(user)):
        record.save()
    return record


def export_members_unmasked(*, user, household: Household) -> bytes:
    """CSV of the household's members with their full ID and phone numbers: approvers and above in scope only,
    and recorded in the audit history (who, when, which household, how many rows — never the values)."""
    _require(user, scoping.Action.APPROVE, household)
    members = list(household.members.order_by("pk"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "与户主关系", "身份证号", "电话"])
    for m in members:
        writer.writerow(
            [m.name, m.relation, pii.decrypt(m.id_number_enc), pii.decrypt(m.phone_enc) if m.phone_enc else ""]
        )
    LogEntry.objects.log_create(
        household,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=_audit_actor(user),
        changes={"unmasked_export": ["", f"导出 {len(members)} 名成员的完整身份证号和电话"]},
    )
    return ("\ufeff" + out.getvalue()).encode()


def create_ruleset(*, user, province: Region, year: int, thresholds: dict | None = None, note: str = "") -> RuleSet:
    """A new version of the province's rule set for ``year`` with the four rules citing seed 004 二(一)."""
    _require(user, scoping.Action.CHANGE)
    if scoping.region_prefix(user) not in (None, province.prefix):
        raise PermissionDenied
    clause = Clause.objects.get(pk=POLICY_CLAUSE)
    given = {str(k): v for k, v in (thresholds or {}).items()}
    with transaction.atomic(), set_actor(_audit_actor(user)):
        last = RuleSet.objects.filter(province=province, year=year).order_by("-version").first()
        ruleset = RuleSet.objects.create(
            province=province, year=year, version=(last.version + 1) if last else 1, note=note
        )
        for key, (default, source) in DEFAULT_THRESHOLDS.items():
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
    rows = engine.evaluate(table, thresholds, enabled, engine=engine_name, pg_url=_pg_url(engine_name))
    deadline = timezone.localdate() + datetime.timedelta(days=int(thresholds[Threshold.Key.RESPONSE_DAYS]))
    with transaction.atomic(), set_actor(_audit_actor(user)):
        run = ScreeningRun.objects.create(
            ruleset=ruleset,
            ruleset_version=ruleset.version,
            year=ruleset.year,
            engine=engine_name,
            snapshot_digest=digest,
            households=table.num_rows,
            flagged=len(rows),
            started_by=str(getattr(user, "username", user)),
        )
        open_ids = set(
            Alert.objects.filter(
                status=Alert.Status.OPEN, household_id__in=[r["household_id"] for r in rows]
            ).values_list("household_id", flat=True)
        )
        alerts = []
        for row in rows:
            if row["household_id"] in open_ids:
                continue
            fired, values = engine.explain(row, thresholds)
            alerts.append(
                Alert(household_id=row["household_id"], run=run, rules=fired, values=values, deadline=deadline)
            )
        Alert.objects.bulk_create(alerts, batch_size=5000)
        run.alerts_created = len(alerts)
        run.save(update_fields=["alerts_created"])
    return run


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

    def work(*, progress):
        run = screen_households(user=user, ruleset=ruleset, engine_name=engine_name, progress=progress)
        return {"run": run.pk, "households": run.households, "flagged": run.flagged, "alerts": run.alerts_created}

    return start_job(kind="screening", title=f"返贫风险筛查：{ruleset}", user=user, fn=work)
