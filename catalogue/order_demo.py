"""Demo orders for ``seed_demo``: paid, refunded and pending orders, spread over 30 days,
so the customers' libraries and the sellers' dashboards have something to show.

They are recorded directly (no Dodo checkout ran for them), with ``pay_demo_*`` payment
ids; no receipts are sent. Their sales and refunds are written to the seller ledger as
real ones are. One order per customer was paid in euros from the UK with 20 % VAT and a
discount code, as Adaptive Currency and Dodo's tax would charge it. Idempotent: a
customer who has orders is left alone.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from . import ledger
from .models import Order, OrderRefund, OrderStatus, ProductPage
from .money import round_money
from .orders import Charge, record_charge

# The demo's euro order: 1 USD = 0.92 EUR, a 20 % code, 20 % UK VAT on top.
DEMO_EUR_RATE = Decimal("0.92")
DEMO_DISCOUNT = Decimal("0.20")
DEMO_VAT = Decimal("0.20")

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
            paid = status in (OrderStatus.PAID, OrderStatus.REFUNDED)
            if paid:
                record_charge(order, _demo_charge(order, foreign=index == 2))
                order.paid_at = when
                order.dodo_payment_id = f"pay_demo_{customer.pk}_{index}"
                order.compute_earnings()
            if status == OrderStatus.REFUNDED:
                order.refunded_total = order.paid_total
                order.refunded_amount = order.net_amount
                order.refunded_at = when + timedelta(days=1)
            order.save()
            Order.objects.filter(pk=order.pk).update(created_at=when)
            if paid:
                ledger.record_sale(order, reference=order.dodo_payment_id)
            if status == OrderStatus.REFUNDED:
                refund = OrderRefund.objects.create(
                    order=order,
                    refund_id=f"ref_demo_{customer.pk}_{index}",
                    amount=order.paid_total,
                    currency=order.paid_currency,
                    net_amount=order.net_amount,
                    reason="Bought by mistake",
                )
                ledger.record_refund(order, refund, share=Decimal("1"))
            created += 1
    return created


def _demo_charge(order, *, foreign):
    """What Dodo would have charged: the price, or (``foreign``) a UK buyer paying in
    euros with a 20 % discount code and 20 % VAT on top, settled back in our currency."""
    price, currency = order.amount, order.currency
    if not foreign:
        return Charge(price, Decimal("0"), currency, price, Decimal("0"), currency)
    net_eur = round_money(price * DEMO_EUR_RATE * (1 - DEMO_DISCOUNT), "EUR")
    tax_eur = round_money(net_eur * DEMO_VAT, "EUR")
    net_settled = round_money(price * (1 - DEMO_DISCOUNT), currency)
    tax_settled = round_money(net_settled * DEMO_VAT, currency)
    return Charge(
        total=net_eur + tax_eur,
        tax=tax_eur,
        currency="EUR",
        settlement_amount=net_settled + tax_settled,
        settlement_tax=tax_settled,
        settlement_currency=currency,
        discount_code="SPRING20",
        discount_id="dsc_demo_spring20",
    )


