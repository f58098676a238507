"""Background tasks that talk to Dodo; they take primitive ids and call ``dodo.sync``
(or ``dodo.licenses``, whose late-key email is here too, beside the key it hands over).

Tasks run on the "db" task backend alias: immediately after the commit in development and
tests, from the database queue with ``manage.py run_worker`` in production. Where the
backend can defer (the database backend), a failed sync re-enqueues itself for its
backoff time and then raises ``DodoSyncFailed``, so the task result says FAILED;
everywhere, ``manage.py dodo_sync`` and the scheduled reconciliation retry what is
still failed.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import sync
from .exceptions import DodoError, DodoSyncFailed, DodoUnavailable
from .models import LEASE, DodoCustomer, DodoDiscount, DodoProduct

logger = logging.getLogger(__name__)


class _EnqueueAfterCommit:
    """An on-commit callback that enqueues one task; remembers whether it has run."""

    def __init__(self, task_obj, args):
        self.task_obj, self.args = task_obj, args
        self.key = (task_obj.module_path, args)
        self.done = False

    def __call__(self):
        self.done = True
        self.task_obj.enqueue(*self.args)


def enqueue_on_commit(task_obj, *args, using=None):
    """Enqueue ``task_obj(*args)`` once the current transaction commits (never if it rolls back).

    One save in Wagtail fires several signals (post_save, page_published, ...); the same
    task with the same arguments is queued once per transaction. The pending callbacks
    are read from the connection's own on-commit list, which Django trims on rollback,
    so a rolled-back transaction leaves nothing behind that would suppress a later enqueue.
    """
    callback = _EnqueueAfterCommit(task_obj, args)
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        for _, pending, _ in connection.run_on_commit:
            if isinstance(pending, _EnqueueAfterCommit) and pending.key == callback.key and not pending.done:
                return
    transaction.on_commit(callback, using=using)


def _schedule_retry(task_obj, run_after, *args):
    if not task_obj.get_backend().supports_defer:
        return  # no deferred tasks here: dodo_sync (make run loops it) retries instead
    task_obj.using(run_after=run_after).enqueue(*args)


def _after_sync(task_obj, outcome, record, about, key):
    """What every sync task does with its outcome: a failure is retried at the record's
    backoff time and raised (the task result says FAILED), a rejection raised, a record
    leased by another sync retried once the lease runs out. ``record`` reads the sync
    record (after the sync wrote its backoff and error)."""
    if outcome is sync.Outcome.FAILED:
        failed = record()
        _schedule_retry(task_obj, failed.next_attempt_at, key)
        raise DodoSyncFailed(about, outcome.value, failed.sync_error)
    if outcome is sync.Outcome.REJECTED:
        raise DodoSyncFailed(about, outcome.value, record().sync_error)
    if outcome is sync.Outcome.BUSY:
        _schedule_retry(task_obj, timezone.now() + LEASE + timedelta(seconds=5), key)
    return outcome.value


@task(backend="db")
def sync_customer(user_id):
    """Create or update the Dodo customer of a user."""
    outcome = sync.sync_customer(user_id)
    return _after_sync(
        sync_customer, outcome, partial(DodoCustomer.objects.get, user_id=user_id), f"User #{user_id}", user_id
    )


@task(backend="db")
def sync_product(page_key):
    """Create, update, archive or unarchive the Dodo product of a product page."""
    outcome = sync.sync_product(page_key)
    if outcome is sync.Outcome.SYNCED:
        # A product that just reached Dodo (or left it) changes the products of its
        # seller's codes there.
        for code_key in sync.discounts_affected_by_product(page_key):
            enqueue_on_commit(sync_discount, code_key)
    return _after_sync(
        sync_product,
        outcome,
        partial(DodoProduct.objects.get, page_key=page_key),
        f"Product page #{page_key}",
        page_key,
    )


@task(backend="db")
def sync_discount(code_key):
    """Create, update or delete the Dodo discount of a discount code."""
    outcome = sync.sync_discount(code_key)
    return _after_sync(
        sync_discount,
        outcome,
        partial(DodoDiscount.objects.get, code_key=code_key),
        f"Discount code #{code_key}",
        code_key,
    )


# LICENSE KEYS (dodo.licenses)

# Attempts at disabling a key before the task gives up; reconciliation then keeps trying.
LICENSE_DISABLE_MAX_ATTEMPTS = 8


@task(backend="db")
def disable_license_key(order_id, attempt=1):
    """Disable the license key of a fully refunded or charged-back order on Dodo.

    When Dodo cannot be reached, the task re-enqueues itself (where the backend can
    defer) after the sync backoff (30 s doubling to 1 h, or Dodo's ``Retry-After``) and
    raises, so its result says FAILED; the scheduled reconciliation disables whatever is
    still enabled after the last attempt.
    """
    from . import licenses
    from .models import retry_delay

    try:
        return licenses.disable_key(order_id)
    except DodoError as error:
        transient = isinstance(error, DodoUnavailable)
        logger.warning("Order #%s: license key not disabled (attempt %d): %s", order_id, attempt, error)
        if transient and attempt < LICENSE_DISABLE_MAX_ATTEMPTS and disable_license_key.get_backend().supports_defer:
            delay = max(retry_delay(attempt), error.retry_after or 0)
            disable_license_key.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                order_id, attempt=attempt + 1
            )
        raise


@task(backend="db", takes_context=True)
def send_license_key_email(context, order_id, attempt=1):
    """Email the buyer the license key that arrived after their receipt was sent."""
    from django.urls import reverse

    from catalogue.emails import send_email_from_task
    from catalogue.models import Order

    order = Order.objects.select_related("customer", "product").filter(pk=order_id).first()
    if order is None or order.customer is None or not order.license_key or order.license_key_disabled_at:
        return False
    site = settings.SITE_URL
    template_context = {
        "order": order,
        "user": order.customer,
        "library_url": f"{site}{reverse('portal:products')}",
    }
    return send_email_from_task(
        context,
        "catalogue/emails/license_key",
        template_context,
        [order.customer.email],
        about=f"Order #{order.pk}: license key",
    )


# RECONCILIATION: a periodic task enqueued by the task workers from settings.TASK_SCHEDULE
# ("dodo-reconcile", every DODO_RECONCILE_INTERVAL seconds; catalogue.worker.schedule).


@task(backend="db")
def reconcile_with_dodo():
    """Apply what Dodo has that our webhooks missed, and retry due syncs.

    The worker's schedule runs it every ``DODO_RECONCILE_INTERVAL`` seconds; a run that
    cannot reach Dodo raises (the task result is FAILED) and the next run tries again.
    """
    from . import reconcile

    try:
        from . import licenses

        results = {
            "payments": reconcile.reconcile_payments(),
            "syncs": reconcile.reconcile_all(due_only=True),
            # Keys of refunded or charged-back orders whose revocation never got through.
            "license_keys": licenses.disable_outstanding(),
        }
    except DodoError as error:
        logger.warning("Dodo reconciliation failed, the next scheduled run tries again: %s", error)
        raise
    return {kind: dict(counts) if hasattr(counts, "items") else counts for kind, counts in results.items()}
