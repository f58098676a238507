"""Receivers that keep the search index in step, connected with the catalogue's others
(``catalogue.signal_handlers.connections``).

They index at once, in the saving transaction, as the category counters are kept: a
product is findable the moment its publish commits, and a rolled-back save leaves the
index as it was. Replacing one product's rows is a few small statements. Renames of a
category or seller touch many products and go through the ``reindex_products`` task.
"""

from .indexing import index_products, unindex_products

# Saves naming none of these leave the searched text and the live state as they were
# (Wagtail's draft revisions save only bookkeeping fields such as ``latest_revision``).
SEARCHED_FIELDS = frozenset({"title", "summary", "body", "live", "category", "category_id", "seller", "seller_id"})


def index_saved_product(sender, instance, raw=False, update_fields=None, **kwargs):
    """``post_save(ProductPage)``: published, unpublished (Wagtail's actions save the page),
    edited in place or moved to another category: its rows follow the stored product."""
    if raw or (update_fields is not None and not SEARCHED_FIELDS & set(update_fields)):
        return
    index_products([instance.pk])


def unindex_unpublished_product(sender, instance, **kwargs):
    """``page_unpublished(ProductPage)``: usually already done by the save, but not when
    the page was unpublished through a plain ``Page`` object (its save is a Page's), nor
    when Wagtail unpublishes a page it is about to delete (without saving it)."""
    unindex_products([instance.pk])


def unindex_deleted_product(sender, instance, **kwargs):
    """``pre_delete(ProductPage)``: its rows go, and the vocabulary stops counting it (the
    cascade would delete the rows too, but without moving the counts)."""
    if instance.pk:
        unindex_products([instance.pk])
