"""Turn the existing 0/0 contributions into "not given": a 0 typed from now on stays 0 (docs/workflow.md).

Its own migration, apart from the schema change (the previous one): PostgreSQL refuses to alter a
table whose rows the same transaction changed.
"""

from django.db import migrations


def zero_contributions_not_given(apps, schema_editor):
    ConsortiumMember = apps.get_model("intake", "ConsortiumMember")
    ConsortiumMember.objects.filter(cash_contribution=0, in_kind_contribution=0).update(
        cash_contribution=None, in_kind_contribution=None
    )


def contributions_not_given_zero(apps, schema_editor):
    ConsortiumMember = apps.get_model("intake", "ConsortiumMember")
    ConsortiumMember.objects.filter(cash_contribution__isnull=True).update(cash_contribution=0)
    ConsortiumMember.objects.filter(in_kind_contribution__isnull=True).update(in_kind_contribution=0)


class Migration(migrations.Migration):
    dependencies = [("intake", "0013_contributions_may_be_not_given")]

    operations = [migrations.RunPython(zero_contributions_not_given, contributions_not_given_zero)]
