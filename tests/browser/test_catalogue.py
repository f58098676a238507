"""A visitor searches and filters the catalogue and opens a product, in a real Chromium;
plus screenshots of every catalogue page at desktop and phone widths."""

from decimal import Decimal

import pytest

from tests.browser.helpers import login, save_screenshot
from tests.factories import TEST_PASSWORD, CustomerFactory, ProductCategoryFactory, ProductPageFactory, SellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(browser_site):
    ebooks = ProductCategoryFactory(name="E-books", description="Guides and novels to read on any device.")
    audio = ProductCategoryFactory(name="Sound packs")
    maya = SellerFactory(first_name="Maya", last_name="Okafor")
    ProductPageFactory(
        title="Intro to Rust",
        summary="A friendly first book about systems programming.",
        category=ebooks,
        seller=maya,
        price=Decimal("24.00"),
        selling_price=Decimal("19.00"),
        with_cover=True,
    )
    ProductPageFactory(
        title="Rust Sound Effects", summary="Creaks and clanks.", category=audio, seller=maya, with_cover=True
    )
    ProductPageFactory(title="The Sourdough Field Guide", category=ebooks, seller=maya, with_cover=True)
    return browser_site


def test_search_filter_and_open_a_product(shop, page):
    page.goto(shop.url + "/catalogue/")
    assert page.locator(".product-card").count() == 3

    page.fill("#catalogue-q", "rust")
    page.click(".filter-submit")
    page.wait_for_url("**/catalogue/?q=rust**")
    assert sorted(page.locator(".product-card h3").all_inner_texts()) == ["Intro to Rust", "Rust Sound Effects"]

    # Choosing a category submits the form by itself and lands on the category page.
    page.select_option("#catalogue-category", "e-books")
    page.wait_for_url("**/catalogue/category/e-books/?q=rust**")
    assert page.locator("h1").inner_text() == "E-books"
    assert page.locator(".product-card h3").all_inner_texts() == ["Intro to Rust"]

    page.click("text=Intro to Rust")
    page.wait_for_url("**/catalogue/intro-to-rust-*/")
    assert page.locator("h1").inner_text() == "Intro to Rust"
    assert "$19.00" in page.locator(".buy-box").inner_text()
    buy = page.get_by_role("link", name="Log in to buy")
    assert "/accounts/login/?next=/catalogue/intro-to-rust-" in buy.get_attribute("href")
    save_screenshot(page, "catalogue-walk-product")


def test_filters_work_on_a_phone(shop, mobile_page):
    mobile_page.goto(shop.url + "/catalogue/")
    # The chips scroll sideways; the page itself never does.
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 390
    mobile_page.get_by_role("link", name="Sound packs", exact=True).click()
    mobile_page.wait_for_url("**/catalogue/category/sound-packs/")
    assert mobile_page.locator(".product-card h3").all_inner_texts() == ["Rust Sound Effects"]


@pytest.mark.parametrize("width", [1280, 390])
def test_catalogue_screenshots(browser_site, chromium, width):
    """Every catalogue page, seeded with the demo catalogue, at both widths."""
    from catalogue.demo import seed_catalogue
    from catalogue.models import ProductPage

    sellers = SellerFactory.create_batch(2)
    seed_catalogue(sellers)
    product = ProductPage.objects.get(title="Intro to Rust: a friendly first book")
    context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    pg = context.new_page()
    pages = [
        ("shop-home", "/"),
        ("shop-catalogue", "/catalogue/"),
        ("shop-category", "/catalogue/category/e-books/"),
        ("shop-search-empty", "/catalogue/?q=zzzz"),
        ("shop-product", product.url),
    ]
    for name, path in pages:
        response = pg.goto(browser_site.url + path)
        assert response.status == 200, path
        # Covers load lazily: scroll through the page so the screenshot shows them all.
        pg.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        pg.wait_for_load_state("networkidle")
        pg.evaluate("window.scrollTo(0, 0)")
        save_screenshot(pg, f"{name}-{width}")
        assert pg.evaluate("document.documentElement.scrollWidth") <= width, path
        # Every cover on screen has loaded and keeps the 4:3 frame.
        ratios = pg.eval_on_selector_all(
            ".product-card .cover-frame", "frames => frames.map(f => f.clientWidth / f.clientHeight)"
        )
        assert all(abs(ratio - 4 / 3) < 0.02 for ratio in ratios), (path, ratios)
        heights = pg.eval_on_selector_all(".product-grid .product-card", "cards => cards.map(c => c.offsetHeight)")
        assert len(set(heights)) <= 1, (path, heights)
    customer = CustomerFactory()
    login(pg, browser_site.url, customer.email, TEST_PASSWORD)
    pg.wait_for_load_state()
    pg.goto(browser_site.url + product.url)
    assert pg.get_by_role("button", name="Buy now").is_enabled()
    save_screenshot(pg, f"shop-product-signed-in-{width}")
    context.close()
