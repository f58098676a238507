"""A visitor buys with only an email in Chromium, at 1280 and 390 px: the buy box's
email field (a typo comes back as typed) -> the emulator's checkout -> Pay -> "check your
inbox" -> the emailed sign-in link -> the library, with "Set a password" offered."""

import re

import pytest
from django.core import mail

from catalogue.models import Order, OrderStatus
from tests.browser.helpers import save_screenshot
from tests.dodo.purchase import sellable_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(pg, width, what):
    assert pg.evaluate("document.documentElement.scrollWidth") <= width, what


@pytest.mark.parametrize("width", [1280, 390])
def test_guest_buys_with_an_email_and_opens_the_library_from_the_link(
    width, chromium, browser_site, dodo_settings, dodo_emulator, settings
):
    settings.SITE_URL = browser_site.url
    dodo_emulator.set_webhook_url(f"{browser_site.url}/dodo/webhook/")
    product = sellable_product(lambda fn: fn(), title="Field Recordings: Rain")
    context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    try:
        pg.goto(browser_site.url + product.url)
        email = pg.get_by_label("Your email")
        assert pg.get_by_role("link", name="Log in to buy").is_visible()
        _fits(pg, width, "product page")
        save_screenshot(pg, f"guest-checkout-1-buy-box-{width}")

        # A typo the browser lets through (no dot in the domain): refused by us, kept as typed.
        email.fill("rain.lover@example")
        pg.get_by_role("button", name="Buy now").click()
        pg.wait_for_load_state()
        assert pg.get_by_text("Enter a valid email address").is_visible()
        assert pg.get_by_label("Your email").input_value() == "rain.lover@example"
        save_screenshot(pg, f"guest-checkout-2-email-error-{width}")

        pg.get_by_label("Your email").fill("rain.lover@example.com")
        pg.get_by_role("button", name="Buy now").click()
        pg.wait_for_url("**/checkout/*")
        assert "rain.lover@example.com" in pg.content()  # Dodo's page is for that customer
        pg.get_by_role("button", name="Pay").click()

        pg.wait_for_url("**/checkout/return/**")
        pg.get_by_role("heading", name="Thank you, it's yours").wait_for(timeout=15_000)
        assert "Check your inbox" in pg.content() and pg.get_by_role("link", name="Download now").count() == 0
        _fits(pg, width, "return page")
        save_screenshot(pg, f"guest-checkout-3-check-inbox-{width}")
        order = Order.objects.get(product=product)
        assert order.status == OrderStatus.PAID and order.customer.email == "rain.lover@example.com"

        [message] = [m for m in mail.outbox if "/accounts/sign-in/" in m.body]
        link = re.search(r"(http\S+/accounts/sign-in/\S+)", message.body).group(1)
        pg.goto(link)
        save_screenshot(pg, f"guest-checkout-4-sign-in-link-{width}")
        pg.get_by_role("button", name="Open my library").click()
        pg.wait_for_url("**/account/products/")
        assert pg.get_by_role("link", name="Download Field Recordings: Rain").is_visible()
        assert pg.get_by_role("link", name="Set a password").is_visible()
        _fits(pg, width, "library")
        save_screenshot(pg, f"guest-checkout-5-library-{width}")

        pg.get_by_role("link", name="Set a password").click()
        pg.wait_for_url("**/accounts/password/set/")
        _fits(pg, width, "set password")
        save_screenshot(pg, f"guest-checkout-6-set-password-{width}")
    finally:
        context.close()
