"""The filing chain cannot fork: each filed plan follows a different filing (the first follows none), a rule the
database now holds, so two plans filed at the same moment chain one after the other.

A chain that has forked already (two filings following the same one) is not repaired here: its digests are the
evidence of what was filed. The migration then stops and names the filings; ``duikou verify`` shows the chain.
"""

from django.db import migrations, models
from django.db.models import Count


def refuse_a_forked_chain(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    forks = (
        Plan.objects.filter(status="filed")
        .values("filing_prev_digest")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by()
    )
    problems = []
    for fork in forks:
        plans = Plan.objects.filter(status="filed", filing_prev_digest=fork["filing_prev_digest"]).order_by("pk")
        names = "、".join(f"#{p.pk}「{p.title}」" for p in plans)
        problems.append(f"备案 {names} 都接在同一份备案（{fork['filing_prev_digest'][:12] or '链首'}…）之后")
    if problems:
        raise RuntimeError(
            "备案链已分叉，不能加上“备案链不分叉”的约束：" + "；".join(problems) + "。请先运行 duikou verify 核对并处理。"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(refuse_a_forked_chain, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="plan",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "filed")),
                fields=("filing_prev_digest",),
                name="plan_filing_chain_unique",
            ),
        ),
    ]
