"""The seller dashboard's revenue rule (``seller_portal/stats.py``'s docstring), as SQL
expressions over order rows, for the catalogue's own marketplace-wide figures (the admin
dashboard's sales, the analytics report), which may not import the seller portal.

- ``SALE``: an order paid once (refunded or charged back since, maybe) for more than
  nothing; free orders are downloads, not sales.
- ``REVENUE``: what a still-paid order brought in, net of tax in the marketplace currency,
  less what was refunded of it; a refunded or charged-back order brings 0.

A test holds these to ``seller_portal.stats`` (tests/seller_portal/test_analytics.py).
"""

from decimal import Decimal

from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce

from .models import OrderStatus

SALE_STATUSES = (OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.CHARGEBACK)
SALE = Q(status__in=SALE_STATUSES, amount__gt=0)
# Orders recorded before Dodo's figures were kept count their price.
NET_AMOUNT = Coalesce(F("net_amount"), F("amount"))
REVENUE = Case(
    When(status=OrderStatus.PAID, then=NET_AMOUNT - F("refunded_amount")), default=Value(Decimal("0.00"))
)
