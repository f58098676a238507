"""One storefront search: the words' stems, a page of ranked products, the total, and a
"did you mean" suggestion, in a few index range scans whatever the catalogue's size.

- Each word of the query is a *term*: its stem, and for the last word also the stems of
  up to ``PREFIX_EXPANSIONS`` vocabulary words that start with it, most common first
  ("rus" finds "rust"; a visitor is often still typing it). A word that only starts with
  the typed text counts half as much as the exact stem.
- A product matches when it has every term (AND); its score is the sum, over the terms,
  of its best weight for the term's stems (``ProductSearchTerm.weight``).
- One word, one stem, best match first: the page is a range scan of the index on
  (stem, weight, product), and the total is the vocabulary's exact ``products``.
- Anything else starts from the rarest term and considers only its ``CANDIDATES`` best
  rows per stem (best weight first; within a category, the category's best). The other
  terms are looked up for those candidates only. So a page costs O(CANDIDATES) at worst,
  never O(matches): the total is then counted among the candidates, shown as "1,000+"
  when the rarest term has more, and sorting by price or date sorts those candidates,
  not every match. Relevance stays exact for the first pages whenever the rarest term's
  best rows hold the best matches, which is the usual case.

Queries: the vocabulary (the query's stems and the prefix expansions), then one for the
page: the products with their card data, whose ids a subquery picks (the range scan, or
the best of ``matches``), with the counts as scalar subqueries; then the thumbnails
(``with_card_data``). A page number past the end costs up to two more; a suggestion, one
per rarely-found word.
"""

import difflib
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from ..models import ProductPage
from .models import ProductSearchTerm, SearchWord
from .text import terms

# Rows of the rarest term read per stem (one more, to tell whether there were more).
CANDIDATES = 1000
PREFIX_EXPANSIONS = 10
# Words beyond these are ignored (the query text is at most 200 characters anyway).
MAX_QUERY_TERMS = 8
# Fewer results than this and a search offers a spelling suggestion when it has one.
FEW_RESULTS = 3
# Vocabulary words (sharing the first two letters, most common first) compared with a word.
SUGGESTION_POOL = 2000
SUGGESTION_CUTOFF = 0.75
EXACT, PREFIX = 2, 1

TERMS_TABLE = ProductSearchTerm._meta.db_table
# After ``_matches_sql``'s WITH: how many products match, and the most rows the driver read
# for one stem (more than CANDIDATES: there were more than it considered).
MATCHES_SQL = "SELECT COUNT(*) FROM matches"
MOST_PER_STEM_SQL = "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM driver GROUP BY alt) AS per_stem"


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: its number, its products, and the total to show (a lower
    bound, "1,000+", when ``total_is_lower_bound``)."""

    number: int
    products: list
    total: int
    total_is_lower_bound: bool


@dataclass(frozen=True)
class QueryTerm:
    """One word of the query: as typed (normalised), the stems it matches with their
    factor (``EXACT`` or ``PREFIX``), and how many live products have any of them (at
    most; a product may have two of the stems)."""

    word: str
    stems: dict
    products: int


def query_words(text):
    """``(stem, word)`` of each searchable word of ``text``, one per stem, in order."""
    seen = {}
    for stem, word in terms(text):
        seen.setdefault(stem, word)
    return list(seen.items())[:MAX_QUERY_TERMS]


class ProductSearch:
    """The live products matching ``text``, in ``category`` if given, by relevance or by
    ``ordering`` (a tuple for ``order_by``), one :meth:`page` at a time."""

    def __init__(self, text, *, category=None, ordering=None):
        self.words = query_words(text)
        self.category_id = getattr(category, "pk", category)
        self.ordering = tuple(ordering) if ordering else None

    # TERMS

    @cached_property
    def terms(self):
        """The query's terms, from one vocabulary query; ``[]`` when nothing is searchable."""
        if not self.words:
            return []
        stems = [stem for stem, _word in self.words]
        last_word = self.words[-1][1]
        prefixed = (
            SearchWord.objects.filter(word__startswith=last_word, products__gt=0)
            .order_by("-products", "stem")
            .values("stem")[:PREFIX_EXPANSIONS]
        )
        rows = SearchWord.objects.filter(Q(stem__in=stems) | Q(stem__in=prefixed), products__gt=0)
        known, expansions = {}, {}
        for stem, word, products in rows.values_list("stem", "word", "products"):
            if stem in stems:
                known[stem] = products
            if word.startswith(last_word):
                expansions[stem] = products
        result = []
        for position, (stem, word) in enumerate(self.words):
            stems = {stem: EXACT} if stem in known else {}
            products = known.get(stem, 0)
            if position == len(self.words) - 1:
                for other, count in expansions.items():
                    if other not in stems:
                        stems[other] = PREFIX
                        products += count
            result.append(QueryTerm(word=word, stems=stems, products=products))
        return result

    @property
    def finds_nothing(self):
        """True without a query when a word matches no stem at all (AND finds nothing)."""
        return not self.terms or any(not term.stems for term in self.terms)

    @property
    def has_exact_total(self):
        """One word with one stem over the whole catalogue, ranked by relevance: the page
        is a plain range scan of the index and the vocabulary has the exact total."""
        return (
            self.ordering is None
            and self.category_id is None
            and len(self.terms) == 1
            and len(self.terms[0].stems) == 1
        )

    # ONE PAGE

    def page(self, number, per_page):
        """The :class:`SearchPage` numbered ``number`` (a junk number is page 1, one past
        the end the last page), its products with their card data: one query after the
        vocabulary's (up to three for a number past the end)."""
        number = _page_number(number)
        if self.finds_nothing:
            return SearchPage(number=1, products=[], total=0, total_is_lower_bound=False)
        if self.has_exact_total:
            total = self.terms[0].products
            number = min(number, _last_page(total, per_page))
            start = (number - 1) * per_page
            (stem,) = self.terms[0].stems
            # The page's ids: a range scan of the index, best weight first.
            ids = (
                ProductSearchTerm.objects.filter(stem=stem)
                .order_by("-weight", "-product_id")
                .values("product_id")[start : start + per_page]
            )
            products = list(self._ranked(self._products().filter(pk__in=ids)))
            return SearchPage(number, products, total, total_is_lower_bound=False)
        products, found, most_per_stem = self._fetch(number, per_page)
        last = _last_page(min(found, CANDIDATES), per_page)
        if number > last:
            number = last
            products, found, most_per_stem = self._fetch(number, per_page)
        return SearchPage(
            number=number,
            products=products,
            total=min(found, CANDIDATES),
            total_is_lower_bound=found > CANDIDATES or (most_per_stem or 0) > CANDIDATES,
        )

    def _fetch(self, number, per_page):
        """``(products, matches, most rows of one driver stem)`` of one page, in one query:
        the page's ids are picked in a subquery (best scores from ``matches``, or the
        candidates sorted by ``ordering``), so only they are joined to their card data,
        and each row carries the counts (scalar subqueries, evaluated once). Past the end
        no row carries them, so they are counted alone."""
        start = (number - 1) * per_page
        # The total shown stops at CANDIDATES (the driver reads one more row per stem, to
        # tell whether there were more), and so do the pages.
        stop = max(min(start + per_page, CANDIDATES), start)
        if stop == start:
            return [], *self._counts()
        sql, params = self._matches_sql()
        if self.ordering is None:
            best_first = "SELECT product_id FROM matches ORDER BY score DESC, product_id DESC LIMIT %s OFFSET %s"
            page_ids = RawSQL(f"{sql} {best_first}", [*params, stop - start, start])  # noqa: S611 - see _matches_sql
            products = self._ranked(self._products().filter(pk__in=page_ids))
        else:
            matches = RawSQL(f"{sql} SELECT product_id FROM matches", params)  # noqa: S608, S611 - see _matches_sql
            page_ids = (
                ProductPage.objects.live().filter(pk__in=matches).order_by(*self.ordering).values("pk")[start:stop]
            )
            products = self._products().filter(pk__in=page_ids).order_by(*self.ordering)
        page = list(
            products.annotate(
                search_matches=RawSQL(f"{sql} {MATCHES_SQL}", params),  # noqa: S611 - see _matches_sql
                search_most_per_stem=RawSQL(f"{sql} {MOST_PER_STEM_SQL}", params),  # noqa: S611 - see _matches_sql
            )
        )
        if page:
            return page, page[0].search_matches, page[0].search_most_per_stem
        return [], *self._counts()

    def _counts(self):
        """``(matches, most rows of one driver stem)``, in a query of their own."""
        sql, params = self._matches_sql()
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} SELECT ({MATCHES_SQL}), ({MOST_PER_STEM_SQL})", params)  # noqa: S608
            return cursor.fetchone()

    def _products(self):
        return ProductPage.objects.live().with_card_data()

    def _ranked(self, products):
        """``products`` best match first: by the sum over the terms of each product's best
        weight for the term's stems (a primary-key lookup per term and product)."""
        score = None
        for term in self.terms:
            factor = Case(
                *(When(stem=stem, then=Value(f)) for stem, f in term.stems.items()), output_field=IntegerField()
            )
            best = (
                ProductSearchTerm.objects.filter(product_id=OuterRef("pk"), stem__in=list(term.stems))
                .annotate(points=F("weight") * factor)
                .order_by("-points")
                .values("points")[:1]
            )
            points = Coalesce(Subquery(best), 0)
            score = points if score is None else score + points
        return products.annotate(search_score=score).order_by("-search_score", "-pk")

    def _matches_sql(self):
        """``WITH driver AS (...), matches AS (...)``, the bounded candidates and the
        products among them that have every term, with their scores, and its parameters.

        ``driver``: the rarest term's best ``CANDIDATES + 1`` rows per stem (``alt``
        numbers the stem), each one an index range scan. ``matches``: per term, each
        candidate's best weight for the term's stems (the other terms through the
        (product, stem) primary key), summed, for the candidates that have every term.

        Only the table name (from the model), integers made here and ``%s`` placeholders
        go into the text; every stem and id is a parameter.
        """
        driver = min(self.terms, key=lambda term: term.products)
        params = []
        parts = []
        for alt, (stem, factor) in enumerate(sorted(driver.stems.items())):
            where = "stem = %s"
            params.append(stem)
            if self.category_id is not None:
                where += " AND category_id = %s"
                params.append(self.category_id)
            parts.append(
                f"SELECT product_id, weight * {int(factor)} AS score, {alt} AS alt FROM ("  # noqa: S608 - see above
                f"SELECT product_id, weight FROM {TERMS_TABLE} WHERE {where} "
                f"ORDER BY weight DESC, product_id DESC LIMIT {CANDIDATES + 1}) AS d{alt}"
            )
        per_term = ["SELECT product_id, MAX(score) AS best FROM driver GROUP BY product_id"]
        for term in self.terms:
            if term is driver:
                continue
            stems = sorted(term.stems.items())
            factors = " ".join(f"WHEN %s THEN {int(factor)}" for _stem, factor in stems)
            placeholders = ", ".join(["%s"] * len(stems))
            per_term.append(
                f"SELECT product_id, MAX(weight * CASE stem {factors} END) AS best FROM {TERMS_TABLE} "  # noqa: S608
                f"WHERE stem IN ({placeholders}) AND product_id IN (SELECT product_id FROM driver) "
                "GROUP BY product_id"
            )
            params.extend(stem for stem, _factor in stems)  # the CASE
            params.extend(stem for stem, _factor in stems)  # the IN
        sql = (
            f"WITH driver AS ({' UNION ALL '.join(parts)}), "  # noqa: S608 - see above
            f"matches AS (SELECT product_id, SUM(best) AS score FROM ({' UNION ALL '.join(per_term)}) AS per_term "
            f"GROUP BY product_id HAVING COUNT(*) = {len(self.terms)})"
        )
        return sql, params

    # SUGGESTION

    def suggestion(self, total):
        """The query with each rarely-found word replaced by a close, commoner vocabulary
        word ("photograpy" -> "photography"), or ``None``. Only when the search found
        fewer than ``FEW_RESULTS`` (``total``): one vocabulary query per such word."""
        if not self.terms or total >= FEW_RESULTS:
            return None
        words, changed = [], False
        for term in self.terms:
            replacement = self._close_word(term) if term.products < FEW_RESULTS else None
            words.append(replacement or term.word)
            changed = changed or replacement is not None
        return " ".join(words) if changed else None

    def _close_word(self, term):
        pool = list(
            SearchWord.objects.filter(word__startswith=term.word[:2], products__gt=term.products)
            .exclude(word=term.word)
            .order_by("-products", "word")
            .values_list("word", flat=True)[:SUGGESTION_POOL]
        )
        matches = difflib.get_close_matches(term.word, pool, n=1, cutoff=SUGGESTION_CUTOFF)
        return matches[0] if matches else None


def _page_number(number):
    try:
        return max(int(number), 1)
    except (TypeError, ValueError):
        return 1


def _last_page(total, per_page):
    return max((total + per_page - 1) // per_page, 1)
