"""Factories for the test suite (wagtail-factories for pages)."""

from decimal import Decimal

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Collection

from catalogue.models import CatalogueIndexPage, Order, OrderStatus, ProductCategory, ProductPage
from home.models import HomePage

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """An active user with no role; use the traits or the role factories below."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    is_active = True

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])


class CustomerFactory(UserFactory):
    is_customer = True


class SellerFactory(UserFactory):
    # Sellers may also buy (sign-up as seller sets both flags).
    is_seller = True
    is_customer = True


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class HomePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = HomePage

    title = "Home"
    slug = "home"


class CatalogueIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CatalogueIndexPage

    title = "Catalogue"
    slug = "catalogue"


# CATALOGUE

# The smallest files that pass the product file checks (extension + content).
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class WagtailImageFactory(wagtail_factories.ImageFactory):
    """A Wagtail image in the root collection (wagtail-factories would add a new root)."""

    collection = factory.LazyFunction(lambda: Collection.get_first_root_node())
    title = factory.Sequence(lambda n: f"Cover {n}")
    file = factory.django.ImageField(width=800, height=600, color="#4338ca")


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory

    name = factory.Sequence(lambda n: f"Category {n}")
    # Empty: the pre_save hook fills it from the name.
    slug = ""
    description = factory.Faker("sentence")


class ProductPageFactory(wagtail_factories.PageFactory):
    """A live product under the catalogue index (needs the ``site_tree`` fixture)."""

    class Meta:
        model = ProductPage

    parent = factory.LazyFunction(lambda: CatalogueIndexPage.objects.first())
    title = factory.Sequence(lambda n: f"Product {n}")
    # Empty: ProductPage fills it with a title prefix and a random suffix.
    slug = ""
    seller = factory.SubFactory(SellerFactory)
    category = factory.SubFactory(ProductCategoryFactory)
    summary = factory.Faker("sentence", nb_words=12)
    body = "<p>Everything you need, in one download.</p>"
    price = Decimal("19.00")
    selling_price = None
    file = factory.django.FileField(filename="product.pdf", data=PDF_BYTES)
    first_published_at = factory.LazyFunction(timezone.now)
    last_published_at = factory.LazyAttribute(lambda obj: obj.first_published_at)

    class Params:
        with_cover = factory.Trait(cover_image=factory.SubFactory(WagtailImageFactory))


# ORDERS


class OrderFactory(factory.django.DjangoModelFactory):
    """A paid order of a product (needs the ``site_tree`` fixture for the product)."""

    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductPageFactory)
    seller = factory.LazyAttribute(lambda obj: obj.product.seller)
    amount = factory.LazyAttribute(lambda obj: obj.product.effective_price)
    currency = "USD"
    status = OrderStatus.PAID
    paid_at = factory.LazyFunction(timezone.now)
    dodo_payment_id = factory.Sequence(lambda n: f"pay_test{n:06d}")


class DownloadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalogue.Download"

    order = factory.SubFactory(OrderFactory)
    ip_address = "198.51.100.7"
    user_agent = "Mozilla/5.0"


class OrderRefundFactory(factory.django.DjangoModelFactory):
    """A refund row as recorded (no ledger rows or signals: use catalogue.orders for those)."""

    class Meta:
        model = "catalogue.OrderRefund"

    order = factory.SubFactory(OrderFactory)
    refund_id = factory.Sequence(lambda n: f"ref_f{n}")
    amount = Decimal("5.00")
    currency = "USD"
    is_partial = True


class DisputeFactory(factory.django.DjangoModelFactory):
    """An open dispute row as recorded (catalogue.orders.record_dispute also flags and holds)."""

    class Meta:
        model = "catalogue.Dispute"

    order = factory.SubFactory(OrderFactory)
    dispute_id = factory.Sequence(lambda n: f"dp_f{n}")
    status = "dispute_opened"
    amount = Decimal("5.00")
    currency = "USD"


# SHORT LINKS (seller portal)

from seller_portal.models import ShortLink  # noqa: E402  (appended section; keeps the block self-contained)


class ShortLinkFactory(factory.django.DjangoModelFactory):
    """An active short link of a product, owned by the product's seller."""

    class Meta:
        model = ShortLink

    product = factory.SubFactory(ProductPageFactory)
    seller = factory.LazyAttribute(lambda obj: obj.product.seller)
    code = factory.Sequence(lambda n: f"link-{n}")


# SUPPORT TICKETS

from catalogue.models import MessageRole, SupportTicket, TicketMessage, TicketStatus  # noqa: E402  (appended section)


class SupportTicketFactory(factory.django.DjangoModelFactory):
    """An open ticket about a live product with the customer's first message (needs ``site_tree``).

    Pass ``first_message=False`` for a ticket without messages. For the real rules and
    notifications, use ``catalogue.support.services.open_ticket`` instead.
    """

    class Meta:
        model = SupportTicket
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductPageFactory)
    product_title = factory.LazyAttribute(lambda obj: obj.product.title)
    subject = factory.Sequence(lambda n: f"Question {n}")
    status = TicketStatus.OPEN

    @factory.post_generation
    def first_message(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        message = TicketMessage.objects.create(
            ticket=self, author=self.customer, author_role=MessageRole.CUSTOMER, body="Does it work offline?"
        )
        self.last_customer_message_at = message.created_at
        self.save(update_fields=["last_customer_message_at", "updated_at"])


class TicketMessageFactory(factory.django.DjangoModelFactory):
    """A message on a ticket; ``author`` defaults to the ticket's customer."""

    class Meta:
        model = TicketMessage

    ticket = factory.SubFactory(SupportTicketFactory)
    author = factory.LazyAttribute(lambda obj: obj.ticket.customer)
    author_role = MessageRole.CUSTOMER
    body = factory.Faker("paragraph")


# DISCOUNT CODES

from catalogue.models import DiscountCode  # noqa: E402  (appended section)


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    """An active seller's code, 20 % off all their products (``seller=None``: an editor's)."""

    class Meta:
        model = DiscountCode
        skip_postgeneration_save = True

    seller = factory.SubFactory(SellerFactory)
    code = factory.Sequence(lambda n: f"CODE{n:04d}")
    percent = 20

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if create and extracted:
            self.products.set(extracted)


# SELLER LEDGER


def ledger_sale(seller, price, *, days_ago=0, title=None):
    """A paid order of one of ``seller``'s products at ``price`` (no tax), paid
    ``days_ago`` days ago, with its sale written to the ledger as a payment writes it
    (``catalogue.ledger.record_sale``), dated when it was paid. Needs ``site_tree``."""
    from datetime import timedelta

    from catalogue import ledger
    from catalogue.models import LedgerEntry

    paid_at = timezone.now() - timedelta(days=days_ago)
    product_fields = {"seller": seller, "price": Decimal(price)}
    if title:
        product_fields["title"] = title
    order = OrderFactory(
        product=ProductPageFactory(**product_fields),
        amount=Decimal(price),
        net_amount=Decimal(price),
        paid_total=Decimal(price),
        paid_currency="USD",
        settlement_amount=Decimal(price),
        settlement_currency="USD",
        paid_at=paid_at,
    )
    order.compute_earnings()
    order.save()
    row = ledger.record_sale(order, reference=order.dodo_payment_id)
    LedgerEntry.objects.filter(pk=row.pk).update(created_at=paid_at)
    return order


# PREVIEWS AND STOREFRONTS (catalogue.previews, catalogue.storefronts)

from catalogue.models import ProductGalleryImage, SellerProfile  # noqa: E402  (appended section)


class ProductGalleryImageFactory(factory.django.DjangoModelFactory):
    """A picture in a product's gallery (a row of the live page; needs ``site_tree``)."""

    class Meta:
        model = ProductGalleryImage

    product = factory.SubFactory(ProductPageFactory)
    image = factory.SubFactory(WagtailImageFactory)
    caption = factory.Sequence(lambda n: f"Inside spread {n}")
    sort_order = factory.Sequence(lambda n: n)


class SellerProfileFactory(factory.django.DjangoModelFactory):
    """A seller's storefront profile (``/sellers/<slug>/``)."""

    class Meta:
        model = SellerProfile

    user = factory.SubFactory(SellerFactory)
    slug = factory.Sequence(lambda n: f"shop-{n}")
    shop_name = factory.Sequence(lambda n: f"Shop {n}")
    bio = "Independent maker of useful things."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A seller's first live product already made their profile: set these fields on it.
        user = kwargs.pop("user")
        profile, _ = model_class.objects.update_or_create(user=user, defaults=kwargs)
        return profile


# REVIEWS (catalogue.reviews)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A buyer's review, written as the portal writes it (``reviews.save_review``): the
    buyer gets a paid order of the product first, and the product's rating is recounted.
    ``hidden=True`` then hides it as an editor would. Needs ``site_tree``."""

    class Meta:
        model = "catalogue.Review"

    product = factory.SubFactory(ProductPageFactory)
    customer = factory.SubFactory(CustomerFactory)
    rating = 5
    title = factory.Sequence(lambda n: f"Great product {n}")
    body = factory.Faker("sentence", nb_words=16)

    @classmethod
    def _create(cls, model_class, *args, product, customer, rating, title="", body="", hidden=False, **kwargs):
        from catalogue import reviews

        if not reviews.entitling_orders(customer, product).exists():
            OrderFactory(customer=customer, product=product)
        review, _ = reviews.save_review(customer, product, rating=rating, title=title, body=body)
        if hidden:
            review = reviews.set_hidden(review, True, kwargs.get("hidden_reason") or "Off topic")
        return review


# PRODUCT FILES AND VERSIONS (catalogue.releases)


def product_upload(name="extra.pdf", data=PDF_BYTES):
    """An uploaded file as a form would hand it to ``catalogue.releases``."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def add_product_files(product, *names):
    """Add PDF files called ``names`` to the product's current version; returns them."""
    from catalogue import releases

    return releases.add_files(product, [product_upload(name) for name in names])
