"""Give each funded project a random public identifier (the open interfaces' award id).

The field is added nullable, each existing row gets its own uuid4, then it becomes unique and required.
"""

import uuid

from django.db import migrations, models


def give_each_row_its_uuid(apps, schema_editor):
    model = apps.get_model("projects", "Project")
    rows = list(model.objects.filter(uuid__isnull=True).only("pk"))
    for row in rows:
        row.uuid = uuid.uuid4()
    model.objects.bulk_update(rows, ["uuid"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_claim_payments"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name="public identifier"),
        ),
        migrations.RunPython(give_each_row_its_uuid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="project",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="public identifier"),
        ),
    ]
