"""Migrations 0004–0006: a plan's yearly target, written as free text before, comes to name an indicator of the
library. The text resolves by code, then by name, then by the name without a unit in brackets; a text that names no
indicator (or names it in another unit) stops the migration, which lists it and changes no row."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from duikou import testing
from duikou.plans.models import PlanTarget

from .factories import people

BEFORE = ("plans", "0003_plan_step_due")
REFERENCE = ("plans", "0004_plantarget_indicator_ref")
AFTER = ("plans", "0006_plantarget_indicator_required")


@pytest.fixture
def who(committed_db):
    return people()


def _old_targets(who, rows: list[tuple[str, str, int]]) -> tuple[int, list[int]]:
    """A plan written before the migration, with targets (text, unit, year); returns its id and the targets' ids."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    state = executor.loader.project_state([BEFORE]).apps
    plan = state.get_model("plans", "Plan").objects.create(
        pairing_id=testing.pairing("信阳市", "苏州市").pk,
        kind="five_year",
        title="迁移前的方案",
        start_year=2026,
        end_year=2030,
        created_by_id=who["xy_editor"].pk,
    )
    target = state.get_model("plans", "PlanTarget")
    ids = [
        target.objects.create(plan=plan, indicator=text, unit=unit, year=year, target=Decimal(10)).pk
        for text, unit, year in rows
    ]
    return plan.pk, ids


def test_target_text_resolves_to_the_indicator_by_code_name_or_name_without_unit(who):
    _plan, ids = _old_targets(
        who,
        [("signed_projects", "个", 2026), ("实际到位资金", "万元", 2026), ("签约金额（万元）", "", 2026)],
    )
    MigrationExecutor(connection).migrate([AFTER])
    targets = PlanTarget.objects.filter(pk__in=ids).order_by("pk")
    assert [(t.indicator_id, t.indicator_name, t.unit) for t in targets] == [
        ("signed_projects", "signed_projects", "个"),  # the text as written stays beside the reference
        ("funds_in_place_wan", "实际到位资金", "万元"),
        ("signed_amount_wan", "签约金额（万元）", ""),
    ]


def test_unresolved_target_text_stops_the_migration_and_names_every_row(who):
    plan, ids = _old_targets(
        who,
        [
            ("不存在的指标", "个", 2026),
            ("实际到位资金（亿元）", "", 2027),
            ("签约项目数", "项", 2026),
            ("签约金额", "万元", 2026),
        ],
    )
    try:
        with pytest.raises(RuntimeError) as stopped:
            MigrationExecutor(connection).migrate([AFTER])
        message = str(stopped.value)
        assert "有 3 条年度指标目标不能对应到指标库中的指标，迁移未做任何修改" in message
        assert (
            f"方案 #{plan}「迁移前的方案」的 2026 年目标「不存在的指标」：指标库中没有代码或名称与之相同的指标"
            in message
        )
        assert "2027 年目标「实际到位资金（亿元）」：单位「亿元」与指标「实际到位资金」的单位「万元」不同" in message
        assert "「签约项目数」：单位「项」与指标「签约项目数」的单位「个」不同" in message
        assert "「签约金额」" not in message  # the row that resolves is not listed
        state = MigrationExecutor(connection).loader.project_state([REFERENCE]).apps
        kept = state.get_model("plans", "PlanTarget").objects.filter(pk__in=ids)
        assert list(kept.values_list("indicator_id", flat=True)) == [None] * 4  # not even the resolvable row
    finally:
        state = MigrationExecutor(connection).loader.project_state([REFERENCE]).apps
        state.get_model("plans", "PlanTarget").objects.filter(pk__in=ids).delete()
        MigrationExecutor(connection).migrate([AFTER])
