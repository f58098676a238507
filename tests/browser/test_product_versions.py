"""Several files per product, in Chromium: the buyer's library after a new version (file
list, "Updated", earlier versions, the ZIP), and the seller's files and new-version pages."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from catalogue import releases
from tests.browser.helpers import login, save_screenshot
from tests.factories import (
    TEST_PASSWORD,
    CustomerFactory,
    OrderFactory,
    ProductPageFactory,
    SellerFactory,
    add_product_files,
    product_upload,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def versioned(browser_site):
    seller = SellerFactory(first_name="Maya", last_name="Okafor", is_trusted_seller=True)
    customer = CustomerFactory(first_name="Chloe", last_name="Martin")
    product = ProductPageFactory(title="Watercolour Brushes", seller=seller, with_cover=True)
    add_product_files(product, "Brush presets for Procreate.pdf", "Quick start guide.pdf")
    OrderFactory(customer=customer, product=product, paid_at=timezone.now() - timedelta(days=10))
    OrderFactory(customer=customer, product=ProductPageFactory(title="Intro to Rust", with_cover=True))
    release = releases.publish_release(
        product,
        note="Thirty new dry-brush textures and a fixed grain on the wash brushes.",
        uploads=[product_upload("Watercolour brushes v2.pdf"), product_upload("Texture swatches.pdf")],
        carried=list(releases.current_release(product).files.filter(name="Quick start guide.pdf")),
    )
    return {"seller": seller, "customer": customer, "product": product, "release": release}


@pytest.mark.parametrize("width", [1280, 390])
def test_library_and_seller_pages_with_versions(versioned, browser_site, chromium, width):
    context = chromium.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    base = browser_site.url
    login(page, base, versioned["customer"].email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(base + "/account/products/")
    item = page.locator(".library-item", has_text="Watercolour Brushes")
    assert item.locator(".badge", has_text="Updated").is_visible()
    assert item.get_by_text("Texture swatches.pdf").is_visible()
    item.locator("summary", has_text="Earlier version").click()
    assert item.get_by_text("Brush presets for Procreate.pdf").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"library-versions-{width}")

    with page.expect_download() as info:
        item.locator("a.library-download").click()
    download = info.value
    assert download.suggested_filename == "watercolour-brushes-v2.zip"
    with open(download.path(), "rb") as handle:
        names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
    assert [name.split("/")[-1] for name in names] == [
        "Quick start guide.pdf",
        "Watercolour brushes v2.pdf",
        "Texture swatches.pdf",
    ]

    context.clear_cookies()
    login(page, base, versioned["seller"].email, TEST_PASSWORD)
    page.wait_for_load_state()
    product = versioned["product"]
    page.goto(f"{base}/seller/products/{product.pk}/files/")
    assert page.locator(".file-name", has_text="Texture swatches.pdf").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"seller-product-files-{width}")
    page.goto(f"{base}/seller/products/{product.pk}/versions/new/")
    page.get_by_role("button", name="Publish and email buyers").click()
    assert page.locator(".has-error").first.is_visible()  # no note, no file: said beside the fields
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_screenshot(page, f"seller-new-version-{width}")
    context.close()
