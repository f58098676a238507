"""Search index entries for product pages written in bulk.

Wagtail's indexer builds each entry in Python (a few milliseconds a product: minutes for
100,000), so on PostgreSQL the entries of new products are computed by one
``INSERT ... SELECT`` with the same text search functions, weights and configurations
Wagtail's database backend uses. A sample is then indexed again by Wagtail itself and
must come out identical, so the bench never measures search on an index that Wagtail
would not have built; that call also sets the entries' title norms, as Wagtail does
after every batch. Other databases use Wagtail's indexer for everything.
"""

import random

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from modelsearch.backends.database.postgres.weights import get_weight
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from catalogue.models import ProductCategory, ProductPage

SAMPLE = 25
BATCH = 2000


class IndexMismatch(Exception):
    """The bench's SQL made a different entry than Wagtail's indexer for the same product."""


def add(ids):
    """Index the product pages ``ids``."""
    if not ids:
        return
    backend = get_search_backend()
    index = backend.get_index_for_model(ProductPage)
    if connection.vendor != "postgresql":
        for start in range(0, len(ids), BATCH):
            index.add_items(ProductPage, list(_products(ids[start : start + BATCH])))
        return
    _insert(ids, backend)
    sample = random.Random(len(ids)).sample(ids, min(SAMPLE, len(ids)))  # noqa: S311 - a sample, not secrets
    ours = _entries(sample)
    index.add_items(ProductPage, list(_products(sample)))
    wagtails = _entries(sample)
    different = {pk: (ours.get(pk), wagtails.get(pk)) for pk in sample if ours.get(pk) != wagtails.get(pk)}
    if different:
        pk, (mine, theirs) = next(iter(different.items()))
        raise IndexMismatch(
            f"{len(different)} of {len(sample)} sampled entries differ from Wagtail's; product #{pk}:\n"
            f"  bench:   {mine}\n  wagtail: {theirs}"
        )


def _products(ids):
    return ProductPage.objects.filter(pk__in=ids).select_related("seller", "category")


def _entries(ids):
    rows = IndexEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ProductPage), object_id__in=[str(pk) for pk in ids]
    ).values_list("object_id", "title", "autocomplete", "body", "title_text", "body_text")
    return {int(row[0]): tuple(str(value) for value in row[1:]) for row in rows}


def _vector(text_sql, weight, config):
    if config:
        return f"setweight(to_tsvector('{config}'::regconfig, COALESCE({text_sql}, '')), '{weight}')"
    return f"setweight(to_tsvector(COALESCE({text_sql}, '')), '{weight}')"


def _insert(ids, backend):
    """The entries of ``ids`` as Wagtail's PostgreSQL backend writes them (title norm 1.0).

    ProductPage's search fields are: ``title`` (boost 2, and autocomplete), then
    ``summary``, ``body`` (rich text, tags stripped as Wagtail does), ``seller_name``
    and the category's ``name``; the body vector concatenates those four in that order.
    """
    title_weight = get_weight(_boost("title"))
    body_weight = get_weight(None)
    config, autocomplete_config = backend.config, backend.autocomplete_config
    # get_text_for_indexing(): a space after closing block tags, tags removed, trimmed.
    body_text = (
        "btrim(regexp_replace(regexp_replace(pp.body, '(</(p|h\\d|li|blockquote)>)', '\\1 ', 'gi'), "
        "'<[^>]*>', '', 'g'))"
    )
    seller_name = "COALESCE(NULLIF(btrim(u.first_name || ' ' || u.last_name), ''), split_part(u.email, '@', 1))"
    parts = ["pp.summary", body_text, seller_name, "c.name"]
    vectors = [_vector(part, body_weight, config) for part in parts]
    sql = f"""
        INSERT INTO {IndexEntry._meta.db_table}
            (content_type_id, object_id, title, autocomplete, body, title_norm, title_text, body_text)
        SELECT %s, p.id::text,
               {_vector("p.title", title_weight, config)},
               {_vector("p.title", "D", autocomplete_config)},
               (({vectors[0]} || {vectors[1]}) || ({vectors[2]} || {vectors[3]})),
               1.0,
               btrim(p.title),
               concat_ws(' ', NULLIF(btrim(pp.summary), ''), NULLIF({body_text}, ''),
                         NULLIF({seller_name}, ''), NULLIF(btrim(c.name), ''))
        FROM {ProductPage._meta.db_table} pp
        JOIN {Page._meta.db_table} p ON p.id = pp.page_ptr_id
        JOIN {get_user_model()._meta.db_table} u ON u.id = pp.seller_id
        JOIN {ProductCategory._meta.db_table} c ON c.id = pp.category_id
        WHERE pp.page_ptr_id = ANY(%s)
    """  # noqa: S608 - table names and weights from our own models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [ContentType.objects.get_for_model(ProductPage).pk, list(ids)])


def _boost(name):
    for search_field in ProductPage.get_search_fields():
        if getattr(search_field, "field_name", None) == name and hasattr(search_field, "boost"):
            return search_field.boost
    return None
