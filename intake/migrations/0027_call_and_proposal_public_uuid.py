"""Give each call and each proposal a random public identifier (the open interfaces' ids).

The field is added nullable, each existing row gets its own uuid4, then it becomes unique and required.
"""

import uuid

from django.db import migrations, models


def give_each_row_its_uuid(apps, schema_editor):
    for model_name in ("Call", "Proposal"):
        model = apps.get_model("intake", model_name)
        rows = list(model.objects.filter(uuid__isnull=True).only("pk"))
        for row in rows:
            row.uuid = uuid.uuid4()
        model.objects.bulk_update(rows, ["uuid"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0026_partial_randomisation"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name="public identifier"),
        ),
        migrations.AddField(
            model_name="proposal",
            name="uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name="public identifier"),
        ),
        migrations.RunPython(give_each_row_its_uuid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="call",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="public identifier"),
        ),
        migrations.AlterField(
            model_name="proposal",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="public identifier"),
        ),
    ]
