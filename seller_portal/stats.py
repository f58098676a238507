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

The marketplace fee is not taken off; the seller's share is in the ledger
(``catalogue.LedgerEntry``).

Windows are calendar days in ``settings.TIME_ZONE``: "today" starts at local midnight,
"7 days" is today and the 6 days before it, "30 days" today and the 29 before, the span
the 30-day chart shows.

Every figure is one aggregate query whatever the number of orders: the four revenue
windows and the order counts in one ``aggregate()`` with filtered sums, the chart with one
``GROUP BY`` day, best sellers with one ``GROUP BY`` product (plus their
titles), recent sales with one ``LIMIT`` query. The index on ``Order(seller, status, paid_at)`` serves them all.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, IntegerField, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalogue.models import Order, OrderStatus, ProductPage

from .models import SALE_STATUSES

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


def _net_revenue(extra=None):
    condition = COUNTS_AS_REVENUE & extra if extra is not None else COUNTS_AS_REVENUE
    return Coalesce(Sum(NET_AMOUNT, filter=condition), Value(ZERO), output_field=MONEY)


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

    One query. Returns a dict: ``today``, ``week``, ``month``, ``total`` (Decimal),
    ``orders`` (paid orders, refunded ones included), ``refunded`` (refunded orders),
    ``orders_today``, ``orders_week``, ``orders_month``.
    """
    today = today or timezone.localdate()
    since_today = day_start(today)
    since_week = day_start(today - timedelta(days=6))
    since_month = day_start(today - timedelta(days=CHART_DAYS - 1))
    sold = Q(status__in=SALE_STATUSES)
    return Order.objects.for_seller(user).aggregate(
        today=_net_revenue(Q(paid_at__gte=since_today)),
        week=_net_revenue(Q(paid_at__gte=since_week)),
        month=_net_revenue(Q(paid_at__gte=since_month)),
        total=_net_revenue(),
        orders=Count("pk", filter=sold),
        refunded=Count("pk", filter=Q(status=OrderStatus.REFUNDED)),
        orders_today=Count("pk", filter=sold & Q(paid_at__gte=since_today)),
        orders_week=Count("pk", filter=sold & Q(paid_at__gte=since_week)),
        orders_month=Count("pk", filter=sold & Q(paid_at__gte=since_month)),
    )


def product_counts(user):
    """How many of the seller's products are live and how many are drafts (one query)."""
    counts = ProductPage.objects.for_seller(user).aggregate(
        live_count=Count("pk", filter=Q(live=True)),
        draft_count=Count("pk", filter=Q(live=False)),
    )
    return {"live": counts["live_count"], "draft": counts["draft_count"]}


def daily_revenue(user, today=None, days=CHART_DAYS):
    """Net revenue and orders per day for the last ``days`` days, oldest first.

    One ``GROUP BY`` query. Each order's day is found with a ``CASE`` over the local
    midnights computed here: plain SQL on every database and right in any time zone,
    where ``TruncDate("paid_at")`` would make SQLite call a Python function for every
    order (several times slower with 100,000 orders). Days without sales are zeros.
    """
    today = today or timezone.localdate()
    first_day = today - timedelta(days=days - 1)
    starts = [day_start(first_day + timedelta(days=offset)) for offset in range(days + 1)]
    day_index = Case(
        *[When(paid_at__lt=starts[offset + 1], then=Value(offset)) for offset in range(days)],
        output_field=IntegerField(),
    )
    rows = (
        Order.objects.for_seller(user)
        .filter(status__in=SALE_STATUSES, paid_at__gte=starts[0], paid_at__lt=starts[-1])
        .annotate(day_index=day_index)
        .values("day_index")
        .annotate(revenue=_net_revenue(), orders=Count("pk"))
        .order_by("day_index")
    )
    by_index = {row["day_index"]: row for row in rows}
    best = max((row["revenue"] for row in by_index.values()), default=ZERO)
    chart = []
    for offset in range(days):
        row = by_index.get(offset)
        revenue = row["revenue"] if row else ZERO
        height = max(float(revenue / best * 100), CHART_MIN_BAR) if best > 0 and revenue > 0 else 0.0
        chart.append(
            ChartDay(
                index=offset,
                day=first_day + timedelta(days=offset),
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

    Two queries: the figures grouped by product id alone (the order index covers it),
    then the titles of the few products on top.
    """
    rows = list(
        Order.objects.for_seller(user)
        .filter(status__in=SALE_STATUSES)
        .values("product_id")
        .annotate(sales=Count("pk"), revenue=_net_revenue())
        .order_by("-revenue", "-sales", "product_id")[:limit]
    )
    titles = dict(ProductPage.objects.filter(pk__in=[row["product_id"] for row in rows]).values_list("pk", "title"))
    for row in rows:
        row["title"] = titles.get(row["product_id"], "")
    return rows


def recent_sales(user, limit=RECENT_SALES_LIMIT):
    """The seller's latest paid (or since refunded) orders, newest first (one query).

    The latest ids are picked in a subquery over the order table alone, so the join to
    the products touches only those few rows.
    """
    latest = (
        Order.objects.for_seller(user).filter(status__in=SALE_STATUSES).order_by("-paid_at", "-pk").values("pk")[:limit]
    )
    return list(Order.objects.filter(pk__in=Subquery(latest)).select_related("product").order_by("-paid_at", "-pk"))
