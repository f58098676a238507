"""The storefront search (catalogue.search): stems, prefixes, suggestions, ranking, the index
following publish / unpublish / delete / renames, bounded totals and a constant query count."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from catalogue.models import ProductPage, ProductSearchTerm, SearchWord
from catalogue.search import query as search_query
from catalogue.search.indexing import rebuild_index
from catalogue.search.text import terms
from tests.factories import ProductCategoryFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db


def titles(response):
    return [product.title for product in response.context["products"]]


def search(client, text, path="/catalogue/", **params):
    response = client.get(path, {"q": text, **params})
    assert response.status_code == 200
    return response


def vocabulary():
    """``{stem: products}`` of the words that count any product."""
    return dict(SearchWord.objects.filter(products__gt=0).values_list("stem", "products"))


def recounted_vocabulary():
    """The same, counted from the index rows."""
    return dict(Counter(ProductSearchTerm.objects.values_list("stem", flat=True)))


@pytest.fixture
def seller(db):
    return SellerFactory(first_name="Ada", last_name="Quill")


@pytest.fixture
def ebooks(db):
    return ProductCategoryFactory(name="E-books")


def make(title, *, seller, category, summary="A download.", body="", **kwargs):
    return ProductPageFactory(title=title, summary=summary, body=body, seller=seller, category=category, **kwargs)


# TEXT


def test_text_is_normalised_stemmed_and_stop_words_dropped():
    assert terms("The Café TEMPLATES, and a template!") == [
        ("cafe", "cafe"),
        ("templat", "templates"),
        ("templat", "template"),
    ]
    assert terms("x y_z 3d") == [("3d", "3d")]  # one-letter tokens go; "_" splits words


# FINDING


def test_stemming_finds_singular_and_plural_alike(client, site_tree, seller, ebooks):
    make("Slide templates for teachers", seller=seller, category=ebooks)
    make("A template for invoices", seller=seller, category=ebooks)
    assert sorted(titles(search(client, "template"))) == sorted(titles(search(client, "templates")))
    assert len(titles(search(client, "templates"))) == 2


def test_the_last_word_matches_as_a_prefix(client, site_tree, seller, ebooks):
    make("Intro to Rust", seller=seller, category=ebooks)
    make("Cooking basics", seller=seller, category=ebooks)
    assert titles(search(client, "rus")) == ["Intro to Rust"]
    assert titles(search(client, "intro ru")) == ["Intro to Rust"]
    # Only the last word: an earlier word must match a whole stem.
    assert titles(search(client, "ru intro")) == []


def test_exact_word_ranks_above_a_longer_word_it_starts(client, site_tree, seller, ebooks):
    make("Rustic bread", seller=seller, category=ebooks)
    make("Rust handbook", seller=seller, category=ebooks)
    assert titles(search(client, "rust")) == ["Rust handbook", "Rustic bread"]


def test_words_are_combined_with_and(client, site_tree, seller, ebooks):
    make("Rust handbook", seller=seller, category=ebooks)
    make("Rust cookbook", seller=seller, category=ebooks)
    make("Python handbook", seller=seller, category=ebooks)
    assert titles(search(client, "rust handbook")) == ["Rust handbook"]
    assert titles(search(client, "handbook python")) == ["Python handbook"]
    assert titles(search(client, "rust zebra")) == []


def test_a_title_hit_ranks_above_a_body_hit(client, site_tree, seller, ebooks):
    make("Watercolour basics", seller=seller, category=ebooks)
    # Newer, and says the word three times, but only in its description.
    make(
        "Painting outdoors",
        seller=seller,
        category=ebooks,
        body="<p>Watercolour, watercolour and more watercolour.</p>",
    )
    assert titles(search(client, "watercolour")) == ["Watercolour basics", "Painting outdoors"]


def test_search_within_a_category(client, site_tree, seller, ebooks):
    fonts = ProductCategoryFactory(name="Fonts")
    make("Handwriting guide", seller=seller, category=ebooks)
    make("Handwriting font", seller=seller, category=fonts)
    assert titles(search(client, "handwriting", path=f"/catalogue/category/{fonts.slug}/")) == ["Handwriting font"]
    assert titles(search(client, "handwriting guide", path=f"/catalogue/category/{fonts.slug}/")) == []
    assert len(titles(search(client, "handwriting"))) == 2


def test_accents_and_case_do_not_matter(client, site_tree, seller, ebooks):
    make("Café Crème recipes", seller=seller, category=ebooks)
    assert titles(search(client, "CAFE creme")) == ["Café Crème recipes"]


# SUGGESTIONS


def test_a_misspelt_search_suggests_a_word_that_finds_something(client, site_tree, seller, ebooks):
    make("Wedding photography presets", seller=seller, category=ebooks)
    response = search(client, "photograpy")
    assert titles(response) == []
    suggestion = response.context["listing"].suggestion
    assert suggestion.text == "photography"
    html = response.content.decode()
    assert 'Did you mean <a href="/catalogue/?q=photography">photography</a>?' in html
    assert titles(client.get(f"/catalogue/?{suggestion.querystring}")) == ["Wedding photography presets"]


def test_a_suggestion_keeps_the_known_words_and_the_sort(client, site_tree, seller, ebooks):
    make("Wedding photography presets", seller=seller, category=ebooks)
    response = search(client, "wedding photograpy", sort="price_asc")
    assert response.context["listing"].suggestion.querystring == "q=wedding+photography&sort=price_asc"


def test_no_suggestion_when_the_search_finds_enough_or_nothing_is_close(client, site_tree, seller, ebooks):
    for number in range(3):
        make(f"Photography pack {number}", seller=seller, category=ebooks)
    assert search(client, "photography").context["listing"].suggestion is None
    assert search(client, "zzzzqx").context["listing"].suggestion is None


# WHAT IS INDEXED, AND WHEN


def test_drafts_are_found_only_once_published_and_no_longer_once_unpublished(client, site_tree, seller, ebooks):
    draft = make("Secret sourdough", seller=seller, category=ebooks, live=False)
    draft.save_revision()
    assert titles(search(client, "sourdough")) == []
    assert not ProductSearchTerm.objects.filter(product=draft).exists()

    draft.get_latest_revision().publish()
    assert titles(search(client, "sourdough")) == ["Secret sourdough"]

    # A draft of new text is not searchable until it is published.
    page = ProductPage.objects.get(pk=draft.pk)
    page.title = "Secret rye"
    page.save_revision()
    assert titles(search(client, "sourdough")) == ["Secret sourdough"]
    assert titles(search(client, "rye")) == []

    ProductPage.objects.get(pk=draft.pk).unpublish()
    assert titles(search(client, "sourdough")) == []
    assert not ProductSearchTerm.objects.filter(product=draft).exists()


def test_unpublishing_through_a_plain_page_object_unindexes(client, site_tree, seller, ebooks):
    product = make("Sourdough guide", seller=seller, category=ebooks)
    Page.objects.get(pk=product.pk).unpublish()
    assert titles(search(client, "sourdough")) == []


def test_renaming_a_category_or_seller_reindexes_its_products(
    client, site_tree, seller, ebooks, django_capture_on_commit_callbacks
):
    make("Rust handbook", seller=seller, category=ebooks)
    with django_capture_on_commit_callbacks(execute=True):
        ebooks.name = "Digital manuals"
        ebooks.save()
        seller.last_name = "Lovelace"
        seller.save(update_fields=["last_name"])
    assert titles(search(client, "manuals")) == ["Rust handbook"]
    assert titles(search(client, "lovelace")) == ["Rust handbook"]
    assert titles(search(client, "quill")) == []
    assert titles(search(client, "ebooks")) == []
    assert ProductSearchTerm.objects.filter(stem="manual").get().category_id == ebooks.pk


def test_moving_a_product_to_another_category_moves_its_rows(client, site_tree, seller, ebooks):
    fonts = ProductCategoryFactory(name="Fonts")
    product = make("Handwriting guide", seller=seller, category=ebooks)
    make("Rust handbook", seller=seller, category=ebooks)  # an empty category's page is a 404
    product.category = fonts
    product.save_revision().publish()
    assert titles(search(client, "handwriting", path=f"/catalogue/category/{fonts.slug}/")) == ["Handwriting guide"]
    assert titles(search(client, "handwriting", path=f"/catalogue/category/{ebooks.slug}/")) == []


def test_deleting_a_product_removes_its_rows_and_counts(client, site_tree, seller, ebooks):
    keep = make("Rust handbook", seller=seller, category=ebooks)
    gone = make("Rust cookbook", seller=seller, category=ebooks)
    assert vocabulary()["rust"] == 2
    gone.delete()
    assert not ProductSearchTerm.objects.filter(product_id=gone.pk).exists()
    assert vocabulary()["rust"] == 1
    assert "cookbook" not in vocabulary()
    assert titles(search(client, "rust")) == [keep.title]
    assert search(client, "rust").context["listing"].total == 1


def test_vocabulary_counts_stay_exact_through_publishes_and_unpublishes(site_tree, seller, ebooks):
    fonts = ProductCategoryFactory(name="Fonts")
    products = [
        make("Rust handbook", seller=seller, category=ebooks, body="<p>Systems programming, rust and more rust.</p>"),
        make("Rust cookbook", seller=seller, category=fonts),
        make("Python handbook", seller=seller, category=ebooks),
    ]
    draft = make("Rust drafts", seller=seller, category=fonts, live=False)
    draft.save_revision()
    products[0].unpublish()
    draft.get_latest_revision().publish()
    products[1].title = "Go cookbook"
    products[1].save_revision().publish()
    products[0].save_revision().publish()
    products[2].delete()
    assert vocabulary() == recounted_vocabulary()
    assert vocabulary()["rust"] == 2  # the handbook and the published draft
    # And what a rebuild makes of the same products.
    before = vocabulary()
    rebuild_index()
    assert vocabulary() == before


def test_rebuild_search_indexes_rows_loaded_past_the_signals(client, site_tree, seller, ebooks):
    product = make("Rust handbook", seller=seller, category=ebooks)
    ProductSearchTerm.objects.all().delete()
    SearchWord.objects.all().delete()
    assert titles(search(client, "rust")) == []
    out = StringIO()
    call_command("rebuild_search", stdout=out)
    assert "1 live products" in out.getvalue()
    assert titles(search(client, "rust")) == [product.title]
    assert SearchWord.objects.get(stem="rust").word == "rust"


# PAGES AND TOTALS


def test_pagination_over_more_results_than_a_page(client, site_tree, seller, ebooks):
    for number in range(30):
        make(f"Knitting pattern {number:02d}", seller=seller, category=ebooks)
    first = search(client, "knitting")
    second = search(client, "knitting", page=2)
    assert len(titles(first)) == 24 and len(titles(second)) == 6
    assert set(titles(first)) | set(titles(second)) == {f"Knitting pattern {number:02d}" for number in range(30)}
    assert "1–24 of 30 products" in first.content.decode()
    assert 'href="?q=knitting&amp;page=2"' in first.content.decode()
    # Junk and out-of-range pages land on a real page; two words go the bounded way.
    assert titles(search(client, "knitting", page=99)) == titles(second)
    assert titles(search(client, "knitting", page="x")) == titles(first)
    assert titles(search(client, "knitting pattern", page=99)) == titles(search(client, "knitting pattern", page=2))
    assert len(titles(search(client, "knitting", sort="newest", page=2))) == 6


def test_a_bounded_total_says_so(client, site_tree, seller, ebooks, monkeypatch):
    monkeypatch.setattr(search_query, "CANDIDATES", 5)
    for number in range(8):
        make(f"Knitting pattern {number}", seller=seller, category=ebooks)
    # One word over the whole catalogue: the vocabulary's exact count, every page reachable.
    assert search(client, "knitting").context["listing"].total == 8
    # In a category (or with two words, or another sort) only the best 5 are considered.
    response = search(client, "knitting", path=f"/catalogue/category/{ebooks.slug}/")
    listing = response.context["listing"]
    assert (listing.total, listing.total_is_lower_bound, len(titles(response))) == (5, True, 5)
    assert "5+ products" in response.content.decode()
    listing = search(client, "knitting pattern").context["listing"]
    assert (listing.total, listing.total_is_lower_bound) == (5, True)


@pytest.mark.parametrize(
    "text",
    ["!!!", "%", "_", "a", "the of and", "<script>x</script>", "' OR 1=1 --", "rust " * 60, "ünïcödé ∑ 😀", "\x00"],
)
def test_odd_queries_answer_sensibly(client, site_tree, seller, ebooks, text):
    make("Rust handbook", seller=seller, category=ebooks)
    response = client.get("/catalogue/", {"q": text})
    assert response.status_code == 200
    if text.startswith("rust "):
        assert titles(response) == ["Rust handbook"]
    else:
        assert titles(response) == []
        assert "No products match your search" in response.content.decode()


def test_like_wildcards_in_a_prefix_match_literally(client, site_tree, seller, ebooks):
    make("Rust handbook", seller=seller, category=ebooks)
    assert titles(search(client, "r%")) == []
    assert titles(search(client, "r_st")) == []


# COST


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("knitting", {}),
        ("knitting pattern", {}),
        ("knit", {}),
        ("knitting", {"sort": "price_asc"}),
        ("knitting pattern", {"sort": "newest"}),
    ],
)
def test_a_search_costs_the_same_queries_for_3_or_40_matches(client, site_tree, seller, ebooks, text, params):
    def count_queries():
        client.get("/catalogue/", {"q": text, **params})  # warm-up: thumbnails, site caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/catalogue/", {"q": text, **params})
        assert response.status_code == 200
        return len(queries)

    for number in range(3):
        make(f"Knitting pattern {number}", seller=seller, category=ebooks)
    few = count_queries()
    for number in range(37):
        make(f"Knitting pattern extra {number}", seller=seller, category=ebooks)
    assert count_queries() == few
