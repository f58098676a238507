"""Bringing Dodo in line with the marketplace: customers, products and discount codes.

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
from django.db.models import Q

from .client import get_client
from .exceptions import DodoAuthFailed, DodoError, DodoNotFound, DodoRejected, DodoUnavailable
from .fingerprints import customer_payload, fingerprint, product_payload
from .models import ApiHealth, DodoCustomer, DodoDiscount, DodoProduct, SyncStatus, current_environment

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
    if page.is_free and (record is None or not record.product_id):
        return False  # a free product is never created on Dodo (no checkout ever needs it)
    if record is None or not record.product_id or record.sync_status != SyncStatus.SYNCED:
        return True
    if record.environment != current_environment():
        return True
    if page.is_free:
        # Given away without Dodo: nothing to send, only a paid past to archive.
        return not record.archived
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
    if page.is_free:
        # A free product is given away without Dodo: never created there, and one that
        # was sold before is archived, so its old price can no longer be paid.
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
            pay_what_you_want=payload.get("pay_what_you_want", False),
            suggested_price_cents=payload.get("suggested_price_cents"),
            # Always said, so turning license keys off reaches Dodo too.
            license_key_enabled=payload.get("license_key_enabled", False),
            license_key_activations_limit=payload.get("license_key_activations_limit"),
            license_key_duration_days=payload.get("license_key_duration_days"),
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
        "Product page #%s: archived orphan Dodo product %s (its product is %s)",
        record.page_key,
        product_id,
        record.product_id,
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


# DISCOUNTS

# Dodo's percentage ``amount`` is in basis points: 20 % is 2000.
BASIS_POINTS_PER_PERCENT = 100


def discount_record_for(discount):
    """The sync record of a discount code, created (pending) on first use."""
    record, _ = DodoDiscount.objects.get_or_create(
        code_key=discount.pk,
        defaults={"code": discount, "code_text": discount.code, "environment": current_environment()},
    )
    return record


def _dodo_product_ids(pages):
    """The current environment's Dodo ids of ``pages`` (a ``ProductPage`` queryset), sorted.

    Pay-what-you-want products are left out: a code never applies to a chosen price
    (``catalogue.discounts.check_code``), on our buy box or on Dodo's page.
    """
    return sorted(
        DodoProduct.objects.filter(page__in=pages.filter(pay_what_you_want=False), environment=current_environment())
        .exclude(product_id=None)
        .values_list("product_id", flat=True)
    )


def discount_payload(discount, record=None):
    """What Dodo should hold for ``discount``, or None when Dodo should hold nothing.

    Nothing for a deleted or deactivated code, and nothing for a code none of whose
    products are on Dodo yet: an empty ``restricted_to`` means *every* product to Dodo.
    A seller's code without chosen products is restricted to all of that seller's
    products on Dodo; the list grows as their new products reach Dodo (a product's sync
    queues the codes it changes). ``usage_limit`` is what is left of ours since the
    Dodo discount was created (see ``DodoDiscount.uses_at_create``).
    """
    from catalogue.models import ProductPage

    if discount is None or not discount.active:
        return None
    chosen = discount.products.all()
    if discount.seller_id is None and not chosen.exists():
        restricted_to = []
    else:
        pages = chosen if chosen.exists() else ProductPage.objects.filter(seller_id=discount.seller_id)
        restricted_to = _dodo_product_ids(pages)
        if not restricted_to:
            return None
    usage_limit = discount.usage_limit
    if usage_limit is not None:
        used_before = record.uses_at_create if record is not None and record.discount_id else discount.use_count()
        usage_limit -= used_before
        if usage_limit < 1:
            return None  # used up: nobody may redeem it on Dodo either
    return {
        "code": discount.code,
        "percent_basis_points": discount.percent * BASIS_POINTS_PER_PERCENT,
        "restricted_to": restricted_to,
        "usage_limit": usage_limit,
        "expires_at": discount.expires_at.isoformat() if discount.expires_at else None,
    }


def _discount_metadata(discount):
    return {"code_id": str(discount.pk), "seller_id": str(discount.seller_id or ""), "source": METADATA_SOURCE}


def discount_needs_sync(discount, record=None):
    """True when Dodo's copy of the code is missing, out of date, or should be gone."""
    record = record or DodoDiscount.objects.filter(code_key=discount.pk).first()
    if record is None or record.sync_status != SyncStatus.SYNCED or record.environment != current_environment():
        return True
    payload = discount_payload(discount, record)
    if payload is None:
        return bool(record.discount_id)
    return not record.discount_id or fingerprint(payload) != record.sent_fingerprint


def discount_ready(discount):
    """True when Dodo holds the code as it is now, so a checkout can carry it."""
    record = DodoDiscount.objects.filter(code_key=discount.pk).first()
    return record is not None and bool(record.discount_id) and not discount_needs_sync(discount, record)


def sync_discount(code_key):
    """Make Dodo's discount match code ``code_key``: created, updated or deleted as needed.

    Works from the current database state, in rounds (like :func:`sync_product`), so
    changes made while Dodo was unreachable or while this ran end on Dodo.
    """
    from catalogue.models import DiscountCode

    record = DodoDiscount.objects.filter(code_key=code_key).first()
    if record is None:
        discount = DiscountCode.objects.filter(pk=code_key).first()
        if discount is None:
            return Outcome.GONE
        record = discount_record_for(discount)
    if not record.acquire_lease():
        return Outcome.BUSY
    wanted = ""
    try:
        record.use_environment(current_environment())
        client = get_client()
        for _ in range(MAX_ROUNDS * 2):
            discount = DiscountCode.objects.filter(pk=code_key).first()
            payload = discount_payload(discount, record)
            wanted = fingerprint(payload) if payload is not None else ""
            if payload is not None and _rejected_again(record, wanted):
                return Outcome.REJECTED
            if not _discount_step(client, record, discount, payload):
                break
        record.record_success(rejected_fingerprint="")
        ApiHealth.record_success()
        logger.info("Discount code #%s: Dodo discount %s in sync", code_key, record.discount_id or "(none)")
        return Outcome.SYNCED
    except DodoError as error:
        return record_error(record, error, wanted, f"Discount code #{code_key}")
    finally:
        record.release_lease()


def _discount_step(client, record, discount, payload):
    """Make one call that brings Dodo closer to ``payload``; False once nothing is left."""
    if payload is None:
        if record.discount_id:
            try:
                client.delete_discount(record.discount_id)
            except DodoNotFound:
                logger.info("Dodo discount %s: already gone on delete", record.discount_id)
            record.save_fields(discount_id=None, sent_fingerprint="", create_attempted=False, uses_at_create=0)
            return True
        return False
    wanted = fingerprint(payload)
    if not record.discount_id:
        _create_discount(client, record, discount, payload)
        return True
    if wanted != record.sent_fingerprint:
        client.update_discount(record.discount_id, **payload, metadata=_discount_metadata(discount))
        record.save_fields(sent_fingerprint=wanted, code_text=discount.code)
        return True
    return False


def _adoptable(existing, discount):
    """Whether a Dodo discount with our code is ours to take over (a lost create's)."""
    metadata = (existing or {}).get("metadata") or {}
    return str(metadata.get("code_id") or "") == str(discount.pk) and metadata.get("source") == METADATA_SOURCE


def _create_discount(client, record, discount, payload):
    existing = client.get_discount_by_code(discount.code) if record.create_attempted else None
    if existing is None:
        record.save_fields(create_attempted=True, uses_at_create=discount.use_count())
        payload = discount_payload(discount, record)
        try:
            existing = client.create_discount(**payload, metadata=_discount_metadata(discount))
        except DodoRejected as error:
            # 409: Dodo has the code. Ours, from a create whose answer was lost (or from
            # before an environment switch back): adopt it. Anyone else's: rejected.
            if error.status_code != 409:
                raise
            existing = client.get_discount_by_code(discount.code)
            if existing is None or not _adoptable(existing, discount):
                raise
            record.save_fields(discount_id=existing["discount_id"], sent_fingerprint="", code_text=discount.code)
            return
        record.save_fields(
            discount_id=existing["discount_id"], sent_fingerprint=fingerprint(payload), code_text=discount.code
        )
        return
    if not _adoptable(existing, discount):
        raise DodoRejected(409, f"Dodo already has a discount {discount.code} that is not this code's")
    # Its values are unknown: an empty fingerprint makes the next round send ours.
    record.save_fields(discount_id=existing["discount_id"], sent_fingerprint="", code_text=discount.code)


def discounts_affected_by_product(page_key):
    """Ids of the codes whose Dodo copy a product's sync may have changed and that now
    differ from it: codes naming the product, and its seller's codes without products."""
    from catalogue.models import DiscountCode, ProductPage

    page = ProductPage.objects.filter(pk=page_key).only("pk", "seller_id").first()
    if page is None:
        return []
    codes = DiscountCode.objects.filter(
        Q(products=page) | Q(seller_id=page.seller_id, products__isnull=True)
    ).distinct()
    return [discount.pk for discount in codes.prefetch_related("products") if discount_needs_sync(discount)]
