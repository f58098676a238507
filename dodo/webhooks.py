"""Receiving Dodo's webhooks: verify the signature over the raw body, store the event once
by its ``webhook-id``, then process it through the handler registry.

Verification follows the Standard Webhooks spec with its reference library. Malformed or
missing headers answer 400 and a wrong or stale signature 401, never 500. A signed event
whose data is malformed, or that belongs to another business, is kept with the reason
and answered 400. A stored event that was processed, ignored or recorded as unmatched
answers 200 on every repeat; a failed one is processed again when Dodo retries it, and
``manage.py dodo_replay_webhooks`` replays it on demand. Nothing here calls Dodo, so the
answer never waits on Dodo.
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

from . import fulfilment
from .models import SETTLED_EVENT_STATUSES, WebhookEvent, WebhookEventStatus
from .payloads import MalformedPayload, check_event
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


def _subject(payload):
    """The payment id and the event's own object id (refund, dispute), for lookups."""
    data = payload.get("data")
    if not isinstance(data, dict):
        return "", ""
    payment_id = data.get("payment_id") if isinstance(data.get("payment_id"), str) else ""
    object_id = ""
    for name in ("refund_id", "dispute_id", "payment_id"):
        if isinstance(data.get(name), str):
            object_id = data[name]
            break
    return payment_id[:64], object_id[:64]


def store(delivery, body, *, source="webhook"):
    """Save the event once; answers ``(event, created)``. Concurrent duplicates get the row.

    A new row is saved already claimed for processing (leased, one attempt), as
    :func:`_claim` would leave it: the delivery that stored it processes it next, and
    nobody else can meanwhile.
    """
    payment_id, object_id = _subject(delivery.payload)
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                webhook_id=delivery.webhook_id,
                event_type=delivery.event_type,
                headers=delivery.headers,
                body=body.decode("utf-8") if isinstance(body, bytes) else body,
                payment_id=payment_id,
                object_id=object_id,
                source=source,
                lease_until=timezone.now() + PROCESSING_LEASE,
                attempts=1,
            )
        return event, True
    except IntegrityError:
        return WebhookEvent.objects.get(webhook_id=delivery.webhook_id), False


def check(event, payload):
    """Why a stored, signed event cannot be processed (``None`` when it can)."""
    expected = settings.DODO_BUSINESS_ID
    if expected and payload.get("business_id") != expected:
        return f"business_id {str(payload.get('business_id'))[:64]!r} is not ours ({expected})"
    try:
        check_event(payload)
    except MalformedPayload as malformed:
        return malformed.reason
    return None


def _claim(event):
    """Take the event for processing; False when it is settled or another delivery has it."""
    now = timezone.now()
    return bool(
        WebhookEvent.objects.filter(pk=event.pk)
        .exclude(status__in=[*SETTLED_EVENT_STATUSES, WebhookEventStatus.REJECTED])
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + PROCESSING_LEASE, attempts=F("attempts") + 1)
    )


def _finish(event, **fields):
    fields["lease_until"] = None
    WebhookEvent.objects.filter(pk=event.pk).update(**fields)
    for name, value in fields.items():
        setattr(event, name, value)


def process(event, *, claimed=False):
    """Check and run the event's handler; answers the event's status afterwards.

    ``PROCESSED``, ``IGNORED`` (no handler) and ``UNMATCHED`` are settled; ``REJECTED``
    (malformed, or another business) is kept with its reason; ``FAILED`` is recorded
    (and logged), never swallowed, so the caller answers 5xx and Dodo retries. When
    another delivery holds the event right now, answers ``RECEIVED``: it is not settled
    yet, and the caller must not acknowledge it. The handler locks what it changes.
    ``claimed``: the event was just stored by this caller, claimed with it (:func:`store`).

    A processed event is marked so in the handler's own transaction: what the event
    changed and the record that it did commit together, or neither does.
    """
    if not claimed and not _claim(event):
        event.refresh_from_db()
        return event.status if event.status in (*SETTLED_EVENT_STATUSES, WebhookEventStatus.REJECTED) else IN_FLIGHT
    payload = json.loads(event.body)
    reason = check(event, payload)
    if reason is not None:
        logger.warning("Webhook %s (%s) rejected: %s", event.webhook_id, event.event_type, reason)
        _finish(event, status=WebhookEventStatus.REJECTED, error=reason[:2000])
        return event.status
    handler = HANDLERS.get(event.event_type)
    if handler is None:
        _finish(event, status=WebhookEventStatus.IGNORED, processed_at=timezone.now(), error="")
        return event.status
    try:
        with transaction.atomic():
            outcome = handler(payload["data"])
            _finish(event, status=WebhookEventStatus.PROCESSED, processed_at=timezone.now(), error="")
    except fulfilment.UnmatchedPayment as unmatched:
        logger.warning("Webhook %s (%s): %s", event.webhook_id, event.event_type, unmatched)
        _finish(event, status=WebhookEventStatus.UNMATCHED, processed_at=timezone.now(), error=str(unmatched)[:2000])
    except fulfilment.PaymentNotYetKnown as waiting:
        logger.info("Webhook %s (%s): %s", event.webhook_id, event.event_type, waiting)
        _finish(event, status=WebhookEventStatus.FAILED, error=str(waiting)[:2000])
    except Exception as error:  # noqa: BLE001  (any failure is recorded and retried)
        logger.exception("Webhook %s (%s): processing failed", event.webhook_id, event.event_type)
        _finish(event, status=WebhookEventStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
    else:
        logger.info("Webhook %s (%s): %s", event.webhook_id, event.event_type, outcome)
    return event.status


# What ``process`` answers for an event another delivery is processing right now.
IN_FLIGHT = "in_flight"


def replay(event):
    """Process a stored event again on purpose (an editor or ``dodo_replay_webhooks``);
    answers its status afterwards, as ``process`` does.

    Settled or rejected events are never processed twice by themselves; replaying one
    reopens it first (an order was fixed since, or a setting). Processing is idempotent,
    so replaying a processed event changes nothing that was already applied.
    """
    WebhookEvent.objects.filter(pk=event.pk).exclude(status=WebhookEventStatus.FAILED).update(
        status=WebhookEventStatus.RECEIVED
    )
    return process(event)


def receive(body, headers):
    """Verify, store and process one delivery; answers ``(http_status, message)``.

    2xx only once the event is stored and settled (processed, ignored, or recorded as
    unmatched): a failure answers 500 and a copy arriving while another is still being
    processed answers 409, so Dodo delivers again in both cases and nothing is lost.
    """
    if len(body) > MAX_BODY_BYTES:
        return 413, "body too large"
    try:
        delivery = verify(body, headers)
    except WebhookRejected as rejected:
        logger.warning("Dodo webhook rejected (%s): %s", rejected.status, rejected.reason)
        return rejected.status, rejected.reason
    event, created = store(delivery, body)
    if not created and event.status in SETTLED_EVENT_STATUSES:
        return 200, "duplicate"
    status = process(event, claimed=created)
    if status in SETTLED_EVENT_STATUSES:
        return 200, status
    if status == WebhookEventStatus.REJECTED:
        return 400, f"rejected: {event.error}"
    if status == IN_FLIGHT:
        return 409, "this event is being processed by another delivery; retry later"
    return 500, "processing failed; will be retried"
