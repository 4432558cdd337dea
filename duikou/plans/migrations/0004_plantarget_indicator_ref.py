"""A plan's yearly target gets a reference to an indicator of the library beside its text (which is kept, renamed
``indicator_name``); 0005 fills the reference from the text, 0006 makes it required. Three steps, so PostgreSQL never
alters a table in the transaction that updated its rows."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0004_dataset_due_days"),
        ("plans", "0003_plan_step_due"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="plantarget", name="plantarget_one_per_year"),
        migrations.RenameField(model_name="plantarget", old_name="indicator", new_name="indicator_name"),
        migrations.AddField(
            model_name="plantarget",
            name="indicator",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plan_targets",
                to="indicators.indicator",
                verbose_name="指标",
            ),
        ),
    ]
