"""The customer's purchases: library, orders, downloads, and the checkout return page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalogue.models import Download, OrderStatus
from tests.dodo.purchase import sellable_product
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(client, customer):
    client.force_login(customer)
    return customer


def _download(client, order):
    return client.get(reverse("portal:download", args=(order.pk,)))


def test_library_lists_only_the_buyers_paid_products(client, buyer, site_tree):
    mine = OrderFactory(customer=buyer, product=ProductPageFactory(title="Mine, paid"))
    OrderFactory(customer=buyer, product=ProductPageFactory(title="Mine, refunded"), status=OrderStatus.REFUNDED)
    OrderFactory(customer=buyer, product=ProductPageFactory(title="Mine, pending"), status=OrderStatus.PENDING)
    OrderFactory(product=ProductPageFactory(title="Someone else's"))
    html = client.get(reverse("portal:products")).content.decode()
    assert "Mine, paid" in html and reverse("portal:download", args=(mine.pk,)) in html
    for absent in ("Mine, refunded", "Mine, pending", "Someone else"):
        assert absent not in html


def test_orders_page_shows_every_order_of_the_buyer_with_its_status(client, buyer, site_tree):
    OrderFactory(customer=buyer, product=ProductPageFactory(title="Paid one"), amount=Decimal("9.99"))
    OrderFactory(customer=buyer, product=ProductPageFactory(title="Failed one"), status=OrderStatus.FAILED)
    OrderFactory(product=ProductPageFactory(title="Not mine"))
    html = client.get(reverse("portal:orders")).content.decode()
    assert "Paid one" in html and "$9.99" in html and "Paid" in html
    assert "Failed one" in html and "Payment failed" in html
    assert "Not mine" not in html


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first view renders any new thumbnails
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return len(context.captured_queries)


@pytest.mark.parametrize("url_name", ["portal:products", "portal:orders"])
def test_purchase_pages_query_count_does_not_grow_with_purchases(client, buyer, site_tree, url_name):
    url = reverse(url_name)
    OrderFactory.create_batch(3, customer=buyer, product__with_cover=True)
    few = _count_queries(client, url)
    OrderFactory.create_batch(15, customer=buyer, product__with_cover=True)
    assert _count_queries(client, url) == few <= 8


def test_download_is_an_attachment_with_a_safe_name_and_is_logged(client, buyer, site_tree):
    product = ProductPageFactory()
    product.file_name = 'My "guide"\r\n.pdf'
    product.save()
    order = OrderFactory(customer=buyer, product=product)
    response = _download(client, order)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    [logged] = Download.objects.filter(order=order)
    assert logged.ip_address == "127.0.0.1"


def test_another_customers_download_is_404_and_anonymous_goes_to_login(client, buyer, site_tree):
    other = OrderFactory(customer=CustomerFactory())
    assert _download(client, other).status_code == 404
    client.logout()
    response = _download(client, other)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.FAILED, OrderStatus.CANCELLED])
def test_only_paid_orders_download(client, buyer, site_tree, status):
    assert _download(client, OrderFactory(customer=buyer, status=status)).status_code == 404
    # A refunded or charged-back order answers 410 with a page saying why
    # (tests/accounts/test_receipts.py).


def test_download_limit_is_enforced(client, buyer, site_tree, settings):
    settings.DOWNLOAD_LIMIT_PER_ORDER = 2
    order = OrderFactory(customer=buyer)
    assert _download(client, order).status_code == 200
    assert _download(client, order).status_code == 200
    response = _download(client, order)
    assert response.status_code == 403
    assert b"used every download" in response.content
    order.refresh_from_db()
    assert order.download_count == 2


def test_downloads_can_be_handed_to_the_web_server(client, buyer, site_tree, settings):
    settings.DOWNLOADS_X_ACCEL_PREFIX = "/protected/"
    order = OrderFactory(customer=buyer)
    response = _download(client, order)
    assert response["X-Accel-Redirect"] == "/protected/" + order.product.file.name
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == b""


# THE RETURN PAGE


def _return(client, order_id):
    return client.get(reverse("dodo:checkout_return"), {"order": order_id})


def test_return_page_never_shows_another_customers_order(client, buyer, site_tree):
    other = OrderFactory(customer=CustomerFactory())
    assert _return(client, other.pk).status_code == 404
    assert _return(client, "1 OR 1=1").status_code == 404


def test_return_page_says_processing_until_paid_then_offers_the_download(
    client, site_tree, django_capture_on_commit_callbacks, dodo_settings, dodo_emulator
):
    def commit(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    customer = commit(CustomerFactory)
    product = sellable_product(commit)
    client.force_login(customer)
    client.post(reverse("dodo:checkout", args=(product.pk,)))
    order = customer.orders.get()

    # Dodo sends people back with its own query parameters; they are not trusted.
    response = client.get(reverse("dodo:checkout_return"), {"order": order.pk, "status": "succeeded"})
    assert b"Payment processing" in response.content
    assert b'http-equiv="refresh"' in response.content
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING

    # Paid on Dodo, but the webhook has not arrived: the page asks Dodo itself.
    dodo_emulator.pay(order.dodo_checkout_session_id)
    response = commit(lambda: _return(client, order.pk))
    assert b"Thank you, it&#x27;s yours" in response.content or b"Thank you, it's yours" in response.content
    assert reverse("portal:download", args=(order.pk,)).encode() in response.content
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_return_page_after_a_declined_payment(client, buyer, site_tree):
    order = OrderFactory(customer=buyer, status=OrderStatus.FAILED)
    response = _return(client, order.pk)
    assert b"Payment not completed" in response.content and b"nothing was charged" in response.content
