from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0003_notification_fewer_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="event",
            field=models.CharField(
                choices=[
                    ("loi_submitted", "Letter of intent submitted"),
                    ("loi_received", "New letter of intent to screen"),
                    ("invited", "Invited to submit a full application"),
                    ("loi_declined", "Letter of intent not retained"),
                    ("application_submitted", "Application submitted"),
                    ("application_received", "New application to check"),
                    ("changes_requested", "Changes requested"),
                    ("ineligible", "Application ineligible"),
                    ("assessment_started", "Assessment started"),
                    ("assessment_completed", "Assessment completed"),
                    ("decision_made", "Funding decision"),
                    ("withdrawn", "Proposal withdrawn"),
                    ("expired", "Proposal expired"),
                    ("extension_granted", "Deadline extended"),
                    ("deadline_reminder", "Deadline reminder"),
                    ("coapplicant_invited", "Invited to edit a proposal"),
                    ("assignments_offered", "Proposals to assess"),
                ],
                max_length=40,
                verbose_name="event",
            ),
        ),
    ]
