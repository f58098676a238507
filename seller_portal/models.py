"""Seller portal models: short links, and the summaries the dashboard and product list read.

A short link (``/s/<code>/``) sends visitors to one of the seller's product pages and
counts them. When a visitor who followed it buys that product, the checkout stores the
code on the order (``Order.referral_code``), so the seller sees which links sell.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalogue.models import Order, OrderStatus
from catalogue.ownership import SELLER, OwnedQuerySet
from catalogue.quota import StorageUsage

from .codes import CODE_MAX_LENGTH

# Orders that count as sales of a link: paid, including those refunded or charged back
# later (the click led to a purchase either way; revenue figures deal with refunds).
SALE_STATUSES = (OrderStatus.PAID, OrderStatus.REFUNDED, OrderStatus.CHARGEBACK)


class ShortLinkQuerySet(OwnedQuerySet):
    OWNER_FIELDS = {SELLER: "seller"}

    def with_code(self, code):
        """The link with ``code``, in any letter case (``Spring-Sale`` = ``spring-sale``).

        Compared through ``LOWER(code)``, which the unique index covers.
        """
        return self.alias(code_lower=Lower("code")).filter(code_lower=(code or "").strip().lower())

    def with_sales(self):
        """Annotate ``sales``: paid orders of the link's product that came through it.

        One correlated subquery in the same SQL statement, not a query per row.
        """
        sales = (
            Order.objects.filter(
                referral_code=OuterRef("code"), product_id=OuterRef("product_id"), status__in=SALE_STATUSES
            )
            .order_by()
            .values("referral_code")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return self.annotate(sales=Coalesce(Subquery(sales, output_field=models.IntegerField()), Value(0)))


class ShortLink(models.Model):
    """A seller's short code that redirects to one of their product pages, with a click count."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        on_delete=models.CASCADE,
        related_name="short_links",
    )
    product = models.ForeignKey(
        "catalogue.ProductPage",
        verbose_name=_("product"),
        # A link to a deleted product has nowhere to go.
        on_delete=models.CASCADE,
        related_name="short_links",
    )
    code = models.CharField(
        _("code"),
        max_length=CODE_MAX_LENGTH,
        unique=True,
        help_text=_("The part after /s/ in the link. Letters, digits and dashes."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("A disabled link answers “not found” until it is enabled again.")
    )
    clicks = models.PositiveIntegerField(_("clicks"), default=0, editable=False)
    last_clicked_at = models.DateTimeField(_("last click"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ShortLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("short link")
        verbose_name_plural = _("short links")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # "Spring-Sale" and "spring-sale" are one link: unique whatever the case.
            models.UniqueConstraint(Lower("code"), name="seller_portal_shortlink_code_ci"),
        ]

    def __str__(self):
        return f"/s/{self.code}/"

    def get_absolute_url(self):
        """The public short link's path, ``/s/<code>/``."""
        return reverse("short_link", kwargs={"code": self.code})

    @property
    def public_url(self):
        """The full link to share, on ``SITE_URL``."""
        return settings.SITE_URL.rstrip("/") + self.get_absolute_url()


class ProductSales(models.Model):
    """A seller's sales of one product, summed from the order rows: a cache, never a record.

    The dashboard's all-time figures and best sellers read these rows instead of summing
    every order on each visit. ``seller_portal.stats.recount_product_sales`` rewrites a
    row from its orders (by the revenue rule there) whenever one of them is saved, and
    ``manage.py recount_sales`` rewrites them all, so each row always equals a
    recomputation from ``Order`` rows. Money records stay in orders and the ledger.
    """

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("seller"), on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey(
        "catalogue.ProductPage", verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )
    sales = models.PositiveIntegerField(_("sales"), default=0, help_text=_("Paid orders, refunded ones included."))
    refunded = models.PositiveIntegerField(_("refunded"), default=0)
    revenue = models.DecimalField(_("net revenue"), max_digits=14, decimal_places=3, default=0)
    free_downloads = models.PositiveIntegerField(
        _("free downloads"), default=0, help_text=_("Free orders: the product taken for nothing, not sales.")
    )

    class Meta:
        verbose_name = _("product sales")
        verbose_name_plural = _("product sales")
        constraints = [models.UniqueConstraint(fields=["seller", "product"], name="seller_portal_sales_once")]
        indexes = [
            # Best sellers (stats.best_sellers) in its own order: the top five are the
            # first rows of the seller's range, however many products they sold.
            models.Index(fields=["seller", "-revenue", "-sales", "product"], name="seller_portal_best_sellers"),
        ]

    def __str__(self):
        return f"Sales of product #{self.product_id} by seller #{self.seller_id}"


class SellerDailySales(models.Model):
    """A seller's sales of one local day, summed from the order rows: a cache, never a record.

    ``day`` is the calendar day of the orders' ``paid_at`` in ``settings.TIME_ZONE``. The
    dashboard's windows (today, 7 and 30 days) and its 30-day chart read at most 30 of
    these rows instead of summing the orders of the last 30 days on each visit.
    ``seller_portal.stats.recount_daily_sales`` rewrites a day from its orders (by the
    revenue rule there) whenever an order paid that day is saved, moved to another day or
    deleted, and ``manage.py recount_sales`` rewrites them all, so the rows always equal
    a recomputation from ``Order`` rows: one row per day with sales, none for other days.
    Money records stay in orders and the ledger.
    """

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("seller"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"), help_text=_("The local day the orders were paid."))
    orders = models.PositiveIntegerField(_("orders"), default=0, help_text=_("Paid orders, refunded ones included."))
    revenue = models.DecimalField(_("net revenue"), max_digits=14, decimal_places=3, default=0)

    class Meta:
        verbose_name = _("daily sales")
        verbose_name_plural = _("daily sales")
        constraints = [
            # Its index, (seller, day), is the one the dashboard reads: this seller's rows
            # with day >= the window's first day. No second index is needed.
            models.UniqueConstraint(fields=["seller", "day"], name="seller_portal_daily_sales_once"),
        ]

    def __str__(self):
        return f"Sales of {self.day} by seller #{self.seller_id}"


class SellerCatalogueQuerySet(models.QuerySet):
    def of_seller(self, seller_id):
        """The seller's row, or an unsaved row of zeros if they have none yet (one query)."""
        return self.filter(seller_id=seller_id).first() or self.model(seller_id=seller_id)


class SellerCatalogue(models.Model):
    """How many products a seller has and the storage their files take: a cache, never a
    record.

    The dashboard's product counts, the product list's total (its pagination) and the
    storage line on the product list and form read this one row instead of counting the
    seller's products on each visit. ``seller_portal.stats.recount_seller_catalogue``
    rewrites it from the product rows whenever one of the seller's products is saved in a
    way that may change it (created, published, unpublished, file replaced, given to
    another seller: then both sellers' rows) or deleted, and ``manage.py recount_sales``
    rewrites them all, so the row always equals a recomputation from ``ProductPage`` rows.
    A seller without a row has no products.
    """

    seller = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    live_products = models.PositiveIntegerField(_("live products"), default=0)
    draft_products = models.PositiveIntegerField(
        _("draft products"), default=0, help_text=_("Products that are not live: never published, or unpublished.")
    )
    storage_used = models.PositiveBigIntegerField(
        _("storage used"),
        default=0,
        help_text=_("Bytes the products' current files take, each stored file counted once (catalogue.quota)."),
    )

    objects = SellerCatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("seller catalogue")
        verbose_name_plural = _("seller catalogues")

    def __str__(self):
        return f"Catalogue of seller #{self.seller_id}"

    @property
    def products(self):
        """All the seller's products, live or not."""
        return self.live_products + self.draft_products

    @property
    def storage_usage(self):
        """The storage line shown to the seller (:class:`catalogue.quota.StorageUsage`)."""
        return StorageUsage.of(self.storage_used)
