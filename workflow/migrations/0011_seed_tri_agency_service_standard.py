"""Seed the service standard with the tri-agency (CIHR, NSERC, SSHRC) table; staff may edit it afterwards.

Bands are whole minutes, both bounds inclusive (docs/outages.md). Cells the standard marks
"cannot happen" (an outage longer than the time left, were it measured from the outage's
start) can happen when measured from its end, as Clusterflow does: they take the value of
the nearest cell of the same row further from the deadline, and are marked as not in the standard.
"""

from django.db import migrations

H, D = 60, 24 * 60
#: Outage length bands (minutes), rows of the table.
OUTAGE = [(1, 30), (31, 2 * H), (2 * H + 1, 6 * H), (6 * H + 1, D), (D + 1, None)]
#: Time-before-the-deadline bands (minutes), columns; the seventh day counts whole (nothing from 8 days).
BEFORE = [(0, 30), (31, 2 * H), (2 * H + 1, D), (D + 1, 3 * D), (3 * D + 1, 8 * D - 1)]
#: Extension hours per cell; None where the standard says the case cannot happen.
TABLE = [
    [24, 24, 0, 0, 0],
    [None, 24, 24, 0, 0],
    [None, None, 24, 0, 0],
    [None, None, 48, 24, 0],
    [None, None, 48, 24, 24],
]


def seed(apps, schema_editor):
    ExtensionRule = apps.get_model("workflow", "ExtensionRule")
    rows = []
    for (outage_min, outage_max), cells in zip(OUTAGE, TABLE, strict=True):
        for index, ((before_min, before_max), hours) in enumerate(zip(BEFORE, cells, strict=True)):
            in_standard = hours is not None
            if hours is None:
                hours = next(value for value in cells[index + 1 :] if value is not None)
            rows.append(
                ExtensionRule(
                    outage_min_minutes=outage_min,
                    outage_max_minutes=outage_max,
                    before_min_minutes=before_min,
                    before_max_minutes=before_max,
                    extension_hours=hours,
                    in_standard=in_standard,
                )
            )
    ExtensionRule.objects.bulk_create(rows)


def unseed(apps, schema_editor):
    apps.get_model("workflow", "ExtensionRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workflow", "0010_outage_incidents_and_service_standard")]

    operations = [migrations.RunPython(seed, unseed)]
