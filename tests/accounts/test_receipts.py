"""What buyers see of their money: the receipt email, the orders page, the checkout return
page, and the page a refunded or charged-back order's download link answers (410)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from catalogue import orders
from catalogue.dates import format_day
from catalogue.models import DisputeStatus, Order, OrderStatus
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(client, customer):
    client.force_login(customer)
    return customer


def _pay(order, *, total="13.75", tax="1.25", currency="USD", code="", settlement=None, settlement_currency=None):
    """Make a pending order paid as Dodo would have charged it (the domain's own path)."""
    charge = orders.Charge(
        total=Decimal(total),
        tax=Decimal(tax),
        currency=currency,
        settlement_amount=Decimal(settlement or total),
        settlement_tax=Decimal(tax),
        settlement_currency=settlement_currency or currency,
        discount_code=code,
    )
    with transaction.atomic():
        orders.mark_paid(orders.locked_order(order.pk), f"pay_{order.pk:06d}", charge)
    order.refresh_from_db()
    return order


def _pending(customer, **kwargs):
    kwargs.setdefault("product", ProductPageFactory(title="Field Recordings", price=Decimal("12.50")))
    return OrderFactory(customer=customer, status=OrderStatus.PENDING, paid_at=None, dodo_payment_id=None, **kwargs)


def _refund(order, amount, refund_id):
    with transaction.atomic():
        return orders.record_refund(
            orders.locked_order(order.pk), refund_id=refund_id, amount=Decimal(amount), currency=order.paid_currency
        )


# RECEIPT


def test_receipt_shows_total_tax_currency_and_discount_code(site_tree, customer, django_capture_on_commit_callbacks):
    order = _pending(customer)
    with django_capture_on_commit_callbacks(execute=True):
        _pay(order, total="11.00", tax="1.00", code="SPRING10")
    receipt = next(m for m in mail.outbox if m.subject.startswith("Your receipt"))
    text, html = receipt.body, receipt.alternatives[0][0]
    for body in (text, html):
        assert "$10.00" in body  # the price after the code, before tax
        assert "$1.00" in body  # its tax line
        assert "$11.00" in body and "Total paid (USD)" in body
        assert "SPRING10" in body


def test_receipt_in_the_buyers_currency_shows_what_they_paid_not_the_settlement(
    site_tree, customer, django_capture_on_commit_callbacks
):
    order = _pending(customer)
    with django_capture_on_commit_callbacks(execute=True):
        _pay(order, total="14.20", tax="2.37", currency="EUR", settlement="15.40", settlement_currency="USD")
    receipt = next(m for m in mail.outbox if m.subject.startswith("Your receipt"))
    assert "€14.20" in receipt.body and "Total paid (EUR)" in receipt.body and "€2.37" in receipt.body
    assert "15.40" not in receipt.body


def test_receipt_of_an_order_paid_before_charges_were_recorded_shows_its_price(site_tree, customer):
    from accounts.tasks import send_receipt

    order = OrderFactory(customer=customer, amount=Decimal("9.99"))
    assert order.paid_total is None
    send_receipt.enqueue(order.pk)
    [receipt] = mail.outbox
    assert "Total paid (USD): $9.99" in receipt.body
    assert "Tax:" not in receipt.body


# ORDERS PAGE


def test_orders_page_shows_total_tax_currency_code_and_refunds(client, buyer, site_tree):
    paid = _pay(_pending(buyer), total="11.00", tax="1.00", code="SPRING10")
    partly = _pay(_pending(buyer, product=ProductPageFactory(title="Partly")), total="20.00", tax="2.00")
    _refund(partly, "5.00", "ref_part")
    refunded = _pay(_pending(buyer, product=ProductPageFactory(title="Refunded one")), total="8.00", tax="0")
    _refund(refunded, "8.00", "ref_all")
    charged_back = OrderFactory(customer=buyer, product=ProductPageFactory(title="Disputed"), status=OrderStatus.CHARGEBACK)
    OrderFactory(customer=buyer, product=ProductPageFactory(title="Old one"), amount=Decimal("4.00"))

    html = client.get(reverse("portal:orders")).content.decode()
    assert "$11.00" in html and "incl. $1.00 tax" in html and "SPRING10" in html and "USD" in html
    assert "Partly refunded" in html and "$5.00 refunded" in html
    assert "Refunded" in html and "$8.00 refunded" in html
    assert "Charged back" in html
    assert "$4.00" in html  # an old order shows its price
    # Only paid (partly refunded included) orders offer a download.
    assert reverse("portal:download", args=(paid.pk,)) in html
    assert reverse("portal:download", args=(partly.pk,)) in html
    for ended in (refunded, charged_back):
        assert reverse("portal:download", args=(ended.pk,)) not in html


@pytest.mark.parametrize("rows", [2, 20])
def test_orders_page_query_count_does_not_grow(client, buyer, site_tree, rows, django_assert_max_num_queries):
    for n in range(rows):
        order = _pay(_pending(buyer, product=ProductPageFactory(title=f"P{n}")), total="11.00", tax="1.00")
        if n % 2:
            _refund(order, "1.00", f"ref_{n}")
    client.get(reverse("portal:orders"))  # warm Wagtail's site root cache
    with django_assert_max_num_queries(7):
        response = client.get(reverse("portal:orders"))
    assert response.status_code == 200


# CHECKOUT RETURN PAGE


def _return(client, order):
    return client.get(reverse("dodo:checkout_return"), {"order": order.pk})


def test_return_page_shows_what_was_paid_with_tax(client, buyer, site_tree):
    order = _pay(_pending(buyer), total="11.00", tax="1.00", code="SPRING10")
    html = _return(client, order).content.decode()
    assert "Thank you" in html and "$11.00" in html and "$1.00" in html and "SPRING10" in html
    assert "(USD)" in html


def test_return_page_of_a_refunded_or_charged_back_order_says_so(client, buyer, site_tree):
    refunded = _pay(_pending(buyer), total="11.00", tax="1.00")
    _refund(refunded, "11.00", "ref_1")
    html = _return(client, refunded).content.decode()
    assert "This order was refunded" in html and "Download now" not in html
    charged = OrderFactory(customer=buyer, status=OrderStatus.CHARGEBACK)
    html = _return(client, charged).content.decode()
    assert "This payment was charged back" in html and "Download now" not in html


# THE DOWNLOAD LINK OF AN ORDER THAT ENDED


def test_refunded_orders_download_link_is_410_with_the_date_and_ways_forward(client, buyer, site_tree):
    order = _pay(_pending(buyer), total="11.00", tax="1.00")
    _refund(order, "11.00", "ref_1")
    order.refresh_from_db()
    response = client.get(reverse("portal:download", args=(order.pk,)))
    assert response.status_code == 410
    html = response.content.decode()
    assert "This order was refunded" in html and "Field Recordings" in html
    assert format_day(order.refunded_at) in html
    assert reverse("portal:support_new") in html and reverse("portal:products") in html


def test_charged_back_orders_download_link_is_410(client, buyer, site_tree):
    order = _pay(_pending(buyer), total="11.00", tax="1.00")
    with transaction.atomic():
        locked = orders.locked_order(order.pk)
        orders.record_dispute(locked, dispute_id="dp_1", status=DisputeStatus.OPENED, amount=Decimal("11"), currency="USD")
        orders.record_dispute(locked, dispute_id="dp_1", status=DisputeStatus.LOST, amount=Decimal("11"), currency="USD")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CHARGEBACK
    response = client.get(reverse("portal:download", args=(order.pk,)))
    assert response.status_code == 410
    assert "charged back" in response.content.decode()


def test_partly_refunded_order_still_downloads(client, buyer, site_tree):
    order = _pay(_pending(buyer), total="11.00", tax="1.00")
    _refund(order, "3.00", "ref_1")
    assert client.get(reverse("portal:download", args=(order.pk,))).status_code == 200


def test_another_customers_refunded_order_is_still_404(client, buyer, site_tree):
    other = OrderFactory(customer=CustomerFactory(), status=OrderStatus.REFUNDED, refunded_at=timezone.now() - timedelta(days=1))
    assert client.get(reverse("portal:download", args=(other.pk,))).status_code == 404
