"""A buyer reviews a product they bought; the seller answers; shoppers see both.

In a real Chromium against the live server, at 1280 px and at 390 px (a phone), with
nothing wider than the screen. Screenshots: test-artifacts/review-*-<width>.png.
"""

import re

import pytest
from django.core import mail

from catalogue.models import ProductRating, Review
from tests.browser.helpers import login, save_screenshot
from tests.factories import TEST_PASSWORD, CustomerFactory, OrderFactory, ProductPageFactory, SellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(pg):
    return pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_buyer_leaves_a_review_and_the_seller_replies(browser_site, settings, chromium, width):
    base = browser_site.url
    settings.SITE_URL = base
    seller = SellerFactory(first_name="Maya", last_name="Okafor")
    product = ProductPageFactory(seller=seller, title="Minimal Pitch Deck Template", with_cover=True)
    buyer = CustomerFactory(first_name="Chloe", last_name="Martin")
    OrderFactory(customer=buyer, product=product)
    context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    pg = context.new_page()
    pg.set_default_timeout(10_000)

    # The buyer finds "Write a review" in the buy box, beside their download.
    login(pg, base, buyer.email, TEST_PASSWORD)
    pg.wait_for_load_state()
    pg.goto(base + product.url)
    assert "No reviews yet" in pg.locator("#reviews").inner_text()
    pg.locator(".buy-box").get_by_role("link", name="Write a review").click()
    pg.wait_for_url(f"**/account/reviews/{product.pk}/")
    assert _fits(pg)
    pg.get_by_label("4 stars: good").check()
    pg.fill("input[name=title]", "Clean and easy to adapt")
    pg.fill("textarea[name=body]", "Saved me a day of slide work.\nThe charts could use more colour options.")
    pg.evaluate("window.scrollTo(0, 0)")
    save_screenshot(pg, f"review-form-{width}")
    pg.get_by_role("button", name="Publish review").click()
    pg.wait_for_url(re.compile(rf".*{re.escape(product.url)}#reviews$"))

    # It is on the product page at once, with the average and the verified badge.
    assert "Your review is published" in pg.locator(".messages").inner_text()
    review = pg.locator("#reviews .review").first
    assert "Clean and easy to adapt" in review.inner_text()
    assert "Verified purchase" in review.inner_text() and "Chloe" in review.inner_text()
    assert "4.0" in pg.locator(".product-info .rating-summary").inner_text()
    assert pg.locator(".buy-box").get_by_role("link", name="Edit your review").is_visible()
    assert _fits(pg)
    assert Review.objects.get(product=product, customer=buyer).rating == 4
    assert ProductRating.objects.get(product=product).review_count == 1
    assert [m.to for m in mail.outbox] == [[seller.email]]

    # The seller answers from the reviews page of the seller portal.
    seller_context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    seller_pg = seller_context.new_page()
    seller_pg.set_default_timeout(10_000)
    login(seller_pg, base, seller.email, TEST_PASSWORD)
    seller_pg.wait_for_load_state()
    seller_pg.goto(base + "/seller/reviews/")
    assert "Clean and easy to adapt" in seller_pg.locator(".seller-reviews").inner_text()
    seller_pg.fill("textarea[name$=-reply]", "Thank you Chloe! More colour themes arrive next week.")
    seller_pg.get_by_role("button", name="Post reply").click()
    seller_pg.wait_for_url(re.compile(r".*/seller/reviews/#review-\d+$"))
    assert "Your reply is published" in seller_pg.locator(".messages").inner_text()
    assert _fits(seller_pg)
    seller_pg.evaluate("window.scrollTo(0, 0)")
    save_screenshot(seller_pg, f"review-seller-list-{width}")
    seller_context.close()

    # Anyone (signed out, from the page cache) sees the review and the reply.
    anonymous = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    anon_pg = anonymous.new_page()
    anon_pg.goto(base + product.url)
    reviews_text = anon_pg.locator("#reviews").inner_text()
    assert "Clean and easy to adapt" in reviews_text and "More colour themes arrive next week" in reviews_text
    assert _fits(anon_pg)
    save_screenshot(anon_pg, f"review-product-page-{width}")
    anon_pg.goto(base + "/catalogue/")
    assert "4.0" in anon_pg.locator(".product-card .card-rating").first.inner_text()
    save_screenshot(anon_pg, f"review-cards-{width}")
    anonymous.close()

    # Back in the library, the buyer can edit the review.
    pg.goto(base + "/account/products/")
    assert pg.get_by_role("link", name=re.compile("Edit your review")).is_visible()
    assert _fits(pg)
    save_screenshot(pg, f"review-library-{width}")
    context.close()
