"""An editor on an order's admin page in Chromium, at 1280 and 390 px: the facts, the
actions, the event history and the download log read well, and "Reset to 0" works."""

import json

import pytest

from dodo.models import WebhookEvent
from tests.browser.helpers import login, save_screenshot
from tests.conftest import _new_page
from tests.factories import (
    TEST_PASSWORD,
    DisputeFactory,
    DownloadFactory,
    OrderFactory,
    OrderRefundFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _event(order, n, event_type, object_id="", **data):
    WebhookEvent.objects.create(
        webhook_id=f"msg_2Yx{n}",
        event_type=event_type,
        body=json.dumps({"type": event_type, "data": {"payment_id": order.dodo_payment_id, **data}}),
        status="processed",
        payment_id=order.dodo_payment_id,
        object_id=object_id,
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_editor_resets_the_download_count_on_the_order_page(browser_site, chromium, settings, width):
    settings.DOWNLOAD_LIMIT_PER_ORDER = 5
    staff = StaffFactory()
    order = OrderFactory(
        dodo_payment_id="pay_0NXq81",
        paid_total="24.20",
        paid_tax="4.20",
        paid_currency="USD",
        download_count=5,
        customer__email="mira@example.com",
    )
    _event(order, 1, "payment.succeeded", total_amount=2420, currency="USD")
    _event(order, 2, "refund.succeeded", object_id="ref_7Kd2", amount=500, currency="USD")
    _event(order, 3, "dispute.opened", object_id="dp_31Qa", amount="2420", currency="USD")
    OrderRefundFactory(order=order, refund_id="ref_7Kd2", reason="Second copy by mistake")
    DisputeFactory(order=order, dispute_id="dp_31Qa")
    for n in range(3):
        DownloadFactory(order=order, ip_address=f"203.0.113.{n + 4}", user_agent="Mozilla/5.0 (X11; Linux) Firefox/140")

    context, page = _new_page(chromium, width, 900)
    try:
        login(page, browser_site.url, staff.email, TEST_PASSWORD)
        page.wait_for_load_state()
        page.goto(f"{browser_site.url}/admin/snippets/catalogue/order/")
        assert page.get_by_text(f"#{order.pk}").first.is_visible()
        save_screenshot(page, f"admin-orders-{width}")
        page.goto(f"{browser_site.url}/admin/snippets/catalogue/order/inspect/{order.pk}/")
        assert page.get_by_role("heading", name="Dodo event history").is_visible()
        save_screenshot(page, f"admin-order-{width}")
        # The admin scrolls inside its own pane: scroll to the history to see it too.
        page.get_by_role("heading", name="Dodo event history").scroll_into_view_if_needed()
        save_screenshot(page, f"admin-order-events-{width}")
        page.get_by_role("button", name="Reset to 0").click()
        page.wait_for_load_state()
        assert page.get_by_text("the 5 downloads used are reset").is_visible()
        order.refresh_from_db()
        assert order.download_count == 0
        assert page.get_by_role("button", name="Reset to 0").count() == 0
    finally:
        context.close()
