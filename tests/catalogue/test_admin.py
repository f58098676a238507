"""Wagtail admin: the Catalogue menu, the product listing, categories and their deletion."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text

from catalogue.models import ProductCategory, ProductPage
from tests.factories import PDF_BYTES, ProductCategoryFactory, ProductPageFactory, SellerFactory

pytestmark = pytest.mark.django_db

PRODUCTS_URL = "/admin/catalogue_products/"
CATEGORIES_URL = "/admin/snippets/catalogue/productcategory/"


@pytest.fixture
def editor(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def shop(site_tree):
    ebooks = ProductCategoryFactory(name="E-books")
    audio = ProductCategoryFactory(name="Sound packs")
    maya = SellerFactory(first_name="Maya", last_name="Okafor")
    lars = SellerFactory(first_name="Lars", last_name="Berg")
    rust = ProductPageFactory(
        title="Intro to Rust", category=ebooks, seller=maya, price=Decimal("24.00"), selling_price=Decimal("19.00")
    )
    loops = ProductPageFactory(title="Lo-fi Drum Loops", category=audio, seller=lars, price=Decimal("21.00"))
    draft = ProductPageFactory(title="Unfinished", category=audio, seller=maya, live=False)
    return {"ebooks": ebooks, "audio": audio, "maya": maya, "lars": lars, "rust": rust, "loops": loops, "draft": draft}


def test_catalogue_menu_groups_products_and_categories(editor, shop):
    html = editor.get("/admin/").content.decode()
    assert "Catalogue" in html
    assert PRODUCTS_URL in html and CATEGORIES_URL in html


def test_product_listing_shows_seller_category_price_and_status(editor, shop):
    response = editor.get(PRODUCTS_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("Seller", "Category", "Price", "Status"):
        assert heading in html
    assert "Intro to Rust" in html and "Maya Okafor" in html and "E-books" in html
    assert "$19.00 (was $24.00)" in html
    assert "Lo-fi Drum Loops" in html and "$21.00" in html
    flat = re.sub(r"\s+", " ", html)
    assert "Current page status:</span> live" in flat
    assert "Unfinished" in html and "Current page status:</span> draft" in flat


def test_product_listing_filters_by_category_and_seller(editor, shop):
    html = editor.get(PRODUCTS_URL, {"category": shop["audio"].pk}).content.decode()
    assert "Lo-fi Drum Loops" in html and "Intro to Rust" not in html
    html = editor.get(PRODUCTS_URL, {"seller": shop["maya"].pk}).content.decode()
    assert "Intro to Rust" in html and "Lo-fi Drum Loops" not in html


def _listing_queries(editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    editor.get(PRODUCTS_URL)  # warm caches (content types, site root paths)
    with CaptureQueriesContext(connection) as queries:
        assert editor.get(PRODUCTS_URL).status_code == 200
    return len(queries)


def test_product_listing_query_count_does_not_grow_per_row(editor, shop):
    few = _listing_queries(editor)
    # A full page of 50 rows (the listing's page size), each with its own seller.
    for _ in range(47):
        ProductPageFactory(category=shop["ebooks"], seller=SellerFactory())
    many = _listing_queries(editor)
    assert many == few
    # Request and admin chrome, the seller filter's choices, the page and its count,
    # Wagtail's own site-root and workflow lookups: a constant, whatever the rows.
    assert many <= 20


def test_category_listing(editor, shop):
    response = editor.get(CATEGORIES_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "E-books" in html and "Sound packs" in html
    assert "Products" in html and "Owner" in html
    assert editor.get(CATEGORIES_URL, {"q": "sound"}).status_code == 200


def test_deleting_a_category_with_products_is_refused_with_a_message(editor, shop):
    url = reverse(ProductCategory.snippet_viewset.get_url_name("delete"), args=[shop["ebooks"].pk])
    response = editor.post(url)
    assert response.status_code == 302 and response["Location"] == CATEGORIES_URL
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert messages == [
        "“E-books” still has 1 product, so it cannot be deleted. Move that product to another category or delete it first."
    ]
    assert ProductCategory.objects.filter(pk=shop["ebooks"].pk).exists()
    # The confirmation page refuses up front too.
    assert editor.get(url).status_code == 302


def test_bulk_deleting_categories_with_products_is_refused(editor, shop):
    empty = ProductCategoryFactory(name="Fonts")
    url = reverse("wagtail_bulk_action", args=["catalogue", "productcategory", "delete"])
    query = f"?id={shop['ebooks'].pk}&id={shop['audio'].pk}&id={empty.pk}"
    response = editor.post(url + query)
    assert response.status_code == 302
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert len(messages) == 2 and all("cannot be deleted" in message for message in messages)
    assert ProductCategory.objects.count() == 3


def test_deleting_an_empty_category_works(editor, shop):
    empty = ProductCategoryFactory(name="Fonts")
    url = reverse(ProductCategory.snippet_viewset.get_url_name("delete"), args=[empty.pk])
    editor.post(url)
    assert not ProductCategory.objects.filter(pk=empty.pk).exists()


def test_category_created_in_admin_gets_a_slug(editor, site_tree):
    url = reverse(ProductCategory.snippet_viewset.get_url_name("add"))
    response = editor.post(url, {"name": "Video courses", "slug": "", "description": "", "owner": ""})
    assert response.status_code == 302
    assert ProductCategory.objects.get(name="Video courses").slug == "video-courses"


def test_product_edit_page_renders_the_private_file_without_a_link(editor, shop):
    response = editor.get(reverse("wagtailadmin_pages:edit", args=[shop["rust"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Current file: <strong>product.pdf</strong>" in html
    assert shop["rust"].file.name not in html


def product_form_data(shop, **overrides):
    data = {
        "title": "Made in the admin",
        "slug": "made-in-the-admin",
        "seller": shop["maya"].pk,
        "category": shop["ebooks"].pk,
        "summary": "Created through Wagtail's page editor.",
        "body": rich_text("<p>Body</p>"),
        "price": "10.00",
        "selling_price": "",
        "tax_category": "e_book",
        "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
        "gallery_images": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
        "action-publish": "publish",
    }
    data.update(overrides)
    return nested_form_data(data)


def test_product_created_in_the_admin(editor, shop, catalogue_index):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("wagtailadmin_pages:add", args=["catalogue", "productpage", catalogue_index.pk])
    data = product_form_data(shop)
    data["file"] = SimpleUploadedFile("Admin Book.pdf", PDF_BYTES)
    response = editor.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    product = ProductPage.objects.get(title="Made in the admin")
    assert product.live and product.file_name == "Admin Book.pdf" and product.sort_price == Decimal("10.00")


def test_admin_shows_validation_errors_on_the_fields(editor, shop, catalogue_index):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("wagtailadmin_pages:add", args=["catalogue", "productpage", catalogue_index.pk])
    data = product_form_data(shop, title="x" * 101, price="10.00", selling_price="11.00")
    data["file"] = SimpleUploadedFile("book.pdf", b"not really a pdf")
    response = editor.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Keep the product name to 100 characters or fewer (it has 101)." in html
    assert "The selling price cannot be more than the price (10.00)." in html
    assert "do not look like a .pdf file" in html
    assert not ProductPage.objects.filter(slug="made-in-the-admin").exists()
