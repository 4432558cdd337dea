"""A plan's yearly target names an indicator of the library (a foreign key), no longer a free text.

Each existing target's text is resolved to one indicator: by code, then by name, then by the name with a unit in
brackets left off (「签约项目数（个）」 → 签约项目数). The text stays beside the reference (``indicator_name``), so a
filed plan still reads, and its SM3 digest still verifies, as filed.

Nothing is guessed: a target whose text names no indicator, whose unit differs from the indicator's, or that would
become a second target of one indicator for one year in one plan stops the migration, which then names every such
row (plan, text, year) and changes nothing. Add the indicator to the library (``duikou import-indicators``) or correct
the text, then migrate again (docs/pairings.md). Migrations 0004 (the empty reference beside the text) and
0006 (the reference required) frame this one.
"""

import re

from django.db import migrations

UNIT_IN_BRACKETS = re.compile(r"^(?P<name>.*?)\s*[（(](?P<unit>[^（）()]*)[）)]\s*$")


def _resolve(text: str, unit: str, by_code: dict, by_name: dict):
    """The indicator a target's text names, and the unit the target is written in (its own, or the one in brackets
    after the name)."""
    text, unit = text.strip(), unit.strip()
    if text in by_code:
        return by_code[text], unit
    if text in by_name:
        return by_name[text], unit
    bracketed = UNIT_IN_BRACKETS.match(text)
    if bracketed and bracketed["name"] in by_name:
        written = bracketed["unit"].strip()
        if unit and written and unit != written:
            return by_name[bracketed["name"]], f"{unit}」「{written}"
        return by_name[bracketed["name"]], unit or written
    return None, unit


def resolve_targets(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    PlanTarget = apps.get_model("plans", "PlanTarget")
    indicators = list(Indicator.objects.all())
    by_code = {i.code: i for i in indicators}
    by_name: dict = {}
    for i in indicators:
        by_name.setdefault(i.name.strip(), i)
    problems, seen = [], {}
    rows = list(PlanTarget.objects.select_related("plan").order_by("plan_id", "pk"))
    for t in rows:
        where = f"方案 #{t.plan_id}「{t.plan.title}」的 {t.year} 年目标「{t.indicator_name}」"
        found, unit = _resolve(t.indicator_name, t.unit, by_code, by_name)
        if found is None:
            problems.append(f"{where}：指标库中没有代码或名称与之相同的指标")
            continue
        if unit and unit != found.unit:
            problems.append(f"{where}：单位「{unit}」与指标「{found.name}」的单位「{found.unit}」不同")
            continue
        key = (t.plan_id, found.code, t.year)
        if key in seen:
            problems.append(f"{where}：与同一方案的「{seen[key]}」都指向指标「{found.name}」（{found.code}）")
            continue
        seen[key] = t.indicator_name
        t.indicator_id = found.code  # the text and unit stay as written: a filing digested them
    if problems:
        raise RuntimeError(
            f"有 {len(problems)} 条年度指标目标不能对应到指标库中的指标，迁移未做任何修改：\n"
            + "\n".join(problems)
            + "\n请在指标库中补充这些指标（duikou import-indicators）或改正目标所写的指标名称，然后重新运行 migrate。"
        )
    PlanTarget.objects.bulk_update(rows, ["indicator"])


def keep_text(apps, schema_editor):
    """Going back: the text each target was written with is still beside the reference."""


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0004_dataset_due_days"),
        ("plans", "0004_plantarget_indicator_ref"),
    ]

    operations = [
        migrations.RunPython(resolve_targets, keep_text),
    ]
