"""Buy: POST /checkout/<id>/ creates (or reuses) a pending order and a Dodo checkout session.

Against the emulator over HTTP, as the app would reach Dodo.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalogue.models import Order, OrderStatus
from dodo.models import DodoCustomer, DodoProduct, SyncStatus
from tests.dodo.purchase import sellable_product
from tests.factories import CustomerFactory, OrderFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


@pytest.fixture
def buyer(client, commit, dodo_settings):
    customer = commit(lambda: CustomerFactory(email="buyer@example.com"))
    client.force_login(customer)
    return customer


def _buy(client, product):
    return client.post(reverse("dodo:checkout", args=(product.pk,)))


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_buy_creates_a_pending_order_and_redirects_to_dodo(client, buyer, site_tree, commit, dodo_emulator):
    product = sellable_product(commit, price=Decimal("30.00"), selling_price=Decimal("24.99"))
    response = _buy(client, product)
    order = Order.objects.get(customer=buyer, product=product)
    assert order.status == OrderStatus.PENDING
    assert order.amount == Decimal("24.99") and order.currency == "USD"
    [session] = dodo_emulator.state()["sessions"]
    assert response.status_code == 302
    assert response["Location"] == order.dodo_checkout_url
    assert response["Location"].startswith(dodo_emulator.base_url)
    assert order.dodo_checkout_session_id == session["session_id"]
    [create] = [r for r in dodo_emulator.requests() if r["path"] == "/checkouts"]
    body = create["json"]
    assert body["product_cart"] == [{"product_id": DodoProduct.objects.get(page=product).product_id, "quantity": 1}]
    assert body["customer"] == {"customer_id": DodoCustomer.objects.get(user=buyer).customer_id}
    assert body["metadata"]["order_id"] == str(order.pk)
    assert body["return_url"] == f"http://testserver/checkout/return/?order={order.pk}"


def test_pressing_buy_twice_reuses_the_order_and_the_session(client, buyer, site_tree, commit, dodo_emulator):
    product = sellable_product(commit)
    first = _buy(client, product)
    second = _buy(client, product)
    assert first["Location"] == second["Location"]
    assert Order.objects.filter(customer=buyer, product=product).count() == 1
    assert len(dodo_emulator.state()["sessions"]) == 1


def test_a_price_change_gives_the_open_order_the_new_price_and_a_new_session(
    client, buyer, site_tree, commit, dodo_emulator
):
    product = sellable_product(commit, price=Decimal("20.00"))
    _buy(client, product)

    def reprice():
        product.price = Decimal("15.00")
        product.save_revision().publish()

    commit(reprice)
    _buy(client, product)
    [order] = Order.objects.filter(customer=buyer, product=product)
    assert order.amount == Decimal("15.00")
    assert len(dodo_emulator.state()["sessions"]) == 2


def test_own_product_is_refused(client, commit, site_tree, dodo_settings, dodo_emulator):
    seller = commit(lambda: SellerFactory())
    product = sellable_product(commit, seller=seller)
    client.force_login(seller)
    response = _buy(client, product)
    assert response.status_code == 302 and response["Location"] == product.url
    assert "This is your own product" in _messages(response)[0]
    assert not Order.objects.exists()


def test_already_bought_offers_the_download(client, buyer, site_tree, commit, dodo_emulator):
    product = sellable_product(commit)
    OrderFactory(customer=buyer, product=product)
    response = _buy(client, product)
    assert response["Location"] == reverse("portal:products")
    assert "You already own this product" in _messages(response)[0]
    assert Order.objects.filter(customer=buyer, product=product).count() == 1
    assert not [r for r in dodo_emulator.requests() if r["path"] == "/checkouts"]


def test_unpublished_product_is_not_found(client, buyer, site_tree, commit):
    product = sellable_product(commit)
    commit(product.unpublish)
    assert _buy(client, product).status_code == 404


def test_product_not_synced_to_dodo_is_refused_with_a_message(client, buyer, site_tree, commit, dodo_emulator):
    product = sellable_product(commit)
    DodoProduct.objects.filter(page=product).update(sync_status=SyncStatus.FAILED)
    response = _buy(client, product)
    assert response["Location"] == product.url
    assert "can't be bought for a minute" in _messages(response)[0]
    assert not Order.objects.exists()


def test_dodo_down_returns_to_the_product_with_a_message_and_charges_nothing(
    client, buyer, site_tree, commit, dodo_emulator
):
    product = sellable_product(commit)
    dodo_emulator.down()
    response = _buy(client, product)
    assert response.status_code == 302 and response["Location"] == product.url
    assert "Payments are unavailable right now. Nothing was charged" in _messages(response)[0]
    dodo_emulator.up()
    # Trying again works and reuses the same order.
    response = _buy(client, product)
    assert response["Location"].startswith(dodo_emulator.base_url)
    assert Order.objects.filter(customer=buyer).count() == 1


def test_checkout_creates_the_dodo_customer_when_sign_up_sync_failed(client, site_tree, commit, dodo_settings, dodo_emulator):
    dodo_emulator.down()
    customer = commit(lambda: CustomerFactory(email="late@example.com"))
    assert DodoCustomer.objects.get(user=customer).sync_status == SyncStatus.FAILED
    dodo_emulator.up()
    product = sellable_product(commit)
    client.force_login(customer)
    response = _buy(client, product)
    assert response["Location"].startswith(dodo_emulator.base_url)
    record = DodoCustomer.objects.get(user=customer)
    assert record.customer_id and record.sync_status == SyncStatus.SYNCED


def test_buy_needs_a_signed_in_customer_and_post(client, site_tree, commit, dodo_settings, staff):
    product = sellable_product(commit)
    url = reverse("dodo:checkout", args=(product.pk,))
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    client.force_login(staff)
    assert client.post(url).status_code == 403
    client.force_login(CustomerFactory())
    assert client.get(url).status_code == 405


def test_buy_is_csrf_protected(site_tree, commit, dodo_settings):
    from django.test import Client

    product = sellable_product(commit)
    client = Client(enforce_csrf_checks=True)
    client.force_login(CustomerFactory())
    assert client.post(reverse("dodo:checkout", args=(product.pk,))).status_code == 403
