"""Demo earnings for ``seed_demo``: older sales whose hold period has ended, payout
details for each demo seller, and one recorded payout, so the sellers' earnings pages
show every state (available, pending, paid out) and the editors' payout run has a line.

The older sales are recorded as ``catalogue.order_demo`` records its orders (no Dodo
checkout, ``pay_demo_*`` ids) and written to the ledger as real sales are, dated when
they were paid. Idempotent: a seller who has payout details is left alone.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from . import ledger, payouts
from .models import LedgerEntry, Order, OrderStatus, PayoutDetails, ProductPage
from .orders import Charge, record_charge

# Days ago each demo seller's older sales were paid: past the 30-day hold period.
OLDER_SALES_DAYS = [42, 50, 57, 63, 71, 78]
DEMO_DETAILS = [
    # A well-known example IBAN (valid check digits, no real account).
    ("bank_transfer", "DE89 3704 0044 0532 0130 00"),
    ("paypal", "payouts@example.com"),
]


def seed_payouts(sellers, customers):
    """Give each demo seller older sales and payout details, and the first one a payout;
    answers how many payouts were recorded."""
    if not customers:
        return 0
    recorded = 0
    now = timezone.now()
    for index, seller in enumerate(sellers):
        if PayoutDetails.objects.filter(seller=seller).exists():
            continue  # seeded before (every demo seller gets details)
        products = list(ProductPage.objects.live().filter(seller=seller).order_by("pk"))
        if not products:
            continue
        for number, days_ago in enumerate(OLDER_SALES_DAYS):
            customer = customers[(index + number) % len(customers)]
            owned = set(Order.objects.filter(customer=customer).values_list("product_id", flat=True))
            product = next((p for p in products[number:] + products[:number] if p.pk not in owned), None)
            if product is None:
                continue
            _older_sale(
                seller, customer, product, now - timedelta(days=days_ago, hours=number * 3), f"{index}_{number}"
            )
        method, reference = DEMO_DETAILS[index % len(DEMO_DETAILS)]
        payouts.save_payout_details(
            seller, account_name=seller.get_full_name() or seller.email, method=method, account_reference=reference
        )
        if index == 0:
            available = LedgerEntry.objects.for_seller(seller).summary().available
            # Part of what was available then: the rest stays for the next payout run.
            amount = (available * Decimal("0.6")).quantize(Decimal("0.01"))
            if amount > 0:
                payouts.record_payout(
                    seller,
                    amount=amount,
                    paid_on=timezone.localdate() - timedelta(days=5),
                    reference="DEMO-PAYOUT-0001",
                    note="Demo payout",
                    notify=False,
                )
                recorded += 1
    return recorded


def _older_sale(seller, customer, product, when, key):
    order = Order(
        customer=customer,
        product=product,
        seller_id=seller.pk,
        amount=product.effective_price,
        currency=settings.MARKETPLACE_CURRENCY,
        status=OrderStatus.PAID,
    )
    price = order.amount
    record_charge(order, Charge(price, Decimal("0"), order.currency, price, Decimal("0"), order.currency))
    order.paid_at = when
    order.charged_at = when
    order.dodo_payment_id = f"pay_demo_older_{key}_{customer.pk}"
    order.compute_earnings()
    order.save()
    Order.objects.filter(pk=order.pk).update(created_at=when)
    row = ledger.record_sale(order, reference=order.dodo_payment_id)
    if row is not None:
        # Dated when the sale happened, as if recorded then.
        LedgerEntry.objects.filter(pk=row.pk).update(created_at=when)
    return order
