"""``python manage.py dodo_replay_webhooks``: process stored webhook events again.

By default every failed event; ``--id WEBHOOK_ID`` replays one (also a processed one,
which is harmless: processing is idempotent).
"""

from django.core.management.base import BaseCommand, CommandError

from dodo import webhooks
from dodo.models import SETTLED_EVENT_STATUSES, WebhookEvent, WebhookEventStatus


class Command(BaseCommand):
    help = "Replay failed Dodo webhook events (or one, by --id)."

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="webhook_id", help="Replay the event with this webhook-id.")

    def handle(self, *args, webhook_id=None, **options):
        if webhook_id:
            events = list(WebhookEvent.objects.filter(webhook_id=webhook_id))
            if not events:
                raise CommandError(f"No stored webhook event with id {webhook_id!r}.")
        else:
            events = list(WebhookEvent.objects.filter(status=WebhookEventStatus.FAILED).order_by("received_at"))
        ok = failed = 0
        for event in events:
            if webhooks.replay(event) in SETTLED_EVENT_STATUSES:
                ok += 1
            else:
                failed += 1
                self.stderr.write(f"{event.webhook_id} ({event.event_type}): {event.error}")
        self.stdout.write(f"Replayed {len(events)} webhook event(s): {ok} processed, {failed} failed.")
        if failed:
            raise CommandError(f"{failed} event(s) still failing.")
