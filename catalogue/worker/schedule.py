"""Periodic work enqueued by the workers themselves: ``settings.TASK_SCHEDULE``.

``TASK_SCHEDULE`` maps a name to ``{"task": "dotted.path.to.task", "every": seconds}``;
the task takes no arguments. Each name has a ``ScheduledTask`` row with ``next_run_at``.
Every worker calls :func:`enqueue_due` on start and every few heartbeats; a due entry is
claimed by a conditional UPDATE that moves ``next_run_at`` on, in the same transaction
as the enqueue, so with any number of workers each run is enqueued once, and a failed
enqueue leaves the entry due. Tasks are named by dotted path, so the domain schedules
work of apps it does not import (``dodo.tasks.reconcile_with_dodo``).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import ScheduledTask

logger = logging.getLogger(__name__)


def _load(name, entry):
    try:
        return import_string(entry["task"])
    except ImportError as error:
        logger.error("Schedule %s: task %s cannot be imported, not enqueued: %s", name, entry["task"], error)
        return None


def enqueue_due(now=None, schedule=None):
    """Enqueue every entry of the schedule that is due; answer the names enqueued here."""
    now = now or timezone.now()
    schedule = settings.TASK_SCHEDULE if schedule is None else schedule
    enqueued = []
    for name, entry in schedule.items():
        row, _ = ScheduledTask.objects.get_or_create(name=name, defaults={"next_run_at": now})
        if row.next_run_at > now:
            continue
        task_obj = _load(name, entry)
        if task_obj is None:
            continue
        with transaction.atomic():
            claimed = ScheduledTask.objects.filter(pk=row.pk, next_run_at=row.next_run_at).update(
                next_run_at=now + timedelta(seconds=entry["every"]), last_enqueued_at=now
            )
            if not claimed:
                continue  # another worker took this run
            result = task_obj.enqueue()
            ScheduledTask.objects.filter(pk=row.pk).update(last_task_result_id=str(result.id))
        logger.info("Schedule %s: enqueued %s as task %s", name, entry["task"], result.id)
        enqueued.append(name)
    return enqueued
