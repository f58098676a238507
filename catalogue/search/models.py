"""The storefront search's tables: an inverted index whose btree order is the ranking.

A page of results is a range scan of ``catalogue_term_rank`` (``stem``, then best weight
first): it reads a page's worth of rows however many products the catalogue holds.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .text import MAX_TOKEN_LENGTH


class ProductSearchTerm(models.Model):
    """One stem of one live product, with how strongly the product is about it.

    ``weight`` sums the fields the stem occurs in (``indexing.FIELD_WEIGHTS``: a title word
    counts more than a body word), each field's occurrences capped, so a product's score for
    a search is the sum of its weights for the searched stems. Only live products have
    rows; ``indexing`` rewrites a product's rows whenever it is saved, published,
    unpublished or deleted, and when its category or seller is renamed.
    """

    pk = models.CompositePrimaryKey("product_id", "stem")
    product = models.ForeignKey(
        "catalogue.ProductPage",
        on_delete=models.CASCADE,
        related_name="+",
        # The primary key (product, stem) leads with it.
        db_index=False,
    )
    stem = models.CharField(max_length=MAX_TOKEN_LENGTH, help_text=_("A Snowball English stem, e.g. “templat”."))
    category = models.ForeignKey(
        "catalogue.ProductCategory",
        # A copy of the product's category for category searches. A category with products
        # cannot be deleted, so no row ever names a deleted one: no constraint to check.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    weight = models.PositiveIntegerField(help_text=_("Summed field weights of the stem in this product."))

    class Meta:
        verbose_name = _("product search term")
        verbose_name_plural = _("product search terms")
        indexes = [
            # A search of the whole catalogue: the best products for a stem come first.
            models.Index(fields=["stem", "-weight", "-product"], name="catalogue_term_rank"),
            # A search within one category.
            models.Index(fields=["stem", "category", "-weight", "-product"], name="catalogue_term_category_rank"),
        ]

    def __str__(self):
        return f"{self.stem} ({self.weight}) in product #{self.product_id}"


class SearchWord(models.Model):
    """The vocabulary: one row per stem, with a word it is written as and how many live
    products carry it.

    ``products`` is the exact total of a one-word search, and ranks prefix expansions
    ("rus" -> "rust") and "did you mean" candidates. ``word`` is the stem's most common
    form when the index was last rebuilt (``manage.py rebuild_search``), or the form it was
    first seen in. Rows whose ``products`` fell to 0 stay (removing them could race with a
    concurrent publish) and are left out of every lookup; a rebuild drops them.
    """

    stem = models.CharField(max_length=MAX_TOKEN_LENGTH, primary_key=True)
    # unique: on PostgreSQL Django adds a varchar_pattern_ops index beside it, which is the
    # one LIKE 'rus%' (word__startswith) uses.
    word = models.CharField(
        max_length=MAX_TOKEN_LENGTH, unique=True, help_text=_("The stem as written, e.g. “templates”.")
    )
    products = models.PositiveIntegerField(default=0, help_text=_("How many live products contain the stem."))

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self):
        return f"{self.word} ({self.products})"
