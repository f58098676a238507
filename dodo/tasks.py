"""Background tasks that talk to Dodo; they take primitive ids and call ``dodo.sync``.

Tasks run on the "db" task backend alias: immediately after the commit in development and
tests, from the database queue with ``manage.py db_worker --backend db`` in production.
Where the backend can defer (the database backend), a failed sync re-enqueues itself for
its backoff time; everywhere, ``manage.py dodo_sync`` retries what is still failed.
"""

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import sync
from .models import LEASE, DodoCustomer

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_obj, *args):
    """Enqueue ``task_obj(*args)`` once the current transaction commits (never if it rolls back)."""
    transaction.on_commit(partial(task_obj.enqueue, *args))


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
