"""`duikou demo-evaluation` and `duikou evaluate` at the command line."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duikou.evaluation.models import Item, Run, Scheme
from duikou.indicators.models import DataValue, Report

pytestmark = pytest.mark.django_db


def test_demo_evaluation_builds_a_published_2025_national_evaluation_once():
    call_command("demo", stdout=StringIO())
    out = StringIO()
    call_command("demo-evaluation", stdout=out, verbosity=0)
    scheme = Scheme.objects.get(year=2025, level="national")
    assert "演示数据" in scheme.name and "已发布第 1 次评估结果" in out.getvalue()
    items = list(scheme.items.all())
    assert sum(i.weight for i in items if i.method != Item.Method.DEDUCTION) == 100
    assert {i.key_task_id for i in items} == {"KT1", "KT2", "KT3", "KT4", "KT5"}
    assert {i.method for i in items} == {"target", "threshold", "rank", "deduction", "qualitative"}
    assert Report.objects.filter(period__startswith="2025", status__in=["approved", "accepted"]).count() == 24
    assert not DataValue.objects.filter(period__startswith="2025").exclude(comment__startswith="演示数据").exists()
    run = scheme.runs.get()
    assert run.status == Run.Status.PUBLISHED and run.results.count() == 20
    assert run.results.get(rank=1).pairing.code in {"N01", "N04", "N09"}
    assert run.results.exclude(topsis_score=None).count() == 20
    call_command("demo-evaluation", stdout=StringIO(), verbosity=0)
    assert Scheme.objects.count() == 1 and Run.objects.count() == 1 and Report.objects.count() == 24


def test_demo_evaluation_needs_the_demo_accounts():
    with pytest.raises(CommandError, match="请先执行 duikou demo"):
        call_command("demo-evaluation", stdout=StringIO(), verbosity=0)


def test_evaluate_command_runs_a_scheme_for_a_user(django_user_model):
    from duikou.evaluation import testing as ev

    who = ev.People()
    scheme = ev.scheme(who["ndrc"], items=[ev.qualitative_item(weight="100")])
    out = StringIO()
    call_command("evaluate", "--year", "2025", "--user", who["ndrc"].username, "--as-of", "2026-03-31", stdout=out,
                 verbosity=0)  # fmt: skip
    run = scheme.runs.get()
    assert run.status == Run.Status.DONE and run.scheme_snapshot["as_of"] == "2026-03-31"
    assert "20 个结对关系已计分" in out.getvalue()
    with pytest.raises(CommandError, match="没有 2025 年度省份 410000 的省级评估方案"):
        call_command("evaluate", "--year", "2025", "--province", "410000", "--user", who["ndrc"].username, verbosity=0)
    with pytest.raises(CommandError):
        call_command("evaluate", "--year", "2025", "--user", who["xy_viewer"].username, verbosity=0)
