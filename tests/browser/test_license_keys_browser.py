"""License keys and invoice links as buyers and sellers see them, at 1280 and 390 px."""

from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.models import OrderStatus
from tests.browser.helpers import login, save_screenshot
from tests.factories import TEST_PASSWORD, CustomerFactory, OrderFactory, ProductPageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEY = "7F3KQ2ZD-9WQX-4M8A-TR6B-H2C5N8LJ3P0E"
OLD_KEY = "Q8N2V5LM-3KD7-WX4P-9B2T-R6F1Z8C3H5YA"


@pytest.mark.parametrize("width", [1280, 390])
def test_buyers_see_their_keys_and_invoices_and_sellers_set_them(browser_site, chromium, width):
    customer = CustomerFactory(first_name="Chloe")
    plugin = ProductPageFactory(
        title="Reverb Studio Plugin", price=Decimal("29.00"), license_key_enabled=True, license_key_activation_limit=3
    )
    kept = OrderFactory(customer=customer, product=plugin, license_key=KEY, license_key_id="lic_shot1")
    ended = OrderFactory(
        customer=customer,
        product=ProductPageFactory(title="Synth Presets Pro", license_key_enabled=True),
        status=OrderStatus.REFUNDED,
        refunded_at=timezone.now(),
        license_key=OLD_KEY,
        license_key_id="lic_shot2",
        license_key_disabled_at=timezone.now(),
    )
    waiting = OrderFactory(
        customer=customer, product=ProductPageFactory(title="Mixing Course", license_key_enabled=True)
    )
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    base = browser_site.url
    login(page, base, customer.email, TEST_PASSWORD)
    page.wait_for_load_state()

    page.goto(base + "/account/products/")
    key_box = page.locator(".license-key-value", has_text=KEY)
    assert key_box.is_visible()
    assert key_box.evaluate("el => getComputedStyle(el).userSelect") == "all"  # one click selects it
    assert page.locator(f"a[href='/account/orders/{kept.pk}/invoice/']").is_visible()
    assert page.get_by_text("Your license key is on its way").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"license-library-{width}")

    page.goto(base + "/account/orders/")
    disabled = page.locator(".license-key-disabled", has_text=OLD_KEY)
    assert disabled.is_visible() and "Disabled" in disabled.inner_text()
    for order in (kept, ended, waiting):
        assert page.locator(f"a[href='/account/orders/{order.pk}/invoice/']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"license-orders-{width}")

    context.clear_cookies()
    login(page, base, plugin.seller.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(f"{base}/seller/products/{plugin.pk}/edit/")
    section = page.locator("fieldset", has_text="License keys")
    assert section.get_by_label("Give each buyer a license key").is_checked()
    assert section.get_by_label("Activations per key").input_value() == "3"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"license-seller-form-{width}")
    context.close()
