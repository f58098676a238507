"""Put back to READY the tasks whose worker died while running them.

A task is RUNNING from the moment a worker claims it until the worker records its end.
A worker killed in between (SIGKILL, out of memory, lost host) leaves it RUNNING for
good: django-tasks-db never looks at it again. Here a RUNNING task is recovered when the
worker that claimed it last (the last of ``worker_ids``) is not alive, that is:

- it has a heartbeat row older than ``TASK_WORKER_HEARTBEAT_TIMEOUT`` and the task started
  more than that long ago (the worker died), or
- it has no fresh heartbeat and the task started more than ``TASK_RUNNING_TIMEOUT`` ago
  (a worker that never beat, such as a stock ``db_worker``, or one whose row is gone).

A task on a live worker is never touched, however long it runs: a task that hangs is
bounded by its own timeouts (``EMAIL_TIMEOUT``, Dodo's read timeout), not by recovery.

Each recovery is one UPDATE conditioned on the row still being RUNNING with the same
``started_at`` (which every claim changes), so two workers recovering at once re-queue
it once. A task already claimed ``TASK_MAX_CLAIMS`` times is failed instead, with a
traceback text that says why, so a task that kills its worker does not loop forever.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)


class WorkerDied(Exception):
    """Recorded (as the failed task's exception class) for a task that was claimed
    ``TASK_MAX_CLAIMS`` times and whose worker died each time."""


EXCEPTION_PATH = f"{WorkerDied.__module__}.{WorkerDied.__qualname__}"


def _is_dead(task, now, beats):
    """Whether ``task`` (RUNNING) belongs to a worker that is no longer alive."""
    heartbeat_timeout = timedelta(seconds=settings.TASK_WORKER_HEARTBEAT_TIMEOUT)
    claimed_by = task.worker_ids[-1] if task.worker_ids else None
    last_seen = beats.get(claimed_by)
    if last_seen is not None and last_seen >= now - heartbeat_timeout:
        return False  # a live worker: however long the task runs, it is still running it
    if task.started_at is None:
        return True
    if last_seen is not None:
        return task.started_at < now - heartbeat_timeout
    return task.started_at < now - timedelta(seconds=settings.TASK_RUNNING_TIMEOUT)


def recover_dead_tasks(now=None):
    """Re-queue (or fail) every RUNNING task of a dead worker; answer how many of each.

    Returns ``{"requeued": [ids], "failed": [ids]}`` with only the rows this call changed.
    """
    now = now or timezone.now()
    running = list(DBTaskResult.objects.running().only("id", "started_at", "worker_ids", "task_path"))
    done = {"requeued": [], "failed": []}
    if not running:
        return done
    claimers = {task.worker_ids[-1] for task in running if task.worker_ids}
    beats = dict(WorkerHeartbeat.objects.filter(worker_id__in=claimers).values_list("worker_id", "last_seen"))
    for task in running:
        if not _is_dead(task, now, beats):
            continue
        same_claim = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        claimed_by = task.worker_ids[-1] if task.worker_ids else "?"
        if len(task.worker_ids) >= settings.TASK_MAX_CLAIMS:
            message = (
                f"{EXCEPTION_PATH}: task {task.task_path} was claimed {len(task.worker_ids)} times "
                f"and its worker died each time (last worker {claimed_by}); it is not run again.\n"
            )
            if same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=EXCEPTION_PATH,
                traceback=message,
                return_value=None,
            ):
                logger.error(
                    "Task %s (%s): failed, its worker died %d times", task.pk, task.task_path, len(task.worker_ids)
                )
                done["failed"].append(str(task.pk))
        elif same_claim.update(status=TaskResultStatus.READY, started_at=None):
            logger.warning(
                "Task %s (%s): re-queued, its worker %s died while running it (claim %d of %d)",
                task.pk, task.task_path, claimed_by, len(task.worker_ids), settings.TASK_MAX_CLAIMS,
            )  # fmt: skip
            done["requeued"].append(str(task.pk))
    return done


def prune_dead_heartbeats(now=None):
    """Delete heartbeat rows of workers dead longer than ``TASK_RUNNING_TIMEOUT``: any task
    they still hold is recovered by that timeout without the row."""
    now = now or timezone.now()
    horizon = max(settings.TASK_RUNNING_TIMEOUT, settings.TASK_WORKER_HEARTBEAT_TIMEOUT)
    return WorkerHeartbeat.objects.filter(last_seen__lt=now - timedelta(seconds=horizon)).delete()[0]
