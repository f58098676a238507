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


def test_twenty_concurrent_deliveries_of_one_event(live_server, paid_payment):
    order, payment = paid_payment
    body = json.dumps(event("payment.succeeded", payment)).encode()
    headers = {**_headers(signed_headers(body, msg_id="msg_concurrent")), "content-type": "application/json"}
    statuses = _post_all(live_server, [(body, headers)] * 20)
    assert statuses == [200] * 20
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
