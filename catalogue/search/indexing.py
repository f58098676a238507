"""Keeping the search index in step with the live products.

A product's rows are computed in Python from its title, summary, body, category name and
seller name (``text.terms``), and replaced whole whenever it changes: the receivers in
``signal_handlers.py`` call :func:`index_products` when a product is saved or
unpublished and :func:`unindex_products` before it is deleted; the ``reindex_products``
task calls it for the products of a renamed category or seller. ``manage.py
rebuild_search`` (:func:`rebuild_index`) recomputes everything, after a bulk load that
bypassed the receivers.

The vocabulary's ``SearchWord.products`` stays exact without counting: replacing a
product's rows tells which stems it gained and which it lost, and those words are moved
by +1/-1 in the same transaction. A product is locked (its page row) before its old rows
are read, so two transactions re-indexing one product cannot both count it.
"""

import logging
from collections import Counter, defaultdict
from itertools import groupby

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from wagtail.models import Page

from .models import ProductSearchTerm, SearchWord
from .text import html_to_text, terms

logger = logging.getLogger(__name__)

# How much an occurrence of a stem in each field counts towards a product's weight for
# it. A title word outweighs anything the body can say (3 at most, see below).
FIELD_WEIGHTS = {"title": 16, "category": 4, "seller": 4, "summary": 2, "body": 1}
# Occurrences counted per field: repeating a word in a description does not buy rank.
OCCURRENCES_COUNTED = 3
# Products read, and rows replaced, per transaction.
BATCH = 500
INSERT_BATCH = 2000


def product_texts(*, title, summary, body, category_name, seller_name):
    """The text of each weighted field of a product (``body`` as stored: rich-text HTML)."""
    return {
        "title": title or "",
        "summary": summary or "",
        "body": html_to_text(body),
        "category": category_name or "",
        "seller": seller_name or "",
    }


def texts_of(product):
    """:func:`product_texts` of a ``ProductPage`` (its seller and category are read)."""
    return product_texts(
        title=product.title,
        summary=product.summary,
        body=product.body,
        category_name=product.category.name if product.category_id else "",
        seller_name=product.seller_name,
    )


def document_terms(texts, forms=None):
    """``{stem: weight}`` of one product's texts. ``forms``, when given
    (``defaultdict(Counter)``), counts the words each stem was written as."""
    weights = {}
    for field, text in texts.items():
        occurrences = {}
        for stem, word in terms(text):
            occurrences[stem] = occurrences.get(stem, 0) + 1
            if forms is not None:
                forms[stem][word] += 1
        field_weight = FIELD_WEIGHTS[field]
        for stem, count in occurrences.items():
            weights[stem] = weights.get(stem, 0) + field_weight * min(count, OCCURRENCES_COUNTED)
    return weights


def index_products(product_ids):
    """Rewrite the search rows of these products from what is stored now: a live product
    gets its terms, any other (draft, unpublished, gone) none."""
    for batch in _batches(sorted(set(product_ids)), BATCH):
        with transaction.atomic():
            _lock(batch)
            # Read after the lock, in a statement of its own: under READ COMMITTED it sees
            # whatever a concurrent save committed before the lock was granted.
            rows, forms = _rows(_products(batch))
            _replace_rows(batch, rows, forms)


def unindex_products(product_ids):
    """Remove these products from the search (being deleted or unpublished), whatever
    their stored state says."""
    for batch in _batches(sorted(set(product_ids)), BATCH):
        with transaction.atomic():
            _lock(batch)
            _replace_rows(batch, [], {})


def rebuild_index(batch_size=BATCH):
    """Recompute the whole index and vocabulary from the live products, in one transaction;
    answers ``(products, rows, words)``. Each word is its stem's most common form."""
    with transaction.atomic():
        ProductSearchTerm.objects.all().delete()
        SearchWord.objects.all().delete()
        live_ids = list(_product_queryset().live().order_by("pk").values_list("pk", flat=True))
        forms = defaultdict(Counter)
        rows_written = 0
        for batch in _batches(live_ids, batch_size):
            rows, _forms = _rows(_products(batch), forms)
            ProductSearchTerm.objects.bulk_create(rows, batch_size=INSERT_BATCH)
            rows_written += len(rows)
        add_words(forms)
        recount_vocabulary()
    logger.info("Search index rebuilt: %d products, %d rows, %d words", len(live_ids), rows_written, len(forms))
    return len(live_ids), rows_written, len(forms)


def move_counts(deltas, forms):
    """Add ``deltas`` (``{stem: change}``) to the vocabulary's product counts; stems it
    lacks are added first, as their most common word in ``forms``."""
    deltas = {stem: delta for stem, delta in deltas.items() if delta}
    if not deltas:
        return
    changed = sorted(deltas)
    with transaction.atomic():
        add_words({stem: forms[stem] for stem, delta in deltas.items() if delta > 0})
        # Locked in stem order first, so concurrent writers never wait on each other in a cycle.
        locking = SearchWord.objects.select_for_update().filter(stem__in=changed).order_by("stem")
        list(locking.values_list("pk", flat=True))
        by_delta = sorted(changed, key=deltas.__getitem__)
        for delta, stems in groupby(by_delta, key=deltas.__getitem__):
            SearchWord.objects.filter(stem__in=list(stems)).update(products=F("products") + delta)


def add_words(forms):
    """Add the stems of ``forms`` (``{stem: Counter(word: occurrences)}``) the vocabulary
    lacks, each as its most common word, counting no products yet."""
    SearchWord.objects.bulk_create(
        [SearchWord(stem=stem, word=words.most_common(1)[0][0], products=0) for stem, words in sorted(forms.items())],
        batch_size=INSERT_BATCH,
        ignore_conflicts=True,
    )


def recount_vocabulary():
    """Set every ``SearchWord.products`` from the rows (exact; reads the whole index)."""
    per_stem = (
        ProductSearchTerm.objects.filter(stem=OuterRef("stem"))
        .order_by()
        .values("stem")
        .annotate(n=Count("*"))
        .values("n")
    )
    return SearchWord.objects.update(products=Coalesce(Subquery(per_stem), 0))


# INTERNALS


def _batches(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _product_queryset():
    from ..models import ProductPage

    return ProductPage.objects.all()


def _products(ids):
    """The live products among ``ids``, with what their texts need."""
    return _product_queryset().live().filter(pk__in=ids).select_related("seller", "category").order_by("pk")


def _lock(ids):
    """Lock the products' page rows, in id order (every writer of a product's rows does)."""
    list(Page.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _rows(products, forms=None):
    """The ``ProductSearchTerm`` rows of ``products``, and the words their stems were
    written as (added to ``forms`` when given)."""
    forms = defaultdict(Counter) if forms is None else forms
    rows = []
    for product in products:
        weights = document_terms(texts_of(product), forms)
        rows.extend(
            ProductSearchTerm(product_id=product.pk, stem=stem, category_id=product.category_id, weight=weight)
            for stem, weight in weights.items()
        )
    return rows, forms


def _replace_rows(product_ids, rows, forms):
    """Replace the rows of ``product_ids`` with ``rows`` and move the vocabulary counts of
    the stems they gained and lost."""
    old = Counter(ProductSearchTerm.objects.filter(product_id__in=product_ids).values_list("stem", flat=True))
    new = Counter(row.stem for row in rows)
    if old:
        ProductSearchTerm.objects.filter(product_id__in=product_ids).delete()
    ProductSearchTerm.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    move_counts({stem: new[stem] - old[stem] for stem in old.keys() | new.keys()}, forms)
