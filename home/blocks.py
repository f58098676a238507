"""StreamField blocks an editor composes the home page from."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from catalogue.models import CatalogueIndexPage, CategoryStatus, ProductCategory, ProductPage


class HeroBlock(blocks.StructBlock):
    """The big opening banner: a headline, a line of text and one call to action."""

    heading = blocks.CharBlock(max_length=120, help_text=_("The headline, one short line."))
    text = blocks.TextBlock(required=False, max_length=300)
    button_text = blocks.CharBlock(required=False, max_length=40)
    button_link = blocks.CharBlock(
        required=False, max_length=200, help_text=_("A path on this site, e.g. /catalogue/.")
    )

    class Meta:
        icon = "pick"
        template = "blocks/hero_block.html"


class CallToActionBlock(blocks.StructBlock):
    """A band inviting the reader somewhere (for example, to start selling)."""

    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False, max_length=300)
    button_text = blocks.CharBlock(max_length=40)
    button_link = blocks.CharBlock(max_length=200)

    class Meta:
        icon = "link"
        template = "blocks/call_to_action_block.html"


class FeaturedProductsBlock(blocks.StructBlock):
    """A row of product cards: the products the editor picked, or the featured ones."""

    heading = blocks.CharBlock(max_length=80, default=_("Featured products"))
    products = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="catalogue.ProductPage"),
        default=[],
        help_text=_(
            "Pick products to show, in this order. Leave empty to show the newest live products marked “featured”."
        ),
    )
    limit = blocks.IntegerBlock(
        default=8,
        min_value=1,
        max_value=24,
        help_text=_("How many featured products to show when none are picked."),
    )

    class Meta:
        icon = "pick"
        template = "blocks/featured_products_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["products"] = self.products_for(value)
        return context

    def products_for(self, value):
        """The live products to show, with card data loaded in a fixed number of queries."""
        products = ProductPage.objects.live().with_card_data()
        chosen_ids = [page.pk for page in value["products"] if page is not None]
        if chosen_ids:
            by_id = {product.pk: product for product in products.filter(pk__in=chosen_ids)}
            return [by_id[pk] for pk in chosen_ids if pk in by_id]
        limit = value.get("limit") or 8
        return list(products.featured().order_by("-first_published_at", "-pk")[:limit])


class CategoryGridBlock(blocks.StructBlock):
    """Tiles linking to category pages: the editor's choice, or every stocked category."""

    heading = blocks.CharBlock(max_length=80, default=_("Browse by category"))
    categories = blocks.ListBlock(
        SnippetChooserBlock("catalogue.ProductCategory"),
        default=[],
        help_text=_("Pick categories to show, in this order. Leave empty to show every category with products."),
    )

    class Meta:
        icon = "folder-open-inverse"
        template = "blocks/category_grid_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["categories"] = self.categories_for(value)
        return context

    def categories_for(self, value):
        """Categories with their live product count and page URL (two queries in all).

        The count is the category's counter, kept by the catalogue's signal handlers:
        counting the live products of every category here read the whole product table
        on each visit to the home page.
        """
        # Empty categories are never shown, chosen or not: their pages answer 404
        # (CatalogueIndexPage.categories_with_urls), and a shopper expects products behind a tile.
        # Approved ones only: a seller's proposal is never shown before an editor approves it.
        categories = ProductCategory.objects.annotate(product_count=F("live_product_count")).filter(
            product_count__gt=0, status=CategoryStatus.APPROVED
        )
        chosen_ids = [category.pk for category in value["categories"] if category is not None]
        if chosen_ids:
            by_id = {category.pk: category for category in categories.filter(pk__in=chosen_ids)}
            result = [by_id[pk] for pk in chosen_ids if pk in by_id]
        else:
            result = list(categories.order_by("name"))
        index_page = CatalogueIndexPage.objects.live().first() if result else None
        for category in result:
            category.url = index_page.category_url(category) if index_page else ""
        return result


class HomeStreamBlock(blocks.StreamBlock):
    hero = HeroBlock()
    featured_products = FeaturedProductsBlock()
    category_grid = CategoryGridBlock()
    rich_text = blocks.RichTextBlock(
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"], template="blocks/rich_text_block.html"
    )
    call_to_action = CallToActionBlock()
