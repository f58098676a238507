"""Search index entries for product pages written in bulk: the storefront's and Wagtail's.

The storefront search (``catalogue.search``, what the bench's search page measures) gets
its rows computed in Python by the same functions the site uses (``document_terms`` over
``product_texts``), in batches, written with ``COPY`` on PostgreSQL; then the vocabulary
gains the new stems and is recounted from the rows. A sample is indexed again by
``index_products`` itself and must come out identical.

Wagtail's own index (the admin's search) is still filled: its indexer builds each entry
in Python (a few milliseconds a product: minutes for 100,000), so on PostgreSQL the
entries of new products are computed by one ``INSERT ... SELECT`` with the same text
search functions, weights and configurations Wagtail's database backend uses. A sample is
then indexed again by Wagtail itself and must come out identical; that call also sets the
entries' title norms, as Wagtail does after every batch. Other databases use Wagtail's
indexer for everything.
"""

import contextlib
import io
import random
from collections import Counter, defaultdict

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from modelsearch.backends.database.postgres.weights import get_weight
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from catalogue.models import ProductCategory, ProductPage, ProductSearchTerm, SearchWord
from catalogue.search import indexing

SAMPLE = 25
BATCH = 2000
STOREFRONT_BATCH = 5000


class IndexMismatch(Exception):
    """The bench's SQL made a different entry than Wagtail's indexer for the same product."""


def add(ids):
    """Index the product pages ``ids`` (new ones: nothing indexed them yet)."""
    if not ids:
        return
    add_to_storefront_search(ids)
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


# THE STOREFRONT SEARCH (catalogue.search)


def add_to_storefront_search(ids):
    """Write the ``ProductSearchTerm`` rows of the live products among ``ids`` (none of
    them indexed yet), count them into the vocabulary, then check a sample against the
    site's own indexer and the vocabulary against a count."""
    sellers = {user.pk: user.display_name for user in get_user_model().objects.filter(is_seller=True)}
    categories = dict(ProductCategory.objects.values_list("pk", "name"))
    forms, counts = defaultdict(Counter), Counter()
    columns = ("pk", "title", "summary", "body", "category_id", "seller_id")
    with _loading_terms(len(ids)):
        for start in range(0, len(ids), STOREFRONT_BATCH):
            products = ProductPage.objects.live().filter(pk__in=ids[start : start + STOREFRONT_BATCH])
            rows = []
            for pk, title, summary, body, category_id, seller_id in products.values_list(*columns):
                texts = indexing.product_texts(
                    title=title,
                    summary=summary,
                    body=body,
                    category_name=categories[category_id],
                    seller_name=sellers[seller_id],
                )
                weights = indexing.document_terms(texts, forms)
                counts.update(weights.keys())
                rows.extend((pk, stem, category_id, weight) for stem, weight in weights.items())
            _write_terms(rows)
    # The products are new: each stem's count grows by the products that carry it.
    indexing.move_counts(counts, forms)
    _check_storefront_sample(ids, counts)


@contextlib.contextmanager
def _loading_terms(new_products):
    """On PostgreSQL, a load that at least doubles the table goes in without the two
    ranking indexes and the product foreign key: rebuilding an index once from all the rows
    and checking the key with one join take seconds, where keeping them row by row took
    over a minute for 100,000 products (4 million rows)."""
    table = ProductSearchTerm._meta.db_table
    if connection.vendor != "postgresql" or new_products < ProductPage.objects.count() - new_products:
        yield
        return
    product = ProductSearchTerm._meta.get_field("product")
    target = product.related_model._meta
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    foreign_keys = [name for name, constraint in constraints.items() if constraint["foreign_key"]]
    with connection.schema_editor(atomic=False) as editor:
        for index in ProductSearchTerm._meta.indexes:
            editor.remove_index(ProductSearchTerm, index)
        for name in foreign_keys:
            editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {editor.quote_name(name)}")
    yield
    with connection.schema_editor(atomic=False) as editor:
        for index in ProductSearchTerm._meta.indexes:
            editor.add_index(ProductSearchTerm, index)
        for name in foreign_keys:
            editor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {editor.quote_name(name)} FOREIGN KEY ({product.column}) "
                f"REFERENCES {target.db_table} ({target.pk.column}) DEFERRABLE INITIALLY DEFERRED"
            )


def _write_terms(rows):
    if connection.vendor != "postgresql":
        ProductSearchTerm.objects.bulk_create(
            [ProductSearchTerm(product_id=pk, stem=stem, category_id=cat, weight=w) for pk, stem, cat, w in rows],
            batch_size=BATCH,
        )
        return
    # Stems are letters and digits only (catalogue.search.text): nothing to escape for COPY.
    buffer = io.StringIO("".join(f"{pk}\t{stem}\t{cat}\t{weight}\n" for pk, stem, cat, weight in rows))
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {ProductSearchTerm._meta.db_table} (product_id, stem, category_id, weight) FROM STDIN", buffer
        )


def _storefront_rows(ids):
    rows = ProductSearchTerm.objects.filter(product_id__in=ids).values_list(
        "product_id", "stem", "category_id", "weight"
    )
    return sorted(rows)


def _check_storefront_sample(ids, counts):
    sample = random.Random(len(ids) + 1).sample(ids, min(SAMPLE, len(ids)))  # noqa: S311 - a sample, not secrets
    ours = _storefront_rows(sample)
    indexing.index_products(sample)
    theirs = _storefront_rows(sample)
    if ours != theirs:
        different = sorted(set(ours) ^ set(theirs))
        raise IndexMismatch(
            f"The bench's storefront search rows differ from index_products' for {len(sample)} sampled products; "
            f"first differences: {different[:5]}"
        )
    # The rarest and the commonest stems of this load: their counts against the rows.
    for stem in {min(counts, key=counts.get), max(counts, key=counts.get)} if counts else ():
        stored = SearchWord.objects.get(stem=stem).products
        counted = ProductSearchTerm.objects.filter(stem=stem).count()
        if stored != counted:
            raise IndexMismatch(f"The vocabulary counts {stored} products with {stem!r}, the rows {counted}")
