"""The admin dashboard's "Marketplace" section in Chromium at 1280 and 390 px: panels that
need a person stand out, the all-clear ones read so, a figure leads to its rows, and the
page fits a phone without sideways scroll."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.models import CategoryStatus, OrderStatus
from dodo.models import DodoCustomer, DodoProduct, SyncStatus, WebhookEvent, WebhookEventStatus
from tests.browser.helpers import login, save_screenshot
from tests.conftest import _new_page
from tests.factories import (
    TEST_PASSWORD,
    DisputeFactory,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
    StaffFactory,
    SupportTicketFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _marketplace_state():
    maya = SellerFactory(first_name="Maya", last_name="Okafor")
    book = ProductPageFactory(title="Intro to Rust", seller=maya, price=Decimal("24.00"))
    kit = ProductPageFactory(title="Pitch Deck Kit", seller=maya, price=Decimal("39.00"))
    now = timezone.now()
    OrderFactory(product=book, net_amount=Decimal("21.60"), paid_at=now - timedelta(minutes=5))
    OrderFactory(product=kit, net_amount=Decimal("35.10"), refunded_amount=Decimal("10.00"), paid_at=now)
    OrderFactory(product=kit, status=OrderStatus.PAID, paid_at=now - timedelta(days=3))
    flagged = OrderFactory(
        product=book, needs_review=True, review_note="Paid 1.00 for 24.00", paid_at=now - timedelta(days=2)
    )
    DisputeFactory(order=OrderFactory(product=kit, paid_at=now - timedelta(days=5)))
    ticket = SupportTicketFactory(product=book, subject="Chapter 4 download is empty")
    ticket.escalated_at = now - timedelta(hours=3)
    ticket.save(update_fields=["escalated_at"])
    SupportTicketFactory(product=kit, subject="Does it open in Keynote?")
    ProductCategoryFactory(name="Fonts", status=CategoryStatus.PENDING)
    # Dodo: one product failed to sync, one payment matched no order.
    DodoProduct.objects.filter(page=kit).update(sync_status=SyncStatus.FAILED, sync_error="Dodo answered 503")
    DodoCustomer.objects.filter(user=maya).update(sync_status=SyncStatus.FAILED, sync_error="Timed out")
    WebhookEvent.objects.create(
        webhook_id="wh_lost_1",
        event_type="payment.succeeded",
        body='{"data": {"payment_id": "pay_lost_1", "total_amount": 1900, "currency": "USD"}}',
        status=WebhookEventStatus.UNMATCHED,
        payment_id="pay_lost_1",
    )
    return flagged


@pytest.mark.parametrize("width", [1280, 390])
def test_editor_reads_the_marketplace_from_the_dashboard(browser_site, dodo_settings, chromium, width):
    staff = StaffFactory(first_name="Edith", last_name="Editor")
    flagged = _marketplace_state()

    context, page = _new_page(chromium, width, 900)
    try:
        login(page, browser_site.url, staff.email, TEST_PASSWORD)
        page.wait_for_load_state()
        page.goto(f"{browser_site.url}/admin/")
        section = page.locator("#marketplace-section")
        assert section.is_visible()
        assert section.locator("[data-panel=flagged-orders].mp-card--attention").is_visible()
        assert section.locator("[data-panel=sales]").get_by_text("$46.70").is_visible()
        assert section.locator("[data-panel=dodo-sync]").get_by_text("1 customer · 1 product").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The admin scrolls inside its own layout, so a full-page shot needs a tall window.
        page.set_viewport_size({"width": width, "height": 2400 if width < 800 else 1300})
        save_screenshot(page, f"admin-dashboard-{width}")

        section.locator("[data-panel=flagged-orders] .mp-figure__main").click()
        page.wait_for_load_state()
        assert page.locator(f"a[href$='/order/inspect/{flagged.pk}/']").first.is_visible()
    finally:
        context.close()
