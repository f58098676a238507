"""``python manage.py cleanup_files``: delete private files nothing names any more.

Walks the product-file and support-attachment folders of private storage and deletes the
files no product, product revision or support message names, once they are older than
``ORPHAN_FILE_GRACE_HOURS`` (``--grace-hours`` overrides it). ``--dry-run`` only counts.
The task worker runs the same clean-up (``catalogue.tasks.cleanup_orphan_files``).
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from catalogue.files import delete_orphan_files


class Command(BaseCommand):
    help = "Delete product files and ticket attachments that nothing names any more (after a grace period)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the orphans; delete nothing.")
        parser.add_argument(
            "--grace-hours",
            type=float,
            help="Keep orphans younger than this many hours (default: ORPHAN_FILE_GRACE_HOURS).",
        )

    def handle(self, *args, dry_run=False, grace_hours=None, **options):
        older_than = timedelta(hours=grace_hours) if grace_hours is not None else None
        result = delete_orphan_files(older_than=older_than, dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"Dry run: {result.deleted} would be deleted, {result.kept} kept, "
                f"{result.failed} could not be checked. Nothing was deleted."
            )
        else:
            self.stdout.write(f"Private files: {result.deleted} deleted, {result.kept} kept, {result.failed} failed.")
        if result.failed:
            raise CommandError(f"{result.failed} file(s) could not be checked or deleted; see the log.")
