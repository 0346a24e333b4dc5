"""Rules become rows of a call (``CallRule``): the table; the data and the old fields follow in 0020 and 0021."""

import django.db.models.deletion
import intake.models.call_rules
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0018_memberships_and_roles'),
    ]

    operations = [
        migrations.CreateModel(
            name='CallRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=intake.models.call_rules.kind_choices, max_length=32, verbose_name='kind of rule')),
                ('params', models.JSONField(blank=True, default=dict, verbose_name='parameters')),
                ('stages', models.JSONField(default=list, verbose_name='stages')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'eligibility rule',
                'verbose_name_plural': 'eligibility rules',
                'ordering': ['call', 'position', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='callrule',
            name='call',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rules', to='intake.call', verbose_name='call'),
        ),
        migrations.AddIndex(
            model_name='callrule',
            index=models.Index(fields=['call', 'position'], name='call_rule_call_position'),
        ),
    ]
