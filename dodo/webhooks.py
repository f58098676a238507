"""Receiving Dodo's webhooks: verify the signature over the raw body, store the event once
by its ``webhook-id``, then process it through the handler registry.

Verification follows the Standard Webhooks spec with its reference library. Malformed or
missing headers answer 400 and a wrong or stale signature 401, never 500. A stored event
that was processed (or ignored) answers 200 on every repeat; a failed one is processed
again when Dodo retries it, and ``manage.py dodo_replay_webhooks`` replays it on demand.
"""

import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook, WebhookVerificationError

from .models import WebhookEvent, WebhookEventStatus
from .webhook_handlers import HANDLERS

logger = logging.getLogger(__name__)

# Dodo's payloads are a few kilobytes; anything far larger is not from Dodo.
MAX_BODY_BYTES = 256 * 1024
SIGNATURE_HEADER = re.compile(r"^v\d+,[A-Za-z0-9+/=]+( v\d+,[A-Za-z0-9+/=]+)*$")
# One delivery processes an event at a time; a crashed one's claim runs out.
PROCESSING_LEASE = timedelta(seconds=60)


class WebhookRejected(Exception):
    """The request is not a valid Dodo webhook; ``status`` is the HTTP answer (400/401/503)."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class Delivery:
    webhook_id: str
    event_type: str
    payload: dict
    headers: dict


def verify(body, headers):
    """Check one delivery's headers and signature; answers the parsed ``Delivery``.

    ``headers`` maps lower-case header names to values; ``body`` is the raw bytes.
    """
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signature = headers.get("webhook-signature", "")
    if not (webhook_id and timestamp and signature):
        raise WebhookRejected(400, "missing webhook-id, webhook-timestamp or webhook-signature")
    if len(webhook_id) > 128 or not timestamp.isdigit() or not SIGNATURE_HEADER.match(signature):
        raise WebhookRejected(400, "malformed webhook headers")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookRejected(400, "body is not UTF-8") from None
    try:
        Webhook(settings.DODO_PAYMENTS_WEBHOOK_KEY).verify(text, headers, json_parse=False)
    except EmptyWebhookSecretError:
        # Our configuration, not the sender's fault: ask Dodo to retry later.
        logger.error("Dodo webhook refused: DODO_PAYMENTS_WEBHOOK_KEY is not set")
        raise WebhookRejected(503, "webhook secret not configured") from None
    except WebhookVerificationError as error:
        raise WebhookRejected(401, f"signature: {error}") from None
    except ValueError:
        # The library raises plain ValueErrors for signatures it cannot split or decode.
        raise WebhookRejected(400, "malformed webhook-signature") from None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError:
        raise WebhookRejected(400, "body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise WebhookRejected(400, "body is not a Dodo event")
    kept = {name: headers[name] for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    return Delivery(webhook_id=webhook_id, event_type=payload["type"][:64], payload=payload, headers=kept)


def store(delivery, body):
    """Save the event once; answers ``(event, created)``. Concurrent duplicates get the row."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                webhook_id=delivery.webhook_id,
                event_type=delivery.event_type,
                headers=delivery.headers,
                body=body.decode("utf-8"),
            )
        return event, True
    except IntegrityError:
        return WebhookEvent.objects.get(webhook_id=delivery.webhook_id), False


def _claim(event):
    """Take the event for processing; False when it is done or another delivery has it."""
    now = timezone.now()
    return bool(
        WebhookEvent.objects.filter(pk=event.pk)
        .exclude(status__in=[WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED])
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + PROCESSING_LEASE, attempts=F("attempts") + 1)
    )


def process(event):
    """Run the event's handler; True when it is processed (or has nothing to process).

    A handler's exception is recorded on the event (and logged), never swallowed: the
    caller answers 5xx so Dodo retries. The handler locks what it changes itself.
    """
    if not _claim(event):
        event.refresh_from_db()
        return True
    handler = HANDLERS.get(event.event_type)
    fields = {"lease_until": None}
    ok = True
    if handler is None:
        fields.update(status=WebhookEventStatus.IGNORED, processed_at=timezone.now(), error="")
    else:
        try:
            outcome = handler(json.loads(event.body).get("data") or {})
        except Exception as error:  # noqa: BLE001  (any failure is recorded and retried)
            logger.exception("Webhook %s (%s): processing failed", event.webhook_id, event.event_type)
            fields.update(status=WebhookEventStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
            ok = False
        else:
            logger.info("Webhook %s (%s): %s", event.webhook_id, event.event_type, outcome)
            fields.update(status=WebhookEventStatus.PROCESSED, processed_at=timezone.now(), error="")
    WebhookEvent.objects.filter(pk=event.pk).update(**fields)
    for name, value in fields.items():
        setattr(event, name, value)
    return ok


def receive(body, headers):
    """Verify, store and process one delivery; answers ``(http_status, message)``."""
    if len(body) > MAX_BODY_BYTES:
        return 413, "body too large"
    try:
        delivery = verify(body, headers)
    except WebhookRejected as rejected:
        logger.warning("Dodo webhook rejected (%s): %s", rejected.status, rejected.reason)
        return rejected.status, rejected.reason
    event, created = store(delivery, body)
    if not created and event.status in (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED):
        return 200, "duplicate"
    if process(event):
        return 200, event.status
    return 500, "processing failed; will be retried"
