"""A discount code from the buy box to the ledger (issue 15, points 5 and 9).

The buyer types a code on the product page; the checkout checks it before Dodo's page
(a clear message on the product page otherwise, with the code kept as typed), the
checkout session carries it, the buyer pays on the emulator's hosted page, and the
payment is delivered as Dodo delivers it (a signed webhook). Money is worked out by hand.
"""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from catalogue import discounts
from catalogue.models import LedgerEntry, LedgerKind, Order, OrderStatus
from dodo.models import DodoDiscount
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import CustomerFactory, DiscountCodeFactory, OrderFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fees(settings):
    settings.MARKETPLACE_FEE_PERCENT = 10
    settings.MARKETPLACE_FEE_MINIMUM = Decimal("0.50")
    return settings


@pytest.fixture
def seller(dodo_settings):
    return SellerFactory(first_name="Ada")


@pytest.fixture
def buyer(client, commit, dodo_settings):
    customer = commit(lambda: CustomerFactory(email="buyer@example.com", first_name="Bo"))
    client.force_login(customer)
    return customer


@pytest.fixture
def product(site_tree, commit, seller):
    return sellable_product(commit, seller=seller, title="Watercolour Brushes", price=Decimal("25.00"))


def _buy(client, product, code):
    return client.post(reverse("dodo:checkout", args=(product.pk,)), {"discount_code": code})


def _refusal(client, response):
    """The message the product page shows after a refused code, and the code kept in the box."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    page = client.get(response["Location"])
    messages = [str(m) for m in page.context["messages"]]
    return messages, parse_qs(location.query).get("discount_code", [""])[0], page.content.decode()


def test_a_sellers_20_percent_code_ends_in_a_paid_order_at_the_discounted_total(
    client, buyer, product, seller, commit, dodo_emulator, fees
):
    commit(lambda: DiscountCodeFactory(seller=seller, code="SPRING20", percent=20))
    response = _buy(client, product, " spring20 ")
    order = Order.objects.get(customer=buyer, product=product)
    assert response.status_code == 302 and response["Location"] == order.dodo_checkout_url
    assert order.discount_code == "SPRING20"
    [create] = [r for r in dodo_emulator.requests() if r["path"] == "/checkouts"]
    assert create["json"]["discount_code"] == "SPRING20"

    # The buyer pays on Dodo's page without typing anything: the session's code applies.
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert payment["total_amount"] == 2000  # 25.00 less 20 % (5.00); a US buyer pays no tax
    mail.outbox.clear()
    assert commit(lambda: post_webhook(client, event("payment.succeeded", payment))).status_code == 200

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and not order.needs_review
    assert order.discount_code == "SPRING20" and order.discount_id == payment["discount_id"]
    assert order.amount == Decimal("25.00") and order.paid_total == Decimal("20.00")
    [sale] = LedgerEntry.objects.filter(order=order, kind=LedgerKind.SALE)
    # Net of what was charged: 20.00; 10 % fee 2.00 (above the 0.50 minimum); 18.00 earned.
    assert (sale.gross, sale.fee, sale.earnings) == (Decimal("20.00"), Decimal("2.00"), Decimal("18.00"))

    receipt = next(m for m in mail.outbox if m.to == ["buyer@example.com"])
    assert "SPRING20" in receipt.body and "Saved:    $5.00 with code SPRING20" in receipt.body
    html = receipt.alternatives[0][0]
    assert "You saved with code" in html and "&minus;$5.00" in html
    sale_email = next(m for m in mail.outbox if m.to == [seller.email])
    assert "SPRING20 (the buyer saved $5.00)" in sale_email.body and "$18.00" in sale_email.body

    # The seller's list counts the use and its revenue.
    client.force_login(seller)
    page = client.get(reverse("seller_portal:discounts")).content.decode()
    assert "SPRING20" in page and "$20.00" in page
    code = discounts.DiscountCode.objects.with_usage().get(code="SPRING20")
    assert (code.uses, code.revenue) == (1, Decimal("20.00"))


def test_buying_without_a_code_after_trying_one_gets_a_session_without_it(
    client, buyer, product, seller, commit, dodo_emulator
):
    commit(lambda: DiscountCodeFactory(seller=seller, code="FIRST10", percent=10))
    _buy(client, product, "FIRST10")
    with_code = Order.objects.get(customer=buyer).dodo_checkout_session_id
    _buy(client, product, "")
    order = Order.objects.get(customer=buyer)
    assert order.discount_code == "" and order.dodo_checkout_session_id != with_code
    sessions = [r["json"] for r in dodo_emulator.requests() if r["path"] == "/checkouts"]
    assert [body.get("discount_code") for body in sessions] == ["FIRST10", None]


# Each refusal: a message on the product page, the code kept, no order, no Dodo session.


def _assert_refused(client, response, dodo_emulator, typed, message):
    messages, kept, content = _refusal(client, response)
    assert messages == [message]
    assert kept == typed
    assert f'value="{typed}"' in content  # the buy box shows it again
    assert not Order.objects.exists()
    assert not [r for r in dodo_emulator.requests() if r["path"] == "/checkouts"]


def test_unknown_code(client, buyer, product, dodo_emulator):
    response = _buy(client, product, "nope-123")
    _assert_refused(
        client,
        response,
        dodo_emulator,
        "nope-123",
        "There is no discount code “NOPE-123”. Check the spelling and try again.",
    )


def test_expired_code(client, buyer, product, seller, commit, dodo_emulator):
    commit(lambda: DiscountCodeFactory(seller=seller, code="OLD", expires_at=timezone.now() - timedelta(days=2)))
    response = _buy(client, product, "OLD")
    messages, kept, _ = _refusal(client, response)
    assert kept == "OLD" and len(messages) == 1 and messages[0].startswith("The code OLD expired on ")


def test_used_up_code(client, buyer, product, seller, commit, dodo_emulator):
    commit(lambda: DiscountCodeFactory(seller=seller, code="ONCE", usage_limit=1))
    OrderFactory(product=product, discount_code="ONCE")  # someone paid with it already
    response = _buy(client, product, "ONCE")
    messages, kept, _ = _refusal(client, response)
    assert messages == ["The code ONCE has been used as many times as its seller allowed."] and kept == "ONCE"


def test_code_for_another_product(client, buyer, product, seller, commit, dodo_emulator):
    other = sellable_product(commit, seller=seller)
    commit(lambda: DiscountCodeFactory(seller=seller, code="OTHERONLY", products=[other]))
    _assert_refused(
        client,
        _buy(client, product, "OTHERONLY"),
        dodo_emulator,
        "OTHERONLY",
        "The code OTHERONLY can't be used for this product.",
    )


def test_another_sellers_code(client, buyer, product, commit, dodo_emulator):
    commit(lambda: DiscountCodeFactory(code="NOTYOURS"))  # a code of another seller, for their products
    _assert_refused(
        client,
        _buy(client, product, "NOTYOURS"),
        dodo_emulator,
        "NOTYOURS",
        "The code NOTYOURS can't be used for this product.",
    )


def test_inactive_code(client, buyer, product, seller, commit, dodo_emulator):
    commit(lambda: DiscountCodeFactory(seller=seller, code="PAUSED", active=False))
    _assert_refused(
        client, _buy(client, product, "PAUSED"), dodo_emulator, "PAUSED", "The code PAUSED is no longer active."
    )


def test_code_not_yet_on_dodo(client, buyer, product, seller, commit, dodo_emulator):
    dodo_emulator.fail(n=1, status=503)
    commit(lambda: DiscountCodeFactory(seller=seller, code="JUSTMADE"))
    assert DodoDiscount.objects.get(code__code="JUSTMADE").discount_id is None
    response = _buy(client, product, "JUSTMADE")
    messages, kept, _ = _refusal(client, response)
    assert messages == ["The code JUSTMADE isn't ready yet. Please try again in a minute."] and kept == "JUSTMADE"


def test_pay_what_you_want_product_takes_no_code(client, buyer, seller, site_tree, commit, dodo_emulator):
    pwyw = sellable_product(commit, seller=seller, pay_what_you_want=True, price=Decimal("5.00"))
    commit(lambda: DiscountCodeFactory(seller=seller, code="ALLMINE"))
    response = client.post(reverse("dodo:checkout", args=(pwyw.pk,)), {"discount_code": "ALLMINE", "amount": "8.00"})
    messages, kept, _ = _refusal(client, response)
    assert kept == "ALLMINE"
    assert messages == ["Discount codes don't apply to pay-what-you-want prices: choose the amount you'd like to pay."]


def test_a_marketplace_code_from_the_editors_works_on_any_sellers_product(
    client, buyer, product, commit, dodo_emulator, fees
):
    commit(lambda: DiscountCodeFactory(seller=None, code="SITEWIDE10", percent=10))
    _buy(client, product, "sitewide10")
    order = Order.objects.get(customer=buyer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert payment["total_amount"] == 2250  # 25.00 less 10 %
    commit(lambda: post_webhook(client, event("payment.succeeded", payment)))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.discount_code == "SITEWIDE10"
    assert (order.platform_fee, order.seller_earnings) == (Decimal("2.25"), Decimal("20.25"))
