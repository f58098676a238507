"""Missed payments are recovered (issue 11, point 6).

A buyer charged while every webhook delivery failed used to stay "pending" for good.
Reconciliation reads Dodo's payments and refunds since a checkpoint and applies what the
webhooks missed, through the webhook pipeline, idempotently: on ``manage.py dodo_sync``
and as a recurring task of the worker.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Dispute, LedgerEntry, Order, OrderStatus
from dodo import reconcile
from dodo.models import ReconcileCheckpoint, WebhookEvent, WebhookEventStatus
from tests.dodo.purchase import sellable_product
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unheard(client, site_tree, commit, dodo_settings, dodo_emulator):
    """Pay on the emulator while no webhook reaches us; answers (order, payment)."""
    dodo_emulator.set_webhook_url("http://127.0.0.1:9/dodo/webhook/")  # nobody listens there
    customer = commit(lambda: CustomerFactory())
    product = sellable_product(commit, price=Decimal("10.00"))
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING  # reproduced: charged, no access
    return order, payment


def test_dodo_sync_applies_a_payment_whose_webhooks_all_failed(client, unheard, commit):
    order, payment = unheard
    mail.outbox.clear()
    commit(lambda: call_command("dodo_sync"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.dodo_payment_id == payment["payment_id"]
    assert order.paid_total == Decimal("10.00")
    assert len([m for m in mail.outbox if m.subject.startswith("Your receipt")]) == 1
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code == 200
    stored = WebhookEvent.objects.get(source="reconciliation", payment_id=payment["payment_id"])
    assert stored.status == WebhookEventStatus.PROCESSED

    # Again: nothing changes, nothing is sent twice.
    commit(lambda: call_command("dodo_sync"))
    assert len([m for m in mail.outbox if m.subject.startswith("Your receipt")]) == 1
    assert LedgerEntry.objects.filter(order=order).count() == 1


def test_a_missed_refund_and_dispute_are_applied(unheard, commit, dodo_emulator):
    order, payment = unheard
    reconcile.reconcile_payments()
    dodo_emulator.refund(payment["payment_id"], amount=250)
    dodo_emulator.open_dispute(payment["payment_id"])
    commit(reconcile.reconcile_payments)
    order.refresh_from_db()
    assert order.refunded_total == Decimal("2.50") and order.status == OrderStatus.PAID
    assert Dispute.objects.get(order=order).is_open
    assert order.needs_review


def test_a_payment_that_matches_no_order_is_recorded_as_unmatched(site_tree, dodo_settings, dodo_emulator, dodo_api):
    # Someone sold a product from Dodo's dashboard (a payment link): no order of ours.
    product = dodo_api(
        "POST",
        "/products",
        {"name": "Made by hand", "price": {"type": "one_time_price", "price": 500, "currency": "USD", "discount": 0,
         "purchasing_power_parity": False}, "tax_category": "digital_products"},
    )  # fmt: skip
    session = dodo_api("POST", "/checkouts", {"product_cart": [{"product_id": product["product_id"], "quantity": 1}]})
    payment = dodo_emulator.pay(session["session_id"])["payment"]
    counts = reconcile.reconcile_payments()
    assert counts["payment unmatched"] == 1
    assert WebhookEvent.objects.get(payment_id=payment["payment_id"]).status == WebhookEventStatus.UNMATCHED
    assert reconcile.reconcile_payments()["payment unmatched"] == 0


def test_the_checkpoint_moves_and_later_runs_read_from_it(unheard, dodo_emulator):
    reconcile.reconcile_payments()
    checkpoint = ReconcileCheckpoint.objects.get()
    assert checkpoint.checked_until is not None and "1 payment processed" in checkpoint.last_result
    before = len(dodo_emulator.requests())
    reconcile.reconcile_payments()
    listed = [r for r in dodo_emulator.requests()[before:] if r["path"] == "/payments"]
    assert listed and "created_at_gte=" in listed[0]["query"]


# Transactional: the worker closes its database connection between tasks, as it should.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_reconciliation_from_its_schedule_once_per_interval(
    settings, unheard, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from catalogue.models import ScheduledTask
    from site_config.settings import base

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }
    settings.TASK_SCHEDULE = {"dodo-reconcile": base.TASK_SCHEDULE["dodo-reconcile"]}
    order, _ = unheard
    worker = ("run_worker", "--batch", "--no-startup-delay", "--backend", "db")
    with django_capture_on_commit_callbacks(execute=True):
        call_command(*worker)  # enqueues the due run on start, then runs it
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    runs = DBTaskResult.objects.filter(task_path="dodo.tasks.reconcile_with_dodo")
    assert [run.status for run in runs] == ["SUCCESSFUL"]
    # The next run is due DODO_RECONCILE_INTERVAL later: more workers enqueue nothing now.
    entry = ScheduledTask.objects.get(name="dodo-reconcile")
    assert entry.next_run_at > timezone.now() + timedelta(seconds=settings.DODO_RECONCILE_INTERVAL - 60)
    call_command(*worker)
    call_command(*worker)
    assert runs.count() == 1


@pytest.mark.django_db
def test_a_reconciliation_that_cannot_reach_dodo_is_a_failed_task(settings):
    from django_tasks import TaskResultStatus

    from dodo.tasks import reconcile_with_dodo

    settings.DODO_PAYMENTS_BASE_URL = "http://127.0.0.1:9"  # nobody listens there
    result = reconcile_with_dodo.enqueue()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path.startswith("dodo.exceptions.Dodo")
