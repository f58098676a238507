"""Verified reviews (issue 16, point 2): who may review, one review per buyer, the
rating kept in step with the visible reviews, the seller's email and reply, editors'
moderation, and what shoppers see (cards, product page, purged from the page cache)."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import reviews
from catalogue.models import OrderStatus, ProductRating, Review
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProductPageFactory,
    ReviewFactory,
    SellerFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_LIST = "/admin/snippets/catalogue/review/"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_TIMEOUT = 300
    settings.PAGE_CACHE_MAX_AGE = 60


@pytest.fixture
def product(site_tree):
    return ProductPageFactory(title="Field Guide", price=Decimal("19.00"), seller=SellerFactory(first_name="Mara"))


@pytest.fixture
def buyer(product):
    customer = CustomerFactory(first_name="Bea", last_name="Buyer")
    OrderFactory(customer=customer, product=product)
    return customer


def review_url(product):
    return f"/account/reviews/{product.pk}/"


@pytest.mark.parametrize(
    ("status", "amount", "refunded_total", "allowed"),
    [
        (OrderStatus.PAID, Decimal("19.00"), Decimal("0"), True),
        # A partial refund leaves the order paid: still a buyer.
        (OrderStatus.PAID, Decimal("19.00"), Decimal("5.00"), True),
        (OrderStatus.REFUNDED, Decimal("19.00"), Decimal("19.00"), False),
        (OrderStatus.CHARGEBACK, Decimal("19.00"), Decimal("0"), False),
        (OrderStatus.PENDING, Decimal("19.00"), Decimal("0"), False),
        # A free product's order is not a purchase.
        (OrderStatus.PAID, Decimal("0"), Decimal("0"), False),
    ],
)
def test_only_a_buyer_of_a_paid_order_may_review(client, product, status, amount, refunded_total, allowed):
    customer = CustomerFactory()
    OrderFactory(customer=customer, product=product, status=status, amount=amount, refunded_total=refunded_total)
    client.force_login(customer)

    page = client.get(review_url(product))
    response = client.post(review_url(product), {"rating": "4", "title": "Solid", "body": "Useful."})

    if allowed:
        assert page.status_code == 200
        assert response.status_code == 302
        assert Review.objects.get(product=product, customer=customer).rating == 4
    else:
        assert page.status_code == 403 and response.status_code == 403
        assert "Only customers who bought this product" in page.content.decode()
        assert not Review.objects.exists()
        with pytest.raises(reviews.ReviewNotAllowed):
            reviews.save_review(customer, product, rating=4)


def test_a_non_buyer_never_sees_another_buyers_review(client, product, buyer):
    ReviewFactory(product=product, customer=buyer, rating=2, title="Secret words", body="Only mine")
    client.force_login(CustomerFactory())
    response = client.get(review_url(product))
    assert response.status_code == 403
    assert "Secret words" not in response.content.decode()
    # A product that is not live is not found at all.
    product.unpublish()
    client.force_login(buyer)
    assert client.get(review_url(product)).status_code == 404


def test_writing_again_edits_the_one_review_and_emails_the_seller_once(
    client, product, buyer, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(review_url(product), {"rating": "5", "title": "Great", "body": "Loved every page."})
    assert first.status_code == 302 and first.url == f"{product.url}#reviews"
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [product.seller.email]
    assert "Field Guide" in email.subject and "Loved every page." in email.body
    assert "http://testserver/seller/reviews/" in email.body

    # Bad input: the message is next to the field, the words typed are kept.
    page = client.get(review_url(product))
    assert "Edit your review" in page.content.decode() and "Loved every page." in page.content.decode()
    bad = client.post(review_url(product), {"rating": "9", "title": "Changed", "body": "Kept text"})
    assert bad.status_code == 200
    assert bad.context["form"].errors["rating"]
    assert "Kept text" in bad.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url(product), {"rating": "3", "title": "Second thoughts", "body": ""})
    review = Review.objects.get(product=product)
    assert (review.rating, review.title, review.body) == (3, "Second thoughts", "")
    assert Review.objects.filter(product=product).count() == 1
    rating = ProductRating.objects.get(product=product)
    assert (rating.review_count, rating.rating_total) == (1, 3)
    assert len(mail.outbox) == 1  # an edit is not news to the seller


def test_the_rating_counts_visible_reviews_only(product):
    first, second, third = (ReviewFactory(product=product, rating=stars) for stars in (5, 4, 1))
    rating = ProductRating.objects.get(product=product)
    assert (rating.review_count, rating.rating_total, rating.average) == (3, 10, Decimal("3.3"))

    with pytest.raises(Exception, match="Say why"):
        reviews.set_hidden(third, True, "  ")
    reviews.set_hidden(third, True, "Not about the product")
    rating.refresh_from_db()
    assert (rating.review_count, rating.average) == (2, Decimal("4.5"))

    # Even a hand-broken count is put right by the next recount (exact, never +1).
    ProductRating.objects.filter(product=product).update(review_count=99, rating_total=1)
    reviews.set_hidden(third, False)
    rating.refresh_from_db()
    assert (rating.review_count, rating.rating_total) == (3, 10)
    assert Review.objects.get(pk=third.pk).hidden_reason == ""


def test_shoppers_see_the_rating_and_reviews_and_changes_purge_the_cache(client, product, catalogue_index, buyer):
    # Cached for anonymous visitors before any review.
    assert "No reviews yet" in client.get(product.url).content.decode()
    assert "card-rating" not in client.get(catalogue_index.url).content.decode()

    review = ReviewFactory(product=product, customer=buyer, rating=4, title="Clear and practical", body="Good maps.")
    reviews.reply(product.seller, review, "Thank you, Bea!")
    ReviewFactory(product=product, rating=5, title="Superb")

    page = client.get(product.url).content.decode()
    assert "Clear and practical" in page and "Superb" in page and "Thank you, Bea!" in page
    assert "Verified purchase" in page and "4.5" in page and "2 reviews" in page
    listing = client.get(catalogue_index.url).content.decode()
    assert "card-rating" in listing and "4.5" in listing

    reviews.set_hidden(review, True, "Spoilers")
    page = client.get(product.url).content.decode()
    assert "Clear and practical" not in page and "Superb" in page and "1 review" in page


def _cold_queries(client, url):
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries], response.content.decode()


def test_the_product_page_shows_the_newest_reviews_and_counts_the_rest(client, product):
    ReviewFactory(product=product, rating=4)
    client.get(product.url)  # warm-up
    one_review, _html = _cold_queries(client, product.url)
    ReviewFactory.create_batch(reviews.PRODUCT_PAGE_REVIEWS + 1, product=product, rating=4)
    many_reviews, html = _cold_queries(client, product.url)
    assert len(many_reviews) == len(one_review)  # the reviews, their authors and the rating: one query
    assert html.count('class="review card"') == reviews.PRODUCT_PAGE_REVIEWS
    assert "and 2 more reviews" in html


def test_the_product_page_offers_the_buyer_to_write_then_edit(client, product, buyer):
    client.force_login(CustomerFactory())
    assert review_url(product) not in client.get(product.url).content.decode()
    client.force_login(buyer)
    assert "Write a review" in client.get(product.url).content.decode()
    library = client.get("/account/products/").content.decode()
    assert review_url(product) in library and "Write a review" in library
    ReviewFactory(product=product, customer=buyer)
    assert "Edit your review" in client.get(product.url).content.decode()
    assert "Edit your review" in client.get("/account/products/").content.decode()


def test_sellers_see_and_answer_only_reviews_of_their_own_products(client, product, buyer):
    review = ReviewFactory(product=product, customer=buyer, title="Guide review by Bea")
    other_seller = SellerFactory()
    ReviewFactory(product=ProductPageFactory(seller=other_seller), title="Other shop review")

    client.force_login(other_seller)
    listing = client.get("/seller/reviews/").content.decode()
    assert "Other shop review" in listing and "Guide review by Bea" not in listing
    reply_url = f"/seller/reviews/{review.pk}/reply/"
    assert client.post(reply_url, {f"review-{review.pk}-reply": "Hijack"}).status_code == 404
    assert client.get(reply_url).status_code == 404
    with pytest.raises(Review.DoesNotExist):
        reviews.reply(other_seller, review, "Hijack")

    client.force_login(product.seller)
    assert "Guide review by Bea" in client.get("/seller/reviews/").content.decode()
    too_long = client.post(reply_url, {f"review-{review.pk}-reply": "x" * 1001})
    assert too_long.status_code == 200 and too_long.context["form"].errors["reply"]
    response = client.post(reply_url, {f"review-{review.pk}-reply": "Glad it helped!"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.seller_reply == "Glad it helped!" and review.seller_replied_at is not None
    assert "Glad it helped!" in client.get("/seller/reviews/?show=").content.decode()
    assert "Guide review by Bea" not in client.get("/seller/reviews/?show=unanswered").content.decode()


def test_editors_hide_a_review_with_a_reason_in_wagtail_admin(client, product, buyer):
    review = ReviewFactory(product=product, customer=buyer, rating=1, title="Rude words")
    ReviewFactory(product=product, rating=5, title="Kind words")

    client.force_login(product.seller)  # a seller never reaches the admin
    assert client.get(ADMIN_LIST).status_code in (302, 403)

    client.force_login(StaffFactory())
    listing = client.get(ADMIN_LIST, {"q": "rude"})
    assert [r.title for r in listing.context["object_list"]] == ["Rude words"]
    edit_url = f"{ADMIN_LIST}edit/{review.pk}/"
    assert client.get(edit_url).status_code == 200
    refused = client.post(edit_url, {"hidden": "on", "hidden_reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["hidden_reason"]
    assert client.post(edit_url, {"hidden": "on", "hidden_reason": "Abusive"}).status_code == 302

    review.refresh_from_db()
    assert review.hidden and review.hidden_reason == "Abusive"
    assert ProductRating.objects.get(product=product).review_count == 1
    hidden_only = client.get(ADMIN_LIST, {"hidden": "1"})
    assert [r.title for r in hidden_only.context["object_list"]] == ["Rude words"]
    assert "Rude words" not in client.get(product.url).content.decode()
    # No adding or deleting: reviews are the buyers'.
    assert client.get(f"{ADMIN_LIST}add/").status_code in (302, 403)
    assert client.get(f"{ADMIN_LIST}delete/{review.pk}/").status_code in (302, 403)


def test_a_listing_of_rated_products_costs_no_query_per_card(client, catalogue_index):
    products = [ProductPageFactory() for _ in range(12)]
    ReviewFactory(product=products[0], rating=3)
    client.get(catalogue_index.url)  # warm-up (thumbnails)
    few, _html = _cold_queries(client, catalogue_index.url)
    for product in products[1:]:
        ReviewFactory(product=product, rating=4)
    many, html = _cold_queries(client, catalogue_index.url)
    assert len(many) == len(few)
    assert html.count('class="card-rating"') == 12
    # The ratings come joined to the products' query, never read card by card.
    assert not [sql for sql in many if sql.startswith('SELECT "catalogue_productrating"')]
