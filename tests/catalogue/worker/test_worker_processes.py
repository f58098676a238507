"""``manage.py run_worker`` as real processes on the test's database, with a real SMTP
server on loopback: a worker killed mid-task loses nothing, a hung mail server stalls
nothing."""

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.tasks import send_password_reset_email
from catalogue.models import WorkerHeartbeat
from catalogue.tasks import prune_task_results
from tests.factories import UserFactory
from tests.polling import wait_for
from tests.smtp import SmtpServer

from .helpers import WorkerProcess

DB_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(worker_id, **env):
        started.append(WorkerProcess(worker_id, tmp_path, **env).start())
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def _row(pk):
    return DBTaskResult.objects.get(pk=pk)


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_was_killed_is_run_again_and_emails_once(settings, smtp, workers):
    settings.TASKS = DB_TASKS
    user = UserFactory(email="ada@example.com")
    smtp.start(hanging=True)
    result = send_password_reset_email.enqueue(user.pk)
    env = {"TEST_SMTP_PORT": smtp.port, "EMAIL_TIMEOUT": 300, "TASK_WORKER_HEARTBEAT_TIMEOUT": 2}

    first = workers("worker-killed", **env)
    # Stuck in the email send: the task is RUNNING and the mail server holds the connection.
    wait_for(lambda: smtp.hung_connections and _row(result.id).status == TaskResultStatus.RUNNING,
             "the first worker to hang in the email send", describe=first.log)  # fmt: skip
    first.kill()
    assert _row(result.id).status == TaskResultStatus.RUNNING  # what db_worker would leave for good

    smtp.answer()
    second = workers("worker-recovering", **env)
    wait_for(lambda: _row(result.id).status == TaskResultStatus.SUCCESSFUL,
             "the second worker to recover and run the task", describe=second.log)  # fmt: skip

    row = _row(result.id)
    assert row.worker_ids == ["worker-killed", "worker-recovering"]
    assert row.return_value is True
    assert len(smtp.messages) == 1
    assert smtp.messages[0][0] == ["ada@example.com"]
    assert "re-queued, its worker worker-killed died" in second.log()
    # SIGTERM: the worker exits cleanly and takes its heartbeat row with it.
    assert second.terminate() == 0
    assert not WorkerHeartbeat.objects.filter(worker_id="worker-recovering").exists()
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_a_hung_mail_server_fails_the_attempt_queues_a_retry_and_the_worker_goes_on(settings, smtp, workers):
    settings.TASKS = DB_TASKS
    user = UserFactory()
    smtp.start(hanging=True)
    email = send_password_reset_email.enqueue(user.pk)
    other = prune_task_results.enqueue()

    worker = workers("worker-patient", TEST_SMTP_PORT=smtp.port, EMAIL_TIMEOUT=1, TASK_WORKER_HEARTBEAT_TIMEOUT=30)
    wait_for(lambda: _row(other.id).status == TaskResultStatus.SUCCESSFUL,
             "the worker to run the next task after the email timed out", describe=worker.log)  # fmt: skip

    failed = _row(email.id)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == "catalogue.emails.EmailNotSent"
    retry = DBTaskResult.objects.get(task_path=failed.task_path, status=TaskResultStatus.READY)
    assert retry.args_kwargs == {"args": [user.pk], "kwargs": {"attempt": 2}}
    assert retry.run_after > failed.finished_at  # later, not lost and not spinning
    assert worker.process.poll() is None  # still running, taking tasks
    assert smtp.messages == []
    assert worker.terminate() == 0
