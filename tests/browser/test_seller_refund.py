"""A seller refunds part of an order in Chromium (the refund goes to the Dodo emulator over
HTTP) and sees the order page, the dashboard and the earnings change; a buyer asks for a
refund and the seller approves it from the ticket on a phone.

The buyer paid $12.50 (no tax); the fee is 10 %: the sale earns the seller $11.25.
"""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse

from catalogue.models import Order, OrderStatus, SupportTicket
from tests.browser.helpers import login, save_screenshot
from tests.dodo.purchase import event, post_webhook, sellable_product
from tests.factories import TEST_PASSWORD, CustomerFactory, SellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sold(browser_site, dodo_settings, dodo_emulator, settings):
    """A $12.50 order paid on the emulator (its webhook posted to the site as Dodo would)."""
    settings.SITE_URL = browser_site.url
    settings.MARKETPLACE_FEE_PERCENT = 10
    customer = CustomerFactory(email="buyer@example.com", first_name="Chloe")
    seller = SellerFactory(email="maker@example.com", first_name="Maya")
    product = sellable_product(lambda fn: fn(), title="Field Recordings Vol. 2", price=Decimal("12.50"), seller=seller)
    buyer = Client()
    buyer.force_login(customer)
    buyer.post(reverse("dodo:checkout", args=(product.pk,)))
    order = Order.objects.get(customer=customer)
    payment = dodo_emulator.pay(order.dodo_checkout_session_id)["payment"]
    assert post_webhook(buyer, event("payment.succeeded", payment)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    mail.outbox.clear()
    return order


def _fits(pg):
    return pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _earnings_url():
    try:
        return reverse("seller_portal:earnings")
    except NoReverseMatch:
        return None


def test_a_seller_refunds_part_of_an_order_and_sees_the_figures_change(sold, browser_site, page, mobile_page):
    order, base = sold, browser_site.url
    login(page, base, order.seller.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(base + "/seller/")
    assert "$12.50" in page.locator(".stats").first.inner_text()

    page.get_by_role("link", name="Orders").first.click()
    page.wait_for_url("**/seller/orders/")
    row = page.locator("table.seller-orders tbody tr").first
    assert "Field Recordings Vol. 2" in row.inner_text() and "buyer@example.com" in row.inner_text()
    assert "$11.25" in row.inner_text()
    save_screenshot(page, "seller-orders-1280")
    row.get_by_role("link", name=f"#{order.pk}").click()
    page.wait_for_url(f"**/seller/orders/{order.pk}/")
    assert page.locator("[data-earnings-now]").inner_text() == "$11.25"

    # A mistake first: more than was paid. The page says so and keeps what was typed.
    page.get_by_label("Part of it").check()
    page.get_by_label("Amount for a partial refund").fill("20")
    page.get_by_label("Reason").fill("Chapter 3 was missing from the download")
    page.get_by_role("button", name="Refund through Dodo").click()
    page.wait_for_load_state()
    assert "At most $12.50 is left to refund" in page.locator(".refund-form").inner_text()
    assert page.get_by_label("Reason").input_value() == "Chapter 3 was missing from the download"
    save_screenshot(page, "seller-refund-error-1280")

    page.get_by_label("Amount for a partial refund").fill("5.00")
    page.get_by_role("button", name="Refund through Dodo").click()
    page.wait_for_url(f"**/seller/orders/{order.pk}/")
    assert f"Refunded $5.00 of order #{order.pk}" in page.locator(".messages").inner_text()
    # 40 % of the sale goes back: 4.50 of the 11.25 earnings.
    assert page.locator("[data-earnings-now]").inner_text() == "$6.75"
    ledger = page.locator("table.order-ledger").inner_text()
    assert "Refund" in ledger and "\u2212$4.50" in ledger and "+$0.50" in ledger
    assert "$7.50" in page.locator("#refund").inner_text()  # what is left
    assert _fits(page)
    save_screenshot(page, "seller-order-refunded-1280")
    refund = order.refunds.get()
    assert refund.amount == Decimal("5.00") and refund.is_partial
    assert sorted(m.to[0] for m in mail.outbox) == ["buyer@example.com", "maker@example.com"]

    page.goto(base + "/seller/")
    assert "$7.50" in page.locator(".stats").first.inner_text()  # revenue net of the refund
    earnings = _earnings_url()
    if earnings:
        page.goto(base + earnings)
        assert "4.50" in page.content()
        save_screenshot(page, "seller-earnings-after-refund-1280")

    # The same pages on a phone: cards, no sideways scrolling.
    login(mobile_page, base, order.seller.email, TEST_PASSWORD)
    mobile_page.wait_for_load_state()
    for path, name in (("/seller/orders/", "seller-orders-390"), (f"/seller/orders/{order.pk}/", "seller-order-390")):
        mobile_page.goto(base + path)
        assert _fits(mobile_page), path
        save_screenshot(mobile_page, name)
    assert mobile_page.locator("[data-earnings-now]").inner_text() == "$6.75"


def test_a_buyer_asks_for_a_refund_and_the_seller_approves_it_on_a_phone(sold, browser_site, page, mobile_page):
    order, base = sold, browser_site.url
    login(page, base, order.customer.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(base + "/account/orders/")
    save_screenshot(page, "customer-orders-ask-refund-1280")
    page.get_by_role("link", name="Ask for a refund").click()
    page.wait_for_url(f"**/account/orders/{order.pk}/refund/")
    save_screenshot(page, "refund-request-1280")
    page.get_by_label("Why are you asking for a refund?").fill("The audio files are silent after 0:30.")
    page.get_by_role("button", name="Send refund request").click()
    page.wait_for_url(re.compile(r".*/account/support/\d+/$"))
    ticket = SupportTicket.objects.get()
    assert ticket.refund_requested and ticket.order_id == order.pk
    assert [m.to for m in mail.outbox] == [["maker@example.com"]]

    login(mobile_page, base, order.seller.email, TEST_PASSWORD)
    mobile_page.wait_for_load_state()
    mobile_page.goto(base + "/seller/support/")
    assert "Refund requested" in mobile_page.content()
    mobile_page.goto(base + f"/seller/support/{ticket.pk}/")
    save_screenshot(mobile_page, "seller-refund-request-390")
    assert _fits(mobile_page)
    mobile_page.get_by_role("button", name="Approve refund of $12.50").click()
    mobile_page.wait_for_url(f"**/seller/support/{ticket.pk}/")
    assert "fully refunded" in mobile_page.locator(".messages").inner_text()
    assert "Refund made" in mobile_page.content()
    assert _fits(mobile_page)
    save_screenshot(mobile_page, "seller-refund-approved-390")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED

    page.goto(base + f"/account/support/{ticket.pk}/")
    assert "A refund of $12.50 (tax included) was made on this order" in page.content()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/account/orders/")
    assert "Refunded" in page.content() and _fits(page)
    save_screenshot(page, "customer-orders-refunded-390")
