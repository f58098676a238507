"""``python manage.py dodo_sync``: bring Dodo in line with the marketplace.

Creates missing customers and products, pushes changed ones, archives deleted or
unpublished products, and prints what it did. ``--due-only`` limits it to failed records
whose backoff has run out (what a periodic retry wants); ``--watch N`` repeats that every
N seconds until interrupted (``make run`` uses it as the local retry worker).
"""

import time

from django.core.management.base import BaseCommand

from dodo import reconcile


class Command(BaseCommand):
    help = "Bring Dodo in line with the marketplace (customers and products) and print counts."

    def add_arguments(self, parser):
        parser.add_argument("--due-only", action="store_true", help="Only retry failed syncs whose backoff has passed.")
        parser.add_argument("--watch", type=float, metavar="SECONDS", help="Repeat (due only) every SECONDS.")

    def handle(self, *args, due_only=False, watch=None, **options):
        if watch:
            self.stdout.write(f"Retrying failed Dodo syncs every {watch:g} s (Ctrl-C stops).")
            while True:
                self._run(due_only=True, quiet=True)
                time.sleep(watch)
        self._run(due_only=due_only, quiet=False)

    def _run(self, due_only, quiet):
        results = reconcile.reconcile_all(due_only=due_only)
        for kind, counts in results.items():
            if quiet and not sum(counts.values()):
                continue
            self.stdout.write(
                f"{kind}: {counts.get('synced', 0)} synced, {counts.get('failed', 0)} failed"
                + (f", {counts['busy']} busy" if counts.get("busy") else "")
            )
