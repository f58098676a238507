"""Product analytics in Chromium: the product page's counter script really reports views
(with the short link they came through, and the fragment removed), and screenshots of the
seller's analytics page and the editors' report at 1280 and 390 px."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue import analytics
from catalogue.analytics_demo import seed_traffic
from catalogue.models import OrderStatus, ProductDailyStats, ProductTraffic, TrafficKind
from tests.browser.helpers import login, save_screenshot
from tests.conftest import _new_page
from tests.factories import (
    TEST_PASSWORD,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
    ShortLinkFactory,
    StaffFactory,
)
from tests.polling import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _counted(product, kind, source=""):
    """Flush what the beacons counted and answer the product's views of that kind."""
    analytics.flush_counters(now=timezone.now() + timedelta(minutes=2))
    row = ProductTraffic.objects.filter(product=product, kind=kind, source=source).first()
    return row.views if row else 0


def test_the_product_page_reports_its_view_and_the_short_link_it_came_through(browser_site, page):
    product = ProductPageFactory(title="Sourdough Handbook")
    ShortLinkFactory(product=product, code="Launch")

    page.goto(f"{browser_site.url}/s/Launch/")
    page.wait_for_load_state()
    # The redirect's fragment named the link to the script, which then took it away.
    assert page.url == f"{browser_site.url}{product.url}"
    assert wait_for(lambda: _counted(product, TrafficKind.SHORT_LINK, "launch"), "the short-link view") == 1

    # A visitor arriving from another page of the shop counts as the marketplace.
    page.goto(f"{browser_site.url}/catalogue/")
    page.get_by_role("link", name="Sourdough Handbook").first.click()
    page.wait_for_url(f"**{product.url}")
    assert wait_for(lambda: _counted(product, TrafficKind.MARKETPLACE), "the marketplace view") == 1
    assert ProductDailyStats.objects.get(product=product).views == 2


def _demo_shop():
    """A seller with a few products, 90 days of traffic and orders of every kind."""
    maya = SellerFactory(first_name="Maya", last_name="Okafor")
    lars = SellerFactory(first_name="Lars", last_name="Berg")
    books = ProductCategoryFactory(name="E-books")
    titles = [
        "Intro to Rust",
        "SQL for Analysts",
        "Notion Freelancer OS",
        "Pitch Deck Kit",
        "A very long title for a course on watercolour brushes and paper",
    ]
    products = [
        ProductPageFactory(title=title, seller=maya, category=books, price=Decimal("19.00")) for title in titles
    ]
    products.append(ProductPageFactory(title="Lo-fi Drum Loops", seller=lars, category=books))
    ShortLinkFactory(product=products[0], code="rust-launch")
    ShortLinkFactory(product=products[1], code="sql-newsletter")
    seed_traffic({products[0].pk: ["rust-launch"], products[1].pk: ["sql-newsletter"]})
    today = timezone.localdate()
    for number in range(40):
        product = products[number % 6]
        status = OrderStatus.REFUNDED if number % 13 == 5 else OrderStatus.PAID
        paid_at = analytics.day_start(today - timedelta(days=(number * 7) % 60)) + timedelta(hours=9)
        OrderFactory(
            product=product,
            amount=Decimal("19.00"),
            net_amount=Decimal("19.00"),
            refunded_amount=Decimal("19.00")
            if status == OrderStatus.REFUNDED
            else Decimal("4.00") * (number % 11 == 3),
            status=status,
            paid_at=paid_at,
        )
    return maya


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_the_analytics_pages(browser_site, chromium, width):
    maya = _demo_shop()
    staff = StaffFactory()
    context, page = _new_page(chromium, width, 900)
    try:
        login(page, browser_site.url, maya.email, TEST_PASSWORD)
        page.wait_for_load_state()
        for name, query in (("seller-analytics", "?days=30"), ("seller-analytics-90", "?days=90")):
            page.goto(f"{browser_site.url}/seller/analytics/{query}")
            assert page.get_by_role("heading", name="Analytics", exact=True).is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            save_screenshot(page, f"{name}-{width}")
        page.get_by_role("link", name="Intro to Rust").first.click()
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        save_screenshot(page, f"seller-analytics-product-{width}")

        context.clear_cookies()
        login(page, browser_site.url, staff.email, TEST_PASSWORD)
        page.wait_for_load_state()
        page.goto(f"{browser_site.url}/admin/reports/product-analytics/?days=30")
        assert page.get_by_role("heading", name="Product analytics").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        save_screenshot(page, f"admin-product-analytics-{width}")
        # The admin scrolls inside its own pane: scroll to the tables to see them too.
        for section in ("Products", "Views per day"):
            page.get_by_role("heading", name=section, exact=True).scroll_into_view_if_needed()
            save_screenshot(page, f"admin-product-analytics-{section.split()[0].lower()}-{width}")
    finally:
        context.close()
