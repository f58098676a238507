"""``seed_demo``: the whole demo shop, built once for this module.

The demo builder is the slowest thing the suite runs, so it runs once here (and a
second time, which must add nothing), inside a transaction that is rolled back when the
module ends: no other test sees the demo data. Each test below reads what it built.
"""

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from wagtail.images import get_image_model
from wagtail.models import Page

from catalogue.models import (
    LedgerEntry,
    LedgerKind,
    Order,
    OrderStatus,
    ProductCategory,
    ProductPage,
    SupportTicket,
    TicketStatus,
)
from catalogue.storage import get_private_storage
from catalogue.support.demo import DEMO_TICKETS
from catalogue.validators import content_matches_extension, file_extension
from seller_portal.models import ShortLink


@dataclass
class Seeded:
    first: str  # what the first run printed
    second: str  # what the second run printed
    counts_after_first: tuple
    counts_after_second: tuple
    media: dict  # the media roots the demo files were written to


def _counts():
    return (
        get_user_model().objects.count(),
        Page.objects.count(),
        ProductCategory.objects.count(),
        get_image_model().objects.count(),
        Order.objects.count(),
        ShortLink.objects.count(),
        SupportTicket.objects.count(),
        LedgerEntry.objects.count(),
    )


def _seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-media")
    media = {"MEDIA_ROOT": str(root / "media"), "PRIVATE_MEDIA_ROOT": str(root / "private")}
    with django_db_blocker.unblock(), override_settings(**media), transaction.atomic():
        first = _seed()
        after_first = _counts()
        second = _seed()
        yield Seeded(first, second, after_first, _counts(), media)
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded, db, settings):
    """The seeded shop, with the media roots its files were written to."""
    for name, value in seeded.media.items():
        setattr(settings, name, value)
    return seeded


def test_a_second_run_changes_nothing(demo):
    assert demo.counts_after_second == demo.counts_after_first
    assert "0 new categories, 0 new products" in demo.second
    assert "Short links: 0 new" in demo.second
    for email in ("editor@example.com", "maya@example.com", "chloe@example.com"):
        assert email in demo.first and email in demo.second


def test_users_by_role(demo):
    User = get_user_model()
    assert User.objects.get(email="editor@example.com").is_staff
    assert User.objects.filter(is_seller=True).count() == 2
    assert User.objects.filter(is_customer=True, is_seller=False).count() == 2


def test_a_catalogue_of_six_categories_and_forty_products_with_covers_and_real_files(demo):
    # Forty products, then one pay-what-you-want and one free one (issue 15).
    assert "6 new categories, 42 new products" in demo.first
    # Six approved, and one the untrusted demo seller proposed (catalogue.moderation).
    assert ProductCategory.objects.filter(status="approved").count() == 6
    assert list(ProductCategory.objects.filter(status="pending").values_list("owner__email", flat=True)) == [
        "lars@example.com"
    ]
    assert "Category proposals awaiting an editor: 1 new." in demo.first
    products = ProductPage.objects.live().select_related("seller", "cover_image")
    assert products.count() == 42
    pwyw = products.get(pay_what_you_want=True)
    assert (pwyw.price, pwyw.suggested_price) == (Decimal("5.00"), Decimal("12.00"))
    assert [product.title for product in products if product.is_free] == ["Printable Weekly Planner (free)"]
    assert {product.seller.email for product in products} == {"maya@example.com", "lars@example.com"}
    assert products.filter(featured=True).count() >= 6
    assert products.filter(selling_price__isnull=False).count() >= 8
    assert all(product.first_published_at for product in products)
    storage = get_private_storage()
    assert Path(storage.path(products.first().file.name)).is_relative_to(demo.media["PRIVATE_MEDIA_ROOT"])
    for product in products:
        assert product.cover_image is not None and product.cover_image.width == 1200
        with storage.open(product.file.name) as handle:
            head = handle.read(8192)
        assert content_matches_extension(file_extension(product.file_name), head), product.file_name
        assert product.file_size == storage.size(product.file.name)


def test_orders_in_every_state_with_their_ledger(demo):
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.PENDING} <= statuses
    assert Order.objects.filter(customer__email="chloe@example.com", status=OrderStatus.PAID).exists()
    for order in Order.objects.filter(status=OrderStatus.PAID):
        # Fee and earnings split the sale net of tax (a discounted one brought in less).
        assert order.seller_earnings + order.platform_fee == order.net_amount
        assert LedgerEntry.objects.get(order=order, kind=LedgerKind.SALE).earnings == order.seller_earnings
        assert order.product.seller_id != order.customer_id
    for order in Order.objects.filter(status=OrderStatus.REFUNDED):
        # A refunded sale leaves the seller nothing from it.
        assert sum(row.earnings for row in LedgerEntry.objects.filter(order=order)) == 0


def test_one_order_per_customer_was_paid_in_euros_with_vat_and_a_code(demo):
    foreign = Order.objects.filter(paid_currency="EUR")
    assert foreign.exists() and all(o.discount_code == "SPRING20" and o.paid_tax > 0 for o in foreign)


def test_short_links_with_clicks(demo):
    assert "Short links: 7 new" in demo.first
    assert ShortLink.objects.filter(clicks__gt=0).count() >= 5
    assert {link.seller.email for link in ShortLink.objects.all()} == {"maya@example.com", "lars@example.com"}


def test_support_tickets_in_every_state(demo):
    assert f"Support tickets: {len(DEMO_TICKETS)} new" in demo.first
    statuses = set(SupportTicket.objects.values_list("status", flat=True))
    assert statuses == {TicketStatus.OPEN, TicketStatus.ANSWERED, TicketStatus.CLOSED}
    assert SupportTicket.objects.filter(assignees__email="editor@example.com").count() == 1


def test_verified_reviews_with_ratings_and_replies(demo):
    from catalogue.models import ProductRating, Review

    assert "Reviews: 4 new" in demo.first and "Reviews: 0 new" in demo.second
    assert Review.objects.count() == 4 and Review.objects.exclude(seller_reply="").exists()
    for review in Review.objects.select_related("order"):
        assert review.order.customer_id == review.customer_id and review.order.status == OrderStatus.PAID
    ratings = {r.product_id: (r.review_count, r.rating_total) for r in ProductRating.objects.all()}
    assert ratings == {
        product_id: (
            Review.objects.filter(product_id=product_id).count(),
            sum(Review.objects.filter(product_id=product_id).values_list("rating", flat=True)),
        )
        for product_id in Review.objects.values_list("product_id", flat=True)
    }


def test_demo_storefronts_and_previews(demo, client):
    from catalogue.models import ProductGalleryImage, SellerProfile

    assert "Storefronts: 2 profiles filled; previews (gallery, video, sample) added to 4 products" in demo.first
    assert "Storefronts: 0 profiles filled; previews (gallery, video, sample) added to 0 products" in demo.second
    maya = SellerProfile.objects.get(user__email="maya@example.com")
    assert maya.bio and maya.links
    product = ProductPage.objects.get(title="Synthesis From Scratch")
    assert ProductGalleryImage.objects.filter(product=product).count() == 3
    assert product.video_url and product.preview_file_name.endswith("-sample.pdf")
    # The live page and its latest revision agree: a later publish keeps the gallery.
    assert len(product.get_latest_revision_as_object().gallery_images.all()) == 3
    assert client.get(f"/sellers/{maya.slug}/").status_code == 200
