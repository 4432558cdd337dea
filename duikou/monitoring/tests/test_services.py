import json
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from duikou import testing
from duikou.core import pii, workdays
from duikou.core.actors import Operator
from duikou.geo.models import Region
from duikou.monitoring import queries, services
from duikou.monitoring import testing as mt
from duikou.monitoring.models import Alert, Member, Rule, ScreeningRun, Threshold

pytestmark = pytest.mark.django_db


def test_id_number_check_digit_per_gb11643():
    assert pii.normalise_id_number("11010519491231002x") == "11010519491231002X"
    with pytest.raises(ValidationError, match="校验位"):
        pii.normalise_id_number("110105194912310021")
    with pytest.raises(ValidationError, match="18 位"):
        pii.normalise_id_number("1101051949123100")


def test_masks():
    assert pii.mask_id("410105198001011234") == "4101**********1234"
    assert pii.mask_phone("13812345678") == "138****5678"


def test_village_must_lie_in_the_township(editor):
    mt.place("yanan")
    township, _village = mt.place("xinyang")
    with pytest.raises(ValidationError, match="不属于"):
        services.create_household(
            user=editor,
            township=township,
            village=Region.objects.get(code="610602001001"),
            number="X",
            head_name="错",
        )


def test_editor_cannot_register_a_household_outside_their_area(editor):
    with pytest.raises(PermissionDenied):
        mt.household(editor, "yanan")


def test_id_number_is_stored_only_encrypted_and_found_by_digest(editor):
    home = mt.household(editor)
    number = mt.id_number(7)
    member = services.add_member(user=editor, household=home, name="张三", id_number=number, phone="13812345678")
    assert member.id_number_masked == f"4115**********{number[-4:]}"
    assert member.phone_masked == "138****5678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM monitoring_member")
        stored = repr(cursor.fetchall())
    assert number not in stored and "13812345678" not in stored
    assert list(queries.find_members_by_id_number(editor, number.lower())) == [member]
    assert pii.decrypt(Member.objects.get().id_number_enc) == number


def test_full_width_id_and_phone_numbers_are_normalised_and_found(editor):
    """From a Chinese input method in full-width mode: ４１１５２６…Ｘ, with spaces, a full-width space among them."""

    def wide(text):
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)

    first = next(f"41152619800101{n:03d}" for n in range(1000) if pii.id_check_digit(f"41152619800101{n:03d}") == "X")
    number = first + "X"
    typed = wide(number[:6]) + " " + wide(number[6:14]) + "\u3000" + wide(number[14:])
    member = services.add_member(
        user=editor, household=mt.household(editor), name="全角", id_number=typed, phone="１３８－１２３４－５６７８"
    )
    assert pii.decrypt(member.id_number_enc) == number and member.id_number_digest == pii.digest(number)
    assert pii.decrypt(member.phone_enc) == "13812345678"
    assert list(queries.find_members_by_id_number(editor, wide(number.lower()))) == [member]
    assert list(queries.find_members_by_id_number(editor, "123")) == []
    with pytest.raises(ValidationError):
        pii.normalise_id_number("\u0664\u0661\u0661" + number[3:])  # Arabic-Indic digits are not an ID number


def test_bad_id_number_is_refused_in_chinese(editor):
    with pytest.raises(ValidationError, match="身份证号码"):
        services.add_member(user=editor, household=mt.household(editor), name="李四", id_number="123")


def test_audit_history_holds_only_masked_values(editor):
    number = mt.id_number(8)
    services.add_member(user=editor, household=mt.household(editor), name="王五", id_number=number)
    text = " ".join(str(e.changes) for e in LogEntry.objects.all())
    assert "王五" in text and number not in text and "id_number_enc" not in text


def test_unmasked_export_only_by_approver_and_audited(editor):
    home = mt.household(editor)
    number = mt.id_number(9)
    services.add_member(user=editor, household=home, name="赵六", id_number=number)
    with pytest.raises(PermissionDenied):
        services.export_members_unmasked(user=editor, household=home)
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    assert number in services.export_members_unmasked(user=approver, household=home).decode()
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).get()
    assert entry.actor == approver and number not in str(entry.changes)


def test_ruleset_versions_and_unofficial_thresholds(ruleset):
    again = services.create_ruleset(user=Operator(), province=ruleset.province, year=2025)
    assert (ruleset.version, again.version) == (1, 2)
    assert all(not t.official and "非官方" in t.source for t in ruleset.thresholds.all())
    assert set(ruleset.rules.values_list("clause_id", flat=True)) == {"ssw-2021-xczx/2/1"}


# Each household trips or just misses one rule (line 7000 × 1.5 = 10500 per person; fall 30 %; rigid 50 %).
CASES = [
    ("low", {"net": "20999.98"}, {}, [Rule.Code.INCOME_LOW]),
    ("low-miss", {"net": "21000"}, {}, []),
    ("fall", {"net": "69999.98", "prev": "100000"}, {}, [Rule.Code.INCOME_FALL]),
    ("fall-miss", {"net": "70000", "prev": "100000"}, {}, []),
    ("rigid", {"net": "30000", "medical": "10000", "education": "5000.01"}, {}, [Rule.Code.RIGID_EXPENSE]),
    ("rigid-miss", {"net": "30000", "medical": "10000", "education": "5000"}, {}, []),
    ("water", {"net": "50000"}, {"water_ok": False}, [Rule.Code.CHECK_FAILED]),
    ("housing", {"net": "50000"}, {"housing_ok": False}, [Rule.Code.CHECK_FAILED]),
    ("all-ok", {"net": "50000", "prev": "50000"}, {}, []),
]


def build_cases(user):
    homes = {}
    for number, amounts, checks, _expected in CASES:
        home = mt.household(user, number=number, **checks)
        mt.income(
            user,
            home,
            2025,
            amounts["net"],
            prev=amounts.get("prev"),
            medical=amounts.get("medical", 0),
            education=amounts.get("education", 0),
        )
        homes[number] = home
    return homes


def test_each_household_is_flagged_exactly_as_the_rules_say(editor, ruleset):
    homes = build_cases(editor)
    run = services.screen_households(user=editor, ruleset=ruleset)
    fired = {a.household.number: a.rules for a in Alert.objects.select_related("household")}
    assert fired == {n: [str(r) for r in expected] for n, _a, _c, expected in CASES if expected}
    assert run.households == len(CASES) and run.flagged == 5 and run.alerts_created == 5
    assert run.ruleset_version == 1 and len(run.snapshot_digest) == 64
    low = Alert.objects.get(household=homes["low"])
    assert low.values["income_low"]["per_capita"] == "10499.99"
    assert Alert.objects.get(household=homes["water"]).values["check_failed"]["failed"] == ["water_ok"]


def test_a_second_run_does_not_duplicate_open_alerts(editor, ruleset):
    build_cases(editor)
    services.screen_households(user=editor, ruleset=ruleset)
    second = services.screen_households(user=editor, ruleset=ruleset)
    assert second.flagged == 5 and second.alerts_created == 0 and Alert.objects.count() == 5


def test_alert_deadline_uses_the_response_setting(editor, ruleset):
    build_cases(editor)
    services.screen_households(user=editor, ruleset=ruleset)
    days = int(ruleset.thresholds.get(key=Threshold.Key.RESPONSE_DAYS).value)
    for alert in Alert.objects.all():
        # in working days, by the province's calendar (holidays and the weekend days worked instead)
        assert alert.deadline == workdays.add_working_days(timezone.localdate(alert.created), days, "41").day
        assert workdays.Calendar("41").between(timezone.localdate(alert.created), alert.deadline) == days


def test_screening_runs_as_a_background_job(editor, ruleset, settings):
    settings.DUIKOU_JOBS_INLINE = True
    build_cases(editor)
    job = services.start_screening(user=editor, ruleset=ruleset)
    assert job.status == "done" and job.result["flagged"] == 5
    assert ScreeningRun.objects.get().engine == "duckdb"


def test_screening_sees_only_the_users_area(editor, ruleset):
    build_cases(editor)
    stranger = testing.user("shihe_editor", testing.county_org("411502"), "editor")  # 浉河区, another 信阳 county
    run = services.screen_households(user=stranger, ruleset=ruleset)
    assert run.households == 0


def alerts_by_run(*runs):
    """Per run, its alerts as (household, rules fired, values that made them fire)."""
    return [sorted((a.household_id, tuple(a.rules), str(a.values)) for a in run.alerts.all()) for run in runs]


def test_every_engine_flags_the_same_households_as_duckdb(editor, ruleset, other_engine):
    other = other_engine
    build_cases(editor)
    duck, run = mt.screened_by_duckdb_and(other, user=editor, ruleset=ruleset)
    assert (run.engine, run.snapshot_digest, run.flagged, run.alerts_created) == (other, duck.snapshot_digest, 5, 5)
    expected, got = alerts_by_run(duck, run)
    assert got == expected and len(expected) == 5


def test_amounts_are_decimal(editor):
    record = mt.income(editor, mt.household(editor), 2025, "1000.50", persons=2)
    assert record.per_capita == Decimal("500.25")


def test_screen_command_reports_the_run(editor, ruleset, capsys):
    from django.core.management import call_command

    build_cases(editor)
    call_command("screen", province="410000", year=2025, engine="duckdb", verbosity=0)
    assert "命中 5 户" in capsys.readouterr().out
    assert ScreeningRun.objects.get().ruleset == ruleset


def test_screen_command_runs_on_spark(editor, ruleset, spark, capsys):
    from django.core.management import call_command

    build_cases(editor)
    call_command("screen", province="410000", year=2025, engine="spark", verbosity=0)
    out = capsys.readouterr().out
    assert "（spark）" in out and "命中 5 户" in out and "新增预警 5 条" in out
    assert ScreeningRun.objects.get().engine == "spark"


def test_unmasked_export_keeps_formula_text_as_text(editor):
    import csv
    import io

    home = mt.household(editor)
    services.add_member(user=editor, household=home, name="=1+2", id_number=mt.id_number(10), relation="@户主")
    approver = testing.user("xy_approver", "信阳市人民政府", "approver")
    content = services.export_members_unmasked(user=approver, household=home).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(content)))[1][:2] == ["'=1+2", "'@户主"]


def test_screening_reaches_its_end_only_when_the_alerts_are_written(editor, ruleset, settings):
    """No 100 % while the engine still computes (Spark took seconds there): three steps, each saying what it does;
    the finished job says what it found."""
    build_cases(editor)
    seen = []
    services.screen_households(user=editor, ruleset=ruleset, progress=lambda d, t=None, m="": seen.append((d, t, m)))
    assert all(t == 3 and d < 3 for d, t, _ in seen), seen
    assert seen[-2][2].startswith("规则计算（duckdb，") and seen[-1][2] == "写入预警（命中 5 户）"
    settings.DUIKOU_JOBS_INLINE = True
    job = services.start_screening(user=editor, ruleset=ruleset)
    assert job.status == "done" and job.message.startswith("已筛查 ") and "命中 5 户" in job.message


def test_alerts_written_in_bulk_are_the_alerts_the_orm_would_write(editor, ruleset):
    """``persist_alerts`` (``COPY`` of Arrow-written CSV on PostgreSQL, ``bulk_create`` elsewhere) writes every
    column as a new ``Alert`` has it, with each alert's rules and values those of ``engine.explain()``; the case page
    shows the same explanation text as for an alert made by the ORM from them."""
    from duikou.monitoring import engine
    from duikou.monitoring.models import Household

    build_cases(editor)
    home = mt.household(editor, number="all-at-once", water_ok=False, medical_ok=False)
    mt.income(editor, home, 2025, "1000.01", prev="90000", medical="3000", education="0.01")
    households = Household.objects.filter(village__code__startswith="41")
    thresholds = ruleset.values()
    flagged = engine.evaluate(engine.snapshot(households, 2025), thresholds, set(Rule.Code.values))
    run = services.screen_households(user=editor, ruleset=ruleset)
    alerts = {a.household_id: a for a in Alert.objects.filter(run=run)}
    assert len(alerts) == flagged.num_rows == 6
    fields = [f.attname for f in Alert._meta.concrete_fields if f.attname not in ("id", "created")]
    deadline = workdays.add_working_days(timezone.localdate(), services.verify_days(ruleset), "41").day
    for row in flagged.to_pylist():
        rules, values = engine.explain(row, thresholds)
        made = Alert(household_id=row["household_id"], run=run, ruleset=ruleset, deadline=deadline)
        made.rules, made.values = [str(r) for r in rules], json.loads(json.dumps(values))
        written = alerts[row["household_id"]]
        assert {f: getattr(written, f) for f in fields} == {f: getattr(made, f) for f in fields}
        assert written.fired_details() == made.fired_details() and written.fired_details()
        assert written.category == "" and written.responsible_id is None and written.status == Alert.Status.VERIFYING
        assert abs(written.created - timezone.now()).total_seconds() < 600
    assert alerts[home.pk].rules == ["income_low", "income_fall", "rigid_expense", "check_failed"]
