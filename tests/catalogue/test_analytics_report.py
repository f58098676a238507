"""The editors' product analytics report in Wagtail admin and its CSV export
(catalogue/admin_analytics.py): the marketplace's figures, the file's content, who may see it."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from catalogue import analytics
from catalogue.models import OrderStatus, ProductDailyStats, ProductTraffic, TrafficKind
from tests.factories import CustomerFactory, OrderFactory, ProductPageFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db

REPORT = reverse("catalogue_analytics")
EXPORT = reverse("catalogue_analytics_export")


def _day(days_ago):
    return timezone.localdate() - timedelta(days=days_ago)


def _paid(days_ago):
    return analytics.day_start(_day(days_ago)) + timedelta(hours=1)


@pytest.fixture
def marketplace(site_tree):
    ann = SellerFactory(first_name="Ann", last_name="Baker", email="ann@example.com")
    bob = SellerFactory(first_name="+Bob", last_name="", email="bob@example.com")
    bread = ProductPageFactory(seller=ann, title="Bread book")
    sheet = ProductPageFactory(seller=bob, title='=HYPERLINK("http://evil.example","x")')
    ProductPageFactory(seller=bob, title="Nobody looked")
    OrderFactory(product=bread, amount=Decimal("12.00"), net_amount=Decimal("10.00"), paid_at=_paid(0))
    OrderFactory(
        product=bread, amount=Decimal("24.00"), net_amount=Decimal("20.00"), refunded_amount=Decimal("5.50"),
        paid_at=_paid(1),
    )  # fmt: skip
    OrderFactory(
        product=sheet, amount=Decimal("9.00"), net_amount=Decimal("9.00"), refunded_amount=Decimal("9.00"),
        status=OrderStatus.REFUNDED, paid_at=_paid(2),
    )  # fmt: skip
    OrderFactory(product=sheet, amount=Decimal("3.00"), net_amount=Decimal("3.00"), paid_at=_paid(45))
    ProductDailyStats.objects.create(product=bread, day=_day(0), views=400, checkout_starts=9)
    ProductDailyStats.objects.create(product=sheet, day=_day(1), views=100, checkout_starts=4)
    ProductTraffic.objects.create(
        product=bread, day=_day(0), kind=TrafficKind.REFERRER, source="blog.example", views=300
    )
    ProductTraffic.objects.create(product=bread, day=_day(0), kind=TrafficKind.SHORT_LINK, source="launch", views=100)
    ProductTraffic.objects.create(product=sheet, day=_day(1), kind=TrafficKind.DIRECT, source="", views=100)
    return {"bread": bread, "sheet": sheet}


def test_the_report_shows_every_sellers_products_with_activity(admin_client, marketplace):
    response = admin_client.get(REPORT, {"days": 7})
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.totals.views, report.totals.checkout_starts, report.totals.paid_orders) == (500, 13, 3)
    assert report.totals.revenue == Decimal("24.50")  # 10 + (20 - 5.50) + 0
    assert (report.totals.refunds, report.totals.refunded) == (2, Decimal("14.50"))
    assert report.totals.conversion == Decimal("0.6")
    rows = [(row.title, row.seller_name, row.views, row.paid_orders) for row in report.products]
    assert rows == [("Bread book", "Ann Baker", 400, 2), ('=HYPERLINK("http://evil.example","x")', "+Bob", 100, 1)]
    assert report.referrers == [{"source": "blog.example", "views": 300}]
    assert [row["source"] for row in report.short_links] == ["launch"]
    html = response.content.decode()
    assert "Nobody looked" not in html  # no views, no sales
    assert "Ann Baker" in html and "blog.example" in html and "/s/launch/" in html
    assert f'href="{EXPORT}?days=7"' in html
    # 90 days takes in the older order.
    assert admin_client.get(REPORT, {"days": 90}).context["report"].totals.paid_orders == 4


def test_the_csv_has_every_row_money_as_plain_decimals_and_no_formulas(admin_client, marketplace):
    response = admin_client.get(EXPORT, {"days": 7})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    first, last = _day(6).isoformat(), _day(0).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="product-analytics-{first}-to-{last}.csv"'
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2
    bread, sheet = rows
    assert bread == {
        "product_id": str(marketplace["bread"].pk),
        "product": "Bread book",
        "seller": "Ann Baker",
        "seller_email": "ann@example.com",
        "live": "yes",
        "first_day": first,
        "last_day": last,
        "views": "400",
        "checkout_starts": "9",
        "paid_orders": "2",
        "conversion_percent": "0.5",
        "revenue": "24.50",
        "refunds": "1",
        "refunded": "5.50",
        "currency": "USD",
    }
    assert sheet["product"] == '\'=HYPERLINK("http://evil.example","x")'
    assert sheet["seller"] == "'+Bob"
    assert (sheet["revenue"], sheet["refunds"], sheet["refunded"]) == ("0.00", "1", "9.00")


def test_editors_who_may_see_orders_may_see_the_report(client, marketplace):
    editor = UserFactory()
    group = Group.objects.create(name="Order viewers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(content_type__app_label="catalogue", codename="view_order"),
    )
    editor.groups.add(group)
    client.force_login(editor)
    assert client.get(REPORT).status_code == 200
    assert client.get(EXPORT).status_code == 200
    assert "/admin/reports/product-analytics/" in client.get(reverse("wagtailadmin_home")).content.decode()


@pytest.mark.parametrize("who", ["anonymous", "customer", "seller", "editor without orders"])
def test_everyone_else_is_refused(client, marketplace, who):
    if who == "customer":
        client.force_login(CustomerFactory())
    elif who == "seller":
        client.force_login(marketplace["bread"].seller)
    elif who == "editor without orders":
        editor = UserFactory()
        group = Group.objects.create(name="Admins only")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        editor.groups.add(group)
        client.force_login(editor)
        assert "product-analytics" not in client.get(reverse("wagtailadmin_home")).content.decode()
    for url in (REPORT, EXPORT):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"Bread book" not in response.content


def test_the_report_query_count_does_not_grow_with_products(admin_client, site_tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count):
        for number in range(count):
            product = ProductPageFactory()
            OrderFactory(product=product, net_amount=Decimal("4.00"), paid_at=_paid(number % 6))
            ProductDailyStats.objects.create(product=product, day=_day(number % 6), views=5, checkout_starts=1)

    def queries(url):
        admin_client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured)

    add(2)
    few = (queries(REPORT), queries(EXPORT))
    add(18)
    assert (queries(REPORT), queries(EXPORT)) == few
