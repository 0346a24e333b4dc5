"""Every proposal has its stage: required from here on (0015 gave each existing proposal one).

Its own migration, apart from 0015's data: PostgreSQL refuses to alter a table whose rows the same
transaction changed.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0015_stages_from_windows")]

    operations = [
        migrations.AlterField(
            model_name="proposal",
            name="stage",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="proposals",
                to="intake.stage",
                verbose_name="stage",
            ),
        ),
    ]
