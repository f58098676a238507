"""Discount codes in a real Chromium: the seller's list and form at desktop and phone
widths (no sideways scrolling; the table becomes cards), and a buyer typing a code in
the buy box: refused with the message beside it and the code kept, then accepted and
shown on the (emulated) Dodo checkout."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.helpers import login, save_screenshot
from tests.factories import (
    TEST_PASSWORD,
    CustomerFactory,
    DiscountCodeFactory,
    OrderFactory,
    ProductPageFactory,
    SellerFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTSIDE_THE_PAGE = """
[...document.querySelectorAll("body *")].filter((element) => {
  if (element.getBoundingClientRect().right <= window.innerWidth + 1) return false;
  for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
    if (["auto", "scroll", "hidden"].includes(getComputedStyle(box).overflowX)) return false;
  }
  return true;
}).slice(0, 5).map((element) => element.tagName + "." + element.className)
"""


@pytest.fixture
def shop(browser_site, dodo_settings):
    seller = SellerFactory(first_name="Maya", last_name="Okafor")
    brushes = ProductPageFactory(seller=seller, title="Watercolour Brush Pack", price=Decimal("25.00"))
    paper = ProductPageFactory(seller=seller, title="Textured Paper Collection", price=Decimal("12.00"))
    launch = DiscountCodeFactory(seller=seller, code="LAUNCH-15", percent=15, usage_limit=100)
    DiscountCodeFactory(
        seller=seller,
        code="BRUSHES25",
        percent=25,
        products=[brushes],
        expires_at=timezone.now() + timedelta(days=30),
    )
    DiscountCodeFactory(seller=seller, code="WINTER", percent=30, active=False)
    DiscountCodeFactory(seller=seller, code="OLDNEWS", percent=10, expires_at=timezone.now() - timedelta(days=3))
    for _ in range(3):
        OrderFactory(product=brushes, discount_code="LAUNCH-15", net_amount=Decimal("21.25"))
    OrderFactory(product=paper, discount_code="LAUNCH-15", net_amount=Decimal("10.20"))
    return browser_site, seller, brushes, launch


@pytest.mark.parametrize("width", [1280, 390])
def test_the_seller_pages_at_desktop_and_phone_widths(shop, chromium, width):
    site, seller, _, launch = shop
    context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    pg = context.new_page()
    login(pg, site.url, seller.email, TEST_PASSWORD)
    pg.wait_for_load_state()
    for name, path in [
        ("list", "/seller/discounts/"),
        ("new", "/seller/discounts/new/"),
        ("edit", f"/seller/discounts/{launch.pk}/edit/"),
    ]:
        assert pg.goto(site.url + path).status == 200, path
        save_screenshot(pg, f"seller-discounts-{name}-{width}")
        assert pg.evaluate(OUTSIDE_THE_PAGE) == [], path
        assert pg.evaluate("document.documentElement.scrollWidth") <= width, path
    # A bad code comes back with its message and what was typed.
    pg.goto(site.url + "/seller/discounts/new/")
    pg.fill("#id_code", "spring sale")
    pg.fill("#id_percent", "20")
    pg.click("button:has-text('Create code')")
    assert "Use only letters, digits" in pg.inner_text(".field.has-error")
    assert pg.input_value("#id_code") == "SPRING SALE" or pg.input_value("#id_code") == "spring sale"
    save_screenshot(pg, f"seller-discounts-error-{width}")
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_buyer_types_a_code_in_the_buy_box(shop, chromium, commit_sync, dodo_emulator, width):
    site, seller, brushes, _ = shop
    buyer = CustomerFactory(email=f"buyer{width}@example.com")
    context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    pg = context.new_page()
    login(pg, site.url, buyer.email, TEST_PASSWORD)
    pg.wait_for_load_state()
    pg.goto(site.url + brushes.url)
    pg.click("summary:has-text('Have a discount code?')")
    pg.fill("input[name=discount_code]", "paper-only")
    pg.click("button:has-text('Buy now')")
    pg.wait_for_load_state()
    assert "There is no discount code “PAPER-ONLY”" in pg.content()
    assert pg.input_value("input[name=discount_code]") == "paper-only"
    save_screenshot(pg, f"buy-box-discount-refused-{width}")
    assert pg.evaluate("document.documentElement.scrollWidth") <= width

    pg.fill("input[name=discount_code]", "launch-15")
    pg.click("button:has-text('Buy now')")
    pg.wait_for_url(f"{dodo_emulator.base_url}/**")
    assert "LAUNCH-15" in pg.content()
    save_screenshot(pg, f"buy-box-discount-checkout-{width}")
    context.close()


@pytest.fixture
def commit_sync(shop):
    """The live server's saves ran their Dodo syncs after commit (transactional tests):
    nothing to do but make sure the products and codes reached the emulator."""
    from dodo import reconcile

    reconcile.reconcile_all(due_only=False)
