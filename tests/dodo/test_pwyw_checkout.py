"""Pay what you want through Dodo (issue 15, point 6), against the emulator over HTTP.

Dodo's one-time price takes ``pay_what_you_want`` (``price`` is then the minimum) and a
``suggested_price``; a checkout's cart item carries the buyer's ``amount``, which Dodo
refuses (422) below the minimum. Figures are worked out by hand in each test: a US buyer
pays no tax, and the marketplace fee is 10 %.
"""

from decimal import Decimal

import pytest
import requests
from django.urls import reverse

from catalogue.models import LedgerEntry, LedgerKind, Order, OrderStatus
from dodo.models import DodoProduct
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pwyw(commit, site_tree, dodo_settings):
    """A product synced to the emulator: pay what you want from 5.00, 12.00 suggested."""
    return sellable_product(
        commit, price=Decimal("5.00"), pay_what_you_want=True, suggested_price=Decimal("12.00"), title="Sampler"
    )


@pytest.fixture
def buyer(client, commit, dodo_settings):
    customer = commit(lambda: CustomerFactory())
    client.force_login(customer)
    return customer


def _calls(dodo_emulator, path):
    return [r for r in dodo_emulator.requests() if r["path"] == path]


def test_the_product_reaches_dodo_as_pay_what_you_want_with_its_minimum_and_suggestion(pwyw, dodo_emulator):
    [create] = _calls(dodo_emulator, "/products")
    assert create["json"]["price"] == {
        "type": "one_time_price",
        "price": 500,  # the minimum
        "currency": "USD",
        "discount": 0,
        "purchasing_power_parity": False,
        "tax_inclusive": False,
        "pay_what_you_want": True,
        "suggested_price": 1200,
    }
    product_id = DodoProduct.objects.get(page=pwyw).product_id
    [stored] = [p for p in dodo_emulator.state()["products"] if p["product_id"] == product_id]
    assert stored["price"]["pay_what_you_want"] is True and stored["price"]["suggested_price"] == 1200


def test_changing_the_suggestion_or_switching_it_off_resyncs_the_product(pwyw, commit, dodo_emulator):
    def edit(**fields):
        for name, value in fields.items():
            setattr(pwyw, name, value)
        pwyw.save_revision().publish()

    commit(lambda: edit(suggested_price=Decimal("15.00")))
    product_id = DodoProduct.objects.get(page=pwyw).product_id
    [patch] = [r for r in dodo_emulator.requests() if r["method"] == "PATCH"]
    assert patch["path"] == f"/products/{product_id}"
    assert patch["json"]["price"]["suggested_price"] == 1500

    commit(lambda: edit(pay_what_you_want=False))
    last = [r for r in dodo_emulator.requests() if r["method"] == "PATCH"][-1]
    assert "pay_what_you_want" not in last["json"]["price"] and last["json"]["price"]["price"] == 500


def test_paying_a_chosen_amount_end_to_end(client, buyer, pwyw, commit, dodo_emulator):
    response = client.post(reverse("dodo:checkout", args=(pwyw.pk,)), {"amount": "12.50"})
    order = Order.objects.get(customer=buyer, product=pwyw)
    assert response.status_code == 302 and response["Location"] == order.dodo_checkout_url
    assert order.amount == Decimal("12.50") and order.status == OrderStatus.PENDING
    [create] = _calls(dodo_emulator, "/checkouts")
    product_id = DodoProduct.objects.get(page=pwyw).product_id
    assert create["json"]["product_cart"] == [{"product_id": product_id, "quantity": 1, "amount": 1250}]

    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert payment["total_amount"] == 1250  # what the buyer chose, no tax in the US
    assert commit(lambda: post_webhook(client, event("payment.succeeded", payment))).status_code == 200

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.needs_review
    assert order.paid_total == Decimal("12.50") and order.net_amount == Decimal("12.50")
    # 10 % of what was paid, not of the 5.00 minimum: 1.25 fee, 11.25 to the seller.
    assert order.platform_fee == Decimal("1.25") and order.seller_earnings == Decimal("11.25")
    [sale] = LedgerEntry.objects.filter(order=order, kind=LedgerKind.SALE)
    assert (sale.gross, sale.fee, sale.earnings) == (Decimal("12.50"), Decimal("1.25"), Decimal("11.25"))


def test_a_new_amount_reprices_the_open_order_and_starts_a_new_session(client, buyer, pwyw, dodo_emulator):
    client.post(reverse("dodo:checkout", args=(pwyw.pk,)), {"amount": "6.00"})
    client.post(reverse("dodo:checkout", args=(pwyw.pk,)), {"amount": "9.00"})
    [order] = Order.objects.filter(customer=buyer, product=pwyw)
    assert order.amount == Decimal("9.00")
    amounts = [c["json"]["product_cart"][0]["amount"] for c in _calls(dodo_emulator, "/checkouts")]
    assert amounts == [600, 900]


def test_dodo_refuses_a_checkout_below_the_minimum(pwyw, dodo_emulator):
    product_id = DodoProduct.objects.get(page=pwyw).product_id
    body = {"product_cart": [{"product_id": product_id, "quantity": 1, "amount": 499}]}
    response = requests.post(
        f"{dodo_emulator.base_url}/checkouts",
        json=body,
        headers={"Authorization": f"Bearer {dodo_emulator.api_key}"},
        timeout=10,
    )
    assert response.status_code == 422
    assert "below its minimum price 5.00 USD" in response.json()["message"]
    assert not dodo_emulator.state()["sessions"]


def test_the_buy_post_refuses_below_the_minimum_before_asking_dodo(client, buyer, pwyw, dodo_emulator):
    response = client.post(reverse("dodo:checkout", args=(pwyw.pk,)), {"amount": "4.00"})
    assert response["Location"] == f"{pwyw.url}?amount=4.00"
    assert not Order.objects.exists()
    assert not _calls(dodo_emulator, "/checkouts")


def test_a_payment_below_the_chosen_amount_is_flagged_not_granted(client, buyer, pwyw, commit, dodo_emulator):
    client.post(reverse("dodo:checkout", args=(pwyw.pk,)), {"amount": "12.50"})
    order = Order.objects.get(customer=buyer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    # Dodo reporting 4.00 for an order at 12.50 (below even the 5.00 minimum).
    payment.update(total_amount=400, settlement_amount=400)
    commit(lambda: post_webhook(client, event("payment.succeeded", payment)))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and order.needs_review
    assert "received 4.00 USD for a price of 12.50 USD" in order.review_note
    assert not LedgerEntry.objects.filter(order=order).exists()
