"""No event is lost (issue 11, point 5).

A delivery is acknowledged (2xx) only once its event is stored and settled; a copy that
arrives while another is being processed is not acknowledged; signed but malformed
events are kept with the reason and answered 400; another business's events are
refused; a payment no order matches is recorded for the editors and acknowledged; and
the webhook never calls Dodo.
"""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from catalogue.models import Order, OrderStatus
from dodo import webhook_handlers
from dodo.models import WebhookEvent, WebhookEventStatus
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, site_tree, commit, dodo_settings, dodo_emulator):
    """An order paid on the emulator whose success was delivered: (order, payment)."""
    customer = commit(lambda: CustomerFactory())
    product = sellable_product(commit, price=Decimal("10.00"))
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert commit(lambda: post_webhook(client, event("payment.succeeded", payment))).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order, payment


def test_a_copy_arriving_while_the_first_is_processed_is_not_acknowledged(client, paid, dodo_emulator, monkeypatch):
    """Reproduces the lost refund: the second copy was answered 2xx while the first was
    still running; the first then failed, Dodo believed it delivered, and the refunded
    buyer kept access."""
    order, payment = paid
    refund = dodo_emulator.refund(payment["payment_id"])
    body = event("refund.succeeded", refund)
    real = webhook_handlers.HANDLERS["refund.succeeded"]
    second_copy = {}

    def first_copy_fails(data):
        # Dodo's second copy arrives while this one is in flight...
        second_copy["status"] = post_webhook(client, body, msg_id="msg_refund").status_code
        # ...and then this one fails.
        raise RuntimeError("connection to the database lost")

    monkeypatch.setitem(webhook_handlers.HANDLERS, "refund.succeeded", first_copy_fails)
    assert post_webhook(client, body, msg_id="msg_refund").status_code == 500
    assert second_copy["status"] == 409  # not acknowledged: Dodo will deliver it again
    monkeypatch.setitem(webhook_handlers.HANDLERS, "refund.succeeded", real)

    # Dodo's next retry of the same message.
    assert post_webhook(client, body, msg_id="msg_refund").status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code != 200


@pytest.mark.parametrize(
    ("event_type", "data", "reason"),
    [
        ("payment.succeeded", "not an object", "`data` must be an object"),
        ("payment.succeeded", ["a", "list"], "`data` must be an object"),
        ("payment.succeeded", {"status": "succeeded", "total_amount": 1000, "currency": "USD"}, "`payment_id`"),
        ("payment.succeeded", {"payment_id": "", "status": "succeeded", "total_amount": 1000, "currency": "USD"}, "`payment_id`"),
        ("payment.succeeded", {"payment_id": "pay_1", "status": "succeeded", "total_amount": "1000", "currency": "USD"}, "`total_amount`"),
        ("payment.succeeded", {"payment_id": "pay_1", "total_amount": 1000, "currency": 840}, "`currency`"),
        ("refund.succeeded", {"payment_id": "pay_1", "status": "succeeded", "amount": 100}, "`refund_id`"),
        ("refund.succeeded", {"refund_id": "ref_1", "payment_id": "pay_1", "status": "succeeded", "amount": 1.5}, "`amount`"),
        ("dispute.opened", {"dispute_id": "dsp_1", "dispute_status": "dispute_opened", "amount": "100", "currency": "USD"}, "`payment_id`"),
        ("dispute.opened", {"dispute_id": "dsp_1", "payment_id": "pay_1", "dispute_status": "dispute_opened", "amount": 100, "currency": "USD"}, "`amount`"),
    ],
)  # fmt: skip
def test_signed_but_malformed_events_are_400_and_kept_with_the_reason(client, site_tree, dodo_settings, event_type, data, reason):
    response = post_webhook(client, event(event_type, data), msg_id="msg_bad")
    assert response.status_code == 400
    stored = WebhookEvent.objects.get(webhook_id="msg_bad")
    assert stored.status == WebhookEventStatus.REJECTED and reason in stored.error
    # Dodo delivering it again gets the same answer, and nothing is processed.
    assert post_webhook(client, event(event_type, data), msg_id="msg_bad").status_code == 400


def test_a_payment_without_an_id_never_marks_an_order_paid(client, site_tree, commit, dodo_settings, dodo_emulator):
    customer = commit(lambda: CustomerFactory())
    product = sellable_product(commit)
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    del payment["payment_id"]
    assert post_webhook(client, event("payment.succeeded", payment)).status_code == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.dodo_payment_id is None


def test_another_business_is_refused_when_our_business_id_is_set(client, paid, dodo_emulator, settings, caplog):
    order, payment = paid
    settings.DODO_BUSINESS_ID = "bus_OurMarketplace"
    refund = dodo_emulator.refund(payment["payment_id"])
    stranger = {**event("refund.succeeded", refund), "business_id": "bus_SomeoneElse"}
    assert post_webhook(client, stranger, msg_id="msg_stranger").status_code == 400
    assert "bus_SomeoneElse" in WebhookEvent.objects.get(webhook_id="msg_stranger").error
    assert "bus_SomeoneElse" in caplog.text
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    ours = {**event("refund.succeeded", refund), "business_id": "bus_OurMarketplace"}
    assert post_webhook(client, ours).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_the_webhook_never_calls_dodo(client, paid, dodo_emulator):
    """A refund whose payment we have not recorded used to make the webhook ask Dodo for
    the payment (and wait on it while Dodo hung). Now it fails fast, unacknowledged, and
    Dodo's retry (or reconciliation) applies it once the payment is known."""
    order, payment = paid
    customer = CustomerFactory()
    other = Order.objects.create(
        customer=customer, product=order.product, seller=order.seller, amount=order.amount, currency="USD"
    )
    refund = {**dodo_emulator.refund(payment["payment_id"]), "payment_id": "pay_NotRecordedAnywhere00"}
    dodo_emulator.hang(30, n=5)
    before = len(dodo_emulator.requests())
    response = post_webhook(client, event("refund.succeeded", refund))
    assert response.status_code == 500
    assert len(dodo_emulator.requests()) == before
    other.refresh_from_db()
    assert other.status == OrderStatus.PENDING


def test_failed_events_are_replayed_by_the_command(client, paid, dodo_emulator, monkeypatch):
    from django.core.management import call_command

    order, payment = paid
    refund = dodo_emulator.refund(payment["payment_id"])
    monkeypatch.setitem(webhook_handlers.HANDLERS, "refund.succeeded", lambda data: 1 / 0)
    assert post_webhook(client, event("refund.succeeded", refund), msg_id="msg_later").status_code == 500
    monkeypatch.undo()
    call_command("dodo_replay_webhooks")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert json.loads(WebhookEvent.objects.get(webhook_id="msg_later").body)["type"] == "refund.succeeded"
