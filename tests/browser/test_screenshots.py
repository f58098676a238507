"""Screenshots of the main pages at desktop and phone widths (`make screenshots` copies
them to docs/screenshots/). Every page must fit a 390 px phone without sideways scroll."""

from decimal import Decimal

import pytest

from catalogue import ledger
from catalogue.models import OrderStatus
from home.legal import ensure_legal_pages
from home.models import HomePage
from tests.browser.helpers import login, save_screenshot
from tests.factories import (
    TEST_PASSWORD,
    CustomerFactory,
    DiscountCodeFactory,
    OrderFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = [
    ("Intro to Rust", "E-books", "24.00", "19.00"),
    ("Lo-fi Drum Loops", "Sound packs", "21.00", None),
    ("Notion Freelancer OS", "Templates", "29.00", "24.00"),
    ("Watercolour Brushes", "Design assets", "12.00", None),
    ("SQL for Analysts", "E-books", "34.00", None),
    ("Ambient Textures", "Sound packs", "18.00", "14.00"),
    ("Pitch Deck Kit", "Templates", "39.00", None),
    ("Icon Set: 400 Glyphs", "Design assets", "16.00", None),
]


@pytest.fixture
def shop(browser_site, dodo_settings):
    maya = SellerFactory(first_name="Maya", last_name="Okafor", is_trusted_seller=True)
    lars = SellerFactory(first_name="Lars", last_name="Berg")
    categories = {}
    products = []
    for index, (title, category, price, selling) in enumerate(TITLES):
        if category not in categories:
            categories[category] = ProductCategoryFactory(name=category)
        products.append(
            ProductPageFactory(
                title=title,
                category=categories[category],
                seller=maya if index % 2 == 0 else lars,
                price=Decimal(price),
                selling_price=Decimal(selling) if selling else None,
                featured=index < 4,
                with_cover=True,
            )
        )
    ensure_legal_pages(HomePage.objects.get())  # /terms/, linked from every footer
    customer = CustomerFactory(first_name="Chloe", last_name="Martin")
    statuses = [OrderStatus.PAID, OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.PAID]
    orders = [
        OrderFactory(customer=customer, product=product, status=status)
        for product, status in zip(products[:4], statuses, strict=True)
    ]
    # Maya's paid sale is in her ledger, as a payment writes it (her earnings page).
    sale = orders[0]
    sale.compute_earnings()
    sale.save()
    ledger.record_sale(sale, reference=f"pay_shot_{sale.pk}")
    # Verified reviews (catalogue.reviews): the product page and cards show them, Maya answers one.
    from catalogue import reviews
    from tests.factories import ReviewFactory

    review = ReviewFactory(
        product=products[0], customer=customer, rating=5, title="Finally clicked", body="Clear chapters, real examples."
    )
    reviews.reply(maya, review, "Thank you Chloe! A chapter on async is coming next month.")
    ReviewFactory(product=products[0], rating=4, title="Solid intro", body="Good pace; wish it had exercises.")
    DiscountCodeFactory(seller=maya, code="LAUNCH15", percent=15, products=[products[0]])
    DiscountCodeFactory(seller=maya, code="SPRING10", percent=10)
    pwyw = ProductPageFactory(
        title="Field Notes Zine",
        category=categories["E-books"],
        seller=lars,
        price=Decimal("5.00"),
        pay_what_you_want=True,
        suggested_price=Decimal("12.00"),
        with_cover=True,
    )
    # Previews and storefronts (catalogue.previews, catalogue.storefronts).
    from tests.factories import ProductGalleryImageFactory, SellerProfileFactory

    SellerProfileFactory(
        user=maya,
        slug="maya-okafor",
        shop_name="Northlight Studio",
        bio="Books, courses and templates for people who make things.\n\nEvery template is tested on my own projects first.",
        website="https://northlight.example.com",
        links=[{"label": "Newsletter", "url": "https://northlight.example.com/news"}],
    )
    previews = products[2]
    # Short links and 90 days of product traffic (catalogue.analytics_demo): the short links
    # page and the analytics page.
    from catalogue.analytics_demo import seed_traffic
    from tests.factories import ShortLinkFactory

    maya_links = [ShortLinkFactory(seller=maya, product=product, code=f"shot-{product.pk}") for product in products[:4:2]]
    seed_traffic({link.product_id: [link.code] for link in maya_links})
    previews.video_url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    previews.save()
    for number, colour in enumerate(["#7c3aed", "#0e9f6e", "#f97316"]):
        ProductGalleryImageFactory(
            product=previews, caption=f"Chapter {number + 1}", image__file__color=colour, sort_order=number
        )
    return {"maya": maya, "customer": customer, "products": products, "sale": sale, "pwyw": pwyw, "previews": previews}


def _check(page, width, name):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    save_screenshot(page, f"{name}-{width}")


@pytest.mark.parametrize("width", [1280, 390])
def test_pages(shop, browser_site, chromium, width):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    base = browser_site.url
    for name, path, status in [
        ("home", "/", 200),
        ("catalogue", "/catalogue/", 200),
        # A misspelt search: no result, and the suggestion to follow.
        ("search", "/catalogue/?q=watercolor", 200),
        ("product", shop["products"][0].url, 200),
        ("product-pwyw", shop["pwyw"].url, 200),
        ("product-previews", shop["previews"].url, 200),
        ("storefront", "/sellers/maya-okafor/", 200),
        ("404", "/missing-page/", 404),
        ("legal-terms", "/terms/", 200),
    ]:
        response = page.goto(base + path)
        assert response.status == status
        _check(page, width, name)

    login(page, base, shop["customer"].email, TEST_PASSWORD)
    page.wait_for_load_state()
    page.goto(base + "/account/products/")
    _check(page, width, "library")
    page.goto(base + "/account/orders/")
    _check(page, width, "account-orders")
    page.goto(base + "/account/open-shop/")
    _check(page, width, "open-shop")
    response = page.goto(base + "/seller/")
    assert response.status == 403
    _check(page, width, "403")

    page.goto(base + "/accounts/login/")  # already signed in: redirected; sign out first
    context.clear_cookies()
    login(page, base, shop["maya"].email, TEST_PASSWORD)
    page.wait_for_load_state()
    for name, path in [
        ("seller-dashboard", "/seller/"),
        ("seller-products", "/seller/products/"),
        ("seller-categories", "/seller/categories/"),
        ("seller-orders", "/seller/orders/"),
        ("seller-reviews", "/seller/reviews/"),
        ("seller-order", f"/seller/orders/{shop['sale'].pk}/"),
        ("seller-earnings", "/seller/earnings/"),
        ("seller-discounts", "/seller/discounts/"),
        ("seller-short-links", "/seller/links/"),
        ("seller-analytics", "/seller/analytics/"),
        ("seller-product-files", f"/seller/products/{shop['products'][0].pk}/files/"),
        ("seller-storefront", "/seller/profile/"),
        ("seller-gallery", f"/seller/products/{shop['previews'].pk}/gallery/"),
    ]:
        page.goto(base + path)
        _check(page, width, name)
    context.close()
