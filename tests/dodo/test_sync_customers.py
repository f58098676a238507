"""A new user gets a Dodo customer; failures are recorded and retried, never doubled.

Against the emulator over HTTP: the app reaches it exactly as it would reach Dodo.
"""

import pytest
from django.core.management import call_command
from django.db import transaction

from dodo.models import DodoCustomer, SyncStatus
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _customers(emulator):
    return list(emulator.state()["customers"])


def _api_calls(emulator, method=None, prefix="/customers"):
    return [r for r in emulator.requests() if r["path"].startswith(prefix) and (method is None or r["method"] == method)]


def test_new_user_gets_a_dodo_customer_after_commit(dodo_settings, dodo_emulator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = CustomerFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
        # Nothing reaches Dodo inside the transaction.
        assert _api_calls(dodo_emulator) == []
    record = DodoCustomer.objects.get(user=user)
    assert record.sync_status == SyncStatus.SYNCED
    [customer] = _customers(dodo_emulator)
    assert customer["customer_id"] == record.customer_id
    assert customer["email"] == "ada@example.com"
    assert customer["name"] == "Ada Lovelace"
    assert customer["metadata"] == {"user_id": str(user.pk)}


def test_rolled_back_sign_up_sends_nothing(dodo_settings, dodo_emulator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                UserFactory(email="gone@example.com")
                raise RuntimeError("the sign-up failed later")
        except RuntimeError:
            pass
    assert callbacks == []
    assert _api_calls(dodo_emulator) == []
    assert not DodoCustomer.objects.exists()


def test_sign_up_while_dodo_is_down_succeeds_and_dodo_sync_catches_up(
    dodo_settings, dodo_emulator, django_capture_on_commit_callbacks, capsys
):
    dodo_emulator.down()
    with django_capture_on_commit_callbacks(execute=True):
        user = CustomerFactory(email="offline@example.com")
    record = DodoCustomer.objects.get(user=user)
    assert record.sync_status == SyncStatus.FAILED
    assert record.sync_attempts == 1
    assert record.sync_error
    assert record.next_attempt_at is not None

    dodo_emulator.up()
    call_command("dodo_sync")
    record.refresh_from_db()
    assert record.sync_status == SyncStatus.SYNCED
    assert record.sync_attempts == 0
    assert [c["email"] for c in _customers(dodo_emulator)] == ["offline@example.com"]
    assert "customers: 1 synced, 0 failed" in capsys.readouterr().out


def test_timed_out_create_is_found_again_not_duplicated(dodo_settings, dodo_emulator, django_capture_on_commit_callbacks):
    # The emulator finishes the create after the client has given up (as Dodo would).
    dodo_emulator.hang(1.5, 1)
    with django_capture_on_commit_callbacks(execute=True):
        user = CustomerFactory(email="slow@example.com")
    record = DodoCustomer.objects.get(user=user)
    assert record.sync_status == SyncStatus.FAILED
    assert record.create_attempted

    dodo_emulator.wait_until(lambda state: len(state["customers"]) == 1)
    call_command("dodo_sync")
    record.refresh_from_db()
    [customer] = _customers(dodo_emulator)
    assert record.customer_id == customer["customer_id"]
    assert record.sync_status == SyncStatus.SYNCED
    assert len(_api_calls(dodo_emulator, "POST")) == 1


def test_name_change_is_sent_and_unrelated_saves_send_nothing(
    dodo_settings, dodo_emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = CustomerFactory(first_name="Sam", last_name="Old")
    calls_before = len(_api_calls(dodo_emulator))

    with django_capture_on_commit_callbacks(execute=True):
        user.save(update_fields=["last_login"])
        user.save()  # a full save with nothing Dodo holds changed
    assert len(_api_calls(dodo_emulator)) == calls_before

    with django_capture_on_commit_callbacks(execute=True):
        user.last_name = "New"
        user.save()
    [patch] = _api_calls(dodo_emulator, "PATCH")
    assert patch["json"]["name"] == "Sam New"
    assert _customers(dodo_emulator)[0]["name"] == "Sam New"
