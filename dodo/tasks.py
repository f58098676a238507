"""Background tasks that talk to Dodo; they take primitive ids and call ``dodo.sync``.

Tasks run on the "db" task backend alias: immediately after the commit in development and
tests, from the database queue with ``manage.py db_worker --backend db`` in production.
Where the backend can defer (the database backend), a failed sync re-enqueues itself for
its backoff time; everywhere, ``manage.py dodo_sync`` retries what is still failed.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import sync
from .models import LEASE, DodoCustomer, DodoProduct

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


@task(backend="db")
def sync_customer(user_id):
    """Create or update the Dodo customer of a user."""
    outcome = sync.sync_customer(user_id)
    if outcome is sync.Outcome.FAILED:
        record = DodoCustomer.objects.get(user_id=user_id)
        _schedule_retry(sync_customer, record.next_attempt_at, user_id)
    elif outcome is sync.Outcome.BUSY:
        _schedule_retry(sync_customer, timezone.now() + LEASE + timedelta(seconds=5), user_id)
    return outcome.value


@task(backend="db")
def sync_product(page_key):
    """Create, update, archive or unarchive the Dodo product of a product page."""
    outcome = sync.sync_product(page_key)
    if outcome is sync.Outcome.FAILED:
        record = DodoProduct.objects.get(page_key=page_key)
        _schedule_retry(sync_product, record.next_attempt_at, page_key)
    elif outcome is sync.Outcome.BUSY:
        _schedule_retry(sync_product, timezone.now() + LEASE + timedelta(seconds=5), page_key)
    return outcome.value
