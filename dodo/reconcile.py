"""Reconciliation: find everything Dodo does not yet match and sync it.

Used by ``manage.py dodo_sync`` and the editors' "retry" action. Each object is synced
by the same functions the tasks use, so a reconcile and a task can never disagree.
"""

import logging
from collections import Counter

from django.contrib.auth import get_user_model

from . import sync
from .fingerprints import customer_payload, fingerprint
from .models import DodoCustomer, DodoProduct, SyncStatus

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
        DodoProduct.objects.filter(page__isnull=True, archived=False).exclude(product_id=None).values_list(
            "page_key", flat=True
        )
    )
    if not due_only:
        keys |= set(ProductPage.objects.filter(dodo_product__isnull=True).values_list("pk", flat=True))
        pages = ProductPage.objects.filter(dodo_product__sync_status=SyncStatus.SYNCED).select_related("dodo_product")
        for page in pages.iterator(chunk_size=500):
            if sync.product_needs_sync(page, page.dodo_product):
                keys.add(page.pk)
    return sorted(keys)


def reconcile_products(due_only=False):
    counts = Counter()
    for page_key in products_to_sync(due_only=due_only):
        counts[sync.sync_product(page_key).value] += 1
    return counts


def reconcile_all(due_only=False):
    """Reconcile every kind of object; answers ``{kind: Counter(outcome -> count)}``."""
    return {
        "customers": reconcile_customers(due_only=due_only),
        "products": reconcile_products(due_only=due_only),
    }
