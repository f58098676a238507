"""Reconciliation: find everything Dodo does not yet match and sync it.

Used by ``manage.py dodo_sync`` and the editors' "retry" action. Each object is synced
by the same functions the tasks use, so a reconcile and a task can never disagree.
"""

import logging
from collections import Counter

from django.contrib.auth import get_user_model

from . import sync
from .fingerprints import customer_payload, fingerprint
from .models import DodoCustomer, SyncStatus

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


def reconcile_all(due_only=False):
    """Reconcile every kind of object; answers ``{kind: Counter(outcome -> count)}``."""
    return {"customers": reconcile_customers(due_only=due_only)}
