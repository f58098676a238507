"""Concurrent webhook deliveries apply once (PostgreSQL: SQLite cannot lock rows).

A live server (one thread per request, each with its own database connection) receives
the deliveries from a pool of threads, as Dodo's retries and parallel sends would arrive.
"""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.core import mail
from django.db import connection
from django.urls import reverse

from catalogue.models import Order, OrderStatus
from dodo.models import WebhookEvent
from tests.dodo.purchase import event, sellable_product, signed_headers
from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"),
]


def _headers(django_headers):
    return {name[5:].replace("_", "-").lower(): value for name, value in django_headers.items()}


@pytest.fixture
def paid_payment(client, live_server, site_tree, dodo_settings, dodo_emulator, settings):
    """A pending order paid on the emulator; answers (order, payment)."""
    settings.SITE_URL = live_server.url
    customer = CustomerFactory()
    product = sellable_product(lambda fn: fn())
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    mail.outbox.clear()
    return order, payment


def _post_all(live_server, deliveries):
    def post(delivery):
        body, headers = delivery
        return requests.post(f"{live_server.url}/dodo/webhook/", data=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=len(deliveries)) as pool:
        return list(pool.map(post, deliveries))


def _receipts():
    return [message for message in mail.outbox if message.subject.startswith("Your receipt")]


def _until_acknowledged(live_server, deliveries, rounds=20):
    """Deliver concurrently, then deliver again whatever was not acknowledged (2xx), as
    Dodo's retries would; answers the statuses of every round."""
    history = []
    pending = list(deliveries)
    for _ in range(rounds):
        if not pending:
            return history
        statuses = _post_all(live_server, pending)
        history.append(statuses)
        pending = [delivery for delivery, status in zip(pending, statuses, strict=True) if not 200 <= status < 300]
    raise AssertionError(f"still not acknowledged after {rounds} rounds: {history}")


def test_twenty_concurrent_deliveries_of_one_event(live_server, paid_payment):
    order, payment = paid_payment
    body = json.dumps(event("payment.succeeded", payment)).encode()
    headers = {**_headers(signed_headers(body, msg_id="msg_concurrent")), "content-type": "application/json"}
    history = _until_acknowledged(live_server, [(body, headers)] * 20)
    # A copy that arrives while another is being processed is not acknowledged (409):
    # Dodo delivers it again, and by then the event is settled.
    assert set(history[0]) <= {200, 409} and 200 in history[0]
    assert WebhookEvent.objects.filter(webhook_id="msg_concurrent").count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert len(_receipts()) == 1


# Five as Dodo might send (retries re-signed as new messages); twenty to make a missing
# lock show up reliably (without the order lock, twenty fail about half the time).
@pytest.mark.parametrize("count", [5, 20])
def test_events_with_different_ids_for_one_payment_pay_once(live_server, paid_payment, count):
    order, payment = paid_payment
    body = json.dumps(event("payment.succeeded", payment)).encode()
    deliveries = []
    for _ in range(count):
        headers = {**_headers(signed_headers(body)), "content-type": "application/json"}
        deliveries.append((body, headers))
    assert _post_all(live_server, deliveries) == [200] * count
    assert WebhookEvent.objects.count() == count
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Order.objects.filter(status=OrderStatus.PAID).count() == 1
    assert len(_receipts()) == 1


def test_a_payment_and_a_refund_delivered_twice_each_with_the_first_processing_failing(
    live_server, paid_payment, dodo_emulator, monkeypatch
):
    """Issue 11, point 12: nothing is lost when the first processing of each event
    fails while its duplicate is arriving; the final state is the refunded order."""
    import threading

    from catalogue.models import LedgerEntry, OrderRefund
    from dodo import webhook_handlers

    order, payment = paid_payment
    refund = dodo_emulator.refund(payment["payment_id"])
    failed_once = set()
    lock = threading.Lock()

    def failing_first(real):
        def handler(data):
            key = real.__name__
            with lock:
                first = key not in failed_once
                failed_once.add(key)
            if first:
                raise RuntimeError(f"first processing of {key} fails")
            return real(data)

        return handler

    for event_type in ("payment.succeeded", "refund.succeeded"):
        monkeypatch.setitem(webhook_handlers.HANDLERS, event_type, failing_first(webhook_handlers.HANDLERS[event_type]))
    deliveries = []
    for event_type, data, msg_id in (
        ("payment.succeeded", payment, "msg_pay"),
        ("refund.succeeded", refund, "msg_refund"),
    ):
        body = json.dumps(event(event_type, data)).encode()
        headers = {**_headers(signed_headers(body, msg_id=msg_id)), "content-type": "application/json"}
        deliveries += [(body, headers), (body, headers)]
    history = _until_acknowledged(live_server, deliveries)
    assert any(status >= 400 for status in history[0])  # the failures were not acknowledged

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert OrderRefund.objects.filter(order=order).count() == 1
    kinds = sorted(LedgerEntry.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == ["refund", "sale"]
    assert LedgerEntry.objects.for_seller(order.seller).balance()["earned"] == 0
    assert set(WebhookEvent.objects.values_list("webhook_id", "status")) == {
        ("msg_pay", "processed"),
        ("msg_refund", "processed"),
    }


def test_ten_parallel_buy_clicks_make_one_order_and_one_checkout_session(site_tree, dodo_settings, dodo_emulator):
    from dodo.checkout import start_checkout

    customer = CustomerFactory()
    product = sellable_product(lambda fn: fn())

    def click(_):
        from django.db import connection as thread_connection

        try:
            return start_checkout(customer, product)
        finally:
            thread_connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        urls = list(pool.map(click, range(10)))
    assert len(set(urls)) == 1
    assert Order.objects.filter(customer=customer, product=product).count() == 1
    sessions = [r for r in dodo_emulator.requests() if r["method"] == "POST" and r["path"] == "/checkouts"]
    assert len(sessions) == 1
