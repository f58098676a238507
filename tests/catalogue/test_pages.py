"""The public catalogue: listing, search, category filter, sort, pagination, product pages."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import (
    CustomerFactory,
    ProductCategoryFactory,
    ProductPageFactory,
    SellerFactory,
)

pytestmark = pytest.mark.django_db


def titles(response):
    """Product titles on a listing page, in order."""
    return [product.title for product in response.context["products"]]


@pytest.fixture
def shop(site_tree):
    """A small catalogue: two categories, two sellers, one draft."""
    ebooks = ProductCategoryFactory(name="E-books")
    audio = ProductCategoryFactory(name="Sound packs")
    maya = SellerFactory(first_name="Maya", last_name="Okafor")
    lars = SellerFactory(first_name="Lars", last_name="Berg")
    now = timezone.now()
    products = {
        "rust": ProductPageFactory(
            title="Intro to Rust",
            summary="Learn systems programming.",
            category=ebooks,
            seller=maya,
            price=Decimal("24.00"),
            selling_price=Decimal("19.00"),
            first_published_at=now - timedelta(days=3),
            with_cover=True,
        ),
        "sourdough": ProductPageFactory(
            title="The Sourdough Field Guide",
            summary="Bread at home.",
            body="<p>Starter, hydration and <b>patience</b>.</p>",
            category=ebooks,
            seller=lars,
            price=Decimal("12.00"),
            first_published_at=now - timedelta(days=2),
        ),
        "loops": ProductPageFactory(
            title="Lo-fi Drum Loops",
            summary="Ninety loops.",
            category=audio,
            seller=lars,
            price=Decimal("21.00"),
            first_published_at=now - timedelta(days=1),
        ),
    }
    draft = ProductPageFactory(title="Secret draft", category=audio, seller=maya, live=False)
    draft.save_revision()
    return {"ebooks": ebooks, "audio": audio, "maya": maya, "lars": lars, "draft": draft, **products}


# LISTING


def test_catalogue_lists_live_products_as_cards(client, shop):
    response = client.get("/catalogue/")
    assert response.status_code == 200
    assert titles(response) == ["Lo-fi Drum Loops", "The Sourdough Field Guide", "Intro to Rust"]
    html = response.content.decode()
    assert "Secret draft" not in html
    card = html[html.index(f'href="{shop["rust"].url}"') :]
    card = card[: card.index("</a>")]
    assert 'class="cover"' in card  # the cover thumbnail
    assert "Intro to Rust" in card and "by Maya Okafor" in card and "E-books" in card
    # The selling price, with the original struck through.
    assert "$19.00 <del>" in card and "$24.00</del>" in card
    assert "−20%" in card
    assert "3 products" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rust", ["Intro to Rust"]),  # title
        ("systems", ["Intro to Rust"]),  # summary
        ("hydration", ["The Sourdough Field Guide"]),  # body
        ("sound", ["Lo-fi Drum Loops"]),  # category name
        ("Berg", ["Lo-fi Drum Loops", "The Sourdough Field Guide"]),  # seller name
        ("secret", []),  # drafts are never found
    ],
)
def test_search_covers_title_summary_body_category_and_seller(client, shop, query, expected):
    response = client.get("/catalogue/", {"q": query, "sort": "newest"})
    assert titles(response) == expected


def test_search_sorts_by_relevance_by_default_and_offers_it(client, shop):
    response = client.get("/catalogue/", {"q": "guide"})
    assert response.context["current_sort"] == "relevance"
    assert [option.key for option in response.context["sort_options"]] == [
        "relevance",
        "newest",
        "price_asc",
        "price_desc",
    ]
    assert b'<meta name="robots" content="noindex, follow">' in response.content


def test_sort_options_without_search(client, shop):
    response = client.get("/catalogue/")
    assert [option.key for option in response.context["sort_options"]] == ["newest", "price_asc", "price_desc"]
    assert b"Best match" not in response.content
    assert b"best" not in response.content.lower().split(b'id="catalogue-sort"')[1].split(b"</select>")[0]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Lo-fi Drum Loops", "The Sourdough Field Guide", "Intro to Rust"]),
        # By the price a buyer pays: Rust sells at 19.00, not 24.00.
        ("price_asc", ["The Sourdough Field Guide", "Intro to Rust", "Lo-fi Drum Loops"]),
        ("price_desc", ["Lo-fi Drum Loops", "Intro to Rust", "The Sourdough Field Guide"]),
        ("nonsense", ["Lo-fi Drum Loops", "The Sourdough Field Guide", "Intro to Rust"]),
    ],
)
def test_sort(client, shop, sort, expected):
    assert titles(client.get("/catalogue/", {"sort": sort})) == expected


def test_sort_applies_to_search_results(client, shop):
    response = client.get("/catalogue/", {"q": "Berg", "sort": "price_desc"})
    assert titles(response) == ["Lo-fi Drum Loops", "The Sourdough Field Guide"]


def test_category_filter_leads_to_the_category_page_keeping_search_and_sort(client, shop):
    response = client.get("/catalogue/", {"category": "e-books", "sort": "price_asc", "q": ""})
    assert response.status_code == 302
    assert response["Location"] == "/catalogue/category/e-books/?sort=price_asc"
    response = client.get("/catalogue/", {"category": "unknown"})
    assert response.status_code == 200 and len(titles(response)) == 3


def test_category_page_lists_its_products(client, shop):
    response = client.get("/catalogue/category/e-books/", {"sort": "price_asc"})
    assert response.status_code == 200
    assert titles(response) == ["The Sourdough Field Guide", "Intro to Rust"]
    html = response.content.decode()
    assert "<h1>E-books</h1>" in html
    assert f"<title>E-books · {'Brightshelf'}</title>" in html
    assert '<link rel="canonical" href="http://testserver/catalogue/category/e-books/">' in html
    assert 'aria-current="page">E-books</a>' in html
    assert shop["ebooks"].description in html


def test_search_within_a_category(client, shop):
    response = client.get("/catalogue/category/sound-packs/", {"q": "guide"})
    assert titles(response) == []
    assert "No products match your search" in response.content.decode()


def test_unknown_category_is_404(client, shop):
    assert client.get("/catalogue/category/nope/").status_code == 404


def test_pagination_24_per_page(client, site_tree):
    category = ProductCategoryFactory()
    seller = SellerFactory()
    now = timezone.now()
    for number in range(30):
        ProductPageFactory(
            title=f"Item {number:02d}",
            category=category,
            seller=seller,
            first_published_at=now - timedelta(minutes=number),
        )
    first = client.get("/catalogue/", {"sort": "newest"})
    assert len(titles(first)) == 24 and titles(first)[0] == "Item 00"
    assert "1–24 of 30 products" in first.content.decode()
    assert 'href="?sort=newest&amp;page=2"' in first.content.decode()
    second = client.get("/catalogue/", {"sort": "newest", "page": 2})
    assert titles(second) == [f"Item {number:02d}" for number in range(24, 30)]
    assert '<link rel="canonical" href="http://testserver/catalogue/?page=2">' in second.content.decode()
    # Out of range or junk page numbers land on a real page.
    assert titles(client.get("/catalogue/", {"page": 99})) == titles(second)
    assert titles(client.get("/catalogue/", {"page": "x"})) == titles(first)


# EMPTY STATES


def test_empty_catalogue(client, site_tree):
    response = client.get("/catalogue/")
    assert "No products yet" in response.content.decode()


def test_an_empty_category_is_hidden_from_shoppers(client, shop):
    """No chip, no option, and its address answers 404: shoppers never reach an empty
    shelf. Editors still see it among the categories in Wagtail admin."""
    ProductCategoryFactory(name="Fonts")
    assert client.get("/catalogue/category/fonts/").status_code == 404
    html = client.get("/catalogue/").content.decode()
    assert "/catalogue/category/fonts/" not in html and 'value="fonts"' not in html
    assert "/catalogue/category/e-books/" in html and 'value="e-books"' in html


def test_no_search_results(client, shop):
    html = client.get("/catalogue/", {"q": "zzzz"}).content.decode()
    assert "No products match your search" in html
    assert "Nothing matched “zzzz”" in html
    assert "Clear search" in html


def test_search_text_is_escaped(client, shop):
    html = client.get("/catalogue/", {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in html


# PRODUCT PAGE


def test_product_page_shows_everything_a_buyer_needs(client, shop):
    product = shop["rust"]
    response = client.get(product.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Intro to Rust</h1>" in html
    # The seller's name links to their storefront (catalogue.storefronts).
    assert 'by <a href="/sellers/maya-okafor/"><strong>Maya Okafor</strong></a>' in html
    assert 'href="/catalogue/category/e-books/"' in html
    assert 'class="product-cover"' in html and "fill-960x720" in html
    assert "$19.00 <del>" in html and "Save 20%" in html
    assert "Learn systems programming." in html
    assert "PDF file" in html


def test_product_page_body_is_rendered_as_rich_text(client, shop):
    html = client.get(shop["sourdough"].url).content.decode()
    assert "<p>Starter, hydration and <b>patience</b>.</p>" in html


def test_anonymous_visitors_are_asked_to_log_in_to_buy(client, shop):
    html = client.get(shop["rust"].url).content.decode()
    assert f'href="/accounts/login/?next={shop["rust"].url}"' in html
    assert "Log in to buy" in html


def test_signed_in_customers_get_a_buy_form_posting_to_checkout(client, shop):
    client.force_login(CustomerFactory())
    html = client.get(shop["rust"].url).content.decode()
    assert f'<form method="post" action="/checkout/{shop["rust"].pk}/">' in html
    assert re.search(r'<button class="btn btn-primary btn-lg btn-block" type="submit">Buy now</button>', html)
    assert "csrfmiddlewaretoken" in html
    assert "Log in to buy" not in html


def test_buyers_who_own_the_product_get_the_download_instead(client, shop):
    from tests.factories import OrderFactory

    customer = CustomerFactory()
    order = OrderFactory(customer=customer, product=shop["rust"])
    client.force_login(customer)
    html = client.get(shop["rust"].url).content.decode()
    assert f'href="/account/products/{order.pk}/download/"' in html
    assert "Buy now" not in html


def test_the_seller_sees_their_own_product(client, shop):
    client.force_login(shop["maya"])
    html = client.get(shop["rust"].url).content.decode()
    assert "You sell this product." in html


def test_related_products_same_category_live_not_itself(client, shop):
    category = shop["ebooks"]
    extra = ProductPageFactory.create_batch(4, category=category)
    response = client.get(shop["rust"].url)
    related = response.context["related_products"]
    assert len(related) == 4
    assert shop["rust"] not in related
    assert all(product.category_id == category.pk and product.live for product in related)
    assert {product.pk for product in related} <= {shop["sourdough"].pk, *(p.pk for p in extra)}
    assert "More in E-books" in response.content.decode()


def test_draft_product_is_not_served(client, shop):
    assert client.get("/catalogue/" + shop["draft"].slug + "/").status_code == 404


def test_unknown_product_is_404(client, shop):
    assert client.get("/catalogue/no-such-product/").status_code == 404


# META TAGS


def test_product_meta_tags(client, shop):
    product = shop["rust"]
    html = client.get(product.url).content.decode()
    assert "<title>Intro to Rust · Brightshelf</title>" in html
    assert '<meta name="description" content="Learn systems programming.">' in html
    assert f'<link rel="canonical" href="http://testserver{product.url}">' in html
    assert '<meta property="og:type" content="product">' in html
    assert '<meta property="og:title" content="Intro to Rust">' in html
    assert '<meta property="og:description" content="Learn systems programming.">' in html
    assert re.search(
        r'<meta property="og:image" content="http://testserver/media/images/[^"]+fill-1200x630[^"]*">', html
    )
    assert '<meta property="product:price:amount" content="19.00">' in html
    assert '<meta property="product:price:currency" content="USD">' in html


def test_long_summaries_are_cut_for_the_meta_description(site_tree):
    product = ProductPageFactory(summary="word " * 100)
    assert len(product.meta_description) <= 160 and product.meta_description.endswith("…")


def test_catalogue_meta_tags(client, shop):
    html = client.get("/catalogue/").content.decode()
    assert "<title>Catalogue · Brightshelf</title>" in html
    assert '<meta name="description" content="Browse every digital product' in html
    assert '<link rel="canonical" href="http://testserver/catalogue/">' in html
    assert '<meta property="og:title" content="Catalogue">' in html


def test_search_follows_a_renamed_category_and_seller(client, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        shop["audio"].name = "Beats and samples"
        shop["audio"].save()
        shop["maya"].last_name = "Adeyemi"
        shop["maya"].save(update_fields=["last_name"])
    assert titles(client.get("/catalogue/", {"q": "samples"})) == ["Lo-fi Drum Loops"]
    assert titles(client.get("/catalogue/", {"q": "Adeyemi"})) == ["Intro to Rust"]


def test_sign_ins_do_not_reindex(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        shop["maya"].save(update_fields=["last_login"])
    assert callbacks == []


def test_editor_preview_of_a_changed_product_renders(shop):
    product = shop["rust"]
    product.title = "Intro to Rust, second edition"
    response = product.make_preview_request()
    assert response.status_code == 200
    assert "Intro to Rust, second edition" in response.content.decode()
