"""The periodic work the workers enqueue (``TASK_SCHEDULE``), pruning, and request ids."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from catalogue.models import ScheduledTask, TaskEffect, TaskRequestId
from catalogue.tasks import prune_task_results
from catalogue.worker import schedule
from site_config.logging import bound_request_id, current_request_id
from tests.polling import race

DB_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
PRUNE = "catalogue.tasks.prune_task_results"
SCHEDULE = {"prune": {"task": PRUNE, "every": 3600}}


@pytest.fixture(autouse=True)
def _database_queue(settings):
    settings.TASKS = DB_TASKS
    settings.TASK_SCHEDULE = SCHEDULE


def enqueued(path=PRUNE):
    return DBTaskResult.objects.filter(task_path=path).count()


@pytest.mark.django_db
def test_a_due_entry_is_enqueued_once_then_again_after_its_interval():
    now = timezone.now()
    assert schedule.enqueue_due(now) == ["prune"]
    assert schedule.enqueue_due(now) == []  # a second worker, same moment
    assert schedule.enqueue_due(now + timedelta(minutes=59)) == []
    assert enqueued() == 1
    row = ScheduledTask.objects.get(name="prune")
    assert row.next_run_at == now + timedelta(hours=1)
    assert row.last_task_result_id == str(DBTaskResult.objects.get().pk)
    assert schedule.enqueue_due(now + timedelta(hours=1)) == ["prune"]
    assert enqueued() == 2


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_enqueue_each_run_once(monkeypatch):
    # Both have read the due row before either claims it.
    both_read = threading.Barrier(2, timeout=30)
    load = schedule._load

    def after_both_read(*args):
        both_read.wait()
        return load(*args)

    monkeypatch.setattr(schedule, "_load", after_both_read)
    ScheduledTask.objects.create(name="prune", next_run_at=timezone.now() - timedelta(seconds=1))
    outcomes = race(schedule.enqueue_due)
    assert sorted(outcomes) == [[], ["prune"]]
    assert enqueued() == 1


@pytest.mark.django_db
def test_an_entry_whose_task_cannot_be_imported_is_logged_and_stays_due(settings, caplog):
    settings.TASK_SCHEDULE = {"missing": {"task": "catalogue.tasks.no_such_task", "every": 60}, **SCHEDULE}
    assert schedule.enqueue_due() == ["prune"]
    assert "Schedule missing: task catalogue.tasks.no_such_task cannot be imported" in caplog.text
    assert ScheduledTask.objects.get(name="missing").last_enqueued_at is None


def test_the_project_schedule_names_tasks_that_exist():
    from django.utils.module_loading import import_string
    from django_tasks.base import Task

    from site_config.settings import base

    assert set(base.TASK_SCHEDULE) == {"prune-task-results", "dodo-reconcile", "orphan-files", "product-analytics"}
    for entry in base.TASK_SCHEDULE.values():
        assert isinstance(import_string(entry["task"]), Task)
        assert entry["every"] >= 60


@pytest.mark.django_db
def test_prune_deletes_old_finished_results_only(settings):
    settings.TASK_RESULT_RETENTION_DAYS = 14
    old = timezone.now() - timedelta(days=15)
    rows = {
        name: prune_task_results.enqueue().id for name in ("old ok", "old failed", "new ok", "old ready", "old running")
    }
    DBTaskResult.objects.filter(pk=rows["old ok"]).update(status=TaskResultStatus.SUCCESSFUL, finished_at=old)
    DBTaskResult.objects.filter(pk=rows["old failed"]).update(status=TaskResultStatus.FAILED, finished_at=old)
    DBTaskResult.objects.filter(pk=rows["new ok"]).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now()
    )
    DBTaskResult.objects.filter(pk=rows["old running"]).update(status=TaskResultStatus.RUNNING, started_at=old)
    DBTaskResult.objects.filter(pk=rows["old ready"]).update(enqueued_at=old)
    for name in ("old ok", "old ready"):
        TaskRequestId.objects.create(task_result_id=rows[name], request_id=f"req-{name}")
        TaskEffect.objects.create(task_result_id=rows[name], name="email sent")
    TaskRequestId.objects.update(created_at=old)
    TaskEffect.objects.update(done_at=old)

    # Run as the worker would (the function behind the task).
    counts = prune_task_results.call()

    assert counts == {"task_results": 2, "request_ids": 1, "effects": 1}
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {
        DBTaskResult._meta.pk.to_python(rows[name]) for name in ("new ok", "old ready", "old running")
    }
    assert list(TaskRequestId.objects.values_list("request_id", flat=True)) == ["req-old ready"]


@pytest.mark.django_db
def test_the_enqueuing_requests_id_is_bound_while_the_worker_runs_the_task():
    from django_tasks.signals import task_started

    from catalogue.worker.runner import RecoveringWorker

    with bound_request_id("req-42"):
        from_request = prune_task_results.enqueue()
    from_elsewhere = prune_task_results.enqueue()
    assert TaskRequestId.objects.get(task_result_id=from_request.id).request_id == "req-42"
    assert not TaskRequestId.objects.filter(task_result_id=from_elsewhere.id).exists()

    seen = {}

    def remember(sender, task_result, **kwargs):
        seen[task_result.id] = current_request_id()

    worker = RecoveringWorker(queue_names=["*"], interval=0, batch=True, backend_name="db", startup_delay=False,
                              max_tasks=None, worker_id="w", excluded_queue_names=[])  # fmt: skip
    task_started.connect(remember)
    try:
        for row in DBTaskResult.objects.all():
            row.claim("w")
            worker.run_task(row)
    finally:
        task_started.disconnect(remember)
    assert seen == {from_request.id: "req-42", from_elsewhere.id: None}
    assert current_request_id() is None
