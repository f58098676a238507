"""Bringing Dodo in line with the marketplace: customers and products.

Receivers (``signal_handlers.py``) decide *that* a sync is due and enqueue a task after
the commit; the functions here do the work. Each one reads the current state from the
database (never the state at the time of the signal), talks to Dodo through
``dodo.client`` only, and records the outcome on the sync record. A Dodo failure is
logged and recorded, never raised: the record says failed, and a retry (the task
worker's backoff, or ``manage.py dodo_sync``) brings Dodo level later.
"""

import enum
import logging

from django.contrib.auth import get_user_model

from .client import get_client
from .exceptions import DodoError, DodoUnavailable
from .fingerprints import customer_payload, fingerprint, product_payload
from .models import DodoCustomer, DodoProduct, SyncStatus

logger = logging.getLogger(__name__)

# How many times one run re-sends when the object changed while we talked to Dodo.
MAX_ROUNDS = 3


class Outcome(enum.Enum):
    SYNCED = "synced"  # Dodo matches (possibly after calls)
    FAILED = "failed"  # a Dodo call failed; recorded for a retry
    BUSY = "busy"  # another worker holds the record right now
    GONE = "gone"  # the object no longer exists and nothing is left to do


# CUSTOMERS


def sync_customer(user_id):
    """Make sure the user has a Dodo customer with their current email and name."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return Outcome.GONE
    record, _ = DodoCustomer.objects.get_or_create(user=user)
    if not record.acquire_lease():
        return Outcome.BUSY
    try:
        client = get_client()
        for _ in range(MAX_ROUNDS):
            payload = customer_payload(user)
            wanted = fingerprint(payload)
            if record.customer_id and wanted == record.sent_fingerprint:
                break
            if not record.customer_id:
                _create_customer(client, record, user, payload)
            else:
                client.update_customer(record.customer_id, **payload)
                record.save_fields(sent_fingerprint=wanted)
            # The user may have changed while we talked to Dodo; go round once more if so.
            user.refresh_from_db(fields=["email", "first_name", "last_name"])
        record.record_success()
        logger.info("User #%s: Dodo customer %s in sync", user.pk, record.customer_id)
        return Outcome.SYNCED
    except DodoError as error:
        logger.warning("User #%s: Dodo customer sync failed (attempt %s): %s", user.pk, record.sync_attempts + 1, error)
        record.record_failure(error)
        return Outcome.FAILED
    finally:
        record.release_lease()


def _create_customer(client, record, user, payload):
    existing = None
    if record.create_attempted:
        # An earlier create may have reached Dodo although its answer was lost.
        existing = client.find_customer_by_email(payload["email"])
    if existing is None:
        record.save_fields(create_attempted=True)
        existing = client.create_customer(
            email=payload["email"], name=payload["name"], metadata={"user_id": str(user.pk)}
        )
    sent = {"email": existing.get("email"), "name": existing.get("name")}
    record.save_fields(customer_id=existing["customer_id"], sent_fingerprint=fingerprint(sent))


def ensure_customer_id(user):
    """The user's Dodo customer id, creating the customer now if the sign-up sync failed.

    Raises ``DodoError`` when Dodo cannot be reached (checkout explains that to the buyer).
    """
    record = DodoCustomer.objects.filter(user=user).first()
    if record is None or not record.customer_id:
        outcome = sync_customer(user.pk)
        record = DodoCustomer.objects.get(user=user)
        if not record.customer_id:
            raise _customer_unavailable(record, outcome)
    return record.customer_id


def _customer_unavailable(record, outcome):
    """The error checkout shows when the user's Dodo customer could not be made just now."""
    if outcome is Outcome.BUSY:
        return DodoUnavailable("Dodo customer is being created by another worker; try again shortly.")
    return DodoUnavailable(record.sync_error or "Dodo customer could not be created.")


def customer_needs_sync(user):
    """True when Dodo's copy of the user's customer is missing or out of date."""
    record = DodoCustomer.objects.filter(user=user).first()
    if record is None or not record.customer_id or record.sync_status != SyncStatus.SYNCED:
        return True
    return fingerprint(customer_payload(user)) != record.sent_fingerprint


# PRODUCTS


def product_record_for(page):
    """The sync record of a product page, created (pending) on first use."""
    record, _ = DodoProduct.objects.get_or_create(page_key=page.pk, defaults={"page": page, "title": page.title})
    return record


def product_needs_sync(page, record=None):
    """True when Dodo's copy of the page is missing, out of date, or in the wrong archive state."""
    record = record or DodoProduct.objects.filter(page_key=page.pk).first()
    if record is None or not record.product_id or record.sync_status != SyncStatus.SYNCED:
        return True
    if fingerprint(product_payload(page)) != record.sent_fingerprint:
        return True
    return record.archived == page.live


def sync_product(page_key):
    """Make Dodo's product match page ``page_key``: created, updated, archived as needed.

    A page that is live is buyable on Dodo; a draft, unpublished or deleted page is
    archived there. Works from the current database state, in rounds, so edits made
    while Dodo was unreachable or while this ran end with Dodo holding the latest values.
    """
    from catalogue.models import ProductPage

    record = DodoProduct.objects.filter(page_key=page_key).first()
    if record is None:
        page = ProductPage.objects.filter(pk=page_key).first()
        if page is None:
            return Outcome.GONE
        record = product_record_for(page)
    if not record.acquire_lease():
        return Outcome.BUSY
    try:
        client = get_client()
        for _ in range(MAX_ROUNDS * 2):
            page = ProductPage.objects.filter(pk=page_key).first()
            if not _product_step(client, record, page):
                break
        record.record_success(**({"title": page.title} if page is not None else {}))
        logger.info("Product page #%s: Dodo product %s in sync", page_key, record.product_id)
        return Outcome.SYNCED
    except DodoError as error:
        logger.warning(
            "Product page #%s: Dodo product sync failed (attempt %s): %s", page_key, record.sync_attempts + 1, error
        )
        record.record_failure(error)
        return Outcome.FAILED
    finally:
        record.release_lease()


def _product_step(client, record, page):
    """Make one call that brings Dodo closer to ``page``; False once nothing is left to do."""
    if page is None:
        # Deleted: archive what Dodo has, so it can no longer be bought.
        if record.product_id and not record.archived:
            client.archive_product(record.product_id)
            record.save_fields(archived=True)
            return True
        return False
    payload = product_payload(page)
    wanted = fingerprint(payload)
    if not record.product_id:
        _create_product(client, record, page, payload)
        return True
    if wanted != record.sent_fingerprint:
        client.update_product(
            record.product_id,
            name=payload["name"],
            description=payload["description"],
            price_cents=payload["price_cents"],
            currency=payload["currency"],
            tax_category=payload["tax_category"],
            metadata=_product_metadata(page),
        )
        record.save_fields(sent_fingerprint=wanted, title=page.title)
        return True
    if page.live and record.archived:
        client.unarchive_product(record.product_id)
        record.save_fields(archived=False)
        return True
    if not page.live and not record.archived:
        client.archive_product(record.product_id)
        record.save_fields(archived=True)
        return True
    return False


def _product_metadata(page):
    return {"page_id": str(page.pk), "seller_id": str(page.seller_id)}


def _create_product(client, record, page, payload):
    existing = None
    if record.create_attempted:
        # An earlier create may have reached Dodo although its answer was lost: adopt it
        # (the next round pushes the current values) instead of creating a duplicate.
        existing = client.find_product_by_metadata("page_id", str(page.pk))
    if existing is not None:
        # Its values and archive state are unknown: an empty fingerprint makes the next
        # round push the current values, and the opposite archive state makes it send an
        # explicit (idempotent) archive or unarchive.
        record.save_fields(product_id=existing["product_id"], sent_fingerprint="", archived=page.live)
        return
    record.save_fields(create_attempted=True)
    created = client.create_product(**payload, metadata=_product_metadata(page))
    record.save_fields(
        product_id=created["product_id"], sent_fingerprint=fingerprint(payload), archived=False, title=page.title
    )
