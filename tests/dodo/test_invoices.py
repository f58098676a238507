"""The buyer's invoice (issue 16, point 7): Dodo's PDF, fetched through our view.

Only the buyer of an order that took a Dodo payment gets it: another customer's order,
a pending one and a free one are 404s; Dodo being down gives a page that says so.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalogue.models import Order, OrderStatus
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, site_tree, commit, dodo_settings, dodo_emulator):
    """An order paid on the emulator and recorded: answers (order, payment)."""
    customer = commit(lambda: CustomerFactory())
    product = sellable_product(commit, title="Field Recordings", price=Decimal("12.50"))
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id, country="GB")["payment"]
    assert commit(lambda: post_webhook(client, event("payment.succeeded", payment))).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order, payment


def _invoice_url(order):
    return reverse("dodo:order_invoice", args=(order.pk,))


def test_the_buyer_downloads_dodos_invoice_pdf(client, paid, dodo_emulator):
    order, payment = paid
    response = client.get(_invoice_url(order))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="invoice-order-{order.pk}.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF") and payment["payment_id"].encode() in pdf and b"Field Recordings" in pdf
    calls = [r for r in dodo_emulator.requests() if r["path"].startswith("/invoices/")]
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [
        ("GET", f"/invoices/payments/{payment['payment_id']}", 200)
    ]
    assert _invoice_url(order) in client.get(reverse("portal:orders")).content.decode()


def test_another_customer_gets_a_404_and_dodo_is_never_asked(client, paid, dodo_emulator):
    order, _payment = paid
    client.force_login(CustomerFactory())
    assert client.get(_invoice_url(order)).status_code == 404
    assert not [r for r in dodo_emulator.requests() if r["path"].startswith("/invoices/")]


def test_orders_without_a_dodo_payment_have_no_invoice(client, site_tree, dodo_settings):
    customer = CustomerFactory()
    pending = OrderFactory(customer=customer, status=OrderStatus.PENDING, paid_at=None, dodo_payment_id=None)
    free = OrderFactory(customer=customer, product=ProductPageFactory(price=Decimal("0")), dodo_payment_id=None)
    client.force_login(customer)
    for order in (pending, free):
        assert client.get(_invoice_url(order)).status_code == 404
    html = client.get(reverse("portal:orders")).content.decode()
    assert "Invoice (PDF)" not in html


def test_dodo_down_gives_a_friendly_page_not_a_500(client, paid, dodo_emulator):
    order, _payment = paid
    dodo_emulator.down()
    try:
        response = client.get(_invoice_url(order))
    finally:
        dodo_emulator.up()
    assert response.status_code == 503
    html = response.content.decode()
    assert "Invoice not available right now" in html and f"order #{order.pk}" in html
    assert reverse("portal:orders") in html
