"""Recovery of tasks whose worker died (``catalogue.worker.recovery``)."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from catalogue.models import WorkerHeartbeat
from catalogue.tasks import prune_task_results
from catalogue.worker import recovery
from tests.polling import race

DB_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}


@pytest.fixture(autouse=True)
def _database_queue(settings):
    settings.TASKS = DB_TASKS
    settings.TASK_WORKER_HEARTBEAT_TIMEOUT = 30
    settings.TASK_RUNNING_TIMEOUT = 300
    settings.TASK_MAX_CLAIMS = 3


def running_task(*worker_ids, started_ago):
    """A task claimed by ``worker_ids`` (the last one runs it), started ``started_ago``."""
    result = prune_task_results.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=list(worker_ids), started_at=timezone.now() - started_ago
    )
    return result.id


def heartbeat(worker_id, seen_ago):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="test", pid=1, started_at=now - timedelta(hours=1), last_seen=now - seen_ago
    )


def status(pk):
    return DBTaskResult.objects.get(pk=pk).status


@pytest.mark.django_db
def test_a_task_of_a_live_worker_is_left_alone_however_long_it_runs():
    heartbeat("alive", seen_ago=timedelta(seconds=1))
    pk = running_task("alive", started_ago=timedelta(hours=5))
    assert recovery.recover_dead_tasks() == {"requeued": [], "failed": []}
    assert status(pk) == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_task_of_a_dead_worker_is_requeued_once(caplog):
    heartbeat("dead", seen_ago=timedelta(minutes=2))
    pk = running_task("dead", started_ago=timedelta(minutes=3))
    assert recovery.recover_dead_tasks()["requeued"] == [str(pk)]
    assert recovery.recover_dead_tasks()["requeued"] == []
    row = DBTaskResult.objects.get(pk=pk)
    assert row.status == TaskResultStatus.READY and row.started_at is None
    assert DBTaskResult.objects.ready().filter(pk=pk).exists()  # a worker takes it again
    assert f"Task {pk} (catalogue.tasks.prune_task_results): re-queued, its worker dead died" in caplog.text


@pytest.mark.django_db
def test_a_dead_worker_just_after_its_claim_waits_for_the_grace():
    heartbeat("dead", seen_ago=timedelta(minutes=2))
    pk = running_task("dead", started_ago=timedelta(seconds=5))
    assert recovery.recover_dead_tasks()["requeued"] == []
    assert status(pk) == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_worker_that_never_beat_is_given_the_running_timeout():
    young = running_task("db-worker", started_ago=timedelta(minutes=1))
    old = running_task("db-worker", started_ago=timedelta(minutes=6))
    assert recovery.recover_dead_tasks()["requeued"] == [str(old)]
    assert status(young) == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_task_that_killed_its_worker_too_often_is_failed_not_looped():
    heartbeat("third", seen_ago=timedelta(minutes=2))
    pk = running_task("first", "second", "third", started_ago=timedelta(minutes=3))
    assert recovery.recover_dead_tasks() == {"requeued": [], "failed": [str(pk)]}
    row = DBTaskResult.objects.get(pk=pk)
    assert row.status == TaskResultStatus.FAILED and row.finished_at is not None
    assert row.exception_class_path == "catalogue.worker.recovery.WorkerDied"
    assert "was claimed 3 times and its worker died each time (last worker third)" in row.traceback
    assert row.task_result.errors[0].traceback == row.traceback  # what the admin and get_result show


@pytest.mark.django_db(transaction=True)
def test_two_recoveries_at_once_requeue_the_task_once(monkeypatch):
    heartbeat("dead", seen_ago=timedelta(minutes=2))
    pk = running_task("dead", started_ago=timedelta(minutes=3))
    # Both recoveries have read the RUNNING row before either writes: only the
    # conditional UPDATE keeps them from re-queueing it twice.
    both_read = threading.Barrier(2, timeout=30)
    decide = recovery._is_dead

    def after_both_read(*args):
        both_read.wait()
        return decide(*args)

    monkeypatch.setattr(recovery, "_is_dead", after_both_read)
    outcomes = race(recovery.recover_dead_tasks)
    assert len(outcomes) == 2
    assert sorted(len(outcome["requeued"]) for outcome in outcomes) == [0, 1]
    assert status(pk) == TaskResultStatus.READY


@pytest.mark.django_db
def test_heartbeats_of_long_dead_workers_are_pruned():
    heartbeat("recent", seen_ago=timedelta(minutes=1))
    heartbeat("ancient", seen_ago=timedelta(hours=1))
    assert recovery.prune_dead_heartbeats() == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]
