"""The board's models and the records (audit log, notifications) leave ``workflow`` for their own apps.

Only the migration state changes: the tables stay as they are, and each moved model's
content type follows it, so its permissions and admin history are kept.
"""

from django.db import migrations

MOVED = {
    "records": ("auditrecord", "auditseal", "notification"),
    "board": ("boardmeeting", "agendaitem", "boardconflict", "vote", "decisionletter"),
}


def _relabel(apps, *, forward):  # type: ignore[no-untyped-def]
    content_type = apps.get_model("contenttypes", "ContentType")
    for app, models in MOVED.items():
        old, new = ("workflow", app) if forward else (app, "workflow")
        for model in models:
            if not content_type.objects.filter(app_label=new, model=model).exists():
                content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_move(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, forward=True)


def content_types_move_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    _relabel(apps, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('records', '0001_initial'),
        ('board', '0001_initial'),
        ('workflow', '0013_notification_events'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='decisionletter',
                name='item',
            ),
            migrations.RemoveField(
                model_name='vote',
                name='item',
            ),
            migrations.RemoveField(
                model_name='auditrecord',
                name='actor',
            ),
            migrations.RemoveField(
                model_name='auditrecord',
                name='meeting',
            ),
            migrations.RemoveField(
                model_name='auditrecord',
                name='proposal',
            ),
            migrations.RemoveField(
                model_name='auditseal',
                name='record',
            ),
            migrations.RemoveField(
                model_name='boardconflict',
                name='member',
            ),
            migrations.RemoveField(
                model_name='boardconflict',
                name='proposal',
            ),
            migrations.RemoveField(
                model_name='boardmeeting',
                name='call',
            ),
            migrations.RemoveField(
                model_name='boardmeeting',
                name='chair',
            ),
            migrations.RemoveField(
                model_name='boardmeeting',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='boardmeeting',
                name='members',
            ),
            migrations.RemoveField(
                model_name='decisionletter',
                name='edited_by',
            ),
            migrations.RemoveField(
                model_name='notification',
                name='proposal',
            ),
            migrations.RemoveField(
                model_name='notification',
                name='recipient',
            ),
            migrations.RemoveField(
                model_name='vote',
                name='member',
            ),
            migrations.DeleteModel(
                name='AgendaItem',
            ),
            migrations.DeleteModel(
                name='AuditRecord',
            ),
            migrations.DeleteModel(
                name='AuditSeal',
            ),
            migrations.DeleteModel(
                name='BoardConflict',
            ),
            migrations.DeleteModel(
                name='BoardMeeting',
            ),
            migrations.DeleteModel(
                name='DecisionLetter',
            ),
            migrations.DeleteModel(
                name='Notification',
            ),
            migrations.DeleteModel(
                name='Vote',
            ),
            ],
        ),
        migrations.RunPython(content_types_move, content_types_move_back),
    ]
