"""The seller's orders pages (/seller/orders/): which orders, filtered how, and the
figures each row and the order page show.

Every lookup starts from ``Order.objects.for_seller(user)``, so another seller's order
is a 404. Only sales are listed (paid, refunded, charged back, and free orders, which
are paid at 0): checkouts a buyer abandoned or whose payment failed are not the
seller's business.
"""

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from catalogue.models import LedgerEntry, Order, OrderStatus

from .models import SALE_STATUSES

MONEY = DecimalField(max_digits=14, decimal_places=3)

# ?status= on the list: the value, its label, and the orders it keeps.
STATUS_FILTERS = {
    "paid": (_("Paid"), Q(status=OrderStatus.PAID, refunded_total=0)),
    "partly_refunded": (_("Partly refunded"), Q(status=OrderStatus.PAID, refunded_total__gt=0)),
    "refunded": (_("Refunded"), Q(status=OrderStatus.REFUNDED)),
    "chargeback": (_("Charged back"), Q(status=OrderStatus.CHARGEBACK)),
}


def _earnings_now():
    """The order's earnings after refunds and lost disputes: the sum of its ledger rows
    (one subquery per page, not one query per row)."""
    rows = (
        LedgerEntry.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum("earnings"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(Decimal("0")), output_field=MONEY)


def seller_orders(user, status=""):
    """The seller's sales, newest first, with product and buyer loaded and
    ``earnings_now`` annotated; ``status`` is a key of :data:`STATUS_FILTERS` (else all)."""
    orders = (
        Order.objects.for_seller(user)
        .filter(status__in=SALE_STATUSES)
        .select_related("product", "customer")
        .annotate(earnings_now=_earnings_now())
        .order_by("-paid_at", "-id")
    )
    if status in STATUS_FILTERS:
        orders = orders.filter(STATUS_FILTERS[status][1])
    return orders
