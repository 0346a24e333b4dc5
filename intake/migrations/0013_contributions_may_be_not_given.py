"""Let a partner's cash and in-kind contributions be "not given" (empty), apart from 0.

Its own migration, apart from turning the existing 0/0 rows into "not given" (the next one):
PostgreSQL refuses to alter a table whose rows the same transaction changed.
"""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models

import intake.models.base


class Migration(migrations.Migration):
    dependencies = [("intake", "0012_questions")]

    operations = [
        migrations.AlterField(
            model_name="consortiummember",
            name="cash_contribution",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=14,
                null=True,
                validators=intake.models.base.NOT_NEGATIVE,
                verbose_name="cash contribution ($)",
            ),
        ),
        migrations.AlterField(
            model_name="consortiummember",
            name="in_kind_contribution",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=14,
                null=True,
                validators=intake.models.base.NOT_NEGATIVE,
                verbose_name="in-kind contribution ($)",
            ),
        ),
    ]
