"""Rows the task worker keeps beside django-tasks-db's task results."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A running worker, refreshed every few seconds; removed when it exits cleanly.

    A row whose ``last_seen`` is older than ``TASK_WORKER_HEARTBEAT_TIMEOUT`` belongs to a
    worker that died: the tasks it was running are re-queued (``catalogue.worker.recovery``).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, help_text=_("The machine the worker runs on."))
    pid = models.PositiveIntegerField(help_text=_("The worker's process id on that host."))
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("task worker heartbeat")
        verbose_name_plural = _("task worker heartbeats")

    def __str__(self):
        return f"{self.worker_id} ({self.host}:{self.pid})"


class ScheduledTask(models.Model):
    """When an entry of ``settings.TASK_SCHEDULE`` is next due.

    Workers claim a due entry by moving ``next_run_at`` forward with a conditional UPDATE;
    the one whose UPDATE matched enqueues the run, so each run is enqueued once.
    """

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled task")
        verbose_name_plural = _("scheduled tasks")

    def __str__(self):
        return f"{self.name}: next at {self.next_run_at:%Y-%m-%d %H:%M:%S}"


class TaskRequestId(models.Model):
    """The id of the request that enqueued a task, bound while the worker runs it."""

    task_result_id = models.CharField(max_length=64, primary_key=True)
    request_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("task request id")
        verbose_name_plural = _("task request ids")

    def __str__(self):
        return f"{self.task_result_id}: {self.request_id}"


class TaskEffect(models.Model):
    """A side effect (an email sent) that a task result has completed.

    A task re-run after its worker died (same task result) finds the row and does not
    repeat the effect, e.g. does not send the same email twice.
    """

    task_result_id = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    done_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("task effect")
        verbose_name_plural = _("task effects")
        constraints = [models.UniqueConstraint(fields=["task_result_id", "name"], name="task_effect_once")]

    def __str__(self):
        return f"{self.task_result_id}: {self.name}"
