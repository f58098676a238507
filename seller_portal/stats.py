"""The seller dashboard's figures, computed in SQL.

Revenue rule (one place, used by every figure here and by the product list):

- An order counts from the moment it was paid (``paid_at``), in the window that holds
  that moment. Orders that never were paid (pending, failed, cancelled) count nothing.
- A **paid** order counts ``net_amount - refunded_amount``: what the sale brought in,
  net of tax and after any discount code, in the marketplace currency (Dodo's
  settlement), less the share refunded so far. Orders recorded before Dodo's figures
  were kept count their price.
- A **refunded** or **charged back** order counts 0, whatever ``refunded_amount`` says.
- A refund lowers the revenue of the day the order was *paid*, not of the day of the
  refund, so a day's figure is "what the sales of that day are worth now".
- A **free** order (amount 0: a free product, or pay what you want taken for nothing)
  is a download, not a sale: it counts in no sales figure, product row or day row
  (:data:`IS_SALE`); the product list counts them apart, per product
  (:func:`sales_by_product`).

The marketplace fee is not taken off; the seller's share is in the ledger
(``catalogue.LedgerEntry``).

Windows are calendar days in ``settings.TIME_ZONE``: "today" starts at local midnight,
"7 days" is today and the 6 days before it, "30 days" today and the 29 before, the span
the 30-day chart shows.

No figure reads every order of the seller, and none costs more as the seller sells more:
the windows (today, 7 and 30 days) and the chart sum at most 30
:class:`~seller_portal.models.SellerDailySales` rows, one per local day with sales; the
all-time figures and best sellers sum the seller's
:class:`~seller_portal.models.ProductSales` rows, one per product sold. Whenever an order
is saved or deleted, :func:`recount_product_sales` and :func:`recount_daily_sales` rewrite
the rows it belongs to (and the day it left, if its ``paid_at`` moved) from the order rows,
by the rule above, so they always equal a recomputation; ``manage.py recount_sales``
rewrites them all after a bulk load. Recent sales are one ``LIMIT`` query. The product
list sums the orders of the page's products only (:func:`sales_by_product`).

Product counts (and the product list's total and storage line) are the seller's
:class:`~seller_portal.models.SellerCatalogue` row, rewritten from the product rows by
:func:`recount_seller_catalogue` whenever one of their products is saved or deleted.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, Count, DecimalField, F, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalogue.models import Order, OrderStatus, ProductPage
from catalogue.quota import storage_used_by_seller

from .models import SALE_STATUSES, ProductSales, SellerCatalogue, SellerDailySales

CHART_DAYS = 30
BEST_SELLERS_LIMIT = 5
RECENT_SALES_LIMIT = 8
MONEY = DecimalField(max_digits=14, decimal_places=3)
ZERO = Decimal("0.00")


def net_sale(prefix=""):
    """What one order adds to revenue (see the module docstring), as an expression;
    ``prefix`` reaches the order through a relation (``"orders__"``)."""
    return Coalesce(F(f"{prefix}net_amount"), F(f"{prefix}amount")) - F(f"{prefix}refunded_amount")


NET_AMOUNT = net_sale()
COUNTS_AS_REVENUE = Q(status=OrderStatus.PAID)
# A sale: paid once (refunded or charged back since, maybe), for more than nothing. A
# free order (amount 0) is a download; ``contributions`` is the Python form of this.
IS_SALE = Q(status__in=SALE_STATUSES, amount__gt=0)
# A free product in a customer's library (free orders cannot be refunded or disputed).
IS_FREE_DOWNLOAD = Q(status=OrderStatus.PAID, amount=0)


def _net_revenue(extra=None):
    condition = COUNTS_AS_REVENUE & extra if extra is not None else COUNTS_AS_REVENUE
    return Coalesce(Sum(NET_AMOUNT, filter=condition), Value(ZERO), output_field=MONEY)


def _money_sum(field, condition=None):
    """The sum of a money column of summary rows (0 when there are none)."""
    return Coalesce(Sum(field, filter=condition), Value(ZERO), output_field=MONEY)


# What one order adds to revenue, counted or not: the per-order form of _net_revenue.
ORDER_REVENUE = Case(When(COUNTS_AS_REVENUE, then=NET_AMOUNT), default=Value(ZERO), output_field=MONEY)


def sales_figures():
    """What a :class:`ProductSales` row holds, as aggregates over order rows."""
    return {
        "sales": Count("pk", filter=IS_SALE),
        "refunded": Count("pk", filter=Q(status=OrderStatus.REFUNDED)),
        "revenue": _net_revenue(),
        "free_downloads": Count("pk", filter=IS_FREE_DOWNLOAD),
    }


def recount_product_sales(seller_id, product_id):
    """Rewrite the seller's :class:`ProductSales` row for one product from its orders.

    The row is locked (made if missing) before the orders are summed in a new
    statement, so two orders of one product saved at once cannot leave a stale sum.
    Inside a transaction (the order's save) it joins it without a savepoint: a failed
    recount must not let the order commit without its summary.
    """
    with transaction.atomic(savepoint=False):
        row, _ = ProductSales.objects.select_for_update().get_or_create(seller_id=seller_id, product_id=product_id)
        figures = Order.objects.filter(seller_id=seller_id, product_id=product_id).aggregate(**sales_figures())
        ProductSales.objects.filter(pk=row.pk).update(**figures)


# The order fields (attnames) what an order adds to the summaries is worked out from.
CONTRIBUTION_FIELDS = ("seller_id", "product_id", "status", "amount", "net_amount", "refunded_amount", "paid_at")


def contributions(values):
    """What one order adds to the summaries, by the rule of the module docstring, from its
    field values (``CONTRIBUTION_FIELDS``): ``({product key: (sales, refunded, revenue, free downloads)},
    {day key: (orders, revenue)})``. The Python form of :func:`sales_figures` and
    :func:`daily_figures` for a single order; a test holds the two forms to each other."""
    status = values["status"]
    sold = status in SALE_STATUSES and values["amount"] > 0  # IS_SALE
    revenue = ZERO
    if status == OrderStatus.PAID:
        net = values["net_amount"] if values["net_amount"] is not None else values["amount"]
        revenue = net - values["refunded_amount"]
    free = status == OrderStatus.PAID and values["amount"] == 0  # IS_FREE_DOWNLOAD
    product = {
        (values["seller_id"], values["product_id"]): (
            int(sold),
            int(status == OrderStatus.REFUNDED),
            revenue,
            int(free),
        )
    }
    days = {}
    if sold and values["paid_at"] is not None:
        days[(values["seller_id"], timezone.localdate(values["paid_at"]))] = (1, revenue)
    return product, days


def _difference(before, after):
    """``after - before``, key by key, leaving out keys that do not move."""
    moved = {}
    for key in before.keys() | after.keys():
        old = before.get(key)
        new = after.get(key)
        width = len(old or new)
        change = tuple((new[i] if new else 0) - (old[i] if old else 0) for i in range(width))
        if any(change):
            moved[key] = change
    return moved


def move_sales(before, after):
    """Move the summaries an order counts in by what changed between two states of it
    (dicts of ``CONTRIBUTION_FIELDS``; ``before`` is None for a new order).

    For an order saved while its row is locked (``catalogue.orders.locked_order``), so
    ``before`` is certainly what the summaries counted for it. Each summary row moves in
    one ``UPDATE`` adding the change (the database adds it to the latest committed
    value, so concurrent changes to other orders add up); a row that does not exist yet
    is made by a recount instead. Rows are touched in the recounts' order (product, then
    days oldest first), and a day left without sales loses its row, as a recount leaves it.
    """
    old_products, old_days = contributions(before) if before is not None else ({}, {})
    new_products, new_days = contributions(after)
    with transaction.atomic(savepoint=False):
        for (seller_id, product_id), (sales, refunded, revenue, free) in sorted(
            _difference(old_products, new_products).items()
        ):
            moved = ProductSales.objects.filter(seller_id=seller_id, product_id=product_id).update(
                sales=F("sales") + sales,
                refunded=F("refunded") + refunded,
                revenue=F("revenue") + revenue,
                free_downloads=F("free_downloads") + free,
            )
            if not moved:
                recount_product_sales(seller_id, product_id)
        for (seller_id, day), (orders, revenue) in sorted(_difference(old_days, new_days).items()):
            rows = SellerDailySales.objects.filter(seller_id=seller_id, day=day)
            if not rows.update(orders=F("orders") + orders, revenue=F("revenue") + revenue):
                recount_daily_sales(seller_id, day)
            elif orders < 0:
                rows.filter(orders__lte=0).delete()


def recount_all_product_sales():
    """Rewrite every :class:`ProductSales` row from the orders (after a bulk load); returns
    how many rows there are now."""
    rows = Order.objects.order_by().values("seller_id", "product_id").annotate(**sales_figures())
    with transaction.atomic():
        ProductSales.objects.all().delete()
        ProductSales.objects.bulk_create((ProductSales(**row) for row in rows.iterator()), batch_size=2000)
    return ProductSales.objects.count()


def daily_figures():
    """What a :class:`SellerDailySales` row holds, as aggregates over one day's sold orders."""
    return {"orders": Count("pk"), "revenue": _net_revenue()}


def recount_daily_sales(seller_id, day):
    """Rewrite the seller's :class:`SellerDailySales` row for the local ``day`` from the
    orders paid that day.

    Locked (made if missing) before the orders are summed, as in
    :func:`recount_product_sales`. A day left without sales loses its row, so the rows
    are exactly what :func:`recount_all_daily_sales` makes from the orders, and the table
    holds only days with sales.
    """
    with transaction.atomic(savepoint=False):
        row, _ = SellerDailySales.objects.select_for_update().get_or_create(seller_id=seller_id, day=day)
        figures = (
            Order.objects.filter(IS_SALE, seller_id=seller_id)
            .filter(paid_at__gte=day_start(day), paid_at__lt=day_start(day + timedelta(days=1)))
            .aggregate(**daily_figures())
        )
        rows = SellerDailySales.objects.filter(pk=row.pk)
        if figures["orders"]:
            rows.update(**figures)
        else:
            rows.delete()


def daily_sales_rows(orders):
    """The :class:`SellerDailySales` rows of these orders, as dicts, in one pass over them.

    The day is each order's ``paid_at`` as a local date, worked out here while the rows
    stream by: SQL has no portable "local date" (SQLite would call a Python function per
    row). The revenue of each order comes from SQL, by the rule (:data:`ORDER_REVENUE`).
    """
    sums = {}
    sold = orders.filter(IS_SALE, paid_at__isnull=False).order_by().values_list("seller_id", "paid_at", ORDER_REVENUE)
    for seller_id, paid_at, revenue in sold.iterator(chunk_size=5000):
        key = (seller_id, timezone.localdate(paid_at))
        count, total = sums.get(key, (0, ZERO))
        sums[key] = (count + 1, total + revenue)
    return [
        {"seller_id": seller_id, "day": day, "orders": count, "revenue": total}
        for (seller_id, day), (count, total) in sums.items()
    ]


def recount_all_daily_sales():
    """Rewrite every :class:`SellerDailySales` row from the orders (after a bulk load);
    returns how many rows there are now."""
    rows = daily_sales_rows(Order.objects.all())
    with transaction.atomic():
        SellerDailySales.objects.all().delete()
        SellerDailySales.objects.bulk_create((SellerDailySales(**row) for row in rows), batch_size=2000)
    return len(rows)


def seller_catalogue_rows(products):
    """The :class:`SellerCatalogue` rows of ``products`` (a ``ProductPage`` queryset,
    historical models included), as dicts: one per seller with products. Two queries: the
    counts, and the files by the quota's rule (:func:`catalogue.quota.storage_used_by_seller`)."""
    counts = (
        products.order_by()
        .values("seller_id")
        .annotate(live_products=Count("pk", filter=Q(live=True)), draft_products=Count("pk", filter=Q(live=False)))
    )
    used = storage_used_by_seller(products)
    return [{**row, "storage_used": used.get(row["seller_id"], 0)} for row in counts]


def recount_seller_catalogue(seller_id):
    """Rewrite the seller's :class:`SellerCatalogue` row from their product rows.

    Locked (made if missing) before the products are counted, as in
    :func:`recount_product_sales`, so two products of one seller saved at once cannot
    leave a stale count. A seller left without products loses the row, so the rows are
    exactly what :func:`recount_all_seller_catalogues` makes.
    """
    with transaction.atomic(savepoint=False):
        row, _ = SellerCatalogue.objects.select_for_update().get_or_create(seller_id=seller_id)
        rows = SellerCatalogue.objects.filter(pk=row.pk)
        figures = seller_catalogue_rows(ProductPage.objects.filter(seller_id=seller_id))
        if figures:
            rows.update(**figures[0])
        else:
            rows.delete()


def recount_all_seller_catalogues():
    """Rewrite every :class:`SellerCatalogue` row from the product rows (after a bulk
    load); returns how many rows there are now."""
    rows = seller_catalogue_rows(ProductPage.objects.all())
    with transaction.atomic():
        SellerCatalogue.objects.all().delete()
        SellerCatalogue.objects.bulk_create(SellerCatalogue(**row) for row in rows)
    return len(rows)


def sales_by_product(product_ids):
    """``{product id: (sales, net revenue, free downloads)}`` for these products, all
    sellers' orders counted (one ``GROUP BY`` over their orders only: the product list's
    page). Free downloads are the free orders (:data:`IS_FREE_DOWNLOAD`), not sales."""
    rows = (
        Order.objects.filter(product_id__in=product_ids)
        .order_by()
        .values("product_id")
        .annotate(sales=Count("pk", filter=IS_SALE), revenue=_net_revenue(), free=Count("pk", filter=IS_FREE_DOWNLOAD))
    )
    return {row["product_id"]: (row["sales"], row["revenue"], row["free"]) for row in rows}


def day_start(day):
    """The aware datetime of local midnight at the start of ``day``."""
    return timezone.make_aware(datetime.combine(day, time.min))


# The chart's SVG drawing box: one 10-unit slot per day, 100 units high.
CHART_SLOT = 10
CHART_BAR_WIDTH = 8
# A day with any sales gets at least this bar, so a small day does not look like none.
CHART_MIN_BAR = 1.5


@dataclass(frozen=True)
class ChartDay:
    """One day of the 30-day chart, with its bar's place in the SVG drawing box."""

    index: int
    day: object
    revenue: Decimal
    orders: int
    height: float  # the bar's height, 0-100 (% of the best day)

    @property
    def bar_x(self):
        return self.index * CHART_SLOT + (CHART_SLOT - CHART_BAR_WIDTH) / 2

    @property
    def bar_y(self):
        return 100 - self.height


def revenue_summary(user, today=None):
    """Net revenue today, over 7 days, over 30 days and in all, with the order counts.

    Two queries: the windows over the seller's ``SellerDailySales`` rows of the last 30
    days, the all-time figures over their ``ProductSales`` rows. Returns a dict: ``today``,
    ``week``, ``month``, ``total`` (Decimal), ``orders`` (paid orders, refunded ones
    included; free ones are not orders), ``refunded`` (refunded orders), ``free_downloads``
    (free orders), ``orders_today``, ``orders_week``, ``orders_month``.
    """
    today = today or timezone.localdate()
    week = Q(day__gte=today - timedelta(days=6))
    summary = SellerDailySales.objects.filter(seller=user, day__gte=today - timedelta(days=CHART_DAYS - 1)).aggregate(
        today=_money_sum("revenue", Q(day__gte=today)),
        week=_money_sum("revenue", week),
        month=_money_sum("revenue"),
        orders_today=Coalesce(Sum("orders", filter=Q(day__gte=today)), 0),
        orders_week=Coalesce(Sum("orders", filter=week), 0),
        orders_month=Coalesce(Sum("orders"), 0),
    )
    summary.update(
        ProductSales.objects.filter(seller=user).aggregate(
            total=_money_sum("revenue"),
            orders=Coalesce(Sum("sales"), 0),
            refunded=Coalesce(Sum("refunded"), 0),
            free_downloads=Coalesce(Sum("free_downloads"), 0),
        )
    )
    return summary


def product_counts(user):
    """How many of the seller's products are live and how many are drafts: their
    :class:`SellerCatalogue` row (one query, however many products they have)."""
    row = SellerCatalogue.objects.of_seller(user.pk)
    return {"live": row.live_products, "draft": row.draft_products}


def daily_revenue(user, today=None, days=CHART_DAYS):
    """Net revenue and orders per day for the last ``days`` days, oldest first.

    One query over the seller's ``SellerDailySales`` rows of those days (at most
    ``days`` rows, however many orders they sum). Days without sales are zeros.
    """
    today = today or timezone.localdate()
    first_day = today - timedelta(days=days - 1)
    rows = SellerDailySales.objects.filter(seller=user, day__gte=first_day, day__lte=today).values(
        "day", "revenue", "orders"
    )
    by_day = {row["day"]: row for row in rows}
    best = max((row["revenue"] for row in by_day.values()), default=ZERO)
    chart = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        row = by_day.get(day)
        revenue = row["revenue"] if row else ZERO
        height = max(float(revenue / best * 100), CHART_MIN_BAR) if best > 0 and revenue > 0 else 0.0
        chart.append(
            ChartDay(
                index=offset,
                day=day,
                revenue=revenue,
                orders=row["orders"] if row else 0,
                height=round(height, 2),
            )
        )
    return chart


@dataclass(frozen=True)
class RevenueChart:
    """The 30-day chart: its days, and the figures its labels and text alternative show."""

    days: list
    total: Decimal
    peak: Decimal  # the best day's revenue, the top of the scale
    best_day: ChartDay | None  # None when nothing sold in the period

    width = property(lambda self: CHART_SLOT * len(self.days))
    bar_width = CHART_BAR_WIDTH

    @property
    def middle_day(self):
        return self.days[len(self.days) // 2]


def revenue_chart(user, today=None):
    """The dashboard's chart of net revenue per day over the last 30 days (one query)."""
    days = daily_revenue(user, today=today)
    best = max(days, key=lambda day: day.revenue)
    return RevenueChart(
        days=days,
        total=sum((day.revenue for day in days), ZERO),
        peak=best.revenue,
        best_day=best if best.revenue > 0 else None,
    )


def best_sellers(user, limit=BEST_SELLERS_LIMIT):
    """The seller's products with the most net revenue, then the most sales.

    One query over the seller's ``ProductSales`` rows (one per product sold), with titles.
    """
    return list(
        ProductSales.objects.filter(seller=user, sales__gt=0)
        .order_by("-revenue", "-sales", "product_id")
        .values("product_id", "sales", "revenue", title=F("product__title"))[:limit]
    )


def recent_sales(user, limit=RECENT_SALES_LIMIT):
    """The seller's latest paid (or since refunded) orders, newest first (one query).

    The latest ids are picked in a subquery over the order table alone, so the join to
    the products touches only those few rows.
    """
    latest = (
        Order.objects.for_seller(user)
        .filter(status__in=SALE_STATUSES)
        .filter(amount__gt=0)  # IS_SALE, its status part on its own so the partial index serves it
        .order_by("-paid_at", "-pk")
        .values("pk")[:limit]
    )
    return list(Order.objects.filter(pk__in=Subquery(latest)).select_related("product").order_by("-paid_at", "-pk"))
