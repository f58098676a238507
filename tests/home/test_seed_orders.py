"""seed_demo gives the demo customers paid, refunded and pending orders, once."""

import pytest
from django.core.management import call_command

from catalogue.models import LedgerEntry, LedgerKind, Order, OrderStatus

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_orders_in_every_state_once():
    call_command("seed_demo")
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.PENDING} <= statuses
    assert Order.objects.filter(customer__email="chloe@example.com", status=OrderStatus.PAID).exists()
    count = Order.objects.count()
    call_command("seed_demo")
    assert Order.objects.count() == count
    for order in Order.objects.filter(status=OrderStatus.PAID):
        # Fee and earnings split the sale net of tax (a discounted one brought in less).
        assert order.seller_earnings + order.platform_fee == order.net_amount
        assert LedgerEntry.objects.get(order=order, kind=LedgerKind.SALE).earnings == order.seller_earnings
        assert order.product.seller_id != order.customer_id


def test_seeded_ledgers_add_up_and_one_order_shows_tax_a_code_and_euros():
    call_command("seed_demo")
    foreign = Order.objects.filter(paid_currency="EUR")
    assert foreign.exists() and all(o.discount_code == "SPRING20" and o.paid_tax > 0 for o in foreign)
    for order in Order.objects.filter(status=OrderStatus.REFUNDED):
        # A refunded sale leaves the seller nothing from it.
        rows = LedgerEntry.objects.filter(order=order)
        assert sum(row.earnings for row in rows) == 0
