"""License keys that Dodo issues for our orders: storing them, and revoking them.

A product with ``license_key_enabled`` is created on Dodo with its license settings
(``dodo.fingerprints``); Dodo then issues one key per paid payment and announces it with
``license_key.created``. The key is kept on the order (``Order.license_key`` and its Dodo
id), shown in the buyer's library and orders and sent in the receipt.

Ordering: Dodo sends ``license_key.created`` and ``payment.succeeded`` separately, in any
order. A key whose payment we have not recorded yet fails with ``PaymentNotYetKnown`` (so
Dodo delivers it again); when the payment is then recorded, :func:`apply_waiting_keys`
(a receiver of ``order_paid``) stores the waiting key in the same transaction, so the
receipt, sent after that commit, carries it. A key that arrives after the order was paid
is stored and emailed on its own (``license_key`` email): the receipt has gone already.

Revocation: a full refund or a lost dispute enqueues ``dodo.tasks.disable_license_key``
after the commit; :func:`disable_key` asks Dodo to disable the key (``PATCH
/license_keys/{id}``) and records ``license_key_disabled_at``. A failed call is retried
by the task with backoff, and the scheduled reconciliation (:func:`disable_outstanding`)
catches any that are still enabled. A partial refund keeps the key.
"""

import json
import logging

from django.db import transaction
from django.utils import timezone

from catalogue import orders
from catalogue.models import Order, OrderStatus

from .client import get_client
from .exceptions import DodoError, DodoNotFound
from .fulfilment import _order_for_payment_id
from .models import WebhookEvent, WebhookEventStatus

logger = logging.getLogger(__name__)

LICENSE_KEY_CREATED = "license_key.created"
# Orders whose buyer lost the product: their key must not work any more.
REVOKED_STATUSES = (OrderStatus.REFUNDED, OrderStatus.CHARGEBACK)


def apply_license_key(data):
    """Store a checked ``LicenseKey`` (``license_key.created``) on the order of its
    payment; answers what happened, for the event log.

    Raises ``fulfilment.PaymentNotYetKnown`` while no order has the payment (the event
    is retried, and applied when the payment is recorded) and ``UnmatchedPayment`` for a
    payment no order of ours matches.
    """
    order = _order_for_payment_id(data["payment_id"], f"license key {data['id']}")
    with transaction.atomic():
        order = orders.locked_order(order.pk)
        return _store(order, data, announce=True)


def _store(order, data, *, announce):
    """Keep the key on a (locked) order; then revoke it at once if the order has ended,
    or email it (``announce``) if the order is paid and its receipt has gone without it."""
    from . import tasks

    if order.license_key_id == data["id"]:
        return "unchanged"
    if order.license_key_id:
        # One payment, one product, one key: a second one is Dodo's anomaly, not a gift.
        orders.flag_for_review(
            order, f"A second license key {data['id']} arrived; the order keeps {order.license_key_id}."
        )
        return "flagged"
    order.license_key = data["key"]
    order.license_key_id = data["id"]
    order.save(update_fields=["license_key", "license_key_id", "updated_at"])
    logger.info("Order #%s: license key %s stored", order.pk, data["id"])
    if order.status in REVOKED_STATUSES:
        # Refunded or charged back before the key arrived: it must never work.
        tasks.enqueue_on_commit(tasks.disable_license_key, order.pk)
        return "stored, disabling (order ended)"
    if announce and order.status == OrderStatus.PAID:
        tasks.enqueue_on_commit(tasks.send_license_key_email, order.pk)
        return "stored, emailed"
    return "stored"


def apply_waiting_keys(order):
    """The order just became paid: store a key whose event arrived before the payment
    (it failed as "not yet known") and settle that event. No email: the receipt, sent
    after this commit, carries the key."""
    if not order.dodo_payment_id:
        return
    waiting = WebhookEvent.objects.filter(
        event_type=LICENSE_KEY_CREATED, payment_id=order.dodo_payment_id, status=WebhookEventStatus.FAILED
    )
    for event in waiting:
        data = json.loads(event.body)["data"]
        outcome = _store(order, data, announce=False)
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=WebhookEventStatus.PROCESSED, processed_at=timezone.now(), error="", lease_until=None
        )
        logger.info("Webhook %s (%s): %s with its payment", event.webhook_id, event.event_type, outcome)


def disable_key(order_id):
    """Disable the order's key on Dodo, if the order has ended and it is not disabled yet;
    answers ``"disabled"`` or ``"unchanged"``. Raises ``DodoError`` when Dodo cannot be
    asked (the task retries); a key Dodo does not know (404) cannot be used, so it is
    recorded as disabled."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or not order.license_key_id or order.license_key_disabled_at is not None:
        return "unchanged"
    if order.status not in REVOKED_STATUSES:
        return "unchanged"  # the buyer still owns it (a partial refund, a won dispute)
    try:
        get_client().disable_license_key(order.license_key_id)
    except DodoNotFound as error:
        logger.warning("Order #%s: Dodo has no license key %s (%s)", order.pk, order.license_key_id, error)
    Order.objects.filter(pk=order.pk, license_key_disabled_at__isnull=True).update(
        license_key_disabled_at=timezone.now()
    )
    logger.info("Order #%s: license key %s disabled", order.pk, order.license_key_id)
    return "disabled"


def outstanding_orders():
    """Ended orders whose key is still enabled on Dodo (for reconciliation)."""
    return Order.objects.filter(status__in=REVOKED_STATUSES, license_key_disabled_at__isnull=True).exclude(
        license_key_id=""
    )


def disable_outstanding(limit=100):
    """Disable the keys of ended orders that are still enabled (a revocation whose task
    ran out of retries, or was lost); answers ``{"disabled": n, "failed": n}``."""
    counts = {"disabled": 0, "failed": 0}
    for order_id in outstanding_orders().order_by("pk").values_list("pk", flat=True)[:limit]:
        try:
            if disable_key(order_id) == "disabled":
                counts["disabled"] += 1
        except DodoError as error:
            counts["failed"] += 1
            logger.warning("Order #%s: license key not disabled yet: %s", order_id, error)
    return counts
