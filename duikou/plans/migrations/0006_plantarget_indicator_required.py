"""Every yearly target names an indicator of the library (0005 resolved the text of those written before)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0005_resolve_target_indicators"),
    ]

    operations = [
        migrations.AlterField(
            model_name="plantarget",
            name="indicator",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plan_targets",
                to="indicators.indicator",
                verbose_name="指标",
            ),
        ),
        migrations.AlterField(
            model_name="plantarget",
            name="indicator_name",
            field=models.CharField(blank=True, editable=False, max_length=120, verbose_name="方案所写指标名称"),
        ),
        migrations.AlterField(
            model_name="plantarget",
            name="unit",
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name="单位"),
        ),
        migrations.AlterModelOptions(
            name="plantarget",
            options={
                "ordering": ["indicator__order", "indicator", "year"],
                "verbose_name": "年度指标目标",
                "verbose_name_plural": "年度指标目标",
            },
        ),
        migrations.AddConstraint(
            model_name="plantarget",
            constraint=models.UniqueConstraint(fields=("plan", "indicator", "year"), name="plantarget_one_per_year"),
        ),
    ]
