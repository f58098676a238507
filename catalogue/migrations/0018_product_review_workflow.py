"""Seller products are reviewed by the Editors group (``catalogue.moderation``).

Creates what ``ensure_product_workflow`` ensures on every deploy: the "Editors review"
task, the "Seller products" workflow assigned to the catalogue index, and the Editors
group's permissions. Nothing happens on a database without a catalogue index yet
(``bootstrap_site`` makes the index and runs the same function).
"""

from django.db import migrations


def create_review_workflow(apps, schema_editor):
    from catalogue.moderation import ensure_product_workflow

    ensure_product_workflow(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0017_category_review_and_product_analytics"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        # Reversing leaves the workflow in place: editors may have used it since.
        migrations.RunPython(create_review_workflow, migrations.RunPython.noop),
    ]
