"""``python manage.py dodo_sync``: bring Dodo in line with the marketplace.

Creates missing customers and products, pushes changed ones, archives deleted or
unpublished products and orphan duplicates, applies payments, refunds and disputes our
webhooks missed (since the stored checkpoint), and prints what it did; the task
workers do the same periodically (``TASK_SCHEDULE``). ``--due-only`` limits it to failed records
whose backoff has run out (what a periodic retry wants); ``--watch N`` repeats that, and
the payments reconciliation, every N seconds until interrupted (``make run`` uses it as
the local stand-in for the production worker's recurring task).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from dodo import reconcile
from dodo.exceptions import DodoError


class Command(BaseCommand):
    help = "Bring Dodo in line with the marketplace (customers and products) and print counts."

    def add_arguments(self, parser):
        parser.add_argument("--due-only", action="store_true", help="Only retry failed syncs whose backoff has passed.")
        parser.add_argument("--watch", type=float, metavar="SECONDS", help="Repeat (due only) every SECONDS.")

    def handle(self, *args, due_only=False, watch=None, **options):
        if watch:
            self.stdout.write(f"Retrying failed Dodo syncs and reconciling payments every {watch:g} s (Ctrl-C stops).")
            while True:
                # What the production worker's recurring task does (dodo.tasks.reconcile_with_dodo).
                try:
                    self._run(due_only=True, quiet=True)
                    counts = reconcile.reconcile_payments()
                except (DodoError, CommandError) as error:
                    self.stderr.write(f"Dodo reconciliation failed, will try again: {error}")
                else:
                    if sum(counts.values()):
                        self.stdout.write("payments: " + ", ".join(f"{n} {what}" for what, n in sorted(counts.items())))
                time.sleep(watch)
        self._run(due_only=due_only, quiet=False)

    def _run(self, due_only, quiet):
        try:
            results = reconcile.reconcile_all(due_only=due_only)
        except DodoError as error:
            raise CommandError(f"Dodo could not be reached: {error}") from error
        for kind, counts in results.items():
            if quiet and not sum(counts.values()):
                continue
            if kind in ("customers", "products", "discounts"):
                line = f"{counts.get('synced', 0)} synced, {counts.get('failed', 0)} failed"
                line += "".join(f", {counts[name]} {name}" for name in ("rejected", "busy") if counts.get(name))
            else:
                line = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) or "nothing to do"
            self.stdout.write(f"{kind}: {line}")
