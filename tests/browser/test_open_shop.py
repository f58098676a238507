"""A signed-in customer opens a shop, in a real Chromium at desktop and phone widths:
"Sell on Brightshelf" in the header, one form, the seller portal."""

import pytest

from accounts.models import TermsAcceptance
from home.legal import ensure_legal_pages
from home.models import HomePage
from tests.browser.helpers import login, save_screenshot
from tests.factories import TEST_PASSWORD, CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_customer_opens_a_shop_from_the_header(browser_site, chromium, width):
    ensure_legal_pages(HomePage.objects.get())
    customer = CustomerFactory(first_name="Chloe")
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = browser_site.url
    login(page, base, customer.email, TEST_PASSWORD)
    page.wait_for_url("**/account/")

    if width < 760:
        page.click("[data-nav-toggle]")  # the phone menu
    page.get_by_role("link", name="Sell on Brightshelf").click()
    page.wait_for_url("**/account/open-shop/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"open-shop-{width}")

    # The box left unticked: the reason beside it, the name kept.
    page.fill("input[name=shop_name]", "Chloe's Prints")
    page.click("main form button[type=submit]")
    assert "accept the terms for sellers" in page.locator("#id_accept_seller_terms_error").inner_text()
    assert page.input_value("input[name=shop_name]") == "Chloe's Prints"

    # The terms open in a new tab, so the form keeps what was typed.
    with context.expect_page() as terms_tab:
        page.get_by_role("link", name="Read the terms of service").click()
    terms = terms_tab.value
    terms.wait_for_load_state()
    assert terms.locator("h1").inner_text() == "Terms of service"
    terms.close()

    page.check("input[name=accept_seller_terms]")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/seller/")
    assert "Welcome to your shop!" in page.locator(".alert").first.inner_text()
    assert TermsAcceptance.objects.filter(user=customer, document="seller_terms").count() == 1

    page.goto(base + "/terms/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"legal-terms-{width}")
    context.close()
