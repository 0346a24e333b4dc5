"""The board's models, moved from ``workflow`` with their tables: the database is not changed."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('workflow', '0013_notification_events'),
        ('intake', '0006_retention_and_legal_holds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='BoardMeeting',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('held_at', models.DateTimeField(verbose_name='date and time')),
                    ('quorum', models.PositiveSmallIntegerField(default=3, help_text='How many members who are not recused must vote on a proposal before it is decided.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='quorum')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                    ('decisions_released_at', models.DateTimeField(blank=True, null=True, verbose_name='decisions released')),
                    ('agenda_ready_at', models.DateTimeField(blank=True, null=True, verbose_name='agenda sent to the members')),
                    ('opened_early_at', models.DateTimeField(blank=True, null=True, verbose_name='opened early')),
                    ('call', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='board_meetings', to='intake.call', verbose_name='call')),
                    ('chair', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='chair')),
                    ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                    ('members', models.ManyToManyField(related_name='board_meetings', to=settings.AUTH_USER_MODEL, verbose_name='members invited')),
                ],
                options={
                    'verbose_name': 'board meeting',
                    'verbose_name_plural': 'board meetings',
                    'db_table': 'workflow_boardmeeting',
                    'ordering': ['-held_at', 'pk'],
                },
            ),
            migrations.CreateModel(
                name='AgendaItem',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('added_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='added')),
                    ('deferred_at', models.DateTimeField(blank=True, null=True, verbose_name='deferred')),
                    ('deferred_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='deferred by')),
                    ('proposal', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='agenda_items', to='intake.proposal', verbose_name='proposal')),
                    ('deferred_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='board.boardmeeting', verbose_name='deferred to')),
                    ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='board.boardmeeting', verbose_name='meeting')),
                ],
                options={
                    'verbose_name': 'agenda item',
                    'verbose_name_plural': 'agenda items',
                    'db_table': 'workflow_agendaitem',
                },
            ),
            migrations.CreateModel(
                name='DecisionLetter',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('language', models.CharField(max_length=2, verbose_name='language')),
                    ('subject', models.CharField(max_length=250, verbose_name='subject')),
                    ('body', models.TextField(verbose_name='text')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='drafted')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                    ('released_at', models.DateTimeField(blank=True, null=True, verbose_name='released')),
                    ('edited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='edited by')),
                    ('item', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='letter', to='board.agendaitem', verbose_name='agenda item')),
                ],
                options={
                    'verbose_name': 'decision letter',
                    'verbose_name_plural': 'decision letters',
                    'db_table': 'workflow_decisionletter',
                },
            ),
            migrations.CreateModel(
                name='Vote',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('choice', models.CharField(choices=[('approve', 'Approve'), ('decline', 'Decline'), ('abstain', 'Abstain')], max_length=8, verbose_name='vote')),
                    ('comment', models.TextField(blank=True, verbose_name='comment')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='cast')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='changed')),
                    ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='votes', to='board.agendaitem', verbose_name='agenda item')),
                    ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='board_votes', to=settings.AUTH_USER_MODEL, verbose_name='member')),
                ],
                options={
                    'verbose_name': 'vote',
                    'verbose_name_plural': 'votes',
                    'db_table': 'workflow_vote',
                },
            ),
            migrations.CreateModel(
                name='BoardConflict',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('nature', models.TextField(verbose_name='nature of the conflict')),
                    ('declared_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='declared')),
                    ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='board_conflicts', to=settings.AUTH_USER_MODEL, verbose_name='member')),
                    ('proposal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='board_conflicts', to='intake.proposal', verbose_name='proposal')),
                ],
                options={
                    'verbose_name': 'board conflict of interest',
                    'verbose_name_plural': 'board conflicts of interest',
                    'db_table': 'workflow_boardconflict',
                    'constraints': [models.UniqueConstraint(fields=('member', 'proposal'), name='board_conflict_once_per_pair')],
                },
            ),
            migrations.AddConstraint(
                model_name='agendaitem',
                constraint=models.UniqueConstraint(fields=('meeting', 'proposal'), name='agenda_item_once_per_meeting'),
            ),
            migrations.AddConstraint(
                model_name='agendaitem',
                constraint=models.UniqueConstraint(condition=models.Q(('deferred_to__isnull', True)), fields=('proposal',), name='agenda_item_one_current'),
            ),
            migrations.AddConstraint(
                model_name='vote',
                constraint=models.UniqueConstraint(fields=('item', 'member'), name='vote_once_per_member'),
            ),
            ],
        ),
    ]
