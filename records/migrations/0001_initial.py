"""The audit log and the notifications, moved from ``workflow`` with their tables: the database is not changed."""

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('workflow', '0013_notification_events'),
        ('board', '0001_initial'),
        ('intake', '0006_retention_and_legal_holds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='AuditRecord',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('action', models.CharField(max_length=40, verbose_name='action')),
                    ('from_state', models.CharField(max_length=32, verbose_name='from')),
                    ('to_state', models.CharField(max_length=32, verbose_name='to')),
                    ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='time')),
                    ('reason', models.TextField(blank=True, verbose_name='reason')),
                    ('data', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='data')),
                    ('actor', models.ForeignKey(blank=True, help_text='Empty when Clusterflow itself acted (deadline sweeps).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                    ('meeting', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_records', to='board.boardmeeting', verbose_name='board meeting')),
                    ('proposal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_records', to='intake.proposal', verbose_name='proposal')),
                ],
                options={
                    'verbose_name': 'audit record',
                    'verbose_name_plural': 'audit records',
                    'db_table': 'workflow_auditrecord',
                    'ordering': ['at', 'pk'],
                },
            ),
            migrations.CreateModel(
                name='AuditSeal',
                fields=[
                    ('seq', models.PositiveBigIntegerField(primary_key=True, serialize=False)),
                    ('previous', models.CharField(blank=True, max_length=64)),
                    ('digest', models.CharField(max_length=64)),
                    ('sealed_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('record', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='seal', to='records.auditrecord')),
                ],
                options={
                    'verbose_name': 'audit seal',
                    'verbose_name_plural': 'audit seals',
                    'db_table': 'workflow_auditseal',
                    'ordering': ['seq'],
                },
            ),
            migrations.CreateModel(
                name='Notification',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('key', models.CharField(max_length=255)),
                    ('event', models.CharField(choices=[('loi_submitted', 'Letter of intent submitted'), ('loi_received', 'New letter of intent to screen'), ('invited', 'Invited to submit a full application'), ('loi_declined', 'Letter of intent not retained'), ('application_submitted', 'Application submitted'), ('application_received', 'New application to check'), ('changes_requested', 'Changes requested'), ('ineligible', 'Application ineligible'), ('assessment_started', 'Assessment started'), ('assessment_completed', 'Assessment completed'), ('decision_made', 'Funding decision'), ('withdrawn', 'Proposal withdrawn'), ('expired', 'Proposal expired'), ('extension_granted', 'Deadline extended'), ('deadline_reminder', 'Deadline reminder'), ('coapplicant_invited', 'Invited to edit a proposal'), ('conflict_declared', 'Conflict of interest declared'), ('review_set_aside', 'Review set aside: replacement assessor needed'), ('assignment_declined', 'Assessment assignment declined'), ('review_reminder', 'Reviews due soon'), ('reviews_overdue', 'Reviews overdue'), ('assignments_offered', 'Proposals to assess'), ('decision_letter', 'Decision letter'), ('join_requested', 'Request to join an organization'), ('join_approved', 'Request to join an organization approved'), ('join_refused', 'Request to join an organization refused'), ('board_invited', 'Invited to a board meeting'), ('board_agenda_ready', 'Board agenda ready'), ('board_votes_missing', 'Board votes missing')], max_length=40, verbose_name='event')),
                    ('channel', models.CharField(choices=[('inbox', 'In-app inbox'), ('email', 'Email')], max_length=8, verbose_name='channel')),
                    ('context', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                    ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read')),
                    ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                    ('claimed_until', models.DateTimeField(blank=True, null=True)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('proposal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='intake.proposal')),
                    ('recipient', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                ],
                options={
                    'verbose_name': 'notification',
                    'verbose_name_plural': 'notifications',
                    'db_table': 'workflow_notification',
                    'ordering': ['-created_at', '-pk'],
                },
            ),
            migrations.AddIndex(
                model_name='auditrecord',
                index=models.Index(fields=['proposal', 'at'], name='audit_proposal_at'),
            ),
            migrations.AddConstraint(
                model_name='auditrecord',
                constraint=models.CheckConstraint(condition=models.Q(('proposal__isnull', False), ('meeting__isnull', False), _connector='OR'), name='audit_record_has_a_subject'),
            ),
            migrations.AddIndex(
                model_name='notification',
                index=models.Index(fields=['recipient', 'channel', 'read_at'], name='notification_inbox'),
            ),
            migrations.AddIndex(
                model_name='notification',
                index=models.Index(condition=models.Q(('channel', 'email'), ('sent_at__isnull', True)), fields=['created_at'], name='notification_unsent'),
            ),
            migrations.AddConstraint(
                model_name='notification',
                constraint=models.UniqueConstraint(fields=('key',), name='notification_key_unique'),
            ),
            ],
        ),
    ]
