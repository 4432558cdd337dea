import datetime

from django.conf import settings
from django.db import migrations, models


def expire_existing(apps, schema_editor):
    """Tokens made before tokens expired get the usual lifetime, counted from their creation."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    days = datetime.timedelta(days=settings.DUIKOU_API_TOKEN_DAYS)
    for token in ApiToken.objects.filter(expires__isnull=True).only("pk", "created"):
        ApiToken.objects.filter(pk=token.pk).update(expires=token.created + days)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_organisation_kind_township_village"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires",
            field=models.DateTimeField(null=True, verbose_name="到期时间"),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires",
            field=models.DateTimeField(verbose_name="到期时间"),
        ),
    ]
