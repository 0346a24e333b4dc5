"""Drop the call's former rule fields and their constraints: 0020 made them rows (``CallRule``)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0020_call_rules_from_fields'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='call',
            name='call_ratios_in_range',
        ),
        migrations.RemoveConstraint(
            model_name='call',
            name='call_project_size_bounds_in_order',
        ),
        migrations.RemoveField(
            model_name='call',
            name='application_word_limit',
        ),
        migrations.RemoveField(
            model_name='call',
            name='funded_partner_types',
        ),
        migrations.RemoveField(
            model_name='call',
            name='loi_word_limit',
        ),
        migrations.RemoveField(
            model_name='call',
            name='max_cluster_share',
        ),
        migrations.RemoveField(
            model_name='call',
            name='max_in_kind_share',
        ),
        migrations.RemoveField(
            model_name='call',
            name='max_partner_share',
        ),
        migrations.RemoveField(
            model_name='call',
            name='max_project_size',
        ),
        migrations.RemoveField(
            model_name='call',
            name='min_matching_ratio',
        ),
        migrations.RemoveField(
            model_name='call',
            name='min_partners',
        ),
        migrations.RemoveField(
            model_name='call',
            name='min_project_size',
        ),
        migrations.RemoveField(
            model_name='call',
            name='min_smes',
        ),
        migrations.RemoveField(
            model_name='call',
            name='required_attachments',
        ),
        migrations.RemoveField(
            model_name='call',
            name='sme_max_employees',
        ),
    ]
