"""The home page's featured products and category grid blocks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from home.blocks import CategoryGridBlock, FeaturedProductsBlock, HomeStreamBlock
from home.site_tree import DEFAULT_HOME_BODY
from tests.factories import ProductCategoryFactory, ProductPageFactory

pytestmark = pytest.mark.django_db


def featured_value(products=(), limit=8):
    block = FeaturedProductsBlock()
    return block, block.to_python({"heading": "Featured", "products": [p.pk for p in products], "limit": limit})


def test_featured_products_default_to_the_featured_flag_newest_first(site_tree):
    now = timezone.now()
    older = ProductPageFactory(featured=True, first_published_at=now - timedelta(days=2))
    newer = ProductPageFactory(featured=True, first_published_at=now - timedelta(days=1))
    ProductPageFactory(featured=False)
    hidden = ProductPageFactory(featured=True, live=False)
    block, value = featured_value()
    products = block.products_for(value)
    assert products == [newer, older]
    assert hidden not in products


def test_featured_products_limit(site_tree):
    ProductPageFactory.create_batch(5, featured=True)
    block, value = featured_value(limit=3)
    assert len(block.products_for(value)) == 3


def test_chosen_products_win_in_their_order_and_must_be_live(site_tree):
    first, second = ProductPageFactory(), ProductPageFactory()
    ProductPageFactory(featured=True)
    draft = ProductPageFactory(live=False)
    block, value = featured_value(products=[second, draft, first])
    assert block.products_for(value) == [second, first]


def test_category_grid_defaults_to_categories_with_live_products(site_tree):
    ebooks = ProductCategoryFactory(name="E-books")
    audio = ProductCategoryFactory(name="Audio")
    ProductCategoryFactory(name="Empty")
    ProductPageFactory.create_batch(2, category=ebooks)
    ProductPageFactory(category=audio)
    ProductPageFactory(category=audio, live=False)
    block = CategoryGridBlock()
    categories = block.categories_for(block.to_python({"heading": "Browse", "categories": []}))
    assert [(c.name, c.product_count, c.url) for c in categories] == [
        ("Audio", 1, "/catalogue/category/audio/"),
        ("E-books", 2, "/catalogue/category/e-books/"),
    ]


def test_category_grid_chosen_categories_in_order_without_empty_ones(site_tree):
    first, empty, second = (ProductCategoryFactory(name=name) for name in ("Zines", "Fonts", "Apps"))
    ProductPageFactory(category=first)
    ProductPageFactory(category=second)
    ProductPageFactory(category=empty, live=False)
    block = CategoryGridBlock()
    value = block.to_python({"heading": "Browse", "categories": [first.pk, empty.pk, second.pk]})
    # An editor's pick with no live products is left out: its page answers 404.
    assert [c.name for c in block.categories_for(value)] == ["Zines", "Apps"]


def test_default_home_body_has_featured_products_and_categories():
    assert [item["type"] for item in DEFAULT_HOME_BODY] == [
        "hero",
        "featured_products",
        "category_grid",
        "call_to_action",
    ]
    HomeStreamBlock().to_python(DEFAULT_HOME_BODY)


def test_home_page_renders_featured_products_and_categories(client, site_tree):
    ebooks = ProductCategoryFactory(name="E-books")
    ProductPageFactory(title="Intro to Rust", featured=True, category=ebooks, with_cover=True)
    html = client.get("/").content.decode()
    assert "Featured products" in html and "Intro to Rust" in html
    assert "Browse by category" in html and 'href="/catalogue/category/e-books/"' in html
    assert "1 product<" in html


def test_home_page_hides_empty_blocks(client, site_tree):
    html = client.get("/").content.decode()
    assert "Featured products" not in html and "Browse by category" not in html
    assert "Digital goods from independent makers" in html


@pytest.mark.parametrize("count", [2, 12])
def test_home_page_query_count_does_not_grow_with_products(client, site_tree, count, django_assert_max_num_queries):
    categories = ProductCategoryFactory.create_batch(3)
    for number in range(count):
        ProductPageFactory(featured=True, category=categories[number % 3], with_cover=True)
    client.get("/")
    with django_assert_max_num_queries(10):
        response = client.get("/")
    assert response.status_code == 200
