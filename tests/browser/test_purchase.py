"""A customer buys a product in Chromium: Buy -> the emulator's checkout page -> Pay ->
a signed webhook reaches the live site -> paid -> download."""

import pytest
from django.core import mail

from catalogue.models import Order, OrderStatus
from tests.browser.helpers import login, save_screenshot
from tests.dodo.purchase import sellable_product
from tests.factories import TEST_PASSWORD, CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(browser_site, dodo_settings, dodo_emulator, settings):
    """The live site wired to the emulator both ways: API calls and webhooks."""
    settings.SITE_URL = browser_site.url
    dodo_emulator.set_webhook_url(f"{browser_site.url}/dodo/webhook/")
    customer = CustomerFactory(email="shopper@example.com", first_name="Shopper")
    product = sellable_product(lambda fn: fn(), title="Synth Presets Vol. 1")
    return customer, product


def test_buy_pay_and_download(shop, browser_site, page):
    customer, product = shop
    login(page, browser_site.url, customer.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(browser_site.url + product.url)
    page.get_by_role("button", name="Buy now").click()

    # Dodo's hosted checkout (the emulator's page).
    page.wait_for_url("**/checkout/*")
    assert "Synth Presets Vol. 1" in page.content()
    save_screenshot(page, "purchase-1-dodo-checkout")
    page.get_by_role("button", name="Pay").click()

    # Back on the site: processing until the webhook lands, then paid.
    page.wait_for_url("**/checkout/return/**")
    page.get_by_role("heading", name="Thank you, it's yours").wait_for(timeout=15_000)
    save_screenshot(page, "purchase-2-paid")
    order = Order.objects.get(customer=customer)
    assert order.status == OrderStatus.PAID
    assert [m.to for m in mail.outbox if m.subject.startswith("Your receipt")] == [["shopper@example.com"]]

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download now").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert open(download.path(), "rb").read().startswith(b"%PDF")

    page.goto(browser_site.url + "/account/products/")
    assert page.get_by_role("link", name="Download Synth Presets Vol. 1").is_visible()
    save_screenshot(page, "purchase-3-library")


def test_declined_payment_comes_back_with_nothing_charged(shop, browser_site, page):
    customer, product = shop
    login(page, browser_site.url, customer.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(browser_site.url + product.url)
    page.get_by_role("button", name="Buy now").click()
    page.wait_for_url("**/checkout/*")
    page.get_by_role("button", name="Decline").click()
    page.wait_for_url("**/checkout/return/**")
    page.get_by_role("heading", name="Payment not completed").wait_for(timeout=15_000)
    assert Order.objects.get(customer=customer).status == OrderStatus.FAILED


def test_purchase_pages_fit_a_phone(browser_site, mobile_page):
    from tests.factories import OrderFactory, ProductPageFactory

    customer = CustomerFactory()
    for index, status in enumerate([OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.PENDING, OrderStatus.FAILED]):
        OrderFactory(customer=customer, status=status, product=ProductPageFactory(title=f"A rather long product title {index}"))
    login(mobile_page, browser_site.url, customer.email, TEST_PASSWORD)
    mobile_page.wait_for_load_state()
    for path in ("/account/products/", "/account/orders/"):
        mobile_page.goto(browser_site.url + path)
        assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390, path
        save_screenshot(mobile_page, "purchase-" + path.strip("/").replace("/", "-") + "-390")


def test_a_french_buyer_with_a_code_pays_in_euros_and_the_receipt_says_so(shop, browser_site, page, dodo_emulator):
    """Issue 11's "done when": 20 % VAT, a discount code and EUR billing end paid, and
    what the buyer sees afterwards is what they were charged."""
    import requests

    customer, product = shop
    requests.post(
        f"{dodo_emulator.base_url}/discounts",
        json={"type": "percentage", "amount": 2000, "code": "SPRING20"},
        headers={"Authorization": f"Bearer {dodo_emulator.api_key}"},
        timeout=10,
    ).raise_for_status()
    login(page, browser_site.url, customer.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(browser_site.url + product.url)
    page.get_by_role("button", name="Buy now").click()

    page.wait_for_url("**/checkout/*")
    page.get_by_label("Billing country").select_option("FR")
    page.get_by_label("Discount code").fill("SPRING20")
    page.get_by_role("button", name="Update total").click()
    page.wait_for_load_state()
    save_screenshot(page, "purchase-eur-1-dodo-checkout")
    page.get_by_role("button", name="Pay").click()

    page.wait_for_url("**/checkout/return/**")
    page.get_by_role("heading", name="Thank you, it's yours").wait_for(timeout=15_000)
    save_screenshot(page, "purchase-eur-2-paid")
    order = Order.objects.get(customer=customer)
    assert order.status == OrderStatus.PAID and order.paid_currency == "EUR" and order.discount_code == "SPRING20"
    shown = page.content()
    assert "€" in shown and "SPRING20" in shown
    receipt = next(m for m in mail.outbox if m.subject.startswith("Your receipt"))
    assert "€" in receipt.body and "SPRING20" in receipt.body
