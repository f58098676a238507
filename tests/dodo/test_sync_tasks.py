"""A Dodo sync task that fails is a FAILED task result, after its retry is scheduled."""

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dodo.models import DodoCustomer
from dodo.tasks import sync_customer
from tests.factories import CustomerFactory


@pytest.mark.django_db
def test_a_failed_customer_sync_is_a_failed_task_and_saving_goes_on(settings):
    # Test settings point Dodo at a closed port: the call fails at once.
    user = CustomerFactory()
    result = sync_customer.enqueue(user.pk)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "dodo.exceptions.DodoSyncFailed"
    assert f"User #{user.pk}: Dodo sync failed" in result.errors[0].traceback
    assert DodoCustomer.objects.get(user=user).sync_attempts == 1  # recorded for the retry


@pytest.mark.django_db(transaction=True)
def test_the_worker_records_a_failed_sync_as_failed_and_queues_its_retry(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }
    settings.TASK_SCHEDULE = {}
    user = CustomerFactory()
    DBTaskResult.objects.all().delete()  # the sync the new user queued on commit
    result = sync_customer.enqueue(user.pk)
    call_command("run_worker", "--batch", "--no-startup-delay", "--max-tasks", "1")
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "dodo.exceptions.DodoSyncFailed"
    retry = DBTaskResult.objects.exclude(pk=result.id).get()
    assert retry.status == TaskResultStatus.READY and retry.args_kwargs["args"] == [user.pk]
    assert retry.run_after == DodoCustomer.objects.get(user=user).next_attempt_at
