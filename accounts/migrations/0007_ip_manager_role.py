"""Create the IP manager's group, so that the role exists before anybody is granted it."""

from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="ip_manager")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_sign_in_history")]
    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
