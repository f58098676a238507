"""Reconciliation, both ways.

- Outbound: find every customer and product Dodo does not yet match (missing, failed,
  out of date, synced in the other environment) and sync it, with the same functions
  the tasks use, so a reconcile and a task can never disagree; archive duplicate Dodo
  products that a timed-out create left behind.
- Inbound: read Dodo's payments and refunds since a stored checkpoint and apply what
  our webhooks missed (a buyer charged while every delivery failed must still get the
  product). What it finds goes through the webhook pipeline as an event of its own
  (``webhook_id`` ``reconcile:...``), so it is checked, recorded and applied exactly as a
  delivery would be, and applying it twice changes nothing.

Used by ``manage.py dodo_sync``, the editors' "retry" action, and the worker's
recurring task (``dodo.tasks.reconcile_with_dodo``).
"""

import json
import logging
from collections import Counter
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalogue.models import Dispute, Order, OrderRefund, OrderStatus

from . import sync, webhooks
from .client import get_client
from .fingerprints import customer_payload, fingerprint, product_payload
from .models import (
    SETTLED_EVENT_STATUSES,
    DodoCustomer,
    DodoDiscount,
    DodoProduct,
    ReconcileCheckpoint,
    SyncStatus,
    WebhookEvent,
    WebhookEventStatus,
    current_environment,
)

logger = logging.getLogger(__name__)


def customers_to_sync(due_only=False):
    """Ids of users whose Dodo customer is missing, failed, pending or out of date."""
    User = get_user_model()
    missing = User.objects.filter(dodo_customer__isnull=True).values_list("pk", flat=True)
    unsynced = DodoCustomer.objects.due() if due_only else DodoCustomer.objects.needing_sync()
    ids = set(missing) | set(unsynced.values_list("user_id", flat=True))
    if not due_only:
        # Synced records whose user changed without a sync (e.g. a queryset update()).
        synced = DodoCustomer.objects.filter(sync_status=SyncStatus.SYNCED).select_related("user")
        for record in synced.iterator(chunk_size=500):
            if fingerprint(customer_payload(record.user)) != record.sent_fingerprint:
                ids.add(record.user_id)
    return sorted(ids)


def reconcile_customers(due_only=False):
    counts = Counter()
    for user_id in customers_to_sync(due_only=due_only):
        counts[sync.sync_customer(user_id).value] += 1
    return counts


def products_to_sync(due_only=False):
    """Page ids whose Dodo product is missing, failed, pending, out of date or wrongly archived.

    Deleted pages whose product is not yet archived are included through their record.
    """
    from catalogue.models import ProductPage

    unsynced = DodoProduct.objects.due() if due_only else DodoProduct.objects.needing_sync()
    keys = set(unsynced.values_list("page_key", flat=True))
    # Deleted pages whose product is still buyable on Dodo.
    keys |= set(
        DodoProduct.objects.filter(page__isnull=True, archived=False)
        .exclude(product_id=None)
        .values_list("page_key", flat=True)
    )
    if not due_only:
        keys |= set(ProductPage.objects.filter(dodo_product__isnull=True).values_list("pk", flat=True))
        pages = ProductPage.objects.filter(dodo_product__sync_status=SyncStatus.SYNCED).select_related("dodo_product")
        for page in pages.iterator(chunk_size=500):
            if sync.product_needs_sync(page, page.dodo_product):
                keys.add(page.pk)
        # Rejected products whose values changed since: worth sending again.
        rejected = ProductPage.objects.filter(dodo_product__sync_status=SyncStatus.REJECTED).select_related(
            "dodo_product"
        )
        for page in rejected.iterator(chunk_size=500):
            if fingerprint(product_payload(page)) != page.dodo_product.rejected_fingerprint:
                keys.add(page.pk)
    return sorted(keys)


def reconcile_products(due_only=False):
    counts = Counter()
    for page_key in products_to_sync(due_only=due_only):
        counts[sync.sync_product(page_key).value] += 1
    return counts


def discounts_to_sync(due_only=False):
    """Code ids whose Dodo discount is missing, failed, pending, out of date or should be
    gone (a deleted code whose discount is still on Dodo included)."""
    from catalogue.models import DiscountCode

    unsynced = DodoDiscount.objects.due() if due_only else DodoDiscount.objects.needing_sync()
    keys = set(unsynced.values_list("code_key", flat=True))
    keys |= set(
        DodoDiscount.objects.filter(code__isnull=True).exclude(discount_id=None).values_list("code_key", flat=True)
    )
    if not due_only:
        keys |= set(DiscountCode.objects.filter(dodo_discount__isnull=True).values_list("pk", flat=True))
        # Synced (or rejected) codes whose values, or whose products on Dodo, changed since.
        codes = DiscountCode.objects.filter(
            dodo_discount__sync_status__in=[SyncStatus.SYNCED, SyncStatus.REJECTED]
        ).select_related("dodo_discount")
        for discount in codes.prefetch_related("products").iterator(chunk_size=500):
            record = discount.dodo_discount
            if record.sync_status == SyncStatus.REJECTED:
                payload = sync.discount_payload(discount, record)
                if payload is not None and fingerprint(payload) != record.rejected_fingerprint:
                    keys.add(discount.pk)
            elif sync.discount_needs_sync(discount, record):
                keys.add(discount.pk)
    return sorted(keys)


def reconcile_discounts(due_only=False):
    counts = Counter()
    for code_key in discounts_to_sync(due_only=due_only):
        counts[sync.sync_discount(code_key).value] += 1
    return counts


def archive_orphan_products():
    """Archive live Dodo products made for one of our pages that are not its product.

    A create whose answer was lost, retried before the first create landed, leaves two
    Dodo products for one page. Only products naming a page we hold a record for (by
    ``metadata.page_id``) are touched, so products made by hand, or by another
    deployment sharing the Dodo account, are left alone.
    """
    client = get_client()
    records = {record.page_key: record for record in DodoProduct.objects.exclude(product_id=None)}
    counts = Counter()
    for item in list(client.iter_products(archived=False)):
        metadata = item.get("metadata") or {}
        page_id = str(metadata.get("page_id") or "")
        if metadata.get("source") != sync.METADATA_SOURCE or not page_id.isdigit():
            continue
        record = records.get(int(page_id))
        if record is None or record.product_id == item["product_id"]:
            continue
        sync.archive_orphan(client, item["product_id"], record)
        counts["archived"] += 1
    return counts


def reconcile_all(due_only=False):
    """Reconcile every kind of object; answers ``{kind: Counter(outcome -> count)}``."""
    results = {
        "customers": reconcile_customers(due_only=due_only),
        "products": reconcile_products(due_only=due_only),
        # After products: a code is restricted to its products' Dodo ids.
        "discounts": reconcile_discounts(due_only=due_only),
    }
    if not due_only:
        results["orphan products"] = archive_orphan_products()
        results["payments"] = reconcile_payments()
    return results


# INBOUND: payments, refunds and disputes our webhooks missed

# Payments still processing at the last run settle later: read this far back again.
RESCAN = timedelta(days=3)
# The first run reads back this far (Dodo's refund window).
FIRST_LOOKBACK = timedelta(days=30)
TERMINAL_PAYMENT_STATUSES = ("succeeded", "failed", "cancelled")


def _payment_needs_applying(item):
    """Whether a listed payment says something our orders do not reflect yet."""
    status = item.get("status")
    if status not in TERMINAL_PAYMENT_STATUSES:
        return False
    order = Order.objects.filter(dodo_payment_id=item["payment_id"]).first()
    if order is not None:
        # Flagged ones are the editors' to decide; failures never undo a payment.
        return status == "succeeded" and order.status == OrderStatus.PENDING and not order.needs_review
    return not WebhookEvent.objects.filter(payment_id=item["payment_id"], status=WebhookEventStatus.UNMATCHED).exists()


def _dispute_needs_applying(item):
    status = item.get("dispute_status")
    if not status:
        return False
    return not Dispute.objects.filter(order__dodo_payment_id=item["payment_id"], status=status).exists()


def apply_found(event_type, data, key):
    """Run one object reconciliation found through the webhook pipeline, once per ``key``.

    Answers the event's status. A failed earlier attempt is processed again.
    """
    payload = {
        "business_id": data.get("business_id", ""),
        "type": event_type,
        "timestamp": timezone.now().isoformat(),
        "data": data,
    }
    delivery = webhooks.Delivery(
        webhook_id=f"reconcile:{key}"[:128], event_type=event_type, payload=payload, headers={}
    )
    event, created = webhooks.store(delivery, json.dumps(payload), source="reconciliation")
    if not created and event.status in SETTLED_EVENT_STATUSES:
        return event.status
    return webhooks.process(event, claimed=created)


def reconcile_payments():
    """Apply the payments, disputes and refunds Dodo has that our webhooks missed.

    Reads Dodo's lists since the checkpoint (less ``RESCAN``), fetches each payment that
    says more than our orders do, applies it, then moves the checkpoint to the time the
    run started. Answers a Counter of outcomes.
    """
    checkpoint, _ = ReconcileCheckpoint.objects.get_or_create(environment=current_environment())
    started = timezone.now()
    since = (checkpoint.checked_until or started - FIRST_LOOKBACK) - RESCAN
    client = get_client()
    counts = Counter()
    for item in list(client.iter_payments(created_at_gte=since)):
        payment = None
        if _payment_needs_applying(item):
            payment = client.get_payment(item["payment_id"])
            status = str(payment.get("status"))
            key = "payment:{}:{}".format(item["payment_id"], status)
            counts["payment " + apply_found("payment." + status, payment, key)] += 1
        if _dispute_needs_applying(item):
            payment = payment or client.get_payment(item["payment_id"])
            for dispute in payment.get("disputes") or []:
                status = str(dispute.get("dispute_status") or "")
                event_type = "dispute." + status.removeprefix("dispute_")
                key = f"dispute:{dispute.get('dispute_id')}:{status}"
                counts["dispute " + apply_found(event_type, dispute, key)] += 1
    for item in list(client.iter_refunds(created_at_gte=since)):
        if item.get("status") != "succeeded" or OrderRefund.objects.filter(refund_id=item["refund_id"]).exists():
            continue
        key = "refund:{}".format(item["refund_id"])
        counts["refund " + apply_found("refund.succeeded", item, key)] += 1
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) or "nothing missed"
    ReconcileCheckpoint.objects.filter(pk=checkpoint.pk).update(
        checked_until=started, last_run_at=timezone.now(), last_result=summary
    )
    logger.info("Dodo reconciliation since %s: %s", since.isoformat(), summary)
    return counts
