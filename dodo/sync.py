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
from .exceptions import DodoAuthFailed, DodoError, DodoNotFound, DodoRejected, DodoUnavailable
from .fingerprints import customer_payload, fingerprint, product_payload
from .models import ApiHealth, DodoCustomer, DodoProduct, SyncStatus, current_environment

logger = logging.getLogger(__name__)

# How many times one run re-sends when the object changed while we talked to Dodo.
MAX_ROUNDS = 3


class Outcome(enum.Enum):
    SYNCED = "synced"  # Dodo matches (possibly after calls)
    FAILED = "failed"  # a Dodo call failed; recorded for a retry
    BUSY = "busy"  # another worker holds the record right now
    GONE = "gone"  # the object no longer exists and nothing is left to do
    REJECTED = "rejected"  # Dodo refused these values; nothing is sent until they change


def record_error(record, error, wanted, label):
    """Record a failed sync by the kind of error, so that each is retried as it deserves.

    - 400/422 (``DodoRejected``): the same request gets the same answer: kept with
      Dodo's message, not retried until the object changes.
    - 401/403 (``DodoAuthFailed``): our key; an error for the operator, an alert on the
      editors' Dodo sync report, and retries slowed to hourly until a call succeeds.
    - 429 (``DodoRateLimited``): the next attempt no earlier than Dodo's ``Retry-After``.
    - 5xx, timeouts, network errors: exponential backoff with jitter.
    """
    if isinstance(error, DodoAuthFailed):
        logger.error("%s: Dodo refused our API key (%s); retrying hourly until it works", label, error)
        ApiHealth.record_auth_failure(error)
        record.record_failure(error, not_before=ApiHealth.AUTH_RETRY_SECONDS)
        return Outcome.FAILED
    if isinstance(error, DodoRejected) and not isinstance(error, DodoNotFound):
        logger.warning("%s: Dodo rejected the values: %s", label, error)
        record.record_rejection(error, wanted)
        return Outcome.REJECTED
    logger.warning("%s: Dodo sync failed (attempt %s): %s", label, record.sync_attempts + 1, error)
    not_before = getattr(error, "retry_after", None)
    if ApiHealth.auth_failing():
        not_before = max(not_before or 0, ApiHealth.AUTH_RETRY_SECONDS)
    record.record_failure(error, not_before=not_before)
    return Outcome.FAILED


def _rejected_again(record, wanted):
    """True when these exact values were rejected before: sending them again is pointless."""
    return record.sync_status == SyncStatus.REJECTED and record.rejected_fingerprint == wanted


# CUSTOMERS


def sync_customer(user_id):
    """Make sure the user has a Dodo customer with their current email and name."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return Outcome.GONE
    record, _ = DodoCustomer.objects.get_or_create(user=user, defaults={"environment": current_environment()})
    if not record.acquire_lease():
        return Outcome.BUSY
    wanted = fingerprint(customer_payload(user))
    try:
        record.use_environment(current_environment())
        if _rejected_again(record, wanted):
            return Outcome.REJECTED
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
        record.record_success(rejected_fingerprint="")
        ApiHealth.record_success()
        logger.info("User #%s: Dodo customer %s in sync", user.pk, record.customer_id)
        return Outcome.SYNCED
    except DodoError as error:
        return record_error(record, error, wanted, f"User #{user.pk}")
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
    if record is None or not record.customer_id or record.environment != current_environment():
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
    if record.environment != current_environment():
        return True
    return fingerprint(customer_payload(user)) != record.sent_fingerprint


# PRODUCTS


def product_record_for(page):
    """The sync record of a product page, created (pending) on first use."""
    record, _ = DodoProduct.objects.get_or_create(
        page_key=page.pk, defaults={"page": page, "title": page.title, "environment": current_environment()}
    )
    return record


def product_needs_sync(page, record=None):
    """True when Dodo's copy of the page is missing, out of date, or in the wrong archive state."""
    record = record or DodoProduct.objects.filter(page_key=page.pk).first()
    if record is None or not record.product_id or record.sync_status != SyncStatus.SYNCED:
        return True
    if record.environment != current_environment():
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
    page = ProductPage.objects.filter(pk=page_key).first()
    wanted = fingerprint(product_payload(page)) if page is not None else ""
    try:
        record.use_environment(current_environment())
        if page is not None and _rejected_again(record, wanted):
            return Outcome.REJECTED
        client = get_client()
        for _ in range(MAX_ROUNDS * 2):
            page = ProductPage.objects.filter(pk=page_key).first()
            wanted = fingerprint(product_payload(page)) if page is not None else ""
            if not _product_step(client, record, page):
                break
        record.record_success(rejected_fingerprint="", **({"title": page.title} if page is not None else {}))
        ApiHealth.record_success()
        logger.info("Product page #%s: Dodo product %s in sync", page_key, record.product_id)
        return Outcome.SYNCED
    except DodoError as error:
        return record_error(record, error, wanted, f"Product page #{page_key}")
    finally:
        record.release_lease()


def _product_step(client, record, page):
    """Make one call that brings Dodo closer to ``page``; False once nothing is left to do."""
    if page is None:
        # Deleted: archive what Dodo has, so it can no longer be bought.
        if record.product_id and not record.archived:
            _archive(client, record)
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
            tax_inclusive=payload["tax_inclusive"],
            metadata=_product_metadata(page),
        )
        record.save_fields(sent_fingerprint=wanted, title=page.title)
        return True
    if page.live and record.archived:
        client.unarchive_product(record.product_id)
        record.save_fields(archived=False)
        return True
    if not page.live and not record.archived:
        _archive(client, record)
        return True
    return False


def archive_orphan(client, product_id, record):
    """Archive a second Dodo product made for ``record``'s page (a lost create's twin)."""
    try:
        client.archive_product(product_id)
    except DodoNotFound:
        pass
    logger.warning(
        "Product page #%s: archived orphan Dodo product %s (its product is %s)", record.page_key, product_id, record.product_id
    )


def _archive(client, record):
    """Archive on Dodo; a 404 or 410 means Dodo no longer sells it, which is the goal."""
    try:
        client.archive_product(record.product_id)
    except DodoNotFound as error:
        logger.info("Dodo product %s: already gone on archive (%s)", record.product_id, error.status_code)
    record.save_fields(archived=True)


# Marks the products this marketplace made on Dodo, so reconciliation can tell our
# orphans (created twice for one page) from products someone made by hand.
METADATA_SOURCE = "brightshelf"


def _product_metadata(page):
    return {"page_id": str(page.pk), "seller_id": str(page.seller_id), "source": METADATA_SOURCE}


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
