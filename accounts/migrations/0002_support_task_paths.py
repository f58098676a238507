"""The support ticket email tasks moved from ``accounts.support_tasks`` to
``catalogue.support.tasks``: point tasks already in the database queue at the new path.

The database task backend stores each task by its dotted path and imports it when a
worker runs it, so an email queued before the upgrade and run after it would fail to
import and never be sent. Reversible: going back restores the old paths.
"""

from django.db import migrations

OLD_MODULE = "accounts.support_tasks"
NEW_MODULE = "catalogue.support.tasks"
TASKS = ("send_ticket_opened_email", "send_ticket_reply_email", "send_ticket_assigned_email")


def _move(apps, old_module, new_module):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for name in TASKS:
        DBTaskResult.objects.filter(task_path=f"{old_module}.{name}").update(task_path=f"{new_module}.{name}")


def forwards(apps, schema_editor):
    _move(apps, OLD_MODULE, NEW_MODULE)


def backwards(apps, schema_editor):
    _move(apps, NEW_MODULE, OLD_MODULE)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
