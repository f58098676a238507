"""Wagtail admin wiring for the catalogue: a "Catalogue" menu with the product listing
and the categories, and a friendly refusal to delete a category that has products."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.forms import CheckboxSelectMultiple
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, ModelMultipleChoiceFilter
from wagtail import hooks
from wagtail.admin.filters import MultipleUserFilter, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.ui.tables.pages import BulkActionsColumn, PageStatusColumn, PageTitleColumn
from wagtail.admin.views.pages.listing import IndexView as PageIndexView
from wagtail.admin.views.pages.listing import PageFilterSet
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .formatting import format_money
from .models import CategoryInUseError, Order, ProductCategory, ProductPage

# Dodo sync state, read through the reverse relation the dodo app adds to product pages
# (``dodo_product``); the catalogue imports nothing from dodo.
DODO_SYNC_CHOICES = [("synced", _("Synced")), ("pending", _("Pending")), ("failed", _("Failed")), ("none", _("Not sent"))]


def _dodo_sync_label(page):
    record = getattr(page, "dodo_product", None)
    if record is None:
        return _("Not sent")
    return record.get_sync_status_display()


def _sellers(request):
    return get_user_model().objects.filter(is_seller=True).order_by("first_name", "last_name", "email")


# PRODUCTS


class ProductPageFilterSet(PageFilterSet):
    category = ModelMultipleChoiceFilter(
        label=_("Category"), queryset=ProductCategory.objects.all(), widget=CheckboxSelectMultiple
    )
    seller = MultipleUserFilter(label=_("Seller"), queryset=_sellers, widget=CheckboxSelectMultiple)
    dodo_sync = ChoiceFilter(label=_("Dodo sync"), choices=DODO_SYNC_CHOICES, method="filter_dodo_sync")

    def filter_dodo_sync(self, queryset, name, value):
        if value == "none":
            return queryset.filter(dodo_product__isnull=True)
        return queryset.filter(dodo_product__sync_status=value)

    class Meta:
        model = ProductPage
        fields = []


class ProductPageIndexView(PageIndexView):
    def get_base_queryset(self):
        # One query for every row's seller and category, instead of two per row.
        return super().get_base_queryset().select_related("seller", "category", "dodo_product")


class ProductPageListingViewSet(PageListingViewSet):
    """Every product page in one flat, filterable list (the tree view nests them)."""

    model = ProductPage
    icon = "tag"
    menu_label = _("Products")
    index_view_class = ProductPageIndexView
    filterset_class = ProductPageFilterSet
    columns = [
        BulkActionsColumn("bulk_actions"),
        PageTitleColumn("title", label=_("Title"), sort_key="title", classname="title"),
        Column("seller", label=_("Seller"), accessor=lambda page: page.seller_name, sort_key="seller__first_name"),
        Column("category", label=_("Category"), accessor="category.name", sort_key="category__name"),
        Column(
            "price",
            label=_("Price"),
            accessor=lambda page: (
                format_money(page.effective_price, page.currency)
                + (f" (was {format_money(page.price, page.currency)})" if page.is_discounted else "")
            ),
            sort_key="sort_price",
        ),
        PageStatusColumn("status", label=_("Status"), sort_key="live", width="12%"),
        Column("dodo_sync", label=_("Dodo sync"), accessor=_dodo_sync_label, sort_key="dodo_product__sync_status"),
        DateColumn("latest_revision_created_at", label=_("Updated"), sort_key="latest_revision_created_at"),
    ]


# CATEGORIES


class ProductCategoryFilterSet(WagtailFilterSet):
    owner = MultipleUserFilter(label=_("Owner"), queryset=_sellers, widget=CheckboxSelectMultiple)

    class Meta:
        model = ProductCategory
        fields = []


class ProductCategoryIndexView(SnippetIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("owner").annotate(product_count=Count("products"))


class ProductCategoryViewSet(SnippetViewSet):
    model = ProductCategory
    icon = "folder-open-inverse"
    menu_label = _("Categories")
    index_view_class = ProductCategoryIndexView
    list_display = [
        "name",
        "slug",
        Column("owner", label=_("Owner"), accessor=lambda category: category.owner or _("Editors")),
        Column("product_count", label=_("Products"), sort_key="product_count"),
    ]
    list_per_page = 50
    search_fields = ["name", "slug", "description"]
    filterset_class = ProductCategoryFilterSet
    ordering = ["name"]


class CatalogueMenuGroup(SnippetViewSetGroup):
    """The admin's "Catalogue" menu: products and categories."""

    menu_label = _("Catalogue")
    menu_icon = "tag"
    menu_order = 200
    items = (ProductPageListingViewSet("catalogue_products"), ProductCategoryViewSet)


register_snippet(CatalogueMenuGroup)


@hooks.register("before_delete_snippet")
def refuse_deleting_categories_with_products(request, instances):
    """Turn a category delete (single or bulk) that products block into a clear message.

    ``ProductPage.category`` is ``PROTECT``, so the database would refuse anyway; this
    says why before the editor confirms, and names the categories.
    """
    categories = [instance for instance in instances if isinstance(instance, ProductCategory)]
    if not categories:
        return None
    in_use = (
        ProductCategory.objects.filter(pk__in=[category.pk for category in categories])
        .annotate(product_count=Count("products"))
        .filter(product_count__gt=0)
    )
    if not in_use:
        return None
    for category in in_use:
        messages.error(request, str(CategoryInUseError(category, category.product_count)))
    return redirect(reverse(ProductCategory.snippet_viewset.get_url_name("list")))


# PRODUCTS WITH ORDERS


def _ordered_products(pages):
    """Product pages among ``pages`` (or below them) that have orders, with their counts."""
    products = ProductPage.objects.none()
    for page in pages:
        products |= ProductPage.objects.descendant_of(page, inclusive=True)
    counts = dict(
        Order.objects.filter(product__in=products.values("pk"))
        .values_list("product_id")
        .annotate(count=Count("pk"))
        .values_list("product_id", "count")
    )
    if not counts:
        return []
    ordered = ProductPage.objects.filter(pk__in=counts).order_by("title")
    return [(product, counts[product.pk]) for product in ordered]


def _refuse_delete(request, ordered):
    return TemplateResponse(
        request,
        "catalogue/admin/delete_refused.html",
        {"products": [{"page": page, "count": count} for page, count in ordered]},
        status=409,
    )


@hooks.register("before_delete_page")
def refuse_deleting_ordered_products(request, page):
    """A product (or a page above products) with orders: explain, and offer to unpublish."""
    ordered = _ordered_products([page])
    if ordered:
        return _refuse_delete(request, ordered)
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_ordered_products(request, action_type, objects, action_class_instance):
    if action_type != "delete":
        return None
    pages = [obj for obj in objects if hasattr(obj, "path")]
    ordered = _ordered_products(pages) if pages else []
    if ordered:
        return _refuse_delete(request, ordered)
    return None
