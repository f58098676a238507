"""Verified reviews: who may review a product, and every change to a review.

A customer may rate (1-5) and review a product once they hold a *paid* order of it: the
order is ``OrderStatus.PAID`` (a partly refunded order still is; a fully refunded or
charged-back one is not) and cost something (``amount > 0``): a free product's order
is not a purchase, so it does not entitle a review. Each customer has one review per
product; writing again edits it.

Every change a shopper could see (a review written, edited, hidden or shown, a seller's
reply) goes through these services, which in the same transaction recount the product's
``ProductRating`` from its visible reviews and expire the cached pages that show it
(``page_cache.bump_generation``). A new review emails the product's seller after commit.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from . import page_cache
from .models import Order, OrderStatus, ProductRating, Review

logger = logging.getLogger(__name__)

# How many reviews a product page shows (newest first); the rest are counted ("n more").
PRODUCT_PAGE_REVIEWS = 10


class ReviewNotAllowed(Exception):
    """This customer may not review (or edit their review of) this product; ``message``
    says why, in words fit for the customer."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# WHO MAY REVIEW


def entitling_orders(customer, product):
    """The customer's orders of ``product`` that entitle a review: paid (a partial refund
    leaves an order paid), not refunded or charged back, and not free."""
    return (
        Order.objects.for_customer(customer)
        .filter(product=product, status=OrderStatus.PAID, amount__gt=0)
        .order_by("-paid_at", "-pk")
    )


def check_may_review(customer, product):
    """The order that entitles ``customer`` to review ``product``, or :class:`ReviewNotAllowed`."""
    if customer is None or not customer.is_authenticated or not customer.is_customer:
        raise ReviewNotAllowed(_("Sign in with your customer account to review a product."))
    if product.seller_id == customer.pk:
        raise ReviewNotAllowed(_("You cannot review your own product."))
    order = entitling_orders(customer, product).first()
    if order is None:
        raise ReviewNotAllowed(_("Only customers who bought this product (and kept it) can review it."))
    return order


def review_of(customer, product):
    """The customer's own review of ``product``, or ``None`` (never anyone else's)."""
    return Review.objects.for_customer(customer).filter(product=product).first()


def review_link_state(customer, owned_order):
    """What the buy box offers the owner of ``owned_order`` (their paid order of the
    product, which the buy box has already looked up): ``"edit"`` when they reviewed the
    product, ``"write"`` when the order entitles a review, else ``None``. One query, for
    owners only."""
    if owned_order is None or owned_order.amount <= 0 or owned_order.customer_id != customer.pk:
        return None
    if not customer.is_customer or owned_order.status != OrderStatus.PAID:
        return None
    reviewed = Review.objects.for_customer(customer).filter(product_id=owned_order.product_id).exists()
    return "edit" if reviewed else "write"


def reviewable_products(customer, orders):
    """``(reviewable, reviewed)``: the ids of the live products among ``orders`` (the
    customer's, with their products loaded) that entitle a review, and those the
    customer already reviewed. One query for the lot."""
    reviewable = {
        order.product_id
        for order in orders
        if order.status == OrderStatus.PAID and order.amount > 0 and order.product.live
    }
    if not reviewable:
        return set(), set()
    reviewed = set(
        Review.objects.for_customer(customer).filter(product_id__in=reviewable).values_list("product_id", flat=True)
    )
    return reviewable, reviewed


# CHANGES


@transaction.atomic
def save_review(customer, product, *, rating, title="", body=""):
    """Write or edit ``customer``'s review of ``product``; answer ``(review, created)``.

    Raises :class:`ReviewNotAllowed` for a customer without an entitling order (checked
    on edits too: a refunded buyer can no longer change their words) and
    ``ValidationError`` for a bad rating or text. A second review is an edit of the
    first, even when two requests race (the unique constraint decides).
    """
    order = check_may_review(customer, product)
    review = Review.objects.select_for_update().filter(product=product, customer=customer).first()
    created = review is None
    if created:
        review = Review(product=product, customer=customer)
    review.order = order
    review.rating, review.title, review.body = rating, title.strip(), body.strip()
    review.full_clean(validate_unique=False, validate_constraints=False)
    if created:
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            # Another request wrote it first: this one is an edit of that review.
            review = Review.objects.select_for_update().get(product=product, customer=customer)
            review.order, review.rating, review.title, review.body = order, rating, title.strip(), body.strip()
            review.save()
            created = False
    else:
        review.save()
    recount_rating(product.pk)
    expire_pages_showing(product)
    if created:
        transaction.on_commit(partial(send_new_review_email.enqueue, review.pk))
        logger.info("Review #%s: %s★ for product #%s by user #%s", review.pk, rating, product.pk, customer.pk)
    return review, created


@transaction.atomic
def set_hidden(review, hidden, reason=""):
    """Hide a review from shoppers (``reason`` required, kept for editors and the seller)
    or show it again; the product's rating is recounted either way."""
    reason = (reason or "").strip()
    if hidden and not reason:
        raise ValidationError({"hidden_reason": _("Say why the review is hidden.")})
    locked = Review.objects.select_for_update(of=("self",)).select_related("product").get(pk=review.pk)
    locked.hidden = hidden
    locked.hidden_reason = reason if hidden else ""
    locked.save(update_fields=["hidden", "hidden_reason", "updated_at"])
    recount_rating(locked.product_id)
    expire_pages_showing(locked.product)
    review.hidden, review.hidden_reason = locked.hidden, locked.hidden_reason
    logger.info("Review #%s: %s", review.pk, "hidden" if hidden else "shown")
    return locked


@transaction.atomic
def reply(seller, review, text):
    """The product's seller answers a review in public (an empty text removes the reply).

    ``review`` must be of one of ``seller``'s products: views find it through
    ``Review.objects.for_seller``, and this refuses anything else.
    """
    locked = (
        Review.objects.for_seller(seller).select_for_update(of=("self",)).select_related("product").get(pk=review.pk)
    )
    text = (text or "").strip()
    locked.seller_reply = text
    locked.seller_replied_at = timezone.now() if text else None
    locked.full_clean(validate_unique=False, validate_constraints=False)
    locked.save(update_fields=["seller_reply", "seller_replied_at", "updated_at"])
    expire_pages_showing(locked.product)
    return locked


def recount_rating(product_id):
    """Set the product's ``ProductRating`` from its visible reviews (exact, never ``+1``).

    The rating row is made if missing, then locked, then counted in a new statement:
    under READ COMMITTED that statement sees every review committed before the lock was
    granted, so two reviews written at once never leave a stale count.
    """
    with transaction.atomic():
        ProductRating.objects.bulk_create([ProductRating(product_id=product_id)], ignore_conflicts=True)
        ProductRating.objects.select_for_update().filter(pk=product_id).values_list("pk", flat=True).get()
        visible = Review.objects.filter(product_id=product_id, hidden=False).order_by().values("product")
        ProductRating.objects.filter(pk=product_id).update(
            review_count=Coalesce(Subquery(visible.annotate(n=Count("pk")).values("n")), 0),
            rating_total=Coalesce(Subquery(visible.annotate(total=Sum("rating")).values("total")), 0),
        )


def expire_pages_showing(product):
    """Cards and the product page show the rating and reviews: expire the anonymous page
    cache (and, with a CDN, the product page and the listings) like a publish does."""
    page_cache.bump_generation()
    if settings.WAGTAILFRONTENDCACHE:
        transaction.on_commit(partial(_purge_frontend_cache, product.pk))


def _purge_frontend_cache(product_id):
    from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache

    from .models import ProductPage

    product = ProductPage.objects.filter(pk=product_id).first()
    if product is None or not product.live:
        return
    index_page = product.get_parent().specific
    purge_pages_from_cache([product, index_page, index_page.get_parent()])


# READING

# Where product_page_reviews leaves its answer on the product, for the page's next fragment.
PAGE_REVIEWS_ATTRIBUTE = "_page_reviews"


def product_page_reviews(product, limit=PRODUCT_PAGE_REVIEWS):
    """``(rating, latest)`` for a product page: its ``ProductRating`` (``None`` without
    visible reviews) and its newest visible reviews with their authors.

    One query, the rating's numbers read beside the reviews; remembered on ``product``,
    so the page's rating line and its reviews section (two cached fragments) share it.
    """
    found = product.__dict__.get(PAGE_REVIEWS_ATTRIBUTE)
    if found is not None:
        return found
    row = ProductRating.objects.filter(product=OuterRef("product"))
    latest = list(
        Review.objects.visible()
        .filter(product=product)
        .select_related("customer")
        .annotate(
            visible_count=Subquery(row.values("review_count")), visible_total=Subquery(row.values("rating_total"))
        )[:limit]
    )
    rating = None
    if latest and latest[0].visible_count:
        first = latest[0]
        rating = ProductRating(
            product_id=product.pk, review_count=first.visible_count, rating_total=first.visible_total
        )
    found = product.__dict__[PAGE_REVIEWS_ATTRIBUTE] = (rating, latest)
    return found


# EMAIL


@task(backend="db", takes_context=True)
def send_new_review_email(context, review_id, attempt=1):
    """Tell the product's seller about a new review, with a link to answer it."""
    from .emails import send_email_from_task

    review = Review.objects.select_related("product__seller", "customer").filter(pk=review_id).first()
    if review is None:
        logger.warning("Review #%s: email not sent, the review no longer exists", review_id)
        return False
    seller = review.product.seller
    if not seller.is_active:
        logger.info("Review #%s: email skipped, seller #%s is inactive", review_id, seller.pk)
        return False
    template_context = {
        "review": review,
        "product": review.product,
        "recipient": seller,
        "reviews_url": settings.SITE_URL + reverse("seller_portal:reviews"),
    }
    return send_email_from_task(
        context, "catalogue/emails/review_new", template_context, [seller.email], about=f"Review #{review_id}"
    )
