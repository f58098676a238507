"""Verified reviews: one rating and review per buyer and product, with the seller's reply.

Only the buyer of a paid, unrefunded order may review (``catalogue.reviews`` holds the
rule); editors hide a review from shoppers in Wagtail admin. Each product's count and
rating total live in ``ProductRating`` (kept in step with the visible reviews), so a
product card shows the average with its product row, without a query per card.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..ownership import CUSTOMER, SELLER, OwnedQuerySet
from ..validators import validate_no_nul

REVIEW_BODY_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 1000


class ReviewQuerySet(OwnedQuerySet):
    # A seller sees the reviews of their own products; a customer, their own reviews.
    OWNER_FIELDS = {CUSTOMER: "customer", SELLER: "product__seller"}

    def visible(self):
        """What shoppers see: reviews editors have not hidden."""
        return self.filter(hidden=False)


class Review(models.Model):
    """A buyer's rating (1-5) and words about one product, with the seller's public reply."""

    product = models.ForeignKey(
        "catalogue.ProductPage", on_delete=models.CASCADE, related_name="reviews", verbose_name=_("product")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("customer")
    )
    # The purchase that entitles the review (a paid order of this product by this customer).
    order = models.ForeignKey(
        "catalogue.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("order"),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("1 to 5 stars.")
    )
    title = models.CharField(_("title"), max_length=120, blank=True, validators=[validate_no_nul])
    body = models.TextField(
        _("review"),
        blank=True,
        max_length=REVIEW_BODY_MAX_LENGTH,
        validators=[MaxLengthValidator(REVIEW_BODY_MAX_LENGTH), validate_no_nul],
    )
    hidden = models.BooleanField(
        _("hidden"), default=False, db_index=True, help_text=_("Hidden reviews are not shown to shoppers.")
    )
    hidden_reason = models.CharField(_("why hidden"), max_length=300, blank=True)
    seller_reply = models.TextField(
        _("seller's reply"),
        blank=True,
        max_length=REPLY_MAX_LENGTH,
        validators=[MaxLengthValidator(REPLY_MAX_LENGTH), validate_no_nul],
    )
    seller_replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    updated_at = models.DateTimeField(_("edited"), auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "customer"], name="catalogue_review_one_per_buyer"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="catalogue_review_rating_1_5"),
        ]
        indexes = [
            # A product page's reviews, newest first, without the hidden ones.
            models.Index(fields=["product", "hidden", "-created_at"], name="catalogue_review_product"),
        ]

    def __str__(self):
        return f"{self.rating}★ for {self.product_id} by {self.customer_id}"


class ProductRating(models.Model):
    """A product's visible reviews summed up: how many and their ratings' total.

    One row per reviewed product, recounted from the review rows whenever a review is
    written, edited, hidden, shown or deleted; products without reviews have none.
    """

    product = models.OneToOneField(
        "catalogue.ProductPage", on_delete=models.CASCADE, primary_key=True, related_name="rating"
    )
    review_count = models.PositiveIntegerField(_("reviews"), default=0)
    rating_total = models.PositiveIntegerField(_("sum of ratings"), default=0)

    class Meta:
        verbose_name = _("product rating")
        verbose_name_plural = _("product ratings")

    def __str__(self):
        return f"{self.average} from {self.review_count} reviews"

    @property
    def average(self):
        """The mean rating to one decimal (4.5), or None without reviews."""
        if not self.review_count:
            return None
        return (Decimal(self.rating_total) / self.review_count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
