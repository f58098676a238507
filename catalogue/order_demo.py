"""Demo orders for ``seed_demo``: paid, refunded and pending orders, spread over 30 days,
so the customers' libraries and the sellers' dashboards have something to show.

They are recorded directly (no Dodo checkout ran for them), with ``pay_demo_*`` payment
ids; no receipts are sent. Idempotent: a customer who has orders is left alone.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Order, OrderStatus, ProductPage

# (days ago, status) for each demo customer's orders, over their nth products.
DEMO_ORDER_PLAN = [
    (1, OrderStatus.PAID),
    (3, OrderStatus.PAID),
    (6, OrderStatus.PAID),
    (11, OrderStatus.REFUNDED),
    (17, OrderStatus.PAID),
    (24, OrderStatus.PAID),
    (0, OrderStatus.PENDING),
]


def seed_orders(customers):
    """Create each demo customer's orders once; answers how many were created."""
    products = list(ProductPage.objects.live().order_by("pk"))
    if not products:
        return 0
    created = 0
    now = timezone.now()
    for offset, customer in enumerate(customers):
        if Order.objects.filter(customer=customer).exists():
            continue
        candidates = [p for p in products if p.seller_id != customer.pk]
        for index, (days_ago, status) in enumerate(DEMO_ORDER_PLAN):
            product = candidates[(offset * 5 + index * 3) % len(candidates)]
            when = now - timedelta(days=days_ago, hours=index * 2 + offset)
            order = Order(
                customer=customer,
                product=product,
                seller_id=product.seller_id,
                amount=product.effective_price,
                currency=settings.MARKETPLACE_CURRENCY,
                status=status,
            )
            if status in (OrderStatus.PAID, OrderStatus.REFUNDED):
                order.paid_at = when
                order.dodo_payment_id = f"pay_demo_{customer.pk}_{index}"
                order.compute_earnings()
            if status == OrderStatus.REFUNDED:
                order.refunded_amount = order.amount
                order.refunded_at = when + timedelta(days=1)
            order.save()
            Order.objects.filter(pk=order.pk).update(created_at=when)
            created += 1
    return created


