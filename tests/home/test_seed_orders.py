"""seed_demo gives the demo customers paid, refunded and pending orders, once."""

import pytest
from django.core.management import call_command

from catalogue.models import Order, OrderStatus

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
        assert order.seller_earnings + order.platform_fee == order.amount
        assert order.product.seller_id != order.customer_id
