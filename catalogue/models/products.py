"""The marketplace domain: product categories (a snippet), product pages, the catalogue.

Products are Wagtail pages under the one ``CatalogueIndexPage`` at ``/catalogue/``, so
editors get drafts, revisions, scheduling and previews for free; sellers reach the same
model through the seller portal. Validation lives here and in ``validators.py`` so it
holds for both. This module imports nothing else of ours but settings-level references.
"""

import logging
import os
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import Count, OuterRef, ProtectedError, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.images import get_image_model
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from ..money import to_minor
from ..ownership import SELLER, OwnedQuerySet
from ..previews import preview_context, validate_video_url
from ..quota import check_storage_quota
from ..slugs import unique_product_slug
from ..storage import get_private_storage, private_upload_path
from ..validators import (
    file_extension,
    validate_no_nul,
    validate_price,
    validate_product_file,
    validate_product_title,
)
from ..widgets import PrivateFileInput

logger = logging.getLogger(__name__)

SUMMARY_MAX_LENGTH = 1000
# The body's rich-text features; catalogue.sanitize allows exactly the HTML they produce.
PRODUCT_BODY_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]
# Image renditions, named once so listings can prefetch exactly what templates render.
CARD_COVER_SPEC = "fill-480x360"
PAGE_COVER_SPEC = "fill-960x720"
SHARE_IMAGE_SPEC = "fill-1200x630"
RELATED_PRODUCTS_LIMIT = 4


class TaxCategory(models.TextChoices):
    """Dodo Payments' tax categories; the values are Dodo's own."""

    DIGITAL_PRODUCTS = "digital_products", _("Digital products")
    SAAS = "saas", _("Software as a service")
    E_BOOK = "e_book", _("E-book")
    EDTECH = "edtech", _("Education technology")
    LIVE_TUTORING = "live_tutoring", _("Live tutoring")


class ProductCategoryQuerySet(OwnedQuerySet):
    # A seller manages the categories they created; editors manage all of them.
    OWNER_FIELDS = {SELLER: "owner"}

    def live_product_total(self):
        """How many live products the catalogue holds: the sum of the categories' counters
        (every product has a category), one query over the small category table."""
        return self.aggregate(total=Coalesce(Sum("live_product_count"), 0))["total"]

    def recount_live_products(self):
        """Set these categories' ``live_product_count`` from the product rows (exact).

        The rows are locked first, then counted in a new statement: under READ COMMITTED
        that statement sees every concurrent publish that committed before the lock was
        granted, so two transactions changing one category never leave a stale count.
        """
        with transaction.atomic(using=self.db):
            pks = list(self.select_for_update().order_by("pk").values_list("pk", flat=True))
            live = (
                ProductPage.objects.live()
                .filter(category=OuterRef("pk"))
                .order_by()
                .values("category")
                .annotate(count=Count("pk"))
                .values("count")
            )
            return ProductCategory.objects.filter(pk__in=pks).update(live_product_count=Coalesce(Subquery(live), 0))


class CategoryStatus(models.TextChoices):
    """Where a category stands with the editors: shoppers only ever see approved ones."""

    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ProductCategory(models.Model):
    """A shelf of the catalogue (E-books, Templates, ...): a Wagtail snippet.

    Categories are marketplace-wide, so one a seller proposes starts ``PENDING`` and
    shoppers see it only once an editor approves it (``catalogue.moderation``); the ones
    editors create are approved from the start (the field's default).

    Editors manage every category in Wagtail admin; a seller manages the ones they created
    (``owner``). A category with products cannot be deleted (``ProductPage.category`` is
    ``PROTECT``). An empty slug is filled from the name on save (see signal_handlers).
    """

    name = models.CharField(_("name"), max_length=80, help_text=_("Shown to customers, e.g. “E-books”."))
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        blank=True,
        help_text=_("The category's address: /catalogue/category/<slug>/. Leave empty to make one from the name."),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=500,
        validators=[MaxLengthValidator(500)],
        help_text=_("One or two sentences shown on the category page."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        # The category outlives its creator: other sellers' products may use it.
        on_delete=models.SET_NULL,
        related_name="product_categories",
        help_text=_("The seller who created this category, if any; editors own the rest."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CategoryStatus.choices,
        default=CategoryStatus.APPROVED,
        db_index=True,
        help_text=_("Shoppers see approved categories only; a seller's proposal waits for an editor."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    review_comment = models.TextField(
        _("editor's comment"),
        blank=True,
        max_length=1000,
        validators=[MaxLengthValidator(1000)],
        help_text=_("Sent to the seller who proposed the category (why it was rejected, or a note on approval)."),
    )
    live_product_count = models.PositiveIntegerField(
        _("live products"),
        default=0,
        editable=False,
        help_text=_(
            "How many live products this category holds; recounted from the product rows whenever one is "
            "published, unpublished, deleted or moved to another category (manage.py recount_categories)."
        ),
    )

    objects = ProductCategoryQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("owner"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The counter is written only by recount_live_products() (a queryset update). A
        # full save of an instance read earlier would put its old count back, and an
        # empty-looking category is hidden from shoppers (categories_with_urls).
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "live_product_count"
            ]
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """Delete the category, or raise :class:`CategoryInUseError` if products use it."""
        count = self.products.count()
        if count:
            raise CategoryInUseError(self, count)
        return super().delete(*args, **kwargs)

    @property
    def is_approved(self):
        """Whether shoppers may see this category (its name on cards, its page, filters)."""
        return self.status == CategoryStatus.APPROVED


class CategoryInUseError(ProtectedError):
    """A category cannot be deleted while products are filed under it.

    A ``ProtectedError`` (what the database rule raises for bulk deletes too), with a
    message fit to show a seller or an editor.
    """

    def __init__(self, category, count):
        self.category = category
        self.count = count
        message = ngettext(
            "“%(name)s” still has %(count)d product, so it cannot be deleted. "
            "Move that product to another category or delete it first.",
            "“%(name)s” still has %(count)d products, so it cannot be deleted. "
            "Move them to another category or delete them first.",
            count,
        ) % {"name": category.name, "count": count}
        # Unevaluated: building the message costs no query.
        super().__init__(message, category.products.all()[:20])

    def __str__(self):
        return self.args[0]


class ProductHasOrdersError(ProtectedError):
    """A product that has been ordered cannot be deleted: its buyers keep their
    downloads and the sales records keep their product. Unpublishing it stops sales.
    """

    def __init__(self, product, count):
        self.product = product
        self.count = count
        message = ngettext(
            "“%(title)s” has %(count)d order, so it cannot be deleted: its buyers keep their download. "
            "Unpublish it instead to stop selling it.",
            "“%(title)s” has %(count)d orders, so it cannot be deleted: its buyers keep their downloads. "
            "Unpublish it instead to stop selling it.",
            count,
        ) % {"title": product.title, "count": count}
        super().__init__(message, product.orders.all()[:20])

    def __str__(self):
        return self.args[0]


class ProductPageQuerySet(OwnedQuerySet, PageQuerySet):
    """Product queries used by listings, the home page and related products."""

    OWNER_FIELDS = {SELLER: "seller"}

    def with_card_data(self, cover_spec=CARD_COVER_SPEC):
        """Load what a product card shows (seller, category, rating, cover thumbnail) up front.

        Two queries in all, however many cards: the products with their seller, category
        and cover image joined, then the cover renditions of that size. Without this, every
        card would cost a query for each related object and one for its thumbnail.
        """
        rendition_model = get_image_model().get_rendition_model()
        # ``rating``: the card's ★ average and review count (no row: no reviews yet).
        return self.select_related("seller", "category", "cover_image", "rating").prefetch_related(
            models.Prefetch(
                "cover_image__renditions",
                queryset=rendition_model.objects.filter(filter_spec=cover_spec),
            )
        )

    def in_category(self, category):
        return self.filter(category=category)

    def featured(self):
        return self.filter(featured=True)


ProductPageManager = PageManager.from_queryset(ProductPageQuerySet)


class CatalogueIndexPage(RoutablePageMixin, Page):
    """The one page at ``/catalogue/`` under which every product page lives.

    It lists live products with search, sort and pagination, and serves the category
    pages at ``/catalogue/category/<slug>/``; the query logic is in ``services.py``.
    """

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("A sentence or two shown above the product grid."),
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["catalogue.ProductPage"]
    max_count = 1

    class Meta:
        verbose_name = _("catalogue index")

    def route(self, request, path_components):
        # A product URL (/catalogue/<slug>/): fetch the product as a ProductPage with the
        # seller, category and cover its page shows, in one query. Wagtail's own routing
        # takes two (the base page, then its specific row) and the template three more.
        if len(path_components) == 1:
            try:
                self.resolve_subpage(f"/{path_components[0]}/")
            except Http404:
                product = (
                    ProductPage.objects.child_of(self)
                    # seller_profile: the "by <shop>" link to the storefront, in the same query.
                    .select_related("seller", "seller__seller_profile", "category", "cover_image")
                    # Whether there is a gallery to read (catalogue.previews): none, no query.
                    .annotate(has_gallery=models.Exists(ProductGalleryImage.objects.filter(product=OuterRef("pk"))))
                    .filter(slug=path_components[0])
                    .first()
                )
                if product is not None:
                    # Treebeard's get_parent() uses this instead of a query.
                    product._cached_parent_obj = self
                    return product.route(request, [])
        return super().route(request, path_components)

    @path("")
    def all_products(self, request):
        """``/catalogue/``: every live product; ``?category=`` jumps to that category."""
        slug = request.GET.get("category", "").strip()
        if slug and ProductCategory.objects.filter(slug=slug, status=CategoryStatus.APPROVED).exists():
            # One address per category: the filter form lands on the category page.
            params = {key: value for key, value in request.GET.items() if key in ("q", "sort") and value}
            url = self.category_url(slug)
            return redirect(f"{url}?{urlencode(params)}" if params else url)
        return self.render(request, context_overrides=self.listing_context(request))

    @path("category/<slug:slug>/", name="category")
    def category_page(self, request, slug):
        """``/catalogue/category/<slug>/``: the live products of one category."""
        categories = self.categories_with_urls()
        # Picked from the list the filters need anyway: one query instead of two.
        category = next((item for item in categories if item.slug == slug), None)
        if category is None:
            raise Http404(f"No category {slug!r}")
        return self.render(
            request,
            template="catalogue/category.html",
            context_overrides=self.listing_context(request, category=category, categories=categories),
        )

    def listing_context(self, request, category=None, categories=None):
        """Search, filter, sort and paginate the products for the listing templates."""
        # Imported here: services builds on these models.
        from ..services import CatalogueQuery, browse_catalogue

        query = CatalogueQuery.from_request(request, category=category)
        listing = browse_catalogue(query)
        return {
            "catalogue_index": self,
            "category": category,
            "categories": categories if categories is not None else self.categories_with_urls(),
            "listing": listing,
            "products": listing.page_obj.object_list,
            "page_obj": listing.page_obj,
            "querystring_base": query.querystring_base(),
            "search_query": query.text,
            "sort_options": listing.sort_options,
            "current_sort": listing.sort.key,
        }

    def categories_with_urls(self):
        """The categories shoppers can browse, each with its page's ``url``, for the filters
        and chips (and ``category_page``, which picks from them).

        A category without live products is left out, so its page answers 404: shoppers
        are never led to an empty shelf, nor is a category editors have not approved
        (``catalogue.moderation``). Editors and sellers still see every category in
        Wagtail admin and the seller portal, which do not read this list.
        """
        categories = list(ProductCategory.objects.filter(live_product_count__gt=0, status=CategoryStatus.APPROVED))
        for category in categories:
            category.url = self.category_url(category)
        return categories

    def category_url(self, category_or_slug):
        """The address of a category page (``/catalogue/category/<slug>/``)."""
        slug = getattr(category_or_slug, "slug", category_or_slug)
        return self.url + self.reverse_subpage("category", args=(slug,))


def product_file_upload_to(instance, filename):
    """A server-generated name for a product file: ``products/<uuid>/<uuid>.<ext>``.

    Nothing of the seller's file name reaches the storage path (it is kept in
    ``ProductPage.file_name`` for the download's Content-Disposition), so names cannot
    collide, leak or be guessed.
    """
    return private_upload_path("products", filename)


def preview_file_upload_to(instance, filename):
    """A server-generated public name for a preview: ``previews/<uuid>/<uuid>.<ext>``."""
    return private_upload_path("previews", filename)


class ProductPage(Page):
    """A digital product for sale: a page under the catalogue index, with no children.

    Dodo Payments sells it: ``title`` is Dodo's product name, ``summary`` its description,
    ``effective_price`` (``price_minor`` on the wire) its price, ``tax_category`` its tax
    category. The file lives in private storage and is only ever handed to buyers.
    """

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        # Never cascade: customers who bought the product keep it. Deactivate a seller's
        # account instead of deleting it, or move their products to someone else first.
        on_delete=models.PROTECT,
        related_name="products",
        limit_choices_to={"is_seller": True},
        help_text=_("The seller who made this product and receives its earnings."),
    )
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        # A category with products cannot be deleted: move or delete the products first.
        on_delete=models.PROTECT,
        related_name="products",
        help_text=_("The shelf customers find this product on."),
    )
    summary = models.TextField(
        _("summary"),
        max_length=SUMMARY_MAX_LENGTH,
        validators=[MaxLengthValidator(SUMMARY_MAX_LENGTH), validate_no_nul],
        help_text=_(
            "Plain text, at most 1,000 characters: shown on the product page, in search results and at checkout."
        ),
    )
    body = RichTextField(
        _("description"),
        blank=True,
        features=PRODUCT_BODY_FEATURES,
        help_text=_("What is inside, who it is for, formats and requirements."),
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Landscape, at least 1200 × 900 pixels; shown cropped to 4:3."),
    )
    price = models.DecimalField(
        _("price"),
        max_digits=10,
        decimal_places=2,
        validators=[validate_price],
        help_text=_("The regular price, e.g. 19.00."),
    )
    selling_price = models.DecimalField(
        _("selling price"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[validate_price],
        help_text=_("Optional sale price, at most the price. Leave empty to sell at the price."),
    )
    pay_what_you_want = models.BooleanField(
        _("pay what you want"),
        default=False,
        help_text=_("Buyers choose what to pay: at least the price (which may be 0), with an optional suggestion."),
    )
    suggested_price = models.DecimalField(
        _("suggested price"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[validate_price],
        help_text=_("Pay what you want only: the amount the buy box suggests, at least the price."),
    )
    # A copy of effective_price kept by save(): SQL can sort and filter on it (indexed).
    sort_price = models.DecimalField(
        _("price paid"), max_digits=10, decimal_places=2, editable=False, db_index=True, default=Decimal("0")
    )
    tax_category = models.CharField(
        _("tax category"),
        max_length=32,
        choices=TaxCategory.choices,
        default=TaxCategory.DIGITAL_PRODUCTS,
        help_text=_("How the product is taxed at checkout."),
    )
    file = models.FileField(
        _("product file"),
        upload_to=product_file_upload_to,
        storage=get_private_storage,
        max_length=255,
        validators=[validate_product_file],
        help_text=_("What the customer downloads after paying. Stored privately, never public."),
    )
    file_name = models.CharField(
        _("original file name"),
        max_length=255,
        blank=True,
        editable=False,
        help_text=_("The uploaded file's name, offered to buyers when they download."),
    )
    file_size = models.PositiveBigIntegerField(_("file size"), null=True, blank=True, editable=False)
    featured = models.BooleanField(
        _("featured"),
        default=False,
        db_index=True,
        help_text=_("Show on the home page's featured products when editors do not pick them by hand."),
    )

    # PREVIEWS: what anyone may see before buying (the gallery is ProductGalleryImage).
    preview_file = models.FileField(
        _("preview file"),
        upload_to=preview_file_upload_to,
        # Public media on purpose: a sample chapter or demo anyone may download.
        blank=True,
        max_length=255,
        validators=[validate_product_file],
        help_text=_("Optional free sample (a chapter, a demo): public, separate from what buyers get."),
    )
    preview_file_name = models.CharField(_("preview file name"), max_length=255, blank=True, editable=False)
    video_url = models.URLField(
        _("video"),
        blank=True,
        max_length=300,
        help_text=_("Optional YouTube or Vimeo address, shown on the product page."),
    )

    # LICENSE KEYS: issued by Dodo for each paid order when enabled.
    license_key_enabled = models.BooleanField(
        _("issue license keys"),
        default=False,
        help_text=_("Dodo issues each buyer a license key, shown in their library and receipt."),
    )
    license_key_activation_limit = models.PositiveIntegerField(
        _("activations per key"),
        null=True,
        blank=True,
        help_text=_("How many devices or installs one key may activate. Empty: no limit."),
    )
    license_key_duration_days = models.PositiveIntegerField(
        _("key valid for (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: the key never expires."),
    )

    objects = ProductPageManager()

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("seller"), FieldPanel("category")]),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("price"), FieldPanel("selling_price")]),
                FieldRowPanel([FieldPanel("pay_what_you_want"), FieldPanel("suggested_price")]),
                FieldPanel("tax_category"),
            ],
            heading=_("Pricing"),
            help_text=_(
                "A price of 0 gives the product away: signed-in customers add it to their library at once. "
                "With pay what you want, the price is the minimum a buyer pays (0 lets them pay nothing)."
            ),
        ),
        FieldPanel("file", widget=PrivateFileInput),
        FieldPanel("featured"),
        # LICENSE KEYS: issued by Dodo with each payment (dodo.licenses).
        MultiFieldPanel(
            [
                FieldPanel("license_key_enabled"),
                FieldRowPanel([FieldPanel("license_key_activation_limit"), FieldPanel("license_key_duration_days")]),
            ],
            heading=_("License keys"),
            help_text=_("Dodo issues each buyer a key; a full refund or a lost dispute disables it."),
        ),
        # PREVIEWS: what shoppers see before buying (catalogue.previews).
        MultiFieldPanel(
            [
                InlinePanel("gallery_images", label=_("Gallery image")),
                FieldPanel("preview_file"),
                FieldPanel("video_url"),
            ],
            heading=_("Previews"),
        ),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("seller_name"),
        index.RelatedFields("category", [index.SearchField("name")]),
        index.FilterField("category"),
        index.FilterField("seller"),
        index.FilterField("featured"),
        index.FilterField("sort_price"),
    ]

    parent_page_types = ["catalogue.CatalogueIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            # Category pages sort by price within one category.
            models.Index(fields=["category", "sort_price"], name="catalogue_product_cat_price"),
            # The seller portal's list, newest first: one range of this index per page.
            models.Index(fields=["seller", "-page_ptr"], name="catalogue_product_seller_new"),
        ]

    # MONEY

    @property
    def effective_price(self):
        """What a buyer pays: the selling price when there is one, else the price."""
        return self.selling_price if self.selling_price is not None else self.price

    @property
    def is_discounted(self):
        """Whether the selling price is below the price (the page shows both)."""
        return self.selling_price is not None and self.price is not None and self.selling_price < self.price

    @property
    def discount_percent(self):
        """The saving as a whole percentage, rounded down so it never overstates."""
        if not self.is_discounted:
            return 0
        saving = (self.price - self.selling_price) / self.price * 100
        return int(saving.to_integral_value(rounding=ROUND_DOWN))

    @property
    def price_minor(self):
        """The effective price in integer minor units of the marketplace currency, as Dodo
        expects (19.99 USD -> 1999, 1000 JPY -> 1000)."""
        price = self.effective_price
        if price is None:
            return None
        return to_minor(price, self.currency)

    @property
    def currency(self):
        """The marketplace's ISO 4217 currency code (one currency for the whole site)."""
        return settings.MARKETPLACE_CURRENCY

    @property
    def is_free(self):
        """Given away: a price of 0 and no pay what you want. Customers get it without
        Dodo (``catalogue.orders.get_free``); Dodo never holds it."""
        return not self.pay_what_you_want and self.effective_price is not None and self.effective_price == 0

    @property
    def minimum_price(self):
        """The least a buyer pays: the price (Dodo's minimum) for pay what you want."""
        return self.price if self.pay_what_you_want else self.effective_price

    @property
    def suggested_amount(self):
        """What the pay-what-you-want amount box starts at: the suggestion, else the minimum."""
        if self.pay_what_you_want and self.suggested_price is not None:
            return self.suggested_price
        return self.minimum_price

    @property
    def may_be_had_free(self):
        """Whether a buyer may take it for nothing: free, or pay what you want from 0."""
        return self.is_free or (self.pay_what_you_want and self.price is not None and self.price == 0)

    @property
    def suggested_price_minor(self):
        """The suggestion in minor units for Dodo (pay what you want only), else None."""
        if not self.pay_what_you_want or self.suggested_price is None:
            return None
        return to_minor(self.suggested_price, self.currency)

    # DISPLAY

    @property
    def seller_name(self):
        """The seller's public name (also indexed for search)."""
        return self.seller.display_name if self.seller_id else ""

    @property
    def file_type(self):
        """The product file's type for display, e.g. ``"PDF"``."""
        return file_extension(self.file_name or (self.file.name if self.file else "")).upper()

    # VALIDATION

    def clean(self):
        """Rules that involve more than one field, or Wagtail's own ``title``."""
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            validate_product_title(self.title)
        except ValidationError as error:
            errors.setdefault("title", []).extend(error.error_list)
        if (
            isinstance(self.price, Decimal)
            and isinstance(self.selling_price, Decimal)
            and self.selling_price > self.price
        ):
            errors.setdefault("selling_price", []).append(
                ValidationError(
                    _("The selling price cannot be more than the price (%(price)s)."),
                    code="selling_price_above_price",
                    params={"price": self.price},
                )
            )
        self._clean_pay_what_you_want(errors)
        self._clean_license_keys(errors)
        try:
            # Checked here, not as a field validator: the address rules live in previews.py.
            validate_video_url(self.video_url)
        except ValidationError as error:
            errors.setdefault("video_url", []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)

    def _clean_license_keys(self, errors):
        """License keys: at least one activation and one day when set (empty means no
        limit, never expires); Dodo issues keys with payments, so a free product has none."""
        if self.license_key_activation_limit is not None and self.license_key_activation_limit < 1:
            errors.setdefault("license_key_activation_limit", []).append(
                ValidationError(
                    _("Allow at least 1 activation, or leave it empty for no limit."), code="activation_limit_below_one"
                )
            )
        if self.license_key_duration_days is not None and self.license_key_duration_days < 1:
            errors.setdefault("license_key_duration_days", []).append(
                ValidationError(
                    _("A key must be valid for at least 1 day, or leave it empty so it never expires."),
                    code="duration_below_one_day",
                )
            )
        if self.license_key_enabled and isinstance(self.price, Decimal) and self.is_free:
            errors.setdefault("license_key_enabled", []).append(
                ValidationError(
                    _("License keys come with a payment: a free product cannot issue them."),
                    code="license_keys_on_free_product",
                )
            )

    def _clean_pay_what_you_want(self, errors):
        """Pay what you want: the price is the minimum, a suggestion is at least that,
        and there is no selling price (Dodo's pay-what-you-want price has no discount).
        Without it, a suggestion left behind means nothing and is dropped."""
        if not self.pay_what_you_want:
            self.suggested_price = None
            return
        if self.selling_price is not None:
            errors.setdefault("selling_price", []).append(
                ValidationError(
                    _("Pay what you want has a minimum price, not a selling price: leave the selling price empty."),
                    code="selling_price_with_pay_what_you_want",
                )
            )
        if (
            isinstance(self.price, Decimal)
            and isinstance(self.suggested_price, Decimal)
            and self.suggested_price < self.price
        ):
            errors.setdefault("suggested_price", []).append(
                ValidationError(
                    _("The suggested price must be at least the minimum price (%(price)s)."),
                    code="suggested_price_below_minimum",
                    params={"price": self.price},
                )
            )

    def clean_fields(self, exclude=None):
        """The fields' own checks, then the seller's storage quota for a newly uploaded
        file that passed them (``catalogue.quota``)."""
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        uploading = self.file and not self.file._committed
        if uploading and "file" not in errors and "file" not in (exclude or ()):
            try:
                check_storage_quota(self.seller_id, self.file.size, replacing_product_id=self.pk)
            except ValidationError as error:
                errors.setdefault("file", []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)

    def full_clean(self, *args, **kwargs):
        # Wagtail fills an empty slug from the whole title before validating; ours (title
        # prefix + random suffix) must come first so it is the one that sticks.
        self.ensure_slug()
        super().full_clean(*args, **kwargs)

    def minimal_clean(self):
        # The draft-save counterpart of full_clean (Page.save on a page that is not live).
        self.ensure_slug()
        super().minimal_clean()

    # SLUG

    def ensure_slug(self):
        """Give the page a slug if it has none: a title prefix plus a random suffix.

        When the parent is known (the page has a tree position), the slug is checked
        against its siblings and redrawn on a collision; a slug made before that is
        checked again once the parent is known.
        """
        unverified = getattr(self, "_slug_unverified", False)
        if self.slug and not unverified:
            return
        parent = self.get_parent() if self.path else None

        def is_taken(slug):
            if parent is None:
                return False
            siblings = parent.get_children().filter(slug=slug)
            if self.pk:
                siblings = siblings.exclude(pk=self.pk)
            return siblings.exists()

        if not (self.slug and not is_taken(self.slug)):
            self.slug = unique_product_slug(self.title, is_taken)
        self._slug_unverified = parent is None

    # DELETING

    def order_count(self):
        return self.orders.count() if self.pk else 0

    def delete(self, *args, **kwargs):
        """Refuse, with a message fit for people, to delete a product that was ordered.

        ``Order.product`` is ``PROTECT`` too, so bulk and parent deletes are refused by the
        database rule as well; this only makes the common path explain itself.
        """
        count = self.order_count()
        if count:
            raise ProductHasOrdersError(self, count)
        return super().delete(*args, **kwargs)

    # SAVING

    def save(self, *args, **kwargs):
        self.sort_price = self.effective_price if self.effective_price is not None else Decimal("0")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"price", "selling_price"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "sort_price"}
        self._note_new_file()
        return super().save(*args, **kwargs)

    def serializable_data(self):
        # A revision stores field values as JSON, not the uploaded bytes: a file attached
        # in a draft must be in storage before the revision names it. Wagtail calls this
        # after full_clean(), so the upload has been validated.
        self._store_new_file()
        return super().serializable_data()

    def _note_new_file(self):
        """Remember the original name and size of a file that is about to be stored."""
        if self.file and not self.file._committed:
            self.file_name = os.path.basename(self.file.name)[:255]
            self.file_size = self.file.size
        if self.preview_file and not self.preview_file._committed:
            # The sample's own name, offered as the free download's name.
            self.preview_file_name = os.path.basename(self.preview_file.name)[:255]
        elif not self.preview_file:
            self.preview_file_name = ""

    def _store_new_file(self):
        """Write a newly attached file to private storage under a server-generated name."""
        if self.file and not self.file._committed:
            self._note_new_file()
            self.file.save(self.file.name, self.file.file, save=False)
        if self.preview_file and not self.preview_file._committed:
            self._note_new_file()
            self.preview_file.save(self.preview_file.name, self.preview_file.file, save=False)

    # PAGE CONTENT

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Read only by the page's cached fragments (cover, share image): no query on a hit.
        context["cover"] = SimpleLazyObject(self.cover_renditions)
        context["related_products"] = self.related_products()
        # The gallery, video and sample (catalogue.previews): read only by cached fragments.
        context["previews"] = SimpleLazyObject(lambda: preview_context(self))
        # Routing through the catalogue index caches it as the parent: no query then.
        index_page = self.get_parent().specific if self.path else None
        context["catalogue_index"] = index_page
        if index_page is not None and self.category_id and self.category.is_approved:
            context["category_url"] = index_page.category_url(self.category)
        return context

    def cover_renditions(self):
        """The cover at page size and share size, fetched together; ``None`` without one."""
        if not self.cover_image_id:
            return None
        image = self.cover_image
        renditions = image.get_renditions(PAGE_COVER_SPEC, SHARE_IMAGE_SPEC)
        return {"image": image, "page": renditions[PAGE_COVER_SPEC], "share": renditions[SHARE_IMAGE_SPEC]}

    def related_products(self, limit=RELATED_PRODUCTS_LIMIT):
        """Other live products of the same category, newest first: a lazy queryset, read
        only when the page's "More in ..." section is not in the fragment cache. None for a
        category editors have not approved: shoppers are never shown its name."""
        if not self.category_id or not self.category.is_approved:
            return ProductPage.objects.none()
        return (
            ProductPage.objects.live()
            .filter(category_id=self.category_id)
            .exclude(pk=self.pk)
            .with_card_data()
            .order_by("-first_published_at", "-pk")[:limit]
        )

    @cached_property
    def meta_description(self):
        """The summary, cut for search engines and link previews."""
        text = " ".join((self.search_description or self.summary or "").split())
        return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + "…"


class ProductGalleryImage(Orderable):
    """One picture of a product's gallery, in the order the seller set (``sort_order``)."""

    product = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True, validators=[validate_no_nul])

    panels = [FieldPanel("image"), FieldPanel("caption")]

    class Meta(Orderable.Meta):
        verbose_name = _("gallery image")
        verbose_name_plural = _("gallery images")
