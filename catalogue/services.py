"""Browsing the catalogue: search, category filter, sort and pagination in one place.

The catalogue index and category pages (and later the seller portal and the API) call
:func:`browse_catalogue` with a :class:`CatalogueQuery`; templates only render.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .models import ProductCategory, ProductPage
from .search.query import ProductSearch

# Longest search text we search for.
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class SortOption:
    """One way to order the catalogue: its URL key, its label and its SQL ordering."""

    key: str
    label: str
    ordering: tuple = ()


RELEVANCE = SortOption("relevance", _("Best match"))
# Every sort the catalogue offers, in menu order; the first is the default when not
# searching. Every field named here must be indexed in the database; while searching, they
# sort the best matches (catalogue.search.query.CANDIDATES), not every match.
# "Best-selling" joins this list with the checkout issue, ordering by a paid-order count;
# until orders exist it is not offered, because it could not work.
SORT_OPTIONS = (
    SortOption("newest", _("Newest"), ("-first_published_at", "-id")),
    SortOption("price_asc", _("Price: low to high"), ("sort_price", "-id")),
    SortOption("price_desc", _("Price: high to low"), ("-sort_price", "-id")),
)


@dataclass(frozen=True)
class CatalogueQuery:
    """What a visitor asked for: search text, a category, a sort key and a page number."""

    text: str = ""
    category: object = None
    sort: str = ""
    page: str = "1"

    @classmethod
    def from_request(cls, request, category=None):
        return cls(
            text=" ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH],
            category=category,
            sort=request.GET.get("sort", ""),
            page=request.GET.get("page", "1"),
        )

    @property
    def is_search(self):
        return bool(self.text)

    def sort_options(self):
        """The sorts to offer: relevance first while searching."""
        return (RELEVANCE, *SORT_OPTIONS) if self.is_search else SORT_OPTIONS

    def resolve_sort(self):
        """The chosen sort, or the default (best match while searching, else newest)."""
        options = self.sort_options()
        return next((option for option in options if option.key == self.sort), options[0])

    def querystring_for(self, text):
        """The query string of a search for ``text`` with the current sort (no page)."""
        params = {"q": text}
        if self.sort and self.resolve_sort().key == self.sort:
            params["sort"] = self.sort
        return urlencode(params)

    def querystring_base(self):
        """The current search and sort as ``q=..&sort=..&``, for pagination links."""
        params = {}
        if self.text:
            params["q"] = self.text
        if self.sort and self.resolve_sort().key == self.sort:
            params["sort"] = self.sort
        return urlencode(params) + "&" if params else ""


class CountedPaginator(Paginator):
    """A paginator told its total instead of counting the rows: the listings know it from
    the category counters, where a ``COUNT(*)`` would read every live product."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = count

    @cached_property
    def count(self):
        return self.known_count


def live_product_total(category=None):
    """How many live products a listing without search text holds: the category's
    counter, or the sum of them all (``ProductCategory.live_product_count``)."""
    if category is not None:
        return category.live_product_count
    return ProductCategory.objects.live_product_total()


@dataclass(frozen=True)
class Suggestion:
    """A "did you mean" search: its text and the query string that runs it."""

    text: str
    querystring: str


@dataclass(frozen=True)
class Listing:
    """One page of results and what the template needs to describe it."""

    page_obj: object
    sort: SortOption
    sort_options: tuple
    total: int
    # A search counts its matches up to a bound (catalogue.search.query): "1,000+".
    total_is_lower_bound: bool = False
    suggestion: Suggestion | None = None


class ProductCards(Sequence):
    """One page of a listing as product ids, whose card data loads only when needed.

    The cards of a page mostly come from the page cache's fragments
    (``{% product_cards %}``), which need the ids alone: :meth:`load` fetches the
    products of the cards that were not there. Anything else that reads the page (a
    template loop, a test) gets every product with its card data, loaded once.
    """

    def __init__(self, ids):
        self.ids = list(ids)

    def load(self, ids):
        """The products ``ids`` with their card data, in that order (one query and the
        thumbnails')."""
        found = ProductPage.objects.with_card_data().in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    @cached_property
    def products(self):
        return self.load(self.ids)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        return self.products[index]

    def __iter__(self):
        return iter(self.products)


def browse_catalogue(query, per_page=None):
    """Live products matching ``query``, sorted and cut to one page.

    A fixed number of queries whatever the catalogue's size. Without search text: the
    total (from the category counters), the page of products with seller, category and
    cover joined, and the page's cover thumbnails. With it, see :func:`search_catalogue`.
    """
    sort = query.resolve_sort()
    per_page = per_page or settings.CATALOGUE_PAGE_SIZE
    if query.is_search:
        return search_catalogue(query, sort, per_page)
    products = ProductPage.objects.live()
    if query.category is not None:
        products = products.in_category(query.category)
    ids = products.order_by(*sort.ordering).values_list("pk", flat=True)
    paginator = CountedPaginator(ids, per_page, count=live_product_total(query.category))
    page_obj = paginator.get_page(query.page)
    page_obj.object_list = ProductCards(page_obj.object_list)
    return Listing(page_obj=page_obj, sort=sort, sort_options=query.sort_options(), total=paginator.count)


def search_catalogue(query, sort, per_page):
    """One page of a search, from the storefront's own index (``catalogue.search.query``).

    Three queries whatever the catalogue's size: the vocabulary, the page's products with
    their card data (a subquery picks their ids; the total comes along), and the
    thumbnails. Sorting by price or date sorts the best ``CANDIDATES`` matches, not all of
    them. With fewer than a few results, a "did you mean" suggestion costs a query per
    rarely-found word; a page number past the end, up to two more.
    """
    search = ProductSearch(query.text, category=query.category, ordering=None if sort is RELEVANCE else sort.ordering)
    found = search.page(query.page, per_page)
    paginator = CountedPaginator((), per_page, count=found.total)
    suggested = search.suggestion(found.total)
    return Listing(
        page_obj=Page(found.products, found.number, paginator),
        sort=sort,
        sort_options=query.sort_options(),
        total=found.total,
        total_is_lower_bound=found.total_is_lower_bound,
        suggestion=Suggestion(suggested, query.querystring_for(suggested)) if suggested else None,
    )
