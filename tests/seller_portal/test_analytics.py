"""The seller's analytics page (/seller/analytics/): its figures against a recomputation
from the rows, the periods, ownership, and a query budget that does not grow with the
number of products."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalogue import analytics
from catalogue.models import Order, OrderStatus, ProductDailyStats, ProductTraffic, TrafficKind
from seller_portal import stats
from seller_portal.models import SALE_STATUSES
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory, ShortLinkFactory
from tests.seller_portal.conftest import count_queries

pytestmark = pytest.mark.django_db

URL = reverse("seller_portal:analytics")


def _at(days_ago, minutes=1):
    """A moment ``days_ago`` local days back, just after that day's midnight."""
    return stats.day_start(timezone.localdate() - timedelta(days=days_ago)) + timedelta(minutes=minutes)


def _day(days_ago):
    return timezone.localdate() - timedelta(days=days_ago)


def _order(product, net, days_ago, status=OrderStatus.PAID, refunded="0", amount=None):
    return OrderFactory(
        product=product,
        amount=Decimal(amount or net),
        net_amount=Decimal(net),
        status=status,
        refunded_amount=Decimal(refunded),
        paid_at=_at(days_ago),
    )


@pytest.fixture
def shop(seller, other_seller, site_tree):
    """Two products of the seller with views and every kind of order, one idle product,
    and another seller's product with figures of its own."""
    bread = ProductPageFactory(seller=seller, title="Bread book")
    cake = ProductPageFactory(seller=seller, title="Cake course")
    idle = ProductPageFactory(seller=seller, title="Idle idea")
    theirs = ProductPageFactory(seller=other_seller, title="Their thing")

    _order(bread, "10.00", 0, amount="12.00")  # paid, tax on top: counts its net 10
    _order(bread, "20.00", 2, refunded="5.00")  # partly refunded: 15, a refund of 5
    _order(bread, "8.00", 3, status=OrderStatus.REFUNDED, refunded="8.00")  # refunded: 0, a refund of 8
    _order(cake, "7.00", 4, status=OrderStatus.CHARGEBACK)  # charged back: an order, no revenue, no refund
    _order(cake, "30.00", 20)  # in 30 and 90 days, not in 7
    _order(cake, "60.00", 40)  # in 90 days only
    OrderFactory(product=cake, amount=Decimal("0"), paid_at=_at(1))  # free: a download, not a sale
    OrderFactory(product=cake, status=OrderStatus.PENDING, paid_at=None)  # never paid
    _order(theirs, "99.00", 1)

    ProductDailyStats.objects.create(product=bread, day=_day(0), views=120, checkout_starts=6)
    ProductDailyStats.objects.create(product=bread, day=_day(6), views=80, checkout_starts=2)
    ProductDailyStats.objects.create(product=cake, day=_day(10), views=50, checkout_starts=1)
    ProductDailyStats.objects.create(product=cake, day=_day(60), views=500, checkout_starts=9)
    ProductDailyStats.objects.create(product=theirs, day=_day(0), views=1000, checkout_starts=100)
    link = ShortLinkFactory(product=bread, code="Spring-Sale")
    traffic = [
        (bread, 0, TrafficKind.REFERRER, "news.example.org", 70),
        (bread, 0, TrafficKind.DIRECT, "", 30),
        (bread, 0, TrafficKind.SHORT_LINK, "spring-sale", 20),
        (bread, 6, TrafficKind.MARKETPLACE, "", 80),
        (bread, 6, TrafficKind.SHORT_LINK, "forged-code", 3),  # no link of the seller's
        (theirs, 0, TrafficKind.REFERRER, "their-site.example", 1000),
    ]
    for product, days_ago, kind, source, views in traffic:
        ProductTraffic.objects.create(product=product, day=_day(days_ago), kind=kind, source=source, views=views)
    return {"bread": bread, "cake": cake, "idle": idle, "theirs": theirs, "link": link}


def _recompute(products, days):
    """The figures from the rows, in Python, by the module docstring's definitions."""
    first = _day(days - 1)
    start, end = stats.day_start(first), stats.day_start(_day(-1))
    figures = {"views": 0, "checkout_starts": 0, "paid_orders": 0, "revenue": Decimal("0"), "refunds": 0}
    figures["refunded"] = Decimal("0")
    for row in ProductDailyStats.objects.filter(product__in=products, day__gte=first):
        figures["views"] += row.views
        figures["checkout_starts"] += row.checkout_starts
    for order in Order.objects.filter(product__in=products):
        if order.status not in SALE_STATUSES or order.amount <= 0 or not (start <= order.paid_at < end):
            continue
        figures["paid_orders"] += 1
        net = order.net_amount if order.net_amount is not None else order.amount
        if order.status == OrderStatus.PAID:
            figures["revenue"] += net - order.refunded_amount
            if order.refunded_amount:
                figures["refunds"] += 1
                figures["refunded"] += order.refunded_amount
        elif order.status == OrderStatus.REFUNDED:
            figures["refunds"] += 1
            figures["refunded"] += net
    return figures


def _figures(row):
    return {
        "views": row.views,
        "checkout_starts": row.checkout_starts,
        "paid_orders": row.paid_orders,
        "revenue": row.revenue,
        "refunds": row.refunds,
        "refunded": row.refunded,
    }


@pytest.mark.parametrize("days", [7, 30, 90])
def test_every_figure_equals_a_recomputation_from_the_rows(seller_client, shop, days):
    report = seller_client.get(URL, {"days": days}).context["report"]
    mine = [shop["bread"], shop["cake"], shop["idle"]]
    assert report.period.days == days
    assert _figures(report.totals) == _recompute(mine, days)
    rows = {row.product_id: row for row in report.products}
    assert set(rows) == {product.pk for product in mine}  # never the other seller's
    for product in mine:
        assert _figures(rows[product.pk]) == _recompute([product], days)


def test_the_figures_by_hand(seller_client, shop):
    report = seller_client.get(URL, {"days": 7}).context["report"]
    bread = next(row for row in report.products if row.product_id == shop["bread"].pk)
    assert (bread.views, bread.checkout_starts, bread.paid_orders) == (200, 8, 3)
    assert bread.revenue == Decimal("25.00")  # 10 + (20 - 5) + 0
    assert (bread.refunds, bread.refunded) == (2, Decimal("13.00"))  # the partial 5 and the whole 8
    assert bread.conversion == Decimal("1.5")  # 3 orders / 200 views
    cake = next(row for row in report.products if row.product_id == shop["cake"].pk)
    assert (cake.views, cake.paid_orders, cake.revenue, cake.refunds) == (0, 1, Decimal("0"), 0)  # the chargeback
    assert cake.conversion is None
    # Busiest first; products without views or sales are listed too.
    assert [row.title for row in report.products] == ["Bread book", "Cake course", "Idle idea"]


def test_revenue_follows_the_dashboards_rule(seller_client, seller, shop):
    """The same revenue as the dashboard's windows (seller_portal.stats) over the same days."""
    summary = stats.revenue_summary(seller)
    assert seller_client.get(URL, {"days": 7}).context["report"].totals.revenue == summary["week"]
    assert seller_client.get(URL, {"days": 30}).context["report"].totals.revenue == summary["month"]


def test_periods_and_the_daily_series(seller_client, shop):
    by_days = {days: seller_client.get(URL, {"days": days}).context["report"] for days in (7, 30, 90)}
    assert [by_days[days].totals.paid_orders for days in (7, 30, 90)] == [4, 5, 6]
    assert [by_days[days].totals.views for days in (7, 30, 90)] == [200, 250, 750]
    week = by_days[7]
    assert [day.day for day in week.days] == [_day(offset) for offset in range(6, -1, -1)]
    assert [day.views for day in week.days] == [80, 0, 0, 0, 0, 0, 120]
    assert sum(day.paid_orders for day in week.days) == week.totals.paid_orders
    assert sum((day.revenue for day in week.days), Decimal("0")) == week.totals.revenue
    assert week.days[-1].height == 100 and week.days[0].height == pytest.approx(66.67)
    # Anything else is the default, 30 days.
    for value in ("", "14", "abc", "-7"):
        assert seller_client.get(URL, {"days": value}).context["report"].period.days == 30


def test_where_views_came_from_shows_the_sellers_own_links_only(seller_client, shop):
    report = seller_client.get(URL, {"days": 7}).context["report"]
    assert dict(report.kinds) == {
        TrafficKind.DIRECT: 30,
        TrafficKind.MARKETPLACE: 80,
        TrafficKind.SHORT_LINK: 23,
        TrafficKind.REFERRER: 70,
    }
    assert report.referrers == [{"source": "news.example.org", "views": 70}]
    assert [(row["source"], row["title"], row["views"]) for row in report.short_links] == [
        ("spring-sale", "Bread book", 20)
    ]
    html = seller_client.get(URL, {"days": 7}).content.decode()
    assert "their-site.example" not in html and "forged-code" not in html


def test_one_product_at_a_time_and_another_sellers_is_not_found(seller_client, shop):
    response = seller_client.get(URL, {"days": 90, "product": shop["cake"].pk})
    report = response.context["report"]
    assert response.context["product"] == shop["cake"]
    assert (report.totals.views, report.totals.paid_orders) == (550, 3)
    assert [row.product_id for row in report.products] == [shop["cake"].pk]
    for value in (shop["theirs"].pk, "abc", "999999", "0"):
        assert seller_client.get(URL, {"product": value}).status_code == 404


def test_only_sellers_see_the_page(client, shop):
    assert client.get(URL).status_code == 302  # to sign in
    client.force_login(CustomerFactory())
    assert client.get(URL).status_code in (302, 403)


def test_the_page_shows_the_table_with_labels_and_the_nav_tab(seller_client, shop):
    html = seller_client.get(URL, {"days": 7}).content.decode()
    assert f'href="{URL}"' in html  # the portal navigation's tab
    assert 'aria-current="page">7 days' in html
    for label in ("Views", "Checkouts", "Paid orders", "Conversion", "Revenue", "Refunds"):
        assert f'data-label="{label}"' in html
    assert "1.5%" in html and "—" in html
    assert "<svg" in html and 'class="bar"' in html


def test_views_counted_in_development_show_without_a_worker(seller_client, shop, client):
    """With the local-memory cache (one process, no worker sharing it) the page flushes."""
    assert isinstance(analytics.get_buffer(), analytics.LocalBuffer)
    analytics.record_view(shop["idle"].pk, TrafficKind.DIRECT, "")
    report = seller_client.get(URL, {"days": 7}).context["report"]
    assert next(row for row in report.products if row.product_id == shop["idle"].pk).views == 1


def test_the_query_count_does_not_grow_with_products_or_orders(seller_client, seller, site_tree):
    def add_products(count):
        for number in range(count):
            product = ProductPageFactory(seller=seller)
            _order(product, "5.00", number % 7, refunded="1.00" if number % 2 else "0")
            ProductDailyStats.objects.create(product=product, day=_day(number % 5), views=10, checkout_starts=1)
            ProductTraffic.objects.create(
                product=product, day=_day(0), kind=TrafficKind.REFERRER, source=f"site{number}.example", views=10
            )

    add_products(2)
    few = count_queries(seller_client, f"{URL}?days=90")
    add_products(18)
    many = count_queries(seller_client, f"{URL}?days=90")
    assert many == few
