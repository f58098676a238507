"""The seller portal in a real Chromium: listing a product with a file (the upload's
progress bar runs to the end) and finding it live; the file checks that spare the rest
of the form; and screenshots of every portal page at desktop and phone widths."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.models import OrderStatus, ProductPage
from tests.browser.helpers import login, save_screenshot
from tests.factories import (
    PDF_BYTES,
    TEST_PASSWORD,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
    ShortLinkFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records every value the page's <progress> takes, across the navigation that follows the
# upload (sessionStorage survives it): the test reads the whole history afterwards.
RECORD_PROGRESS = """
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.target.tagName !== "PROGRESS") continue;
      const seen = JSON.parse(sessionStorage.getItem("progress") || "[]");
      seen.push(Number(m.target.value));
      sessionStorage.setItem("progress", JSON.stringify(seen));
    }
  }).observe(document.documentElement, {attributes: true, subtree: true, attributeFilter: ["value"]});
});
"""


# Elements whose right edge is past the viewport and that no scrolling box contains.
OUTSIDE_THE_PAGE = """
[...document.querySelectorAll("body *")].filter((element) => {
  if (element.getBoundingClientRect().right <= window.innerWidth + 1) return false;
  for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
    if (["auto", "scroll", "hidden"].includes(getComputedStyle(box).overflowX)) return false;
  }
  return true;
}).slice(0, 5).map((element) => element.tagName + "." + element.className)
"""


def big_pdf(size):
    """A valid-looking PDF of about ``size`` bytes (padding in a PDF comment)."""
    return PDF_BYTES + b"%" + b"x" * (size - len(PDF_BYTES) - 2) + b"\n"


@pytest.fixture
def seller_site(browser_site, dodo_settings):
    """The live site, Dodo pointed at the emulator, a trusted seller (publishes directly;
    tests/browser/test_moderation.py is a new seller's review) and a category."""
    seller = SellerFactory(first_name="Maya", last_name="Okafor", is_trusted_seller=True)
    ProductCategoryFactory(name="E-books")
    return browser_site, seller


def _fill_product(pg, title="The Sourdough Handbook"):
    pg.fill("#id_title", title)
    pg.select_option("#id_category", label="E-books")
    pg.fill("#id_summary", "Everything about sourdough, from starter to crust.")
    pg.fill("#id_body", "Twelve chapters.\n\nWith photos.")
    pg.fill("#id_price", "24.00")
    pg.fill("#id_selling_price", "19.00")
    pg.select_option("#id_tax_category", "e_book")


def test_a_seller_lists_a_product_with_a_file_and_finds_it_live(seller_site, page, tmp_path, dodo_emulator):
    site, seller = seller_site
    page.add_init_script(RECORD_PROGRESS)
    login(page, site.url, seller.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(site.url + "/seller/products/new/")
    _fill_product(page)
    path = tmp_path / "sourdough.pdf"
    path.write_bytes(big_pdf(3 * 1024 * 1024))
    page.set_input_files("#id_file", str(path))
    save_screenshot(page, "seller-product-form-filled")

    # Slow the upload down (1.5 MB/s) so the bar has time to move.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 1.5 * 1024 * 1024},
    )
    page.get_by_role("button", name="Publish now").click()
    page.locator("[data-upload-progress]").wait_for(state="visible")
    page.wait_for_url("**/seller/products/", timeout=30_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    seen = json.loads(page.evaluate("sessionStorage.getItem('progress')") or "[]")
    assert seen and seen[-1] == 100, seen
    assert any(0 < value < 100 for value in seen), f"the bar never showed progress in between: {seen}"
    assert seen == sorted(seen)

    assert "is live in the catalogue" in page.locator(".messages").inner_text()
    row = page.locator("tr", has_text="The Sourdough Handbook")
    assert "Live" in row.inner_text()
    assert "$19.00" in row.inner_text()
    save_screenshot(page, "seller-products-after-create")

    product = ProductPage.objects.get(title="The Sourdough Handbook")
    assert product.seller_id == seller.pk
    assert product.file_size == 3 * 1024 * 1024
    # Dodo (the emulator) got it at the selling price.
    [dodo_product] = dodo_emulator.state()["products"]
    assert dodo_product["price"]["price"] == 1900

    # ...and it is live in the public catalogue.
    page.goto(site.url + "/catalogue/")
    page.get_by_role("link", name="The Sourdough Handbook").first.click()
    page.wait_for_url(f"**{product.url}")
    assert page.locator("h1").inner_text() == "The Sourdough Handbook"
    assert "$19.00" in page.locator(".buy-box").inner_text()


def test_a_file_that_is_too_big_or_forbidden_is_refused_before_sending(seller_site, page, tmp_path, settings):
    settings.PRODUCT_FILE_MAX_SIZE = 1024 * 1024
    site, seller = seller_site
    login(page, site.url, seller.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(site.url + "/seller/products/new/")
    _fill_product(page)
    requests = []
    page.on("request", lambda request: requests.append(request.method) if request.method == "POST" else None)

    big = tmp_path / "huge.pdf"
    big.write_bytes(big_pdf(2 * 1024 * 1024))
    page.set_input_files("#id_file", str(big))
    error = page.locator("#id_file_client_error")
    assert "the largest file you can upload is 1.0" in error.inner_text()

    page.get_by_role("button", name="Publish now").click()
    assert requests == []  # nothing was sent
    assert page.input_value("#id_title") == "The Sourdough Handbook"

    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ" + b"\x00" * 64)
    page.set_input_files("#id_file", str(exe))
    assert "cannot be uploaded here" in error.inner_text()
    save_screenshot(page, "seller-product-form-file-refused")

    good = tmp_path / "good.pdf"
    good.write_bytes(PDF_BYTES)
    page.set_input_files("#id_file", str(good))
    assert page.locator("#id_file_client_error").count() == 0


def test_server_errors_come_back_beside_the_fields_and_keep_the_form(seller_site, page, tmp_path):
    site, seller = seller_site
    login(page, site.url, seller.email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(site.url + "/seller/products/new/")
    _fill_product(page, title="Bread at home")
    page.fill("#id_selling_price", "30.00")  # above the price
    path = tmp_path / "bread.pdf"
    path.write_bytes(PDF_BYTES)
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Publish now").click()

    error = page.locator("#id_selling_price_error")
    error.wait_for()
    assert "cannot be more than the price" in error.inner_text()
    assert page.url.endswith("/seller/products/new/")
    assert page.input_value("#id_title") == "Bread at home"
    assert page.input_value("#id_summary").startswith("Everything about sourdough")
    # The file the server accepted is still chosen: no need to pick it again.
    assert page.evaluate("document.querySelector('#id_file').files.length") == 1
    assert page.locator("[data-reupload-note=file]").count() == 0
    save_screenshot(page, "seller-product-form-errors")

    page.fill("#id_selling_price", "")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/seller/products/")
    assert ProductPage.objects.get(title="Bread at home").live is False


@pytest.fixture
def busy_shop(seller_site):
    """A seller with products, sales over the last month, categories and short links."""
    site, seller = seller_site
    own = ProductCategoryFactory(name="Bread & baking", owner=seller, description="Recipes and guides for home bakers.")
    ProductCategoryFactory(name="Empty shelf", owner=seller)
    titles = [
        ("The Sourdough Handbook: From Starter to Crust", "24.00", "19.00"),
        ("Weekday Pasta", "12.00", None),
        ("Pastry Basics Video Course", "89.00", "59.00"),
        ("Meal Prep Planner", "6.00", None),
    ]
    products = [
        ProductPageFactory(
            seller=seller,
            category=own,
            title=title,
            price=Decimal(price),
            selling_price=Decimal(selling) if selling else None,
            with_cover=True,
        )
        for title, price, selling in titles
    ]
    ProductPageFactory(seller=seller, category=own, title="Rye Bread Zine (draft)", live=False)
    now = timezone.now()
    for n in range(36):
        product = products[n % 3]
        OrderFactory(
            product=product,
            amount=product.effective_price,
            paid_at=now - timedelta(days=(n * 7) % 30, hours=n % 5),
            status=OrderStatus.REFUNDED if n % 11 == 0 else OrderStatus.PAID,
            refunded_amount=product.effective_price if n % 11 == 0 else Decimal("0"),
            referral_code="sourdough" if n % 4 == 0 and n % 3 == 0 else "",
        )
    link = ShortLinkFactory(product=products[0], code="sourdough", clicks=128, last_clicked_at=now - timedelta(hours=3))
    ShortLinkFactory(
        product=products[1], code="pasta-newsletter-spring-2026", clicks=12, last_clicked_at=now - timedelta(days=4)
    )
    ShortLinkFactory(product=products[2], code="k7dq2mxa", is_active=False)
    return site, seller, {"product": products[0], "category": own, "link": link}


@pytest.mark.parametrize("width", [1280, 390])
def test_every_seller_page_looks_right(busy_shop, chromium, width):
    site, seller, objects = busy_shop
    context = chromium.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    login(pg, site.url, seller.email, TEST_PASSWORD)
    pg.wait_for_load_state()
    product, category = objects["product"], objects["category"]
    pages = [
        ("dashboard", "/seller/"),
        ("products", "/seller/products/"),
        ("product-new", "/seller/products/new/"),
        ("product-edit", f"/seller/products/{product.pk}/edit/"),
        ("product-delete", f"/seller/products/{product.pk}/delete/"),
        ("categories", "/seller/categories/"),
        ("category-new", "/seller/categories/new/"),
        ("category-edit", f"/seller/categories/{category.pk}/edit/"),
        ("category-delete", f"/seller/categories/{category.pk}/delete/"),
        ("links", "/seller/links/"),
        ("link-new", "/seller/links/new/"),
    ]
    for name, path in pages:
        response = pg.goto(site.url + path)
        assert response.status == 200, path
        save_screenshot(pg, f"seller-{name}-{width}")
        # Nothing sticks out of the page, except inside boxes that scroll sideways on
        # purpose (tables in .table-wrap, the portal menu on a phone).
        assert pg.evaluate(OUTSIDE_THE_PAGE) == [], path
        assert pg.evaluate("document.documentElement.scrollWidth") <= width, path
    pg.goto(site.url + "/seller/")
    pg.click("text=Show the figures as a table")
    save_screenshot(pg, f"seller-dashboard-table-{width}")
    context.close()
